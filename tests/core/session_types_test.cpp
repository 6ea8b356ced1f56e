// FormSession value coercion: every data type's codec applied to form defaults, calculations and
// answers; range bounds; triggers; select filtering/reordering and rank. Expected values are
// odk-oracle's (TZ=UTC, --deterministic).
#include <doctest/doctest.h>

#include <string>

#include "support/session_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::Session;
using khaosat::test::xform;

namespace {

std::string types_form() {
  return xform(
      R"X(<data id="types"><i>3.9</i><d>2.50</d><dt>2025-12-21T23:30:05</dt><tm>10:00:00+02:00</tm><dtm>2025-01-01T10:00:00</dtm><gp>1 2</gp><gt>1 1;2 2</gt><gs>1 1;2 2;3 3;1 1</gs><ci/><cd/><cdate/><rg>50</rg><tr>ok</tr><b>xyz</b></data>)X",
      R"X(<bind nodeset="/data/i" type="int"/><bind nodeset="/data/d" type="decimal"/>
         <bind nodeset="/data/dt" type="date"/><bind nodeset="/data/tm" type="time"/>
         <bind nodeset="/data/dtm" type="dateTime"/><bind nodeset="/data/gp" type="geopoint"/>
         <bind nodeset="/data/gt" type="geotrace"/><bind nodeset="/data/gs" type="geoshape"/>
         <bind nodeset="/data/ci" type="int" calculate="10 div 4"/>
         <bind nodeset="/data/cd" type="decimal" calculate="1 div 3"/>
         <bind nodeset="/data/cdate" type="date" calculate="today()"/>
         <bind nodeset="/data/rg" type="int"/><bind nodeset="/data/tr"/>
         <bind nodeset="/data/b" type="boolean"/>)X",
      R"X(<input ref="/data/i"/><input ref="/data/d"/><input ref="/data/dt"/><input ref="/data/tm"/>
         <input ref="/data/dtm"/><input ref="/data/gp"/><input ref="/data/gt"/><input ref="/data/gs"/>
         <range ref="/data/rg" start="1" end="10" step="1"/><trigger ref="/data/tr"/>
         <input ref="/data/b"/>)X");
}

}  // namespace

TEST_CASE("session types: form defaults and calculations go through the node's codec") {
  Session s(types_form());
  CHECK(s.value("/data/i") == "3");
  CHECK(s.value("/data/d") == "2.5");
  CHECK(s.value("/data/dt") == "2025-12-21");
  CHECK(s.value("/data/tm") == "10:00:00+02:00");
  CHECK(s.value("/data/dtm") == "2025-01-01T10:00:00");
  CHECK(s.value("/data/gp") == "1.0 2.0");
  CHECK(s.value("/data/gt") == "1.0 1.0;2.0 2.0");
  CHECK(s.value("/data/gs") == "1.0 1.0;2.0 2.0;3.0 3.0;1.0 1.0");
  CHECK(s.value("/data/ci") == "2");
  CHECK(s.value("/data/cd") == "0.3333333333333333");
  CHECK(s.value("/data/cdate") == "2020-01-01");
  CHECK(s.value("/data/rg") == "");   // default 50 is outside [1, 10]
  CHECK(s.value("/data/tr") == "OK");  // "ok" normalised
  CHECK(s.value("/data/b") == "xyz");  // boolean is the identity
}

TEST_CASE("session types: node types and data types as ODK reports them") {
  Session s(types_form());
  CHECK(s.at("/data").type == NodeType::Root);
  CHECK(s.at("/data/i").type == NodeType::Input);
  CHECK(s.at("/data/i").data_type == DataType::Int);
  CHECK(s.at("/data/ci").type == NodeType::Model);
  CHECK(s.at("/data/cdate").data_type == DataType::Date);
  CHECK(s.at("/data/rg").type == NodeType::Range);
  CHECK(s.at("/data/tr").type == NodeType::Trigger);
  CHECK(s.at("/data/tr").data_type == DataType::String);
  CHECK(s.at("/data/b").data_type == DataType::Boolean);
  // The engine adds meta/instanceID with a uid preload when the form has none.
  CHECK(s.at("/data/orx:meta").type == NodeType::Group);
  CHECK(s.at("/data/orx:meta/orx:instanceID").type == NodeType::Model);
  CHECK(s.value("/data/orx:meta/orx:instanceID").rfind("uuid:", 0) == 0);
}

