// The office plan (office/include/khaosat/office/plan.hpp): rules table, scoring and its
// explanation, tie-breaks, the budget cut per source, overrides, reading needs from A/B/C.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <numeric>
#include <sstream>

#include <nlohmann/json.hpp>

#include "khaosat/office/plan.hpp"

using namespace khaosat::office;
using khaosat::core::ErrorCode;

namespace {

const char* kRules =
    "key,value,label_vi,label_en,source\n"
    "version,t-1,,,\n"
    "area.highland_border,300,,,\n"
    "area.ntm,200,,,\n"
    "area.difficult,100,,,\n"
    "sector.local_materials,10,,,\n"
    "sector.workers_50,10,,,\n"
    "sector.export,10,,,\n"
    "sector.ocop_3star,10,,,\n"
    "sector.outstanding,10,,,\n"
    "counterpart.per_10pct,2,,,\n"
    "own_rank.first,6,,,\n"
    "own_rank.step,2,,,\n"
    "support_received,-5,,,\n"
    "tiebreak,counterpart_desc,,,\n"
    "tiebreak,amount_asc,,,\n";

Rules rules() {
  auto r = parse_rules(kRules, "rules.csv");
  REQUIRE(r.ok());
  return r.value();
}

std::map<std::string, Commune> communes() {
  std::map<std::string, Commune> c;
  c["hi"] = Commune{.name = "hi", .label_vi = "Xã Cao", .highland = true, .ntm = true, .difficult = true,
                    .highland_source = "src-h", .ntm_source = "src-n", .difficult_source = "src-d"};
  c["em"] = Commune{.name = "em", .label_vi = "Xã Dân Tộc", .ethnic_minority = true, .poor_30a = true,
                    .ethnic_minority_source = "src-e", .poor_30a_source = "src-p"};
  c["30a"] = Commune{.name = "30a", .label_vi = "Xã Nghèo", .poor_30a = true, .ntm = true, .poor_30a_source = "src-p",
                     .ntm_source = "src-n"};
  c["ntm"] = Commune{.name = "ntm", .label_vi = "Xã Mới", .ntm = true, .difficult = true, .ntm_source = "src-n",
                     .difficult_source = "src-d"};
  c["dif"] = Commune{.name = "dif", .label_vi = "Xã Khó", .difficult = true, .difficult_source = "src-d"};
  c["none"] = Commune{.name = "none", .label_vi = "Phường"};
  return c;
}

Need need(const std::string& id, double amount, const std::string& source = "provincial",
          const std::string& commune = "none") {
  Need n;
  n.id = id;
  n.submission = id.substr(0, id.find('#'));
  n.form = "C";
  n.commune = commune;
  n.activity = "machinery";
  n.source = source;
  n.amount = amount;
  return n;
}

// forms/plan_rules.csv, as shipped.
Result<Rules> shipped_rules() {
  std::ifstream in(std::string(KHAOSAT_SOURCE_DIR) + "/forms/plan_rules.csv");
  std::stringstream text;
  text << in.rdbuf();
  auto rules = parse_rules(text.str(), "plan_rules.csv");
  REQUIRE(rules.ok());
  return rules;
}

const PlannedNeed& find(const Plan& p, const std::string& id) {
  auto it = std::find_if(p.needs.begin(), p.needs.end(), [&](const PlannedNeed& x) { return x.need.id == id; });
  REQUIRE(it != p.needs.end());
  return *it;
}

std::int64_t explained(const PlannedNeed& p) {
  std::int64_t s = 0;
  for (const auto& x : p.explanation) s += x.points;
  return s;
}

}  // namespace

TEST_CASE("office plan: each criterion gives its points and the explanation sums to the score") {
  Need n = need("s1#1", 100, "provincial", "hi");
  n.workers = 60;
  n.local_material_pct = 80;
  n.export_contract = true;
  n.ocop_3star = true;
  n.outstanding = true;
  n.counterpart = 100;   // 50 % counterpart: 5 steps x 2
  n.own_rank = 2;        // 6 - 2
  n.support_received = true;
  auto c = communes();
  Plan p = make_plan(2027, {n}, rules(), {{"provincial", 1000}}, {}, &c);
  const PlannedNeed& x = find(p, "s1#1");
  CHECK(x.score == 300 + 50 + 10 + 4 - 5);
  CHECK(explained(x) == x.score);
  CHECK(x.area == 300);
  CHECK(x.sector == 50);
  // Thresholds: 50 % local materials and 49 workers give nothing.
  Need m = need("s2#1", 100, "provincial", "none");
  m.workers = 49;
  m.local_material_pct = 50;
  Plan q = make_plan(2027, {m}, rules(), {{"provincial", 1000}}, {}, &c);
  CHECK(find(q, "s2#1").score == 0);
  CHECK(find(q, "s2#1").explanation.empty());
}

