// SqliteStorage: the office's queue (schema 3; server_storage.hpp, storage_queue.hpp,
// docs/server-storage.md "Schema 3"): decisions recorded append-only with what they change,
// submission conflicts, and the submissions about a record.
#include "sqlite_storage.hpp"
#include "storage_queue.hpp"

namespace khaosat::sync {

using sql::Txn;

Status create_queue_tables(sql::Db& db) {
  return db.exec(queue_tables_sql("INTEGER PRIMARY KEY").c_str(), "cannot create the queue tables");
}

// The queue's reads and writes over this connection, inside the caller's transaction.
class SqliteStorage::Queue final : public QueueTables {
 public:
  explicit Queue(SqliteStorage& s) : s_(s), db_(s.db_) {}

  Result<std::optional<core::PulledRecord>> record(const std::string& id) override { return s_.load_record(id); }

  Result<std::vector<std::string>> merged_into(const std::string& id) override {
    const char* what = "cannot read the registry";
    auto s = db_.cached("SELECT record_id FROM registry WHERE merged_into = ? ORDER BY record_id", what);
    if (!s) return s.error();
    (*s)->bind(id);
    std::vector<std::string> out;
    int rc;
    while ((rc = (*s)->step()) == SQLITE_ROW) out.push_back((*s)->text(0));
    if (rc != SQLITE_DONE) return db_.error(what, rc);
    return out;
  }

  Status set_merged(const std::string& id, const std::string& survivor, std::int64_t now) override {
    const char* what = "cannot mark the record merged";
    auto s = db_.cached("UPDATE registry SET merged_into = ?, updated_at = ? WHERE record_id = ?", what);
    if (!s) return s.error();
    (*s)->bind(survivor, now, id);
    return db_.run(**s, what);
  }

  Status write_properties(const core::PulledRecord& r, std::int64_t now) override {
    const char* what = "cannot write the registry record";
    auto marks = stored_pushed_marks(s_, r);
    if (!marks) return marks.error();
    auto s = db_.cached("UPDATE registry SET properties = ?, updated_at = ? WHERE record_id = ?", what);
    if (!s) return s.error();
    (*s)->bind(properties_json(r.properties, *marks).dump(), now, r.record_id);
    return db_.run(**s, what);
  }

  Status log_record(const core::PulledRecord& r, std::int64_t now) override {
    auto marks = stored_pushed_marks(s_, r);
    if (!marks) return marks.error();
    return s_.log_change("registry", r.record_id, std::nullopt, stored_change_json(r, *marks).dump(), now);
  }

  Result<std::optional<RegistryConflict>> registry_conflict(std::int64_t id) override {
    const char* what = "cannot read the registry conflicts";
    auto s = db_.cached("SELECT record_id, registry, property, kept_value, kept_hlc, other_value, other_hlc, device_id, at "
                        "FROM registry_conflicts WHERE id = ?", what);
    if (!s) return s.error();
    (*s)->bind(id);
    int rc = (*s)->step();
    if (rc == SQLITE_DONE) return std::optional<RegistryConflict>();
    if (rc != SQLITE_ROW) return db_.error(what, rc);
    return std::optional<RegistryConflict>(RegistryConflict{(*s)->text(0), (*s)->text(1), (*s)->text(2),
                                                            {(*s)->text(3), (*s)->text(4)}, {(*s)->text(5), (*s)->text(6)},
                                                            (*s)->text(7), (*s)->integer(8), id, true});
  }

  Result<std::optional<StoredConflictRow>> submission_conflict(std::int64_t id) override {
    const char* what = "cannot read the submission conflicts";
    auto s = db_.cached("SELECT instance_id, sha256, device_id, xml, seq, received_at FROM submission_conflicts "
                        "WHERE id = ?", what);
    if (!s) return s.error();
    (*s)->bind(id);
    int rc = (*s)->step();
    if (rc == SQLITE_DONE) return std::optional<StoredConflictRow>();
    if (rc != SQLITE_ROW) return db_.error(what, rc);
    return std::optional<StoredConflictRow>(
        StoredConflictRow{(*s)->text(0), (*s)->text(1), (*s)->text(2), (*s)->text(3), (*s)->integer(4), (*s)->integer(5)});
  }

  Result<StoredConflictRow> stored_submission(const std::string& instance_id) override {
    const char* what = "cannot read the submission";
    auto s = db_.cached("SELECT instance_id, sha256, device_id, xml, seq, received_at FROM submissions "
                        "WHERE instance_id = ?", what);
    if (!s) return s.error();
    (*s)->bind(instance_id);
    int rc = (*s)->step();
    if (rc == SQLITE_DONE) return Error::make(ErrorCode::sync_storage, "submission " + instance_id + " is missing");
    if (rc != SQLITE_ROW) return db_.error(what, rc);
    return StoredConflictRow{(*s)->text(0), (*s)->text(1), (*s)->text(2), (*s)->text(3), (*s)->integer(4), (*s)->integer(5)};
  }

