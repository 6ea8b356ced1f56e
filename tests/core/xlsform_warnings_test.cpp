// XLSForm warnings: what pyxform warns about without refusing the form (a missing translation,
// a group or repeat without a label, a choice without a label) and a choice list nothing uses,
// each naming sheet, row and column, in FormDef::warnings (printed by `khaosat form check`).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "khaosat/core/form_session.hpp"
#include "support/scoped_dir.hpp"
#include "support/session_fixture.hpp"
#include "support/xlsform_fixture.hpp"
#include "xlsform/compiler.hpp"

using namespace khaosat::core;
using khaosat::test::error_of;

namespace {

std::vector<std::string> warnings_of(const std::string& md) {
  auto wb = xlsform::read_markdown(md, "w.md");
  REQUIRE(wb.ok());
  std::vector<std::string> w;
  auto xml = xlsform::xlsform_to_xform(wb.value(), "w.md", &w);
  REQUIRE_MESSAGE(xml.ok(), error_of(xml));
  return w;
}

bool has(const std::vector<std::string>& ws, const std::string& w) {
  return std::find(ws.begin(), ws.end(), w) != ws.end();
}

const char* kForm = R"(
| survey |
|        | type         | name  | label::English (en) | label::Tiếng Việt (vi) | hint::English (en) |
|        | text         | a     | A                   | Ạ                      |                    |
|        | text         | b     | B                   |                        | hint b             |
|        | begin repeat | r     |                     |                        |                    |
|        | select_one l | s     | S                   | S                      |                    |
|        | end repeat   |       |                     |                        |                    |
|        | begin group  | g     |                     |                        |                    |
|        | text         | c     | C                   | C                      |                    |
|        | end group    |       |                     |                        |                    |
| choices |
|         | list_name | name | label::English (en) | label::Tiếng Việt (vi) |
|         | l         | x    | X                   | X                      |
|         | l         | y    |                     |                        |
|         | l         | z    | Z                   |                        |
|         | unused    | u    | U                   | U                      |
)";

}  // namespace

TEST_CASE("xlsform warnings: missing translations, unlabelled groups and choices, unused lists") {
  auto w = warnings_of(kForm);
  CHECK(has(w, "survey sheet, row 3, column 'hint::English (en)' (F): language 'Tiếng Việt (vi)' "
               "has no 'hint' column, which other languages have"));
  CHECK(has(w, "survey sheet, row 5, column 'label::Tiếng Việt (vi)' (E): no 'Tiếng Việt (vi)' "
               "translation of this label, while 'label::English (en)' has one"));
  CHECK(has(w, "survey sheet, row 6, column 'label::English (en)' (D): repeat 'r' has no label: "
               "the person filling the form sees no title for it"));
  CHECK(has(w, "survey sheet, row 9, column 'label::English (en)' (D): group 'g' has no label: "
               "the person filling the form sees no title for it"));
  CHECK(has(w, "choices sheet, row 15, column 'label::English (en)' (D): choice 'y' of list 'l' "
               "has no label: it shows as an empty line"));
  CHECK(has(w, "choices sheet, row 16, column 'label::Tiếng Việt (vi)' (E): no 'Tiếng Việt (vi)' "
               "translation of this label, while 'label::English (en)' has one"));
  CHECK(has(w, "choices sheet, row 17, column 'list_name' (B): choice list 'unused' is never "
               "used: no select, rank or instance('unused') names it"));
  CHECK(w.size() == 7);
}

TEST_CASE("xlsform warnings: none for a complete form, with a field-list group and an instance() list") {
  auto w = warnings_of(R"(
| survey |
|        | type        | name | label::English (en) | label::Tiếng Việt (vi) | appearance | calculation |
|        | begin group | g    |                     |                        | field-list |             |
|        | text        | a    | A                   | Ạ                      |            |             |
|        | end group   |      |                     |                        |            |             |
|        | calculate   | n    |                     |                        |            | count(instance('l')/root/item) |
| choices |
|         | list_name | name | label::English (en) | label::Tiếng Việt (vi) |
|         | l         | x    | X                   | X                      |
)");
  CHECK(w.empty());
}

TEST_CASE("xlsform warnings: load_form puts them in the form's warnings, and built-in forms have none") {
  khaosat::test::ScopedDir dir;
  auto form = load_form(dir.write("w.md", kForm));
  REQUIRE_MESSAGE(form.ok(), error_of(form));
  auto s = summarize(form.value());
  CHECK(s.warnings.size() >= 7);
  for (const char* f : {"a_establishment.md", "b_craft_village.md", "c_coop_needs.md"}) {
    auto built_in = load_form(std::string(KHAOSAT_SOURCE_DIR "/forms/") + f);
    REQUIRE_MESSAGE(built_in.ok(), error_of(built_in));
    CHECK_MESSAGE(summarize(built_in.value()).warnings.empty(), f);
  }
}

