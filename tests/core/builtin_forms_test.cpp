// The built-in forms as a set (forms/*.md, docs/forms.md): each compiles and loads, is bilingual
// with Vietnamese as the default, has no untranslated text and no violation without a message,
// and each step script in tests/forms (the answers also given to ODK's engine, see docs/forms.md)
// runs through run_fill with every step accepted and the verdicts expected.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "core/builtin_forms_fixture.hpp"
#include "khaosat/core/form_info.hpp"
#include "khaosat/core/store_types.hpp"
#include "khaosat/core/xlsform.hpp"
#include "khaosat/tools/fill_script.hpp"

using namespace khaosat::core;
using namespace khaosat::tools;
using khaosat::test::builtin_form_path;
using khaosat::test::kEn;
using khaosat::test::kSurveyNow;
using khaosat::test::kVi;
using nlohmann::json;

namespace {

std::string script_path(const std::string& name) {
  return std::string(KHAOSAT_TESTS_DIR) + "/forms/" + name + ".steps.json";
}

// Runs tests/forms/<name>.steps.json on forms/<form>.md with labels, on the survey clock.
json run_script(const std::string& form, const std::string& name) {
  auto text = [&] {
    std::ifstream in(script_path(name), std::ios::binary);
    REQUIRE_MESSAGE(in.good(), script_path(name));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  auto steps = parse_script(text);
  REQUIRE_MESSAGE(steps.ok(), name << ": " << (steps.ok() ? "" : steps.error().message));
  FillOptions o;
  o.now_ms = parse_iso8601(kSurveyNow);
  o.labels = true;
  json doc = run_fill(builtin_form_path(form + ".md"), *steps, o);
  REQUIRE_MESSAGE(doc["ok"] == true, doc["error"].dump());
  return doc;
}

// Every step accepted; every text translated (the compiler writes "-" for a missing
// translation); every violation explained by a message.
void check_script_run(const json& doc, const std::string& name) {
  for (const json& snap : doc["snapshots"]) {
    CHECK_MESSAGE(snap["ok"] == true,
                  name << " step " << snap["step"] << ": " << snap.value("error", json()).dump());
    for (const json& n : snap["nodes"]) {
      for (const char* k : {"label", "hint"})
        CHECK_MESSAGE(n.value(k, "") != "-", name << ": " << n["ref"] << " " << k << " in "
                                                  << snap.value("language", ""));
      if (n.contains("choiceLabels"))
        for (const json& c : n["choiceLabels"])
          CHECK_MESSAGE((c != "-" && c != ""), name << ": " << n["ref"] << " choice " << c);
      if (n.contains("violation") && !n["violation"].is_null())
        CHECK_MESSAGE(n["violation"]["message"].is_string(), name << ": " << n["ref"]);
    }
  }
}

// The values of `refs` in the last snapshot.
// ref -> value in one snapshot of a run_fill document.
std::map<std::string, std::string> values_at(const json& snapshot) {
  std::map<std::string, std::string> out;
  for (const json& n : snapshot["nodes"])
    if (n.contains("value")) out[n["ref"]] = n["value"];
  return out;
}

std::map<std::string, std::string> final_values(const json& doc) {
  return values_at(doc["snapshots"].back());
}

}  // namespace

TEST_CASE("built-in forms: each compiles, in Vietnamese and English, Vietnamese first") {
  struct Expect {
    const char* file;
    const char* id;
    int repeats;
  };
  for (const Expect& e : {Expect{"a_establishment.md", "lc_establishment", 5},
                          Expect{"b_craft_village.md", "lc_craft_village", 3},
                          Expect{"c_coop_needs.md", "lc_coop_needs", 3}}) {
    CAPTURE(e.file);
    auto form = load_form(builtin_form_path(e.file));
    REQUIRE_MESSAGE(form.ok(), (form.ok() ? "" : form.error().message));
    FormSummary s = summarize(*form);
    CHECK(s.id == e.id);
    CHECK(s.languages == std::vector<std::string>{kVi, kEn});
    CHECK(s.default_language == kVi);
    CHECK(s.repeat_count == e.repeats);
    CHECK(s.warnings.empty());
  }
}

TEST_CASE("built-in forms: each fills its registry (entities sheet), a new record unless record_id names one") {
  struct Expect {
    const char* file;
    const char* dataset;
    std::vector<std::string> properties;
  };
  for (const Expect& e :
       {Expect{"a_establishment.md", "establishments",
               {"commune", "village", "legal_form", "tax_code", "representative", "phone", "sector"}},
        Expect{"b_craft_village.md", "craft_villages", {"commune", "village", "craft", "recognition"}},
        Expect{"c_coop_needs.md", "cooperatives", {"tax_code", "representative", "phone", "commune"}}}) {
    CAPTURE(e.file);
    auto form = load_form(builtin_form_path(e.file));
    REQUIRE(form.ok());
    auto decl = entity_declaration(*form);
    REQUIRE(decl);
    CHECK(decl->dataset == e.dataset);
    CHECK(registry_from_dataset(decl->dataset).has_value());
    std::vector<std::string> props;
    for (const auto& st : decl->save_to) props.push_back(st.property);
    std::sort(props.begin(), props.end());
    std::vector<std::string> want = e.properties;
    std::sort(want.begin(), want.end());
    CHECK(props == want);
    auto session = FormSession::start(*form);
    REQUIRE(session.ok());
    auto fresh = entity_write(**session);
    REQUIRE(fresh.ok());
    REQUIRE(fresh->has_value());
    CHECK_FALSE((*fresh)->update);
    std::string new_id;
    for (const auto& n : (*session)->nodes())
      if (n.ref.size() > 14 && n.ref.compare(n.ref.size() - 14, 14, "/new_record_id") == 0) new_id = n.value;
    CHECK(new_id.size() == 36);
    CHECK((*fresh)->id == new_id);
  }
}

TEST_CASE("built-in forms: the step scripts given to ODK's engine run as expected") {
  SUBCASE("A: the tea cooperative") {
    json doc = run_script("a_establishment", "a_establishment.eligible");
    check_script_run(doc, "a_establishment.eligible");
    auto v = final_values(doc);
    CHECK(v["/data/result/eligibility"] == "eligible");
    CHECK(v["/data/a2/flag_local_material"] == "yes");
    CHECK(v["/data/a3/flag_50_workers"] == "yes");
    CHECK(v["/data/a6/ocop_products[1]/ocop_cert_expired"] == "no");
    CHECK(v["/data/a7/needs[1]/need_counterpart"] == "300");
    CHECK(v["/data/a7/needs[2]/need_status"] == "ineligible");
    CHECK(v["/data/meta/instanceName"] == "HTX Chè Bình Lư – Bản Thẳm");
    CHECK(doc["snapshots"].back()["language"] == kEn);
    CHECK(doc["submission"]["status"] == "ready");
  }
  SUBCASE("A: a case for review, with constraint violations") {
    json doc = run_script("a_establishment", "a_establishment.review");
    check_script_run(doc, "a_establishment.review");
    auto v = final_values(doc);
    CHECK(v["/data/result/loc_check"] == "review");
    CHECK(v["/data/result/legal_check"] == "review");
    CHECK(v["/data/result/sector_check"] == "review");
    CHECK(v["/data/result/eligibility"] == "review");
    CHECK(v["/data/a2/flag_local_material"] == "no");
    CHECK(v["/data/a3/flag_50_workers"] == "no");
    CHECK(doc["submission"]["status"] == "pending");
    std::map<std::string, std::string> violations;
    for (const json& x : doc["submission"]["violations"])
      violations[x["ref"]] = x["condition"].get<std::string>() + ": " + x.value("message", "");
    CHECK(violations["/data/a3/workers_female"] ==
          "constraint: Female workers cannot exceed the total number of workers.");
    CHECK(violations["/data/a5/certificates"] ==
          "constraint: \"None\" cannot be ticked together with a certificate.");
    CHECK(violations["/data/a7/needs[2]/amount_requested"] ==
          "constraint: The amount requested must be more than 0 and no more than the estimated "
          "budget.");
  }
  SUBCASE("B: the brocade village") {
    json doc = run_script("b_craft_village", "b_craft_village.meets");
    check_script_run(doc, "b_craft_village.meets");
    auto v = final_values(doc);
    CHECK(v["/data/result/craft_village"] == "yes");
    CHECK(v["/data/result/traditional_trade"] == "yes");
    CHECK(v["/data/result/traditional_craft_village"] == "yes");
    CHECK(v["/data/meta/instanceName"] == "Dệt thổ cẩm – Bản Nà Khương");
    CHECK(doc["submission"]["status"] == "ready");
  }
  SUBCASE("B: missing data, then unmet criteria") {
    json doc = run_script("b_craft_village", "b_craft_village.missing");
    check_script_run(doc, "b_craft_village.missing");
    // After step 6 (env unknown, stable_since and artisans blank): missing data, not no.
    auto at6 = values_at(doc["snapshots"][6]);
    CHECK(at6["/data/result/craft_village"] == "missing");
    CHECK(at6["/data/result/traditional_trade"] == "no");  // 50 years is not more than 50
    CHECK(at6["/data/result/t_link"] == "missing");
    auto v = final_values(doc);
    CHECK(v["/data/result/c_stable"] == "no");
    CHECK(v["/data/result/craft_village"] == "no");
    CHECK(v["/data/result/t_link"] == "no");
  }
  SUBCASE("C: three capped needs") {
    json doc = run_script("c_coop_needs", "c_coop_needs.capped");
    check_script_run(doc, "c_coop_needs.capped");
    auto v = final_values(doc);
    CHECK(v["/data/c2/needs[1]/max_support"] == "300");
    CHECK(v["/data/c2/needs[2]/max_support"] == "500");
    CHECK(v["/data/c2/needs[3]/max_support"] == "40");
    CHECK(v["/data/c_total/total_requested"] == "840");
    CHECK(v["/data/c_total/total_counterpart"] == "2000");
    CHECK(v["/data/c1/flag_local_material"] == "yes");
    CHECK(v["/data/c1/ocop_products[1]/ocop_stars"] == "4");
    CHECK(v["/data/meta/instanceName"] == "HTX Nông nghiệp Thanh Xuân (6200123456)");
    CHECK(doc["submission"]["status"] == "ready");
  }
  SUBCASE("C: an ineligible need (other state funding) and broken ranks") {
    json doc = run_script("c_coop_needs", "c_coop_needs.ineligible");
    check_script_run(doc, "c_coop_needs.ineligible");
    auto v = final_values(doc);
    CHECK(v["/data/c2/needs[2]/need_status"] == "ineligible");
    CHECK(v["/data/c2/needs[1]/max_support"] == "10");
    CHECK(v["/data/c_total/ineligible_rows"] == "1");
    std::map<std::string, std::string> violations;
    for (const json& x : doc["submission"]["violations"])
      violations[x["ref"]] = x["condition"].get<std::string>() + ": " + x.value("message", "");
    CHECK(violations.count("/data/c2/needs[2]/other_state_funding") == 0);  // kept, marked
    CHECK(violations["/data/c2/needs[2]/rank"] ==
          "constraint: The priority rank must be between 1 and the number of needs, and not "
          "repeat another need's rank.");
    CHECK(violations["/data/c2/needs[1]/amount_requested"] ==
          "constraint: The amount requested must be more than 0 and no more than the maximum "
          "support.");
    CHECK(violations["/data/c1/members_women"] ==
          "constraint: Women members cannot exceed the total members.");
  }
}

namespace {

// The fields of a snapshot a UI or entity_write reads, for comparing two snapshots of one node.
std::string describe(const NodeSnapshot& n) {
  std::string out = n.ref + " id=" + std::to_string(n.id) + " rel=" + std::to_string(n.relevant) +
                    " req=" + std::to_string(n.required) + " ro=" + std::to_string(n.readonly) +
                    " valid=" + std::to_string(n.valid) + " value=" + n.value + " label=" + n.label +
                    " hint=" + n.hint + " violation=" + (n.violation ? n.violation->message : "-") + " choices=";
  for (const Choice& c : n.choices) out += c.value + ":" + c.label + ",";
  return out;
}

}  // namespace

TEST_CASE("built-in forms: the entity of a submission's XML is the entity of its full restore") {
  // entity_write(form, xml) (the server's derivation) restores the instance to evaluate only and
  // reads each question's snapshot alone (node(ref)); the reference is a full restore, and each
  // property checked against the whole snapshot (nodes()). For each step script: the instance as
  // filled (a new record), and the same naming a record (an update), with the form's lists and
  // without them (the server loads a published form with its lists blank).
  struct Script {
    const char* form;
    const char* name;
  };
  for (const Script& sc : {Script{"a_establishment", "a_establishment.eligible"}, Script{"a_establishment", "a_establishment.review"},
                           Script{"b_craft_village", "b_craft_village.meets"}, Script{"b_craft_village", "b_craft_village.missing"},
                           Script{"c_coop_needs", "c_coop_needs.capped"}, Script{"c_coop_needs", "c_coop_needs.ineligible"}}) {
    const std::string script = sc.name;
    CAPTURE(script);
    std::string filled = run_script(sc.form, sc.name)["instanceXML"];
    std::vector<std::string> instances{filled};
    if (auto at = filled.find("<record_id/>"); at != std::string::npos)
      instances.push_back(filled.substr(0, at) + "<record_id>0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b</record_id>" +
                          filled.substr(at + 12));
    CHECK(instances.size() == 2);
    for (bool blank_lists : {false, true}) {
      FormLoadOptions lo;
      lo.missing_blank = blank_lists;
      std::string md = builtin_form_path(std::string(sc.form) + ".md");
      // No list beside the published name: the server's form (SyncServer::entity_form).
      auto xml_text = convert_xlsform(md);
      REQUIRE(xml_text.ok());
      auto form = blank_lists ? load_form_xml(xml_text.value(), "/nonexistent/published.xml", lo) : load_form(md);
      REQUIRE_MESSAGE(form.ok(), (form.ok() ? "" : form.error().message));
      for (const std::string& xml : instances) {
        CAPTURE(blank_lists);
        auto full = FormSession::restore(*form, xml);
        REQUIRE(full.ok());
        auto want = entity_write(**full);
        auto got = entity_write(*form, xml);
        REQUIRE(want.ok());
        REQUIRE(got.ok());
        REQUIRE(want->has_value());
        REQUIRE(got->has_value());
        const EntityWrite& w = **want;
        const EntityWrite& g = **got;
        CHECK(g.dataset == w.dataset);
        CHECK(g.id == w.id);
        CHECK(g.update == w.update);
        CHECK(g.label == w.label);
        CHECK(g.properties == w.properties);
        CHECK(g.update == (xml != filled));
        // Each property as the whole snapshot shows its question; every leaf's node(ref) as nodes().
        std::map<std::string, NodeSnapshot> all;
        for (NodeSnapshot& n : (*full)->nodes()) all.emplace(n.ref, n);
        std::vector<std::pair<std::string, std::string>> from_nodes;
        const auto decl = entity_declaration(*form);
        REQUIRE(decl);
        for (const auto& s : decl->save_to)
          if (auto it = all.find(s.ref); it != all.end() && it->second.relevant)
            from_nodes.emplace_back(s.property, it->second.value);
        CHECK(g.properties == from_nodes);
        CHECK(from_nodes.size() >= 3);
        for (const auto& [ref, n] : all) {
          if (!n.leaf) continue;
          auto one = (*full)->node(ref);
          REQUIRE_MESSAGE(one.has_value(), ref);
          CHECK(describe(*one) == describe(n));
        }
      }
    }
  }
}

TEST_CASE("entity of a submission's XML: relevance and calculations recomputed as a full restore does") {
  // A hand-written instance whose stored values the form does not agree with: a calculated label
  // left stale and a saved question stored although it is not relevant. The entity reads what
  // the form computes (label "HTX Chè", no phone), on both paths.
  const std::string md =
      "| settings |\n| | form_id | version |\n| | tiny | 1 |\n\n"
      "| survey |\n| | type | name | label | relevant | calculation | save_to |\n"
      "| | csv-external | cooperatives | | | | |\n"
      "| | hidden | new_record_id | | | | |\n"
      "| | text | name | Name | | | |\n"
      "| | select_one yn | has_phone | Phone? | | | |\n"
      "| | text | phone | Phone | ${has_phone} = 'yes' | | phone |\n"
      "| | text | rep | Representative | | | representative |\n"
      "| | calculate | shown | | | concat('HTX ', ${name}) | |\n\n"
      "| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n| | yn | no | No |\n\n"
      "| entities |\n| | list_name | label | entity_id | create_if | update_if |\n"
      "| | cooperatives | ${shown} | ${new_record_id} | ${name} != '' | false() |\n";
  auto xform = convert_xlsform_bytes(md, "tiny.md");
  REQUIRE_MESSAGE(xform.ok(), (xform.ok() ? "" : xform.error().message));
  FormLoadOptions lo;
  lo.missing_blank = true;
  auto form = load_form_xml(*xform, "/nonexistent/tiny.xml", lo);
  REQUIRE_MESSAGE(form.ok(), (form.ok() ? "" : form.error().message));
  const std::string xml =
      "<data id=\"tiny\" version=\"1\"><new_record_id>0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b</new_record_id>"
      "<name>Chè</name><has_phone>no</has_phone><phone>0912 345 678</phone><rep>Lò Văn A</rep>"
      "<shown>stale</shown><meta><instanceID>uuid:1</instanceID><entity dataset=\"cooperatives\" id=\"\" "
      "create=\"1\"><label/></entity></meta></data>";
  auto full = FormSession::restore(*form, xml);
  REQUIRE_MESSAGE(full.ok(), (full.ok() ? "" : full.error().message));
  auto want = entity_write(**full);
  auto got = entity_write(*form, xml);
  REQUIRE(want.ok());
  REQUIRE(got.ok());
  REQUIRE(want->has_value());
  REQUIRE(got->has_value());
  for (const EntityWrite* w : {&**want, &**got}) {
    CHECK(w->id == "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    CHECK(w->label == "HTX Chè");
    CHECK(w->properties == std::vector<std::pair<std::string, std::string>>{{"representative", "Lò Văn A"}});
  }
}
