// The XForm loader on small inline forms: structure, primary instance, binds, itext, body
// controls, actions, entities, and every load error.
#include <doctest/doctest.h>

#include <string>

#include "xform/form_def.hpp"
#include "xform/loader_internal.hpp"

using namespace khaosat::core;

namespace {

const char* kHead =
    R"X(<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"
        xmlns:jr="http://openrosa.org/javarosa" xmlns:odk="http://www.opendatakit.org/xforms"
        xmlns:orx="http://openrosa.org/xforms">
<h:head><h:title>T</h:title>
<model>
)X";

// A form with the given model content (after the primary instance) and body content.
std::string form(const std::string& instance, const std::string& model, const std::string& body) {
  return std::string(kHead) + "<instance>" + instance + "</instance>\n" + model +
         "\n</model></h:head>\n<h:body>" + body + "</h:body></h:html>\n";
}

std::shared_ptr<const FormDef> load_ok(const std::string& xml, const LoadOptions& opts = {}) {
  auto r = load_xform(xml, "", opts);
  if (!r.ok()) FAIL("load failed: " << r.error().code_name() << ": " << r.error().message);
  return r.value();
}

Error load_err(const std::string& xml, const LoadOptions& opts = {}) {
  auto r = load_xform(xml, "", opts);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

const Bind* find_bind(const FormDef& f, const std::string& nodeset) {
  for (const auto& b : f.binds)
    if (b.nodeset == nodeset) return &b;
  return nullptr;
}

const Node* child(const Node* n, const std::string& name) {
  for (const Node* c : n->children)
    if (c->name == name) return c;
  return nullptr;
}

}  // namespace

TEST_CASE("xform loader: title, id, version, root, namespaces") {
  auto f = load_ok(form(R"X(<data id="f1" version="2024"><a>x</a></data>)X", "", ""));
  CHECK(f->title == "T");
  CHECK(f->id == "f1");
  CHECK(f->version == "2024");
  CHECK(f->root_name == "data");
  CHECK(f->namespaces.at("jr") == "http://openrosa.org/javarosa");
  CHECK(f->namespaces.at("") == "http://www.w3.org/2002/xforms");
  CHECK(f->namespaces.at("h") == "http://www.w3.org/1999/xhtml");
  CHECK(to_string(ControlType::Rank) == std::string("rank"));
  CHECK(to_string(ControlType::Select1) == std::string("select1"));
}

TEST_CASE("xform loader: primary instance tree keeps leaf text and jr:template") {
  auto f = load_ok(form(
      R"X(<data id="f"><a>  keep me </a><g>
           <b>1</b>
         </g><rep jr:template=""><q/></rep><orx:meta><orx:instanceID/></orx:meta></data>)X",
      "", ""));
  const Node* root = f->instance->root();
  REQUIRE(root);
  CHECK(root->name == "data");
  CHECK(root->ns == "http://www.w3.org/2002/xforms");
  CHECK(child(root, "a")->value == "  keep me ");
  const Node* g = child(root, "g");
  CHECK(g->value.empty());  // whitespace between child elements is dropped
  CHECK(child(g, "b")->value == "1");
  const Node* rep = child(root, "rep");
  REQUIRE(rep->attribute("jr:template"));
  CHECK(rep->attribute("jr:template")->ns == "http://openrosa.org/javarosa");
  const Node* meta = child(root, "orx:meta");
  REQUIRE(meta);
  CHECK(meta->local == "meta");
  CHECK(meta->ns == "http://openrosa.org/xforms");
  // the root's id attribute is an attribute node; xmlns declarations are not
  CHECK(root->attribute("id")->value == "f");
  for (const Node* a : root->attributes) CHECK(a->name.rfind("xmlns", 0) != 0);
}

TEST_CASE("xform loader: meta/instanceID is added when missing, as ODK does") {
  auto f = load_ok(form(R"X(<data id="f"><a/></data>)X", "", ""));
  const Node* meta = child(f->instance->root(), "orx:meta");
  REQUIRE(meta);
  CHECK(child(meta, "orx:instanceID"));
  const Bind* b = find_bind(*f, "/data/orx:meta/orx:instanceID");
  REQUIRE(b);
  CHECK(b->preload == "uid");

  auto g = load_ok(form(R"X(<data id="f"><meta><instanceID/></meta></data>)X", "", ""));
  CHECK(g->binds.empty());
  CHECK(g->instance->root()->children.size() == 1);
}

