// PgStorage: push (one transaction with its ledger entry, under the device's row lock), the
// registry merge, and pull from the change log behind an opaque cursor, with a snapshot for new
// devices (docs/sync-protocol.md, docs/server-storage.md "PostgreSQL").
#include <algorithm>
#include <set>
#include <tuple>

#include "khaosat/core/json.hpp"
#include "pg_storage.hpp"
#include "waiting_edits.hpp"

namespace khaosat::sync {

using nlohmann::json;
using pg::Txn;

namespace {

// The change log's writers hold this transaction-level lock from before their first `changes`
// row to their commit: numbers are taken and made visible in one order, so a reader that saw
// change n never later finds a change < n appear (its cursor would skip it).
constexpr const char* kChangesLock = "SELECT pg_advisory_xact_lock(4835915601)";
// Edits waiting for their predecessor: a push holding an edit checks that its predecessor is not
// stored, and a push storing submissions then looks for the edits that wait for them. Under
// READ COMMITTED two concurrent pushes could each miss the other's uncommitted row and leave an
// edit waiting for a predecessor that is stored. So a push with an edit takes this lock
// exclusively and any other push with submissions shares it, both to the end of the transaction:
// plain pushes still run side by side; one with an edit runs alone among them.
constexpr const char* kWaitingLockShared = "SELECT pg_advisory_xact_lock_shared(4835915602)";
constexpr const char* kWaitingLock = "SELECT pg_advisory_xact_lock(4835915602)";

}  // namespace

Status PgStorage::lock_changes() { return db_.run(kChangesLock, "cannot lock the change log"); }

Status PgStorage::log_change(const char* kind, const std::string& subject, const std::optional<std::string>& device_id,
                             const std::string& body, std::int64_t now) {
  return db_.run("INSERT INTO changes (kind, subject, device_id, body, at) VALUES ($1, $2, $3, $4, $5)",
                 "cannot write the change log", {kind, subject, device_id, body, now});
}

Result<std::vector<RecordResult>> PgStorage::replayed(const std::string& device_id, std::int64_t from, std::int64_t to) {
  auto r = db_.exec("SELECT results FROM push_ledger WHERE device_id = $1 AND last_seq >= $2 AND first_seq <= $3 "
                    "ORDER BY first_seq", "cannot read the push ledger", {device_id, from, to});
  if (!r) return r.error();
  std::vector<RecordResult> out;
  for (int i = 0; i < r->size(); ++i)
    if (!append_results(r->text(i, 0), from, to, out))
      return Error::make(ErrorCode::sync_storage, db_.where() + ": a push ledger entry is unreadable");
  if (out.size() != static_cast<std::size_t>(to - from + 1))
    return Error::make(ErrorCode::sync_storage, db_.where() + ": the push ledger of device " + device_id +
                                                    " lacks entries " + std::to_string(from) + ".." + std::to_string(to));
  return out;
}

Result<PushAnswer> PgStorage::push(const std::string& device_id, const PushBatch& batch,
                                   const std::vector<CheckedRecord>& checked, std::int64_t now) {
  std::lock_guard lock(mutex_);
  // A deadlock or serialization failure rolled everything back: run the batch again.
  for (int attempt = 1;; ++attempt) {
    auto a = push_once(device_id, batch, checked, now);
    if (a || attempt == 3 || !db_.retryable()) return a;
  }
}

Result<PushAnswer> PgStorage::push_once(const std::string& device_id, const PushBatch& batch,
                                        const std::vector<CheckedRecord>& checked, std::int64_t now) {
  std::string what = "cannot apply the push of " + std::to_string(batch.first_seq) + ".." +
                     std::to_string(batch.last_seq) + " from device " + device_id;
  Txn txn(db_);
  if (Status st = txn.begin(what); !st) return st.error();
  // The device's row lock: another server applying a batch of this device waits here, then
  // reads the sequence this one committed (and answers from the ledger).
  auto dev = db_.exec("SELECT last_seq FROM devices WHERE device_id = $1 FOR UPDATE", what.c_str(), {device_id});
  if (!dev) return dev.error();
  if (dev->empty()) return Error::make(ErrorCode::sync_not_found, "no device '" + device_id + "'");
  std::int64_t last = dev->integer(0, 0);
  if (Status st = check_sequence(device_id, batch, checked, last); !st) return st.error();
  PushAnswer a{device_id, batch.first_seq, batch.last_seq, batch.first_seq <= last, {}, {}};
  if (batch.first_seq <= last) {
    auto old = replayed(device_id, batch.first_seq, std::min(last, batch.last_seq));
    if (!old) return old.error();
    a.results = std::move(old).value();
  }
  if (batch.last_seq <= last) return a;  // wholly replayed: nothing written
  bool registry = std::any_of(checked.begin(), checked.end(), [](const CheckedRecord& c) {
    return c.precheck_reason.empty() && (c.record->kind != "submission" || c.entity);
  });
  bool submissions = false, edits = false;
  for (const CheckedRecord& c : checked)
    if (c.precheck_reason.empty() && c.record->kind == "submission") {
      submissions = true;
      edits = edits || c.record->deprecated_id.has_value();
    }
  if (submissions)
    if (Status st = db_.run(edits ? kWaitingLock : kWaitingLockShared, "cannot lock the waiting edits"); !st)
      return st.error();
  if (registry)
    if (Status st = lock_changes(); !st) return st.error();
  // The batch's new submissions go in a few hundred per statement (one round trip per record
  // was the ingest limit); apply_submission then only finishes them (attachments, the verdict).
  auto bulk = insert_submissions(device_id, checked, now);
  if (!bulk) return bulk.error();
  std::vector<std::string> accepted_shas;
  auto applied = apply_records(checked, [&](const CheckedRecord& c) {
    auto registry = [&](const CheckedRecord& r) { return apply_registry(device_id, r, now); };
    if (c.record->kind != "submission") return registry(c);
    return apply_submission_and_entity(
        c, [&](const CheckedRecord& r) { return apply_submission(device_id, r, now, *bulk); }, registry);
  }, accepted_shas);
  if (!applied) return applied.error();
  std::vector<RecordResult> fresh = std::move(applied).value();
  if (submissions)
    if (Status st = release_waiting(now); !st) return st.error();
  if (Status st = db_.run("INSERT INTO push_ledger (device_id, first_seq, last_seq, results, received_at) "
                          "VALUES ($1, $2, $3, $4, $5)",
                          what, {device_id, last + 1, batch.last_seq, results_json(fresh).dump(), now});
      !st)
    return st.error();
  if (Status st = db_.run("UPDATE devices SET last_seq = $1, last_seen = $2 WHERE device_id = $3", what,
                          {batch.last_seq, now, device_id});
      !st)
    return st.error();
  for (const auto& sha : accepted_shas) {
    auto st = attachment_state_locked(sha, false);
    if (!st) return st.error();
    if (*st && !(*st)->complete) a.attachments_needed.push_back(**st);
  }
  fault_pause_in_push(device_id, batch);
  if (Status st = txn.commit(what); !st) return st.error();
  a.results.insert(a.results.end(), fresh.begin(), fresh.end());
  return a;
}

Result<PgStorage::BulkInsert> PgStorage::insert_submissions(const std::string& device_id,
                                                              const std::vector<CheckedRecord>& checked,
                                                              std::int64_t now) {
  BulkInsert out;
  const char* what = "cannot store the batch's submissions";
  // Which of the batch's forms are published: one query per distinct form version.
  for (const CheckedRecord& c : checked) {
    const PushRecord& rec = *c.record;
    if (!c.precheck_reason.empty() || rec.kind != "submission") continue;
    auto key = std::make_pair(rec.form_id, rec.form_version);
    if (out.forms.count(key)) continue;
    auto known = form_exists(rec.form_id, rec.form_version);
    if (!known) return known.error();
    out.forms[key] = *known;
  }
  // Candidates: the first record of each instance id whose form is known. A second record of
  // the same id in this batch, or one whose id is already stored, takes the per-record path.
  std::vector<const CheckedRecord*> rows;
  std::set<std::string_view> ids;
  for (const CheckedRecord& c : checked) {
    const PushRecord& rec = *c.record;
    if (!c.precheck_reason.empty() || rec.kind != "submission") continue;
    if (!out.forms[{rec.form_id, rec.form_version}]) continue;
    // An edit may have to wait for its predecessor: the per-record path decides (hold_edit).
    // Its id still counts, so a later record of the same id is judged after it.
    if (ids.insert(rec.id).second && !rec.deprecated_id) rows.push_back(&c);
  }
  constexpr std::size_t kRowsPerStatement = 500;  // 9 parameters a row; libpq allows 65,535
  for (std::size_t first = 0; first < rows.size(); first += kRowsPerStatement) {
    std::size_t last = std::min(rows.size(), first + kRowsPerStatement);
    std::string sql = "INSERT INTO submissions (instance_id, form_id, form_version, device_id, seq, sha256, "
                      "deprecated_id, xml, received_at) VALUES ";
    std::vector<pg::Param> params;
    params.reserve((last - first) * 9);
    for (std::size_t i = first; i < last; ++i) {
      const CheckedRecord& c = *rows[i];
      const PushRecord& rec = *c.record;
      std::size_t n = params.size();
      sql += i == first ? "(" : ",(";
      for (std::size_t k = 1; k <= 9; ++k) sql += (k > 1 ? ",$" : "$") + std::to_string(n + k);
      sql += ")";
      params.insert(params.end(), {rec.id, rec.form_id, rec.form_version, device_id, rec.seq, c.sha256,
                                   rec.deprecated_id, pg::bytes(rec.xml), now});
    }
    sql += " ON CONFLICT (instance_id) DO NOTHING RETURNING instance_id";
    auto r = db_.exec(sql.c_str(), what, params);
    if (!r) return r.error();
    for (int i = 0; i < r->size(); ++i) out.inserted.insert(r->text(i, 0));
  }
  return out;
}

Result<RecordResult> PgStorage::apply_submission(const std::string& device_id, const CheckedRecord& c, std::int64_t now,
                                                 BulkInsert& bulk) {
  const PushRecord& rec = *c.record;
  const char* what = "cannot store a submission";
  if (!bulk.forms[{rec.form_id, rec.form_version}])
    return verdict(rec.seq, RecordStatus::Rejected, "form '" + rec.form_id + "' version '" + rec.form_version +
                                                        "' is not published on this server");
  // Inserted by insert_submissions (once: a later record of the same id is a duplicate or a conflict).
  if (bulk.inserted.erase(rec.id)) return finish_submission(c);
  if (rec.deprecated_id) {
    auto held = hold_edit(device_id, c, now);
    if (!held) return held.error();
    if (*held) return **held;
  }
  // ON CONFLICT DO NOTHING: when another device's push of the same instance is in flight, this
  // waits for it, then sees its row (below) instead of failing on the key.
  auto ins = db_.exec("INSERT INTO submissions (instance_id, form_id, form_version, device_id, seq, sha256, "
                      "deprecated_id, xml, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                      "ON CONFLICT (instance_id) DO NOTHING",
                      what, {rec.id, rec.form_id, rec.form_version, device_id, rec.seq, c.sha256, rec.deprecated_id,
                             pg::bytes(rec.xml), now});
  if (!ins) return ins.error();
  if (ins->affected() == 0) {
    auto sel = db_.exec("SELECT sha256 FROM submissions WHERE instance_id = $1", what, {rec.id});
    if (!sel) return sel.error();
    std::string stored = sel->empty() ? std::string() : sel->text(0, 0);
    if (stored == c.sha256) return verdict(rec.seq, RecordStatus::Duplicate);
    if (Status st = db_.run("INSERT INTO submission_conflicts (instance_id, sha256, device_id, seq, xml, received_at) "
                            "VALUES ($1, $2, $3, $4, $5, $6)",
                            what, {rec.id, c.sha256, device_id, rec.seq, pg::bytes(rec.xml), now});
        !st)
      return st.error();
    return verdict(rec.seq, RecordStatus::Conflict,
                   "instance " + rec.id + " is stored with sha256 " + stored + "; this version (" + c.sha256 +
                       ") is kept for the office to review");
  }
  return finish_submission(c);
}

// Runs under the waiting edits' lock, taken exclusively (push_once).
Result<std::optional<RecordResult>> PgStorage::hold_edit(const std::string& device_id, const CheckedRecord& c,
                                                         std::int64_t now) {
  const PushRecord& rec = *c.record;
  const char* what = "cannot hold an edit for its predecessor";
  auto held = db_.exec("SELECT sha256 FROM waiting_submissions WHERE instance_id = $1", what, {rec.id});
  if (!held) return held.error();
  if (!held->empty()) return std::optional(verdict_against_held(rec, c.sha256, held->text(0, 0)));
  // Stored already (a duplicate or a conflict), or its predecessor is: stored as any submission.
  auto known = db_.exec("SELECT 1 FROM submissions WHERE instance_id = $1 OR instance_id = $2", what,
                        {rec.id, *rec.deprecated_id});
  if (!known) return known.error();
  if (!known->empty()) return std::optional<RecordResult>();
  HeldEdit h = held_edit(device_id, c);
  auto opt = [](const std::string& s) { return s.empty() ? std::nullopt : std::optional<std::string>(s); };
  if (Status st = db_.run("INSERT INTO waiting_submissions (instance_id, deprecated_id, form_id, device_id, seq, "
                          "sha256, record, entity, scope, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                          what, {rec.id, *rec.deprecated_id, rec.form_id, device_id, rec.seq, c.sha256, h.record,
                                 opt(h.entity), opt(h.scope), now});
      !st)
    return st.error();
  // Its photos are uploaded now, as any submission's (attachments_needed lists them).
  if (Status st = declare_attachments(rec, false); !st) return st.error();
  return std::optional(held_verdict(rec));
}

