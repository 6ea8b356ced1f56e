// ServerStorage: everything the central server keeps, behind one interface, so the same
// SyncServer (and the same test suite) runs over SQLite in a data folder (the embedded default,
// open_sqlite_storage) and over PostgreSQL (open_server_storage with a URL; attachment files stay
// in the data folder). docs/server-storage.md has both schemas and the contract each keeps.
//
// Contract for every implementation:
//   - each call is atomic: it commits all of its change or none, durably (fsync) before it
//     returns; push() applies a batch and its idempotency ledger entry in one transaction;
//   - attachment bytes become visible (complete) only after their whole sha256 was checked;
//   - secrets (enrollment codes, device tokens) are given and stored as hashes only;
//   - errors are sync.storage (the message names what failed), or the protocol codes named below.
//
// Thread-safety: an implementation serialises its own calls (the HTTP server calls it from
// several threads). Several processes may open one data folder (the CLI beside `serve`).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "khaosat/core/result.hpp"
#include "khaosat/core/store_types.hpp"
#include "khaosat/sync/protocol.hpp"

namespace khaosat::sync {

struct DeviceInfo {
  std::string device_id, name, role;
  std::vector<std::string> communes;
  std::int64_t enrolled_at = 0, last_seen = 0;
  std::int64_t last_seq = 0;  // the last outbox sequence applied from this device
  bool revoked = false;
};

struct EnrollmentGrant {
  std::string role, name;
  std::vector<std::string> communes;
  std::int64_t expires_at = 0;  // ms since the epoch
};

// Where a device may write and what it reads (docs/sync-protocol.md, "Roles and communes"): the
// communes of its enrollment, or everywhere (an admin enrolled without communes). Data without a
// commune (a form without a `commune` field, a registry record without that property) is in
// every scope.
struct Scope {
  bool everywhere = false;
  std::vector<std::string> communes;
  bool allows(std::string_view commune) const {
    if (everywhere || commune.empty()) return true;
    for (const auto& c : communes)
      if (c == commune) return true;
    return false;
  }
  // "muong_kim, pac_ta", or "none" / "the whole province", for messages.
  std::string describe() const;
};

// A push record the server has already judged before storage (XML not well-formed, an instance
// id that does not match it): stored in the ledger as rejected with this reason, nothing else.
struct CheckedRecord {
  const PushRecord* record = nullptr;
  std::string sha256;            // of record->xml (submissions)
  std::string precheck_reason;   // non-empty: rejected without looking further
  // The pushing device's scope: a registry write that would touch a record of a commune outside
  // it (as stored, or as merged) is rejected by merge_registry. nullptr: everywhere.
  const Scope* scope = nullptr;
  // Submissions: the registry edit the server derives from the submission's entity declaration
  // (SyncServer; docs/sync-protocol.md, "Registries from submissions"), merged when the
  // submission is accepted. Its merge records no registry conflict (the device's own edit, an
  // earlier record, met any) and writes nothing when it changes nothing.
  std::optional<PushRecord> entity = std::nullopt;
  bool derived = false;  // this record is such a derived edit
  // Registry records: the properties whose HLC the server re-stamped (a clock too far ahead):
  // their stored version is not the one the device holds, so pull sends it back.
  std::vector<std::string> restamped = {};
};

struct PublishedForm {
  std::string form_id, version, title, sha256;
  core::NamedBytes xform;                // the XForm XML as devices install it
  std::vector<core::NamedBytes> media;
  std::int64_t published_at = 0;
};

struct StoredSubmission {
  std::string instance_id, form_id, form_version, device_id, sha256, xml;
  std::optional<std::string> deprecated_id;
  std::vector<AttachmentRef> attachments;
  std::int64_t received_at = 0;
};

// An edit the server acknowledged but holds until the submission it replaces (its deprecated_id)
// arrives (docs/sync-protocol.md, "Edits wait for their predecessor"): not a stored submission
// yet, so no export, office view or registry ingest sees it.
struct WaitingEdit {
  std::string instance_id, deprecated_id, form_id, device_id, sha256;
  std::int64_t seq = 0, received_at = 0;
};

struct RegistryState {
  core::PulledRecord record;  // record.merged_into: the survivor when the office merged it
  std::int64_t updated_at = 0;
};

// The office's review of a submission (issue 12 §3): one row of an append-only trail; the
// submission's state is its latest review's (none = received).
struct Review {
  std::string instance_id;
  std::string state;      // approved, rejected or has_issues
  std::string comment, by;
  std::int64_t at = 0;    // ms since the epoch
};

// An office override of the annual plan (issue 12 §2): pin (fund first) or exclude a need
// ("<instance id>#<n>"), with the reason and who decided. Append-only; the latest per need wins.
struct PlanOverride {
  std::string need_id;
  std::string action;     // pin or exclude
  std::string reason, by;
  std::int64_t at = 0;
};

// Two edits of one registry property, each made without seeing the other (the later one's
// base was not the server's version): the record holds `kept` (the later HLC); both are kept
// here for the office (docs/sync-protocol.md, "Registry merge"). Append-only.
struct RegistryConflict {
  std::string record_id, registry, property;
  core::RegistryProperty kept, other;
  std::string device_id;  // the device whose push met the conflict
  std::int64_t at = 0;
  std::int64_t id = 0;    // stable: the queue's and `queue resolve`'s conflict id
  bool open = true;       // false once a queue decision resolved it
};

// One version of a submission under a disputed instance id.
struct SubmissionVersion {
  std::string sha256, device_id;
  std::int64_t received_at = 0;
};

// A second version pushed under an instance id the server holds with other content (sync keeps it
// for review: docs/sync-protocol.md, push status `conflict`). `stored` is the version in
// `submissions` (what exports and the plan read), `other` the one set aside. Resolving it with
// "other" swaps the two, so both stay readable.
struct SubmissionConflict {
  std::int64_t id = 0;  // stable: the queue's conflict id
  std::string instance_id, form_id;
  SubmissionVersion stored, other;
  bool open = true;
};

// One decision of the office's queue (issue 12 §3; docs/office.md "The queue"). Append-only,
// like reviews: the trail of who decided what, when and why.
//   kind "merge":    records = {survivor, merged}; the merged record is marked merged into the
//                    survivor (not deleted; both histories stay), and devices learn it by pull.
//   kind "distinct": records = the records judged distinct (two or more, one registry); choice =
//                    the match they shared (name+commune, tax_code, phone), value = its key. A
//                    possible-duplicate group with that match and key is no longer shown while
//                    every pair of its records is covered by such a decision
//                    (office::open_duplicates).
//   kind "registry_conflict":   conflict_id = a RegistryConflict's id; choice = kept, other or
//                    value; value = the value written (given for choice "value") as a new edit
//                    stamped by the server, which every device gets by pull.
//   kind "submission_conflict": conflict_id = a SubmissionConflict's id; choice = stored or other;
//                    value = the sha256 kept (filled by the storage).
struct QueueDecision {
  std::int64_t id = 0;  // the order recorded (set by the storage)
  std::string kind;
  std::vector<std::string> records;
  std::int64_t conflict_id = 0;
  std::string choice, value;
  std::string reason, by;
  std::int64_t at = 0;  // ms since the epoch
};

class ServerStorage {
 public:
  virtual ~ServerStorage() = default;