TEST_CASE("xform loader: binds") {
  auto f = load_ok(form(
      R"X(<data id="f"><a/><b/><g><c/></g></data>)X",
      R"X(<bind nodeset="/data/a" type="xsd:int" required="true()" relevant="/data/b = 'x'"
               jr:constraintMsg="too big" constraint=". &lt; 10" odk:extra="1"/>
         <bind nodeset="b" type="xsd:integer" readonly="true()" jr:requiredMsg="jr:itext('req')"/>
         <bind nodeset="/data/g[1]/c" type="geopoint" calculate="concat(/data/a, 'x')"
               jr:preload="timestamp" jr:preloadParams="start"/>)X",
      R"X(<input ref="/data/a"/>)X"));
  const Bind* a = find_bind(*f, "/data/a");
  REQUIRE(a);
  CHECK(a->type == "int");
  CHECK(a->required);
  CHECK(a->relevant);
  CHECK(a->constraint);
  CHECK_FALSE(a->calculate);
  CHECK(a->constraint_msg == "too big");
  CHECK(a->constraint_msg_itext.empty());
  CHECK(a->line == 8);
  const Bind* b = find_bind(*f, "/data/b");  // relative to the root element
  REQUIRE(b);
  CHECK(b->type == "int");
  CHECK(b->readonly);
  CHECK(b->required_msg_itext == "req");
  CHECK(b->required_msg.empty());
  const Bind* c = find_bind(*f, "/data/g/c");  // predicates stripped
  REQUIRE(c);
  CHECK(c->type == "geopoint");
  CHECK(c->calculate);
  CHECK(c->preload == "timestamp");
  CHECK(c->preload_params == "start");
}

TEST_CASE("xform loader: identical expressions are parsed once") {
  auto f = load_ok(form(R"X(<data id="f"><a/><b/></data>)X",
                        R"X(<bind nodeset="/data/a" relevant="/data/x = 1"/>
                           <bind nodeset="/data/b" relevant="/data/x = 1"/>)X",
                        ""));
  CHECK(find_bind(*f, "/data/a")->relevant == find_bind(*f, "/data/b")->relevant);
}

TEST_CASE("xform loader: jr attributes are found by namespace URI, not by prefix") {
  std::string xml = R"X(<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"
        xmlns:java="http://openrosa.org/javarosa" xmlns:jr="urn:not-javarosa">
<h:head><h:title>T</h:title><model>
<instance><data id="f"><a/><r><q/></r></data></instance>
<bind nodeset="/data/a" java:constraintMsg="real" jr:requiredMsg="fake" java:preload="uid"/>
</model></h:head>
<h:body><repeat nodeset="/data/r" java:count="3" jr:noAddRemove="true()"><input ref="q"/></repeat></h:body>
</h:html>)X";
  auto f = load_ok(xml);
  const Bind* a = find_bind(*f, "/data/a");
  REQUIRE(a);
  CHECK(a->constraint_msg == "real");
  CHECK(a->required_msg.empty());
  CHECK(a->preload == "uid");
  REQUIRE(f->body.children.size() == 1);
  const Control& rep = f->body.children[0];
  CHECK(rep.repeat_count);
  CHECK_FALSE(rep.no_add_remove);
  CHECK(f->namespaces.at("java") == "http://openrosa.org/javarosa");
}

TEST_CASE("xform loader: itext translations with forms and outputs") {
  auto f = load_ok(form(R"X(<data id="f"><a/></data>)X", R"X(
    <itext>
      <translation lang="English (en)">
        <text id="q"><value>Hello <output value="/data/a"/>!</value><value form="guidance">G</value></text>
      </translation>
      <translation lang="French (fr)" default="true()">
        <text id="q"><value>Bonjour</value><value form="image">jr://images/a.png</value></text>
      </translation>
    </itext>)X",
                        R"X(<input ref="/data/a"><label ref="jr:itext('q')"/></input>)X"));
  REQUIRE(f->translations.size() == 2);
  CHECK(f->default_language() == "French (fr)");
  const auto& en = f->translations[0];
  CHECK(en.lang == "English (en)");
  CHECK_FALSE(en.is_default);
  const auto& parts = en.texts.at("q").at("");
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].literal == "Hello ");
  CHECK(parts[1].expr);
  CHECK(parts[2].literal == "!");
  CHECK(en.texts.at("q").at("guidance")[0].literal == "G");
  CHECK(f->translations[1].texts.at("q").at("image")[0].literal == "jr://images/a.png");
  CHECK(f->body.children[0].label.itext_id == "q");

  auto g = load_ok(form(R"X(<data id="f"/>)X",
                        R"X(<itext><translation lang="a"/><translation lang="b"/></itext>)X", ""));
  CHECK(g->default_language() == "a");
  auto h = load_ok(form(R"X(<data id="f"/>)X", "", ""));
  CHECK(h->default_language().empty());
}