TEST_CASE("office plan: only the highest area priority that applies counts") {
  auto c = communes();
  Plan p = make_plan(2027, {need("a#1", 1, "provincial", "hi"), need("b#1", 1, "provincial", "ntm"),
                            need("c#1", 1, "provincial", "dif"), need("d#1", 1, "provincial", "none")},
                     rules(), {{"provincial", 100}}, {}, &c);
  CHECK(find(p, "a#1").score == 300);
  CHECK(find(p, "b#1").score == 200);
  CHECK(find(p, "c#1").score == 100);
  CHECK(find(p, "d#1").score == 0);
  CHECK(find(p, "a#1").rank == 1);
  CHECK(find(p, "d#1").rank == 4);
}

TEST_CASE("office plan: an ethnic-minority area is the first area priority, a poor district (30a) the second") {
  // TT 46/2012 Art. 2: highland, border or ethnic-minority area, then poor district (Resolution
  // 30a), then new-rural commune, then difficult area.
  auto c = communes();
  Rules r = rules();
  r.points["area.poor_30a"] = 250;
  Plan p = make_plan(2027, {need("e#1", 1, "provincial", "em"), need("p#1", 1, "provincial", "30a"),
                            need("n#1", 1, "provincial", "ntm")},
                     r, {{"provincial", 100}}, {}, &c);
  const PlannedNeed& e = find(p, "e#1");
  CHECK(e.score == 300);  // ethnic-minority area (and 30a, not counted: only the highest applies)
  REQUIRE(e.explanation.size() == 1);
  CHECK(e.explanation[0].criterion == "area.highland_border");
  CHECK(e.explanation[0].why.vi == "area.highland_border: Xã Dân Tộc: vùng đồng bào DTTS (src-e)");
  CHECK(e.explanation[0].why.en == "area.highland_border: Xã Dân Tộc: ethnic-minority area (src-e)");
  const PlannedNeed& x = find(p, "p#1");
  CHECK(x.score == 250);  // 30a above new-rural
  REQUIRE(x.explanation.size() == 1);
  CHECK(x.explanation[0].criterion == "area.poor_30a");
  CHECK(x.explanation[0].why.vi == "area.poor_30a: Xã Nghèo: huyện nghèo (NQ 30a) (src-p)");
  CHECK(x.explanation[0].why.en == "area.poor_30a: Xã Nghèo: poor district (Resolution 30a) (src-p)");
  CHECK(find(p, "n#1").score == 200);
  CHECK(e.rank == 1);
  CHECK(x.rank == 2);
  // Without points for 30a, the commune falls to its next area criterion.
  Plan q = make_plan(2027, {need("p#1", 1, "provincial", "30a")}, rules(), {{"provincial", 100}}, {}, &c);
  CHECK(find(q, "p#1").score == 200);
}

TEST_CASE("office plan: equal scores follow the tie-breaks in order, then the need id") {
  Need a = need("a#1", 100), b = need("b#1", 50), c = need("c#1", 100), d = need("d#1", 100);
  a.counterpart = 10;   // 9 %: no points, but the highest share
  b.counterpart = 4;    // 7.4 %
  c.counterpart = 5;    // 4.8 %
  d.counterpart = 5;    // 4.8 %: same share and amount as c, so the id decides
  Plan p = make_plan(2027, {d, c, b, a}, rules(), {{"provincial", 1000}}, {});
  for (const char* id : {"a#1", "b#1", "c#1", "d#1"}) CHECK(find(p, id).score == 0);
  CHECK(find(p, "a#1").rank == 1);
  CHECK(find(p, "b#1").rank == 2);
  CHECK(find(p, "c#1").rank == 3);
  CHECK(find(p, "d#1").rank == 4);
  // amount_asc decides when the shares are equal.
  Need e = need("e#1", 200), f = need("f#1", 100);
  Plan q = make_plan(2027, {e, f}, rules(), {{"provincial", 1000}}, {});
  CHECK(find(q, "f#1").rank == 1);
}

