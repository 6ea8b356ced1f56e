// The office's queue decisions as `khaosat-server queue merge|distinct|resolve` and the office
// endpoints POST /v1/office/queue/merge|distinct|resolve make them (docs/office.md "The queue";
// docs/sync-protocol.md "Office"): what the office asked for, read into QueueDecision values for
// ServerStorage::record_decision, with the same checks and messages for both. `by`, `reason` and
// `at` are left to the caller. Pure functions (the caller reads the storage); thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "khaosat/sync/server_storage.hpp"

namespace khaosat::sync {

// The conflict ids the office sees: r<N> for a registry conflict, s<N> for a submission conflict.
std::string registry_conflict_id(std::int64_t id);
std::string submission_conflict_id(std::int64_t id);

// The records of the three registries (merged ones too, marked).
Result<std::vector<core::PulledRecord>> all_registry_records(ServerStorage& storage);

// Merges registry record `merged` into `keep` (record_decision checks the records).
QueueDecision merge_decision(const std::string& keep, const std::string& merged);

// The records `ids` judged distinct: one decision for each possible-duplicate group of `records`
// that holds them all (its match as choice, its key as value). sync.not_found for an id not
// among `records`; sync.request when they share no match, or when every such group was judged
// distinct already (by a decision of `trail`).
Result<std::vector<QueueDecision>> distinct_decisions(const std::vector<core::PulledRecord>& records,
                                                      const std::vector<std::string>& ids,
                                                      const std::vector<QueueDecision>& trail);

// Resolves conflict `conflict` (r<N> or s<N>) keeping `keep` ("kept" or "other" for a registry
// conflict, "stored" or "other" for a submission conflict), or writing `value` (a registry
// conflict only). sync.request naming what is wrong; whether the conflict exists and is open is
// record_decision's to check.
Result<QueueDecision> resolve_decision(const std::string& conflict, const std::string& keep,
                                       const std::optional<std::string>& value);

}  // namespace khaosat::sync
