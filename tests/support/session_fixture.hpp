// Test helpers for the FormSession suites: a builder for small inline XForms and a `Session`
// fixture that loads one and starts it with a fixed, reproducible environment (the clock, UUIDs,
// random() and device properties of odk-oracle's --deterministic mode), so expected values can be
// taken verbatim from `TZ=UTC odk-oracle FORM --deterministic`.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <string_view>

#include "khaosat/core/form_session.hpp"

namespace khaosat::test {

// 2020-01-01T12:00:00Z, the oracle's default --now.
inline constexpr double kFixedNowMs = 1577880000000.0;

// A complete XForm: the XForms default namespace plus h, jr, odk, orx and xsd; title "T";
// `instance` is the primary instance's root element (e.g. `<data id="f"><a/></data>`);
// `extra_model` (itext, secondary instances, model-level actions) follows the primary instance
// and precedes `binds`; `body` is the content of <h:body>.
std::string xform(std::string_view instance, std::string_view binds, std::string_view body,
                  std::string_view extra_model = "");

// The oracle's deterministic environment: fixed clock, counter UUIDs
// (00000000-0000-4000-8000-000000000001, ...), mulberry32 random(), oracle device properties.
core::SessionEnvironment fixed_env();

// Loads `xml` and returns the load error; fails the test if the form loads.
core::Error load_error(std::string_view xml);

// A started session over an inline form. Fails the test (REQUIRE) when the form does not load
// or start, so a test body can assume `s` is valid.
struct Session {
  explicit Session(std::string_view xml, std::string language = "");

  core::FormSession* operator->() { return s.get(); }
  const core::FormSession* operator->() const { return s.get(); }

  // The snapshot of `ref`; fails the test when there is no such node.
  core::NodeSnapshot at(std::string_view ref) const;
  std::string value(std::string_view ref) const { return at(ref).value; }
  // Answers and REQUIREs success (the failure message is printed).
  void set(std::string_view ref, std::string_view value);
  // Every ref of nodes(), space-separated, to check structure and order in one comparison.
  std::string refs() const;
  // The choice values of a select, space-separated.
  std::string choices(std::string_view ref) const;

  core::Form form;
  std::unique_ptr<core::FormSession> s;
};

// The message of a failed Status / Result, or "" when it succeeded (for CHECKs on messages).
template <class T>
std::string error_of(const core::Result<T>& r) {
  return r.ok() ? std::string() : r.error().message;
}

// A snapshot document's text (run_fill's, write_fill's) with every timing ("ms", "snapshotMs",
// "loadMs", "stepsTotalMs") printed as 0, so two runs compare byte for byte.
std::string zero_timings(std::string text);

}  // namespace khaosat::test
