// FormSession relevance and readonly: inheritance through groups and repeats, value masking,
// calculations paused while non-relevant, required shown without a violation, the readonly write
// guard and notes. Expected values are odk-oracle's (TZ=UTC, --deterministic).
#include <doctest/doctest.h>

#include <string>

#include "support/session_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::error_of;
using khaosat::test::Session;
using khaosat::test::xform;

namespace {

std::string relevance_form() {
  return xform(
      R"X(<data id="rel"><a>1</a><b>keep</b><c/><g><x>gx</x><y/></g><r><q>q1</q></r><n/><cnt/></data>)X",
      R"X(<bind nodeset="/data/a" type="int"/>
         <bind nodeset="/data/b" relevant="/data/a = 1" required="true()"/>
         <bind nodeset="/data/c" calculate="concat('[', /data/b, ']')"/>
         <bind nodeset="/data/g" relevant="/data/a &lt; 3" required="true()"/>
         <bind nodeset="/data/g/x" required="true()"/>
         <bind nodeset="/data/g/y" calculate="concat('y', /data/a)"/>
         <bind nodeset="/data/r" relevant="/data/a != 4"/>
         <bind nodeset="/data/r/q" required="true()"/>
         <bind nodeset="/data/n" calculate="count(/data/r)" relevant="/data/a != 5"/>
         <bind nodeset="/data/cnt" calculate="string-length(/data/g/x)"/>)X",
      R"X(<input ref="/data/a"/><input ref="/data/b"/>
         <group ref="/data/g"><input ref="/data/g/x"/></group>
         <repeat nodeset="/data/r"><input ref="/data/r/q"/></repeat>)X");
}

}  // namespace

TEST_CASE("session relevance: a non-relevant leaf reads as empty and its value comes back") {
  Session s(relevance_form());
  CHECK(s.value("/data/c") == "[keep]");
  s.set("/data/a", "2");
  CHECK_FALSE(s.at("/data/b").relevant);
  CHECK(s.value("/data/b") == "");
  CHECK(s.value("/data/c") == "[]");  // XPath sees "" too
  s.set("/data/a", "1");
  CHECK(s.at("/data/b").relevant);
  CHECK(s.value("/data/b") == "keep");
  CHECK(s.value("/data/c") == "[keep]");
}

TEST_CASE("session relevance: an answer to a non-relevant node is kept for when it returns") {
  Session s(relevance_form());
  s.set("/data/a", "2");
  // ODK writes to the stored value; nothing is visible while the node is non-relevant.
  CHECK(s->answer("/data/b", "new").ok());
  CHECK(s.value("/data/b") == "");
  CHECK(s.value("/data/c") == "[]");
  s.set("/data/a", "1");
  CHECK(s.value("/data/b") == "new");
  CHECK(s.value("/data/c") == "[new]");
}

TEST_CASE("session relevance: groups pass non-relevance to their descendants") {
  Session s(relevance_form());
  s.set("/data/a", "3");
  CHECK_FALSE(s.at("/data/g").relevant);
  CHECK_FALSE(s.at("/data/g/x").relevant);
  CHECK_FALSE(s.at("/data/g/y").relevant);
  CHECK(s.value("/data/g/x") == "");
  CHECK(s.value("/data/cnt") == "0");  // string-length of the masked value
  // required is shown as evaluated, but a non-relevant node never violates.
  CHECK(s.at("/data/g").required);
  CHECK(s.at("/data/g/x").required);
  s.set("/data/g/x", "");
  CHECK(s.at("/data/g/x").valid);
  CHECK_FALSE(s.at("/data/g/x").violation.has_value());
  CHECK(s->violations().empty());
  s.set("/data/a", "1");
  CHECK(s.at("/data/g/x").relevant);
  REQUIRE(s.at("/data/g/x").violation.has_value());
  CHECK(s.at("/data/g/x").violation->condition == ViolationCondition::Required);
}

TEST_CASE("session relevance: a repeat's relevance covers its instances") {
  Session s(relevance_form());
  s.set("/data/a", "4");
  CHECK_FALSE(s.at("/data/r[1]").relevant);
  CHECK_FALSE(s.at("/data/r[1]/q").relevant);
  CHECK(s.value("/data/r[1]/q") == "");
  CHECK(s->instance_xml().find("<r>") == std::string::npos);
  s.set("/data/a", "1");
  CHECK(s.at("/data/r[1]/q").relevant);
  CHECK(s.value("/data/r[1]/q") == "q1");
}