TEST_CASE("xlsform warnings: a choice_filter naming a column the choices sheet lacks") {
  // pyxform converts it (the filter then matches nothing); the workbook must convert here too.
  const char* md = R"(
| survey |
|        | type              | name | label | choice_filter              |
|        | select_one prov   | p    | P     |                            |
|        | select_one commune| c    | C     | province = ${p} and size > 2 |
| choices |
|         | list_name | name | label | prov | size |
|         | prov      | lc   | LC    |      |      |
|         | commune   | c1   | One   | lc   | 3    |
)";
  auto w = warnings_of(md);
  REQUIRE(w.size() == 1);
  CHECK(khaosat::test::has(w[0], "survey sheet, row 5, column 'choice_filter' (E): at character 1: 'province' is "
                  "not a column of the choices sheet (its columns: list_name, name, label, prov, "
                  "size), so the filter matches no choice"));
  // The filter is written as the designer wrote it, and the select offers nothing.
  CHECK(khaosat::test::has(khaosat::test::xlsform_xml(md), "[province =  /data/p  and size &gt; 2]"));
  auto s = khaosat::test::xlsform_session(md);
  REQUIRE(s->answer("/data/p", "lc").ok());
  CHECK(s->node("/data/c")->choices.empty());
}

// pyxform's "This form uses or_other and translations, which is not recommended. An
// untranslated input question label and choice label is generated for 'other'." (its
// test_translations.py, TestTranslationsOrOther): the choice 'Other' in every language of the
// list, 'Specify other.' written inline, untranslated, and a warning at the select's row.
TEST_CASE("xlsform warnings: or_other in a form with translations") {
  const char* md = R"(
| survey  |
|         | type                   | name | label::en  | label::fr  |
|         | select_one c1 or_other | q1   | Question 1 | Question A |
|         | select_one c2 or_other | q2   | Question 2 | Question B |
| choices |
|         | list name | name  | label::en | label::fr |
|         | c1        | na    | la-e      | la-f      |
|         | c1        | nb    | lb-e      | lb-f      |
|         | c2        | nc    | lc-e      | lc-f      |
|         | c2        | other | Other     | Autre     |
)";
  auto w = warnings_of(md);
  CHECK(has(w, "survey sheet, row 4, column 'type' (B): 'or_other' in a form with translations: "
               "the choice 'other' it adds to 'c1' is labelled 'Other', and the question "
               "'q1_other' it adds is labelled 'Specify other.', in every language; to have them "
               "translated, use a plain select with a choice 'other' in the list and a text "
               "question of your own, relevant when 'other' is selected"));
  // The list has its own 'other' choice: only the question is untranslated.
  CHECK(has(w, "survey sheet, row 5, column 'type' (B): 'or_other' in a form with translations: "
               "the question 'q2_other' it adds is labelled 'Specify other.', in every language; "
               "to have them translated, use a plain select with its 'other' choice and a text "
               "question of your own, relevant when 'other' is selected"));
  CHECK(w.size() == 2);
  std::string xml = khaosat::test::xlsform_xml(md);
  // No 'default' translation (only language columns); 'Other' in each language.
  CHECK(xml.find("lang=\"default\"") == std::string::npos);
  CHECK(xml.find(R"(<text id="c1-2"><value>Other</value></text>)") != std::string::npos);
  CHECK(xml.find(R"(<input ref="/data/q1_other"><label>Specify other.</label></input>)") !=
        std::string::npos);
  // Without translations, no warning (pyxform's test_specify_other__no_translations).
  CHECK(warnings_of(R"(
| survey  |
|         | type                   | name | label |
|         | select_one c1 or_other | q1   | Q1    |
| choices |
|         | list name | name | label |
|         | c1        | na   | la    |
)").empty());
}

TEST_CASE("xlsform warnings: a missing column of the default language names it") {
  auto w = warnings_of(R"(
| survey |
|        | type | name | label | label::fr | hint |
|        | text | a    | A     | Ạ         | h    |
)");
  CHECK(has(w, "survey sheet, row 3, column 'hint' (F): language 'fr' has no 'hint' column, "
               "which other languages have"));
  auto w2 = warnings_of(R"(
| survey |
|        | type | name | label::en | hint |
|        | text | a    | A         | h    |
)");
  CHECK(has(w2, "survey sheet, row 3, column 'label::en' (D): language 'default' (the columns "
                "without '::language') has no 'label' column, which other languages have"));
}
