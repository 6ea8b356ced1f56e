// XLSForm compiler: small markdown forms compiled (compile_xlsform) and run through FormSession,
// the error messages with sheet, row and column, and one pyxform fixture end to end.
#include <doctest/doctest.h>

#include <string>

#include "session/form_plan.hpp"
#include "support/session_fixture.hpp"
#include "support/xlsform_fixture.hpp"
#include "xlsform/compiler.hpp"
#include "xlsform/compiler_internal.hpp"

using namespace khaosat::core;
using khaosat::test::compile_error;
using khaosat::test::error_of;

namespace {

// Compiles markdown, plans it and starts a session (REQUIREs success).
struct Md {
  explicit Md(const std::string& md, std::string language = "")
      : s(khaosat::test::xlsform_session(md, std::move(language))) {}
  NodeSnapshot at(std::string_view ref) const {
    auto n = s->node(ref);
    REQUIRE_MESSAGE(n.has_value(), std::string(ref));
    return *n;
  }
  void set(std::string_view ref, std::string_view v) {
    auto st = s->answer(ref, v);
    REQUIRE_MESSAGE(st.ok(), error_of(st));
  }
  std::unique_ptr<FormSession> s;
};

}  // namespace

TEST_CASE("xlsform compiler: values, calculate, relevance and settings") {
  Md f(R"(
| settings |
|          | form_title | form_id | version |
|          | Farm       | farm    | 3       |
| survey |
|        | type     | name  | label      | relevant     | calculation    | default |
|        | integer  | cows  | Cows       |              |                | 2       |
|        | calculate| legs  |            |              | ${cows} * 4    |         |
|        | text     | why   | Why many?  | ${cows} > 10 |                |         |
|        | note     | n     | ${legs} legs |            |                |         |
)");
  CHECK(f.s->form()->id == "farm");
  CHECK(f.s->form()->title == "Farm");
  CHECK(f.s->form()->version == "3");
  CHECK(f.at("/data/cows").value == "2");
  CHECK(f.at("/data/legs").value == "8");
  CHECK_FALSE(f.at("/data/why").relevant);
  CHECK(f.at("/data/n").label == "8 legs");
  f.set("/data/cows", "11");
  CHECK(f.at("/data/legs").value == "44");
  CHECK(f.at("/data/why").relevant);
  CHECK(f.s->node("/data/meta/instanceID").has_value());
}

TEST_CASE("xlsform compiler: constraint and required messages in two languages") {
  const std::string md = R"(
| settings |
|          | default_language |
|          | English (en)     |
| survey |
|        | type    | name | label::English (en) | label::Tiếng Việt (vi) | constraint | constraint_message::English (en) | constraint_message::Tiếng Việt (vi) | required | required_message::English (en) | required_message::Tiếng Việt (vi) |
|        | integer | age  | Age                 | Tuổi                   | . >= 18    | too young                        | quá trẻ                             | yes      | needed                         | bắt buộc                          |
)";
  Md en(md);
  CHECK(en.at("/data/age").label == "Age");
  CHECK(en.at("/data/age").violation->message == "needed");
  en.set("/data/age", "5");
  CHECK(en.at("/data/age").violation->message == "too young");
  Md vi(md, "Tiếng Việt (vi)");
  CHECK(vi.at("/data/age").label == "Tuổi");
  CHECK(vi.at("/data/age").violation->message == "bắt buộc");
  vi.set("/data/age", "5");
  CHECK(vi.at("/data/age").violation->message == "quá trẻ");
}

