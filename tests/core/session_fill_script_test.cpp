// The CLI contract in core (khaosat/core/fill_script.hpp): parse_script's refusals and the shape
// of run_fill's snapshot document, which must match odk-oracle's output format.
#include <doctest/doctest.h>

#include <algorithm>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "khaosat/tools/fill_script.hpp"
#include "support/scoped_dir.hpp"
#include "support/session_fixture.hpp"

using namespace khaosat::core;
using namespace khaosat::tools;
using khaosat::test::ScopedDir;
using khaosat::test::xform;
using khaosat::test::zero_timings;
using nlohmann::json;

namespace {

std::string fill_form() {
  return xform(
      R"X(<data id="fill"><a/><r><q/></r></data>)X",
      R"X(<bind nodeset="/data/a" type="int" required="true()" jr:requiredMsg="need a"/>)X",
      R"X(<input ref="/data/a"/><repeat nodeset="/data/r"><input ref="/data/r/q"/></repeat>)X");
}

FillOptions fixed() {
  FillOptions o;
  o.now_ms = khaosat::test::kFixedNowMs;
  return o;
}

}  // namespace

TEST_CASE("session fill_script: parse_script accepts an array of objects") {
  auto ok = parse_script(R"([{"set": "/data/a", "value": "1"}, {"noop": true}])");
  REQUIRE(ok.ok());
  CHECK(ok->size() == 2);
  CHECK(parse_script("[]").ok());
}

TEST_CASE("session fill_script: parse_script refuses what is not a script") {
  auto not_json = parse_script("[{");
  REQUIRE_FALSE(not_json.ok());
  CHECK(not_json.error().message.find("JSON") != std::string::npos);
  auto not_array = parse_script(R"({"set": "/data/a"})");
  REQUIRE_FALSE(not_array.ok());
  CHECK(not_array.error().message.find("array") != std::string::npos);
  auto not_object = parse_script(R"([{"noop": true}, 3])");
  REQUIRE_FALSE(not_object.ok());
  CHECK(not_object.error().message.find("step 2") != std::string::npos);
}

