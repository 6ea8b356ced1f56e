// FormSession actions: odk-instance-first-load setvalue, a calculate winning over it,
// odk-new-repeat, and xforms-value-changed in and out of repeats. Expected values are
// odk-oracle's (TZ=UTC, --deterministic).
#include <doctest/doctest.h>

#include <string>

#include "support/session_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::Session;
using khaosat::test::error_of;
using khaosat::test::xform;

namespace {

std::string action_form() {
  return xform(
      R"X(<data id="act"><a>5</a><b/><c/><d/><r><x/><y/><z/></r><t/></data>)X",
      R"X(<bind nodeset="/data/a" type="int"/><bind nodeset="/data/b" calculate="/data/a * 2"/>
          <bind nodeset="/data/r/y"/><bind nodeset="/data/r/z"/>)X",
      R"X(<input ref="/data/a"><setvalue event="xforms-value-changed" ref="/data/d" value="concat('chg', /data/a)"/></input>
          <input ref="/data/c"/><input ref="/data/d"/>
          <repeat nodeset="/data/r"><input ref="/data/r/x"><setvalue event="xforms-value-changed" ref="/data/r/y" value="concat('x=', ../x)"/></input>
            <setvalue event="odk-new-repeat" ref="/data/r/z" value="count(/data/r)"/></repeat>
          <input ref="/data/t"/>)X",
      R"X(<setvalue event="odk-instance-first-load" ref="/data/b" value="99"/>
          <setvalue event="odk-instance-first-load" ref="/data/c" value="concat('L', /data/b)"/>
          <setvalue event="odk-instance-first-load" ref="/data/r/z" value="'fl'"/>)X");
}

}  // namespace

TEST_CASE("session actions: first-load setvalue, and a calculate on the same node wins") {
  Session s(action_form());
  CHECK(s.value("/data/b") == "10");   // calculate beats setvalue 99
  CHECK(s.value("/data/r[1]/z") == "fl");  // form-defined repeat instances get first-load
  CHECK(s.value("/data/d") == "");     // value-changed does not fire at load
}

// A first-load setvalue on a later node sees the calculated value, not the setvalue that the
// calculate beat (was a bug: "L99").
TEST_CASE("session actions: a later first-load setvalue sees the winning calculate") {
  Session s(action_form());
  CHECK(s.value("/data/c") == "L10");
}

TEST_CASE("session actions: xforms-value-changed fires on change and overwrites") {
  Session s(action_form());
  s.set("/data/d", "user");
  s.set("/data/a", "6");
  CHECK(s.value("/data/d") == "chg6");
  CHECK(s.value("/data/b") == "12");
  s.set("/data/d", "again");
  s.set("/data/a", "6");  // the same value: no change, no action
  CHECK(s.value("/data/d") == "again");
}

TEST_CASE("session actions: odk-new-repeat runs only for added instances") {
  Session s(action_form());
  REQUIRE(s->add_repeat("/data/r").ok());
  CHECK(s.value("/data/r[2]/z") == "2");  // evaluated with the new instance in place
  CHECK(s.value("/data/r[1]/z") == "fl");
}

TEST_CASE("session actions: xforms-value-changed inside a repeat targets its own instance") {
  Session s(action_form());
  REQUIRE(s->add_repeat("/data/r").ok());
  s.set("/data/r[2]/x", "hi");
  CHECK(s.value("/data/r[2]/y") == "x=hi");
  CHECK(s.value("/data/r[1]/y") == "");
  s.set("/data/r[1]/x", "yo");
  CHECK(s.value("/data/r[1]/y") == "x=yo");
  CHECK(s.value("/data/r[2]/y") == "x=hi");
}

// xforms-value-changed when the source's value changes without the user: ODK's engine runs the
// actions whenever the value changes after load, by a calculation or by another action's
// setvalue; JavaRosa only on answers (FormDef.setValue). We follow ODK's engine
// (docs/odk-engine-behaviour.md §5). Expected values are odk-oracle's
// (tests/fixtures/xforms/value-changed-calculated.xml).
TEST_CASE("session actions: xforms-value-changed fires when a calculation or an action changes the source") {
  Session s(xform(
      R"X(<data id="vc"><a/><b/><c/><count>0</count><d/><e/></data>)X",
      R"X(<bind nodeset="/data/a" type="int"/><bind nodeset="/data/b" type="int" calculate="/data/a * 2"/>
          <bind nodeset="/data/count" type="int"/>)X",
      R"X(<input ref="/data/a"><setvalue event="xforms-value-changed" ref="/data/d" value="concat('a=', /data/a)"/></input>
          <input ref="/data/b"><setvalue event="xforms-value-changed" ref="/data/c" value="concat('b=', /data/b)"/>
            <setvalue event="xforms-value-changed" ref="/data/count" value="/data/count + 1"/></input>
          <input ref="/data/c"/>
          <input ref="/data/e"><setvalue event="xforms-value-changed" ref="/data/a" value="string-length(/data/e)"/></input>)X"));
  CHECK(s.value("/data/count") == "0");  // not at load
  s.set("/data/a", "3");
  CHECK(s.value("/data/b") == "6");
  CHECK(s.value("/data/c") == "b=6");
  CHECK(s.value("/data/count") == "1");
  s.set("/data/a", "3");  // no change, no event
  CHECK(s.value("/data/count") == "1");
  s.set("/data/e", "hello");  // e's action sets a, whose action and b's calculation follow
  CHECK(s.value("/data/a") == "5");
  CHECK(s.value("/data/d") == "a=5");
  CHECK(s.value("/data/c") == "b=10");
  CHECK(s.value("/data/count") == "2");
  s.set("/data/c", "mine");
  s.set("/data/a", "7");
  CHECK(s.value("/data/c") == "b=14");
  CHECK(s.value("/data/count") == "3");
}

TEST_CASE("session actions: xforms-value-changed actions that set each other's sources stop") {
  Session s(xform(
      R"X(<data id="vcl"><a/><b/></data>)X", "",
      R"X(<input ref="/data/a"><setvalue event="xforms-value-changed" ref="/data/b" value="concat(/data/a, 'b')"/></input>
          <input ref="/data/b"><setvalue event="xforms-value-changed" ref="/data/a" value="concat(/data/b, 'a')"/></input>)X"));
  Status st = s->answer("/data/a", "x");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == ErrorCode::form_action_loop);
  CHECK(error_of(st).find("xforms-value-changed") != std::string::npos);
  CHECK(s.value("/data/a").size() < 40);  // stopped after a bounded number of rounds
}
