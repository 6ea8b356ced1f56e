// FormSession repeats: explicit and implicit templates, form-defined instances, adding at the end
// or at a position, removing and renumbering, position()/count()/sum() over instances, nested
// repeats, jr:count and jr:noAddRemove. Expected values are odk-oracle's (TZ=UTC,
// --deterministic).
#include <doctest/doctest.h>

#include <string>

#include "support/session_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::error_of;
using khaosat::test::Session;
using khaosat::test::xform;

namespace {

std::string repeat_form() {
  return xform(
      R"X(<data id="rep"><r jr:template=""><q>tq</q><pos/></r><r><q>d1</q><pos/></r><r><q>d2</q><pos/></r><cnt/><last/></data>)X",
      R"X(<bind nodeset="/data/r/pos" calculate="position(..)"/>
          <bind nodeset="/data/cnt" calculate="count(/data/r)"/>
          <bind nodeset="/data/last" calculate="concat(/data/r/q)"/>)X",
      R"X(<repeat nodeset="/data/r"><input ref="/data/r/q"/></repeat>)X");
}

// The q values of every instance of /data/r, space-separated.
std::string qs(const Session& s) {
  std::string out;
  int n = s.at("/data/r").count;
  for (int i = 1; i <= n; ++i)
    out += (i > 1 ? " " : "") + s.value("/data/r[" + std::to_string(i) + "]/q");
  return out;
}

}  // namespace

TEST_CASE("session repeat: an explicit template is not an instance, form instances keep defaults") {
  Session s(repeat_form());
  CHECK(s.refs() ==
        "/data /data/r /data/r[1] /data/r[1]/q /data/r[1]/pos /data/r[2] /data/r[2]/q "
        "/data/r[2]/pos /data/cnt /data/last /data/orx:meta /data/orx:meta/orx:instanceID");
  CHECK(s.at("/data/r").type == NodeType::Repeat);
  CHECK(s.at("/data/r").count == 2);
  CHECK_FALSE(s.at("/data/r").controlled);
  CHECK(s.at("/data/r[1]").type == NodeType::RepeatInstance);
  CHECK(qs(s) == "d1 d2");
  CHECK(s.value("/data/r[2]/pos") == "2");
  CHECK(s.value("/data/cnt") == "2");
  CHECK(s.value("/data/last") == "d1d2");
}

TEST_CASE("session repeat: add at the end takes the template's defaults") {
  Session s(repeat_form());
  REQUIRE(s->add_repeat("/data/r").ok());
  CHECK(s.at("/data/r").count == 3);
  CHECK(qs(s) == "d1 d2 tq");
  CHECK(s.value("/data/r[3]/pos") == "3");
  CHECK(s.value("/data/cnt") == "3");
  CHECK(s.value("/data/last") == "d1d2tq");
}

TEST_CASE("session repeat: add at a position renumbers the following instances") {
  Session s(repeat_form());
  REQUIRE(s->add_repeat("/data/r", 1, 0).ok());  // at the start
  CHECK(qs(s) == "tq d1 d2");
  CHECK(s.value("/data/r[1]/pos") == "1");
  CHECK(s.value("/data/r[2]/pos") == "2");
  CHECK(s.value("/data/r[3]/pos") == "3");
  s.set("/data/r[1]/q", "front");
  REQUIRE(s->add_repeat("/data/r", 2, 1).ok());  // two after the first
  CHECK(qs(s) == "front tq tq d1 d2");
  CHECK(s.value("/data/r[5]/pos") == "5");
  CHECK(s.value("/data/last") == "fronttqtqd1d2");
}

TEST_CASE("session repeat: remove renumbers and recomputes") {
  Session s(repeat_form());
  REQUIRE(s->add_repeat("/data/r", 1, 0).ok());
  s.set("/data/r[1]/q", "front");
  REQUIRE(s->add_repeat("/data/r").ok());
  CHECK(qs(s) == "front d1 d2 tq");
  REQUIRE(s->remove_repeat("/data/r[2]").ok());
  CHECK(qs(s) == "front d2 tq");
  CHECK(s.value("/data/r[2]/pos") == "2");
  CHECK(s.value("/data/r[3]/pos") == "3");
  CHECK(s.value("/data/cnt") == "3");
  CHECK(s.value("/data/last") == "frontd2tq");
  CHECK_FALSE(s->node("/data/r[4]").has_value());
}

