// What `queue` (queue_command.cpp) and its actions (queue_actions.cpp) share: the conflict ids
// the office sees (r<N> for a registry conflict, s<N> for a submission conflict), every registry
// record, and the distinct marks of the decisions' trail.
#pragma once

#include <string>
#include <vector>

#include "khaosat/office/duplicates.hpp"
#include "khaosat/sync/server_storage.hpp"

namespace khaosat::server_cli {

inline std::string registry_conflict_id(std::int64_t id) { return "r" + std::to_string(id); }
inline std::string submission_conflict_id(std::int64_t id) { return "s" + std::to_string(id); }

// The records of the three registries (merged ones too, marked).
inline core::Result<std::vector<core::PulledRecord>> all_records(sync::ServerStorage& s) {
  std::vector<core::PulledRecord> out;
  for (core::Registry r : {core::Registry::Establishment, core::Registry::Cooperative, core::Registry::CraftVillage}) {
    auto got = s.registry(r);
    if (!got) return got.error();
    for (auto& x : *got) out.push_back(std::move(x.record));
  }
  return out;
}

inline std::vector<office::DistinctMark> distinct_marks(const std::vector<sync::QueueDecision>& decisions) {
  std::vector<office::DistinctMark> out;
  for (const auto& d : decisions)
    if (d.kind == "distinct") out.push_back({d.choice, d.value, d.records});
  return out;
}

}  // namespace khaosat::server_cli