TEST_CASE("xlsform compiler: select_one with a choice_filter cascade") {
  Md f(R"(
| survey |
|        | type               | name     | label    | choice_filter          |
|        | select_one prov    | province | Province |                        |
|        | select_one commune | commune  | Commune  | prov=${province}       |
|        | select_multiple c  | colours  | Colours  |                        |
| choices |
|         | list_name | name | label  | prov |
|         | prov      | lc   | Lai Châu |    |
|         | prov      | hn   | Hà Nội |      |
|         | commune   | c1   | One    | lc   |
|         | commune   | c2   | Two    | lc   |
|         | commune   | c3   | Three  | hn   |
|         | c         | r    | Red    |      |
|         | c         | g    | Green  |      |
)");
  auto values = [&](std::string_view ref) {
    std::string out;
    for (const auto& c : f.at(ref).choices) out += c.value + " ";
    return out;
  };
  CHECK(values("/data/province") == "lc hn ");
  CHECK(values("/data/commune") == "");
  f.set("/data/province", "lc");
  CHECK(values("/data/commune") == "c1 c2 ");
  f.set("/data/province", "hn");
  CHECK(values("/data/commune") == "c3 ");
  CHECK(values("/data/colours") == "r g ");
}

TEST_CASE("xlsform compiler: a repeat with ${} references inside and outside it") {
  Md f(R"(
| survey |
|        | type         | name   | label  | repeat_count | calculation     | constraint   |
|        | integer      | n      | N      |              |                 |              |
|        | begin repeat | person | Person | ${n}         |                 |              |
|        | integer      | age    | Age    |              |                 |              |
|        | calculate    | twice  |        |              | ${age} * 2      |              |
|        | integer      | kids   | Kids   |              |                 | . < ${age}   |
|        | end repeat   |        |        |              |                 |              |
|        | calculate    | total  |        |              | sum(${age})     |              |
)");
  f.set("/data/n", "2");
  CHECK(f.at("/data/person").count == 2);
  f.set("/data/person[1]/age", "30");
  f.set("/data/person[2]/age", "4");
  CHECK(f.at("/data/person[1]/twice").value == "60");
  CHECK(f.at("/data/person[2]/twice").value == "8");
  CHECK(f.at("/data/total").value == "34");
  f.set("/data/person[2]/kids", "5");
  CHECK_FALSE(f.at("/data/person[2]/kids").valid);
}

TEST_CASE("xlsform compiler: every mistake reported with sheet, row and column") {
  std::string msg = compile_error(R"(
| survey |
|        | type              | name | label | relevant    |
|        | txt               | a    | A     |             |
|        | text              | b    | B     | ${nothere}  |
|        | text              | b    | B2    |             |
|        | select_one nolist | c    | C     |             |
|        | end group         |      |       |             |
|        | begin repeat      | r    | R     |             |
)");
  CHECK(msg.find("6 errors") != std::string::npos);
  CHECK(msg.find("survey sheet, row 4, column 'type' (B): unknown type 'txt'") != std::string::npos);
  CHECK(msg.find("survey sheet, row 5, column 'relevant' (E): ${nothere} refers to nothing") !=
        std::string::npos);
  CHECK(msg.find("survey sheet, row 6, column 'name' (C): the name 'b' is already used in row 5") !=
        std::string::npos);
  CHECK(msg.find("survey sheet, row 7, column 'type' (B): the choice list 'nolist' is not in the "
                 "choices sheet") != std::string::npos);
  CHECK(msg.find("survey sheet, row 8, column 'type' (B): 'end group' has no matching 'begin "
                 "group'") != std::string::npos);
  CHECK(msg.find("survey sheet, row 9, column 'type' (B): 'begin repeat' 'r' is never closed") !=
        std::string::npos);
}

TEST_CASE("xlsform compiler: load_form accepts a pyxform markdown fixture") {
  auto form = load_form(KHAOSAT_SOURCE_DIR "/tests/fixtures/pyxform/example_xls/text_and_integer.md");
  REQUIRE_MESSAGE(form.ok(), error_of(form));
  auto s = FormSession::start(form.value());
  REQUIRE_MESSAGE(s.ok(), error_of(s));
  CHECK(s.value()->node("/data/your_age").has_value());
}

