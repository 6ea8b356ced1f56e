// SqliteStorage: the office's review trail and plan overrides (schema 2; server_storage.hpp,
// docs/server-storage.md "Schema 2"). Both tables are append-only.
#include "sqlite_storage.hpp"

namespace khaosat::sync {

using sql::Txn;

Status create_office_tables(sql::Db& db) {
  return db.exec(office_tables_sql("INTEGER PRIMARY KEY").c_str(), "cannot create the office tables");
}

Status SqliteStorage::add_review(const Review& r) {
  Call call(*this);
  std::string what = "cannot record the review of '" + r.instance_id + "'";
  if (Status st = check_review(r); !st) return st;
  Txn txn(db_);
  if (Status st = txn.begin(what); !st) return st;
  auto sel = db_.cached("SELECT device_id FROM submissions WHERE instance_id = ?", what);
  if (!sel) return sel.error();
  (*sel)->bind(r.instance_id);
  if ((*sel)->step() != SQLITE_ROW) return Error::make(ErrorCode::sync_not_found, "no submission '" + r.instance_id + "'");
  std::string device = (*sel)->text(0);
  auto ins = db_.cached("INSERT INTO reviews (instance_id, state, comment, by_name, at) VALUES (?, ?, ?, ?, ?)", what);
  if (!ins) return ins.error();
  (*ins)->bind(r.instance_id, r.state, r.comment, r.by, r.at);
  if (Status st = db_.run(**ins, what); !st) return st;
  if (Status st = log_change("decision", r.instance_id, device, change_json(decision_of(r)).dump(), r.at); !st)
    return st;
  return txn.commit(what);
}

Result<std::vector<Review>> SqliteStorage::reviews() {
  Call call(*this);
  const char* what = "cannot read the reviews";
  auto s = db_.cached("SELECT instance_id, state, comment, by_name, at FROM reviews ORDER BY id", what);
  if (!s) return s.error();
  std::vector<Review> out;
  int rc;
  while ((rc = (*s)->step()) == SQLITE_ROW)
    out.push_back({(*s)->text(0), (*s)->text(1), (*s)->text(2), (*s)->text(3), (*s)->integer(4)});
  if (rc != SQLITE_DONE) return db_.error(what, rc);
  return out;
}

Status SqliteStorage::add_plan_override(const PlanOverride& o) {
  Call call(*this);
  std::string what = "cannot record the plan override of '" + o.need_id + "'";
  if (Status st = check_plan_override(o); !st) return st;
  auto ins = db_.cached("INSERT INTO plan_overrides (need_id, action, reason, by_name, at) VALUES (?, ?, ?, ?, ?)", what);
  if (!ins) return ins.error();
  (*ins)->bind(o.need_id, o.action, o.reason, o.by, o.at);
  return db_.run(**ins, what);
}

Result<std::vector<PlanOverride>> SqliteStorage::plan_overrides() {
  Call call(*this);
  const char* what = "cannot read the plan overrides";
  auto s = db_.cached("SELECT need_id, action, reason, by_name, at FROM plan_overrides ORDER BY id", what);
  if (!s) return s.error();
  std::vector<PlanOverride> out;
  int rc;
  while ((rc = (*s)->step()) == SQLITE_ROW)
    out.push_back({(*s)->text(0), (*s)->text(1), (*s)->text(2), (*s)->text(3), (*s)->integer(4)});
  if (rc != SQLITE_DONE) return db_.error(what, rc);
  return out;
}

Result<std::vector<RegistryConflict>> SqliteStorage::registry_conflicts() {
  Call call(*this);
  const char* what = "cannot read the registry conflicts";
  auto s = db_.cached("SELECT record_id, registry, property, kept_value, kept_hlc, other_value, other_hlc, device_id, at, id, "
                      "EXISTS (SELECT 1 FROM queue_decisions d WHERE d.kind = 'registry_conflict' AND d.conflict_id = c.id) "
                      "FROM registry_conflicts c ORDER BY id", what);
  if (!s) return s.error();
  std::vector<RegistryConflict> out;
  int rc;
  while ((rc = (*s)->step()) == SQLITE_ROW)
    out.push_back({(*s)->text(0), (*s)->text(1), (*s)->text(2), {(*s)->text(3), (*s)->text(4)},
                   {(*s)->text(5), (*s)->text(6)}, (*s)->text(7), (*s)->integer(8), (*s)->integer(9),
                   (*s)->integer(10) == 0});
  if (rc != SQLITE_DONE) return db_.error(what, rc);
  return out;
}

}  // namespace khaosat::sync
