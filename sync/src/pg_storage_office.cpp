// PgStorage: the office's review trail and plan overrides (schema 2; server_storage.hpp,
// docs/server-storage.md "Schema 2"). Both tables are append-only, as in SQLite.
#include "pg_storage.hpp"

namespace khaosat::sync {

using pg::Txn;

Status PgStorage::add_review(const Review& r) {
  std::lock_guard lock(mutex_);
  std::string what = "cannot record the review of '" + r.instance_id + "'";
  if (Status st = check_review(r); !st) return st;
  Txn txn(db_);
  if (Status st = txn.begin(what); !st) return st;
  auto sel = db_.exec("SELECT device_id FROM submissions WHERE instance_id = $1", what, {r.instance_id});
  if (!sel) return sel.error();
  if (sel->empty()) return Error::make(ErrorCode::sync_not_found, "no submission '" + r.instance_id + "'");
  if (Status st = db_.run("INSERT INTO reviews (instance_id, state, comment, by_name, at) VALUES ($1, $2, $3, $4, $5)",
                          what, {r.instance_id, r.state, r.comment, r.by, r.at});
      !st)
    return st;
  if (Status st = lock_changes(); !st) return st;
  if (Status st = log_change("decision", r.instance_id, sel->text(0, 0), change_json(decision_of(r)).dump(), r.at); !st)
    return st;
  return txn.commit(what);
}

Result<std::vector<Review>> PgStorage::reviews() {
  std::lock_guard lock(mutex_);
  auto r = db_.exec("SELECT instance_id, state, comment, by_name, at FROM reviews ORDER BY id", "cannot read the reviews");
  if (!r) return r.error();
  std::vector<Review> out;
  out.reserve(static_cast<std::size_t>(r->size()));
  for (int i = 0; i < r->size(); ++i) out.push_back({r->text(i, 0), r->text(i, 1), r->text(i, 2), r->text(i, 3), r->integer(i, 4)});
  return out;
}

Status PgStorage::add_plan_override(const PlanOverride& o) {
  std::lock_guard lock(mutex_);
  if (Status st = check_plan_override(o); !st) return st;
  return db_.run("INSERT INTO plan_overrides (need_id, action, reason, by_name, at) VALUES ($1, $2, $3, $4, $5)",
                 "cannot record the plan override of '" + o.need_id + "'", {o.need_id, o.action, o.reason, o.by, o.at});
}

Result<std::vector<PlanOverride>> PgStorage::plan_overrides() {
  std::lock_guard lock(mutex_);
  auto r = db_.exec("SELECT need_id, action, reason, by_name, at FROM plan_overrides ORDER BY id",
                    "cannot read the plan overrides");
  if (!r) return r.error();
  std::vector<PlanOverride> out;
  out.reserve(static_cast<std::size_t>(r->size()));
  for (int i = 0; i < r->size(); ++i) out.push_back({r->text(i, 0), r->text(i, 1), r->text(i, 2), r->text(i, 3), r->integer(i, 4)});
  return out;
}

Result<std::vector<RegistryConflict>> PgStorage::registry_conflicts() {
  std::lock_guard lock(mutex_);
  auto r = db_.exec("SELECT record_id, registry, property, kept_value, kept_hlc, other_value, other_hlc, device_id, at, id, "
                    "EXISTS (SELECT 1 FROM queue_decisions d WHERE d.kind = 'registry_conflict' AND d.conflict_id = c.id) "
                    "FROM registry_conflicts c ORDER BY id", "cannot read the registry conflicts");
  if (!r) return r.error();
  std::vector<RegistryConflict> out;
  out.reserve(static_cast<std::size_t>(r->size()));
  for (int i = 0; i < r->size(); ++i)
    out.push_back({r->text(i, 0), r->text(i, 1), r->text(i, 2), {r->text(i, 3), r->text(i, 4)},
                   {r->text(i, 5), r->text(i, 6)}, r->text(i, 7), r->integer(i, 8), r->integer(i, 9),
                   r->text(i, 10) != "t"});
  return out;
}

}  // namespace khaosat::sync
