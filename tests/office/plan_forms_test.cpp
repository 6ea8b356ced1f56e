// The plan reads what the built-in forms write: forms A, B and C filled by their step scripts
// (tests/forms/*.steps.json) through the form engine, and office::read_needs over the instance
// XML they produce. A question renamed in forms/*.md would otherwise drop a criterion silently
// (plan_test.cpp's hand-written XML would still pass).
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "khaosat/office/plan.hpp"
#include "khaosat/tools/fill_script.hpp"

using namespace khaosat::office;

namespace {

// The instance XML of forms/<form>.md after tests/forms/<script>.steps.json.
std::string filled(const std::string& form, const std::string& script) {
  std::ifstream in(std::string(KHAOSAT_SOURCE_DIR) + "/tests/forms/" + script + ".steps.json", std::ios::binary);
  REQUIRE_MESSAGE(in.good(), script);
  auto steps = khaosat::tools::parse_script(std::string(std::istreambuf_iterator<char>(in), {}));
  REQUIRE(steps.ok());
  khaosat::tools::FillOptions o;
  o.now_ms = 1764039600000.0;  // 2025-11-25 03:00 UTC
  auto doc = khaosat::tools::run_fill(std::string(KHAOSAT_SOURCE_DIR) + "/forms/" + form + ".md", *steps, o);
  REQUIRE_MESSAGE(doc["ok"] == true, doc["error"].dump());
  for (const auto& snap : doc["snapshots"]) REQUIRE_MESSAGE(snap["ok"] == true, script << ": " << snap.dump().substr(0, 300));
  return doc["instanceXML"].get<std::string>();
}

const Need& nth(const SubmissionNeeds& s, std::size_t i) {
  REQUIRE(i < s.needs.size());
  return s.needs[i];
}

Rules shipped_rules() {
  std::ifstream in(std::string(KHAOSAT_SOURCE_DIR) + "/forms/plan_rules.csv");
  std::stringstream text;
  text << in.rdbuf();
  auto rules = parse_rules(text.str(), "plan_rules.csv");
  REQUIRE(rules.ok());
  return *rules;
}

// The points the criterion `key` gave a planned need (0 when it gave none).
std::int64_t points_of(const PlannedNeed& p, const std::string& key) {
  std::int64_t sum = 0;
  for (const Points& x : p.explanation)
    if (x.criterion == key) sum += x.points;
  return sum;
}

}  // namespace

TEST_CASE("office plan: the built-in forms A, B and C, filled by the engine, give the needs and facts the plan scores") {
  auto a = read_needs("lc_establishment", "uuid:a", filled("a_establishment", "a_establishment.eligible"));
  REQUIRE(a.ok());
  CHECK(a->year == 2026);
  REQUIRE(a->needs.size() == 2);
  const Need& a1 = nth(*a, 0);
  CHECK(a1.form == "A");
  CHECK(a1.applicant == "HTX Chè Bình Lư");
  CHECK(a1.commune == "binh_lu");
  CHECK(a1.activity == "machinery");
  CHECK(a1.source == "national");
  CHECK(a1.amount == 300);
  CHECK(a1.counterpart == 300);  // need_cost 600 - 300 requested
  CHECK(a1.own_rank == 1);
  CHECK(a1.workers == 62);
  CHECK(a1.local_material_pct == 90);
  CHECK(a1.export_contract);
  CHECK(a1.ocop_3star);
  CHECK_FALSE(a1.outstanding);  // a 2023 title held through 2025: expired when surveyed in 2026
  CHECK(a1.support_received);
  CHECK(a1.ineligible.empty());
  CHECK(nth(*a, 1).duplicate_funded);  // need_other_state = yes
  CHECK(nth(*a, 1).own_rank == 2);

  auto b = read_needs("lc_craft_village", "uuid:b", filled("b_craft_village", "b_craft_village.meets"));
  REQUIRE(b.ok());
  CHECK(b->year == 2026);
  REQUIRE(b->needs.size() == 2);
  const Need& b1 = nth(*b, 0);
  CHECK(b1.applicant == "Dệt thổ cẩm – Bản Nà Khương");
  CHECK(b1.commune == "muong_kim");
  CHECK(b1.activity == "infrastructure");
  CHECK(b1.source == "other");
  CHECK(b1.amount == 700);
  CHECK(b1.counterpart == 200);
  CHECK(b1.own_rank == 1);
  CHECK(b1.workers == 58);
  CHECK(b1.ineligible.empty());  // infrastructure from another programme's funds: in scope
  CHECK(b1.support_received);  // b5/support_received = yes, with a received row
  CHECK(nth(*b, 1).source == "provincial");
  CHECK(nth(*b, 1).amount == 40);

  auto c = read_needs("lc_coop_needs", "uuid:c", filled("c_coop_needs", "c_coop_needs.capped"));
  REQUIRE(c.ok());
  CHECK(c->year == 2026);
  REQUIRE(c->needs.size() == 3);
  const Need& c1 = nth(*c, 0);
  CHECK(c1.applicant == "HTX Nông nghiệp Thanh Xuân");
  CHECK(c1.commune == "muong_than");
  CHECK(c1.activity == "machinery");
  CHECK(c1.source == "national");
  CHECK(c1.amount == 300);
  CHECK(c1.counterpart == 500);  // total_cost 800 - 300 requested
  CHECK(c1.own_rank == 1);
  CHECK(c1.workers == 35);
  CHECK(c1.local_material_pct == 95);
  CHECK_FALSE(c1.export_contract);
  CHECK(c1.ocop_3star);
  CHECK(c1.support_received);  // c2/support_received = yes, with a received row
  CHECK(nth(*c, 2).activity == "fair_domestic");
  CHECK(nth(*c, 2).own_rank == 3);
}

TEST_CASE("office plan: support received lowers the score of needs from forms A, B and C alike") {
  // The shipped rules give support received its points (negative); every need of a submission
  // that declares support received carries them, whichever form it came from.
  Rules rules = shipped_rules();
  REQUIRE(rules.points.count("support_received") == 1);
  const std::int64_t received = rules.points.at("support_received");
  REQUIRE(received != 0);
  std::vector<Need> needs;
  for (auto [form_id, form, script] : {std::tuple{"lc_establishment", "a_establishment", "a_establishment.eligible"},
                                       std::tuple{"lc_craft_village", "b_craft_village", "b_craft_village.meets"},
                                       std::tuple{"lc_coop_needs", "c_coop_needs", "c_coop_needs.capped"}}) {
    auto s = read_needs(form_id, std::string("uuid:") + form, filled(form, script));
    REQUIRE(s.ok());
    REQUIRE_FALSE(s->needs.empty());
    needs.insert(needs.end(), s->needs.begin(), s->needs.end());
  }
  Plan plan = make_plan(2026, needs, rules, {}, {});
  std::set<std::string> forms;
  for (const PlannedNeed& p : plan.needs) {
    CAPTURE(p.need.id);
    CHECK(p.need.support_received);
    CHECK(points_of(p, "support_received") == received);
    forms.insert(p.need.form);
  }
  CHECK(forms == std::set<std::string>{"A", "B", "C"});
}
