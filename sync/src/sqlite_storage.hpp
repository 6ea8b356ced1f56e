// SqliteStorage: ServerStorage over one SQLite database (WAL, synchronous=FULL) and a folder of
// attachment files, in a data folder (docs/server-storage.md). Split by aspect:
// sqlite_storage.cpp (open, schema, devices, forms, export, check), sqlite_storage_push.cpp
// (push with its ledger, registry merge, pull), sqlite_storage_files.cpp (attachments),
// sqlite_storage_office.cpp (reviews, plan overrides), sqlite_storage_queue.cpp (the office's queue).
//
// Thread-safety: every call holds mutex_; other processes are serialised by SQLite's locks.
#pragma once

#include <mutex>

#include "khaosat/sync/server_storage.hpp"
#include "sqlite_db.hpp"
#include "storage_common.hpp"

namespace khaosat::sync {

class SqliteStorage final : public ServerStorage {
 public:
  // 2: reviews, plan_overrides, registry_conflicts (sqlite_storage_office.cpp);
  // 3: registry.merged_into, queue_decisions (sqlite_storage_queue.cpp).
  static constexpr int kSchemaVersion = 4;  // 4: waiting_submissions (waiting_edits.hpp)
  static constexpr int kApplicationId = 0x4b485356;  // "KHSV": a khaosat server database

  Status open(const std::string& data_dir);

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
  Result<std::vector<std::string>> check() override;
  Result<std::vector<WaitingEdit>> waiting_edits() override;
  Status add_review(const Review& review) override;
  Result<std::vector<Review>> reviews() override;
  Status add_plan_override(const PlanOverride& override_) override;
  Result<std::vector<PlanOverride>> plan_overrides() override;
  Result<std::vector<RegistryConflict>> registry_conflicts() override;
  Result<QueueDecision> record_decision(const QueueDecision& decision) override;
  Result<std::vector<QueueDecision>> queue_decisions() override;
  Result<std::vector<SubmissionConflict>> submission_conflicts() override;
  Result<std::vector<std::string>> submissions_about(const std::string& record_id) override;

 private:
  class Queue;  // the queue's QueueTables over this connection (sqlite_storage_queue.cpp)
  friend class Queue;
  template <class Storage>
  friend Result<PushedBy> stored_pushed_marks(Storage&, const core::PulledRecord&);  // storage_common.hpp

  // The device of `sql` (kDeviceColumns and a WHERE on ? = `key`).
  Result<std::optional<DeviceInfo>> one_device(const std::string& sql, const std::string& key);
  // Refuses (untouched) a file that is not a khaosat server database or is newer.
  Status check_identity();
  // push, within its transaction (sqlite_storage_push.cpp).
  Result<RecordResult> apply_submission(const std::string& device_id, const CheckedRecord& c, std::int64_t now);
  // An edit whose predecessor is not stored: held (its verdict), or nullopt to store it now.
  Result<std::optional<RecordResult>> hold_edit(const std::string& device_id, const CheckedRecord& c, std::int64_t now);
  // Stores every waiting edit whose predecessor is now stored, down each chain (push's transaction).
  Status release_waiting(std::int64_t now);
  // The `attachments` rows of rec's files (the first to name one declares it), and with `link`
  // their submission_attachments rows (a held edit has none yet).
  Status declare_attachments(const PushRecord& rec, bool link);
  Result<RecordResult> apply_registry(const std::string& device_id, const CheckedRecord& c, std::int64_t now);
  Result<std::vector<RecordResult>> replayed(const std::string& device_id, std::int64_t from, std::int64_t to);
  Status log_change(const char* kind, const std::string& subject, const std::optional<std::string>& device_id,
                    const std::string& body, std::int64_t now);
  // `pushed`, when given, gets the record's pushed marks (storage_common.hpp).
  Result<std::optional<core::PulledRecord>> load_record(const std::string& record_id,
                                                        PushedBy* pushed = nullptr);
  Result<std::vector<core::PulledForm>> current_forms();
  Result<core::PulledForm> load_form(const std::string& form_id, const std::string& version);
  Result<std::optional<AttachmentNeed>> attachment_state_locked(const std::string& sha256);
  Result<std::int64_t> high_water();
  Result<bool> form_exists(const std::string& form_id, const std::string& version);

  std::string final_path(const std::string& sha256) const { return attachment_file(dir_, sha256); }

  // Held by every public call: serialises the calls, and at the end resets the statements so
  // no read transaction stays open between calls (sqlite_db.hpp, Db::reset_all).
  struct Call {
    std::lock_guard<std::mutex> lock;
    sql::Db& db;
    explicit Call(SqliteStorage& s) : lock(s.mutex_), db(s.db_) {}
    ~Call() { db.reset_all(); }
  };
  std::mutex mutex_;
  sql::Db db_;
  std::string dir_;
};

// The office tables of schema 2 (sqlite_storage_office.cpp): created in a new database and added
// to a version-1 one, inside the caller's transaction.
Status create_office_tables(sql::Db& db);
// The queue's tables of schema 3 (sqlite_storage_queue.cpp), likewise.
Status create_queue_tables(sql::Db& db);

}  // namespace khaosat::sync