  // --- Enrollment and devices ---
  virtual Status add_enrollment(const std::string& code_sha256, const EnrollmentGrant& grant) = 0;
  // Spends the code and creates the device with the token's hash, in one transaction.
  // sync.enroll when the code is unknown, spent or expired.
  virtual Result<DeviceInfo> redeem_enrollment(const std::string& code_sha256,
                                               const std::string& device_id,
                                               const std::string& device_name,
                                               const std::string& token_sha256,
                                               std::int64_t now_ms) = 0;
  // nullopt when no device has this token hash (revoked devices are returned, marked).
  virtual Result<std::optional<DeviceInfo>> device_by_token(const std::string& token_sha256) = 0;
  // nullopt when no device has this id (revoked devices are returned, marked): one row read, for
  // the pull's device names.
  virtual Result<std::optional<DeviceInfo>> device_by_id(const std::string& device_id) = 0;
  virtual Result<std::vector<DeviceInfo>> list_devices() = 0;
  virtual Status revoke_device(const std::string& device_id) = 0;  // sync.not_found when unknown

  // --- Push (docs/sync-protocol.md, "Push") ---
  // Applies `records` (the batch's records after device->last_seq, in order, each checked) in one
  // transaction with the ledger entry, or answers the replayed part from the ledger. An edit
  // whose predecessor is not stored waits (accepted, held aside); the transaction that stores a
  // waiting edit's predecessor also stores the edit and merges its derived entity edit, after
  // the predecessor's, and so on down a chain. The caller
  // has refused gaps; the storage refuses them again under its lock (sync.sequence) since
  // another request of the same device may have committed in between.
  virtual Result<PushAnswer> push(const std::string& device_id, const PushBatch& batch,
                                  const std::vector<CheckedRecord>& checked, std::int64_t now_ms) = 0;

