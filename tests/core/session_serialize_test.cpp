// FormSession serialization: instance_xml() exact strings (hoisted namespaces, attributes,
// non-relevant nodes omitted, empty elements, escaping), instance_json() shape, and restore():
// round trips and refusals. Expected XML is odk-oracle's instanceXML (TZ=UTC, --deterministic).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "khaosat/tools/fill_script.hpp"
#include "support/session_fixture.hpp"

using namespace khaosat::core;
using namespace khaosat::tools;
using khaosat::test::fixed_env;
using khaosat::test::Session;
using khaosat::test::xform;

namespace {

std::string ser_form() {
  return xform(
      R"X(<data id="ser" orx:version="7" xmlns:ex="http://example.org/x"><txt>a &amp; &lt;b&gt; "q" 'z'</txt><hide>h</hide><ex:e>v</ex:e><g><in/></g><hh><r><n/><s><w/></s></r></hh><orx:meta><orx:instanceID/></orx:meta></data>)X",
      R"X(<bind nodeset="/data/hide" relevant="/data/txt = ''"/>)X",
      R"X(<input ref="/data/txt"/><input ref="/data/hide"/><input ref="/data/ex:e"/>
          <group ref="/data/hh"><repeat nodeset="/data/hh/r"><input ref="/data/hh/r/n"/>
            <repeat nodeset="/data/hh/r/s"><input ref="/data/hh/r/s/w"/></repeat></repeat></group>)X");
}

// Every node as the oracle prints it (labels included), one per line, to compare whole states.
std::string dump(const FormSession& s) {
  std::string out;
  for (const NodeSnapshot& n : s.nodes()) out += node_to_json(n, true).dump() + "\n";
  return out;
}

}  // namespace

