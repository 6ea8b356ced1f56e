// PgStorage: ServerStorage over PostgreSQL (libpq, pg_db.hpp), with attachment bytes as files in
// the data folder and their metadata in the database (docs/server-storage.md, "PostgreSQL").
// Split by aspect: pg_storage.cpp (open, schema, devices, forms, export, check),
// pg_storage_push.cpp (push with its ledger, registry merge, pull), pg_storage_files.cpp
// (attachments), pg_storage_office.cpp (reviews, plan overrides), pg_storage_queue.cpp (the
// office's queue).
//
// Concurrency: every call holds mutex_ (one connection per PgStorage). Several PgStorage objects,
// in one process or several, may work on one database: push locks its device's row (FOR UPDATE)
// so a batch is applied once; writers of the change log take one transaction-level advisory lock
// so change numbers become visible in order; inserts of shared rows (submissions, attachments)
// are ON CONFLICT-safe.
#pragma once

#include <map>
#include <mutex>
#include <set>

#include "khaosat/sync/server_storage.hpp"
#include "pg_db.hpp"
#include "storage_common.hpp"

namespace khaosat::sync {

class PgStorage final : public ServerStorage {
 public:
  static constexpr int kSchemaVersion = 4;  // 2: the office tables; 3: the queue (pg_storage_queue.cpp);
                                            // 4: waiting_submissions (waiting_edits.hpp)

  Status open(const std::string& data_dir, const std::string& url);

  Status add_enrollment(const std::string& code_sha256, const EnrollmentGrant& grant) override;
  Result<DeviceInfo> redeem_enrollment(const std::string& code_sha256, const std::string& device_id,
                                       const std::string& device_name, const std::string& token_sha256,
                                       std::int64_t now_ms) override;
  Result<std::optional<DeviceInfo>> device_by_token(const std::string& token_sha256) override;
  Result<std::optional<DeviceInfo>> device_by_id(const std::string& device_id) override;
  Result<std::vector<DeviceInfo>> list_devices() override;
  Status revoke_device(const std::string& device_id) override;
  Result<PushAnswer> push(const std::string& device_id, const PushBatch& batch,
                          const std::vector<CheckedRecord>& checked, std::int64_t now_ms) override;
  Result<std::vector<AttachmentNeed>> attachments_needed(const std::string& device_id) override;
  Result<AttachmentNeed> append_attachment(const std::string& sha256, std::int64_t offset,
                                           std::string_view bytes) override;
  Result<std::optional<AttachmentNeed>> attachment_state(const std::string& sha256) override;
  Result<std::optional<std::string>> attachment_path(const std::string& sha256) override;
  Result<PullAnswer> pull(const std::string& device_id, const std::string& cursor, int limit) override;
  Status publish_form(const PublishedForm& form) override;
  Result<std::vector<PublishedForm>> list_forms() override;
  Result<bool> has_form(const std::string& form_id, const std::string& version) override;
  Result<std::optional<core::PulledForm>> published_form(const std::string& form_id,
                                                         const std::string& version) override;
  Result<std::vector<StoredSubmission>> submissions(const std::string& form_id) override;
  Result<std::vector<RegistryState>> registry(core::Registry registry) override;
  Status add_review(const Review& review) override;
  Result<std::vector<Review>> reviews() override;
  Status add_plan_override(const PlanOverride& override_) override;
  Result<std::vector<PlanOverride>> plan_overrides() override;
  Result<std::vector<RegistryConflict>> registry_conflicts() override;
  Result<std::vector<SubmissionConflict>> submission_conflicts() override;
  Result<std::vector<std::string>> check() override;
  Result<std::vector<WaitingEdit>> waiting_edits() override;
  Result<QueueDecision> record_decision(const QueueDecision& decision) override;
  Result<std::vector<QueueDecision>> queue_decisions() override;
  Result<std::vector<std::string>> submissions_about(const std::string& record_id) override;

 private:
  class Queue;  // the queue's QueueTables over this connection (pg_storage_queue.cpp)
  friend class Queue;
  template <class Storage>
  friend Result<PushedBy> stored_pushed_marks(Storage&, const core::PulledRecord&);  // storage_common.hpp
  Status create_schema();
  // The device of `sql` (kDeviceColumns and a WHERE on $1 = `key`), under the caller's lock.
  Result<std::optional<DeviceInfo>> one_device(const std::string& sql, const std::string& key);
  Result<PushAnswer> push_once(const std::string& device_id, const PushBatch& batch,
                               const std::vector<CheckedRecord>& checked, std::int64_t now);
  // What insert_submissions did for a batch: the published state of its forms, and the instance
  // ids it inserted (apply_submission takes each out as it answers for it).
  struct BulkInsert {
    std::map<std::pair<std::string, std::string>, bool> forms;
    std::set<std::string> inserted;
  };
  Result<BulkInsert> insert_submissions(const std::string& device_id, const std::vector<CheckedRecord>& checked,
                                        std::int64_t now);
  Result<RecordResult> apply_submission(const std::string& device_id, const CheckedRecord& c, std::int64_t now,
                                        BulkInsert& bulk);
  // An edit whose predecessor is not stored: held (its verdict), or nullopt to store it now.
  Result<std::optional<RecordResult>> hold_edit(const std::string& device_id, const CheckedRecord& c, std::int64_t now);
  // Stores every waiting edit whose predecessor is now stored, down each chain (push's transaction).
  Status release_waiting(std::int64_t now);
  // The `attachments` rows of rec's files (the first to name one declares it), and with `link`
  // their submission_attachments rows (a held edit has none yet).
  Status declare_attachments(const PushRecord& rec, bool link);
  Result<RecordResult> finish_submission(const CheckedRecord& c);
  Result<RecordResult> apply_registry(const std::string& device_id, const CheckedRecord& c, std::int64_t now);
  Result<std::vector<RecordResult>> replayed(const std::string& device_id, std::int64_t from, std::int64_t to);
  // Takes the change log's lock (held to the end of the transaction), then appends.
  Status lock_changes();
  Status log_change(const char* kind, const std::string& subject, const std::optional<std::string>& device_id,
                    const std::string& body, std::int64_t now);
  // `pushed`, when given, gets the record's pushed marks (storage_common.hpp).
  Result<std::optional<core::PulledRecord>> load_record(const std::string& record_id,
                                                        PushedBy* pushed = nullptr);
  Result<core::PulledForm> load_form(const std::string& form_id, const std::string& version);
  Result<std::vector<core::PulledForm>> current_forms();
  Result<std::int64_t> high_water();
  Result<bool> form_exists(const std::string& form_id, const std::string& version);
  Result<std::optional<AttachmentNeed>> attachment_state_locked(const std::string& sha256, bool for_update);

  std::mutex mutex_;
  pg::Db db_;
  std::string dir_;
};

}  // namespace khaosat::sync
