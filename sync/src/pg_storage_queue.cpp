// PgStorage: the office's queue (schema 3; server_storage.hpp, storage_queue.hpp,
// docs/server-storage.md "Schema 3"), as in SQLite. A decision takes the change log's lock
// first: it serialises the read-check-write of the record or conflict with pushes and with other
// servers' decisions (a conflict is resolved once), and orders the change it logs.
#include "pg_storage.hpp"
#include "storage_queue.hpp"

namespace khaosat::sync {

using pg::Txn;

namespace {

constexpr const char* kDecisionColumns =
    "SELECT id, kind, records, conflict_id, choice, value, reason, by_name, at FROM queue_decisions ";

QueueDecision decision_at(const pg::Rows& r, int i) {
  return QueueDecision{r.integer(i, 0), r.text(i, 1), string_list(r.text(i, 2)), r.integer(i, 3), r.text(i, 4),
                       r.text(i, 5),    r.text(i, 6), r.text(i, 7),              r.integer(i, 8)};
}

}  // namespace

class PgStorage::Queue final : public QueueTables {
 public:
  explicit Queue(PgStorage& s) : s_(s), db_(s.db_) {}

  Result<std::optional<core::PulledRecord>> record(const std::string& id) override { return s_.load_record(id); }

  Result<std::vector<std::string>> merged_into(const std::string& id) override {
    auto r = db_.exec("SELECT record_id FROM registry WHERE merged_into = $1 ORDER BY record_id", "cannot read the registry", {id});
    if (!r) return r.error();
    std::vector<std::string> out;
    for (int i = 0; i < r->size(); ++i) out.push_back(r->text(i, 0));
    return out;
  }

  Status set_merged(const std::string& id, const std::string& survivor, std::int64_t now) override {
    return db_.run("UPDATE registry SET merged_into = $1, updated_at = $2 WHERE record_id = $3",
                   "cannot mark the record merged", {survivor, now, id});
  }

  Status write_properties(const core::PulledRecord& r, std::int64_t now) override {
    auto marks = stored_pushed_marks(s_, r);
    if (!marks) return marks.error();
    return db_.run("UPDATE registry SET properties = $1, updated_at = $2 WHERE record_id = $3",
                   "cannot write the registry record", {properties_json(r.properties, *marks).dump(), now, r.record_id});
  }

  Status log_record(const core::PulledRecord& r, std::int64_t now) override {
    auto marks = stored_pushed_marks(s_, r);
    if (!marks) return marks.error();
    return s_.log_change("registry", r.record_id, std::nullopt, stored_change_json(r, *marks).dump(), now);
  }

  Result<std::optional<RegistryConflict>> registry_conflict(std::int64_t id) override {
    auto r = db_.exec("SELECT record_id, registry, property, kept_value, kept_hlc, other_value, other_hlc, device_id, at "
                      "FROM registry_conflicts WHERE id = $1", "cannot read the registry conflicts", {id});
    if (!r) return r.error();
    if (r->empty()) return std::optional<RegistryConflict>();
    return std::optional<RegistryConflict>(RegistryConflict{r->text(0, 0), r->text(0, 1), r->text(0, 2),
                                                            {r->text(0, 3), r->text(0, 4)}, {r->text(0, 5), r->text(0, 6)},
                                                            r->text(0, 7), r->integer(0, 8), id, true});
  }

  Result<std::optional<StoredConflictRow>> submission_conflict(std::int64_t id) override {
    auto r = db_.exec("SELECT instance_id, sha256, device_id, xml, seq, received_at FROM submission_conflicts WHERE id = $1",
                      "cannot read the submission conflicts", {id});
    if (!r) return r.error();
    if (r->empty()) return std::optional<StoredConflictRow>();
    return std::optional<StoredConflictRow>(row(*r));
  }

  Result<StoredConflictRow> stored_submission(const std::string& instance_id) override {
    auto r = db_.exec("SELECT instance_id, sha256, device_id, xml, seq, received_at FROM submissions WHERE instance_id = $1",
                      "cannot read the submission", {instance_id});
    if (!r) return r.error();
    if (r->empty()) return Error::make(ErrorCode::sync_storage, "submission " + instance_id + " is missing");
    return row(*r);
  }

  Status swap_submission(std::int64_t id, const StoredConflictRow& stored, const StoredConflictRow& other) override {
    const char* what = "cannot keep the other version of the submission";
    if (Status st = db_.run("UPDATE submissions SET sha256 = $1, device_id = $2, xml = $3, seq = $4, received_at = $5 "
                            "WHERE instance_id = $6", what,
                            {other.sha256, other.device_id, pg::bytes(other.xml), other.seq, other.received_at,
                             stored.instance_id});
        !st)
      return st;
    return db_.run("UPDATE submission_conflicts SET sha256 = $1, device_id = $2, xml = $3, seq = $4, received_at = $5 "
                   "WHERE id = $6", what,
                   {stored.sha256, stored.device_id, pg::bytes(stored.xml), stored.seq, stored.received_at, id});
  }

