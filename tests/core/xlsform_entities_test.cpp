// XLSForm compiler: the entities sheet and the save_to column (ODK Entities, entities-version
// 2024.1.0) written as pyxform writes them, loaded into FormDef::entity, filled by a session,
// and every mistake reported with its sheet, row and column.
#include <doctest/doctest.h>

#include <string>

#include "khaosat/core/form_session.hpp"
#include "support/scoped_dir.hpp"
#include "support/session_fixture.hpp"
#include "support/xlsform_fixture.hpp"
#include "xform/form_def.hpp"
#include "xlsform/compiler.hpp"

using namespace khaosat::core;
using khaosat::test::compile_error;
using khaosat::test::error_of;
using khaosat::test::has;
using khaosat::test::xlsform_xml;

namespace {

const std::string kFixtures = std::string(KHAOSAT_TESTS_DIR) + "/fixtures/xlsform/";

std::shared_ptr<const FormDef> load(const std::string& xml) {
  auto f = load_xform(xml, "t.xml", LoadOptions{{}, true});
  REQUIRE_MESSAGE(f.ok(), error_of(f));
  return f.value();
}

const char* kCreate = R"(
| survey |
|        | type    | name    | label   | save_to |
|        | text    | species | Species | species |
|        | integer | size    | Size    | circumference |
|        | text    | note    | Note    |         |
| entities |
|          | list_name | label                        | create_if       |
|          | trees     | concat('Tree ', ${species})  | ${size} > 0     |
)";

}  // namespace

TEST_CASE("xlsform entities: a form that creates an entity, as pyxform writes it") {
  std::string x = xlsform_xml(kCreate);
  CHECK(has(x, R"x(xmlns:entities="http://www.opendatakit.org/xforms/entities")x"));
  CHECK(has(x, R"x(<model entities:entities-version="2024.1.0" odk:xforms-version="1.0.0">)x"));
  CHECK(has(x, R"x(<meta><instanceID/><entity dataset="trees" create="1" id=""><label/></entity></meta>)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/species" type="string" entities:saveto="species"/>)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/size" type="int" entities:saveto="circumference"/>)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/note" type="string"/>)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/meta/entity/@create" type="string" readonly="true()" calculate=" /data/size  &gt; 0"/>)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/meta/entity/@id" type="string" readonly="true()"/>)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/meta/entity/label" type="string" readonly="true()" calculate="concat('Tree ',  /data/species )"/>)x"));
  CHECK(has(x, R"x(<setvalue event="odk-instance-first-load" type="string" readonly="true()" ref="/data/meta/entity/@id" value="uuid()"/>)x"));
  CHECK(x.find("update") == std::string::npos);

  auto def = load(x);
  REQUIRE(def->entity);
  const EntityDecl& e = *def->entity;
  CHECK(e.dataset == "trees");
  CHECK(e.version == "2024.1.0");
  CHECK(e.creates());
  CHECK_FALSE(e.updates());
  CHECK(e.create_if == " /data/size  > 0");
  CHECK(e.label_calculate == "concat('Tree ',  /data/species )");
  CHECK(e.id_is_new_uuid);
  REQUIRE(e.save_to.size() == 2);
  CHECK(e.save_to[0].path == "/data/species");
  CHECK(e.save_to[0].property == "species");
  CHECK(e.save_to[1].path == "/data/size");
  CHECK(e.save_to[1].property == "circumference");
}

TEST_CASE("xlsform entities: always creating, and 'dataset' as list_name's old name") {
  std::string x = xlsform_xml(R"(
| survey |
|        | type | name | label |
|        | text | a    | A     |
| entities |
|          | dataset | label |
|          | trees   | a     |
)");
  CHECK(has(x, R"x(<entity dataset="trees" create="1" id=""><label/></entity>)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/meta/entity/label" type="string" readonly="true()" calculate="a"/>)x"));
  CHECK(x.find("meta/entity/@create") == std::string::npos);  // no condition: no bind
}

TEST_CASE("xlsform entities: a form that updates an entity, as pyxform writes it") {
  std::string x = xlsform_xml(R"(
| survey |
|        | type         | name  | label   | save_to |
|        | text         | id    | Tree id |         |
|        | text         | a     | A       | foo     |
|        | csv-external | trees |         |         |
| entities |
|          | list_name | entity_id |
|          | trees     | ${id}     |
)");
  CHECK(has(x, R"x(<entity dataset="trees" update="1" baseVersion="" trunkVersion="" branchId="" id=""/>)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/meta/entity/@baseVersion" type="string" readonly="true()" calculate="instance('trees')/root/item[name= /data/id ]/__version"/>)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/meta/entity/@trunkVersion" type="string" readonly="true()" calculate="instance('trees')/root/item[name= /data/id ]/__trunkVersion"/>)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/meta/entity/@branchId" type="string" readonly="true()" calculate="instance('trees')/root/item[name= /data/id ]/__branchId"/>)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/meta/entity/@id" type="string" readonly="true()" calculate=" /data/id "/>)x"));
  CHECK(x.find("<setvalue") == std::string::npos);  // an update keeps the entity's own id
  CHECK(x.find("meta/entity/label") == std::string::npos);

  auto def = load(x);
  REQUIRE(def->entity);
  const EntityDecl& e = *def->entity;
  CHECK(e.updates());
  CHECK_FALSE(e.creates());
  CHECK(e.id_calculate == " /data/id ");
  CHECK_FALSE(e.id_is_new_uuid);
  REQUIRE(e.save_to.size() == 1);
  CHECK(e.save_to[0].property == "foo");
}

