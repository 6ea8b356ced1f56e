#include "support/xlsform_fixture.hpp"

#include <doctest/doctest.h>

#include "session/form_plan.hpp"
#include "support/session_fixture.hpp"
#include "xlsform/compiler.hpp"

namespace khaosat::test {

using namespace khaosat::core;

namespace {
const LoadOptions kNoAttachments{{}, true};
}  // namespace

std::string xlsform_xml(const std::string& md) {
  auto wb = xlsform::read_markdown(md, "t.md");
  REQUIRE_MESSAGE(wb.ok(), error_of(wb));
  auto xml = xlsform::xlsform_to_xform(wb.value(), "t.md");
  REQUIRE_MESSAGE(xml.ok(), error_of(xml));
  return xml.value();
}

std::string compile_error(const std::string& md) {
  auto wb = xlsform::read_markdown(md, "bad.md");
  REQUIRE(wb.ok());
  auto def = xlsform::compile_xlsform(wb.value(), "bad.md", kNoAttachments);
  REQUIRE_FALSE(def.ok());
  return def.error().message;
}

std::unique_ptr<FormSession> xlsform_session(const std::string& md, std::string language) {
  auto wb = xlsform::read_markdown(md, "t.md");
  REQUIRE_MESSAGE(wb.ok(), error_of(wb));
  auto def = xlsform::compile_xlsform(wb.value(), "t.md", kNoAttachments);
  REQUIRE_MESSAGE(def.ok(), error_of(def));
  auto mut = std::const_pointer_cast<FormDef>(def.value());
  auto plan = build_plan(*mut);
  REQUIRE_MESSAGE(plan.ok(), error_of(plan));
  mut->plan = plan.value();
  SessionOptions o;
  o.env = fixed_env();
  o.language = std::move(language);
  auto st = FormSession::start(Form(mut), o);
  REQUIRE_MESSAGE(st.ok(), error_of(st));
  return std::move(st.value());
}

bool has(const std::string& text, const std::string& part) {
  bool found = text.find(part) != std::string::npos;
  if (!found) MESSAGE(text);
  return found;
}

}  // namespace khaosat::test