TEST_CASE("session repeat: an implicit template gives blank new instances") {
  Session s(xform(
      R"X(<data id="imp"><r><q>d1</q><p/></r><r><q>d2</q><p/></r><tot/></data>)X",
      R"X(<bind nodeset="/data/r/q" type="int"/>
          <bind nodeset="/data/r/p" calculate="concat(position(..), '/', count(/data/r))"/>
          <bind nodeset="/data/tot" calculate="sum(/data/r/q)"/>)X",
      R"X(<repeat nodeset="/data/r"><input ref="/data/r/q"/></repeat>)X"));
  CHECK(s.at("/data/r").count == 2);  // the first element is an instance
  CHECK(s.value("/data/r[1]/p") == "1/2");
  REQUIRE(s->add_repeat("/data/r").ok());
  CHECK(s.value("/data/r[3]/q") == "");
  CHECK(s.value("/data/r[1]/p") == "1/3");
  CHECK(s.value("/data/r[3]/p") == "3/3");
  CHECK(s.value("/data/tot") == "");  // a blank value makes the sum NaN
  s.set("/data/r[1]/q", "4");
  s.set("/data/r[2]/q", "1");
  s.set("/data/r[3]/q", "5");
  CHECK(s.value("/data/tot") == "10");
  REQUIRE(s->remove_repeat("/data/r[1]").ok());
  CHECK(s.value("/data/tot") == "6");
  CHECK(s.value("/data/r[1]/p") == "1/2");
  REQUIRE(s->remove_repeat("/data/r[1]").ok());
  REQUIRE(s->remove_repeat("/data/r[1]").ok());
  CHECK(s.at("/data/r").count == 0);
  REQUIRE(s->add_repeat("/data/r").ok());
  CHECK(s.value("/data/r[1]/q") == "");
  CHECK(s.value("/data/r[1]/p") == "1/1");
}

// sum() over no nodes is 0, as XPath 1.0 and JavaRosa (ODK Collect) have it. ODK's web engine
// gives NaN ("") here; docs/conformance.md lists this deliberate difference.
TEST_CASE("session repeat: sum() over zero instances is 0 as in XPath and JavaRosa") {
  Session s(xform(R"X(<data id="e"><r jr:template=""><q/></r><tot/><c/></data>)X",
                  R"X(<bind nodeset="/data/r/q" type="int"/>
                      <bind nodeset="/data/tot" calculate="sum(/data/r/q)"/>
                      <bind nodeset="/data/c" calculate="count(/data/r/q)"/>)X",
                  R"X(<repeat nodeset="/data/r"><input ref="/data/r/q"/></repeat>)X"));
  CHECK(s.at("/data/r").count == 0);
  CHECK(s.value("/data/c") == "0");
  CHECK(s.value("/data/tot") == "0");
}

