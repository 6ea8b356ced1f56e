// XLSForm names: pyxform's rules (its NAMES001-005 and PYREF004), each case checked against
// pyxform's own test suite (test_fields.py): a name is unique among the children of its group or
// repeat, the same name in two groups is allowed, ${name} naming such a name is an error, names
// differing only in case are a warning, 'meta' is reserved, and a repeat's name is unique in the
// whole form and is not the root's. ODK's preview-service workbook
// ifrc-distribution-site-assessment names questions after the groups they are in.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "khaosat/core/form_session.hpp"
#include "support/session_fixture.hpp"
#include "support/xlsform_fixture.hpp"
#include "xlsform/compiler.hpp"

using namespace khaosat::core;
using khaosat::test::compile_error;
using khaosat::test::error_of;
using khaosat::test::has;

namespace {

std::vector<std::string> warnings_of(const std::string& md) {
  auto wb = xlsform::read_markdown(md, "n.md");
  REQUIRE(wb.ok());
  std::vector<std::string> w;
  auto xml = xlsform::xlsform_to_xform(wb.value(), "n.md", &w);
  REQUIRE_MESSAGE(xml.ok(), error_of(xml));
  return w;
}

bool any_has(const std::vector<std::string>& ws, const std::string& part) {
  return std::any_of(ws.begin(), ws.end(),
                     [&](const std::string& w) { return w.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("xlsform names: the same name in different groups or repeats is allowed") {
  std::string xml = khaosat::test::xlsform_xml(R"(
| survey |
|        | type         | name | label |
|        | text         | q1   | Q1    |
|        | begin group  | g1   | G1    |
|        | text         | q1   | Q1    |
|        | begin group  | g2   | G2    |
|        | integer      | g2   | G2 Q  |
|        | end group    |      |       |
|        | end group    |      |       |
|        | begin repeat | r1   | R1    |
|        | text         | q1   | Q1    |
|        | begin group  | g1   | G1    |
|        | text         | q2   | Q2    |
|        | end group    |      |       |
|        | end repeat   |      |       |
)");
  CHECK(has(xml, R"(<bind nodeset="/data/q1" type="string"/>)"));
  CHECK(has(xml, R"(<bind nodeset="/data/g1/q1" type="string"/>)"));
  CHECK(has(xml, R"(<bind nodeset="/data/g1/g2/g2" type="int"/>)"));
  CHECK(has(xml, R"(<bind nodeset="/data/r1/q1" type="string"/>)"));
  CHECK(has(xml, R"(<bind nodeset="/data/r1/g1/q2" type="string"/>)"));
  // The form runs: a group and the question in it share a name, each its own node.
  auto s = khaosat::test::xlsform_session(R"(
| survey |
|        | type        | name | label | calculation                       |
|        | begin group | link | Group |                                   |
|        | text        | link | Link  |                                   |
|        | end group   |      |       |                                   |
|        | text        | q2   | Q2    |                                   |
|        | calculate   | both |       | concat(/data/link/link, /data/q2) |
)");
  REQUIRE(s->answer("/data/link/link", "a").ok());
  REQUIRE(s->answer("/data/q2", "b").ok());
  CHECK(s->node("/data/both")->value == "ab");
}

TEST_CASE("xlsform names: a name twice in one group, repeat or the survey is an error") {
  std::string e = compile_error(R"(
| survey |
|        | type         | name | label |
|        | text         | q1   | Q1    |
|        | begin group  | q1   | G     |
|        | text         | q2   | Q2    |
|        | text         | q2   | Q2    |
|        | end group    |      |       |
|        | begin repeat | r1   | R     |
|        | text         | q3   | Q3    |
|        | begin repeat | q3   | R     |
|        | text         | q4   | Q4    |
|        | end repeat   |      |       |
|        | end repeat   |      |       |
)");
  CHECK(has(e, "survey sheet, row 5, column 'name' (C): the name 'q1' is already used in row 4, "
               "outside any group or repeat too; names must be unique within their group or "
               "repeat"));
  CHECK(has(e, "survey sheet, row 7, column 'name' (C): the name 'q2' is already used in row 6, "
               "in group 'q1' too"));
  CHECK(has(e, "survey sheet, row 11, column 'name' (C): the name 'q3' is already used in row "
               "10, in repeat 'r1' too"));
}

TEST_CASE("xlsform names: ${name} naming a name used in two groups is an error") {
  std::string e = compile_error(R"(
| survey |
|        | type        | name | label | relevant    |
|        | text        | q1   | Q1    |             |
|        | begin group | g1   | G1    |             |
|        | text        | q1   | ${q1} |             |
|        | end group   |      |       |             |
|        | text        | q2   | Q2    | ${q1} = 'x' |
)");
  CHECK(has(e, "survey sheet, row 6, column 'label' (D): ${q1} is ambiguous: 'q1' is the name "
               "of the survey rows 4 and 6 (in different groups); rename one of them"));
  CHECK(has(e, "survey sheet, row 8, column 'relevant' (E): ${q1} is ambiguous"));
  // A group's name counts too (pyxform's test_fields.py, "...with_reference__error").
  CHECK(has(compile_error(R"(
| survey |
|        | type        | name | label |
|        | text        | q1   | Q1    |
|        | begin group | g1   | G1    |
|        | begin group | q1   | G2    |
|        | text        | q2   | ${q1} |
|        | end group   |      |       |
|        | end group   |      |       |
)"),
            "survey sheet, row 7, column 'label' (D): ${q1} is ambiguous"));
  // The trigger column too.
  CHECK(has(compile_error(R"(
| survey |
|        | type        | name | label | calculation | trigger |
|        | text        | q1   | Q1    |             |         |
|        | begin group | g1   | G1    |             |         |
|        | text        | q1   | Q1    |             |         |
|        | end group   |      |       |             |         |
|        | calculate   | c    |       | now()       | ${q1}   |
)"),
            "survey sheet, row 8, column 'trigger' (F): ${q1} is ambiguous"));
}

TEST_CASE("xlsform names: names differing only in case in one group are a warning") {
  auto w = warnings_of(R"(
| survey |
|        | type        | name | label |
|        | text        | q1   | Q1    |
|        | text        | Q1   | Q2    |
|        | begin group | g1   | G1    |
|        | text        | q1   | Q1    |
|        | begin group | Q1   | G2    |
|        | text        | q2   | Q2    |
|        | end group   |      |       |
|        | end group   |      |       |
)");
  CHECK(any_has(w, "survey sheet, row 5, column 'name' (C): the name 'Q1' differs only in case "
                   "from 'q1' in row 4, outside any group or repeat too; some data tools ignore "
                   "case"));
  CHECK(any_has(w, "survey sheet, row 8, column 'name' (C): the name 'Q1' differs only in case "
                   "from 'q1' in row 7, in group 'g1' too"));
  CHECK(w.size() == 2);  // q1 in g1 is no case-twin of q1 outside it
}

TEST_CASE("xlsform names: 'meta' is reserved, repeats are unique in the form and not the root") {
  std::string e = compile_error(R"(
| survey |
|        | type         | name | label |
|        | text         | meta | M     |
|        | begin group  | g1   | G1    |
|        | begin group  | meta | M     |
|        | text         | q1   | Q1    |
|        | end group    |      |       |
|        | begin repeat | r1   | R1    |
|        | text         | q2   | Q2    |
|        | end repeat   |      |       |
|        | end group    |      |       |
|        | begin repeat | r1   | R1    |
|        | text         | q3   | Q3    |
|        | end repeat   |      |       |
|        | begin repeat | data | D     |
|        | text         | q4   | Q4    |
|        | end repeat   |      |       |
)");
  CHECK(has(e, "survey sheet, row 4, column 'name' (C): the name 'meta' is reserved"));
  CHECK(has(e, "survey sheet, row 6, column 'name' (C): the name 'meta' is reserved"));
  CHECK(has(e, "survey sheet, row 13, column 'name' (C): the repeat name 'r1' is already used by "
               "the repeat in row 9; a repeat's name must be unique in the whole form"));
  CHECK(has(e, "survey sheet, row 16, column 'name' (C): a repeat cannot be named 'data', the "
               "name of the form's root element"));
  // A question may share the root's name (pyxform: test_names__question_same_as_survey_root).
  CHECK(has(khaosat::test::xlsform_xml(R"(
| survey |
|        | type | name | label |
|        | text | data | Q1    |
)"),
            R"(<bind nodeset="/data/data" type="string"/>)"));
}

TEST_CASE("xlsform names: ODK's ifrc workbook (an .xls) converts and runs") {
  auto form = load_form(KHAOSAT_TESTS_DIR
                        "/fixtures/odk-web-forms/preview-service/xlsforms/"
                        "ifrc-distribution-site-assessment-v1.xlsx");
  REQUIRE_MESSAGE(form.ok(), error_of(form));
  auto s = FormSession::start(form.value());
  REQUIRE_MESSAGE(s.ok(), error_of(s));
  // A group 'link' holding a question 'link': two nodes.
  CHECK(s.value()->node("/data/site_ownership/link/link").has_value());
}

TEST_CASE("xlsform names: a note without a name gets pyxform's generated name") {
  std::string xml = khaosat::test::xlsform_xml(R"(
| survey |
|        | type | name | label |
|        | note |      | Hello |
|        | text | a    | A     |
)");
  CHECK(has(xml, R"X(<bind nodeset="/data/generated_note_name_4" type="string" readonly="true()"/>)X"));
  CHECK(has(compile_error(R"(
| survey |
|        | type | name | label |
|        | text |      | A     |
)"),
            "survey sheet, row 4, column 'name' (C): a 'text' row needs a name"));
}