TEST_CASE("session serialize: instance_xml hoists namespaces, omits non-relevant, escapes") {
  Session s(ser_form());
  CHECK(s->instance_xml() ==
        R"X(<data xmlns:orx="http://openrosa.org/xforms" xmlns:ex="http://example.org/x" id="ser" orx:version="7"><txt>a &amp; &lt;b&gt; "q" 'z'</txt><ex:e>v</ex:e><g><in/></g><hh><r><n/><s><w/></s></r></hh><orx:meta><orx:instanceID/></orx:meta></data>)X");
}

TEST_CASE("session serialize: repeats serialize as consecutive elements, values escaped") {
  Session s(ser_form());
  REQUIRE(s->add_repeat("/data/hh/r").ok());
  REQUIRE(s->add_repeat("/data/hh/r[2]/s").ok());
  s.set("/data/hh/r[2]/s[2]/w", "deep");
  s.set("/data/hh/r[2]/n", "<n>");
  s.set("/data/txt", "");
  CHECK(s->instance_xml() ==
        R"X(<data xmlns:orx="http://openrosa.org/xforms" xmlns:ex="http://example.org/x" id="ser" orx:version="7"><txt/><hide>h</hide><ex:e>v</ex:e><g><in/></g><hh><r><n/><s><w/></s></r><r><n>&lt;n&gt;</n><s><w/></s><s><w>deep</w></s></r></hh><orx:meta><orx:instanceID/></orx:meta></data>)X");
}

TEST_CASE("session serialize: a form without namespaced instance names prints only attributes") {
  Session s(xform(R"X(<data id="m" version="3"><a>x</a><meta><instanceID/></meta></data>)X", "",
                  R"X(<input ref="/data/a"/>)X"));
  CHECK(s->instance_xml() == R"X(<data id="m" version="3"><a>x</a><meta><instanceID/></meta></data>)X");
}

TEST_CASE("session serialize: instance_json nests groups and lists repeat instances") {
  Session s(ser_form());
  REQUIRE(s->add_repeat("/data/hh/r").ok());
  s.set("/data/hh/r[2]/n", "two");
  auto j = nlohmann::json::parse(s->instance_json(), nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  REQUIRE(j.contains("data"));
  const auto& d = j["data"];
  CHECK(d["txt"] == "a & <b> \"q\" 'z'");
  CHECK_FALSE(d.contains("hide"));  // non-relevant
  CHECK(d["g"]["in"] == "");
  REQUIRE(d["hh"]["r"].is_array());
  CHECK(d["hh"]["r"].size() == 2);
  CHECK(d["hh"]["r"][1]["n"] == "two");
  CHECK(d["hh"]["r"][1]["s"].size() == 1);
}

TEST_CASE("session serialize: instance_json shows the visible value of a filtered select") {
  Session s(xform(R"X(<data id="j"><k>1</k><s/></data>)X", "",
                  R"X(<input ref="/data/k"/><select1 ref="/data/s"><itemset nodeset="instance('o')/root/item[k = /data/k]"><value ref="v"/><label ref="v"/></itemset></select1>)X",
                  R"X(<instance id="o"><root><item><v>a</v><k>1</k></item><item><v>b</v><k>2</k></item></root></instance>)X"));
  s.set("/data/s", "a");
  s.set("/data/k", "2");
  CHECK(s.value("/data/s") == "");
  auto j = nlohmann::json::parse(s->instance_json(), nullptr, false);
  CHECK(j["data"]["s"] == "");
  CHECK(s->instance_xml().find("<s/>") != std::string::npos);
}

TEST_CASE("session serialize: restore(instance_xml()) gives the same nodes and XML") {
  Session s(ser_form());
  REQUIRE(s->add_repeat("/data/hh/r").ok());
  REQUIRE(s->add_repeat("/data/hh/r[2]/s", 2).ok());
  s.set("/data/hh/r[2]/s[3]/w", "deep & <deeper>");
  s.set("/data/hh/r[1]/n", "one");
  std::string xml = s->instance_xml();
  auto restored = FormSession::restore(s.form, xml, SessionOptions{fixed_env(), ""});
  REQUIRE_MESSAGE(restored.ok(), (restored.ok() ? "" : restored.error().message));
  CHECK(dump(**restored) == dump(*s.s));
  CHECK((*restored)->instance_xml() == xml);
  CHECK((*restored)->node("/data/hh/r[2]/s")->count == 3);
}

TEST_CASE("session serialize: restore keeps values, reruns computations, keeps instanceID") {
  std::string form_xml = xform(
      R"X(<data id="rs"><a/><b/><r jr:template=""><q/></r><orx:meta><orx:instanceID/></orx:meta></data>)X",
      R"X(<bind nodeset="/data/a" type="int"/><bind nodeset="/data/b" calculate="/data/a + count(/data/r)"/>
          <bind nodeset="/data/orx:meta/orx:instanceID" jr:preload="uid"/>)X",
      R"X(<input ref="/data/a"/><repeat nodeset="/data/r"><input ref="/data/r/q"/></repeat>)X");
  Session s(form_xml);
  s.set("/data/a", "4");
  REQUIRE(s->add_repeat("/data/r", 2).ok());
  s.set("/data/r[2]/q", "x");
  std::string id = s.value("/data/orx:meta/orx:instanceID");
  CHECK(id.rfind("uuid:", 0) == 0);
  std::string xml = s->instance_xml();
  CHECK(s.value("/data/b") == "6");
  auto restored = FormSession::restore(s.form, xml, SessionOptions{fixed_env(), ""});
  REQUIRE(restored.ok());
  FormSession& r = **restored;
  CHECK(r.node("/data/orx:meta/orx:instanceID")->value == id);
  CHECK(r.node("/data/r")->count == 2);
  CHECK(r.node("/data/r[2]/q")->value == "x");
  CHECK(r.node("/data/b")->value == "6");
  REQUIRE(r.answer("/data/a", "5").ok());
  CHECK(r.node("/data/b")->value == "7");
  CHECK(dump(r) != dump(*s.s));
}

TEST_CASE("session serialize: a saved instance with its children out of order lists every node") {
  // nodes() walks the instance's children in the order of the form; a saved instance written
  // by another tool may order them differently, and each node must still be found once.
  std::string form_xml = xform(R"X(<data id="ord"><a/><b/><c/><d/></data>)X", "",
                               R"X(<input ref="/data/a"/><input ref="/data/b"/>
                                   <input ref="/data/c"/><input ref="/data/d"/>)X");
  Session s(form_xml);
  auto r = FormSession::restore(s.form, "<data id=\"ord\"><d>4</d><b>2</b><c>3</c><a>1</a></data>",
                                SessionOptions{fixed_env(), ""});
  REQUIRE(r.ok());
  std::string seen;
  for (const NodeSnapshot& n : (*r)->nodes()) seen += n.ref + "=" + n.value + ";";
  CHECK(seen.rfind("/data=;/data/a=1;/data/b=2;/data/c=3;/data/d=4;/data/orx:meta=;", 0) == 0);
}

TEST_CASE("session serialize: restore refuses malformed XML and another form's instance") {
  Session s(ser_form());
  auto bad = FormSession::restore(s.form, "<data id=\"ser\"><txt>oops</data>");
  REQUIRE_FALSE(bad.ok());
  CHECK_FALSE(bad.error().message.empty());

  auto other = FormSession::restore(s.form, R"X(<survey id="other"><x>1</x></survey>)X");
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().message.find("survey") != std::string::npos);

  auto other_id = FormSession::restore(s.form, R"X(<data id="other"><txt>1</txt></data>)X");
  REQUIRE_FALSE(other_id.ok());
  CHECK(other_id.error().message.find("other") != std::string::npos);
  CHECK(other_id.error().message.find("ser") != std::string::npos);

  auto empty = FormSession::restore(s.form, "");
  CHECK_FALSE(empty.ok());
}
