// XForm loader: the entity declaration (ODK Entities) read into FormDef::entity — the
// <meta><entity> attributes, the expressions of the binds that fill it, and the questions saved
// to entity properties (entities:saveto), which the sync issue turns into registry records.
#include <doctest/doctest.h>

#include <string>

#include "support/session_fixture.hpp"
#include "xform/form_def.hpp"

using namespace khaosat::core;
using khaosat::test::error_of;

namespace {

std::shared_ptr<const FormDef> load_ok(const std::string& xml) {
  auto f = load_xform(xml, "entity.xml", LoadOptions{{}, true});  // trees.csv: blank
  REQUIRE_MESSAGE(f.ok(), error_of(f));
  return f.value();
}

std::string entity_form(const std::string& ns_prefix, const std::string& entity,
                        const std::string& binds) {
  return R"X(<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"
        xmlns:jr="http://openrosa.org/javarosa" xmlns:)X" +
         ns_prefix + R"X(="http://www.opendatakit.org/xforms/entities">
<h:head><h:title>T</h:title><model )X" +
         ns_prefix + R"X(:entities-version="2024.1.0">
<instance><data id="f"><id/><name/><size/><meta><instanceID/>)X" +
         entity + R"X(</meta></data></instance>
<instance id="trees" src="jr://file-csv/trees.csv"/>
<bind nodeset="/data/id" type="string"/>
)X" + binds +
         R"X(
</model></h:head><h:body/></h:html>)X";
}

}  // namespace

TEST_CASE("xform entities: a creating form's expressions and save_to mapping") {
  auto f = load_ok(entity_form("entities",
                               R"X(<entity dataset="trees" create="1" id=""><label/></entity>)X",
                               R"X(
<bind nodeset="/data/name" type="string" entities:saveto="species"/>
<bind nodeset="/data/size" type="int" entities:saveto="circumference"/>
<bind nodeset="/data/meta/entity/@create" type="string" readonly="true()" calculate="string-length( /data/name ) &gt; 0"/>
<bind nodeset="/data/meta/entity/@id" type="string" readonly="true()"/>
<setvalue event="odk-instance-first-load" type="string" readonly="true()" ref="/data/meta/entity/@id" value="uuid()"/>
<bind nodeset="/data/meta/entity/label" type="string" readonly="true()" calculate="concat('Tree ',  /data/name )"/>)X"));
  REQUIRE(f->entity);
  const EntityDecl& e = *f->entity;
  CHECK(e.path == "/data/meta/entity");
  CHECK(e.dataset == "trees");
  CHECK(e.creates());
  CHECK_FALSE(e.updates());
  CHECK(e.create_if == "string-length( /data/name ) > 0");
  CHECK(e.update_if.empty());
  CHECK(e.id_calculate.empty());
  CHECK(e.id_is_new_uuid);
  CHECK(e.label_calculate == "concat('Tree ',  /data/name )");
  REQUIRE(e.save_to.size() == 2);
  CHECK(e.save_to[0].path == "/data/name");
  CHECK(e.save_to[0].property == "species");
  CHECK(e.save_to[1].path == "/data/size");
  CHECK(e.save_to[1].property == "circumference");
}

TEST_CASE("xform entities: an updating form under another namespace prefix") {
  auto f = load_ok(entity_form(
      "ent",
      R"X(<entity dataset="trees" update="1" baseVersion="" trunkVersion="" branchId="" id=""/>)X",
      R"X(
<bind nodeset="/data/size" type="int" ent:saveto="circumference"/>
<bind nodeset="/data/meta/entity/@update" type="string" readonly="true()" calculate=" /data/id  != ''"/>
<bind nodeset="/data/meta/entity/@id" type="string" readonly="true()" calculate=" /data/id "/>
<bind nodeset="/data/meta/entity/@baseVersion" type="string" readonly="true()" calculate="instance('trees')/root/item[name= /data/id ]/__version"/>)X"));
  REQUIRE(f->entity);
  const EntityDecl& e = *f->entity;
  CHECK(e.version == "2024.1.0");
  CHECK(e.updates());
  CHECK_FALSE(e.creates());
  CHECK(e.update_if == " /data/id  != ''");
  CHECK(e.id_calculate == " /data/id ");
  CHECK_FALSE(e.id_is_new_uuid);
  CHECK(e.label_calculate.empty());
  REQUIRE(e.save_to.size() == 1);
  CHECK(e.save_to[0].path == "/data/size");
  CHECK(e.save_to[0].property == "circumference");
}

TEST_CASE("xform entities: saveto in another namespace is not an entity property") {
  auto f = load_ok(entity_form(
      "entities", R"X(<entity dataset="trees" create="1" id=""><label/></entity>)X",
      R"X(<bind xmlns:other="urn:other" nodeset="/data/name" type="string" other:saveto="x"/>)X"));
  REQUIRE(f->entity);
  CHECK(f->entity->save_to.empty());
}
