// SqliteStorage: push (one transaction with its ledger entry), the registry merge, and pull
// from the change log behind an opaque cursor, with a snapshot for new devices
// (docs/sync-protocol.md, docs/server-storage.md).
#include <algorithm>
#include <tuple>

#include "khaosat/core/json.hpp"
#include "khaosat/core/parse_number.hpp"
#include "khaosat/core/store_ids.hpp"
#include "sqlite_storage.hpp"
#include "waiting_edits.hpp"

namespace khaosat::sync {

using nlohmann::json;
using sql::Txn;

Status SqliteStorage::log_change(const char* kind, const std::string& subject,
                                 const std::optional<std::string>& device_id, const std::string& body,
                                 std::int64_t now) {
  auto s = db_.cached("INSERT INTO changes (kind, subject, device_id, body, at) VALUES (?, ?, ?, ?, ?)",
                      "cannot write the change log");
  if (!s) return s.error();
  (*s)->bind(kind, subject, device_id, body, now);
  return db_.run(**s, "cannot write the change log");
}

Result<std::vector<RecordResult>> SqliteStorage::replayed(const std::string& device_id, std::int64_t from,
                                                          std::int64_t to) {
  const char* what = "cannot read the push ledger";
  auto s = db_.cached("SELECT results FROM push_ledger WHERE device_id = ? AND last_seq >= ? AND first_seq <= ? "
                      "ORDER BY first_seq", what);
  if (!s) return s.error();
  (*s)->bind(device_id, from, to);
  std::vector<RecordResult> out;
  while ((*s)->step() == SQLITE_ROW)
    if (!append_results((*s)->text(0), from, to, out))
      return Error::make(ErrorCode::sync_storage, db_.path() + ": a push ledger entry is unreadable");
  if (out.size() != static_cast<std::size_t>(to - from + 1))
    return Error::make(ErrorCode::sync_storage, db_.path() + ": the push ledger of device " + device_id +
                                                    " lacks entries " + std::to_string(from) + ".." + std::to_string(to));
  return out;
}

Result<PushAnswer> SqliteStorage::push(const std::string& device_id, const PushBatch& batch,
                                       const std::vector<CheckedRecord>& checked, std::int64_t now) {
  Call call(*this);
  std::string what = "cannot apply the push of " + std::to_string(batch.first_seq) + ".." +
                     std::to_string(batch.last_seq) + " from device " + device_id;
  Txn txn(db_);
  if (Status st = txn.begin(what); !st) return st.error();
  auto dev = db_.cached("SELECT last_seq FROM devices WHERE device_id = ?", what.c_str());
  if (!dev) return dev.error();
  (*dev)->bind(device_id);
  if ((*dev)->step() != SQLITE_ROW) return Error::make(ErrorCode::sync_not_found, "no device '" + device_id + "'");
  std::int64_t last = (*dev)->integer(0);
  if (Status st = check_sequence(device_id, batch, checked, last); !st) return st.error();
  PushAnswer a{device_id, batch.first_seq, batch.last_seq, batch.first_seq <= last, {}, {}};
  if (batch.first_seq <= last) {
    auto old = replayed(device_id, batch.first_seq, std::min(last, batch.last_seq));
    if (!old) return old.error();
    a.results = std::move(old).value();
  }
  if (batch.last_seq <= last) return a;  // wholly replayed: nothing written
  std::vector<std::string> accepted_shas;
  auto applied = apply_records(checked, [&](const CheckedRecord& c) {
    auto registry = [&](const CheckedRecord& r) { return apply_registry(device_id, r, now); };
    if (c.record->kind != "submission") return registry(c);
    return apply_submission_and_entity(c, [&](const CheckedRecord& r) { return apply_submission(device_id, r, now); },
                                       registry);
  }, accepted_shas);
  if (!applied) return applied.error();
  std::vector<RecordResult> fresh = std::move(applied).value();
  if (Status st = release_waiting(now); !st) return st.error();
  auto ledger = db_.cached("INSERT INTO push_ledger (device_id, first_seq, last_seq, results, received_at) "
                           "VALUES (?, ?, ?, ?, ?)", what.c_str());
  if (!ledger) return ledger.error();
  (*ledger)->bind(device_id, last + 1, batch.last_seq, results_json(fresh).dump(), now);
  if (Status st = db_.run(**ledger, what); !st) return st.error();
  auto up = db_.cached("UPDATE devices SET last_seq = ?, last_seen = ? WHERE device_id = ?", what.c_str());
  if (!up) return up.error();
  (*up)->bind(batch.last_seq, now, device_id);
  if (Status st = db_.run(**up, what); !st) return st.error();
  for (const auto& sha : accepted_shas) {
    auto st = attachment_state_locked(sha);
    if (!st) return st.error();
    if (*st && !(*st)->complete) a.attachments_needed.push_back(**st);
  }
  fault_pause_in_push(device_id, batch);
  if (Status st = txn.commit(what); !st) return st.error();
  a.results.insert(a.results.end(), fresh.begin(), fresh.end());
  return a;
}

Result<RecordResult> SqliteStorage::apply_submission(const std::string& device_id, const CheckedRecord& c,
                                                     std::int64_t now) {
  const PushRecord& rec = *c.record;
  const char* what = "cannot store a submission";
  auto known = form_exists(rec.form_id, rec.form_version);
  if (!known) return known.error();
  if (!*known)
    return verdict(rec.seq, RecordStatus::Rejected, "form '" + rec.form_id + "' version '" + rec.form_version +
                                                        "' is not published on this server");
  auto sel = db_.cached("SELECT sha256 FROM submissions WHERE instance_id = ?", what);
  if (!sel) return sel.error();
  (*sel)->bind(rec.id);
  if ((*sel)->step() == SQLITE_ROW) {
    std::string stored = (*sel)->text(0);
    if (stored == c.sha256) return verdict(rec.seq, RecordStatus::Duplicate);
    auto ins = db_.cached("INSERT INTO submission_conflicts (instance_id, sha256, device_id, seq, xml, received_at) "
                          "VALUES (?, ?, ?, ?, ?, ?)", what);
    if (!ins) return ins.error();
    (*ins)->bind(rec.id, c.sha256, device_id, rec.seq, rec.xml, now);
    if (Status st = db_.run(**ins, what); !st) return st.error();
    return verdict(rec.seq, RecordStatus::Conflict,
                   "instance " + rec.id + " is stored with sha256 " + stored +
                       "; this version (" + c.sha256 + ") is kept for the office to review");
  }
  if (rec.deprecated_id) {
    auto held = hold_edit(device_id, c, now);
    if (!held) return held.error();
    if (*held) return **held;
  }
  auto ins = db_.cached("INSERT INTO submissions (instance_id, form_id, form_version, device_id, seq, sha256, "
                        "deprecated_id, xml, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", what);
  if (!ins) return ins.error();
  (*ins)->bind(rec.id, rec.form_id, rec.form_version, device_id, rec.seq, c.sha256, rec.deprecated_id, rec.xml, now);
  if (Status st = db_.run(**ins, what); !st) return st.error();
  if (Status st = declare_attachments(rec, true); !st) return st.error();
  return verdict(rec.seq, RecordStatus::Accepted);
}

Status SqliteStorage::declare_attachments(const PushRecord& rec, bool link) {
  const char* what = "cannot store a submission's attachments";
  for (const AttachmentRef& a : rec.attachments) {
    auto att = db_.cached("INSERT INTO attachments (sha256, size) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING", what);
    if (!att) return att.error();
    (*att)->bind(a.sha256, a.size);
    if (Status st = db_.run(**att, what); !st) return st;
    if (!link) continue;
    auto ins = db_.cached("INSERT INTO submission_attachments (instance_id, name, sha256) VALUES (?, ?, ?) "
                          "ON CONFLICT DO NOTHING", what);
    if (!ins) return ins.error();
    (*ins)->bind(rec.id, a.name, a.sha256);
    if (Status st = db_.run(**ins, what); !st) return st;
  }
  return core::ok_status();
}

Result<std::optional<RecordResult>> SqliteStorage::hold_edit(const std::string& device_id, const CheckedRecord& c,
                                                             std::int64_t now) {
  const PushRecord& rec = *c.record;
  const char* what = "cannot hold an edit for its predecessor";
  auto held = db_.cached("SELECT sha256 FROM waiting_submissions WHERE instance_id = ?", what);
  if (!held) return held.error();
  (*held)->bind(rec.id);
  if ((*held)->step() == SQLITE_ROW) return std::optional(verdict_against_held(rec, c.sha256, (*held)->text(0)));
  auto pred = db_.cached("SELECT 1 FROM submissions WHERE instance_id = ?", what);
  if (!pred) return pred.error();
  (*pred)->bind(*rec.deprecated_id);
  if ((*pred)->step() == SQLITE_ROW) return std::optional<RecordResult>();
  HeldEdit h = held_edit(device_id, c);
  auto opt = [](const std::string& s) { return s.empty() ? std::nullopt : std::optional<std::string>(s); };
  auto ins = db_.cached("INSERT INTO waiting_submissions (instance_id, deprecated_id, form_id, device_id, seq, sha256, "
                        "record, entity, scope, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", what);
  if (!ins) return ins.error();
  (*ins)->bind(rec.id, *rec.deprecated_id, rec.form_id, device_id, rec.seq, c.sha256, h.record, opt(h.entity),
               opt(h.scope), now);
  if (Status st = db_.run(**ins, what); !st) return st.error();
  // Its photos are uploaded now, as any submission's (attachments_needed lists them).
  if (Status st = declare_attachments(rec, false); !st) return st.error();
  return std::optional(held_verdict(rec));
}

Status SqliteStorage::release_waiting(std::int64_t now) {
  const char* what = "cannot release the edits waiting for their predecessor";
  for (std::uint32_t order = 0;;) {
    auto sel = db_.cached("SELECT w.instance_id, w.device_id, w.sha256, w.record, COALESCE(w.entity, ''), "
                          "COALESCE(w.scope, '') FROM waiting_submissions w "
                          "JOIN submissions s ON s.instance_id = w.deprecated_id "
                          "ORDER BY w.received_at, w.device_id, w.seq", what);
    if (!sel) return sel.error();
    (*sel)->bind();
    struct Row {
      std::string id, device_id, sha256;
      HeldEdit held;
    };
    std::vector<Row> rows;
    while ((*sel)->step() == SQLITE_ROW)
      rows.push_back({(*sel)->text(0), (*sel)->text(1), (*sel)->text(2),
                      {(*sel)->text(3), (*sel)->text(4), (*sel)->text(5)}});
    (*sel)->bind();  // off its row before the writes below
    if (rows.empty()) return core::ok_status();
    for (const Row& row : rows) {
      auto del = db_.cached("DELETE FROM waiting_submissions WHERE instance_id = ?", what);
      if (!del) return del.error();
      (*del)->bind(row.id);
      if (Status st = db_.run(**del, what); !st) return st;
      auto edit = released_edit(row.sha256, row.held, db_.path(), now, order++);
      if (!edit) return edit.error();
      auto registry = [&](const CheckedRecord& r) { return apply_registry(row.device_id, r, now); };
      auto stored = apply_submission_and_entity(
          edit->checked(), [&](const CheckedRecord& r) { return apply_submission(row.device_id, r, now); }, registry);
      if (!stored) return stored.error();
    }
  }
}

Result<std::vector<WaitingEdit>> SqliteStorage::waiting_edits() {
  Call call(*this);
  auto s = db_.cached("SELECT instance_id, deprecated_id, form_id, device_id, sha256, seq, received_at "
                      "FROM waiting_submissions ORDER BY received_at, device_id, seq", "cannot read the waiting edits");
  if (!s) return s.error();
  (*s)->bind();
  std::vector<WaitingEdit> out;
  while ((*s)->step() == SQLITE_ROW)
    out.push_back({(*s)->text(0), (*s)->text(1), (*s)->text(2), (*s)->text(3), (*s)->text(4), (*s)->integer(5),
                   (*s)->integer(6)});
  return out;
}

Result<std::optional<core::PulledRecord>> SqliteStorage::load_record(const std::string& record_id,
                                                                      PushedBy* pushed) {
  auto s = db_.cached("SELECT registry, properties, merged_into FROM registry WHERE record_id = ?", "cannot read the registry");
  if (!s) return s.error();
  (*s)->bind(record_id);
  if ((*s)->step() != SQLITE_ROW) return std::optional<core::PulledRecord>();
  return std::optional<core::PulledRecord>(record_from_columns(record_id, (*s)->text(0), (*s)->text(1), (*s)->text(2), pushed));
}

Result<RecordResult> SqliteStorage::apply_registry(const std::string& device_id, const CheckedRecord& c, std::int64_t now) {
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
  auto up = db_.cached("INSERT INTO registry (record_id, registry, properties, updated_at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (record_id) DO UPDATE SET properties = excluded.properties, "
                       "updated_at = excluded.updated_at", what);
  if (!up) return up.error();
  (*up)->bind(merged.record_id, std::string_view(core::to_string(merged.registry)),
              properties_json(merged.properties, m.pushed).dump(), now);
  if (Status st = db_.run(**up, what); !st) return st.error();
  for (const RegistryConflict& c : m.conflicts) {
    auto ins = db_.cached("INSERT INTO registry_conflicts (record_id, registry, property, kept_value, kept_hlc, "
                          "other_value, other_hlc, device_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", what);
    if (!ins) return ins.error();
    (*ins)->bind(c.record_id, c.registry, c.property, c.kept.value, c.kept.hlc, c.other.value, c.other.hlc, device_id, now);
    if (Status st = db_.run(**ins, what); !st) return st.error();
  }
  if (Status st = log_change("registry", merged.record_id, std::nullopt, stored_change_json(merged, m.pushed).dump(), now);
      !st)
    return st.error();
  return verdict(rec.seq, RecordStatus::Accepted);
}

// --- Pull ------------------------------------------------------------------------------------

Result<std::int64_t> SqliteStorage::high_water() {
  auto s = db_.cached("SELECT COALESCE(MAX(seq), 0) FROM changes", "cannot read the change log");
  if (!s) return s.error();
  (*s)->bind();
  (*s)->step();
  return (*s)->integer(0);
}

Result<core::PulledForm> SqliteStorage::load_form(const std::string& form_id, const std::string& version) {
  const char* what = "cannot read a published form";
  auto f = db_.cached("SELECT name, xform FROM forms WHERE form_id = ? AND version = ?", what);
  auto m = db_.cached("SELECT name, bytes FROM form_media WHERE form_id = ? AND version = ? ORDER BY name", what);
  if (!f) return f.error();
  if (!m) return m.error();
  (*f)->bind(form_id, version);
  if ((*f)->step() != SQLITE_ROW)
    return Error::make(ErrorCode::sync_storage, "the change log names form " + form_id + " " + version + ", which is missing");
  core::PulledForm out;
  out.form = {(*f)->text(0), (*f)->text(1)};
  (*m)->bind(form_id, version);
  while ((*m)->step() == SQLITE_ROW) out.media.push_back({(*m)->text(0), (*m)->text(1)});
  return out;
}

Result<std::optional<core::PulledForm>> SqliteStorage::published_form(const std::string& form_id,
                                                                      const std::string& version) {
  Call call(*this);
  auto known = form_exists(form_id, version);
  if (!known) return known.error();
  if (!*known) return std::optional<core::PulledForm>();
  auto f = load_form(form_id, version);
  if (!f) return f.error();
  return std::optional<core::PulledForm>(std::move(f).value());
}

Result<std::vector<core::PulledForm>> SqliteStorage::current_forms() {
  // The latest published version of each form.
  auto s = db_.cached("SELECT form_id, version FROM forms f WHERE published_at = "
                      "(SELECT MAX(published_at) FROM forms g WHERE g.form_id = f.form_id) ORDER BY form_id",
                      "cannot read the forms");
  if (!s) return s.error();
  (*s)->bind();
  std::vector<std::pair<std::string, std::string>> keys;
  while ((*s)->step() == SQLITE_ROW) keys.emplace_back((*s)->text(0), (*s)->text(1));
  std::vector<core::PulledForm> out;
  for (const auto& [id, v] : keys) {
    auto f = load_form(id, v);
    if (!f) return f.error();
    out.push_back(std::move(f).value());
  }
  return out;
}

Result<PullAnswer> SqliteStorage::pull(const std::string& device_id, const std::string& cursor_text, int limit) {
  Call call(*this);
  const char* what = "cannot read the change log";
  auto cur = parse_cursor(cursor_text);
  if (!cur) return bad_cursor(cursor_text);
  // One read transaction: the whole page comes from one snapshot of the database.
  if (Status st = db_.exec("BEGIN", what); !st) return st.error();
  struct End {
    sql::Db& db;
    ~End() {
      db.reset_all();
      sqlite3_exec(db.handle(), "COMMIT", nullptr, nullptr, nullptr);
    }
  } end{db_};
  PullAnswer a;
  if (cur->snapshot) {
    if (cur->fresh) {
      auto high = high_water();
      if (!high) return high.error();
      cur->seq = *high;
      auto forms = current_forms();
      if (!forms) return forms.error();
      a.page.forms = std::move(forms).value();
      // The office's decisions on what this device sent before its first pull: the log holds
      // them, but the device starts after them (oldest first: the latest wins on the device).
      auto d = db_.cached("SELECT body FROM changes WHERE kind = 'decision' AND device_id = ? AND seq <= ? "
                          "ORDER BY seq", what);
      if (!d) return d.error();
      (*d)->bind(device_id, cur->seq);
      std::vector<std::string> bodies;
      while ((*d)->step() == SQLITE_ROW) bodies.push_back((*d)->text(0));
      for (const auto& body : bodies)
        if (Status st = add_change(body, db_.path(), a); !st) return st.error();
    }
    auto s = db_.cached("SELECT record_id FROM registry WHERE record_id > ? ORDER BY record_id LIMIT ?", what);
    if (!s) return s.error();
    (*s)->bind(cur->after, limit);
    std::vector<std::string> ids;
    while ((*s)->step() == SQLITE_ROW) ids.push_back((*s)->text(0));
    for (const auto& id : ids) {
      PushedBy pushed;
      auto r = load_record(id, &pushed);
      if (!r) return r.error();
      if (*r && leave_out_own(**r, pushed, device_id)) a.page.records.push_back(std::move(**r));
    }
    bool last_page = static_cast<int>(ids.size()) < limit;
    a.page.cursor = last_page ? "v1.log." + std::to_string(cur->seq)
                              : "v1.snap." + std::to_string(cur->seq) + "." + ids.back();
    auto high = high_water();
    if (!high) return high.error();
    a.more = !last_page || *high > cur->seq;
    return a;
  }
  auto s = db_.cached("SELECT seq, kind, subject, body FROM changes WHERE seq > ? AND "
                      "(device_id IS NULL OR device_id = ?) ORDER BY seq LIMIT ?", what);
  if (!s) return s.error();
  (*s)->bind(cur->seq, device_id, limit);
  std::int64_t last = cur->seq;
  int n = 0;
  std::vector<std::tuple<std::string, std::string, std::string>> rows;
  while ((*s)->step() == SQLITE_ROW) {
    last = (*s)->integer(0);
    ++n;
    rows.emplace_back((*s)->text(1), (*s)->text(2), (*s)->text(3));
  }
  for (const auto& [kind, subject, body] : rows) {
    if (kind == "form") {
      auto nl = subject.find('\n');
      auto f = load_form(subject.substr(0, nl), subject.substr(nl + 1));
      if (!f) return f.error();
      a.page.forms.push_back(std::move(f).value());
      continue;
    }
    if (Status st = add_change(body, db_.path(), a, device_id); !st) return st.error();
  }
  a.page.cursor = "v1.log." + std::to_string(last);
  a.more = n == limit;
  return a;
}

}  // namespace khaosat::sync
