// FormSession refusals and navigation: every mutating call that cannot be applied returns an
// Error naming the ref and leaves the state unchanged; pages() walks the visible prompts.
#include <doctest/doctest.h>

#include <string>

#include "khaosat/tools/fill_script.hpp"
#include "support/session_fixture.hpp"

using namespace khaosat::core;
using namespace khaosat::tools;
using khaosat::test::error_of;
using khaosat::test::Session;
using khaosat::test::xform;

namespace {

std::string error_form() {
  return xform(
      R"X(<data id="err"><q>v</q><g><x/></g><calc/><r><y/></r><n>1</n><k><z/></k></data>)X",
      R"X(<bind nodeset="/data/calc" calculate="concat('c', /data/q)"/><bind nodeset="/data/n" type="int"/>)X",
      R"X(<input ref="/data/q"/><group ref="/data/g"><input ref="/data/g/x"/></group>
          <repeat nodeset="/data/r"><input ref="/data/r/y"/></repeat><input ref="/data/n"/>
          <repeat nodeset="/data/k" jr:count="/data/n"><input ref="/data/k/z"/></repeat>)X");
}

// The whole observable state.
std::string state(const Session& s) {
  std::string out = s->instance_xml() + "\n";
  for (const NodeSnapshot& n : s->nodes()) out += node_to_json(n, true).dump() + "\n";
  return out;
}

// Checks that `st` failed with a message naming `ref`, and that nothing changed.
void check_refused(const Session& s, const std::string& before, const Status& st,
                   const std::string& ref) {
  CHECK_FALSE(st.ok());
  CHECK_MESSAGE(error_of(st).find(ref) != std::string::npos, "message: " << error_of(st));
  CHECK(state(s) == before);
}

}  // namespace

TEST_CASE("session errors: answer on an unknown ref, a group, a repeat or a model node") {
  Session s(error_form());
  const std::string before = state(s);
  check_refused(s, before, s->answer("/data/nope", "1"), "/data/nope");
  check_refused(s, before, s->answer("/data/q/deeper", "1"), "/data/q/deeper");
  check_refused(s, before, s->answer("data/q", "1"), "data/q");
  check_refused(s, before, s->answer("/data/r[7]/y", "1"), "/data/r[7]/y");
  check_refused(s, before, s->answer("/data/g", "1"), "/data/g");
  check_refused(s, before, s->answer("/data/r", "1"), "/data/r");
  check_refused(s, before, s->answer("/data/r[1]", "1"), "/data/r[1]");
  check_refused(s, before, s->answer("/data/calc", "1"), "/data/calc");
  check_refused(s, before, s->answer("/data", "1"), "/data");
}

TEST_CASE("session errors: add_repeat on a non-repeat or a controlled repeat") {
  Session s(error_form());
  const std::string before = state(s);
  check_refused(s, before, s->add_repeat("/data/q"), "/data/q");
  check_refused(s, before, s->add_repeat("/data/g"), "/data/g");
  check_refused(s, before, s->add_repeat("/data/nope"), "/data/nope");
  check_refused(s, before, s->add_repeat("/data/k"), "/data/k");
  check_refused(s, before, s->add_repeat("/data/r", 1, 5), "/data/r");  // past the end
  CHECK_FALSE(s->add_repeat("/data/r", 0).ok());  // nothing to add
  CHECK(state(s) == before);
}

TEST_CASE("session errors: remove_repeat of a bad index or a non-instance") {
  Session s(error_form());
  const std::string before = state(s);
  check_refused(s, before, s->remove_repeat("/data/r[2]"), "/data/r[2]");
  check_refused(s, before, s->remove_repeat("/data/r[0]"), "/data/r[0]");
  check_refused(s, before, s->remove_repeat("/data/q"), "/data/q");
  check_refused(s, before, s->remove_repeat("/data/r[1]/y"), "/data/r[1]/y");
  check_refused(s, before, s->remove_repeat("/data/k[1]"), "/data/k[1]");
  check_refused(s, before, s->remove_repeat("/data/nope[1]"), "/data/nope[1]");
}

TEST_CASE("session errors: a ref may omit [1]") {
  Session s(error_form());
  s.set("/data/r/y", "first");
  CHECK(s.value("/data/r[1]/y") == "first");
}