TEST_CASE("session types: int answers") {
  Session s(types_form());
  auto check = [&](const char* in, const char* out) {
    CAPTURE(in);
    s.set("/data/i", in);
    CHECK(s.value("/data/i") == out);
  };
  check("17.9", "17");
  check("abc", "");
  check("-0.5", "0");
  check("1e3", "1000");
  check("3000000000", "");  // outside int32
  check(" 7 ", "7");
}

TEST_CASE("session types: decimal answers") {
  Session s(types_form());
  auto check = [&](const char* in, const char* out) {
    CAPTURE(in);
    s.set("/data/d", in);
    CHECK(s.value("/data/d") == out);
  };
  check("3", "3.0");
  check("1e21", "1000000000000000000000.0");
  check("-0", "-0.0");
  check("x", "");
  check("1e-7", "0.0000001");
}

TEST_CASE("session types: date, time and dateTime answers") {
  Session s(types_form());
  auto check = [&](const char* ref, const char* in, const char* out) {
    CAPTURE(in);
    s.set(ref, in);
    CHECK(s.value(ref) == out);
  };
  check("/data/dt", "2024-02-30", "");
  check("/data/dt", "2024-02-29", "2024-02-29");
  check("/data/dt", "2020-01-01T10:00:00Z", "");  // an offset is not allowed in a date
  check("/data/tm", "10:00", "");                  // seconds are required
  check("/data/tm", "23:59:59.5Z", "23:59:59.5Z");
  check("/data/tm", "25:00:00", "");
  check("/data/dtm", "2025-01-01", "");
  check("/data/dtm", "2025-01-01T10:00:00.123+05:30", "2025-01-01T10:00:00.123+05:30");
}

TEST_CASE("session types: geopoint, geotrace and geoshape answers") {
  Session s(types_form());
  auto check = [&](const char* ref, const char* in, const char* out) {
    CAPTURE(in);
    s.set(ref, in);
    CHECK(s.value(ref) == out);
  };
  check("/data/gp", "0 0", "");  // "null island" is no location
  check("/data/gp", "1.5 2 3", "1.5 2.0 3.0");
  check("/data/gp", "91 0", "");
  check("/data/gp", " 10 20 30 5 99", "10.0 20.0 30.0 5.0");
  check("/data/gt", "1 1;2 2;1 1", "");  // a closed trace is not a trace
  check("/data/gt", "1 1;2 2;3 3;", "1.0 1.0;2.0 2.0;3.0 3.0");
  check("/data/gs", "1 1;2 2;1 1", "1.0 1.0;2.0 2.0;1.0 1.0");
  check("/data/gs", "1 1;2 2;3 3", "");  // an open shape is not a shape
}

TEST_CASE("session types: range keeps only values within its bounds") {
  Session s(types_form());
  s.set("/data/rg", "11");
  CHECK(s.value("/data/rg") == "");
  s.set("/data/rg", "10");
  CHECK(s.value("/data/rg") == "10");
  s.set("/data/rg", "0");
  CHECK(s.value("/data/rg") == "");
}

TEST_CASE("session types: trigger and boolean answers") {
  Session s(types_form());
  s.set("/data/tr", "");
  CHECK(s.value("/data/tr") == "");
  s.set("/data/tr", "OK");
  CHECK(s.value("/data/tr") == "OK");
  s.set("/data/b", " true ");
  CHECK(s.value("/data/b") == " true ");
}

namespace {

std::string select_form() {
  return xform(
      R"X(<data id="sel"><s1/><sm>a zz c</sm><rk/></data>)X", "",
      R"X(<select1 ref="/data/s1"><item><label>A</label><value>a</value></item>
           <item><label>B</label><value>b</value></item></select1>
         <select ref="/data/sm"><item><label>A</label><value>a</value></item>
           <item><label>B</label><value>b</value></item>
           <item><label>C</label><value>c</value></item></select>
         <odk:rank ref="/data/rk"><item><label>A</label><value>a</value></item>
           <item><label>B</label><value>b</value></item>
           <item><label>C</label><value>c</value></item></odk:rank>)X");
}

}  // namespace