TEST_CASE("office plan: the cut funds in rank order, skips a need that does not fit and funds the next that fits") {
  auto c = communes();
  // Ranks by area: 1 = 60, 2 = 50, 3 = 30, 4 = 10; budget 100.
  std::vector<Need> needs = {need("r1#1", 60, "provincial", "hi"), need("r2#1", 50, "provincial", "ntm"),
                             need("r3#1", 30, "provincial", "dif"), need("r4#1", 10, "provincial", "none"),
                             need("n1#1", 5, "national", "hi")};
  Plan p = make_plan(2027, needs, rules(), {{"provincial", 100}, {"national", 4}}, {}, &c);
  CHECK(find(p, "r1#1").funded);
  CHECK_FALSE(find(p, "r2#1").funded);   // 50 > 40 left
  CHECK(find(p, "r3#1").funded);         // 30 <= 40
  CHECK(find(p, "r4#1").funded);         // 10 <= 10
  CHECK_FALSE(find(p, "n1#1").funded);   // its own source's budget: 5 > 4
  REQUIRE(p.sources.size() == 2);
  CHECK(p.sources[0].source == "national");
  CHECK(p.sources[0].funded_total == 0);
  CHECK(p.sources[0].cut_rank == 1);
  CHECK(p.sources[1].source == "provincial");
  CHECK(p.sources[1].funded_total == 100);
  CHECK(p.sources[1].cut_rank == 2);
  // A source without a budget funds nothing.
  Plan q = make_plan(2027, {need("o#1", 1, "other")}, rules(), {{"provincial", 100}}, {});
  CHECK_FALSE(find(q, "o#1").funded);
}

TEST_CASE("office plan: ineligible and duplicate-funded needs are listed apart and never funded, even pinned") {
  Need dup = need("dup#1", 1);
  dup.duplicate_funded = true;
  dup.ineligible = {"nguồn nhà nước khác", "other state funding"};
  Need ok = need("ok#1", 1);
  Plan p = make_plan(2027, {dup, ok}, rules(), {{"provincial", 100}},
                     {Override{"dup#1", "pin", "wanted", "office", 1}});
  CHECK_FALSE(find(p, "dup#1").funded);
  CHECK(find(p, "dup#1").rank == 0);
  CHECK(find(p, "ok#1").funded);
  CHECK(p.needs.back().need.id == "dup#1");
}

TEST_CASE("office plan: a pinned need is funded first, an excluded one never, both shown") {
  auto c = communes();
  std::vector<Need> needs = {need("top#1", 60, "provincial", "hi"), need("low#1", 60, "provincial", "none"),
                             need("mid#1", 30, "provincial", "ntm")};
  Plan p = make_plan(2027, needs, rules(), {{"provincial", 100}},
                     {Override{"low#1", "pin", "flood damage", "Lan", 1}, Override{"mid#1", "exclude", "moved away", "Lan", 2}},
                     &c);
  CHECK(find(p, "low#1").funded);
  CHECK_FALSE(find(p, "top#1").funded);   // 60 > 40 left after the pin
  CHECK_FALSE(find(p, "mid#1").funded);   // excluded, though it would fit
  REQUIRE(find(p, "low#1").override.has_value());
  CHECK(find(p, "low#1").override->reason == "flood damage");
  std::string json = plan_json(p);
  CHECK(json.find("\"flood damage\"") != std::string::npos);
  CHECK(json.find("\"moved away\"") != std::string::npos);
}

TEST_CASE("office plan: the JSON is the same byte for byte whatever the input order") {
  auto c = communes();
  std::vector<Need> needs;
  for (int i = 0; i < 40; ++i) {
    Need n = need("s" + std::to_string(i % 13) + "#" + std::to_string(i), 10 + (i * 7) % 23,
                  i % 3 == 0 ? "national" : "provincial", i % 4 == 0 ? "hi" : i % 4 == 1 ? "ntm" : "none");
    n.counterpart = i % 5;
    n.own_rank = 1 + i % 3;
    needs.push_back(n);
  }
  std::map<std::string, double> budget = {{"provincial", 150}, {"national", 80.5}};
  std::string first = plan_json(make_plan(2027, needs, rules(), budget, {}, &c));
  std::reverse(needs.begin(), needs.end());
  std::string second = plan_json(make_plan(2027, needs, rules(), budget, {}, &c));
  CHECK(first == second);
  CHECK(first.find("\"rules_version\": \"t-1\"") != std::string::npos);
}

