// The XForm loader over the ODK Web Forms fixture corpus (shared/conformance/odk-web-forms):
// every XForm loads, except the deliberately invalid ones ODK's reference engine rejects too,
// which we must reject with a clear message. Forms ODK rejects only for its own engine limits
// (no XForms namespace, body/model mismatch, int selects) load here. A root without an id is
// refused, as ODK's engine does: submissions could not be filed under a form id.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "xform/form_def.hpp"

using namespace khaosat::core;
namespace fs = std::filesystem;

namespace {

fs::path corpus_dir() { return fs::path(KHAOSAT_TESTS_DIR) / "fixtures" / "odk-web-forms"; }

bool is_xform(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head.find("<h:html") != std::string::npos;
}

// File name -> the error code we must report (and a word the message must contain).
const std::map<std::string, std::pair<std::string, std::string>>& expected_rejects() {
  static const std::map<std::string, std::pair<std::string, std::string>> m = {
      {"xpath-syntax-error.xml", {"form.expression", "position"}},
      {"xpath-unknown-function.xml", {"form.expression", "unknown function"}},
      {"bad-range-form.xml", {"form.body", "start"}},
      {"invalid-events.xml", {"form.action", "unsupported event"}},
      {"event-odk-new-repeat-model.xml", {"form.action", "odk-new-repeat"}},
      // a primary instance root without an id: no form id to file submissions under
      {"ImageSelectTester.xml", {"form.structure", "no id"}},
      // attachments the fixtures do not include: load only with missing_blank
      {"external-secondary-instance.xml", {"form.attachment", "towns.xml"}},
      {"external-secondary-instance-large.xml", {"form.attachment", "not found"}},
      {"unused-secondary-instance.xml", {"form.attachment", "not found"}},
  };
  return m;
}

}  // namespace

TEST_CASE("xform corpus: every ODK fixture loads or is rejected like ODK rejects it") {
  fs::path dir = corpus_dir();
  REQUIRE_MESSAGE(fs::exists(dir), "corpus not found at " << dir.string());
  int loaded = 0, rejected = 0, total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".xml" || !is_xform(entry.path()))
      continue;
    ++total;
    std::string name = entry.path().filename().string();
    CAPTURE(entry.path().string());
    auto r = load_xform_file(entry.path().string(), {});
    auto it = expected_rejects().find(name);
    if (it == expected_rejects().end()) {
      if (!r.ok()) FAIL_CHECK(r.error().code_name() << ": " << r.error().message);
      else ++loaded;
      continue;
    }
    REQUIRE_FALSE(r.ok());
    ++rejected;
    CHECK(r.error().code_name() == it->second.first);
    CHECK(r.error().message.find(it->second.second) != std::string::npos);
    CHECK(r.error().message.find(name) != std::string::npos);  // names the file
    if (it->second.first == "form.attachment") {
      LoadOptions blank;
      blank.missing_blank = true;
      auto b = load_xform_file(entry.path().string(), blank);
      CHECK_MESSAGE(b.ok(), (b.ok() ? std::string() : b.error().message));
    }
  }
  MESSAGE(total << " XForms: " << loaded << " loaded, " << rejected << " rejected as expected");
  CHECK(total >= 130);
  CHECK(rejected == static_cast<int>(expected_rejects().size()));
}

TEST_CASE("xform corpus: bench9 has the expected shape") {
  fs::path p = corpus_dir() / "performance" / "bench9.xml";
  REQUIRE_MESSAGE(fs::exists(p), "corpus file not found at " << p.string());
  auto r = load_xform_file(p.string(), {});
  REQUIRE(r.ok());
  CHECK_FALSE((*r)->binds.empty());
  CHECK_FALSE((*r)->body.children.empty());
}
