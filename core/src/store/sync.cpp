// Store: what the sync client needs of the device store (docs/sync-protocol.md): the push
// acknowledgement, a pulled page applied with its cursor, and the enrollment. Each call is one
// FULL-synchronous transaction, so a crash leaves all of it or none.
#include <nlohmann/json.hpp>

#include "khaosat/core/json.hpp"
#include "khaosat/core/parse_number.hpp"
#include "khaosat/core/store.hpp"
#include "store/store_impl.hpp"

namespace khaosat::core {

using nlohmann::json;
using store::Reset;
using store::Txn;

Result<std::int64_t> Store::outbox_acked() {
  auto s = impl_->stmt("SELECT COALESCE(MAX(seq), 0) FROM outbox WHERE acked_at IS NOT NULL",
                       "cannot read the outbox");
  if (!s) return s.error();
  Reset r(*s);
  int rc = (*s)->step();
  if (rc != SQLITE_ROW) return impl_->db.error("cannot read the outbox", rc);
  return (*s)->integer(0);
}

Result<std::int64_t> Store::outbox_count(std::int64_t after_seq) {
  auto s = impl_->stmt("SELECT count(*) FROM outbox WHERE seq > ?", "cannot read the outbox");
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, after_seq);
  int rc = (*s)->step();
  if (rc != SQLITE_ROW) return impl_->db.error("cannot read the outbox", rc);
  return (*s)->integer(0);
}

namespace {

Status run(StoreImpl& s, store::Stmt& st, const std::string& what) {
  int rc = st.step();
  if (rc != SQLITE_DONE) return s.db.error(what, rc);
  return ok_status();
}

// Within a transaction: a submission still `finalized` becomes `to` (others are left alone, so
// applying one answer twice is a no-op). From::FinalizedOrSent (a decision pulled from the
// office): a `sent` one may become `rejected` too: the office reviews what it has received, so its
// rejection always comes after the push answered `accepted`. From::FinalizedOrRejected (an office
// approval): a `rejected` one may become `sent` again. Unknown ids are skipped: the server may
// name instances this device never had (a decision about another device's submission).
enum class From { Finalized, FinalizedOrSent, FinalizedOrRejected };
Status settle(StoreImpl& s, const std::string& id, SubmissionState to, const std::string& reason,
              const std::string& what, From from = From::Finalized) {
  auto up = s.stmt("UPDATE submissions SET state = ?2, reject_reason = ?3, state_at = ?4 "
                   "WHERE instance_id = ?1 AND state IN ('finalized', ?5)", what);
  if (!up) return up.error();
  Reset r(*up);
  (*up)->bind(1, id);
  (*up)->bind(2, std::string_view(to_string(to)));
  if (to == SubmissionState::Rejected) (*up)->bind(3, reason);
  else (*up)->bind_null(3);
  (*up)->bind(4, s.now());
  if (from == From::FinalizedOrSent && to == SubmissionState::Rejected) (*up)->bind(5, std::string_view("sent"));
  else if (from == From::FinalizedOrRejected) (*up)->bind(5, std::string_view("rejected"));
  else (*up)->bind_null(5);
  if (Status st = run(s, **up, what); !st) return st;
  if (sqlite3_changes(s.db.handle()) == 0) return ok_status();
  return s.audit(std::string("submission.") + to_string(to), id, reason);
}

// Within a transaction: settle(id, Sent) for many ids, a chunk of kSentChunk at a time in two
// statements (the audit rows of those still `finalized`, then their state) instead of two per
// submission: the push acknowledges thousands at once. Each chunk's statement is the same text
// (the last chunk repeats its first id), so it is prepared once.
constexpr std::size_t kSentChunk = 400;  // + 2 other parameters: under SQLite's old limit of 999
Status settle_sent(StoreImpl& s, const std::vector<const std::string*>& ids, const std::string& what) {
  static const std::string in_list = [] {  // ?3 .. ?(kSentChunk + 2)
    std::string l = "(";
    for (std::size_t i = 0; i < kSentChunk; ++i) l += (i ? ",?" : "?") + std::to_string(i + 3);
    return l + ")";
  }();
  static const std::string audit_sql =
      "INSERT INTO audit (at, actor, action, subject, detail) SELECT ?1, ?2, 'submission.sent', instance_id, '' "
      "FROM submissions WHERE state = 'finalized' AND instance_id IN " + in_list + " ORDER BY rowid";
  static const std::string update_sql =
      "UPDATE submissions SET state = 'sent', reject_reason = NULL, state_at = ?1 "
      "WHERE state = 'finalized' AND instance_id IN " + in_list;
  const std::int64_t now = s.now();
  for (std::size_t at = 0; at < ids.size(); at += kSentChunk) {
    for (const std::string* sql : {&audit_sql, &update_sql}) {
      auto st = s.stmt(sql->c_str(), what);
      if (!st) return st.error();
      Reset r(*st);
      (*st)->bind(1, now);
      if (sql == &audit_sql) (*st)->bind(2, s.options.actor);
      for (std::size_t i = 0; i < kSentChunk; ++i) {
        const std::size_t k = at + i < ids.size() ? at + i : at;
        (*st)->bind(static_cast<int>(i + 3), *ids[k]);
      }
      if (Status done = run(s, **st, what); !done) return done;
    }
  }
  return ok_status();
}

// Within a transaction: the office's review of a submission this device sent. The review columns
// take the latest; a rejection also makes the submission `rejected` with the comment as its
// reason (settle), an approval or "has issues" makes it `sent` again (the office has it: it may be
// one it rejected before, or one whose push answer was lost). Unknown ids are skipped, as in settle.
Status review(StoreImpl& s, const PulledDecision& d, const std::string& what) {
  if (d.review == "rejected") {
    if (Status st = settle(s, d.instance_id, SubmissionState::Rejected, d.reason, what, From::FinalizedOrSent); !st)
      return st;
  } else if (Status st = settle(s, d.instance_id, SubmissionState::Sent, "", what, From::FinalizedOrRejected); !st) {
    return st;
  }
  auto up = s.stmt("UPDATE submissions SET review_state = ?2, review_comment = ?3, review_at = ?4 "
                   "WHERE instance_id = ?1 AND (review_state IS NOT ?2 OR review_comment IS NOT ?3)", what);
  if (!up) return up.error();
  Reset r(*up);
  (*up)->bind(1, d.instance_id);
  (*up)->bind(2, d.review);
  (*up)->bind(3, d.reason);
  (*up)->bind(4, s.now());
  if (Status st = run(s, **up, what); !st) return st;
  if (sqlite3_changes(s.db.handle()) == 0) return ok_status();
  return s.audit("submission.review", d.instance_id, d.reason.empty() ? d.review : d.review + ": " + d.reason);
}

}  // namespace