TEST_CASE("office plan: bad rules and budgets are plan.input naming the line or value") {
  auto unknown = parse_rules("key,value\nversion,1\narea.moon,5\n", "r.csv");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == ErrorCode::plan_input);
  CHECK(unknown.error().message.find("r.csv:3") != std::string::npos);
  auto notint = parse_rules("key,value\nversion,1\nsector.export,ten\n", "r.csv");
  REQUIRE_FALSE(notint.ok());
  CHECK(notint.error().message.find("'ten'") != std::string::npos);
  auto noversion = parse_rules("key,value\nsector.export,1\n", "r.csv");
  REQUIRE_FALSE(noversion.ok());
  CHECK(noversion.error().code == ErrorCode::plan_input);
  auto badtie = parse_rules("key,value\nversion,1\ntiebreak,luck\n", "r.csv");
  REQUIRE_FALSE(badtie.ok());
  auto header = parse_rules("a,b\n", "r.csv");
  REQUIRE_FALSE(header.ok());

  std::map<std::string, double> b;
  CHECK(add_budget(b, "provincial=1200.5").ok());
  CHECK(b["provincial"] == 1200.5);
  for (const char* bad : {"provincial=1", "moon=5", "national", "national=-1", "national=abc", "other=1e3"}) {
    CAPTURE(bad);
    auto st = add_budget(b, bad);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == ErrorCode::plan_input);
  }
  // Each refusal says what is wrong with the amount, not one message for all.
  const std::pair<const char*, const char*> says[] = {
      {"national=-1", "cannot be negative"},
      {"national=5000000000000", "too large"},
      {"national=0.0001", "more than three decimals"},
      {"national=abc", "must be a number"}};
  for (const auto& [arg, why] : says) {
    CAPTURE(arg);
    std::map<std::string, double> fresh;
    auto st = add_budget(fresh, arg);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find(why) != std::string::npos);
    CHECK(fresh.empty());
  }
  std::map<std::string, double> fine;
  CHECK(add_budget(fine, "national=0.001").ok());
  CHECK(add_budget(fine, "other=1000000000000").ok());
}

TEST_CASE("office plan: the shipped rules table and commune table load") {
  auto rules = shipped_rules();
  CHECK(rules->points.size() == criterion_keys().size());
  std::ifstream c(std::string(KHAOSAT_SOURCE_DIR) + "/forms/communes.csv");
  std::stringstream cs;
  cs << c.rdbuf();
  auto communes = parse_communes(cs.str(), "communes.csv");
  REQUIRE(communes.ok());
  CHECK(communes->size() == 38);
  CHECK(communes->at("muong_kim").difficult);
  CHECK_FALSE(communes->at("than_uyen").difficult);
  // No source lists Lai Châu's highland or ethnic-minority-area communes after 1/7/2025, nor a
  // poor district (30a) (domain.md): unknown, not "yes".
  for (const auto& [name, c] : *communes) {
    CAPTURE(name);
    CHECK_FALSE(c.highland);
    CHECK(c.is_unknown("highland"));
    CHECK_FALSE(c.ethnic_minority);
    CHECK(c.is_unknown("ethnic_minority"));
    CHECK_FALSE(c.poor_30a);
    CHECK(c.is_unknown("poor_30a"));
  }
  // Every area criterion of TT 46/2012 Art. 2 has points in the shipped rules, in its order.
  CHECK(rules->points.at("area.highland_border") > rules->points.at("area.poor_30a"));
  CHECK(rules->points.at("area.poor_30a") > rules->points.at("area.ntm"));
  CHECK(rules->points.at("area.ntm") > rules->points.at("area.difficult"));
}