TEST_CASE("xform loader: body controls") {
  auto f = load_ok(form(
      R"X(<data id="f"><a/><s1/><s/><r/><k/><t/><u/><g><x/><rep><y/></rep></g></data>)X",
      R"X(<bind nodeset="/data/u" type="binary" id="upl"/>)X",
      R"X(<input ref="/data/a" appearance="multiline"><label>A <output value="../s1"/></label>
           <hint>hint</hint></input>
         <select1 ref="/data/s1"><label>S1</label>
           <item><label>One</label><value>1</value></item>
           <item><label ref="jr:itext('two')"/><value> 2 </value></item></select1>
         <select ref="/data/s"><itemset nodeset="instance('c')/root/item[p = /data/a]">
           <value ref="name"/><label ref="jr:itext(itextId)"/></itemset></select>
         <range ref="/data/r" start="1" end="10" step="0.5"/>
         <odk:rank ref="/data/k"><item><label>x</label><value>x</value></item></odk:rank>
         <trigger ref="/data/t"><label>OK</label></trigger>
         <upload bind="upl" mediatype="image/*"/>
         <group ref="/data/g"><label>G</label>
           <input ref="x"/>
           <group><label>no ref</label>
             <repeat nodeset="/data/g/rep" jr:noAddRemove="true()"><input ref="y"/></repeat>
           </group>
         </group>)X"));
  const auto& c = f->body.children;
  REQUIRE(c.size() == 8);
  CHECK(c[0].type == ControlType::Input);
  CHECK(c[0].ref == "/data/a");
  CHECK(c[0].appearance == "multiline");
  REQUIRE(c[0].label.parts.size() == 2);
  CHECK(c[0].label.parts[0].literal == "A ");
  CHECK(c[0].label.parts[1].expr);
  CHECK(c[0].hint.parts[0].literal == "hint");
  CHECK(c[0].line == 10);

  CHECK(c[1].type == ControlType::Select1);
  REQUIRE(c[1].items.size() == 2);
  CHECK(c[1].items[0].value == "1");
  CHECK(c[1].items[0].label.parts[0].literal == "One");
  CHECK(c[1].items[1].value == " 2 ");
  CHECK(c[1].items[1].label.itext_id == "two");

  CHECK(c[2].type == ControlType::Select);
  REQUIRE(c[2].itemset);
  CHECK(c[2].itemset->nodeset_text == "instance('c')/root/item[p = /data/a]");
  CHECK(c[2].itemset->nodeset);
  CHECK(c[2].itemset->value);
  CHECK(c[2].itemset->label);
  CHECK(c[2].itemset->label_is_itext);

  CHECK(c[3].type == ControlType::Range);
  CHECK(c[3].range_start == "1");
  CHECK(c[3].range_end == "10");
  CHECK(c[3].range_step == "0.5");
  CHECK(c[4].type == ControlType::Rank);
  CHECK(c[4].items.size() == 1);
  CHECK(c[5].type == ControlType::Trigger);
  CHECK(c[6].type == ControlType::Upload);
  CHECK(c[6].ref == "/data/u");
  CHECK(c[6].mediatype == "image/*");

  const Control& g = c[7];
  CHECK(g.type == ControlType::Group);
  CHECK(g.ref == "/data/g");
  CHECK(g.label.parts[0].literal == "G");
  REQUIRE(g.children.size() == 2);
  CHECK(g.children[0].ref == "/data/g/x");
  const Control& inner = g.children[1];
  CHECK(inner.ref.empty());
  REQUIRE(inner.children.size() == 1);
  const Control& rep = inner.children[0];
  CHECK(rep.type == ControlType::Repeat);
  CHECK(rep.ref == "/data/g/rep");
  CHECK(rep.no_add_remove);
  CHECK_FALSE(rep.repeat_count);
  REQUIRE(rep.children.size() == 1);
  CHECK(rep.children[0].ref == "/data/g/rep/y");
  CHECK(f->warnings.empty());
}

TEST_CASE("xform loader: label ref to a node and dynamic jr:itext") {
  auto f = load_ok(form(R"X(<data id="f"><a/><b/></data>)X", "",
                        R"X(<input ref="/data/a"><label ref="/data/b"/><hint ref="jr:itext(/data/b)"/></input>)X"));
  const Control& c = f->body.children[0];
  REQUIRE(c.label.parts.size() == 1);
  CHECK(c.label.parts[0].expr);
  CHECK(c.hint.itext_id.empty());
  CHECK(c.hint.itext_expr);
}

TEST_CASE("xform loader: actions in the model and in controls") {
  auto f = load_ok(form(
      R"X(<data id="f"><a/><b/><loc/><rep><c/></rep></data>)X",
      R"X(<setvalue event="odk-instance-first-load" ref="/data/a" value="now()"/>
         <setvalue event="odk-instance-load xforms-revalidate" ref="/data/b">text value</setvalue>
         <odk:setgeopoint event="odk-instance-first-load" ref="/data/loc"/>)X",
      R"X(<input ref="/data/a"><setvalue event="xforms-value-changed" ref="/data/b" value="../a"/></input>
         <repeat nodeset="/data/rep"><setvalue event="odk-new-repeat" ref="/data/rep/c" value="1"/>
           <input ref="c"/></repeat>)X"));
  REQUIRE(f->actions.size() == 5);
  const auto& a0 = f->actions[0];
  CHECK(a0.kind == Action::Kind::SetValue);
  CHECK(a0.events == std::vector<std::string>{"odk-instance-first-load"});
  CHECK(a0.ref == "/data/a");
  CHECK(a0.value);
  const auto& a1 = f->actions[1];
  CHECK(a1.events == std::vector<std::string>{"odk-instance-load", "xforms-revalidate"});
  CHECK_FALSE(a1.value);
  CHECK(a1.literal == "text value");
  CHECK(f->actions[2].kind == Action::Kind::SetGeopoint);
  CHECK(f->actions[2].ref == "/data/loc");
  const auto& a3 = f->actions[3];
  CHECK(a3.events == std::vector<std::string>{"xforms-value-changed"});
  CHECK(a3.trigger_ref == "/data/a");
  CHECK(a3.ref == "/data/b");
  const auto& a4 = f->actions[4];
  CHECK(a4.events == std::vector<std::string>{"odk-new-repeat"});
  CHECK(a4.ref == "/data/rep/c");
  CHECK(a4.trigger_ref.empty());
}

TEST_CASE("xform loader: setgeopoint outside the ODK namespace is not an action") {
  std::string xml = form(R"X(<data id="f"><loc/></data>)X",
                         R"X(<x:setgeopoint xmlns:x="urn:other" event="odk-instance-first-load" ref="/data/loc"/>)X",
                         "");
  CHECK(load_ok(xml)->actions.empty());
}

TEST_CASE("xform loader: entity declaration") {
  std::string xml = R"X(<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"
        xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms"
        xmlns:entities="http://www.opendatakit.org/xforms/entities">
<h:head><h:title>T</h:title><model entities:entities-version="2024.1.0">
<instance><data id="f"><name/><meta><instanceID/>
  <entity dataset="trees" id="" create="1" update="0"><label/></entity></meta></data></instance>
<bind nodeset="/data/meta/entity/label" calculate="/data/name"/>
</model></h:head><h:body/></h:html>)X";
  auto f = load_ok(xml);
  REQUIRE(f->entity);
  CHECK(f->entity->dataset == "trees");
  CHECK(f->entity->create == "1");
  CHECK(f->entity->update == "0");
  CHECK(f->entity->entity_id.empty());
  CHECK(f->entity->version == "2024.1.0");
  CHECK(f->namespaces.at("entities") == "http://www.opendatakit.org/xforms/entities");
}

