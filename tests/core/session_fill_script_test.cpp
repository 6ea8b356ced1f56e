// The CLI contract in core (khaosat/core/fill_script.hpp): parse_script's refusals and the shape
// of run_fill's snapshot document, which must match odk-oracle's output format.
#include <doctest/doctest.h>

#include <string>

#include "khaosat/tools/fill_script.hpp"
#include "support/scoped_dir.hpp"
#include "support/session_fixture.hpp"

using namespace khaosat::core;
using namespace khaosat::tools;
using khaosat::test::ScopedDir;
using khaosat::test::xform;
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