TEST_CASE("office plan: the shipped weights keep TT 46/2012's order, and weights that break it are named") {
  auto shipped = shipped_rules();
  CHECK(order_warnings(*shipped).empty());
  // The order itself, on needs: one sector criterion beats the most counterpart and the first
  // own rank; the lowest area beats every sector criterion and all below; support received
  // only separates needs equal on everything else.
  std::map<std::string, Commune> c = communes();
  Need sector = need("sector#1", 10);
  sector.export_contract = true;
  sector.support_received = true;
  Need lower = need("lower#1", 10);
  lower.counterpart = 95;  // 90 %+
  lower.own_rank = 1;
  Need area = need("area#1", 10, "provincial", "dif");
  area.support_received = true;
  Need all = need("all#1", 10);
  all.export_contract = all.ocop_3star = all.outstanding = true;
  all.workers = 80;
  all.local_material_pct = 90;
  all.counterpart = 95;
  all.own_rank = 1;
  Plan p = make_plan(2027, {sector, lower, area, all}, *shipped, {{"provincial", 1000}}, {}, &c);
  std::vector<std::string> order;
  for (const auto& x : p.needs) order.push_back(x.need.id);
  CHECK(order == std::vector<std::string>{"area#1", "all#1", "sector#1", "lower#1"});

  // The old proposal (10 per sector criterion, 2 per 10 % counterpart): sector no longer first.
  Rules r = rules();  // sector 10, counterpart 2 (up to 18) + own rank 6 + support 5 = 29
  auto w = order_warnings(r);
  auto has = [&](const std::string& line) { return std::find(w.begin(), w.end(), line) != w.end(); };
  CHECK(w.size() == 7);  // own rank's step, counterpart, the five sector criteria
  CHECK(has("'own_rank.step' (2) does not outweigh support_received (5)"));
  CHECK(has("'counterpart.per_10pct' (2) does not outweigh own rank and support received together (up to 11)"));
  CHECK(has("'sector.local_materials' (10) does not outweigh counterpart, own rank and support received together (up to 29)"));
  r.points["sector.local_materials"] = 0;  // switched off: not warned about
  r.points["area.ntm"] = 250;              // 300 - 250 <= 40 + 29
  w = order_warnings(r);
  CHECK(w.size() == 7);
  CHECK_FALSE(has("'sector.local_materials' (0) does not outweigh counterpart, own rank and support received together (up to 29)"));
  CHECK(has("'area.highland_border' (300) does not outweigh 'area.ntm' plus every sector and lower criterion together (up to 319)"));
}

TEST_CASE("office plan: needs are read from forms A, B and C") {
  const char* c_xml =
      "<data id=\"lc_coop_needs\"><reg_date>2026-11-02</reg_date><c1><coop_name>HTX Chè</coop_name>"
      "<commune>muong_kim</commune><workers_total>55</workers_total><local_material_pct>70</local_material_pct>"
      "<export_contract>no</export_contract><ocop_products><ocop_stars>4</ocop_stars></ocop_products></c1>"
      "<c2><needs><rank>2</rank><support_type>machinery</support_type><amount_requested>120</amount_requested>"
      "<counterpart>80</counterpart><funding_source>provincial</funding_source><other_state_funding>no</other_state_funding>"
      "</needs><needs><rank>1</rank><support_type>fair_domestic</support_type><amount_requested>20</amount_requested>"
      "<counterpart>0</counterpart><funding_source>national</funding_source><other_state_funding>yes</other_state_funding>"
      "</needs></c2></data>";
  auto r = read_needs("lc_coop_needs", "uuid:c1", c_xml);
  REQUIRE(r.ok());
  CHECK(r->year == 2026);
  REQUIRE(r->needs.size() == 2);
  const Need& n = r->needs[0];
  CHECK(n.id == "uuid:c1#1");
  CHECK(n.form == "C");
  CHECK(n.applicant == "HTX Chè");
  CHECK(n.commune == "muong_kim");
  CHECK(n.amount == 120);
  CHECK(n.counterpart == 80);
  CHECK(n.own_rank == 2);
  CHECK(n.source == "provincial");
  CHECK(*n.workers == 55);
  CHECK(n.ocop_3star);
  CHECK(n.ineligible.empty());
  CHECK(r->needs[1].duplicate_funded);
  CHECK_FALSE(r->needs[1].ineligible.empty());

  const char* a_xml =
      "<data><survey_date>2027-01-05</survey_date><a0><commune>khoen_on</commune></a0><a1><est_name>Cơ sở Mây</est_name></a1>"
      "<a6><outstanding_level>province</outstanding_level></a6><a7><support_received>yes</support_received>"
      "<needs><need_type>other</need_type><need_rank>1</need_rank><amount_requested>10</amount_requested>"
      "<need_counterpart>5</need_counterpart><funding_source>provincial</funding_source><need_other_state>no</need_other_state>"
      "</needs></a7></data>";
  auto a = read_needs("lc_establishment", "uuid:a1", a_xml);
  REQUIRE(a.ok());
  CHECK(a->year == 2027);
  REQUIRE(a->needs.size() == 1);
  CHECK(a->needs[0].outstanding);
  CHECK(a->needs[0].support_received);
  CHECK_FALSE(a->needs[0].ineligible.empty());  // 'other' is not an Art. 4 activity for khuyến công funds

  // A need without a known funding source cannot be placed under a budget: listed apart.
  const char* b_xml =
      "<data><survey_date>2027-03-01</survey_date><b1><commune>pa_tan</commune><village>Bản 1</village>"
      "<craft_name>Dệt</craft_name></b1><b5><needs><need_type>training</need_type><amount_requested>10</amount_requested>"
      "<funding_source></funding_source><need_other_state>no</need_other_state></needs></b5></data>";
  auto b = read_needs("lc_craft_village", "uuid:b1", b_xml);
  REQUIRE(b.ok());
  REQUIRE(b->needs.size() == 1);
  CHECK(b->needs[0].applicant == "Dệt – Bản 1");
  CHECK_FALSE(b->needs[0].ineligible.empty());

  CHECK(read_needs("some_form", "x", "<not xml").ok());
  auto bad = read_needs("lc_craft_village", "uuid:b", "<not xml");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::plan_input);
}