TEST_CASE("xlsform entities: no entities sheet, no entities namespace or version") {
  std::string x = xlsform_xml(R"(
| survey |
|        | type | name | label |
|        | text | a    | A     |
)");
  CHECK(x.find("entities") == std::string::npos);
  CHECK_FALSE(load(x)->entity);
}

namespace {

// The fixture's form, started in the oracle's deterministic environment.
std::unique_ptr<FormSession> start_establishment() {
  auto form = load_form(kFixtures + "entities_establishment.md");
  REQUIRE_MESSAGE(form.ok(), error_of(form));
  SessionOptions o;
  o.env = khaosat::test::fixed_env();
  auto started = FormSession::start(form.value(), o);
  REQUIRE_MESSAGE(started.ok(), error_of(started));
  return std::move(started.value());
}

void answer(FormSession& s, const char* ref, const char* v) {
  auto st = s.answer(ref, v);
  REQUIRE_MESSAGE(st.ok(), error_of(st));
}

}  // namespace

TEST_CASE("xlsform entities: the establishment registration (create or update) loaded") {
  auto form = load_form(kFixtures + "entities_establishment.md");
  REQUIRE_MESSAGE(form.ok(), error_of(form));
  REQUIRE(form.value()->entity);
  const EntityDecl& e = *form.value()->entity;
  CHECK(e.dataset == "establishments");
  CHECK(e.creates());
  CHECK(e.updates());
  CHECK(e.id_is_new_uuid);
  CHECK(e.id_calculate == " /data/est_id ");
  CHECK(e.create_if == " /data/est_id  = ''");
  CHECK(e.update_if == " /data/est_id  != ''");
  REQUIRE(e.save_to.size() == 3);
  CHECK(e.save_to[0].path == "/data/est_name");
  CHECK(e.save_to[0].property == "est_name");
  CHECK(e.save_to[2].path == "/data/trade");
  CHECK(e.save_to[2].property == "trade");
}

// The entity label after filling, as ODK's engine computes it (odk-oracle on the converted
// fixture with /tmp scripts of the same answers; see docs/xlsform.md "Entities").
TEST_CASE("xlsform entities: the entity label is computed as ODK's engine computes it") {
  auto s = start_establishment();
  SUBCASE("a new establishment") {
    answer(*s, "/data/est_name", "HTX Dệt thổ cẩm Sìn Hồ");
    answer(*s, "/data/trade", "brocade");
    CHECK(has(s->instance_xml(), "<label>HTX Dệt thổ cẩm Sìn Hồ (brocade)</label>"));
  }
  SUBCASE("a registered establishment") {
    answer(*s, "/data/est_id", "e5b7c3a0-1d2f-4c11-9a9e-3b1f0c2d4e01");
    answer(*s, "/data/est_name", "Chè Tân Uyên");
    answer(*s, "/data/trade", "tea");
    CHECK(has(s->instance_xml(), "<label>Chè Tân Uyên (tea)</label>"));
  }
}

// Binds and setvalues whose target is an attribute (meta/entity/@create, @update, @id,
// @baseVersion...) are computed like any other node. The expected values are ODK's engine's
// (odk-oracle, deterministic): the calculate of @id wins over the first-load uuid() setvalue.
TEST_CASE("xlsform entities: entity attributes as ODK's engine computes them") {
  auto s = start_establishment();
  SUBCASE("a new establishment: create, and the id the entity_id expression gives") {
    answer(*s, "/data/est_name", "HTX Dệt thổ cẩm Sìn Hồ");
    CHECK(has(s->instance_xml(),
              R"x(create="true" update="false" baseVersion="" trunkVersion="" branchId="" id="")x"));
  }
  SUBCASE("a registered establishment: update, from the list's versions") {
    answer(*s, "/data/est_id", "e5b7c3a0-1d2f-4c11-9a9e-3b1f0c2d4e01");
    CHECK(has(s->instance_xml(),
              R"x(create="false" update="true" baseVersion="3" trunkVersion="3" branchId="b1a2c3d4-0000-4000-8000-000000000007" id="e5b7c3a0-1d2f-4c11-9a9e-3b1f0c2d4e01")x"));
  }
}

TEST_CASE("xlsform entities: mistakes, with sheet, row and column") {
  struct Case {
    const char* md;
    const char* where;
    const char* what;
  };
  const char* survey = R"(
| survey |
|        | type | name | label | save_to |
|        | text | a    | A     | %s      |
)";
  auto with_save_to = [&](const std::string& prop, const std::string& entities) {
    std::string md = survey;
    md.replace(md.find("%s"), 2, prop);
    return md + entities;
  };
  const std::string trees = R"(