// The range itself reports its relevant bind, not only its instances (was a bug: always true).
TEST_CASE("session relevance: a repeat range reports its own relevance") {
  Session s(relevance_form());
  CHECK(s.at("/data/r").relevant);
  s.set("/data/a", "4");
  CHECK_FALSE(s.at("/data/r").relevant);
}

TEST_CASE("session relevance: a calculation does not run while non-relevant, then catches up") {
  Session s(relevance_form());
  CHECK(s.value("/data/n") == "1");
  s.set("/data/a", "5");
  CHECK_FALSE(s.at("/data/n").relevant);
  REQUIRE(s->add_repeat("/data/r").ok());
  CHECK(s.value("/data/n") == "");
  s.set("/data/a", "1");
  CHECK(s.value("/data/n") == "2");
  CHECK(s.value("/data/g/y") == "y1");
}

namespace {

std::string readonly_form() {
  return xform(
      R"X(<data id="ro"><gr><x>gx</x><z/></gr><lock/><l>1</l><note1>hello</note1><cl/></data>)X",
      R"X(<bind nodeset="/data/gr" readonly="true()"/>
         <bind nodeset="/data/gr/z" readonly="false()"/>
         <bind nodeset="/data/lock" type="int"/>
         <bind nodeset="/data/l" readonly="/data/lock = 1"/>
         <bind nodeset="/data/note1" readonly="true()"/>
         <bind nodeset="/data/cl" calculate="concat('v', /data/lock)"/>)X",
      R"X(<group ref="/data/gr"><input ref="/data/gr/x"/><input ref="/data/gr/z"/></group>
         <input ref="/data/lock"/><input ref="/data/l"/>
         <input ref="/data/note1"><label>A note</label></input><input ref="/data/cl"/>)X");
}

}  // namespace

TEST_CASE("session readonly: inherited from a group, shown on every descendant") {
  Session s(readonly_form());
  CHECK(s.at("/data/gr").readonly);
  CHECK(s.at("/data/gr/x").readonly);
  CHECK(s.at("/data/gr/z").readonly);  // its own false() does not override the group
  CHECK_FALSE(s.at("/data/l").readonly);
  s.set("/data/lock", "1");
  CHECK(s.at("/data/l").readonly);
}

TEST_CASE("session readonly: writes to a readonly node fail and change nothing") {
  Session s(readonly_form());
  Status own = s->answer("/data/gr/z", "zz");
  CHECK_FALSE(own.ok());
  CHECK(error_of(own) == "Cannot write to readonly field: /data/gr/z");
  CHECK(s.value("/data/gr/z") == "");
  s.set("/data/lock", "1");
  Status dynamic = s->answer("/data/l", "2");
  CHECK_FALSE(dynamic.ok());
  CHECK(error_of(dynamic) == "Cannot write to readonly field: /data/l");
  CHECK(s.value("/data/l") == "1");
}

TEST_CASE("session readonly: a node without its own bind inherits the write guard") {
  Session s(readonly_form());
  Status st = s->answer("/data/gr/x", "new");
  CHECK_FALSE(st.ok());
  CHECK(error_of(st) == "Cannot write to readonly field: /data/gr/x");
  CHECK(s.value("/data/gr/x") == "gx");
}

TEST_CASE("session readonly: notes are readonly and cannot be answered") {
  Session s(readonly_form());
  auto n = s.at("/data/note1");
  CHECK(n.type == NodeType::Note);
  CHECK(n.readonly);
  CHECK(n.value == "hello");
  CHECK(n.label == "A note");
  CHECK_FALSE(s->answer("/data/note1", "n").ok());
  CHECK(s.value("/data/note1") == "hello");
}

TEST_CASE("session readonly: a calculated input can be answered until a dependency changes") {
  Session s(readonly_form());
  CHECK(s.value("/data/cl") == "v");
  s.set("/data/cl", "mine");
  CHECK(s.value("/data/cl") == "mine");
  s.set("/data/lock", "2");
  CHECK(s.value("/data/cl") == "v2");
}
