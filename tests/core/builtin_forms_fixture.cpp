#include "core/builtin_forms_fixture.hpp"

#include "khaosat/tools/fill_script.hpp"

namespace khaosat::test {

using namespace khaosat::core;
using namespace khaosat::tools;

std::string builtin_form_path(std::string_view file) {
  return std::string(KHAOSAT_SOURCE_DIR) + "/forms/" + std::string(file);
}

BuiltinForm::BuiltinForm(const std::string& path, const char* now, const FormLoadOptions& load) {
  auto f = load_form(path, load);
  REQUIRE_MESSAGE(f.ok(), "load failed: " << (f.ok() ? "" : f.error().message));
  form = *f;
  auto ms = parse_iso8601(now);
  REQUIRE(ms.has_value());
  auto started = FormSession::start(form, SessionOptions{deterministic_environment(*ms), ""});
  REQUIRE_MESSAGE(started.ok(), "start failed: " << (started.ok() ? "" : started.error().message));
  s = std::move(started.value());
}

NodeSnapshot BuiltinForm::at(std::string_view ref) const {
  auto n = s->node(ref);
  REQUIRE_MESSAGE(n.has_value(), "no node " << ref);
  return *n;
}

std::string BuiltinForm::message(std::string_view ref) const {
  auto n = at(ref);
  return n.violation ? n.violation->message : std::string();
}

std::string BuiltinForm::condition(std::string_view ref) const {
  auto n = at(ref);
  return n.violation ? std::string(to_string(n.violation->condition)) : std::string();
}

std::string BuiltinForm::chosen(std::string_view ref) const {
  auto n = at(ref);
  for (const auto& c : n.choices)
    if (c.value == n.value) return c.label;
  return "";
}

std::string BuiltinForm::choices(std::string_view ref) const {
  std::string out;
  for (const auto& c : at(ref).choices) out += (out.empty() ? "" : " ") + c.value;
  return out;
}

void BuiltinForm::set(std::string_view ref, std::string_view value) {
  Status st = s->answer(ref, value);
  REQUIRE_MESSAGE(st.ok(), "answer(" << ref << ", " << value
                                     << ") failed: " << (st.ok() ? "" : st.error().message));
}

void BuiltinForm::lang(std::string_view language) {
  Status st = s->set_language(language);
  REQUIRE_MESSAGE(st.ok(), "set_language(" << language << ") failed");
}

}  // namespace khaosat::test
