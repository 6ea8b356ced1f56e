#include "support/session_fixture.hpp"

#include "khaosat/tools/fill_script.hpp"

#include <cstdint>
#include <cstdio>

namespace khaosat::test {

using namespace khaosat::core;
using namespace khaosat::tools;

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

SessionEnvironment fixed_env() { return tools::deterministic_environment(kFixedNowMs); }

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

std::string zero_timings(std::string text) {
  for (const char* key : {"\"ms\":", "\"snapshotMs\":", "\"loadMs\":", "\"stepsTotalMs\":"})
    for (std::size_t at = 0; (at = text.find(key, at)) != std::string::npos;) {
      at += std::string(key).size();
      while (at < text.size() && text[at] == ' ') ++at;
      std::size_t end = text.find_first_of(",}\n", at);
      text.replace(at, end - at, "0");
    }
  return text;
}

}  // namespace khaosat::test
