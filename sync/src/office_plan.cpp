// The plan from the server's storage (office_plan.hpp).
#include "khaosat/sync/office_plan.hpp"

#include <set>

#include "khaosat/core/env.hpp"

namespace khaosat::sync {

namespace {
constexpr std::size_t kMaxTableBytes = 16u << 20;  // as khaosat-server plan
}

Result<PlanTables> read_plan_tables(const std::string& rules_path, const std::string& communes_path) {
  core::Env& env = core::Env::default_env();
  auto rules_text = env.read_file(rules_path, kMaxTableBytes);
  if (!rules_text) return Error::make(ErrorCode::plan_input, rules_text.error().message);
  auto rules = office::parse_rules(*rules_text, rules_path);
  if (!rules) return rules.error();
  auto communes_text = env.read_file(communes_path, kMaxTableBytes);
  if (!communes_text) return communes_text.error();
  auto communes = office::parse_communes(*communes_text, communes_path);
  if (!communes) return communes.error();
  return PlanTables{std::move(rules).value(), std::move(communes).value()};
}

Result<std::vector<office::Need>> approved_needs(ServerStorage& storage, int year, const Scope* scope) {
  auto reviews = storage.reviews();
  if (!reviews) return reviews.error();
  std::map<std::string, std::string> state;
  for (const auto& r : *reviews) state[r.instance_id] = r.state;
  std::vector<office::Need> out;
  std::vector<std::vector<StoredSubmission>> forms;
  std::set<std::string> replaced;  // an edited submission names the one it replaces (deprecatedID)
  for (const char* form : {"lc_establishment", "lc_craft_village", "lc_coop_needs"}) {
    auto subs = storage.submissions(form);
    if (!subs) return subs.error();
    for (const auto& s : *subs)
      if (s.deprecated_id) replaced.insert(*s.deprecated_id);
    forms.push_back(std::move(subs).value());
  }
  for (const auto& subs : forms) {
    for (const auto& s : subs) {
      if (replaced.count(s.instance_id)) continue;
      auto it = state.find(s.instance_id);
      if (it == state.end() || it->second != "approved") continue;
      auto needs = office::read_needs(s.form_id, s.instance_id, s.xml);
      if (!needs) return needs.error();
      if (needs->year != year) continue;
      for (auto& n : needs->needs)
        if (!scope || scope->allows(n.commune)) out.push_back(std::move(n));
    }
  }
  return out;
}

Result<std::map<std::string, office::Text>> activity_labels(ServerStorage& storage) {
  auto forms = storage.list_forms();  // by form id, then the order of publication
  if (!forms) return forms.error();
  std::map<std::string, std::string> newest;  // form id -> version
  for (const auto& f : *forms)
    if (f.form_id == "lc_establishment" || f.form_id == "lc_craft_village" || f.form_id == "lc_coop_needs")
      newest[f.form_id] = f.version;
  std::map<std::string, std::string> xforms;
  for (const auto& [form_id, version] : newest) {
    auto form = storage.published_form(form_id, version);
    if (!form) return form.error();
    if (*form) xforms[form_id] = std::move((*form)->form.bytes);
  }
  return office::activity_labels(xforms);
}

Result<office::Plan> plan_from_storage(ServerStorage& storage, int year, const std::map<std::string, double>& budget,
                                       const PlanTables& tables, const Scope* scope,
                                       const std::function<void(const char* phase)>& lap) {
  auto needs = approved_needs(storage, year, scope);
  if (!needs) return needs.error();
  auto overrides = plan_overrides(storage);
  if (!overrides) return overrides.error();
  auto labels = activity_labels(storage);
  if (!labels) return labels.error();
  if (lap) lap("read");
  office::Plan plan = office::make_plan(year, *needs, tables.rules, budget, *overrides, &tables.communes);
  plan.activity_labels = std::move(labels).value();
  if (lap) lap("rank");
  return plan;
}

Result<std::vector<office::Override>> plan_overrides(ServerStorage& storage) {
  auto stored = storage.plan_overrides();
  if (!stored) return stored.error();
  std::vector<office::Override> out;
  for (const auto& o : *stored) out.push_back({o.need_id, o.action, o.reason, o.by, o.at});
  return out;
}

Result<PlanOverride> plan_override_of(const std::string& need_id, const std::string& action, const std::string& reason,
                                      const std::string& by, std::int64_t at) {
  auto bad = [](std::string m) { return Error::make(ErrorCode::plan_input, std::move(m)); };
  if (need_id.find('#') == std::string::npos || need_id.size() > 200)
    return bad("a need id is INSTANCE_ID#N (as the plan shows it), not '" + need_id.substr(0, 200) + "'");
  if (action != "pin" && action != "exclude") return bad("an override is pin or exclude, not '" + action.substr(0, 40) + "'");
  if (reason.find_first_not_of(" \t\r\n") == std::string::npos) return bad("a reason is required (it is shown in the plan)");
  if (reason.size() > 4000) return bad("a reason is at most 4,000 bytes");
  return PlanOverride{need_id, action, reason, by, at};
}

}  // namespace khaosat::sync