// pyxform >= 1.5 (its PRs #524/#536): inside a predicate the context node is the predicate's
// node, so a relative ${} path must start at current(); absolute paths are left alone.
TEST_CASE("xlsform compiler: ${} inside a predicate expands with current()") {
  const char* md = R"(
| survey |
|        | type         | name  | label | calculation                                   |
|        | begin repeat | r     | R     |                                               |
|        | text         | t     | T     |                                               |
|        | calculate    | same  |       | count(../../r[t = ${t}]) + string-length("[${t}") * 0 |
|        | calculate    | lab   |       | instance('l')/root/item[name = ${t}]/label    |
|        | end repeat   |       |       |                                               |
|        | text         | top   | Top   |                                               |
|        | calculate    | topl  |       | instance('l')/root/item[name = ${top}]/label  |
| choices |
|         | list_name | name | label |
|         | l         | a    | Apple |
|         | l         | b    | Banana |
)";
  auto wb = xlsform::read_markdown(md, "t.md");
  REQUIRE(wb.ok());
  auto xml = xlsform::xlsform_to_xform(wb.value(), "t.md");
  REQUIRE_MESSAGE(xml.ok(), error_of(xml));
  const std::string& x = xml.value();
  // A '[' inside a string literal opens no predicate.
  CHECK(x.find(R"(count(../../r[t =  current()/../t ]) + string-length(&quot;[ ../t &quot;) * 0)") !=
        std::string::npos);
  CHECK(x.find(R"(instance('l')/root/item[name =  current()/../t ]/label)") != std::string::npos);
  CHECK(x.find(R"(instance('l')/root/item[name =  /data/top ]/label)") != std::string::npos);

  // Two repeat instances: each one counts and looks up its own t.
  Md f(md);
  REQUIRE(f.s->add_repeat("/data/r").ok());
  f.set("/data/r[1]/t", "a");
  f.set("/data/r[2]/t", "b");
  REQUIRE(f.s->add_repeat("/data/r").ok());
  f.set("/data/r[3]/t", "a");
  f.set("/data/top", "b");
  CHECK(f.at("/data/r[1]/same").value == "2");
  CHECK(f.at("/data/r[2]/same").value == "1");
  CHECK(f.at("/data/r[3]/same").value == "2");
  CHECK(f.at("/data/r[1]/lab").value == "Apple");
  CHECK(f.at("/data/r[2]/lab").value == "Banana");
  CHECK(f.at("/data/topl").value == "Banana");
}

TEST_CASE("xlsform compiler: the default language follows pyxform's rules") {
  // Only language-suffixed columns: no "default" translation filled with "-" (pyxform writes
  // none), so jr:itext() in a calculation gives the first language's text, not "-". The
  // unqualified hint of a row without translations stays inline.
  const std::string form = R"(
| survey |
|        | type         | name | label::English (en) | label::French (fr) | hint | calculation                                            |
|        | select_one l | s    | S                   | S fr               | pick |                                                        |
|        | calculate    | c    |                     |                    |      | jr:itext(instance('l')/root/item[name = ${s}]/itextId) |
| choices |
|         | list_name | name | label::English (en) | label::French (fr) |
|         | l         | a    | Apple               | Pomme              |
)";
  std::string xml = khaosat::test::xlsform_xml(form);
  CHECK(xml.find("lang=\"default\"") == std::string::npos);
  CHECK(xml.find("default=\"true()\"") == std::string::npos);
  CHECK(xml.find("<hint>pick</hint>") != std::string::npos);
  auto s = khaosat::test::xlsform_session(form);
  REQUIRE(s->answer("/data/s", "a").ok());
  CHECK(s->node("/data/c")->value == "Apple");

  // default_language in settings marks that translation as the default, and unqualified text
  // goes into it.
  const std::string with_default = form + R"(
| settings |
|          | default_language |
|          | French (fr)      |
)";
  xml = khaosat::test::xlsform_xml(with_default);
  CHECK(xml.find("<translation lang=\"French (fr)\" default=\"true()\">") != std::string::npos);
  CHECK(xml.find("lang=\"default\"") == std::string::npos);
  auto fr = khaosat::test::xlsform_session(with_default);
  REQUIRE(fr->answer("/data/s", "a").ok());
  CHECK(fr->node("/data/c")->value == "Pomme");

  const std::string mixed = R"(
