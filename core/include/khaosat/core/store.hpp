// Store: the device's offline storage, one SQLite database per device profile (docs/storage.md
// has the schema, the migrations and the durability decisions).
//
// What it keeps: installed forms, drafts (autosaved FormSession instances), finalized
// submissions and their lifecycle (finalized -> sent | rejected), attachments stored once by
// sha256 in a media folder beside the database, registries of establishments, cooperatives and
// craft villages with per-field HLC versions, an outbox of changes for the server written in
// the same transaction as each change, sync state and an audit log.
//
// Durability: a call that changes something returns only after its transaction committed.
// Finalizing, registry edits and state changes commit with synchronous=FULL (the WAL is fsynced:
// they survive power loss). Draft saves commit with synchronous=NORMAL: they survive the app
// being killed, and a power cut can lose only the latest few autosaves, never corrupt anything.
//
// Errors: every call returns Result/Status; messages name the database file and the draft,
// submission or record involved. A database that is corrupt, not khaosat's, or from a newer
// khaosat is refused at open() and left untouched. No exception escapes.
//
// Thread-safety: a Store is not thread-safe; use it from one thread. Several processes may open
// the same file (SQLite's locking); a write waits up to 5 s for another writer.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "khaosat/core/form_session.hpp"
#include "khaosat/core/result.hpp"
#include "khaosat/core/store_ids.hpp"
#include "khaosat/core/store_types.hpp"

namespace khaosat::core {

struct StoreOptions {
  bool read_only = false;     // open without writing anything (CLI list/show/export/check)
  bool create = true;         // create the database when the file does not exist
  std::string actor = "officer";  // who the audit log names for this session's changes
  StoreEnv env;               // unset members: system_store_env()
};

class StoreImpl;

class Store {
 public:
  static constexpr int kSchemaVersion = 5;