Status PgStorage::release_waiting(std::int64_t now) {
  const char* what = "cannot release the edits waiting for their predecessor";
  for (std::uint32_t order = 0;;) {
    auto r = db_.exec("DELETE FROM waiting_submissions w USING submissions s WHERE s.instance_id = w.deprecated_id "
                      "RETURNING w.instance_id, w.device_id, w.sha256, w.record, COALESCE(w.entity, ''), "
                      "COALESCE(w.scope, ''), w.received_at, w.seq, w.form_id",
                      what);
    if (!r) return r.error();
    if (r->empty()) return core::ok_status();
    std::vector<int> rows(static_cast<std::size_t>(r->size()));
    for (int i = 0; i < r->size(); ++i) rows[static_cast<std::size_t>(i)] = i;
    std::sort(rows.begin(), rows.end(), [&](int a, int b) {
      return std::make_tuple(r->integer(a, 6), r->text(a, 1), r->integer(a, 7)) <
             std::make_tuple(r->integer(b, 6), r->text(b, 1), r->integer(b, 7));
    });
    for (int i : rows) {
      auto edit = released_edit(r->text(i, 2), {r->text(i, 3), r->text(i, 4), r->text(i, 5)}, db_.where(), now, order++);
      if (!edit) return edit.error();
      if (edit->entity)
        if (Status st = lock_changes(); !st) return st;
      const std::string device_id = r->text(i, 1);
      BulkInsert one;  // its form was published when it was held (a version is never withdrawn)
      one.forms[{edit->record.form_id, edit->record.form_version}] = true;
      auto registry = [&](const CheckedRecord& c) { return apply_registry(device_id, c, now); };
      auto stored = apply_submission_and_entity(
          edit->checked(), [&](const CheckedRecord& c) { return apply_submission(device_id, c, now, one); }, registry);
      if (!stored) return stored.error();
    }
  }
}