  Status swap_submission(std::int64_t id, const StoredConflictRow& stored, const StoredConflictRow& other) override {
    const char* what = "cannot keep the other version of the submission";
    auto up = db_.cached("UPDATE submissions SET sha256 = ?, device_id = ?, xml = ?, seq = ?, received_at = ? "
                         "WHERE instance_id = ?", what);
    if (!up) return up.error();
    (*up)->bind(other.sha256, other.device_id, other.xml, other.seq, other.received_at, stored.instance_id);
    if (Status st = db_.run(**up, what); !st) return st;
    auto back = db_.cached("UPDATE submission_conflicts SET sha256 = ?, device_id = ?, xml = ?, seq = ?, received_at = ? "
                           "WHERE id = ?", what);
    if (!back) return back.error();
    (*back)->bind(stored.sha256, stored.device_id, stored.xml, stored.seq, stored.received_at, id);
    return db_.run(**back, what);
  }

  Result<std::optional<QueueDecision>> decision_for(const std::string& kind, std::int64_t conflict_id) override {
    const char* what = "cannot read the queue decisions";
    auto s = db_.cached("SELECT id, kind, records, conflict_id, choice, value, reason, by_name, at FROM queue_decisions "
                        "WHERE kind = ? AND conflict_id = ? ORDER BY id LIMIT 1", what);
    if (!s) return s.error();
    (*s)->bind(kind, conflict_id);
    int rc = (*s)->step();
    if (rc == SQLITE_DONE) return std::optional<QueueDecision>();
    if (rc != SQLITE_ROW) return db_.error(what, rc);
    return std::optional<QueueDecision>(read_decision(**s));
  }

  Result<std::int64_t> insert_decision(const QueueDecision& d) override {
    const char* what = "cannot record the queue decision";
    auto s = db_.cached("INSERT INTO queue_decisions (kind, records, conflict_id, choice, value, reason, by_name, at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", what);
    if (!s) return s.error();
    (*s)->bind(d.kind, records_text(d.records), d.conflict_id, d.choice, d.value, d.reason, d.by, d.at);
    if (Status st = db_.run(**s, what); !st) return st.error();
    return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_.handle()));
  }

  Result<std::vector<Mention>> mentioning(const std::string& text) override {
    const char* what = "cannot read the submissions";
    auto s = db_.cached("SELECT rowid, instance_id, xml FROM submissions WHERE instr(xml, ?) > 0 ORDER BY rowid", what);
    if (!s) return s.error();
    (*s)->bind(text);
    std::vector<Mention> out;
    int rc;
    while ((rc = (*s)->step()) == SQLITE_ROW) out.push_back({(*s)->integer(0), (*s)->text(1), (*s)->text(2)});
    if (rc != SQLITE_DONE) return db_.error(what, rc);
    return out;
  }

  static QueueDecision read_decision(sql::Stmt& s) {
    return QueueDecision{s.integer(0), s.text(1), string_list(s.text(2)), s.integer(3), s.text(4),
                         s.text(5), s.text(6), s.text(7), s.integer(8)};
  }

 private:
  SqliteStorage& s_;
  sql::Db& db_;
};

Result<QueueDecision> SqliteStorage::record_decision(const QueueDecision& d) {
  Call call(*this);
  std::string what = "cannot record the queue decision";
  Txn txn(db_);
  if (Status st = txn.begin(what); !st) return st.error();
  Queue q(*this);
  auto done = apply_decision(q, d, d.at);
  if (!done) return done.error();
  if (Status st = txn.commit(what); !st) return st.error();
  return done;
}

Result<std::vector<QueueDecision>> SqliteStorage::queue_decisions() {
  Call call(*this);
  const char* what = "cannot read the queue decisions";
  auto s = db_.cached("SELECT id, kind, records, conflict_id, choice, value, reason, by_name, at FROM queue_decisions "
                      "ORDER BY id", what);
  if (!s) return s.error();
  std::vector<QueueDecision> out;
  int rc;
  while ((rc = (*s)->step()) == SQLITE_ROW) out.push_back(Queue::read_decision(**s));
  if (rc != SQLITE_DONE) return db_.error(what, rc);
  return out;
}

Result<std::vector<SubmissionConflict>> SqliteStorage::submission_conflicts() {
  Call call(*this);
  const char* what = "cannot read the submission conflicts";
  auto s = db_.cached(
      "SELECT c.id, c.instance_id, s.form_id, s.sha256, s.device_id, s.received_at, c.sha256, c.device_id, c.received_at, "
      "EXISTS (SELECT 1 FROM queue_decisions d WHERE d.kind = 'submission_conflict' AND d.conflict_id = c.id) "
      "FROM submission_conflicts c JOIN submissions s ON s.instance_id = c.instance_id ORDER BY c.id", what);
  if (!s) return s.error();
  std::vector<SubmissionConflict> out;
  int rc;
  while ((rc = (*s)->step()) == SQLITE_ROW)
    out.push_back({(*s)->integer(0), (*s)->text(1), (*s)->text(2), {(*s)->text(3), (*s)->text(4), (*s)->integer(5)},
                   {(*s)->text(6), (*s)->text(7), (*s)->integer(8)}, (*s)->integer(9) == 0});
  if (rc != SQLITE_DONE) return db_.error(what, rc);
  return out;
}

Result<std::vector<std::string>> SqliteStorage::submissions_about(const std::string& record_id) {
  Call call(*this);
  Queue q(*this);
  return sync::submissions_about(q, record_id);
}

}  // namespace khaosat::sync