Result<std::vector<OutboxPushEntry>> Store::list_outbox_for_push(std::int64_t after_seq, int limit) {
  StoreImpl& s = *impl_;
  const char* what = "cannot read the outbox";
  std::vector<OutboxPushEntry> out;
  {
    auto st = s.stmt(
        "SELECT o.seq, o.kind, o.subject, o.payload, o.created_at, o.acked_at, s.instance_id, s.form_id, "
        "s.form_version, s.deprecated_id, c.instance_xml FROM outbox o "
        "LEFT JOIN submissions s ON o.kind = 'submission' AND s.instance_id = o.subject "
        "LEFT JOIN submission_content c ON c.instance_id = s.instance_id "
        "WHERE o.seq > ? ORDER BY o.seq LIMIT ?",
        what);
    if (!st) return st.error();
    Reset r(*st);
    (*st)->bind(1, after_seq);
    (*st)->bind(2, static_cast<std::int64_t>(limit));
    int rc;
    while ((rc = (*st)->step()) == SQLITE_ROW) {
      OutboxPushEntry e;
      e.entry.seq = (*st)->integer(0);
      e.entry.kind = (*st)->text(1);
      e.entry.subject = (*st)->text(2);
      e.entry.payload = (*st)->text(3);
      e.entry.created_at = (*st)->integer(4);
      if (!(*st)->is_null(5)) e.entry.acked_at = (*st)->integer(5);
      if (e.entry.kind == "submission") {
        if ((*st)->is_null(6) || (*st)->is_null(10)) return s.not_found("submission", e.entry.subject);
        e.form_id = (*st)->text(7);
        e.form_version = (*st)->text(8);
        e.deprecated_id = (*st)->optional_text(9);
        e.instance_xml = (*st)->text(10);
      }
      out.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return s.db.error(what, rc);
  }
  if (out.empty()) return out;
  // The attachments of the range's submissions, in seq then name order: merged into `out`.
  auto st = s.stmt(
      "SELECT o.seq, sa.name, sa.sha256, a.size FROM outbox o "
      "JOIN submission_attachments sa ON sa.instance_id = o.subject "
      "LEFT JOIN attachments a ON a.sha256 = sa.sha256 "
      "WHERE o.kind = 'submission' AND o.seq BETWEEN ? AND ? ORDER BY o.seq, sa.name",
      what);
  if (!st) return st.error();
  Reset r(*st);
  (*st)->bind(1, out.front().entry.seq);
  (*st)->bind(2, out.back().entry.seq);
  auto at = out.begin();
  int rc;
  while ((rc = (*st)->step()) == SQLITE_ROW) {
    const std::int64_t seq = (*st)->integer(0);
    while (at != out.end() && at->entry.seq < seq) ++at;
    if (at == out.end() || at->entry.seq != seq) continue;  // cannot happen: the range is out's
    OutboxPushEntry::Attachment a{(*st)->text(1), (*st)->text(2), 0};
    if ((*st)->is_null(3)) return s.not_found("attachment", a.sha256);
    a.size = (*st)->integer(3);
    at->attachments.push_back(std::move(a));
  }
  if (rc != SQLITE_DONE) return s.db.error(what, rc);
  return out;
}

Status Store::read_snapshot(const std::function<Status()>& read) {
  if (Status st = impl_->db.exec("BEGIN", "cannot start a read transaction"); !st) return st;
  Status st = read();
  // Nothing was written: ending the transaction cannot lose anything, so its result is moot.
  sqlite3_exec(impl_->db.handle(), "COMMIT", nullptr, nullptr, nullptr);
  return st;
}

Status Store::ack_push(const PushAck& ack) {
  StoreImpl& s = *impl_;
  std::string what = "cannot record the server's answer up to outbox entry " +
                     std::to_string(ack.through_seq);
  if (Status st = s.set_sync(StoreImpl::Sync::Full); !st) return st;
  Txn txn(s.db);
  if (Status st = txn.begin(what); !st) return st;
  std::vector<const std::string*> sent;
  for (const SubmissionVerdict& v : ack.submissions) {
    if (!v.rejected) {
      sent.push_back(&v.instance_id);
      continue;
    }
    if (Status st = settle(s, v.instance_id, SubmissionState::Rejected, v.reason, what); !st) return st;
  }
  if (Status st = settle_sent(s, sent, what); !st) return st;
  auto up = s.stmt("UPDATE outbox SET acked_at = ? WHERE seq <= ? AND acked_at IS NULL", what);
  if (!up) return up.error();
  {
    Reset r(*up);
    (*up)->bind(1, s.now());
    (*up)->bind(2, ack.through_seq);
    if (Status st = run(s, **up, what); !st) return st;
  }
  if (sqlite3_changes(s.db.handle()) > 0)
    if (Status st = s.audit("outbox.ack", std::to_string(ack.through_seq)); !st) return st;
  return txn.commit(what);
}

namespace {

// Within the page's transaction: what the device knows of each named device becomes the pulled
// name and communes (docs/storage.md, "known_devices").
Status put_known_devices(StoreImpl& s, const std::vector<KnownDevice>& devices, const std::string& what) {
  if (devices.empty()) return ok_status();
  auto up = s.stmt("INSERT OR REPLACE INTO known_devices (device_id, name, communes, updated_at) VALUES (?, ?, ?, ?)",
                   what);
  if (!up) return up.error();
  for (const KnownDevice& d : devices) {
    if (d.device_id.empty())
      return Error::make(ErrorCode::store_invalid, s.path + ": " + what + ": a device without an id");
    Reset r(*up);
    (*up)->bind(1, d.device_id);
    (*up)->bind(2, d.name);
    (*up)->bind(3, json(d.communes).dump(-1, ' ', false, json::error_handler_t::replace));
    (*up)->bind(4, s.now());
    if (Status st = run(s, **up, what); !st) return st;
  }
  return ok_status();
}

}  // namespace

Result<std::optional<KnownDevice>> Store::known_device(const std::string& device_id) {
  const std::string what = "cannot read what this device knows of device '" + device_id + "'";
  auto s = impl_->stmt("SELECT name, communes FROM known_devices WHERE device_id = ?", what);
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, device_id);
  int rc = (*s)->step();
  if (rc == SQLITE_DONE) return std::optional<KnownDevice>();
  if (rc != SQLITE_ROW) return impl_->db.error(what, rc);
  KnownDevice d{device_id, (*s)->text(0), {}};
  // Written by put_known_devices; read defensively all the same.
  if (auto parsed = parse_json((*s)->text(1), kMaxStoredJsonDepth); parsed && parsed->is_array())
    for (const auto& c : *parsed)
      if (c.is_string()) d.communes.push_back(c.get<std::string>());
  return std::optional<KnownDevice>(std::move(d));
}