Result<std::vector<WaitingEdit>> PgStorage::waiting_edits() {
  std::lock_guard lock(mutex_);
  auto r = db_.exec("SELECT instance_id, deprecated_id, form_id, device_id, sha256, seq, received_at "
                    "FROM waiting_submissions ORDER BY received_at, device_id, seq", "cannot read the waiting edits");
  if (!r) return r.error();
  std::vector<WaitingEdit> out;
  for (int i = 0; i < r->size(); ++i)
    out.push_back({r->text(i, 0), r->text(i, 1), r->text(i, 2), r->text(i, 3), r->text(i, 4), r->integer(i, 5),
                   r->integer(i, 6)});
  return out;
}

// A stored submission's attachment rows, and its verdict.
Result<RecordResult> PgStorage::finish_submission(const CheckedRecord& c) {
  if (Status st = declare_attachments(*c.record, true); !st) return st.error();
  return verdict(c.record->seq, RecordStatus::Accepted);
}

Status PgStorage::declare_attachments(const PushRecord& rec, bool link) {
  const char* what = "cannot store a submission's attachments";
  for (const AttachmentRef& a : rec.attachments) {
    if (Status st = db_.run("INSERT INTO attachments (sha256, size) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING",
                            what, {a.sha256, a.size});
        !st)
      return st;
    if (!link) continue;
    if (Status st = db_.run("INSERT INTO submission_attachments (instance_id, name, sha256) VALUES ($1, $2, $3) "
                            "ON CONFLICT DO NOTHING", what, {rec.id, a.name, a.sha256});
        !st)
      return st;
  }
  return core::ok_status();
}

