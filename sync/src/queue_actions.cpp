// The office's queue decisions (queue_actions.hpp).
#include "khaosat/sync/queue_actions.hpp"

#include <algorithm>

#include "khaosat/core/parse_number.hpp"
#include "khaosat/office/duplicates.hpp"

namespace khaosat::sync {

std::string registry_conflict_id(std::int64_t id) { return "r" + std::to_string(id); }
std::string submission_conflict_id(std::int64_t id) { return "s" + std::to_string(id); }

Result<std::vector<core::PulledRecord>> all_registry_records(ServerStorage& storage) {
  std::vector<core::PulledRecord> out;
  for (core::Registry r : {core::Registry::Establishment, core::Registry::Cooperative, core::Registry::CraftVillage}) {
    auto got = storage.registry(r);
    if (!got) return got.error();
    for (auto& x : *got) out.push_back(std::move(x.record));
  }
  return out;
}

QueueDecision merge_decision(const std::string& keep, const std::string& merged) {
  QueueDecision d;
  d.kind = "merge";
  d.records = {keep, merged};
  return d;
}

Result<std::vector<QueueDecision>> distinct_decisions(const std::vector<core::PulledRecord>& records,
                                                      const std::vector<std::string>& ids,
                                                      const std::vector<QueueDecision>& trail) {
  for (const auto& id : ids)
    if (std::none_of(records.begin(), records.end(), [&](const auto& r) { return r.record_id == id; }))
      return Error::make(ErrorCode::sync_not_found, "no registry record '" + id.substr(0, 100) + "'");
  std::vector<office::DistinctMark> marks;
  for (const auto& d : trail)
    if (d.kind == "distinct") marks.push_back({d.choice, d.value, d.records});
  std::vector<QueueDecision> out;
  bool matched = false;
  for (auto& g : office::possible_duplicates(records)) {
    if (!std::all_of(ids.begin(), ids.end(), [&](const std::string& id) {
          return std::find(g.record_ids.begin(), g.record_ids.end(), id) != g.record_ids.end();
        }))
      continue;
    matched = true;
    if (office::judged_distinct(g, marks)) continue;
    QueueDecision d;
    d.kind = "distinct";
    d.records = ids;
    d.choice = g.reason;
    d.value = g.key;
    out.push_back(std::move(d));
  }
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id.substr(0, 100);
  if (!matched)
    return Error::make(ErrorCode::sync_request, "records " + list + " are not a possible duplicate: they share no folded "
                                                "name+commune, tax code or phone (merged records take no part)");
  if (out.empty()) return Error::make(ErrorCode::sync_request, "records " + list + " were judged distinct already");
  return out;
}

Result<QueueDecision> resolve_decision(const std::string& conflict, const std::string& keep,
                                       const std::optional<std::string>& value) {
  auto n = conflict.size() > 1 ? core::parse_int64(conflict.substr(1)) : std::nullopt;
  if (!n || *n <= 0 || (conflict[0] != 'r' && conflict[0] != 's'))
    return Error::make(ErrorCode::sync_request, "'" + conflict.substr(0, 40) +
                                                    "' is not a conflict id: r<N> (registry) or s<N> (submission), "
                                                    "as the queue names them");
  if (keep.empty() == !value.has_value())
    return Error::make(ErrorCode::sync_request, "a conflict is resolved by keeping one version or by a value (one of them)");
  QueueDecision d;
  d.conflict_id = *n;
  if (conflict[0] == 'r') {
    d.kind = "registry_conflict";
    if (value) {
      d.choice = "value";
      d.value = *value;
    } else if (keep == "kept" || keep == "other") {
      d.choice = keep;
    } else {
      return Error::make(ErrorCode::sync_request, "a registry conflict keeps 'kept' or 'other' (or takes a value), not '" +
                                                      keep.substr(0, 40) + "'");
    }
  } else {
    d.kind = "submission_conflict";
    if (value) return Error::make(ErrorCode::sync_request, "a submission conflict keeps 'stored' or 'other', not a value");
    if (keep != "stored" && keep != "other")
      return Error::make(ErrorCode::sync_request,
                         "a submission conflict keeps 'stored' or 'other', not '" + keep.substr(0, 40) + "'");
    d.choice = keep;
  }
  return d;
}

}  // namespace khaosat::sync
