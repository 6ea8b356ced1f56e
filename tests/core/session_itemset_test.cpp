// FormSession itemsets: cascading selects with current(), a choice filter hiding the selected
// value (which returns with its option), inline and external (CSV, XML) secondary instances,
// jr:choice-name, and choice labels in each language. Expected values are odk-oracle's
// (TZ=UTC, --deterministic, --labels).
#include <doctest/doctest.h>

#include <string>

#include "support/scoped_dir.hpp"
#include "support/session_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::ScopedDir;
using khaosat::test::Session;
using khaosat::test::xform;

namespace {

const char* kPlaces = R"X(<instance id="places"><root>
  <item><name>n1</name><label>North</label><region/></item>
  <item><name>s1</name><label>South</label><region/></item>
  <item><name>t1</name><label>Town1</label><region>n1</region></item>
  <item><name>t2</name><label>Town2</label><region>n1</region></item>
  <item><name>t3</name><label>Town3</label><region>s1</region></item></root></instance>)X";

const char* kFruitItext = R"X(<itext>
  <translation lang="en" default="true()"><text id="c-a"><value>Apple</value></text><text id="c-b"><value>Banana</value></text></translation>
  <translation lang="fr"><text id="c-a"><value>Pomme</value></text><text id="c-b"><value>Banane</value></text></translation></itext>)X";

std::string cascade_form() {
  return xform(
      R"X(<data id="sel"><s1/><reg/><town/><tname/><lim>3</lim><fl/></data>)X",
      R"X(<bind nodeset="/data/tname" calculate="jr:choice-name(/data/town, '/data/town')"/>
          <bind nodeset="/data/lim" type="int"/>)X",
      R"X(<select1 ref="/data/s1"><item><label ref="jr:itext('c-a')"/><value>a</value></item>
            <item><label ref="jr:itext('c-b')"/><value>b</value></item></select1>
          <select1 ref="/data/reg"><itemset nodeset="instance('places')/root/item[region = '']"><value ref="name"/><label ref="label"/></itemset></select1>
          <select1 ref="/data/town"><itemset nodeset="instance('places')/root/item[region = current()/../reg]"><value ref="name"/><label ref="label"/></itemset></select1>
          <input ref="/data/lim"/>
          <select1 ref="/data/fl"><itemset nodeset="instance('places')/root/item[region != ''][position() &lt;= /data/lim]"><value ref="name"/><label ref="label"/></itemset></select1>)X",
      std::string(kFruitItext) + kPlaces);
}

std::string labels(const Session& s, const char* ref) {
  std::string out;
  for (const Choice& c : s.at(ref).choices) out += (out.empty() ? "" : "|") + c.label;
  return out;
}

}  // namespace

TEST_CASE("session itemset: cascading selects follow current()") {
  Session s(cascade_form());
  CHECK(s.choices("/data/reg") == "n1 s1");
  CHECK(labels(s, "/data/reg") == "North|South");
  CHECK(s.choices("/data/town") == "n1 s1");  // region = '' while reg is blank
  s.set("/data/reg", "n1");
  CHECK(s.choices("/data/town") == "t1 t2");
  CHECK(labels(s, "/data/town") == "Town1|Town2");
  s.set("/data/town", "t2");
  CHECK(s.value("/data/town") == "t2");
  CHECK(s.value("/data/tname") == "Town2");  // jr:choice-name
}

TEST_CASE("session itemset: a filtered-out value is hidden and returns with its option") {
  Session s(cascade_form());
  s.set("/data/reg", "n1");
  s.set("/data/town", "t2");
  s.set("/data/reg", "s1");
  CHECK(s.choices("/data/town") == "t3");
  CHECK(s.value("/data/town") == "");
  CHECK(s.value("/data/tname") == "");
  CHECK(s->instance_xml().find("<town/>") != std::string::npos);
  s.set("/data/reg", "n1");
  CHECK(s.value("/data/town") == "t2");
  CHECK(s.value("/data/tname") == "Town2");
}

TEST_CASE("session itemset: a filter on another question's value") {
  Session s(cascade_form());
  CHECK(s.choices("/data/fl") == "t1 t2 t3");
  s.set("/data/fl", "t3");
  s.set("/data/lim", "2");
  CHECK(s.choices("/data/fl") == "t1 t2");
  CHECK(s.value("/data/fl") == "");
  s.set("/data/lim", "3");
  CHECK(s.value("/data/fl") == "t3");
}

