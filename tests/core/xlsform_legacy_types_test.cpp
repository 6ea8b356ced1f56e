// XLSForm types pyxform still accepts from older workbooks: select_one_external /
// select_multiple_external (the external_choices sheet and its itemsets.csv), osm, and the
// legacy "begin loop over" groups, on small markdown forms and on pyxform's own examples
// (case_insensitivity.xlsx, loop.xlsx), which must convert and load.
#include <doctest/doctest.h>

#include <string>

#include "khaosat/core/form_session.hpp"
#include "khaosat/core/xlsform.hpp"
#include "support/scoped_dir.hpp"
#include "support/session_fixture.hpp"
#include "support/xlsform_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::error_of;
using khaosat::test::has;

namespace {

const std::string kExamples = std::string(KHAOSAT_TESTS_DIR) + "/fixtures/pyxform/example_xls/";

}  // namespace

TEST_CASE("xlsform legacy types: select_one_external is pyxform's input with a query") {
  const std::string form = R"(
| survey |
|        | type                       | name | label | choice_filter |
|        | select_one c1              | q1   | Q1    |               |
|        | select_one_external c1     | q2   | Q2    | yes_no=${q1}  |
|        | select_multiple_external c1| q3   | Q3    |               |
| choices |
|         | list_name | name | label |
|         | c1        | n1   | N1    |
| external_choices |
|         | list_name | name | label | yes_no |
|         | c1        | e1   | E1    | n1     |
)";
  std::string xml = khaosat::test::xlsform_xml(form);
  CHECK(has(xml, "<input ref=\"/data/q2\" query=\"instance('c1')/root/item[yes_no= /data/q1 ]\">"));
  CHECK(has(xml, "<input ref=\"/data/q3\" query=\"instance('c1')/root/item\">"));
  CHECK(has(xml, "<bind nodeset=\"/data/q2\" type=\"string\"/>"));
  // A text question here, as in ODK's web engine (Collect answers the query from itemsets.csv).
  auto s = khaosat::test::xlsform_session(form);
  REQUIRE(s->answer("/data/q2", "e1").ok());
  CHECK(s->node("/data/q2")->value == "e1");
}

TEST_CASE("xlsform legacy types: osm questions carry the osm sheet's tags") {
  std::string xml = khaosat::test::xlsform_xml(R"(
| survey |
|        | type     | name | label |
|        | osm b1   | q    | Where |
|        | osm      | p    | Plain |
| osm |
|     | list_name | name  | label    |
|     | b1        | shop  | Shop     |
|     | b1        | roof  | Roof & wall |
)");
  CHECK(has(xml, "<bind nodeset=\"/data/q\" type=\"binary\"/>"));
  CHECK(has(xml, "<upload ref=\"/data/q\" mediatype=\"osm/*\"><label>Where</label><tag "
                 "key=\"shop\"><label>Shop</label></tag><tag key=\"roof\"><label>Roof &amp; "
                 "wall</label></tag></upload>"));
  CHECK(has(xml, "<upload ref=\"/data/p\" mediatype=\"osm/*\"><label>Plain</label></upload>"));
}

TEST_CASE("xlsform legacy types: begin loop over a list repeats its rows per choice") {
  const std::string form = R"(
| survey |
|        | type                    | name  | label::en                | constraint        |
|        | begin loop over animals | herd  | Herd                     |                   |
|        | integer                 | count | How many %(label)s?      | . < 100           |
|        | text                    | note  | Notes on %(name)s        |                   |
|        | end loop                |       |                          |                   |
|        | text                    | after | After                    |                   |
| choices |
|         | list_name | name  | label::en |
|         | animals   | cow   | Cows      |
|         | animals   | none  | None      |
|         | animals   | goat  | Goats     |
)";
  std::string xml = khaosat::test::xlsform_xml(form);
  CHECK(has(xml, "<herd><cow><count/><note/></cow><goat><count/><note/></goat></herd><after/>"));
  CHECK(has(xml, "<value>How many Cows?</value>"));
  CHECK(has(xml, "<value>Notes on goat</value>"));
  CHECK(has(xml, "<bind nodeset=\"/data/herd/goat/count\" type=\"int\" constraint=\". &lt; 100\"/>"));
  auto s = khaosat::test::xlsform_session(form);
  REQUIRE(s->answer("/data/herd/goat/count", "7").ok());
  CHECK(s->node("/data/herd/goat/count")->value == "7");
  CHECK(s->node("/data/herd/cow/count")->value.empty());
}

TEST_CASE("xlsform legacy types: pyxform's case_insensitivity and loop examples convert and load") {
  for (const char* name : {"case_insensitivity.xlsx", "loop.xlsx", "case_insensitivity.md", "loop.md"}) {
    CAPTURE(name);
    auto xml = convert_xlsform(kExamples + name);
    REQUIRE_MESSAGE(xml.ok(), error_of(xml));
    auto form = load_form(kExamples + name);
    REQUIRE_MESSAGE(form.ok(), error_of(form));
    auto s = FormSession::start(form.value());
    REQUIRE_MESSAGE(s.ok(), error_of(s));
  }
  std::string ci = convert_xlsform(kExamples + "case_insensitivity.xlsx").value();
  CHECK(has(ci, "query=\"instance('c1')/root/item[YES_NO= /data/q1 ]\""));
  CHECK(has(ci, "mediatype=\"osm/*\""));
  CHECK(has(ci, "<tag key=\"n1-o\"><label>l1-o</label></tag>"));
  std::string loop = convert_xlsform(kExamples + "loop.xlsx").value();
  CHECK(has(loop, "<value>How many Pit latrine with slab are on the premises?</value>"));
  CHECK(has(loop, "<loop_toilet_types><pit_latrine_with_slab><number/></pit_latrine_with_slab>"));
  // itemsets.csv: the external_choices sheet as written.
  auto csv = xlsform_itemsets_csv(kExamples + "case_insensitivity.xlsx");
  REQUIRE_MESSAGE(csv.ok(), error_of(csv));
  CHECK(csv.value() == "LIST_NAME,NAME,LABEL,YES_NO\nc1,n1-e,l1-e,yes\nc1,n2-e,l2-e,yes\n");
  CHECK(xlsform_itemsets_csv(kExamples + "loop.xlsx").value().empty());
  // convert_and_load_xlsform: the same three things from one read of the workbook.
  for (const char* name : {"case_insensitivity.xlsx", "loop.xlsx"}) {
    CAPTURE(name);
    auto all = convert_and_load_xlsform(kExamples + name);
    REQUIRE_MESSAGE(all.ok(), error_of(all));
    CHECK(all->xml == convert_xlsform(kExamples + name).value());
    CHECK(all->itemsets_csv == xlsform_itemsets_csv(kExamples + name).value());
    REQUIRE(all->form);
    CHECK(summarize(all->form).question_count == summarize(load_form(kExamples + name).value()).question_count);
  }
  auto not_a_workbook = convert_and_load_xlsform(kExamples + "loop.xml");
  REQUIRE_FALSE(not_a_workbook.ok());
  CHECK(not_a_workbook.error().code == ErrorCode::xlsform_format);
}
