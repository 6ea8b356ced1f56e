// The plain value types the device store (store.hpp) takes and returns: installed forms, drafts,
// submissions, attachments, registry records, outbox entries, audit entries and check reports.
// Nothing here points into the store; every value is a copy. Times are ms since the Unix epoch
// (UTC) from the store's clock seam. docs/storage.md maps each field to its column.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "khaosat/core/form_session.hpp"

namespace khaosat::core {

struct FormRecord {
  std::string form_id, version, title;
  std::string sha256;            // of the XForm definition as stored
  std::string source_name;       // the file it was installed from (for people)
  std::vector<std::string> media;  // attachment file names
  bool current = false;          // the version new drafts use
  std::int64_t installed_at = 0;
};

// A file held in memory: a form or a media file received over the network or picked in the
// app. `name` is its file name (a form's extension decides XForm or XLSForm; a media file is
// found by this name, so it is a plain name: no folders, no "..").
struct NamedBytes {
  std::string name;
  std::string bytes;
};

struct DraftSave {
  std::string draft_id;      // "" = a new draft (an id is made); else the draft to overwrite
  const FormSession* session = nullptr;  // required: its instance_xml() is saved
  std::string position;      // where the officer was (a ref or page), restored as given
  bool durable = false;      // commit with synchronous=FULL (an explicit save, the CLI), not
                             // the autosave's NORMAL
};

struct DraftRecord {
  std::string draft_id, form_id, form_version;
  std::string instance_id;            // meta/instanceID of the saved instance
  std::optional<std::string> replaces;  // editing a submission: its instance id
  std::string instance_xml;           // empty in list results (list_drafts)
  std::string position, language;
  std::int64_t created_at = 0, updated_at = 0;
  std::int64_t saves = 0;             // how many times it was saved
  std::vector<std::pair<std::string, std::string>> attachments;  // (name, sha256)
};

// A file attached while filling (a photo for an upload question): `name` is the value the
// instance holds, `path` the file to copy in (or `bytes` when path is empty).
struct AttachmentInput {
  std::string name;
  std::string path;
  std::string bytes;
};

struct AttachmentRecord {
  std::string sha256;
  std::int64_t size = 0;
  std::string path;  // the file in the media folder
};

enum class SubmissionState { Finalized, Sent, Rejected };
const char* to_string(SubmissionState s);

struct FinalizeRequest {
  FormSession* session = nullptr;  // required; finalize() fills its end-of-form preloads
  std::string draft_id;            // the draft this finishes ("" = none): deleted in the same
                                   // transaction, its attachments move to the submission
  std::vector<AttachmentInput> attachments;  // more files, written before the transaction
};

struct SubmissionRecord {
  std::string instance_id, form_id, form_version;
  SubmissionState state = SubmissionState::Finalized;
  std::string instance_xml, instance_json;  // empty in list results
  std::string sha256;                       // of instance_xml's bytes
  std::optional<std::string> deprecated_id;   // the submission this one replaces
  std::optional<std::string> superseded_by;   // the newer version that replaces this one
  std::optional<std::string> reject_reason;
  std::int64_t finalized_at = 0, state_at = 0;
  // The office's latest review, pulled from the server: "approved", "has_issues" or "rejected"
  // (docs/sync-protocol.md, "Pull"), with its comment and when it arrived; empty = none yet.
  std::string review;
  std::string review_comment;
  std::int64_t review_at = 0;
  std::vector<std::pair<std::string, std::string>> attachments;  // (name, sha256)
};

// finalize(): either the stored submission, or the validation outcome that stopped it (nothing
// was stored). Violations are ordinary values, not errors (style.md).
struct FinalizeOutcome {
  bool finalized = false;
  SubmissionRecord submission;                               // when finalized
  std::vector<std::pair<std::string, Violation>> violations;  // when not
};

struct SubmissionFilter {
  std::string form_id;                         // "" = every form
  std::optional<SubmissionState> state;
  bool include_superseded = true;
  int limit = -1;                              // -1 = no limit
};

enum class Registry { Establishment, Cooperative, CraftVillage };
const char* to_string(Registry r);
std::optional<Registry> registry_from_string(std::string_view s);
// The entity list (ODK Entities dataset) a registry is filled from by a form's entity
// declaration: "establishments", "cooperatives", "craft_villages" (form_info.hpp).
const char* dataset_of(Registry r);
std::optional<Registry> registry_from_dataset(std::string_view dataset);

// A property of a registry record with the HLC version of its last write (store_ids.hpp).
struct RegistryProperty {
  std::string value;
  std::string hlc;
};

struct RegistryRecord {
  std::string record_id;  // UUIDv7
  Registry registry = Registry::Establishment;
  std::string name;
  std::vector<std::pair<std::string, RegistryProperty>> properties;  // sorted by key
  std::int64_t created_at = 0, updated_at = 0;
  // The office merged this record into that one: it is left out of searches and counts, and
  // start_from_record() opens the survivor (docs/storage.md); "" = live.
  std::string merged_into;
};

// put_record(): creates a record (empty record_id) or changes the given properties of one;
// properties not named keep their value and version. "name" is a property like the others and
// is also the record's searchable name.
struct RegistryEdit {
  Registry registry = Registry::Establishment;
  std::string record_id;
  std::vector<std::pair<std::string, std::string>> set;  // key -> new value
};

struct OutboxEntry {
  std::int64_t seq = 0;      // contiguous from 1 for this device
  std::string kind;          // "submission" or "registry" (docs/storage.md, the outbox)
  std::string subject;       // instance id or record id
  std::string payload;       // JSON
  std::int64_t created_at = 0;
  std::optional<std::int64_t> acked_at;
};

// Store::list_outbox_for_push(): an outbox entry with what a push sends of its subject, read in
// one pass instead of a submission and an attachment lookup per entry. For a "submission" entry:
// the submission's form and version, the submission it replaces, its instance XML and its
// attachments (by name). Other kinds carry the entry alone (their payload is the change).
struct OutboxPushEntry {
  OutboxEntry entry;
  std::string form_id, form_version, instance_xml;
  std::optional<std::string> deprecated_id;
  struct Attachment {
    std::string name, sha256;
    std::int64_t size = 0;
  };
  std::vector<Attachment> attachments;
};

// ack_push(): what the server answered for a pushed range of the outbox. Every entry up to
// `through_seq` becomes acknowledged; each submission named becomes `sent`, or `rejected` with
// the server's reason. Submissions no longer `finalized` (already marked) are left as they are,
// so applying the same answer twice changes nothing.
struct SubmissionVerdict {
  std::string instance_id;
  bool rejected = false;
  std::string reason;  // when rejected
};
struct PushAck {
  std::int64_t through_seq = 0;
  std::vector<SubmissionVerdict> submissions;
};

// apply_pull(): one page of server changes (docs/sync-protocol.md, "Pull"), applied with the
// cursor that follows it. Registry records merge per property: a pulled property replaces the
// local one when its HLC is greater (store_ids.hpp); pulled changes never enter the outbox.
// An open conflict of a registry record, as the server's office queue holds it: two edits of
// one property made without seeing each other; `kept` is the value the record has, `other` the
// one that lost the merge. The office resolves it; until then devices show it with the record.
struct RecordConflict {
  std::string conflict_id;  // the office queue's id ("r12")
  std::string property;
  std::string kept_value, other_value;
};
struct PulledRecord {
  Registry registry = Registry::Establishment;
  std::string record_id;
  std::vector<std::pair<std::string, RegistryProperty>> properties;
  // The office merged this record into that one (docs/sync-protocol.md, "Pull"); "" = live.
  std::string merged_into;
  // The record's open conflicts when the page was read, replacing what the device had
  // (`conflicts_known`: a server that does not send them leaves the device's list as it is).
  bool conflicts_known = false;
  std::vector<RecordConflict> conflicts;
};
struct PulledDecision {
  std::string instance_id;
  SubmissionState state = SubmissionState::Sent;  // Sent (accepted) or Rejected
  std::string reason;  // the office's comment (a rejection's reason)
  // The office's review: "approved", "has_issues", "rejected", or "" for a decision that is no
  // review (a server's own answer). approved / has_issues leave the submission sent.
  std::string review;
};
struct PulledForm {
  NamedBytes form;
  std::vector<NamedBytes> media;
};
// Another device as the office enrolled it (docs/sync-protocol.md, "Device names"): the name it
// was enrolled under (the officer's, usually) and its communes, so that a record's history names
// who changed it instead of a device id.
struct KnownDevice {
  std::string device_id;
  std::string name;                   // "" when the office gave none
  std::vector<std::string> communes;  // as forms/communes.csv names them ("muong_kim")
};
struct PullPage {
  std::vector<PulledForm> forms;
  std::vector<PulledRecord> records;
  std::vector<PulledDecision> decisions;
  // The devices that wrote this page's record versions; each replaces what the device knew of it.
  std::vector<KnownDevice> devices;
  std::string cursor_name;  // the cursor (cursor(), set_cursor()) this page advances
  std::string cursor;       // its value after the page
};

// The device's enrollment with a server (set_enrollment at `khaosat sync enroll`). The token is
// the device's secret; the server keeps only its hash.
struct Enrollment {
  std::string server;   // base URL, "https://office.example:8742" or "http://127.0.0.1:8742"
  std::string device_id, token, role;
  std::vector<std::string> communes;
  std::string ca_pem;   // the server certificate pinned at enrollment (PEM), "" = system CAs only
};

struct AuditEntry {
  std::int64_t id = 0, at = 0;
  std::string actor, action, subject, detail;
};

// check(): everything that should hold in a whole store. ok() when `problems` is empty.
struct CheckReport {
  std::vector<std::string> problems;
  std::int64_t submissions = 0, drafts = 0, attachments = 0, outbox = 0;
  bool ok() const { return problems.empty(); }
};

struct CleanupReport {
  int orphan_files = 0;     // content files no draft, submission or form references
  int temp_files = 0;       // leftovers of interrupted writes
  std::int64_t bytes = 0;
};

}  // namespace khaosat::core