TEST_CASE("session itemset: an answer must be one of the current choices") {
  Session s(cascade_form());
  s.set("/data/reg", "n1");
  s.set("/data/town", "t3");  // exists in the instance, filtered out here
  CHECK(s.value("/data/town") == "");
}

TEST_CASE("session itemset: choice labels follow the language") {
  Session s(cascade_form());
  CHECK(labels(s, "/data/s1") == "Apple|Banana");
  s.set("/data/s1", "b");
  REQUIRE(s->set_language("fr").ok());
  CHECK(labels(s, "/data/s1") == "Pomme|Banane");
  CHECK(s.value("/data/s1") == "b");
}

TEST_CASE("session itemset: external CSV and XML secondary instances") {
  ScopedDir dir;
  dir.write("towns.csv", "name,label,region\nt1,Town1,n1\nt2,Town2,n1\nt3,Town3,s1\n");
  dir.write("regions.xml",
            "<root><item><name>n1</name><label>North</label></item>"
            "<item><name>s1</name><label>South</label></item></root>");
  std::string path = dir.write(
      "ext.xml",
      xform(R"X(<data id="ext"><reg/><town/><cnt/></data>)X",
            R"X(<bind nodeset="/data/cnt" calculate="count(instance('towns')/root/item)"/>)X",
            R"X(<select1 ref="/data/reg"><itemset nodeset="instance('regions')/root/item"><value ref="name"/><label ref="label"/></itemset></select1>
                <select1 ref="/data/town"><itemset nodeset="instance('towns')/root/item[region = current()/../reg]"><value ref="name"/><label ref="label"/></itemset></select1>)X",
            R"X(<instance id="towns" src="jr://file/towns.csv"/><instance id="regions" src="jr://file/regions.xml"/>)X"));
  auto form = load_form(path);
  REQUIRE_MESSAGE(form.ok(), (form.ok() ? "" : form.error().message));
  auto started = FormSession::start(*form, SessionOptions{khaosat::test::fixed_env(), ""});
  REQUIRE(started.ok());
  FormSession& s = **started;
  CHECK(s.node("/data/cnt")->value == "3");
  CHECK(s.node("/data/reg")->choices.size() == 2);
  CHECK(s.node("/data/reg")->choices[1].label == "South");
  CHECK(s.node("/data/town")->choices.empty());
  REQUIRE(s.answer("/data/reg", "n1").ok());
  REQUIRE(s.node("/data/town")->choices.size() == 2);
  CHECK(s.node("/data/town")->choices[1].value == "t2");
  CHECK(s.node("/data/town")->choices[1].label == "Town2");
  REQUIRE(s.answer("/data/town", "t2").ok());
  REQUIRE(s.answer("/data/reg", "s1").ok());
  CHECK(s.node("/data/town")->value == "");
  REQUIRE(s.answer("/data/reg", "n1").ok());
  CHECK(s.node("/data/town")->value == "t2");
}

TEST_CASE("session itemset: a missing attachment is a load error naming it") {
  ScopedDir dir;
  std::string path = dir.write(
      "ext.xml", xform(R"X(<data id="ext"><a/></data>)X", "", "",
                       R"X(<instance id="towns" src="jr://file/towns.csv"/>)X"));
  auto form = load_form(path);
  REQUIRE_FALSE(form.ok());
  CHECK(form.error().message.find("towns.csv") != std::string::npos);
  FormLoadOptions blank;
  blank.missing_blank = true;
  CHECK(load_form(path, blank).ok());
}

// jr:choice-name() on choices from secondary instances (inline with itext labels, inline plain,
// external CSV and XML), in calculations, in repeats and in label outputs, before and after a
// language switch. ODK's engine re-runs every computation that reads the language (jr:itext,
// jr:choice-name) when it changes; expected values are odk-oracle's (--labels).
TEST_CASE("session itemset: jr:choice-name of secondary-instance choices follows the language") {
  ScopedDir dir;
  dir.write("towns.csv", "name,label\nhn,Hanoi\nhue,Hue City\n");
  dir.write("rivers.xml",
            "<root><item><name>red</name><label>Red River</label></item>"
            "<item><name>mk</name><label>Mekong</label></item></root>");
  const std::string itext = R"X(<itext>
    <translation lang="en" default="true()"><text id="c-a"><value>Apple</value></text><text id="c-b"><value>Banana</value></text>
      <text id="note"><value>You chose <output value="jr:choice-name(/data/fruit, '/data/fruit')"/>.</value></text></translation>
    <translation lang="fr"><text id="c-a"><value>Pomme</value></text><text id="c-b"><value>Banane</value></text>
      <text id="note"><value>Vous avez choisi <output value="jr:choice-name(/data/fruit, '/data/fruit')"/>.</value></text></translation></itext>
    <instance id="fruits"><root><item><name>a</name><itextId>c-a</itextId></item><item><name>b</name><itextId>c-b</itextId></item></root></instance>
    <instance id="towns" src="jr://file-csv/towns.csv"/><instance id="rivers" src="jr://file/rivers.xml"/>)X";
  const std::string items = R"X(<value ref="name"/><label ref="label"/></itemset>)X";
  std::string path = dir.write(
      "cn.xml",
      xform(R"X(<data id="cn"><fruit/><town/><river/><n_fruit/><n_town/><n_river/><note/><plain/><rep><rq/><rn/></rep></data>)X",
            R"X(<bind nodeset="/data/n_fruit" calculate="jr:choice-name(/data/fruit, '/data/fruit')"/>
                <bind nodeset="/data/n_town" calculate="jr:choice-name(/data/town, '/data/town')"/>
                <bind nodeset="/data/n_river" calculate="jr:choice-name(/data/river, '/data/river')"/>
                <bind nodeset="/data/rep/rn" calculate="jr:choice-name(../rq, '../rq')"/>
                <bind nodeset="/data/note" readonly="true()"/><bind nodeset="/data/plain" readonly="true()"/>)X",
            R"X(<select1 ref="/data/fruit"><itemset nodeset="instance('fruits')/root/item"><value ref="name"/><label ref="jr:itext(itextId)"/></itemset></select1>
                <select1 ref="/data/town"><itemset nodeset="instance('towns')/root/item">)X" + items + R"X(</select1>
                <select1 ref="/data/river"><itemset nodeset="instance('rivers')/root/item">)X" + items + R"X(</select1>
                <input ref="/data/note"><label ref="jr:itext('note')"/></input>
                <input ref="/data/plain"><label>Town: <output value="jr:choice-name(/data/town, '/data/town')"/>; fruit: <output value="jr:choice-name(/data/fruit, '/data/fruit')"/></label></input>
                <repeat nodeset="/data/rep"><select1 ref="/data/rep/rq"><label>In repeat: <output value="jr:choice-name(../rq, '../rq')"/></label>
                  <itemset nodeset="instance('fruits')/root/item"><value ref="name"/><label ref="jr:itext(itextId)"/></itemset></select1></repeat>)X",
            itext));
  auto form = load_form(path);
  REQUIRE_MESSAGE(form.ok(), (form.ok() ? "" : form.error().message));
  auto started = FormSession::start(*form, SessionOptions{khaosat::test::fixed_env(), ""});
  REQUIRE(started.ok());
  FormSession& s = **started;
  auto value = [&](const char* ref) { return s.node(ref)->value; };
  auto label = [&](const char* ref) { return s.node(ref)->label; };
  REQUIRE(s.answer("/data/fruit", "b").ok());
  REQUIRE(s.answer("/data/town", "hue").ok());
  REQUIRE(s.answer("/data/river", "mk").ok());
  REQUIRE(s.answer("/data/rep[1]/rq", "a").ok());
  CHECK(value("/data/n_fruit") == "Banana");
  CHECK(value("/data/n_town") == "Hue City");
  CHECK(value("/data/n_river") == "Mekong");
  CHECK(value("/data/rep[1]/rn") == "Apple");
  CHECK(label("/data/note") == "You chose Banana.");
  CHECK(label("/data/plain") == "Town: Hue City; fruit: Banana");
  CHECK(label("/data/rep[1]/rq") == "In repeat: Apple");

  REQUIRE(s.set_language("fr").ok());
  CHECK(value("/data/n_fruit") == "Banane");
  CHECK(value("/data/n_town") == "Hue City");
  CHECK(value("/data/rep[1]/rn") == "Pomme");
  CHECK(label("/data/note") == "Vous avez choisi Banane.");
  CHECK(label("/data/plain") == "Town: Hue City; fruit: Banane");
  CHECK(label("/data/rep[1]/rq") == "In repeat: Pomme");
  CHECK(s.instance_xml().find("<n_fruit>Banane</n_fruit>") != std::string::npos);

  REQUIRE(s.answer("/data/rep[1]/rq", "b").ok());
  REQUIRE(s.set_language("en").ok());
  CHECK(value("/data/n_fruit") == "Banana");
  CHECK(value("/data/rep[1]/rn") == "Banana");
}