TEST_CASE("office plan: an OCOP certificate or outstanding-product title counts only while valid on the survey date") {
  auto c_needs = [](const std::string& date, const std::string& products) {
    std::string xml = "<data id=\"lc_coop_needs\"><reg_date>" + date + "</reg_date><c1><commune>x</commune>" + products +
                      "</c1><c2><needs><support_type>training</support_type><funding_source>provincial</funding_source>"
                      "<amount_requested>10</amount_requested></needs></c2></data>";
    auto r = read_needs("lc_coop_needs", "uuid:c", xml);
    REQUIRE(r.ok());
    REQUIRE(r->needs.size() == 1);
    return r->needs[0];
  };
  auto product = [](const char* stars, const char* decided) {
    return std::string("<ocop_products><ocop_stars>") + stars + "</ocop_stars><ocop_cert_date>" + decided +
           "</ocop_cert_date></ocop_products>";
  };
  // 36 months from the decision: 2023-11-02 holds until 2026-11-01.
  CHECK(c_needs("2026-11-01", product("4", "2023-11-02")).ocop_3star);
  CHECK_FALSE(c_needs("2026-11-02", product("4", "2023-11-02")).ocop_3star);
  CHECK(c_needs("2026-11-02", product("4", "2023-11-02") + product("3", "2025-01-01")).ocop_3star);
  CHECK_FALSE(c_needs("2026-11-02", product("2", "2025-01-01")).ocop_3star);
  CHECK(c_needs("2026-11-02", product("5", "")).ocop_3star);  // no decision date: not known to have expired
  CHECK(c_needs("", product("5", "2010-01-01")).ocop_3star);  // no survey date: the same

  auto a_needs = [](const std::string& date, const std::string& year) {
    std::string xml = "<data><survey_date>" + date + "</survey_date><a0><commune>x</commune></a0><a6><outstanding_level>"
                      "province</outstanding_level><outstanding_year>" + year + "</outstanding_year></a6><a7><needs>"
                      "<need_type>training</need_type><funding_source>provincial</funding_source>"
                      "<amount_requested>10</amount_requested></needs></a7></data>";
    auto r = read_needs("lc_establishment", "uuid:a", xml);
    REQUIRE(r.ok());
    REQUIRE(r->needs.size() == 1);
    return r->needs[0];
  };
  // Until 31 December of the third year, the year of recognition being the first.
  CHECK(a_needs("2026-12-31", "2024").outstanding);
  CHECK_FALSE(a_needs("2027-01-01", "2024").outstanding);
  CHECK(a_needs("2027-01-01", "").outstanding);
}

