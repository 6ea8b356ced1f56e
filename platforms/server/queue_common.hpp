// What `queue` (queue_command.cpp) and its actions (queue_actions.cpp) share: the conflict ids
// the office sees (r<N> for a registry conflict, s<N> for a submission conflict), every registry
// record, and the distinct marks of the decisions' trail. The first two are the sync library's
// (khaosat/sync/queue_actions.hpp), which the office endpoints share.
#pragma once

#include <string>
#include <vector>

#include "khaosat/office/duplicates.hpp"
#include "khaosat/sync/queue_actions.hpp"
#include "khaosat/sync/server_storage.hpp"

namespace khaosat::server_cli {

using sync::registry_conflict_id;
using sync::submission_conflict_id;

// The records of the three registries (merged ones too, marked).
inline core::Result<std::vector<core::PulledRecord>> all_records(sync::ServerStorage& s) {
  return sync::all_registry_records(s);
}

inline std::vector<office::DistinctMark> distinct_marks(const std::vector<sync::QueueDecision>& decisions) {
  std::vector<office::DistinctMark> out;
  for (const auto& d : decisions)
    if (d.kind == "distinct") out.push_back({d.choice, d.value, d.records});
  return out;
}

}  // namespace khaosat::server_cli