// Selects whose itemset reads nothing of the select (no current(), no relative path outside a
// predicate) and draws no random numbers hold one evaluated list between them (FormPlan's
// shared_list). The list must still follow what it reads: a filter on another answer, at every
// select holding it, in every repeat instance, and not at selects whose filter differs or runs
// per select.
TEST_CASE("session itemset: selects sharing one list follow its filter") {
  const std::string shared = R"X(<itemset nodeset="instance('places')/root/item[region = /data/r]"><value ref="name"/><label ref="label"/></itemset>)X";
  const std::string seeded = R"X(<itemset nodeset="randomize(instance('places')/root/item[region != ''], /data/seed)"><value ref="name"/><label ref="label"/></itemset>)X";
  const std::string unseeded = R"X(<itemset nodeset="randomize(instance('places')/root/item)"><value ref="name"/><label ref="label"/></itemset>)X";
  Session s(xform(
      R"X(<data id="share"><r/><q/><seed>1</seed><a/><b/><d/><x1/><x2/><u1/><u2/><rep><r2/><c/><e/></rep></data>)X",
      R"X(<bind nodeset="/data/seed" type="int"/>)X",
      R"X(<input ref="/data/r"/><input ref="/data/q"/><input ref="/data/seed"/>
          <select1 ref="/data/a">)X" + shared + R"X(</select1>
          <select ref="/data/b">)X" + shared + R"X(</select>
          <select1 ref="/data/d"><itemset nodeset="instance('places')/root/item[region = /data/q]"><value ref="name"/><label ref="label"/></itemset></select1>
          <select1 ref="/data/x1">)X" + seeded + R"X(</select1>
          <select1 ref="/data/x2">)X" + seeded + R"X(</select1>
          <select1 ref="/data/u1">)X" + unseeded + R"X(</select1>
          <select1 ref="/data/u2">)X" + unseeded + R"X(</select1>
          <repeat nodeset="/data/rep"><input ref="/data/rep/r2"/>
            <select1 ref="/data/rep/c">)X" + shared + R"X(</select1>
            <select1 ref="/data/rep/e"><itemset nodeset="instance('places')/root/item[region = current()/../r2]"><value ref="name"/><label ref="label"/></itemset></select1></repeat>)X",
      kPlaces));
  for (const char* ref : {"/data/a", "/data/b", "/data/d", "/data/rep[1]/c"})
    CHECK_MESSAGE(s.choices(ref) == "n1 s1", ref);
  s.set("/data/r", "n1");
  for (const char* ref : {"/data/a", "/data/b", "/data/rep[1]/c"})
    CHECK_MESSAGE(s.choices(ref) == "t1 t2", ref);
  CHECK(labels(s, "/data/b") == "Town1|Town2");
  CHECK(s.choices("/data/d") == "n1 s1");  // its filter reads /data/q
  // Answers are each select's own; a filter that hides them hides them at every select.
  s.set("/data/a", "t2");
  s.set("/data/b", "t1 t2");
  s.set("/data/rep[1]/c", "t1");
  s.set("/data/r", "s1");
  for (const char* ref : {"/data/a", "/data/b", "/data/rep[1]/c"}) {
    CHECK_MESSAGE(s.choices(ref) == "t3", ref);
    CHECK_MESSAGE(s.value(ref) == "", ref);
  }
  s.set("/data/r", "n1");
  CHECK(s.value("/data/a") == "t2");
  CHECK(s.value("/data/b") == "t1 t2");
  CHECK(s.value("/data/rep[1]/c") == "t1");
  // The other filter changes only its own select.
  s.set("/data/q", "s1");
  CHECK(s.choices("/data/d") == "t3");
  CHECK(s.choices("/data/a") == "t1 t2");
  // A new repeat instance takes the list as it is now; per-select filters stay per instance.
  REQUIRE(s->add_repeat("/data/rep", 1, -1).ok());
  CHECK(s.choices("/data/rep[2]/c") == "t1 t2");
  s.set("/data/rep[1]/r2", "n1");
  s.set("/data/rep[2]/r2", "s1");
  CHECK(s.choices("/data/rep[1]/e") == "t1 t2");
  CHECK(s.choices("/data/rep[2]/e") == "t3");
  // randomize() with the same seed: the same order at both selects, a new one for a new seed.
  const std::string order = s.choices("/data/x1");
  CHECK(order == s.choices("/data/x2"));
  s.set("/data/seed", "2");
  CHECK(s.choices("/data/x1") == s.choices("/data/x2"));
  CHECK(s.choices("/data/x1") != order);
  // Without a seed each select draws its own order, as in ODK's engine.
  CHECK(s.choices("/data/u1") != s.choices("/data/u2"));
}
