// The annual plan from the server's storage (docs/office.md, "The plan"), as `khaosat-server
// plan` and POST /v1/office/plan make it: the needs of the year's approved current submissions
// of forms A, B and C, the office's overrides, and the rules and communes tables, handed to
// office::make_plan. Reads the storage only; thread-safe as the storage is.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "khaosat/office/plan.hpp"
#include "khaosat/sync/server_storage.hpp"

namespace khaosat::sync {

// The tables a plan is scored with: the rules (forms/plan_rules.csv or the office's copy) and
// the communes' area attributes (forms/communes.csv).
struct PlanTables {
  office::Rules rules;
  std::map<std::string, office::Commune> communes;
};

// Reads and parses both tables (plan.input naming the file and line of a bad one).
Result<PlanTables> read_plan_tables(const std::string& rules_path, const std::string& communes_path);

// Every need of the year's approved submissions of forms A, B and C (not those an edit
// replaced), within `scope` (a need's commune; nullptr: the whole province), in the storage's order.
Result<std::vector<office::Need>> approved_needs(ServerStorage& storage, int year, const Scope* scope = nullptr);

// Every override stored (khaosat-server plan-override, POST /v1/office/plan/override), in order.
Result<std::vector<office::Override>> plan_overrides(ServerStorage& storage);

// The support activities' labels from the newest published version of forms A, B and C
// (office::activity_labels).
Result<std::map<std::string, office::Text>> activity_labels(ServerStorage& storage);

// The plan of `year` within `budget` (source -> million VND) over approved_needs and every stored
// override, with the activities' labels. `lap`, when given, is called after each phase with its
// name: "read" (needs, overrides, labels) and "rank" (make_plan); khaosat-server plan times them.
Result<office::Plan> plan_from_storage(ServerStorage& storage, int year, const std::map<std::string, double>& budget,
                                       const PlanTables& tables, const Scope* scope = nullptr,
                                       const std::function<void(const char* phase)>& lap = {});

// An override as `khaosat-server plan-override` and POST /v1/office/plan/override take it:
// plan.input when the need id is not INSTANCE_ID#N (as the plan shows it), the action is not
// pin or exclude, or the reason is blank (the plan shows it).
Result<PlanOverride> plan_override_of(const std::string& need_id, const std::string& action, const std::string& reason,
                                      const std::string& by, std::int64_t at);

}  // namespace khaosat::sync