TEST_CASE("session fill_script: run_fill documents load, steps, XML and submission") {
  ScopedDir dir;
  std::string path = dir.write("fill.xml", fill_form());
  auto steps = parse_script(R"([{"set": "/data/a", "value": "17.9"},
                                {"add_repeat": "/data/r"},
                                {"set": "/data/nope", "value": "1"},
                                {"remove_repeat": "/data/r", "index": 1}])");
  REQUIRE(steps.ok());
  json doc = run_fill(path, *steps, fixed());
  CHECK(doc["ok"] == true);
  CHECK(doc["error"].is_null());
  CHECK(doc["form"] == path);
  CHECK(doc["languages"] == json::array({""}));  // no itext: one synthetic language
  REQUIRE(doc["snapshots"].size() == 5);

  const json& load = doc["snapshots"][0];
  CHECK(load["step"] == 0);
  CHECK(load["action"] == "load");
  CHECK(load["ok"] == true);
  CHECK(load["nodes"][0]["ref"] == "/data");
  CHECK(load["nodes"][0]["type"] == "root");
  CHECK(load["nodes"][1]["ref"] == "/data/a");
  CHECK(load["nodes"][1]["dataType"] == "int");
  CHECK(load["nodes"][1]["valid"] == false);
  CHECK(load["nodes"][1]["violation"] == json({{"condition", "required"}, {"message", "need a"}}));
  CHECK(load["nodes"][2]["type"] == "repeat");
  CHECK(load["nodes"][2]["count"] == 1);
  CHECK_FALSE(load["nodes"][2].contains("controlled"));
  CHECK(load["violations"] ==
        json::array({{{"ref", "/data/a"}, {"condition", "required"}, {"message", "need a"}}}));

  const json& set = doc["snapshots"][1];
  CHECK(set["step"] == 1);
  CHECK(set["action"] == json({{"set", "/data/a"}, {"value", "17.9"}}));
  CHECK(set["ok"] == true);
  CHECK(set["error"].is_null());
  CHECK(set["nodes"][1]["value"] == "17");
  CHECK(set["violations"].empty());

  CHECK(doc["snapshots"][2]["nodes"][2]["count"] == 2);

  const json& failed = doc["snapshots"][3];
  CHECK(failed["ok"] == false);
  REQUIRE(failed["error"].is_string());
  CHECK(failed["error"].get<std::string>().find("/data/nope") != std::string::npos);

  const json& removed = doc["snapshots"][4];
  CHECK(removed["ok"] == true);
  CHECK(removed["nodes"][2]["count"] == 1);

  CHECK(doc["instanceXML"].get<std::string>().rfind(R"(<data xmlns:orx="http://openrosa.org/xforms" id="fill"><a>17</a><r><q/></r>)", 0) == 0);
  CHECK(doc["submission"] == json({{"status", "ready"}, {"violations", json::array()}}));
}

TEST_CASE("session fill_script: a pending submission lists its violations") {
  ScopedDir dir;
  std::string path = dir.write("fill.xml", fill_form());
  json doc = run_fill(path, json::array(), fixed());
  CHECK(doc["submission"]["status"] == "pending");
  CHECK(doc["submission"]["violations"] ==
        json::array({{{"ref", "/data/a"}, {"condition", "required"}, {"message", "need a"}}}));
}

TEST_CASE("session fill_script: a form that does not load gives ok:false and a message") {
  ScopedDir dir;
  std::string path = dir.write("broken.xml", "<h:html");
  json doc = run_fill(path, json::array(), fixed());
  CHECK(doc["ok"] == false);
  REQUIRE(doc["error"].is_object());
  CHECK_FALSE(doc["error"]["message"].get<std::string>().empty());
  CHECK_FALSE(doc.contains("snapshots"));
  json missing = run_fill((dir.path() / "nope.xml").string(), json::array(), fixed());
  CHECK(missing["ok"] == false);
}

TEST_CASE("session fill_script: languages and a failing language switch") {
  ScopedDir dir;
  std::string path = dir.write(
      "l.xml", xform(R"X(<data id="l"><q/></data>)X", "",
                     R"X(<input ref="/data/q"><label ref="jr:itext('q')"/></input>)X",
                     R"X(<itext><translation lang="en"><text id="q"><value>Q</value></text></translation>
                         <translation lang="fr"><text id="q"><value>Qf</value></text></translation></itext>)X"));
  FillOptions o = fixed();
  o.labels = true;
  json doc = run_fill(path, json::array({{{"set_language", "fr"}}, {{"set_language", "xx"}}}), o);
  CHECK(doc["languages"] == json::array({"en", "fr"}));
  CHECK(doc["snapshots"][0]["language"] == "en");
  CHECK(doc["snapshots"][0]["nodes"][1]["label"] == "Q");
  CHECK(doc["snapshots"][1]["language"] == "fr");
  CHECK(doc["snapshots"][1]["nodes"][1]["label"] == "Qf");
  CHECK(doc["snapshots"][2]["ok"] == false);
  CHECK(doc["snapshots"][2]["language"] == "fr");
}

// A mistyped step field ("count": "two") fails that step only, with ok:false and an error, and
// the script goes on (it used to throw nlohmann::json::type_error out of run_fill).
TEST_CASE("session fill_script: a step with a mistyped field fails that step only") {
  ScopedDir dir;
  std::string path = dir.write("fill.xml", fill_form());
  json steps = json::parse(R"([{"add_repeat": "/data/r", "count": "two"},
                               {"remove_repeat": "/data/r", "index": "1"},
                               {"set": "/data/a", "value": "3"}])");
  json doc;
  CHECK_NOTHROW(doc = run_fill(path, steps, fixed()));
  REQUIRE(doc.contains("snapshots"));
  CHECK(doc["snapshots"][1]["ok"] == false);
  CHECK(doc["snapshots"][2]["ok"] == false);
  CHECK(doc["snapshots"][3]["ok"] == true);
}

// Step numbers are read without narrowing: 2147483648 used to wrap to -2147483648 ("cannot add
// -2147483648 instances") and 4294967297 to 1 (one instance added, silently).
TEST_CASE("session fill_script: step numbers out of int range are refused, not wrapped") {
  ScopedDir dir;
  std::string path = dir.write("fill.xml", fill_form());
  json steps = json::parse(R"([{"add_repeat": "/data/r", "count": 2147483648},
                               {"add_repeat": "/data/r", "count": 4294967297},
                               {"add_repeat": "/data/r", "count": -2147483649},
                               {"add_repeat": "/data/r", "count": 18446744073709551615},
                               {"add_repeat": "/data/r", "count": 1.5},
                               {"add_repeat": "/data/r", "after": 4294967296},
                               {"remove_repeat": "/data/r", "index": 4294967297},
                               {"add_repeat": "/data/r", "count": 2}])");
  json doc = run_fill(path, steps, fixed());
  REQUIRE(doc["snapshots"].size() == 9);
  for (int i = 1; i <= 7; ++i) {
    INFO("step " << i << ": " << doc["snapshots"][i]["error"]);
    CHECK(doc["snapshots"][i]["ok"] == false);
    CHECK(doc["snapshots"][i]["step"] == i);
    std::string e = doc["snapshots"][i]["error"].get<std::string>();
    CHECK(e.find("must be an integer from -2147483648 to 2147483647") != std::string::npos);
  }
  CHECK(doc["snapshots"][1]["error"] ==
        "'count' must be an integer from -2147483648 to 2147483647, not 2147483648");
  CHECK(doc["snapshots"][6]["error"].get<std::string>().starts_with("'after'"));
  CHECK(doc["snapshots"][7]["error"].get<std::string>().starts_with("'index'"));
  // No instance was added by the refused steps (the form starts with one); the last adds two.
  CHECK(doc["snapshots"][0]["nodes"][2]["count"] == 1);
  CHECK(doc["snapshots"][7]["nodes"][2]["count"] == 1);
  CHECK(doc["snapshots"][8]["ok"] == true);
  CHECK(doc["snapshots"][8]["nodes"][2]["count"] == 3);
}