TEST_CASE("office plan: the JSON parses, escapes text and replaces bytes that are not UTF-8") {
  Need n = need("s#1", 12.5);
  n.applicant = std::string("HTX \"Chè\" \\ a\x01b\xff") + "ế";
  n.counterpart = 2.25;
  Plan p = make_plan(2027, {n, need("t#1", 1, "national")}, rules(), {{"provincial", 100}}, {
      Override{"s#1", "pin", "lũ \"2026\"", "Lan", 7}});
  auto j = nlohmann::json::parse(plan_json(p));
  CHECK(j["year"] == 2027);
  CHECK(j["rules_version"] == "t-1");
  REQUIRE(j["sources"].size() == 1);
  CHECK(j["sources"][0]["budget"] == 100);
  CHECK(j["sources"][0]["funded_total"] == 12.5);
  REQUIRE(j["needs"].size() == 2);
  CHECK(j["needs"][0]["id"] == "t#1");  // national comes before provincial
  const auto& x = j["needs"][1];
  CHECK(x["id"] == "s#1");
  CHECK(x["applicant"] == std::string("HTX \"Chè\" \\ a\x01b\xEF\xBF\xBD") + "ế");
  CHECK(x["amount"] == 12.5);
  CHECK(x["counterpart"] == 2.25);
  CHECK(x["funded"] == true);
  CHECK(x["eligible"] == true);
  CHECK(x["explanation"].is_array());
  REQUIRE(x.contains("override"));
  CHECK(x["override"]["reason"] == "lũ \"2026\"");
  CHECK(x["override"]["at"] == 7);
  CHECK(j["needs"][0]["funded"] == false);
  CHECK(j["needs"][0]["decision"].get<std::string>().find("no budget") != std::string::npos);
}

TEST_CASE("office plan: an unknown area attribute is not scored as no, and the explanation says so") {
  std::map<std::string, Commune> c = communes();
  // Highland and border unknown, difficult known: the difficult points, and a note that the
  // higher area priority could not be checked.
  c["unk"] = Commune{.name = "unk", .label_vi = "Xã Chưa Rõ", .difficult = true, .difficult_source = "src-d",
                     .unknown = {"highland", "border"}};
  // Nothing known at all: no area points, the note names every attribute.
  c["blank"] = Commune{.name = "blank", .label_vi = "Xã Trống",
                       .unknown = {"highland", "border", "ethnic_minority", "poor_30a", "ntm", "difficult"}};
  Rules r = rules();
  r.points["area.poor_30a"] = 250;
  Plan p = make_plan(2027, {need("u#1", 10, "provincial", "unk"), need("b#1", 10, "provincial", "blank"),
                            need("h#1", 10, "provincial", "hi")}, r, {{"provincial", 100}}, {}, &c);
  auto find = [&](const std::string& id) -> const PlannedNeed& {
    return *std::find_if(p.needs.begin(), p.needs.end(), [&](const PlannedNeed& x) { return x.need.id == id; });
  };
  auto unknown_note = [](const PlannedNeed& x) -> std::string {
    for (const Points& e : x.explanation)
      if (e.criterion == kAreaUnknown) return e.why.vi + " | " + e.why.en;
    return "";
  };
  const PlannedNeed& u = find("u#1");
  CHECK(u.area == 100);
  CHECK(unknown_note(u).find("chưa rõ vùng cao, biên giới (") != std::string::npos);
  CHECK(unknown_note(u).find(": highland, border unknown") != std::string::npos);
  CHECK(unknown_note(u).find("NTM") == std::string::npos);  // ntm is known (no)
  const PlannedNeed& b = find("b#1");
  CHECK(b.area == 0);
  CHECK(unknown_note(b).find("chưa rõ vùng cao, biên giới, vùng đồng bào DTTS, huyện nghèo (NQ 30a), NTM, đặc biệt khó khăn (") !=
        std::string::npos);
  CHECK(unknown_note(b).find(": highland, border, ethnic-minority area, poor district (Resolution 30a), new-rural, "
                             "difficult unknown") != std::string::npos);
  CHECK(unknown_note(find("h#1")).empty());  // the highest area criterion applied: nothing unknown above it
  for (const PlannedNeed& x : p.needs) {
    std::int64_t sum = 0;
    for (const Points& e : x.explanation) sum += e.points;
    CHECK(sum == x.score);
  }
  CHECK(plan_json(p).find("\"area.unknown\"") != std::string::npos);
}