Result<std::optional<core::PulledRecord>> PgStorage::load_record(const std::string& record_id,
                                                                  PushedBy* pushed) {
  auto r = db_.exec("SELECT registry, properties, merged_into FROM registry WHERE record_id = $1",
                    "cannot read the registry", {record_id});
  if (!r) return r.error();
  if (r->empty()) return std::optional<core::PulledRecord>();
  return std::optional<core::PulledRecord>(record_from_columns(record_id, r->text(0, 0), r->text(0, 1), r->text(0, 2), pushed));
}

// Runs under the change log's lock (push took it): no other writer merges meanwhile.
Result<RecordResult> PgStorage::apply_registry(const std::string& device_id, const CheckedRecord& c, std::int64_t now) {
  const PushRecord& rec = *c.record;
  const char* what = "cannot merge a registry record";
  PushedBy pushed;
  auto existing = load_record(rec.id, &pushed);
  if (!existing) return existing.error();
  Merged m = merge_registry(std::move(existing).value(), std::move(pushed), c, device_id);
  if (!m.rejected.empty()) return verdict(rec.seq, RecordStatus::Rejected, m.rejected);
  // A derived entity edit the device's own edit already brought: nothing to write or log.
  if (c.derived && !m.changed) return verdict(rec.seq, RecordStatus::Accepted);
  const core::PulledRecord& merged = m.record;
  if (Status st = db_.run("INSERT INTO registry (record_id, registry, properties, updated_at) VALUES ($1, $2, $3, $4) "
                          "ON CONFLICT (record_id) DO UPDATE SET properties = excluded.properties, "
                          "updated_at = excluded.updated_at",
                          what, {merged.record_id, std::string_view(core::to_string(merged.registry)),
                                 properties_json(merged.properties, m.pushed).dump(), now});
      !st)
    return st.error();
  for (const RegistryConflict& c : m.conflicts)
    if (Status st = db_.run("INSERT INTO registry_conflicts (record_id, registry, property, kept_value, kept_hlc, "
                            "other_value, other_hlc, device_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                            what, {c.record_id, c.registry, c.property, c.kept.value, c.kept.hlc, c.other.value,
                                   c.other.hlc, device_id, now});
        !st)
      return st.error();
  if (Status st = log_change("registry", merged.record_id, std::nullopt, stored_change_json(merged, m.pushed).dump(), now);
      !st)
    return st.error();
  return verdict(rec.seq, RecordStatus::Accepted);
}

