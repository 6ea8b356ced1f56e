// FormSession validation and languages: constraint and required messages (literal and itext in
// both languages), the violations() order, validate(), finalize(), languages() and set_language().
// Expected values are odk-oracle's (TZ=UTC, --deterministic, --labels).
#include <doctest/doctest.h>

#include <string>

#include "support/session_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::error_of;
using khaosat::test::Session;
using khaosat::test::xform;

namespace {

const char* kItext = R"X(<itext>
  <translation lang="English (en)" default="true()">
    <text id="m"><value>too small</value></text><text id="rq"><value>say something</value></text>
    <text id="q-label"><value>Age</value></text><text id="q-hint"><value>in years</value></text>
  </translation>
  <translation lang="French (fr)">
    <text id="m"><value>trop petit</value></text><text id="rq"><value>dites quelque chose</value></text>
    <text id="q-label"><value>Âge</value></text><text id="q-hint"><value>en années</value></text>
  </translation></itext>)X";

std::string validation_form() {
  return xform(
      R"X(<data id="val"><age/><nm/><cc/><opt/></data>)X",
      R"X(<bind nodeset="/data/age" type="int" constraint=". &gt;= 18" jr:constraintMsg="jr:itext('m')" required="true()" jr:requiredMsg="jr:itext('rq')"/>
         <bind nodeset="/data/nm" required="true()" jr:requiredMsg="Name please" constraint="string-length(.) &lt; 4" jr:constraintMsg="Too long"/>
         <bind nodeset="/data/cc" constraint=". != 'x'"/>)X",
      R"X(<input ref="/data/age"><label ref="jr:itext('q-label')"/><hint ref="jr:itext('q-hint')"/></input>
         <input ref="/data/nm"><label>Name</label></input><input ref="/data/cc"/><input ref="/data/opt"/>)X",
      kItext);
}

std::string summary(const std::vector<std::pair<std::string, Violation>>& vs) {
  std::string out;
  for (const auto& [ref, v] : vs)
    out += ref + ":" + std::string(to_string(v.condition)) + ":" + v.message + ";";
  return out;
}

}  // namespace

TEST_CASE("session validation: required messages from itext and literal text") {
  Session s(validation_form());
  auto age = s.at("/data/age");
  CHECK(age.required);
  CHECK_FALSE(age.valid);
  REQUIRE(age.violation.has_value());
  CHECK(age.violation->condition == ViolationCondition::Required);
  CHECK(age.violation->message == "say something");
  CHECK(s.at("/data/nm").violation->message == "Name please");
  CHECK(s.at("/data/opt").valid);  // no required bind: never a violation
  CHECK(summary(s->violations()) ==
        "/data/age:required:say something;/data/nm:required:Name please;");
}

TEST_CASE("session validation: a constraint violation wins over required, and empty never violates") {
  Session s(validation_form());
  s.set("/data/age", "12");
  CHECK(s.at("/data/age").violation->condition == ViolationCondition::Constraint);
  CHECK(s.at("/data/age").violation->message == "too small");
  CHECK(s.value("/data/age") == "12");  // a failing value is stored, not refused
  s.set("/data/nm", "Alice");
  CHECK(s.at("/data/nm").violation->message == "Too long");
  s.set("/data/cc", "x");
  REQUIRE(s.at("/data/cc").violation.has_value());
  CHECK(s.at("/data/cc").violation->message == "");  // no jr:constraintMsg
  CHECK(summary(s->violations()) ==
        "/data/age:constraint:too small;/data/nm:constraint:Too long;/data/cc:constraint:;");
  s.set("/data/cc", "");
  CHECK(s.at("/data/cc").valid);
  s.set("/data/age", "30");
  s.set("/data/nm", "Al");
  CHECK(s.at("/data/age").valid);
  CHECK(s->violations().empty());
}

TEST_CASE("session validation: messages, labels and hints follow the language") {
  Session s(validation_form());
  s.set("/data/age", "12");
  CHECK(s.at("/data/age").label == "Age");
  CHECK(s.at("/data/age").hint == "in years");
  REQUIRE(s->set_language("French (fr)").ok());
  CHECK(s->language() == "French (fr)");
  CHECK(s.at("/data/age").violation->message == "trop petit");
  CHECK(s.at("/data/age").label == "Âge");
  CHECK(s.at("/data/age").hint == "en années");
  CHECK(s.at("/data/nm").violation->message == "Name please");  // literal: the same everywhere
  CHECK(summary(s->violations()) ==
        "/data/age:constraint:trop petit;/data/nm:required:Name please;");
  REQUIRE(s->set_language("English (en)").ok());
  CHECK(s.at("/data/age").violation->message == "too small");
}

TEST_CASE("session validation: a session may start in another language") {
  Session s(validation_form(), "French (fr)");
  CHECK(s->language() == "French (fr)");
  CHECK(s.at("/data/age").violation->message == "dites quelque chose");
}

TEST_CASE("session validation: validate() lists relevant violations in document order") {
  Session s(validation_form());
  s.set("/data/cc", "x");
  CHECK(summary(s->validate()) ==
        "/data/age:required:say something;/data/nm:required:Name please;/data/cc:constraint:;");
  CHECK(summary(s->validate()) == summary(s->violations()));
}