  // --- Attachments ---
  virtual Result<std::vector<AttachmentNeed>> attachments_needed(const std::string& device_id) = 0;
  // Appends `bytes` at `offset` to the partial copy (sync.offset when offset != received;
  // sync.not_found for a sha256 no submission refers to; sync.too_large past the size); when
  // complete, checks the hash (sync.hash: the partial copy is dropped) and makes it visible.
  virtual Result<AttachmentNeed> append_attachment(const std::string& sha256, std::int64_t offset,
                                                   std::string_view bytes) = 0;
  // What the server holds of an attachment some submission refers to, or nullopt.
  virtual Result<std::optional<AttachmentNeed>> attachment_state(const std::string& sha256) = 0;
  // The path of a complete attachment's file, or nullopt.
  virtual Result<std::optional<std::string>> attachment_path(const std::string& sha256) = 0;

  // --- Pull ---
  // One page after `cursor` ("" = snapshot for a new device), decisions only for `device_id`.
  virtual Result<PullAnswer> pull(const std::string& device_id, const std::string& cursor, int limit) = 0;

  // --- Forms, office, export ---
  // Publishes a form version (immutable: the same id and version with another sha256 is
  // sync.request) and logs it for pull. Publishing the same version again changes nothing.
  virtual Status publish_form(const PublishedForm& form) = 0;
  virtual Result<std::vector<PublishedForm>> list_forms() = 0;  // without xform bytes and media
  virtual Result<bool> has_form(const std::string& form_id, const std::string& version) = 0;
  // A published version with its XForm bytes and media; nullopt when it is not published.
  virtual Result<std::optional<core::PulledForm>> published_form(const std::string& form_id,
                                                                 const std::string& version) = 0;
  virtual Result<std::vector<StoredSubmission>> submissions(const std::string& form_id) = 0;
  virtual Result<std::vector<RegistryState>> registry(core::Registry registry) = 0;
  // --- Office: review trail and plan overrides (docs/server-storage.md, docs/office.md) ---
  // Both append; nothing is ever updated or deleted. add_review is sync.not_found for an unknown
  // submission; an unknown state or action is sync.request. The lists come in the order recorded.
  // A review is also logged, in its transaction, as a decision for the device that sent the
  // submission (pulled at its next sync, docs/sync-protocol.md "Pull").
  virtual Status add_review(const Review& review) = 0;
  virtual Result<std::vector<Review>> reviews() = 0;
  virtual Status add_plan_override(const PlanOverride& override_) = 0;
  virtual Result<std::vector<PlanOverride>> plan_overrides() = 0;
  // Every registry conflict recorded, in the order met (id), open or resolved.
  virtual Result<std::vector<RegistryConflict>> registry_conflicts() = 0;
  // --- Office: the queue (docs/server-storage.md "Schema 3", docs/office.md "The queue") ---
  // Checks and applies one decision and appends it to the trail, in one transaction; returns it
  // as recorded (id, and value where the storage fills it). Refused with nothing stored:
  // sync.not_found for an unknown record or conflict; sync.request for a record merged into
  // itself, into a merged record, a merged record merged again, records of two registries,
  // fewer than two distinct records, a conflict already resolved, an unknown kind or choice.
  virtual Result<QueueDecision> record_decision(const QueueDecision& decision) = 0;
  // Every queue decision, in the order recorded.
  virtual Result<std::vector<QueueDecision>> queue_decisions() = 0;
  // Every submission conflict, in the order met (id), open or resolved.
  virtual Result<std::vector<SubmissionConflict>> submission_conflicts() = 0;
  // The submissions about a registry record: those whose instance names it as its entity
  // (meta/entity/@id, ODK Entities), or names a record merged into it (at any depth), in the
  // order received. sync.not_found for an unknown record.
  virtual Result<std::vector<std::string>> submissions_about(const std::string& record_id) = 0;
  // The edits waiting for their predecessor, oldest first.
  virtual Result<std::vector<WaitingEdit>> waiting_edits() = 0;
  // Every problem found (integrity, attachment files and hashes, ledger and devices agreeing).
  virtual Result<std::vector<std::string>> check() = 0;
};

// The SQLite implementation in `data_dir` (created when absent): `server.db` and `attachments/`.
Result<std::unique_ptr<ServerStorage>> open_sqlite_storage(const std::string& data_dir);

// SQLite in `data_dir` when `database_url` is empty; PostgreSQL for a postgres:// or
// postgresql:// URL (the schema is created in an empty database; attachment files still go to
// `data_dir`/attachments). sync.database when the URL is wrong or the server cannot be reached.
Result<std::unique_ptr<ServerStorage>> open_server_storage(const std::string& data_dir,
                                                           const std::string& database_url);

}  // namespace khaosat::sync