| survey |
|        | type | name | label | label::French (fr) |
|        | text | t    | T     | T fr               |
| settings |
|          | default_language |
|          | English (en)     |
)";
  xml = khaosat::test::xlsform_xml(mixed);
  CHECK(xml.find("<translation lang=\"English (en)\" default=\"true()\"><text id=\"/data/t:label\"><value>T</value>") != std::string::npos);
  CHECK(xml.find("lang=\"default\"") == std::string::npos);
}

TEST_CASE("xlsform xml_escape: markup characters and control characters wherever they fall") {
  using khaosat::core::xlsform::detail::xml_escape;
  CHECK(xml_escape("") == "");
  CHECK(xml_escape("plain text, Tiếng Việt") == "plain text, Tiếng Việt");
  CHECK(xml_escape("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d&quot;e'f");
  CHECK(xml_escape("&") == "&amp;");
  CHECK(xml_escape("<<") == "&lt;&lt;");
  CHECK(xml_escape("tab\there\nline\rcr") == "tab\there\nline\rcr");
  // Characters XML 1.0 cannot hold become U+FFFD, first, last and side by side.
  CHECK(xml_escape("\x01x\x1f\x1fy\x0b") == "\xEF\xBF\xBDx\xEF\xBF\xBD\xEF\xBF\xBDy\xEF\xBF\xBD");
  std::string appended = "kept ";
  khaosat::core::xlsform::detail::xml_escape_into(appended, "1 < 2");
  CHECK(appended == "kept 1 &lt; 2");
}

// load_form gives the workbook up to the compiler: its cells are freed before the compiled form
// is loaded (issue 9: the working set of a big form), and the form is the same.
TEST_CASE("xlsform compiler: a workbook given up is freed before the load, the form is the same") {
  const std::string md = R"(
| survey |
|        | type    | name | label | relevant  | calculation |
|        | integer | a    | A     |           |             |
|        | integer | b    | B     | ${a} > 1  |             |
|        | calculate | c  |       |           | ${a} + ${b} |
| settings |
|          | form_id |
|          | given   |
)";
  auto kept = xlsform::read_markdown(md, "t.md");
  auto given = xlsform::read_markdown(md, "t.md");
  REQUIRE(kept.ok());
  REQUIRE(given.ok());
  const LoadOptions opts{{}, true};
  std::string xml_kept, xml_given;
  auto a = xlsform::compile_xlsform(kept.value(), "t.md", opts, &xml_kept);
  auto b = xlsform::compile_xlsform(std::move(given.value()), "t.md", opts, &xml_given);
  REQUIRE_MESSAGE(a.ok(), error_of(a));
  REQUIRE_MESSAGE(b.ok(), error_of(b));
  CHECK(given.value().sheets.empty());
  CHECK_FALSE(kept.value().sheets.empty());
  CHECK(xml_given == xml_kept);
  CHECK(b.value()->id == "given");
  CHECK(b.value()->warnings == a.value()->warnings);
  REQUIRE(b.value()->binds.size() == a.value()->binds.size());
  for (std::size_t i = 0; i < a.value()->binds.size(); ++i) {
    CHECK(b.value()->binds[i].nodeset == a.value()->binds[i].nodeset);
    CHECK(bool(b.value()->binds[i].relevant) == bool(a.value()->binds[i].relevant));
    CHECK(bool(b.value()->binds[i].calculate) == bool(a.value()->binds[i].calculate));
  }
  // What locate_in_survey needs is kept apart from the workbook.
  auto names = xlsform::survey_names(kept.value());
  Error e = xlsform::locate_in_survey(names, "t.md", Error::make(ErrorCode::form_cycle, "cycle: /data/b, /data/c"));
  CHECK(e.message == "t.md: cycle: /data/b, /data/c\n  survey sheet: 'b' (row 5), 'c' (row 6)");
}