| entities |
|          | list_name | label |
|          | trees     | ${a}  |
)";
  SUBCASE("save_to without an entities sheet") {
    std::string e = compile_error(with_save_to("foo", ""));
    CHECK(has(e, "survey sheet, row 4, column 'save_to' (E): save_to needs an entity"));
  }
  SUBCASE("reserved and invalid property names") {
    CHECK(has(compile_error(with_save_to("name", trees)),
              "survey sheet, row 4, column 'save_to' (E): the entity property name 'name' is reserved"));
    CHECK(has(compile_error(with_save_to("lAbEl", trees)), "'lAbEl' is reserved"));
    CHECK(has(compile_error(with_save_to("__a", trees)), "'__a' starts with '__'"));
    CHECK(has(compile_error(with_save_to("$a", trees)), "'$a' is not a valid entity property name"));
  }
  SUBCASE("two questions saving to one property") {
    std::string e = compile_error(R"(
| survey |
|        | type | name | label | save_to |
|        | text | a    | A     | size    |
|        | text | b    | B     | size    |
)" + trees);
    CHECK(has(e, "survey sheet, row 5, column 'save_to' (E): the entity property 'size' is already saved from 'a' (row 4)"));
  }
  SUBCASE("save_to on a group, and inside a repeat") {
    std::string e = compile_error(R"(
| survey |
|        | type         | name | label | save_to |
|        | begin group  | g    | G     | g       |
|        | text         | a    | A     |         |
|        | end group    |      |       |         |
|        | begin repeat | r    | R     |         |
|        | text         | b    | B     | b       |
|        | end repeat   |      |       |         |
)" + trees);
    CHECK(has(e, "survey sheet, row 4, column 'save_to' (E): groups and repeats can't be saved"));
    CHECK(has(e, "survey sheet, row 8, column 'save_to' (E): 'b' is inside the repeat 'r'"));
  }
  SUBCASE("entity list names") {
    auto named = [](const std::string& name) {
      return std::string(R"(
| survey |
|        | type | name | label |
|        | text | a    | A     |
| entities |
|          | list_name | label |
|          | )") + name + " | a |\n";
    };
    CHECK(has(compile_error(named("__sweet")),
              "entities sheet, row 7, column 'list_name' (B): the entity list name '__sweet' starts with '__'"));
    CHECK(has(compile_error(named("s.w.eet")), "'s.w.eet' contains a period"));
    CHECK(has(compile_error(named("$sweet")), "'$sweet' is not a valid entity list name"));
  }
  SUBCASE("the sheet's columns and rows") {
    const std::string head = R"(
| survey |
|        | type | name | label |
|        | text | a    | A     |
| entities |
)";
    CHECK(has(compile_error(head + "| | label |\n| | a |\n"),
              "entities sheet, row 7: the entities sheet needs a list_name column"));
    CHECK(has(compile_error(head + "| | list_name |\n| | trees |\n"),
              "entities sheet, row 7, column 'list_name' (B): creating an entity needs a label"));
    CHECK(has(compile_error(head + "| | list_name | label | what |\n| | trees | a | ! |\n"),
              "entities sheet, row 6, column 'what' (D): unexpected column 'what'"));
    CHECK(has(compile_error(head + "| | list_name | label | repeat |\n| | trees | a | ${a} |\n"),
              "entities sheet, row 6, column 'repeat' (D): entities created from a repeat"));
    CHECK(has(compile_error(head + "| | list_name | label |\n| | trees | a |\n| | shovels | a |\n"),
              "entities sheet, row 8: a second entity"));
  }
  SUBCASE("create and update conditions need an entity_id as pyxform reads them") {
    const std::string head = R"(
| survey |
|        | type         | name  | label |
|        | text         | id    | Id    |
|        | csv-external | trees |       |
| entities |
)";
    CHECK(has(compile_error(head + "| | list_name | update_if |\n| | trees | true() |\n"),
              "entities sheet, row 8, column 'update_if' (C): update_if needs an entity_id"));
    CHECK(has(compile_error(head + "| | list_name | entity_id | create_if |\n| | trees | ${id} | true() |\n"),
              "entities sheet, row 8, column 'create_if' (D): with an entity_id, create_if needs an update_if"));
  }
  SUBCASE("an update needs the list attached") {
    std::string e = compile_error(R"(
| survey |
|        | type | name | label |
|        | text | id   | Id    |
| entities |
|          | list_name | entity_id |
|          | trees     | ${id}     |
)");
    CHECK(has(e, "entities sheet, row 7, column 'entity_id' (C): updating entities of 'trees'"));
  }
  SUBCASE("expressions are checked where they were written") {
    std::string e = compile_error(R"(
| survey |
|        | type | name | label |
|        | text | a    | A     |
| entities |
|          | list_name | label   |
|          | trees     | ${nope} |
)");
    CHECK(has(e, "entities sheet, row 7, column 'label' (C)"));
    CHECK(has(e, "nope"));
  }
}
