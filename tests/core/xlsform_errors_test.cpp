// XLSForm compiler: mistakes reported where the designer made them — expression errors at the
// character in the designer's own text (before ${} expansion), a choice_filter naming a column
// the choices sheet does not have, ${} references in translated columns under their own column.
#include <doctest/doctest.h>

#include <string>

#include <fstream>

#include "khaosat/core/form_session.hpp"
#include "support/scoped_dir.hpp"
#include "support/session_fixture.hpp"
#include "support/xlsform_fixture.hpp"
#include "xlsform/compiler.hpp"

using namespace khaosat::core;
using khaosat::test::compile_error;
using khaosat::test::has;

namespace {

}  // namespace

TEST_CASE("xlsform errors: expression errors name the character in the designer's text") {
  std::string e = compile_error(R"(
| survey |
|        | type    | name | label | relevant               | constraint          | calculation        |
|        | integer | a    | A     |                        |                     |                    |
|        | integer | b    | B     | ${a} > 3 and (${a} < 9 | . >                 |                    |
|        | integer | c    | C     |                        | ${a} = = 2          | foo(${a})          |
|        | text    | d    | D     |                        |                     | concat(${a}, 'x'   |
)");
  // "${a} > 3 and (${a} < 9": the unclosed '(' leaves the parser at the end of the text.
  CHECK(has(e, "row 5, column 'relevant' (E): expression error at the end: expected ')'"));
  CHECK(has(e, "row 5, column 'constraint' (F): expression error at the end: unexpected end of "
               "expression (in '. >')"));
  // Character 8 is the second '=' of "${a} = = 2", counted in the cell as written.
  CHECK(has(e, "row 6, column 'constraint' (F): expression error at character 8: unexpected '='"));
  CHECK(has(e, "row 6, column 'calculation' (G): expression error at character 1: unknown "
               "function 'foo'"));
  CHECK(has(e, "row 7, column 'calculation' (G): expression error at the end"));
}

TEST_CASE("xlsform errors: ${} to nothing is reported under each label column it is in") {
  std::string e = compile_error(R"(
| survey |
|        | type | name | label::English (en) | label::Tiếng Việt (vi) | hint::English (en) |
|        | note | n    | Hello ${who}        | Xin chào ${ai}         | see ${what}        |
)");
  CHECK(has(e, "row 4, column 'label::English (en)' (D): ${who} refers to nothing"));
  CHECK(has(e, "row 4, column 'label::Tiếng Việt (vi)' (E): ${ai} refers to nothing"));
  CHECK(has(e, "row 4, column 'hint::English (en)' (F): ${what} refers to nothing"));
}

TEST_CASE("xlsform errors: types pyxform has but khaosat does not support yet, and loop mistakes") {
  std::string e = compile_error(R"(
| survey |
|        | type                       | name | label |
|        | select_one_external c1     | a    | A     |
|        | background-audio           | b    |       |
|        | end loop                   |      |       |
|        | begin loop over nolist     | l    | L     |
|        | begin loop over c1         | l2   | L     |
|        | end loop                   |      |       |
| choices |
|         | list_name | name | label |
|         | c1        | x    | X     |
)");
  CHECK(has(e, "row 4, column 'type' (B): the choice list 'c1' is not in the external_choices sheet"));
  CHECK(has(e, "row 5, column 'type' (B): 'background-audio' is not supported by khaosat"));
  CHECK(has(e, "row 6, column 'type' (B): 'end loop' has no matching 'begin loop over' above it"));
  CHECK(has(e, "row 7, column 'type' (B): the choice list 'nolist' is not in the choices sheet"));
  CHECK(has(e, "row 8, column 'type' (B): a loop inside a loop is not supported"));
}

TEST_CASE("xlsform errors: a loop's choice names become group names and must be XML names") {
  // Found by fuzz_xlsform: "pit_latrin;_with_slab" is a fine choice value, but a loop over its
  // list made an element of it and wrote XML our own loader refused.
  std::string e = compile_error(R"(
| survey |
|        | type               | name | label        |
|        | begin loop over t  | l    | L            |
|        | integer            | n    | %(label)s?   |
|        | end loop           |      |              |
| choices |
|         | list_name | name          | label |
|         | t         | ok_name       | OK    |
|         | t         | pit;_slab     | Pit   |
)");
  CHECK(has(e, "choices sheet, row 10, column 'name' (C): 'pit;_slab' cannot name the group "
               "'begin loop over t' makes for it"));
}

TEST_CASE("xlsform errors: a loop's rows cannot close what the loop did not open") {
  // Found by fuzz_xlsform: the 'end group' closed the choice's group and the loop, and the rows
  // after it were collected into the loop being copied (a use-after-free).
  std::string e = compile_error(R"(
| survey |
|        | type               | name | label |
|        | begin group        | g    | G     |
|        | begin loop over t  | l    | L     |
|        | integer            | n    | N     |
|        | end group          |      |       |
|        | end group          |      |       |
|        | integer            | m    | M     |
|        | end loop           |      |       |
|        | end group          |      |       |
| choices |
|         | list_name | name | label |
|         | t         | a    | A     |
|         | t         | b    | B     |
)");
  CHECK(has(e, "row 7, column 'type' (B): 'end group' inside a loop closes nothing the loop opened"));
}

TEST_CASE("xlsform errors: the same mistake is reported once") {
  std::string e = compile_error(R"(
| survey |
|        | type        | name | label | relevant |
|        | begin group | g    | G     | ${x} >   |
|        | text        | a    | A     |          |
|        | end group   |      |       |          |
| settings |
|          | flat |
|          | yes  |
)");
  CHECK(e.find("2 errors") != std::string::npos);
}

TEST_CASE("xlsform errors: names that cannot become XML") {
  std::string e = compile_error(R"(
| survey |
|        | type           | name   | label | bind::1bad | choice_filter |
|        | text           | 2nd    | A     |            |               |
|        | text           | a b    | B     |            |               |
|        | text           | ok     | C     | x          |               |
|        | select_one l   | s      | S     |            | my col = 'x'  |
| choices |
|         | list_name | name | label | my col |
|         | l         | x    | X     | y      |
| settings |
|          | name   |
|          | 9root  |
)");
  CHECK(has(e, "survey sheet, row 4, column 'name' (C): '2nd' is not a valid name"));
  CHECK(has(e, "survey sheet, row 5, column 'name' (C): 'a b' is not a valid name"));
  CHECK(has(e, "survey sheet, row 6, column 'bind::1bad' (E): '1bad' is not a valid attribute name"));
  CHECK(has(e, "choices sheet, row 10, column 'my col' (E): the column 'my col' cannot hold "
               "choice data"));
  CHECK(has(e, "settings sheet, row 13, column 'name' (B): '9root' is not a valid name for the "
               "form's root"));
}

TEST_CASE("xlsform errors: a question with nothing to show") {
  std::string e = compile_error(R"(
| survey |
|        | type      | name | label | hint | image  |
|        | integer   | a    |       |      |        |
|        | note      | n    |       |      |        |
|        | integer   | b    |       | Why? |        |
|        | note      | pic  |       |      | p.png  |
|        | calculate | c    |       |      |        |
)");
  CHECK(has(e, "2 errors"));
  CHECK(has(e, "row 4, column 'label' (D): the question 'a' has no label or hint"));
  CHECK(has(e, "row 5, column 'label' (D): the question 'n' has no label or hint"));
}

TEST_CASE("xlsform errors: instance_name is checked like any expression") {
  std::string e = compile_error(R"(
| survey |
|        | type | name | label |
|        | text | a    | A     |
| settings |
|          | form_id | instance_name       |
|          | f       | conct(${a}, ${b})   |
)");
  CHECK(has(e, "settings sheet, row 7, column 'instance_name' (C): ${b} refers to nothing"));
  CHECK(has(e, "settings sheet, row 7, column 'instance_name' (C): expression error at "
               "character 1: unknown function 'conct'"));
}

TEST_CASE("xlsform errors: a choice name twice in one list") {
  const std::string md = R"(
| survey |
|        | type         | name | label |
|        | select_one l | s    | S     |
| choices |
|         | list_name | name | label |
|         | l         | a    | A     |
|         | l         | a    | A2    |
|         | m         | a    | A     |
)";
  CHECK(has(compile_error(md), "choices sheet, row 8, column 'name' (C): choice list 'l' already "
                               "has the name 'a' (row 7)"));
  // allow_choice_duplicates says it is meant.
  auto wb = xlsform::read_markdown(md + "| settings |\n| | allow_choice_duplicates |\n| | yes |\n",
                                   "ok.md");
  REQUIRE(wb.ok());
  CHECK(xlsform::xlsform_to_xform(wb.value(), "ok.md").ok());
}

TEST_CASE("xlsform errors: a guidance hint alone is not a label") {
  // pyxform's test_guidance_hint_only.
  CHECK(has(compile_error(R"(
| survey |
|        | type   | name | guidance_hint                 |
|        | string | name | as shown on birth certificate |
)"), "row 4, column 'type' (B): the question 'name' has no label or hint"));
}

TEST_CASE("xlsform errors: a calculation cycle names the survey rows") {
  khaosat::test::ScopedDir dir;
  std::string path = (dir.path() / "cycle.md").string();
  std::ofstream(path) << R"(
| survey |
|        | type    | name | label | calculation |
|        | integer | a    | A     | ${b} + 1    |
|        | integer | b    | B     | ${a} + 1    |
)";
  auto form = load_form(path);
  REQUIRE_FALSE(form.ok());
  CHECK(form.error().code == ErrorCode::form_cycle);
  CHECK(has(form.error().message, path + ": calculation cycle: /data/a"));
  CHECK(has(form.error().message, "\n  survey sheet: 'a' (row 4), 'b' (row 5)"));
}

TEST_CASE("xlsform errors: instance('name') naming nothing") {
  std::string e = compile_error(R"(
| survey |
|        | type         | name | label | calculation                          |
|        | calculate    | a    |       | count(instance('crop')/root/item)    |
|        | calculate    | b    |       | count(instance('crops')/root/item)   |
|        | calculate    | c    |       | count(instance('towns')/root/item)   |
|        | csv-external | towns|       |                                      |
| choices |
|         | list_name | name | label |
|         | crops     | rice | Rice  |
)");
  CHECK(has(e, "survey sheet, row 4, column 'calculation' (E): instance('crop') names nothing"));
  CHECK(e.find("row 5") == std::string::npos);
  CHECK(e.find("row 6") == std::string::npos);
}

// Without a 'type' column no row is a question: this used to compile to an empty form ("ok,
// questions: 0").
TEST_CASE("xlsform errors: a survey sheet without a type column is refused, naming its headers") {
  std::string e = compile_error(R"(
| survey |
|        | kind | nom | label |
|        | text | a   | A     |
)");
  CHECK(has(e, "survey sheet, row 3 (the header row): there is no 'type' column (the headers are "
               "'kind', 'nom', 'label'); the survey sheet needs a header row with 'type', 'name' "
               "and 'label'"));
  std::string empty = compile_error("| survey |\n|  |\n");
  CHECK(has(empty, "survey sheet is empty; the survey sheet needs a header row"));
}