TEST_CASE("session types: select values are filtered to the choices and reordered") {
  Session s(select_form());
  CHECK(s.at("/data/s1").type == NodeType::Select1);
  CHECK(s.at("/data/s1").has_choices);
  CHECK(s.choices("/data/s1") == "a b");
  CHECK(s.value("/data/sm") == "a c");  // the default's unknown "zz" is dropped
  s.set("/data/s1", "zz");
  CHECK(s.value("/data/s1") == "");
  s.set("/data/s1", "b");
  CHECK(s.value("/data/s1") == "b");
  s.set("/data/sm", "c b zz");
  CHECK(s.value("/data/sm") == "b c");  // choice order
  s.set("/data/sm", "");
  CHECK(s.value("/data/sm") == "");
}

TEST_CASE("session types: rank requires every option and keeps the user's order") {
  Session s(select_form());
  CHECK(s.at("/data/rk").type == NodeType::Rank);
  CHECK(s.choices("/data/rk") == "a b c");
  Status missing = s->answer("/data/rk", "c a");
  CHECK_FALSE(missing.ok());
  CHECK(s.value("/data/rk") == "");
  s.set("/data/rk", "c a b");
  CHECK(s.value("/data/rk") == "c a b");
}

// A rank's value as ODK's engine normalises it (RankControl): blank stays blank; otherwise the
// values that are options, in the order given, each once, then every option not listed, in
// option order. This applies to form defaults, calculations and answers, and again when a
// choice filter changes the options. Expected values are odk-oracle's.
TEST_CASE("session types: a rank's default and calculated values are completed with every option") {
  const std::string items =
      R"X(<item><value>a</value></item><item><value>b</value></item><item><value>c</value></item>)X";
  std::string body;
  for (const char* q : {"full", "partial", "unknown", "spaces", "empty", "calc", "dup", "lone"})
    body += std::string("<odk:rank ref=\"/data/") + q + "\">" + items + "</odk:rank>";
  Session s(xform(
      R"X(<data id="rk"><full>c a b</full><partial>b</partial><unknown>z b</unknown><spaces>  c   b a </spaces><empty/><calc/><dup>a a b</dup><lone>z</lone></data>)X",
      R"X(<bind nodeset="/data/calc" type="odk:rank" calculate="'b x a'"/>)X", body));
  CHECK(s.value("/data/full") == "c a b");
  CHECK(s.value("/data/partial") == "b a c");
  CHECK(s.value("/data/unknown") == "b a c");
  CHECK(s.value("/data/spaces") == "c b a");
  CHECK(s.value("/data/empty") == "");
  CHECK(s.value("/data/calc") == "b a c");
  CHECK(s.value("/data/dup") == "a b c");
  CHECK(s.value("/data/lone") == "a b c");  // no listed value is an option: the options alone
  CHECK(s->instance_xml().find("<partial>b a c</partial>") != std::string::npos);
  s.set("/data/full", "b c a a");
  CHECK(s.value("/data/full") == "b c a");
}

TEST_CASE("session types: a rank follows its filtered options") {
  Session s(xform(
      R"X(<data id="rkf"><lim>3</lim><rk>c b a</rk><n/></data>)X",
      R"X(<bind nodeset="/data/lim" type="int"/><bind nodeset="/data/n" calculate="/data/rk"/>)X",
      R"X(<input ref="/data/lim"/><odk:rank ref="/data/rk"><itemset nodeset="instance('o')/root/item[position() &lt;= /data/lim]"><value ref="v"/><label ref="v"/></itemset></odk:rank>)X",
      R"X(<instance id="o"><root><item><v>a</v></item><item><v>b</v></item><item><v>c</v></item><item><v>d</v></item></root></instance>)X"));
  CHECK(s.value("/data/rk") == "c b a");
  s.set("/data/lim", "4");
  CHECK(s.value("/data/rk") == "c b a d");
  CHECK(s.value("/data/n") == "c b a d");  // XPath sees the normalised value
  s.set("/data/lim", "2");
  CHECK(s.value("/data/rk") == "b a");
}