Status Store::apply_pull(const PullPage& page) {
  StoreImpl& s = *impl_;
  for (const PulledForm& f : page.forms)
    if (auto installed = install_form(f.form, f.media); !installed) return installed.error();
  std::string what = "cannot apply pulled changes (cursor '" + page.cursor_name + "')";
  if (page.cursor_name.empty())
    return Error::make(ErrorCode::store_invalid, s.path + ": " + what + ": no cursor name");
  if (Status st = s.set_sync(StoreImpl::Sync::Full); !st) return st;
  Txn txn(s.db);
  if (Status st = txn.begin(what); !st) return st;
  for (const PulledRecord& rec : page.records)
    if (Status st = s.merge_pulled(rec); !st) return st;
  for (const PulledDecision& d : page.decisions) {
    Status st = d.review.empty() ? settle(s, d.instance_id, d.state, d.reason, what, From::FinalizedOrSent)
                                 : review(s, d, what);
    if (!st) return st;
  }
  if (Status st = put_known_devices(s, page.devices, what); !st) return st;
  if (Status st = s.put_state("cursor." + page.cursor_name, page.cursor); !st) return st;
  return txn.commit(what);
}

Result<std::optional<Enrollment>> Store::enrollment() {
  auto v = impl_->get_state("sync.enrollment");
  if (!v) return v.error();
  if (!*v) return std::optional<Enrollment>();
  auto parsed = parse_json(**v, kMaxJsonDepth);
  auto bad = [&] {
    return Error::make(ErrorCode::store_corrupt, impl_->path +
                                                     ": the stored enrollment is not readable; "
                                                     "enroll the device again");
  };
  if (!parsed || !parsed->is_object()) return bad();
  const json& j = *parsed;
  Enrollment e;
  for (auto [key, out] : {std::pair{"server", &e.server}, {"device_id", &e.device_id},
                          {"token", &e.token}, {"role", &e.role}}) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return bad();
    *out = it->get<std::string>();
  }
  if (auto ca = j.find("ca_pem"); ca != j.end()) {
    if (!ca->is_string()) return bad();
    e.ca_pem = ca->get<std::string>();
  }
  auto c = j.find("communes");
  if (c == j.end() || !c->is_array()) return bad();
  for (const json& x : *c) {
    if (!x.is_string()) return bad();
    e.communes.push_back(x.get<std::string>());
  }
  return std::optional<Enrollment>(std::move(e));
}

