#include "support/session_fixture.hpp"

#include <cstdint>
#include <cstdio>

namespace khaosat::test {

using namespace khaosat::core;

std::string xform(std::string_view instance, std::string_view binds, std::string_view body,
                  std::string_view extra_model) {
  std::string x =
      "<?xml version=\"1.0\"?>\n"
      "<h:html xmlns=\"http://www.w3.org/2002/xforms\" xmlns:h=\"http://www.w3.org/1999/xhtml\" "
      "xmlns:jr=\"http://openrosa.org/javarosa\" xmlns:odk=\"http://www.opendatakit.org/xforms\" "
      "xmlns:orx=\"http://openrosa.org/xforms\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">\n"
      "<h:head><h:title>T</h:title><model>\n<instance>";
  x += instance;
  x += "</instance>\n";
  x += extra_model;
  x += "\n";
  x += binds;
  x += "\n</model></h:head>\n<h:body>";
  x += body;
  x += "</h:body></h:html>\n";
  return x;
}

SessionEnvironment fixed_env() {
  SessionEnvironment env;
  env.now_ms = [] { return kFixedNowMs; };
  env.tz_offset_minutes = [](double) { return 0; };
  auto counter = std::make_shared<std::uint64_t>(0);
  env.uuid = [counter] {
    char buf[64];
    std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012llx",
                  static_cast<unsigned long long>(++*counter));
    return std::string(buf);
  };
  auto seed = std::make_shared<std::uint32_t>(0x9e3779b9u);
  env.random = [seed] {
    *seed += 0x6D2B79F5u;
    std::uint32_t t = *seed;
    t = (t ^ (t >> 15)) * (t | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    return static_cast<double>(t ^ (t >> 14)) / 4294967296.0;
  };
  env.device_id = "oracle-device-id";
  env.username = "oracle";
  env.email = "oracle@example.org";
  env.phone_number = "+10000000000";
  return env;
}

Error load_error(std::string_view xml) {
  auto form = load_form_xml(xml, "test.xml");
  if (form.ok()) {
    auto s = FormSession::start(*form, SessionOptions{fixed_env(), ""});
    REQUIRE_MESSAGE(!s.ok(), "the form loaded and started, but an error was expected");
    return s.error();
  }
  return form.error();
}

Session::Session(std::string_view xml, std::string language) {
  auto f = load_form_xml(xml, "test.xml");
  REQUIRE_MESSAGE(f.ok(), "load failed: " << (f.ok() ? "" : f.error().message));
  form = *f;
  auto started = FormSession::start(form, SessionOptions{fixed_env(), std::move(language)});
  REQUIRE_MESSAGE(started.ok(), "start failed: " << (started.ok() ? "" : started.error().message));
  s = std::move(started.value());
}

NodeSnapshot Session::at(std::string_view ref) const {
  auto n = s->node(ref);
  REQUIRE_MESSAGE(n.has_value(), "no node " << ref);
  return *n;
}

void Session::set(std::string_view ref, std::string_view value) {
  Status st = s->answer(ref, value);
  REQUIRE_MESSAGE(st.ok(), "answer(" << ref << ", " << value << ") failed: " << error_of(st));
}

std::string Session::refs() const {
  std::string out;
  for (const NodeSnapshot& n : s->nodes()) out += (out.empty() ? "" : " ") + n.ref;
  return out;
}

std::string Session::choices(std::string_view ref) const {
  std::string out;
  for (const Choice& c : at(ref).choices) out += (out.empty() ? "" : " ") + c.value;
  return out;
}

}  // namespace khaosat::test