  Result<std::optional<QueueDecision>> decision_for(const std::string& kind, std::int64_t conflict_id) override {
    std::string sql = std::string(kDecisionColumns) + "WHERE kind = $1 AND conflict_id = $2 ORDER BY id LIMIT 1";
    auto r = db_.exec(sql.c_str(), "cannot read the queue decisions", {kind, conflict_id});
    if (!r) return r.error();
    if (r->empty()) return std::optional<QueueDecision>();
    return std::optional<QueueDecision>(decision_at(*r, 0));
  }

  Result<std::int64_t> insert_decision(const QueueDecision& d) override {
    auto r = db_.exec("INSERT INTO queue_decisions (kind, records, conflict_id, choice, value, reason, by_name, at) "
                      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id", "cannot record the queue decision",
                      {d.kind, records_text(d.records), d.conflict_id, d.choice, d.value, d.reason, d.by, d.at});
    if (!r) return r.error();
    return r->integer(0, 0);
  }

  Result<std::vector<Mention>> mentioning(const std::string& text) override {
    auto r = db_.exec("SELECT arrival, instance_id, xml FROM submissions WHERE position(convert_to($1, 'UTF8') IN xml) > 0 "
                      "ORDER BY arrival", "cannot read the submissions", {text});
    if (!r) return r.error();
    std::vector<Mention> out;
    for (int i = 0; i < r->size(); ++i) out.push_back({r->integer(i, 0), r->text(i, 1), r->bytes(i, 2)});
    return out;
  }

 private:
  static StoredConflictRow row(const pg::Rows& r) {
    return StoredConflictRow{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.bytes(0, 3), r.integer(0, 4), r.integer(0, 5)};
  }
  PgStorage& s_;
  pg::Db& db_;
};

Result<QueueDecision> PgStorage::record_decision(const QueueDecision& d) {
  std::lock_guard lock(mutex_);
  const char* what = "cannot record the queue decision";
  Txn txn(db_);
  if (Status st = txn.begin(what); !st) return st.error();
  if (Status st = lock_changes(); !st) return st.error();
  Queue q(*this);
  auto done = apply_decision(q, d, d.at);
  if (!done) return done.error();
  if (Status st = txn.commit(what); !st) return st.error();
  return done;
}

Result<std::vector<QueueDecision>> PgStorage::queue_decisions() {
  std::lock_guard lock(mutex_);
  std::string sql = std::string(kDecisionColumns) + "ORDER BY id";
  auto r = db_.exec(sql.c_str(), "cannot read the queue decisions");
  if (!r) return r.error();
  std::vector<QueueDecision> out;
  for (int i = 0; i < r->size(); ++i) out.push_back(decision_at(*r, i));
  return out;
}

Result<std::vector<SubmissionConflict>> PgStorage::submission_conflicts() {
  std::lock_guard lock(mutex_);
  auto r = db_.exec(
      "SELECT c.id, c.instance_id, s.form_id, s.sha256, s.device_id, s.received_at, c.sha256, c.device_id, c.received_at, "
      "EXISTS (SELECT 1 FROM queue_decisions d WHERE d.kind = 'submission_conflict' AND d.conflict_id = c.id) "
      "FROM submission_conflicts c JOIN submissions s ON s.instance_id = c.instance_id ORDER BY c.id",
      "cannot read the submission conflicts");
  if (!r) return r.error();
  std::vector<SubmissionConflict> out;
  for (int i = 0; i < r->size(); ++i)
    out.push_back({r->integer(i, 0), r->text(i, 1), r->text(i, 2), {r->text(i, 3), r->text(i, 4), r->integer(i, 5)},
                   {r->text(i, 6), r->text(i, 7), r->integer(i, 8)}, r->text(i, 9) != "t"});
  return out;
}

Result<std::vector<std::string>> PgStorage::submissions_about(const std::string& record_id) {
  std::lock_guard lock(mutex_);
  Txn txn(db_);
  const char* what = "cannot read the submissions about a record";
  if (Status st = txn.begin(what, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !st) return st.error();
  Queue q(*this);
  auto out = sync::submissions_about(q, record_id);
  if (!out) return out.error();
  if (Status st = txn.commit(what); !st) return st.error();
  return out;
}

}  // namespace khaosat::sync