TEST_CASE("office plan: the commune table reads yes, no, unknown and blank, and refuses anything else") {
  auto t = parse_communes("name,label_vi,highland,border,ntm,difficult,ethnic_minority,ethnic_minority_source,poor_30a\n"
                          "a,Xã A,yes,no,unknown,,yes,QĐ X,no\n", "c.csv");
  REQUIRE(t.ok());
  const Commune& a = t->at("a");
  CHECK(a.highland);
  CHECK_FALSE(a.border);
  CHECK_FALSE(a.is_unknown("border"));
  CHECK(a.is_unknown("ntm"));
  CHECK(a.is_unknown("difficult"));
  CHECK(a.ethnic_minority);
  CHECK(a.ethnic_minority_source == "QĐ X");
  CHECK_FALSE(a.poor_30a);
  CHECK_FALSE(a.is_unknown("poor_30a"));
  // A table without the newer columns: those attributes are unknown, not "no".
  auto old = parse_communes("name,label_vi,highland\na,Xã A,no\n", "c.csv");
  REQUIRE(old.ok());
  CHECK(old->at("a").is_unknown("ethnic_minority"));
  CHECK(old->at("a").is_unknown("poor_30a"));
  auto bad30a = parse_communes("name,label_vi,poor_30a\na,Xã A,có\n", "c.csv");
  REQUIRE_FALSE(bad30a.ok());
  CHECK(bad30a.error().message.find("poor_30a") != std::string::npos);
  auto bad = parse_communes("name,label_vi,highland\na,Xã A,yes\nb,Xã B,có\n", "c.csv");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::plan_input);
  CHECK(bad.error().message.find("c.csv:3") != std::string::npos);
  CHECK(bad.error().message.find("highland") != std::string::npos);
}

TEST_CASE("office plan: each explanation line and decision in Vietnamese, in English and joined") {
  Rules r = rules();
  r.label_vi["area.highland_border"] = "Địa bàn vùng cao, biên giới";
  r.label_en["area.highland_border"] = "Highland or border area";
  r.label_vi["own_rank.first"] = "Thứ tự ưu tiên của đơn vị";  // no English label: the Vietnamese one
  std::map<std::string, Commune> c = communes();
  Need n = need("s#1", 10, "provincial", "hi");
  n.own_rank = 1;
  Need dup = need("d#1", 5);
  dup.ineligible = {"đã có nguồn khác", "other funding"};
  Need other = need("o#1", 1);
  other.activity = "not_in_forms";
  Plan p = make_plan(2027, {n, dup, other}, r, {{"provincial", 100}}, {}, &c);
  const PlannedNeed& x = find(p, "s#1");
  REQUIRE(x.explanation.size() == 2);
  CHECK(x.explanation[0].why.vi == "Địa bàn vùng cao, biên giới: Xã Cao: vùng cao (src-h)");
  CHECK(x.explanation[0].why.en == "Highland or border area: Xã Cao: highland (src-h)");
  CHECK(x.explanation[0].why.joined() == x.explanation[0].why.vi + " / " + x.explanation[0].why.en);
  CHECK(x.explanation[1].why.vi == "Thứ tự ưu tiên của đơn vị: xếp thứ 1");
  CHECK(x.explanation[1].why.en == "Thứ tự ưu tiên của đơn vị: ranked 1");
  CHECK(x.decision.vi == "trong ngân sách theo thứ tự");
  CHECK(x.decision.en == "fits the budget in rank order");
  CHECK(find(p, "d#1").decision.en == "ineligible: other funding");
  CHECK(Text{"12 %", "12 %"}.joined() == "12 %");
  CHECK(Text{"", "only en"}.joined() == "only en");

  // JSON: the joined texts under their old keys, each language beside them; the activity's
  // labels where the forms give them, else its code.
  p.activity_labels["machinery"] = {"Máy móc, thiết bị", "Machinery"};
  auto j = nlohmann::json::parse(plan_json(p));
  const nlohmann::json* s = nullptr;
  const nlohmann::json* o = nullptr;
  for (const auto& e : j["needs"]) {
    if (e["id"] == "s#1") s = &e;
    if (e["id"] == "o#1") o = &e;
  }
  REQUIRE(s);
  REQUIRE(o);
  CHECK((*s)["activity"] == "machinery");
  CHECK((*s)["activity_vi"] == "Máy móc, thiết bị");
  CHECK((*s)["activity_en"] == "Machinery");
  CHECK((*s)["decision"] == "trong ngân sách theo thứ tự / fits the budget in rank order");
  CHECK((*s)["decision_en"] == "fits the budget in rank order");
  CHECK((*s)["explanation"][0]["why"] == x.explanation[0].why.joined());
  CHECK((*s)["explanation"][0]["why_vi"] == x.explanation[0].why.vi);
  CHECK((*s)["explanation"][0]["why_en"] == x.explanation[0].why.en);
  CHECK((*o)["activity_vi"] == "not_in_forms");
  CHECK((*o)["activity_en"] == "not_in_forms");
}