// --- Pull ------------------------------------------------------------------------------------

Result<std::int64_t> PgStorage::high_water() {
  auto r = db_.exec("SELECT COALESCE(MAX(seq), 0) FROM changes", "cannot read the change log");
  if (!r) return r.error();
  return r->integer(0, 0);
}

Result<core::PulledForm> PgStorage::load_form(const std::string& form_id, const std::string& version) {
  const char* what = "cannot read a published form";
  auto f = db_.exec("SELECT name, xform FROM forms WHERE form_id = $1 AND version = $2", what, {form_id, version});
  if (!f) return f.error();
  if (f->empty())
    return Error::make(ErrorCode::sync_storage, "the change log names form " + form_id + " " + version + ", which is missing");
  auto m = db_.exec("SELECT name, bytes FROM form_media WHERE form_id = $1 AND version = $2 ORDER BY name", what,
                    {form_id, version});
  if (!m) return m.error();
  core::PulledForm out;
  out.form = {f->text(0, 0), f->bytes(0, 1)};
  for (int i = 0; i < m->size(); ++i) out.media.push_back({m->text(i, 0), m->bytes(i, 1)});
  return out;
}

Result<std::optional<core::PulledForm>> PgStorage::published_form(const std::string& form_id,
                                                                  const std::string& version) {
  std::lock_guard lock(mutex_);
  auto known = form_exists(form_id, version);
  if (!known) return known.error();
  if (!*known) return std::optional<core::PulledForm>();
  auto loaded = load_form(form_id, version);
  if (!loaded) return loaded.error();
  return std::optional<core::PulledForm>(std::move(loaded).value());
}

