// FormSession: computations that read the value of a group or of the whole document (which
// includes every value below it, their own too), the hard bound on re-evaluation, and cycles
// found only when they run. Expected values are odk-oracle's (TZ=UTC, --deterministic).
#include <doctest/doctest.h>

#include <string>

#include "support/deadline.hpp"
#include "support/session_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::error_of;
using khaosat::test::Session;
using khaosat::test::within;
using khaosat::test::xform;

namespace {

constexpr std::chrono::seconds kLimit{120};

// Loads and starts `xml` on a watched thread: the error, or "" when it started.
Error start_error(const std::string& xml, const std::string& what) {
  return within(kLimit, what, [xml] {
    auto form = load_form_xml(xml, "test.xml");
    if (!form.ok()) return form.error();
    auto s = FormSession::start(*form, SessionOptions{khaosat::test::fixed_env(), ""});
    return s.ok() ? Error{} : s.error();
  });
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const char* kMeta = "<meta><instanceID/></meta>";
const char* kMetaBind =
    R"X(<bind nodeset="/data/meta/instanceID" type="string" readonly="true()" jr:preload="uid"/>)X";

}  // namespace

// The XLSForm `calculate c = /`, `calculate e = concat(${c}, "x")`: c is the text of the whole
// document, its own value and e's included, and e reads c, so every run of c makes c longer.
// ODK's engine loops until JavaScript's string length limit ("RangeError: Invalid string length",
// after about 16 s); we used to loop for hours. It is a calculation cycle naming both.
TEST_CASE("session cycle: a calculation of the whole document that reads itself is refused") {
  Error e = start_error(
      xform(std::string("<data id=\"x\"><c/><e/>") + kMeta + "</data>",
            std::string(R"X(<bind nodeset="/data/c" type="string" calculate="/"/>
               <bind nodeset="/data/e" type="string" calculate="concat( /data/c , &quot;x&quot;)"/>)X") +
                kMetaBind,
            ""),
      "calculate=\"/\" with a reader");
  CHECK(e.code == ErrorCode::form_cycle);
  CHECK(has(e.message, "calculation cycle: /data/c (calculate=\"/\") -> /data/e (calculate="));
  CHECK(has(e.message, "never settles"));
}

TEST_CASE("session cycle: a calculation of the whole document alone never settles either") {
  // ODK's engine does not return from this one in five minutes.
  Error e = start_error(xform(std::string("<data id=\"a1\"><c/>") + kMeta + "</data>",
                              std::string(R"X(<bind nodeset="/data/c" calculate="/"/>)X") + kMetaBind,
                              ""),
                        "calculate=\"/\"");
  CHECK(e.code == ErrorCode::form_cycle);
  CHECK(has(e.message, "calculation cycle: /data/c (calculate=\"/\") never settles"));
}

// Reading an ancestor's text is not a cycle by itself: ODK's engine re-runs until the values
// stop changing, and so do we. c = string-length(/data): 41 (the instanceID) -> "41" -> 43;
// then e = "43x" and c = 46, e = "46x".
TEST_CASE("session cycle: reading an ancestor that includes the reader settles like ODK") {
  Session s(xform(std::string("<data id=\"a3\"><c/><e/>") + kMeta + "</data>",
                  std::string(R"X(<bind nodeset="/data/c" calculate="string-length(/data)"/>
                      <bind nodeset="/data/e" calculate="concat(/data/c, &quot;x&quot;)"/>)X") +
                      kMetaBind,
                  ""));
  CHECK(s.value("/data/c") == "46");
  CHECK(s.value("/data/e") == "46x");
}

TEST_CASE("session cycle: a value inside the group it reads settles and follows answers") {
  Session s(xform(std::string("<data id=\"a6\"><g><x/><y/></g>") + kMeta + "</data>",
                  std::string(R"X(<bind nodeset="/data/g/y" calculate="string-length(/data/g)"/>)X") +
                      kMetaBind,
                  R"X(<input ref="/data/g/x"><label>x</label></input>)X"));
  CHECK(s.value("/data/g/y") == "1");
  s.set("/data/g/x", "hello");
  CHECK(s.value("/data/g/y") == "6");
}

// The string value of a group is the text of everything below it: answering a question inside
// the group changes it. (We used to re-run such a calculation only when the group's own
// instances changed.)
TEST_CASE("session cycle: the value of a group follows the answers below it") {
  Session s(xform(std::string("<data id=\"a5\"><g><x/><h><z/></h></g><c/><n/><p/>") + kMeta +
                      "</data>",
                  std::string(R"X(<bind nodeset="/data/c" calculate="string-length(/data/g)"/>
                      <bind nodeset="/data/n" calculate="string(/data/g/h)"/>
                      <bind nodeset="/data/p" calculate="concat('[', /data/g, ']')"/>)X") +
                      kMetaBind,
                  R"X(<input ref="/data/g/x"><label>x</label></input>
                      <input ref="/data/g/h/z"><label>z</label></input>)X"));
  CHECK(s.value("/data/c") == "0");
  s.set("/data/g/x", "hello");
  CHECK(s.value("/data/c") == "5");
  CHECK(s.value("/data/p") == "[hello]");
  s.set("/data/g/h/z", "ab");
  CHECK(s.value("/data/c") == "7");
  CHECK(s.value("/data/n") == "ab");
  CHECK(s.value("/data/p") == "[helloab]");
}

// string-length() without an argument reads the node the expression runs at.
TEST_CASE("session cycle: a constraint on string-length() follows the answer") {
  Session s(xform(R"X(<data id="z"><a/></data>)X",
                  R"X(<bind nodeset="/data/a" constraint="string-length() &lt; 3"/>)X",
                  R"X(<input ref="/data/a"><label>a</label></input>)X"));
  CHECK(s.at("/data/a").valid);
  s.set("/data/a", "abcd");
  CHECK_FALSE(s.at("/data/a").valid);
  s.set("/data/a", "ab");
  CHECK(s.at("/data/a").valid);
}

// The bound is per computation and node: many computations that each settle after a re-run are
// fine, however many there are (it used to count every re-run of the update together and call
// the 1001st a cycle).
TEST_CASE("session cycle: a thousand self-references that settle are not a cycle") {
  std::string inst = "<data id=\"many\">", binds;
  for (int i = 0; i < 1200; ++i) {
    std::string n = "v" + std::to_string(i);
    inst += "<" + n + "/>";
    binds += "<bind nodeset=\"/data/" + n + "\" calculate=\"coalesce(., 'd')\"/>";
  }
  inst += "</data>";
  Session s(xform(inst, binds, ""));
  CHECK(s.value("/data/v0") == "d");
  CHECK(s.value("/data/v1199") == "d");
}

// A cycle the static analysis cannot see, started by an answer: the answer fails with the
// cycle, and the session keeps working.
TEST_CASE("session cycle: a runaway started by an answer ends with an error, not a hang") {
  Session s(xform(R"X(<data id="run"><r><a/><s/></r><b/></data>)X",
                  R"X(<bind nodeset="/data/r/s" calculate="if(../a = 'go', concat(/data/r, 'x'), '')"/>)X",
                  R"X(<repeat nodeset="/data/r"><input ref="/data/r/a"/></repeat>
                      <input ref="/data/b"/>)X"));
  Status st = within(kLimit, "answer starting a runaway", [&s] { return s->answer("/data/r[1]/a", "go"); });
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == ErrorCode::form_cycle);
  CHECK(has(error_of(st), "calculation cycle: /data/r/s (calculate=\"if(../a = 'go', concat(/data/r, 'x'), '')\") "
                                "at /data/r[1]/s never settles"));
  s.set("/data/b", "still answering");
  CHECK(s.value("/data/b") == "still answering");
}