TEST_CASE("xform loader: inline secondary instance") {
  auto f = load_ok(form(R"X(<data id="f"><a/></data>)X",
                        R"X(<instance id="towns"><root><item><name>A</name></item><item><name>B</name></item></root></instance>)X",
                        ""));
  REQUIRE(f->secondary.size() == 1);
  CHECK(f->secondary[0].id == "towns");
  CHECK(f->secondary[0].src.empty());
  const Node* root = f->secondary[0].tree->root();
  REQUIRE(root);
  CHECK(root->name == "root");
  REQUIRE(root->children.size() == 2);
  CHECK(root->children[1]->children[0]->value == "B");
}

TEST_CASE("xform loader: references ODK accepts become warnings") {
  auto f = load_ok(form(R"X(<data id="f"><a/></data>)X", R"X(<bind nodeset="/data/zz" relevant="true()"/>)X",
                        R"X(<input ref="/data/nope"><label>x</label></input>)X"));
  REQUIRE(f->warnings.size() == 2);
  CHECK(f->warnings[0].find("/data/zz") != std::string::npos);
  CHECK(f->warnings[0].find("line 8") != std::string::npos);
  CHECK(f->warnings[1].find("/data/nope") != std::string::npos);
  CHECK(f->warnings[1].find("line 10") != std::string::npos);
}