TEST_CASE("session repeat: nested repeats") {
  Session s(xform(
      R"X(<data id="nest"><hh><r><n/><s><w/><sp/></s></r></hh></data>)X",
      R"X(<bind nodeset="/data/hh/r/s/sp" calculate="concat(position(../..), '.', position(..))"/>)X",
      R"X(<group ref="/data/hh"><repeat nodeset="/data/hh/r"><input ref="/data/hh/r/n"/>
            <repeat nodeset="/data/hh/r/s"><input ref="/data/hh/r/s/w"/></repeat></repeat></group>)X"));
  REQUIRE(s->add_repeat("/data/hh/r").ok());
  REQUIRE(s->add_repeat("/data/hh/r[2]/s").ok());
  s.set("/data/hh/r[2]/s[2]/w", "deep");
  CHECK(s.at("/data/hh/r[1]/s").count == 1);
  CHECK(s.at("/data/hh/r[2]/s").count == 2);
  CHECK(s.at("/data/hh/r[2]/s").type == NodeType::Repeat);
  CHECK(s.value("/data/hh/r[2]/s[2]/w") == "deep");
  CHECK(s.value("/data/hh/r[2]/s[2]/sp") == "2.2");
  CHECK(s.value("/data/hh/r[1]/s[1]/sp") == "1.1");
  CHECK(s->instance_xml().find("<hh><r><n/><s><w/><sp>1.1</sp></s></r><r><n/><s><w/><sp>2.1</sp>"
                               "</s><s><w>deep</w><sp>2.2</sp></s></r></hh>") != std::string::npos);
}

namespace {

std::string counted_form() {
  return xform(
      R"X(<data id="cnt"><n>2</n><k><p>kp</p></k><fx><f/></fx><fx><f/></fx></data>)X",
      R"X(<bind nodeset="/data/n" type="int"/>)X",
      R"X(<input ref="/data/n"/><repeat nodeset="/data/k" jr:count="/data/n"><input ref="/data/k/p"/></repeat>
          <repeat nodeset="/data/fx" jr:noAddRemove="true()"><input ref="/data/fx/f"/></repeat>)X");
}

}  // namespace

TEST_CASE("session repeat: jr:count grows, shrinks, and keeps the count on NaN") {
  Session s(counted_form());
  CHECK(s.at("/data/k").controlled);
  CHECK(s.at("/data/k").count == 2);
  CHECK(s.value("/data/k[2]/p") == "");  // from the (implicit) template
  s.set("/data/k[1]/p", "edited");
  s.set("/data/n", "3");
  CHECK(s.at("/data/k").count == 3);
  CHECK(s.value("/data/k[1]/p") == "edited");
  s.set("/data/n", "1");
  CHECK(s.at("/data/k").count == 1);
  CHECK_FALSE(s->node("/data/k[2]").has_value());
  s.set("/data/n", "abc");  // "" -> NaN: the count stays
  CHECK(s.at("/data/k").count == 1);
  s.set("/data/n", "-1");
  CHECK(s.at("/data/k").count == 0);
  s.set("/data/n", "2");
  CHECK(s.at("/data/k").count == 2);
  CHECK(s.value("/data/k[2]/p") == "");
}

// The first element of a jr:count repeat without jr:template is both the implicit template and
// a form-defined instance: instance 1 keeps its defaults, also after shrinking and growing again
// (was a bug: blank).
TEST_CASE("session repeat: jr:count instances take the form-defined defaults") {
  Session s(counted_form());
  CHECK(s.value("/data/k[1]/p") == "kp");
  s.set("/data/n", "0");
  s.set("/data/n", "2");
  CHECK(s.value("/data/k[1]/p") == "kp");
  CHECK(s.value("/data/k[2]/p") == "");
}

TEST_CASE("session repeat: controlled repeats refuse add and remove") {
  Session s(counted_form());
  CHECK(s.at("/data/fx").controlled);
  CHECK(s.at("/data/fx").count == 2);
  std::string before = s->instance_xml();
  Status add_k = s->add_repeat("/data/k");
  CHECK_FALSE(add_k.ok());
  CHECK(error_of(add_k).find("/data/k") != std::string::npos);
  Status add_fx = s->add_repeat("/data/fx");
  CHECK_FALSE(add_fx.ok());
  CHECK(error_of(add_fx).find("/data/fx") != std::string::npos);
  Status rm = s->remove_repeat("/data/fx[1]");
  CHECK_FALSE(rm.ok());
  CHECK(error_of(rm).find("/data/fx[1]") != std::string::npos);
  CHECK(s->instance_xml() == before);
  CHECK(s.at("/data/fx").count == 2);
}

TEST_CASE("session repeat: noAddRemove with no form instances still has one") {
  Session s(xform(R"X(<data id="nar"><fx jr:template=""><f>t</f></fx></data>)X", "",
                  R"X(<repeat nodeset="/data/fx" jr:noAddRemove="true()"><input ref="/data/fx/f"/></repeat>)X"));
  CHECK(s.at("/data/fx").controlled);
  CHECK(s.at("/data/fx").count == 1);
  CHECK(s.value("/data/fx[1]/f") == "t");
}