// --lang with a language the form lacks used to be ignored (the form ran in its default).
TEST_CASE("session fill_script: a start language the form lacks stops the run, naming the form's languages") {
  ScopedDir dir;
  std::string path = dir.write(
      "l.xml", xform(R"X(<data id="l"><q/></data>)X", "",
                     R"X(<input ref="/data/q"><label ref="jr:itext('q')"/></input>)X",
                     R"X(<itext><translation lang="en"><text id="q"><value>Q</value></text></translation>
                         <translation lang="fr"><text id="q"><value>Qf</value></text></translation></itext>)X"));
  FillOptions o = fixed();
  o.language = "Klingon";
  json doc = run_fill(path, json::array(), o);
  CHECK(doc["ok"] == false);
  CHECK(doc["error"]["code"] == "session.language");
  CHECK(doc["error"]["message"] == "the form has no language 'Klingon' (it has: en, fr)");
  CHECK_FALSE(doc.contains("snapshots"));
  o.language = "fr";
  CHECK(run_fill(path, json::array(), o)["ok"] == true);
  // A form without translations says so.
  std::string plain = dir.write("fill.xml", fill_form());
  o.language = "en";
  json none = run_fill(plain, json::array(), o);
  CHECK(none["ok"] == false);
  CHECK(none["error"]["message"] == "the form has no language 'en' (it has no translations)");
}

// write_fill prints each snapshot straight to text (append_snapshot, snapshot_text.cpp) instead
// of building it as a JSON tree and printing that (snapshot_to_json + dump): the two must give
// the same bytes. First on snapshots made by hand, with what a form cannot carry (control
// characters, invalid UTF-8 of every kind, empty lists, every optional key on and off), at
// every indent and depth; then on a form with every kind of item, through write_fill and
// run_fill.
TEST_CASE("session fill_script: snapshots written straight out are the JSON tree's bytes") {
  const std::string odd[] = {
      "", "plain", "quote \" backslash \\ slash /", "ctl \x01\x08\x0c\x1b\x1f\x7f end",
      "lines\r\n\ttab", "Tiếng Việt, 中文, 😀", "bad \xff\xfe byte", "overlong \xc0\xaf \xe0\x80\x80",
      "surrogate \xed\xa0\x80", "past U+10FFFF \xf4\x90\x80\x80", "cut \xe1\x80", "cut at end \xf0\x9f\x98"};
  const json action = {{"set", "/data/a"}, {"value", json::array({1, 2.5, "x\u0001", json::object(), json::array()})},
                       {"note", odd[5]}, {"deep", {{"k", {{"k", nullptr}}}}}};
  const json load = "load";
  std::vector<NodeSnapshot> nodes;
  auto add = [&](NodeType type, std::string ref, bool leaf) -> NodeSnapshot& {
    NodeSnapshot n;
    n.type = type;
    n.ref = std::move(ref);
    n.leaf = leaf;
    nodes.push_back(std::move(n));
    return nodes.back();
  };
  add(NodeType::Root, "/data", false).label = odd[3];
  NodeSnapshot& rep = add(NodeType::Repeat, "/data/r", false);
  rep.count = 3;
  rep.controlled = true;
  add(NodeType::Repeat, "/data/r2", false).count = 0;
  add(NodeType::RepeatInstance, "/data/r[1]", false).hint = odd[4];
  for (std::size_t i = 0; i < std::size(odd); ++i) {
    NodeSnapshot& n = add(i % 3 ? NodeType::Select1 : NodeType::Select, "/data/s" + std::to_string(i), true);
    n.has_choices = true;
    n.data_type = DataType::String;
    n.value = odd[i];
    n.label = odd[(i + 1) % std::size(odd)];
    n.hint = odd[(i + 2) % std::size(odd)];
    for (std::size_t k = 0; k < i % 4; ++k) n.choices.push_back({odd[(i + k) % std::size(odd)], odd[k]});
    n.valid = i % 2;
    if (!n.valid) n.violation = Violation{i % 4 ? ViolationCondition::Constraint : ViolationCondition::Required, odd[i / 2]};
  }
  NodeSnapshot& q = add(NodeType::Input, "/data/q", true);
  q.data_type = DataType::Decimal;
  q.relevant = false;
  q.required = true;
  q.readonly = true;
  Snapshot full;
  full.step = 7;
  full.action = &action;
  full.ok = false;
  full.error = odd[6];
  full.ms = 0.1 + 0.2;
  full.nodes = nodes;
  full.violations = {{"/data/s0", {ViolationCondition::Required, ""}}, {odd[3], {ViolationCondition::Constraint, odd[8]}}};
  full.language = odd[5];
  full.instance_xml = "<data>" + odd[4] + odd[7] + "</data>";
  full.snapshot_ms = 1e-7;
  Snapshot bare;  // step 0: no error key; nothing in the lists
  bare.action = &load;
  bare.ms = 12345.678;
  for (const Snapshot* s : {&full, &bare})
    for (bool labels : {false, true})
      for (int indent : {-1, 0, 1, 2, 4})
        for (int depth : {0, 2, 5}) {
          CAPTURE(s->step);
          CAPTURE(labels);
          CAPTURE(indent);
          CAPTURE(depth);
          // The tree as dump() prints it `depth` levels down: each line after the first
          // indented by `depth` more levels (JSON strings hold no raw newline).
          const std::string text = snapshot_to_json(*s, labels).dump(indent, ' ', false, json::error_handler_t::replace);
          const std::string pad(static_cast<std::size_t>(std::max(indent, 0) * depth), ' ');
          std::string expected;
          for (char c : text) {
            expected += c;
            if (c == '\n') expected += pad;
          }
          std::string written = "prefix ";
          append_snapshot(written, *s, labels, indent, depth);
          CHECK(written == "prefix " + expected);
        }
}

TEST_CASE("session fill_script: write_fill on a form with every kind of item prints run_fill's document") {
  ScopedDir dir;
  const std::string itext = R"X(<itext>
    <translation lang="en" default="true()">
      <text id="a:label"><value>Age "years" \ <output value="/data/name"/></value></text>
      <text id="a:hint"><value>Tab	and
newline</value></text>
      <text id="c-x"><value>Xã Tân Uyên</value></text><text id="c-y"><value>Yên Bái</value></text>
      <text id="big"><value>Too big for <output value="/data/a"/></value></text></translation>
    <translation lang="vi">
      <text id="a:label"><value>Tuổi</value></text><text id="a:hint"><value>Gợi ý</value></text>
      <text id="c-x"><value>Xã</value></text><text id="c-y"><value>Yên</value></text>
      <text id="big"><value>Quá lớn</value></text></translation></itext>
    <instance id="places"><root><item><name>x</name><itextId>c-x</itextId></item><item><name>y</name><itextId>c-y</itextId></item></root></instance>)X";
  std::string path = dir.write(
      "rich.xml",
      xform(R"X(<data id="rich"><name/><a/><g><s1/><sm/><rk/><rg/><tr/><up/><nt/></g><n>2</n><cr jr:template=""><cv/></cr><fr><fq/></fr><calc/></data>)X",
            R"X(<bind nodeset="/data/a" type="int" required="true()" constraint=". &lt; 120" jr:constraintMsg="jr:itext('big')"/>
                <bind nodeset="/data/name" type="string" required="true()" jr:requiredMsg="Tên «bắt buộc»"/>
                <bind nodeset="/data/g" relevant="/data/a != 1"/>
                <bind nodeset="/data/g/sm" type="string"/><bind nodeset="/data/g/rk" type="odk:rank"/>
                <bind nodeset="/data/g/rg" type="int"/><bind nodeset="/data/g/up" type="binary"/>
                <bind nodeset="/data/g/nt" readonly="true()" type="string"/>
                <bind nodeset="/data/n" type="int"/><bind nodeset="/data/cr/cv" calculate="position(..)"/>
                <bind nodeset="/data/calc" calculate="concat(/data/name, ' ✓')"/>)X",
            R"X(<input ref="/data/name"><label>Name</label></input>
                <input ref="/data/a"><label ref="jr:itext('a:label')"/><hint ref="jr:itext('a:hint')"/></input>
                <group ref="/data/g"><label>Group</label>
                  <select1 ref="/data/g/s1"><label>One</label><item><label>Có</label><value>yes</value></item><item><label>No</label><value>no</value></item></select1>
                  <select ref="/data/g/sm"><label>Many</label><itemset nodeset="instance('places')/root/item"><value ref="name"/><label ref="jr:itext(itextId)"/></itemset></select>
                  <odk:rank ref="/data/g/rk"><label>Rank</label><itemset nodeset="instance('places')/root/item"><value ref="name"/><label ref="jr:itext(itextId)"/></itemset></odk:rank>
                  <range ref="/data/g/rg" start="1" end="10" step="1"><label>Range</label></range>
                  <trigger ref="/data/g/tr"><label>OK?</label></trigger>
                  <upload ref="/data/g/up" mediatype="image/*"><label>Photo</label></upload>
                  <input ref="/data/g/nt"><label>A note</label></input></group>
                <input ref="/data/n"><label>N</label></input>
                <group ref="/data/cr"><label>Counted</label><repeat nodeset="/data/cr" jr:count="/data/n"><input ref="/data/cr/cv"><label>cv</label></input></repeat></group>
                <repeat nodeset="/data/fr"><input ref="/data/fr/fq"><label>fq</label></input></repeat>)X",
            itext));
  auto steps = parse_script(R"([{"set": "/data/name", "value": "Lò Văn \"A\" \\ tab\t"},
      {"set": "/data/a", "value": "150"}, {"set": "/data/g/s1", "value": "yes"},
      {"set": "/data/g/sm", "value": ["y", "x"]}, {"set": "/data/g/rk", "value": "y x"},
      {"set": "/data/g/rg", "value": "3"}, {"set": "/data/g/tr", "value": true},
      {"set": "/data/n", "value": "3"}, {"add_repeat": "/data/fr", "count": 2},
      {"set": "/data/fr[2]/fq", "value": "ü"}, {"set": "/data/nö\u0001pe", "value": "1"},
      {"set_language": "vi"}, {"set": "/data/a", "value": 1}, {"remove_repeat": "/data/fr", "index": 1},
      {"set_language": "xx"}, {"noop": true, "note": "ctl \u0001\u001f é \ud83d\ude00", "n": [1.5, -2, 1e300, {}]}])");
  REQUIRE(steps.ok());
  for (bool labels : {false, true})
    for (bool xml : {false, true})
      for (int indent : {-1, 1}) {
        CAPTURE(labels);
        CAPTURE(xml);
        CAPTURE(indent);
        FillOptions o = fixed();
        o.labels = labels;
        o.instance_xml_each = xml;
        json doc = run_fill(path, *steps, o);
        REQUIRE(doc["ok"] == true);
        REQUIRE(doc["snapshots"].size() == steps->size() + 1);
        std::ostringstream out;
        (void)write_fill(out, path, *steps, o, indent);
        CHECK(zero_timings(out.str()) ==
              zero_timings(doc.dump(indent, ' ', false, json::error_handler_t::replace) + "\n"));
      }
  // The form did what the comparison needs it to: violations, an error, both languages.
  FillOptions o = fixed();
  o.labels = true;
  json doc = run_fill(path, *steps, o);
  const json& snaps = doc["snapshots"];
  CHECK(snaps[2]["nodes"][2]["violation"]["condition"] == "constraint");
  CHECK(snaps[11]["ok"] == false);
  CHECK(snaps[12]["language"] == "vi");
  CHECK(snaps[15]["ok"] == false);
  CHECK(snaps[8]["nodes"].dump().find("\"controlled\":true") != std::string::npos);
}
