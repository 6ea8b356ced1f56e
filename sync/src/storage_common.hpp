// What the ServerStorage implementations (sqlite_storage*.cpp, pg_storage*.cpp) share: the JSON
// forms of ledger results and registry properties, the registry merge, pull cursors, decoding a
// change log entry, and the attachment files (partial copy, hash check, rename) in the data
// folder. Pure functions and file operations; thread-safe as far as the files are (the callers
// serialise work on one attachment).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "khaosat/core/json.hpp"
#include "khaosat/sync/server_storage.hpp"

namespace khaosat::sync {

using core::Error;
using core::ErrorCode;

inline RecordResult verdict(std::int64_t seq, RecordStatus s, std::string reason = "") {
  RecordResult r;
  r.seq = seq;
  r.status = s;
  r.reason = std::move(reason);
  return r;
}

// push's checks under its lock, given the device's last applied sequence `last`: a gap; or, when
// part of the batch is new, `checked` not starting right after `last` (the caller read another
// `last`: a push of the same device committed meanwhile). Both sync.sequence.
core::Status check_sequence(const std::string& device_id, const PushBatch& batch,
                            const std::vector<CheckedRecord>& checked, std::int64_t last);
// Judges each record in order: rejected with its precheck reason, or `apply`'s verdict. Fills
// `accepted_shas` with the attachments of the accepted records (sorted, each once).
Result<std::vector<RecordResult>> apply_records(const std::vector<CheckedRecord>& checked,
                                                const std::function<Result<RecordResult>(const CheckedRecord&)>& apply,
                                                std::vector<std::string>& accepted_shas);

// The ledger's `results`: a JSON array of {seq, status, reason?}.
nlohmann::json results_json(const std::vector<RecordResult>& rs);
// Appends the results in [from, to] of one ledger entry; false when it is unreadable.
bool append_results(const std::string& results_text, std::int64_t from, std::int64_t to,
                    std::vector<RecordResult>& out);

// Per property of a stored registry record, the device that pushed its value and HLC exactly as
// they are stored (not re-stamped, not derived by the server): that device holds them, so pull
// leaves them out of what it sends that device (docs/server-storage.md, "registry").
using PushedBy = std::map<std::string, std::string>;
// A registry record's `properties`: {key: {value, hlc}}, with the marks of `pushed`: `"pushed":
// true` when the device is the HLC's node (an edit made after enrollment), else `"pushed": "<device
// id>"` (an edit made before the device was enrolled, stamped with its local node).
nlohmann::json properties_json(const std::vector<std::pair<std::string, core::RegistryProperty>>& props,
                               const PushedBy& pushed = {});
// A property's mark in the JSON above.
nlohmann::json pushed_mark(const std::string& hlc, const std::string& device_id);
// Reads a record as stored; the keys marked pushed go to `pushed` when given.
core::PulledRecord record_from_columns(const std::string& record_id, const std::string& registry,
                                       const std::string& properties, const std::string& merged_into = "",
                                       PushedBy* pushed = nullptr);
// The pushed marks of `before` (its `pushed`) that still hold in `after`: the same value and
// HLC (the office's queue rewrites a record: what it did not change keeps its marks).
PushedBy still_pushed(const core::PulledRecord& before, const PushedBy& pushed,
                                   const core::PulledRecord& after);
// still_pushed against the record `storage` holds for r's id (no record: no marks). `Storage`
// is either backend (SqliteStorage, PgStorage: load_record(id, PushedBy*)).
template <class Storage>
Result<PushedBy> stored_pushed_marks(Storage& storage, const core::PulledRecord& r) {
  PushedBy pushed;
  auto stored = storage.load_record(r.record_id, &pushed);
  if (!stored) return stored.error();
  if (!*stored) return PushedBy();
  return still_pushed(**stored, pushed, r);
}
// A registry change as the change log stores it: change_json(r) with the pushed marks above
// (add_change reads them and leaves them out of the page).
nlohmann::json stored_change_json(const core::PulledRecord& r, const PushedBy& pushed);
// Leaves out of `r`, pulled by `device_id`, the properties that device pushed exactly as they
// are (`pushed`): it holds them already. When something else is left (a
// property, merged_into), `commune` stays too, so the pull's scope check reads the record's
// commune. False when nothing is left to send: the record is left out of the page.
bool leave_out_own(core::PulledRecord& r, const PushedBy& pushed, const std::string& device_id);
// Merges a pushed registry record into what is stored (per property, the greater HLC wins), or
// the reason it is rejected (the id belongs to another registry; the stored or the merged record
// is in a commune outside the pushing device's scope, `c.scope`).
struct Merged {
  core::PulledRecord record;
  std::string rejected;
  std::vector<RegistryConflict> conflicts;  // device_id and at left for the caller
  bool changed = false;  // a property was added, or got another value or version
  PushedBy pushed;  // the merged record's pushed marks (properties_json)
};
// Per property, the later HLC wins (HLCs carry the device id, so ties cannot happen). A
// property whose stored version is neither the edit's own nor the edit's base, with another
// value, was edited concurrently: a conflict.
// A derived edit (c.derived) records no conflict. `pushed`: the stored record's pushed marks;
// a property the merge takes from a record `device_id` pushed, as it sent it (not re-stamped:
// c.restamped), is marked as `device_id`'s; one it takes from a derived edit is not.
Merged merge_registry(std::optional<core::PulledRecord> existing, PushedBy pushed,
                      const CheckedRecord& c, const std::string& device_id);
// push's work for one submission: `apply` (the storage's own), then, when it was accepted (and
// not held: a waiting edit's derivation is merged at its release) and carries a derived entity
// edit, `merge` of that edit. The submission's verdict is the answer;
// the derived edit's own (a commune outside the scope) is not.
Result<RecordResult> apply_submission_and_entity(
    const CheckedRecord& c, const std::function<Result<RecordResult>(const CheckedRecord&)>& apply,
    const std::function<Result<RecordResult>(const CheckedRecord&)>& merge);
// A registry record's commune: its `commune` property ("" when it has none).
std::string commune_of(const core::PulledRecord& r);

// The office tables of schema 2 (reviews, plan_overrides, registry_conflicts; append-only),
// the same for both backends but the key column: `key` is "INTEGER PRIMARY KEY" (SQLite's
// rowid) or "BIGSERIAL PRIMARY KEY" (PostgreSQL).
std::string office_tables_sql(std::string_view key);
// sync.request for a review state or plan override action the tables' CHECKs would refuse.
Status check_review(const Review& r);
// The pull decision an office review logs for the device that sent the submission.
core::PulledDecision decision_of(const Review& r);
Status check_plan_override(const PlanOverride& o);

// The kill test's fault seam (tests/sync/sync_kill_test.sh): when the environment variable
// KHAOSAT_FAULT_PUSH_PAUSE_MS holds a number of milliseconds, push writes a line naming the batch
// to stderr and sleeps that long inside its transaction, before the commit, so a SIGKILL lands
// mid-ingest. Unset (everywhere but that test): nothing. Read once per process.
void fault_pause_in_push(const std::string& device_id, const PushBatch& batch);
// The same pause set by a test in its own process, silently, without the environment (which is
// read once per process): the PostgreSQL lock test holds each push open at its commit so that
// concurrent pushes overlap. 0 (the default) = none; thread-safe.
void set_push_pause_for_tests(std::chrono::milliseconds pause);

// A JSON array of strings (devices' communes), [] when unreadable.
std::vector<std::string> string_list(const std::string& json_text);

// Cursors: "v1.log.<seq>" (the change log after seq) or "v1.snap.<high>.<after>" (a snapshot
// taken when the log ended at <high>, registry records after the id <after>; "" = from the start).
struct Cursor {
  bool snapshot = true;
  std::int64_t seq = 0;
  std::string after;
  bool fresh = true;
};
std::optional<Cursor> parse_cursor(const std::string& c);
Error bad_cursor(const std::string& c);
// Adds a registry/decision change log entry's body to the page; `where` names the database.
// A registry change loses what `device_id` pushed itself (leave_out_own), or is left out whole.
core::Status add_change(const std::string& body, const std::string& where, PullAnswer& a,
                        const std::string& device_id = "");

// The data folder's files.
core::Status make_dir(const std::string& dir);
// Creates `dir`, dir/attachments and dir/attachments/partial.
core::Status make_data_dir(const std::string& dir);
// SHA-256 of a file's bytes (streamed), or an Error naming it.
Result<std::string> sha256_file(const std::string& path);
// Writes a chunk of attachment `n` (its state as stored) at `offset` to its partial copy under
// `dir`/attachments/partial; when it completes the file, hashes it and renames it into
// `dir`/attachments (complete) or deletes it (hash_mismatch, received 0). The caller stores the
// returned state, then answers sync.hash on a mismatch (hash_error()).
struct Chunk {
  AttachmentNeed state;
  bool hash_mismatch = false;
};
Result<Chunk> write_chunk(const std::string& dir, AttachmentNeed n, std::int64_t offset, std::string_view bytes);
Error hash_error(const std::string& sha256);
inline std::string attachment_file(const std::string& dir, const std::string& sha256) {
  return dir + "/attachments/" + sha256;
}

}  // namespace khaosat::sync