Result<std::vector<core::PulledForm>> PgStorage::current_forms() {
  // The latest published version of each form.
  auto r = db_.exec("SELECT form_id, version FROM forms f WHERE published_at = "
                    "(SELECT MAX(published_at) FROM forms g WHERE g.form_id = f.form_id) ORDER BY form_id",
                    "cannot read the forms");
  if (!r) return r.error();
  std::vector<core::PulledForm> out;
  for (int i = 0; i < r->size(); ++i) {
    auto f = load_form(r->text(i, 0), r->text(i, 1));
    if (!f) return f.error();
    out.push_back(std::move(f).value());
  }
  return out;
}

Result<PullAnswer> PgStorage::pull(const std::string& device_id, const std::string& cursor_text, int limit) {
  std::lock_guard lock(mutex_);
  const char* what = "cannot read the change log";
  auto cur = parse_cursor(cursor_text);
  if (!cur) return bad_cursor(cursor_text);
  // One snapshot for the whole page.
  Txn txn(db_);
  if (Status st = txn.begin(what, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !st) return st.error();
  PullAnswer a;
  if (cur->snapshot) {
    if (cur->fresh) {
      auto high = high_water();
      if (!high) return high.error();
      cur->seq = *high;
      auto forms = current_forms();
      if (!forms) return forms.error();
      a.page.forms = std::move(forms).value();
      // The office's decisions on what this device sent before its first pull (as SQLite).
      auto d = db_.exec("SELECT body FROM changes WHERE kind = 'decision' AND device_id = $1 AND seq <= $2 "
                        "ORDER BY seq", what, {device_id, cur->seq});
      if (!d) return d.error();
      for (int i = 0; i < d->size(); ++i)
        if (Status st = add_change(d->text(i, 0), db_.where(), a); !st) return st.error();
    }
    auto r = db_.exec("SELECT record_id, registry, properties, merged_into FROM registry WHERE record_id > $1 "
                      "ORDER BY record_id LIMIT $2", what, {cur->after, limit});
    if (!r) return r.error();
    for (int i = 0; i < r->size(); ++i) {
      PushedBy pushed;
      auto rec = record_from_columns(r->text(i, 0), r->text(i, 1), r->text(i, 2), r->text(i, 3), &pushed);
      if (leave_out_own(rec, pushed, device_id)) a.page.records.push_back(std::move(rec));
    }
    bool last_page = r->size() < limit;
    a.page.cursor = last_page ? "v1.log." + std::to_string(cur->seq)
                              : "v1.snap." + std::to_string(cur->seq) + "." + r->text(r->size() - 1, 0);
    auto high = high_water();
    if (!high) return high.error();
    a.more = !last_page || *high > cur->seq;
    if (Status st = txn.commit(what); !st) return st.error();
    return a;
  }
  auto r = db_.exec("SELECT seq, kind, subject, body FROM changes WHERE seq > $1 AND "
                    "(device_id IS NULL OR device_id = $2) ORDER BY seq LIMIT $3", what, {cur->seq, device_id, limit});
  if (!r) return r.error();
  std::int64_t last = cur->seq;
  for (int i = 0; i < r->size(); ++i) {
    last = r->integer(i, 0);
    std::string kind = r->text(i, 1), subject = r->text(i, 2);
    if (kind == "form") {
      auto nl = subject.find('\n');
      auto f = load_form(subject.substr(0, nl), subject.substr(nl + 1));
      if (!f) return f.error();
      a.page.forms.push_back(std::move(f).value());
      continue;
    }
    if (Status st = add_change(r->text(i, 3), db_.where(), a, device_id); !st) return st.error();
  }
  a.page.cursor = "v1.log." + std::to_string(last);
  a.more = r->size() == limit;
  if (Status st = txn.commit(what); !st) return st.error();
  return a;
}

}  // namespace khaosat::sync