// --- errors ----------------------------------------------------------------------------------

TEST_CASE("xform loader errors: bad XML names line and column") {
  auto e = load_err("<h:html xmlns:h=\"x\">\n<h:head>\n</h:html>");
  CHECK(e.code == ErrorCode::xml);
  CHECK(e.message.find("line 3") != std::string::npos);
  CHECK(e.message.find("column") != std::string::npos);
  CHECK(load_err("").code == ErrorCode::xml);
  CHECK(load_err("just text").code == ErrorCode::xml);
}

TEST_CASE("xform loader errors: document structure") {
  auto e = load_err("<html/>");
  CHECK(e.code == ErrorCode::form_structure);
  CHECK(e.message.find("<h:head>") != std::string::npos);

  e = load_err("<foo/>");
  CHECK(e.code == ErrorCode::form_structure);
  CHECK(e.message.find("<foo>") != std::string::npos);

  e = load_err(R"X(<h:html xmlns:h="http://www.w3.org/1999/xhtml"><h:head><h:title/></h:head></h:html>)X");
  CHECK(e.code == ErrorCode::form_structure);
  CHECK(e.message.find("<model>") != std::string::npos);

  e = load_err(R"X(<h:html xmlns:h="http://www.w3.org/1999/xhtml"><h:head>
                  <model><bind nodeset="/a"/></model></h:head></h:html>)X");
  CHECK(e.code == ErrorCode::form_structure);
  CHECK(e.message.find("primary <instance>") != std::string::npos);
  CHECK(e.message.find("line 2") != std::string::npos);

  e = load_err(form("", "", ""));
  CHECK(e.code == ErrorCode::form_structure);
  CHECK(e.message.find("no root element") != std::string::npos);

  e = load_err(form(R"X(<data id="f"/>)X", R"X(<instance><root/></instance>)X", ""));
  CHECK(e.code == ErrorCode::form_structure);
  CHECK(e.message.find("without an id") != std::string::npos);
}

TEST_CASE("xform loader errors: bad expressions name bind, attribute, expression, position") {
  auto e = load_err(form(R"X(<data id="f"><a/></data>)X",
                         R"X(<bind nodeset="/data/a" constraint=". &gt; 1 and (. &lt; 3"/>)X", ""));
  CHECK(e.code == ErrorCode::form_expression);
  CHECK(e.message.find("/data/a") != std::string::npos);
  CHECK(e.message.find("'constraint'") != std::string::npos);
  CHECK(e.message.find(". > 1 and (. < 3") != std::string::npos);
  CHECK(e.message.find("position") != std::string::npos);
  CHECK(e.message.find("line 8") != std::string::npos);

  e = load_err(form(R"X(<data id="f"><a/></data>)X", R"X(<bind nodeset="/data/a" calculate="nosuchfn(1)"/>)X", ""));
  CHECK(e.code == ErrorCode::form_expression);
  CHECK(e.message.find("nosuchfn") != std::string::npos);

  e = load_err(form(R"X(<data id="f"><a/></data>)X", "",
                    R"X(<input ref="/data/a"><label>x <output value="/data/a["/></label></input>)X"));
  CHECK(e.code == ErrorCode::form_expression);
  CHECK(e.message.find("<output value>") != std::string::npos);

  e = load_err(form(R"X(<data id="f"><a/></data>)X", "",
                    R"X(<select1 ref="/data/a"><itemset nodeset="instance('x')/root/item[">
                         <value ref="name"/><label ref="label"/></itemset></select1>)X"));
  CHECK(e.code == ErrorCode::form_expression);
  CHECK(e.message.find("itemset") != std::string::npos);

  e = load_err(form(R"X(<data id="f"><r/></data>)X", "",
                    R"X(<repeat nodeset="/data/r" jr:count="count(("/>)X"));
  CHECK(e.code == ErrorCode::form_expression);
  CHECK(e.message.find("jr:count") != std::string::npos);
}

TEST_CASE("xform loader errors: binds and body references") {
  auto e = load_err(form(R"X(<data id="f"><a/></data>)X", R"X(<bind nodeset="concat(/data/a)"/>)X", ""));
  CHECK(e.code == ErrorCode::form_bind);
  CHECK(e.message.find("concat(/data/a)") != std::string::npos);

  e = load_err(form(R"X(<data id="f"><a/></data>)X", "", R"X(<input bind="nobind"/>)X"));
  CHECK(e.code == ErrorCode::form_body);
  CHECK(e.message.find("nobind") != std::string::npos);
  CHECK(e.message.find("line 10") != std::string::npos);

  e = load_err(form(R"X(<data id="f"><a/></data>)X", "", R"X(<input><label>x</label></input>)X"));
  CHECK(e.code == ErrorCode::form_body);
  CHECK(e.message.find("<input>") != std::string::npos);

  e = load_err(form(R"X(<data id="f"><a/></data>)X", "",
                    R"X(<range ref="/data/a" start="-2.0.1" end="2" step="1"/>)X"));
  CHECK(e.code == ErrorCode::form_body);
  CHECK(e.message.find("start") != std::string::npos);
  CHECK(e.message.find("-2.0.1") != std::string::npos);

  e = load_err(form(R"X(<data id="f"><a/></data>)X", "",
                    R"X(<select1 ref="/data/a"><item><label>x</label></item></select1>)X"));
  CHECK(e.code == ErrorCode::form_body);
  CHECK(e.message.find("<value>") != std::string::npos);
}

TEST_CASE("xform loader errors: actions") {
  auto e = load_err(form(R"X(<data id="f"><a/></data>)X",
                         R"X(<setvalue event="odk-instance-first-load xforms-ready" ref="/data/a"/>)X", ""));
  CHECK(e.code == ErrorCode::form_action);
  CHECK(e.message.find("xforms-ready") != std::string::npos);

  e = load_err(form(R"X(<data id="f"><a/></data>)X",
                    R"X(<setvalue event="odk-new-repeat" ref="/data/a" value="1"/>)X", ""));
  CHECK(e.code == ErrorCode::form_action);
  CHECK(e.message.find("odk-new-repeat") != std::string::npos);

  e = load_err(form(R"X(<data id="f"><a/></data>)X",
                    R"X(<setvalue event="odk-instance-first-load" value="1"/>)X", ""));
  CHECK(e.code == ErrorCode::form_action);
}

TEST_CASE("xform loader errors: unreadable file") {
  auto r = load_xform_file("/nonexistent/dir/form.xml", {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("/nonexistent/dir/form.xml") != std::string::npos);
}

TEST_CASE("xform loader: never crashes on truncated or mangled input") {
  std::string xml = form(R"X(<data id="f"><a/><r><q/></r></data>)X",
                         R"X(<bind nodeset="/data/a" relevant="true()"/>)X",
                         R"X(<group ref="/data/r"><repeat nodeset="/data/r"><input ref="q"/></repeat></group>)X");
  // A prefix that cuts the root element short is never a form: refused, not crashed on.
  std::size_t root_end = xml.rfind('>');
  for (std::size_t n = 0; n < xml.size(); n += 7) {
    auto r = load_xform(std::string_view(xml).substr(0, n), "", {});
    if (n <= root_end) CHECK_FALSE(r.ok());
  }
  std::string mangled = xml;
  for (std::size_t i = 0; i < mangled.size(); i += 13) {
    std::string m = mangled;
    m[i] = '<';
    auto r = load_xform(m, "", {});
    (void)r;
  }
}

TEST_CASE("xform loader errors: absurdly deep nesting is rejected, not a stack overflow") {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  for (int i = 0; i < 100000; ++i) deep += "</a>";
  auto e = load_err(form(R"X(<data id="f">)X" + deep + "</data>", "", ""));
  CHECK(e.code == ErrorCode::form_structure);
  CHECK(e.message.find("nested") != std::string::npos);
  // a realistic depth still loads
  std::string ok;
  for (int i = 0; i < 50; ++i) ok += "<g>";
  for (int i = 0; i < 50; ++i) ok += "</g>";
  load_ok(form(R"X(<data id="f">)X" + ok + "</data>", "", ""));
}

// Nesting is bounded before any recursive walk, so a hostile form cannot overflow the stack; the
// bound is read from the text, stepping over quoted '>' and comments.
TEST_CASE("xform loader: elements nested too deeply are refused, quoted markup is not counted") {
  std::string deep;
  for (int i = 0; i < 600; ++i) deep += "<g>";
  for (int i = 0; i < 600; ++i) deep += "</g>";
  std::string xml = std::string(R"(<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"><h:head><h:title>t</h:title><model><instance><data id="d">)") +
                    deep + R"(</data></instance></model></h:head><h:body/></h:html>)";
  auto r = load_xform(xml, "deep.xml", LoadOptions{});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("nested more than") != std::string::npos);
  std::string shallow;
  for (int i = 0; i < 20; ++i) shallow += "<g a=\"<x><y>\"><!-- <z><z><z> -->";
  for (int i = 0; i < 20; ++i) shallow += "</g>";
  std::string ok_xml = std::string(R"(<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"><h:head><h:title>t</h:title><model><instance><data id="d">)") +
                       shallow + R"(<q/></data></instance><bind nodeset="/data/q" relevant=". &gt; 1 and 2 > 1"/></model></h:head><h:body/></h:html>)";
  CHECK(khaosat::core::xform_detail::text_nesting_depth(ok_xml, 1000) == 25);
  CHECK(load_xform(ok_xml, "ok.xml", LoadOptions{}).ok());
}

// A UTF-16 XForm used to fail as "Could not determine tag type", a Latin-1 one to load with
// labels that are not UTF-8.
TEST_CASE("xform loader: a form not in UTF-8 is refused with its encoding, a UTF-8 BOM is accepted") {
  std::string xml = form(R"X(<data id="f"><q/></data>)X", "", R"X(<input ref="/data/q"/>)X");
  std::string le, be;
  for (char c : xml) {
    le += std::string{c, '\0'};
    be += std::string{'\0', c};
  }
  for (const auto& [bytes, enc] : {std::pair{"\xFF\xFE" + le, "UTF-16LE"}, {"\xFE\xFF" + be, "UTF-16BE"},
                                  {le, "UTF-16LE"}}) {
    auto r = load_xform(bytes, "wide.xml", LoadOptions{});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::xml);
    CHECK(r.error().message == std::string("wide.xml: the file is encoded as ") + enc +
                                   ", not UTF-8; save it as UTF-8 (in Excel: \"CSV UTF-8\"; in a "
                                   "text editor: encoding UTF-8)");
  }
  std::string latin1 = form(R"X(<data id="f"><q/></data>)X", "",
                            "<input ref=\"/data/q\"><label>Caf\xE9</label></input>");
  auto r = load_xform(latin1, "latin1.xml", LoadOptions{});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.starts_with("latin1.xml: the file is not UTF-8: byte 0xE9 at line "));
  CHECK(load_xform("\xEF\xBB\xBF" + xml, "bom.xml", LoadOptions{}).ok());
}

// A 200 KB expression used to be quoted whole, twice, in the load error.
TEST_CASE("xform loader: an invalid long expression is quoted once, as an excerpt") {
  std::string big = "1";
  for (int i = 0; i < 40000; ++i) big += " + 1";
  Error e = load_err(form(R"X(<data id="f"><q/></data>)X",
                          "<bind nodeset=\"/data/q\" calculate=\"" + big + " + )\"/>", ""));
  INFO(e.message.substr(0, 400));
  CHECK(e.message.size() < 300);
  CHECK(e.message.find("invalid expression: unexpected ')' at position 160005 in '\u2026") !=
        std::string::npos);
}

// --- load_compiled_xform: the XLSForm compiler's way in --------------------------------------

// The compiler hands over the trees of the expressions it parsed to check them: the loader
// takes them as they are (no second parse) and parses only what it was not given.
TEST_CASE("xform loader: a compiled form takes the expressions it is handed, by their text") {
  std::string xml = form(R"X(<data id="f"><a/><b/></data>)X",
                         R"X(<bind nodeset="/data/a" relevant="/data/b = 'x'"/>
                            <bind nodeset="/data/b" calculate="1 + 2"/>)X",
                         R"X(<input ref="/data/a"/>)X");
  auto handed = khaosat::core::xpath::parse("/data/b = 'x'");
  REQUIRE(handed.ok());
  ParsedExpressions parsed;
  parsed.emplace("/data/b = 'x'", handed.value());
  auto r = load_compiled_xform(xml, "", LoadOptions{}, std::move(parsed));
  REQUIRE(r.ok());
  CHECK(find_bind(*r.value(), "/data/a")->relevant == handed.value());  // the same tree
  REQUIRE(find_bind(*r.value(), "/data/b")->calculate);  // not handed: parsed
  auto plain = load_ok(xml);
  CHECK(find_bind(*plain, "/data/a")->relevant != handed.value());
}

// Parsed in place, the text is overwritten by the XML parser: what the loader reads from the text
// itself (line numbers, nesting depth) must be read before, and come out as from load_xform.
TEST_CASE("xform loader: a compiled form loads in place with the same lines and errors") {
  std::string warn = form(R"X(<data id="f"><a/></data>)X", R"X(<bind nodeset="/data/zz" relevant="true()"/>)X",
                          R"X(<input ref="/data/nope"><label>x &amp; y</label></input>)X");
  auto in_place = load_compiled_xform(warn, "", LoadOptions{}, {});
  REQUIRE(in_place.ok());
  auto copied = load_ok(warn);
  CHECK(in_place.value()->warnings == copied->warnings);
  REQUIRE(in_place.value()->warnings.size() == 2);
  CHECK(in_place.value()->warnings[1].find("line 10") != std::string::npos);
  REQUIRE(in_place.value()->body.children.size() == 1);
  CHECK(in_place.value()->body.children[0].label.parts.at(0).literal == "x & y");

  std::string bad = form(R"X(<data id="f"><a/></data>)X",
                         R"X(<bind nodeset="/data/a" relevant="1 +"/>)X", "");
  auto e = load_compiled_xform(bad, "f.xml", LoadOptions{}, {});
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message == load_xform(bad, "f.xml", LoadOptions{}).error().message);
  CHECK(e.error().message.find("line 8") != std::string::npos);

  std::string broken = "<h:html xmlns:h=\"x\">\n<h:head>\n</h:html>";
  auto x = load_compiled_xform(broken, "", LoadOptions{}, {});
  REQUIRE_FALSE(x.ok());
  CHECK(x.error().message == load_err(broken).message);

  std::string deep;
  for (int i = 0; i < 600; ++i) deep += "<g>";
  for (int i = 0; i < 600; ++i) deep += "</g>";
  auto d = load_compiled_xform(form(R"X(<data id="f">)X" + deep + "</data>", "", ""), "", LoadOptions{}, {});
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().message.find("nested more than") != std::string::npos);
}

// Plain absolute paths (what the XLSForm compiler writes) are resolved without the step walk;
// whatever is not plain still goes through it, with the same result as before.
TEST_CASE("xform loader: paths resolve the same with or without the plain-path shortcut") {
  auto resolve = [](std::string_view text) {
    std::string out;
    return khaosat::core::xform_detail::resolve_path(text, "/data/g", out) ? out : std::string("<none>");
  };
  CHECK(resolve("/data/a") == "/data/a");
  CHECK(resolve("/data/g_1/q-2") == "/data/g_1/q-2");
  CHECK(resolve(" /data/tên_câu ") == "/data/tên_câu");
  CHECK(resolve("/data//a") == "<none>");
  CHECK(resolve("//a") == "<none>");
  CHECK(resolve("/data/a/") == "/data/a");
  CHECK(resolve("/data/r[2]/q") == "/data/r/q");
  CHECK(resolve("/data/./g/../a") == "/data/a");
  CHECK(resolve("/data/@x") == "/data/@x");
  CHECK(resolve("/data/child::a") == "/data/a");
  CHECK(resolve("q") == "/data/g/q");
  CHECK(resolve("/") == "/");
}