Status Store::set_enrollment(const Enrollment& e) {
  StoreImpl& s = *impl_;
  const char* what = "cannot save the enrollment";
  if (e.server.empty() || e.device_id.empty() || e.token.empty())
    return Error::make(ErrorCode::store_invalid, s.path + ": " + what +
                                                     ": the server, device id and token are required");
  json j = {{"server", e.server}, {"device_id", e.device_id}, {"token", e.token},
            {"role", e.role}, {"communes", e.communes}};
  if (!e.ca_pem.empty()) j["ca_pem"] = e.ca_pem;
  if (Status st = s.set_sync(StoreImpl::Sync::Full); !st) return st;
  Txn txn(s.db);
  if (Status st = txn.begin(what); !st) return st;
  if (Status st = s.put_state("sync.enrollment", j.dump(-1, ' ', false, json::error_handler_t::replace)); !st)
    return st;
  if (Status st = s.put_state("device_id", e.device_id); !st) return st;
  if (Status st = s.audit("device.enroll", e.device_id, e.server); !st) return st;
  if (Status st = txn.commit(what); !st) return st;
  s.device_id = e.device_id;
  Hlc last = s.hlc->last();
  s.hlc.emplace(e.device_id, s.options.env.now_ms);
  s.hlc->restore(last);
  return ok_status();
}

}  // namespace khaosat::core