  // Opens (or creates) the database at `path`, checks it, and migrates an older schema forward.
  // Refused, untouched: a file that is not an SQLite database or fails quick_check
  // ("store.corrupt"), another application's database ("store.foreign"), a schema newer than
  // kSchemaVersion ("store.newer"), an older schema opened read-only ("store.readonly"), a
  // read-only file opened for writing ("store.readonly").
  static Result<std::unique_ptr<Store>> open(const std::string& path, StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const;
  std::string media_dir() const;  // "<path>.media"
  // A fresh UUIDv7 (no "uuid:" prefix). Give it to SessionEnvironment::uuid so that instance
  // ids (meta/instanceID) are time-ordered, as design.md asks.
  std::string new_id();

  // --- Forms ------------------------------------------------------------------------------
  // Installs the form at `form_path` (XForm .xml, or an XLSForm the compiler reads, stored as
  // its XForm) with its media files (read into memory, then as install_form(NamedBytes) below), and makes it current for its form id. Installing the same
  // definition again changes nothing; a different definition with the same id and version is
  // refused (a form version is immutable).
  Result<FormRecord> install_form(const std::string& form_path,
                                  const std::vector<std::string>& media_files = {});
  // The same for a form and media in memory (from the server, or picked in the app). Only the
  // media given are available to the form: a jr:// attachment it needs and does not get is an
  // error naming the file. A media name with a folder, "..", or twice in the list is refused.
  Result<FormRecord> install_form(const NamedBytes& form, const std::vector<NamedBytes>& media = {});
  Result<std::vector<FormRecord>> list_forms();
  Result<FormRecord> get_form(const std::string& form_id, const std::string& version = "");
  Status set_current_form(const std::string& form_id, const std::string& version);
  // Loads an installed form ("" version = the current one) with its media.
  Result<Form> load_form(const std::string& form_id, const std::string& version = "");

  // --- Drafts ------------------------------------------------------------------------------
  // Saves the session's instance (insert or overwrite): one statement, cheap enough to call
  // after every answer. Returns the draft id. The session's form must be installed.
  Result<std::string> save_draft(const DraftSave& save);
  Result<DraftRecord> get_draft(const std::string& draft_id);
  Result<std::vector<DraftRecord>> list_drafts(const std::string& form_id = "");
  // The draft's session (restored with FormSession::restore) and its record.
  struct Restored {
    std::unique_ptr<FormSession> session;
    DraftRecord draft;
  };
  Result<Restored> restore_draft(const std::string& draft_id, SessionOptions options = {});
  Status delete_draft(const std::string& draft_id);
  // Stores a file for a draft (an upload question's photo): written once by content, linked to
  // the draft under `name`, moved to the submission at finalize.
  Result<AttachmentRecord> attach_to_draft(const std::string& draft_id, const AttachmentInput& file);

  // --- Submissions -------------------------------------------------------------------------
  // Validates the session; when valid, finalizes it and stores the instance XML, JSON, sha256
  // and attachments, deletes the draft and appends the outbox entry, in one FULL-synchronous
  // transaction. An invalid session is an ordinary outcome (violations), nothing stored.
  Result<FinalizeOutcome> finalize(const FinalizeRequest& request);
  Result<SubmissionRecord> get_submission(const std::string& instance_id);
  // Without XML, JSON or attachments (get_submission has them), in the order they were finalized.
  Result<std::vector<SubmissionRecord>> list_submissions(const SubmissionFilter& filter = {});
  // Starts editing a submission (the newest version of its chain): a new draft whose instance
  // has a new meta/instanceID and meta/deprecatedID = `instance_id` (ODK's edit semantics).
  // Finalizing it stores a new submission that records what it replaces. Returns the draft id.
  Result<std::string> begin_edit(const std::string& instance_id);
  Status mark_sent(const std::string& instance_id);
  Status mark_rejected(const std::string& instance_id, const std::string& reason);

  // --- Attachments -------------------------------------------------------------------------
  Result<AttachmentRecord> get_attachment(const std::string& sha256);
  // Deletes content files that nothing references and temp files of interrupted writes.
  // Run it when no other process is writing to this store (at app start).
  Result<CleanupReport> clean_orphans();

  // --- Registries --------------------------------------------------------------------------
  Result<RegistryRecord> put_record(const RegistryEdit& edit);
  Result<RegistryRecord> get_record(const std::string& record_id);
  // The record's open conflicts, as the last pull brought them (by property, then id).
  Result<std::vector<RecordConflict>> record_conflicts(const std::string& record_id);
  // Another device's name and communes as the last pull that named it brought them; nullopt
  // when no pull has named it (an older server, or a record pulled before schema version 5).
  Result<std::optional<KnownDevice>> known_device(const std::string& device_id);
  // Records of `registry` whose folded name contains every folded word of `query`
  // (fold_for_search): names starting with the query first, then by name.
  Result<std::vector<RegistryRecord>> search_records(Registry registry, const std::string& query,
                                                     int limit = 50);
  Result<std::int64_t> count_records(Registry registry);
  // Starts a session of `form` (installed here) from registry record `record_id`, to survey it
  // again (docs/storage.md, "Registries from submissions"): the form's `record_id` question
  // (the one its entity's id and update condition read) is set to the record's id, each
  // question that saves to a property gets the record's current value, and so does the question
  // that alone makes the entity's label (the name). Finalizing it updates that record. Refused
  // (store.invalid, naming both): a form without an entity declaration or `record_id`
  // question, or whose entity list is another registry than the record's.
  Result<std::unique_ptr<FormSession>> start_from_record(const Form& form, const std::string& record_id,
                                                         SessionOptions options = {});

  // --- Outbox, sync state, audit -----------------------------------------------------------
  Result<std::vector<OutboxEntry>> list_outbox(std::int64_t after_seq = 0, int limit = -1);
  // The same entries with what the push sends of each (OutboxPushEntry): two queries for the
  // whole range. A submission entry whose submission or attachment row is missing (a damaged
  // store) is an Error (store.not_found) naming it.
  Result<std::vector<OutboxPushEntry>> list_outbox_for_push(std::int64_t after_seq, int limit);
  // The server accepted every entry up to `seq` (they stay, marked, for the audit trail).
  Status ack_outbox(std::int64_t seq);
  Result<std::string> device_id();
  Status set_device_id(const std::string& id);  // at enrollment; later HLCs carry it
  Result<std::string> cursor(const std::string& name);  // "" when never set
  Status set_cursor(const std::string& name, const std::string& value);
  Result<std::vector<AuditEntry>> audit_log(int limit = -1);

  // --- Sync (docs/sync-protocol.md; sync.cpp) ------------------------------------------------
  // The highest outbox seq acknowledged so far (0 when none): the next push starts after it.
  Result<std::int64_t> outbox_acked();
  // How many outbox entries come after `after_seq` (what a push has still to send).
  Result<std::int64_t> outbox_count(std::int64_t after_seq);
  // Runs `read` in one read transaction: every query it makes sees one snapshot, and the
  // database is locked once for all of them instead of once per query (the push reads a batch
  // of outbox entries and their submissions this way). `read` must not write. Its Status is
  // returned; an Error also when the transaction cannot start.
  Status read_snapshot(const std::function<Status()>& read);
  // The server's answer to a push, in one FULL-synchronous transaction: outbox entries up to
  // ack.through_seq acknowledged, each named submission sent or rejected. Idempotent.
  Status ack_push(const PushAck& ack);
  // A pulled page and its cursor. Forms are installed first (each install is idempotent and
  // commits by itself; a crash after them re-pulls the page and installs nothing new); then the
  // registry records, the decisions and the cursor commit in one FULL-synchronous transaction,
  // so a cursor is never stored past changes that were not applied.
  Status apply_pull(const PullPage& page);
  // The enrollment, or nullopt before `khaosat sync enroll`. set_enrollment also makes the
  // server's device id this store's device id, in the same transaction.
  Result<std::optional<Enrollment>> enrollment();
  Status set_enrollment(const Enrollment& e);

  // --- Integrity ---------------------------------------------------------------------------
  // The whole schema of this version (every table, column, index and trigger, as the
  // migrations create them), PRAGMA integrity_check, every referenced attachment present with
  // bytes that hash to its name, every stored instance (submission or draft) well-formed XML
  // 1.0, no draft or submission referring to a missing form, the outbox contiguous.
  Result<CheckReport> check();

 private:
  explicit Store(std::unique_ptr<StoreImpl> impl);
  std::unique_ptr<StoreImpl> impl_;
};

}  // namespace khaosat::core