TEST_CASE("session errors: load errors for broken forms") {
  using khaosat::test::load_error;
  CHECK_FALSE(load_error("<not xml").message.empty());
  Error no_id = load_error(xform("<data><a/></data>", "", ""));  // ODK needs the root's id
  CHECK(no_id.message.find("id") != std::string::npos);
  Error bad_xpath = load_error(xform(R"X(<data id="x"><a/></data>)X",
                                     R"X(<bind nodeset="/data/a" calculate="1 +"/>)X", ""));
  CHECK(bad_xpath.message.find("/data/a") != std::string::npos);
  Error unknown_fn = load_error(xform(R"X(<data id="x"><a/></data>)X",
                                      R"X(<bind nodeset="/data/a" calculate="nosuch(1)"/>)X", ""));
  CHECK(unknown_fn.message.find("nosuch") != std::string::npos);
}

TEST_CASE("session errors: instance('id') naming no secondary instance is a load error") {
  using khaosat::test::load_error;
  const std::string model_instance =
      R"X(<instance id="lists"><root><item><name>a</name></item></root></instance>)X";
  Error e = load_error(xform(R"X(<data id="x"><a/><b/></data>)X",
                             R"X(<bind nodeset="/data/a" calculate="count(instance('list')/root/item)"/>)X"
                             R"X(<bind nodeset="/data/b" relevant="instance('lists')/root/item/name = 'a'"/>)X",
                             "", model_instance));
  CHECK(e.code == ErrorCode::form_reference);
  CHECK(e.message.find("/data/a (calculate=") != std::string::npos);
  CHECK(e.message.find("instance('list') names no secondary instance") != std::string::npos);
  CHECK(e.message.find("(declared: lists)") != std::string::npos);
  CHECK(e.message.find("/data/b") == std::string::npos);  // instance('lists') exists

  Error itemset = load_error(xform(R"X(<data id="x"><s/></data>)X", "",
                                   R"X(<select1 ref="/data/s"><itemset nodeset="instance('none')/root/item">
                                         <value ref="name"/><label ref="name"/></itemset></select1>)X"));
  CHECK(itemset.message.find("itemset") != std::string::npos);
  CHECK(itemset.message.find("(the form declares none)") != std::string::npos);
}

namespace {

std::string paged_form() {
  return xform(
      R"X(<data id="pg"><q1/><g><a/><b/></g><q3/><r><x/></r><r><x/></r><q4/></data>)X",
      R"X(<bind nodeset="/data/q3" relevant="/data/q1 = 'show'"/>)X",
      R"X(<input ref="/data/q1"><label>Q1</label></input>
          <group ref="/data/g" appearance="field-list"><label>G</label>
            <input ref="/data/g/a"><label>A</label></input><input ref="/data/g/b"><label>B</label></input></group>
          <input ref="/data/q3"><label>Q3</label></input>
          <repeat nodeset="/data/r"><input ref="/data/r/x"><label>X</label></input></repeat>
          <input ref="/data/q4"><label>Q4</label></input>)X");
}

std::string pages_of(const Session& s) {
  std::string out;
  for (const FormSession::Prompt& p : s->pages()) {
    out += p.ref + ":";
    for (const std::string& r : p.refs) out += " " + r;
    out += "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("session pages: one prompt per question, one page per field-list group") {
  Session s(paged_form());
  CHECK(pages_of(s) ==
        "/data/q1: /data/q1\n"
        "/data/g: /data/g/a /data/g/b\n"
        "/data/r[1]/x: /data/r[1]/x\n"
        "/data/r[2]/x: /data/r[2]/x\n"
        "/data/r:\n"  // add another? (session_contract_test has the details)
        "/data/q4: /data/q4\n");
  s.set("/data/q1", "show");
  CHECK(pages_of(s) ==
        "/data/q1: /data/q1\n"
        "/data/g: /data/g/a /data/g/b\n"
        "/data/q3: /data/q3\n"
        "/data/r[1]/x: /data/r[1]/x\n"
        "/data/r[2]/x: /data/r[2]/x\n"
        "/data/r:\n"  // add another? (session_contract_test has the details)
        "/data/q4: /data/q4\n");
}