TEST_CASE("session validation: finalize() returns the violations as a value, then succeeds when valid") {
  Session s(validation_form());
  s.set("/data/age", "12");
  auto refused = s->finalize();
  REQUIRE_MESSAGE(refused.ok(), error_of(refused));  // violations are not an Error
  CHECK_FALSE(refused->finalized);
  CHECK(refused->instance_xml.empty());
  CHECK(summary(refused->violations) == "/data/age:constraint:too small;/data/nm:required:Name please;");
  CHECK(summary(refused->violations) == summary(s->validate()));
  s.set("/data/age", "18");
  s.set("/data/nm", "Bo");
  auto done = s->finalize();
  REQUIRE_MESSAGE(done.ok(), error_of(done));
  CHECK(done->finalized);
  CHECK(done->violations.empty());
  CHECK(done->instance_xml == s->instance_xml());
  CHECK(done->instance_xml.find("<age>18</age><nm>Bo</nm><cc/><opt/>") != std::string::npos);
}

TEST_CASE("session validation: finalize() fills timestamp-end preloads") {
  Session s(xform(R"X(<data id="end"><st/><en/></data>)X",
                  R"X(<bind nodeset="/data/st" type="dateTime" jr:preload="timestamp" jr:preloadParams="start"/>
                     <bind nodeset="/data/en" type="dateTime" jr:preload="timestamp" jr:preloadParams="end"/>)X",
                  ""));
  CHECK(s.value("/data/st") == "2020-01-01T12:00:00.000+00:00");
  CHECK(s.value("/data/en") == "");  // only at finalize
  auto done = s->finalize();
  REQUIRE(done.ok());
  REQUIRE(done->finalized);
  CHECK(done->instance_xml.find("<en>2020-01-01T12:00:00.000+00:00</en>") != std::string::npos);
}

TEST_CASE("session languages: languages(), the default and unknown languages") {
  Session s(validation_form());
  CHECK(s->languages() == std::vector<std::string>{"English (en)", "French (fr)"});
  CHECK(s->language() == "English (en)");
  Status st = s->set_language("German");
  REQUIRE_FALSE(st.ok());
  CHECK(error_of(st).find("German") != std::string::npos);
  CHECK(error_of(st).find("English (en)") != std::string::npos);
  CHECK(error_of(st).find("French (fr)") != std::string::npos);
  CHECK(s->language() == "English (en)");  // unchanged
}

namespace {

std::string default_second_form() {
  return xform(R"X(<data id="l"><q/></data>)X", "",
               R"X(<input ref="/data/q"><label ref="jr:itext('q')"/></input>)X",
               R"X(<itext><translation lang="fr"><text id="q"><value>Q-fr</value></text></translation>
                  <translation lang="en" default="true()"><text id="q"><value>Q-en</value></text></translation></itext>)X");
}

}  // namespace

TEST_CASE("session languages: the translation marked default is the starting language") {
  Session s(default_second_form());
  CHECK(s->language() == "en");
  CHECK(s.at("/data/q").label == "Q-en");
  CHECK(summarize(s.form).default_language == "en");
  REQUIRE(s->set_language("fr").ok());
  CHECK(s.at("/data/q").label == "Q-fr");
}

// ODK lists the default translation first. Form: <translation lang="fr"> then
// <translation lang="en" default="true()">; the oracle's languages: ["en","fr"].
TEST_CASE("session languages: the translation marked default is listed first") {
  Session s(default_second_form());
  CHECK(s->languages() == std::vector<std::string>{"en", "fr"});
  CHECK(summarize(s.form).languages == std::vector<std::string>{"en", "fr"});
}

TEST_CASE("session languages: a form without itext has no languages") {
  Session s(xform(R"X(<data id="l"><q/></data>)X", "", R"X(<input ref="/data/q"><label>Q</label></input>)X"));
  CHECK(s->languages().empty());
  CHECK(s->language() == "");
  CHECK(s.at("/data/q").label == "Q");
}

// `required` on a group or a repeat: ODK's engine evaluates it and shows it on the node (the
// repeat range included, evaluated at the range like its relevance), but it never makes a
// violation. A readonly calculated <input> placed inside a repeat whose ref is outside it is a
// note of its own node, once. Expected values are odk-oracle's
// (tests/fixtures/xforms/required-group-repeat.xml).
TEST_CASE("session validation: required on a group or a repeat is shown, never violated") {
  Session s(xform(
      R"X(<data id="rg"><g><x/></g><rep><y/><shown/></rep><total/><flag/></data>)X",
      R"X(<bind nodeset="/data/g" required="true()"/><bind nodeset="/data/rep" required="/data/flag = 'yes'"/>
          <bind nodeset="/data/rep/y" type="int"/>
          <bind nodeset="/data/rep/shown" readonly="true()" calculate="concat('y=', ../y)"/>
          <bind nodeset="/data/total" type="int" readonly="true()" calculate="count(/data/rep)"/>)X",
      R"X(<input ref="/data/flag"><label>flag</label></input>
          <group ref="/data/g"><label>g</label><input ref="/data/g/x"><label>x</label></input></group>
          <group ref="/data/rep"><label>rep</label><repeat nodeset="/data/rep">
            <input ref="/data/rep/y"><label>y</label></input><input ref="/data/rep/shown"><label>shown</label></input>
            <input ref="/data/total"><label>Instances so far</label></input></repeat></group>)X"));
  CHECK(s.at("/data/g").required);
  CHECK_FALSE(s.at("/data/g/x").required);
  CHECK_FALSE(s.at("/data/rep").required);
  s.set("/data/flag", "yes");
  CHECK(s.at("/data/rep").required);
  CHECK(s.at("/data/rep[1]").required);  // the instances carry the bind too
  CHECK(s->validate().empty());
  REQUIRE(s->remove_repeat("/data/rep[1]").ok());
  CHECK(s.at("/data/rep").required);
  CHECK(s.at("/data/rep").count == 0);
  CHECK(s->validate().empty());
  CHECK(s.at("/data/total").type == NodeType::Note);
  CHECK(s.value("/data/total") == "0");
  CHECK(s.refs().find("/data/rep[1]/total") == std::string::npos);
}
