// Store: finalizing a session into a submission, reading and listing submissions, and their
// lifecycle (finalized -> sent | rejected).
#include <nlohmann/json.hpp>

#include "khaosat/core/form_info.hpp"
#include "khaosat/core/store.hpp"
#include "base/xml_text.hpp"
#include "store/instance_meta.hpp"
#include "store/store_impl.hpp"

namespace khaosat::core {

using nlohmann::json;
using store::Reset;
using store::Txn;

namespace {

std::optional<SubmissionState> state_from(std::string_view s) {
  if (s == "finalized") return SubmissionState::Finalized;
  if (s == "sent") return SubmissionState::Sent;
  if (s == "rejected") return SubmissionState::Rejected;
  return std::nullopt;
}

// Columns 0..12 of every submission query; 13, 14 (XML, JSON) only for get_submission.
SubmissionRecord read_submission(store::Stmt& s, bool full) {
  SubmissionRecord r;
  r.instance_id = s.text(0);
  r.form_id = s.text(1);
  r.form_version = s.text(2);
  r.state = state_from(s.text(3)).value_or(SubmissionState::Finalized);
  r.sha256 = s.text(4);
  r.deprecated_id = s.optional_text(5);
  r.superseded_by = s.optional_text(6);
  r.reject_reason = s.optional_text(7);
  r.finalized_at = s.integer(8);
  r.state_at = s.integer(9);
  r.review = s.optional_text(10).value_or("");
  r.review_comment = s.optional_text(11).value_or("");
  r.review_at = s.integer(12);
  if (full) {
    r.instance_xml = s.text(13);
    r.instance_json = s.text(14);
  }
  return r;
}

Status step_done(StoreImpl& s, store::Stmt* st, const std::string& what) {
  int rc = st->step();
  if (rc != SQLITE_DONE) return s.db.error(what, rc);
  return ok_status();
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> StoreImpl::links(const char* sql,
                                                                          const std::string& id) {
  auto s = stmt(sql, "cannot read attachments");
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, id);
  std::vector<std::pair<std::string, std::string>> out;
  int rc;
  while ((rc = (*s)->step()) == SQLITE_ROW) out.emplace_back((*s)->text(0), (*s)->text(1));
  if (rc != SQLITE_DONE) return db.error("cannot read attachments", rc);
  return out;
}

namespace {

// The instance as it will be stored: the finalized XML (from FormSession::finalize) and JSON,
// its id, and for an edit the deprecatedID the form itself does not declare (ODK adds it).
// Fills rec's id, hash and deprecated_id.
Status serialize(StoreImpl& s, FormSession& session, std::string xml,
                 const std::optional<DraftRecord>& draft, SubmissionRecord& rec) {
  rec.instance_xml = std::move(xml);
  rec.instance_json = session.instance_json();
  // A finalized submission is kept and sent as it is: never store XML that XML readers refuse
  // (check() reports such XML stored by older versions). The session refuses these characters
  // when they are answered; this is the store's own guarantee.
  if (auto bad = find_non_xml_char(rec.instance_xml)) {
    std::size_t open = rec.instance_xml.rfind('<', bad->offset);
    std::string element;
    if (open != std::string::npos)
      element = rec.instance_xml.substr(open + 1, rec.instance_xml.find_first_of(" >/", open) - open - 1);
    return Error::make(ErrorCode::store_instance,
                       s.path + ": cannot finalize the instance: its XML would not be "
                                "well-formed: " + bad->what +
                           (element.empty() ? "" : ", in <" + element + ">") +
                           ". Nothing was stored; correct that answer.");
  }
  auto meta = store::read_meta(rec.instance_xml);
  if (!meta) return Error::make(meta.error().code, s.path + ": cannot finalize the instance: " +
                                                       meta.error().message + ". Nothing was stored.");
  rec.instance_id = meta->instance_id;
  std::string what = "cannot finalize submission '" + rec.instance_id + "'";
  if (rec.instance_id.empty())
    return Error::make(ErrorCode::store_instance, s.path + ": " + what + ": the instance has no meta/instanceID");
  if (draft && draft->replaces) {
    if (rec.instance_id == *draft->replaces)
      return Error::make(ErrorCode::store_edit, s.path + ": " + what + ": an edit needs a new instance id");
    auto x = store::rewrite_meta_xml(rec.instance_xml, rec.instance_id, draft->replaces);
    if (!x) return x.error();
    auto j = store::rewrite_meta_json(rec.instance_json, rec.instance_id, draft->replaces);
    if (!j) return j.error();
    rec.instance_xml = std::move(x.value());
    rec.instance_json = std::move(j.value());
    rec.deprecated_id = draft->replaces;
  }
  rec.sha256 = sha256_hex(rec.instance_xml);
  return ok_status();
}

// Within the finalize transaction: marks the replaced version, refusing a duplicate id.
Status supersede(StoreImpl& s, const SubmissionRecord& rec, const std::string& what) {
  auto dup = s.stmt("SELECT 1 FROM submissions WHERE instance_id = ?", what);
  if (!dup) return dup.error();
  {
    Reset r(*dup);
    (*dup)->bind(1, rec.instance_id);
    int rc = (*dup)->step();
    if (rc == SQLITE_ROW)
      return Error::make(ErrorCode::store_duplicate, s.path + ": " + what + ": it is already finalized");
    if (rc != SQLITE_DONE) return s.db.error(what, rc);
  }
  if (!rec.deprecated_id) return ok_status();
  auto sup = s.stmt("UPDATE submissions SET superseded_by = ?1 WHERE instance_id = ?2 "
                    "AND superseded_by IS NULL", what);
  if (!sup) return sup.error();
  Reset r(*sup);
  (*sup)->bind(1, rec.instance_id);
  (*sup)->bind(2, *rec.deprecated_id);
  if (Status st = step_done(s, *sup, what); !st) return st;
  if (sqlite3_changes(s.db.handle()) == 0)
    return Error::make(ErrorCode::store_edit, s.path + ": " + what + ": the submission it replaces, '" +
                                         *rec.deprecated_id + "', is missing or already replaced");
  return ok_status();
}

// Within the finalize transaction: the submission's rows and attachment links. Returns the
// attachments as the outbox payload lists them.
Result<json> insert_submission(StoreImpl& s, const SubmissionRecord& rec,
                               const std::vector<AttachmentRecord>& written, const std::string& what) {
  {
    auto ins = s.stmt(
        "INSERT INTO submissions (instance_id, form_id, form_version, state, sha256, "
        "deprecated_id, finalized_at, state_at) VALUES (?1, ?2, ?3, 'finalized', ?4, ?5, ?6, ?6)",
        what);
    if (!ins) return ins.error();
    Reset r(*ins);
    (*ins)->bind(1, rec.instance_id);
    (*ins)->bind(2, rec.form_id);
    (*ins)->bind(3, rec.form_version);
    (*ins)->bind(4, rec.sha256);
    (*ins)->bind_optional(5, rec.deprecated_id);
    (*ins)->bind(6, rec.finalized_at);
    if (Status st = step_done(s, *ins, what); !st) return st.error();
  }
  {
    auto ins = s.stmt("INSERT INTO submission_content (instance_id, instance_xml, instance_json) "
                      "VALUES (?, ?, ?)", what);
    if (!ins) return ins.error();
    Reset r(*ins);
    (*ins)->bind(1, rec.instance_id);
    (*ins)->bind(2, rec.instance_xml);
    (*ins)->bind(3, rec.instance_json);
    if (Status st = step_done(s, *ins, what); !st) return st.error();
  }
  for (const AttachmentRecord& a : written)
    if (Status st = s.record_content(a); !st) return st.error();
  json attachments = json::array();
  for (const auto& [name, sha] : rec.attachments) {
    auto link = s.stmt("INSERT INTO submission_attachments (instance_id, name, sha256) VALUES (?, ?, ?)",
                       what);
    if (!link) return link.error();
    Reset r(*link);
    (*link)->bind(1, rec.instance_id);
    (*link)->bind(2, name);
    (*link)->bind(3, sha);
    if (Status st = step_done(s, *link, what); !st) return st.error();
    attachments.push_back({{"name", name}, {"sha256", sha}});
  }
  return attachments;
}

}  // namespace

Result<FinalizeOutcome> Store::finalize(const FinalizeRequest& req) {
  StoreImpl& s = *impl_;
  if (!req.session) return Error::make(ErrorCode::store_invalid, s.path + ": finalize needs a session");
  auto key = s.installed_key(req.session->form());
  if (!key) return key.error();
  std::optional<DraftRecord> draft;
  if (!req.draft_id.empty()) {
    auto d = get_draft(req.draft_id);
    if (!d) return d.error();
    if (d->form_id != key->form_id || d->form_version != key->version)
      return Error::make(ErrorCode::store_invalid, s.path + ": draft '" + req.draft_id +
                                              "' is a draft of form '" + d->form_id +
                                              "', not of the session's form '" + key->form_id + "'");
    draft = std::move(d.value());
  }
  FinalizeOutcome out;
  auto done = req.session->finalize();
  if (!done) return done.error();
  if (!done->finalized) {  // an ordinary outcome: nothing stored, the session unchanged
    out.violations = std::move(done->violations);
    return out;
  }
  SubmissionRecord& rec = out.submission;
  if (Status st = serialize(s, *req.session, std::move(done->instance_xml), draft, rec); !st)
    return st.error();
  // The registry record the form's entity declaration creates or updates (ODK Entities),
  // evaluated on the finalized instance; applied in the transaction below.
  auto entity = entity_write(*req.session);
  if (!entity)
    return Error::make(entity.error().code, s.path + ": cannot finalize submission '" + rec.instance_id +
                                                "': " + entity.error().message + ". Nothing was stored.");
  std::string what = "cannot finalize submission '" + rec.instance_id + "'";
  rec.form_id = key->form_id;
  rec.form_version = key->version;
  rec.finalized_at = rec.state_at = s.now();
  if (draft) rec.attachments = draft->attachments;
  // Content files first, each durable before the transaction refers to it.
  // The instance refers to a file by its name (an upload question's value), so two files under
  // one name cannot both be reached: refuse them rather than keep one. (A file of the draft's
  // under the same name is replaced: that is a retaken photo.)
  for (std::size_t i = 0; i < req.attachments.size(); ++i) {
    const AttachmentInput& a = req.attachments[i];
    if (a.name.empty())
      return Error::make(ErrorCode::store_invalid, s.path + ": " + what + ": an attachment needs a name");
    for (std::size_t j = 0; j < i; ++j)
      if (req.attachments[j].name == a.name) {
        auto source = [](const AttachmentInput& x) {
          return x.path.empty() ? std::string("bytes given in memory") : "'" + x.path + "'";
        };
        return Error::make(ErrorCode::store_invalid,
                           s.path + ": " + what + ": two attachments are named '" + a.name +
                               "' (" + source(req.attachments[j]) + " and " + source(a) +
                               "); the instance refers to a file by its name, so each needs its "
                               "own. Nothing was stored.");
      }
  }
  std::vector<AttachmentRecord> written;
  for (const AttachmentInput& a : req.attachments) {
    auto w = s.write_content(a);
    if (!w) return w.error();
    written.push_back(*w);
    std::erase_if(rec.attachments, [&](const auto& p) { return p.first == a.name; });
    rec.attachments.emplace_back(a.name, w->sha256);
  }
  // One FULL-synchronous transaction: rows, links, the draft gone, the outbox entry, the audit.
  if (Status st = s.set_sync(StoreImpl::Sync::Full); !st) return st.error();
  Txn txn(s.db);
  if (Status st = txn.begin(what); !st) return st.error();
  if (Status st = supersede(s, rec, what); !st) return st.error();
  auto attachments = insert_submission(s, rec, written, what);
  if (!attachments) return attachments.error();
  if (draft) {
    auto del = s.stmt("DELETE FROM drafts WHERE draft_id = ?", what);
    if (!del) return del.error();
    Reset r(*del);
    (*del)->bind(1, draft->draft_id);
    if (Status st = step_done(s, *del, what); !st) return st.error();
  }
  json payload = {{"instance_id", rec.instance_id}, {"form_id", rec.form_id},
                  {"form_version", rec.form_version}, {"sha256", rec.sha256},
                  {"deprecated_id", rec.deprecated_id ? json(*rec.deprecated_id) : json(nullptr)},
                  {"attachments", *attachments}};
  // The entity's registry edit goes into the outbox before the submission that carries it, so
  // the server has merged the device's edit when it derives the same entity from the submission.
  if (*entity) {
    auto applied = s.apply_entity(**entity, rec.instance_id);
    if (!applied) return applied.error();
    if (*applied)
      payload["entity"] = {{"registry", to_string((*applied)->registry)},
                           {"id", (*applied)->record_id},
                           {"hlc", (*applied)->hlc}};
  }
  // Attachment names are whatever the file system allowed: never throw on invalid UTF-8.
  if (auto seq = s.append_outbox("submission", rec.instance_id,
                                 payload.dump(-1, ' ', false, json::error_handler_t::replace));
      !seq)
    return seq.error();
  if (Status st = s.audit(rec.deprecated_id ? "submission.finalize_edit" : "submission.finalize",
                          rec.instance_id, rec.deprecated_id.value_or(rec.form_id));
      !st)
    return st.error();
  if (Status st = txn.commit(what); !st) return st.error();
  out.finalized = true;
  return out;
}

Result<SubmissionRecord> Store::get_submission(const std::string& instance_id) {
  auto s = impl_->stmt(
      "SELECT instance_id, form_id, form_version, state, sha256, deprecated_id, superseded_by, "
      "reject_reason, finalized_at, state_at, review_state, review_comment, coalesce(review_at, 0), "
      "instance_xml, instance_json FROM submissions "
      "JOIN submission_content USING (instance_id) WHERE instance_id = ?",
      "cannot read a submission");
  if (!s) return s.error();
  SubmissionRecord rec;
  {
    Reset r(*s);
    (*s)->bind(1, instance_id);
    int rc = (*s)->step();
    if (rc == SQLITE_DONE) return impl_->not_found("submission", instance_id);
    if (rc != SQLITE_ROW) return impl_->db.error("cannot read submission '" + instance_id + "'", rc);
    rec = read_submission(**s, true);
  }
  auto links = impl_->links(
      "SELECT name, sha256 FROM submission_attachments WHERE instance_id = ? ORDER BY name", instance_id);
  if (!links) return links.error();
  rec.attachments = std::move(*links);
  return rec;
}

Result<std::vector<SubmissionRecord>> Store::list_submissions(const SubmissionFilter& f) {
  auto s = impl_->stmt(
      "SELECT instance_id, form_id, form_version, state, sha256, deprecated_id, superseded_by, "
      "reject_reason, finalized_at, state_at, review_state, review_comment, coalesce(review_at, 0) "
      "FROM submissions WHERE (?1 = '' OR form_id = ?1) AND (?2 IS NULL OR state = ?2) "
      // rowid order is finalize order (submissions are only ever appended), and a plain scan of
      // the table: no index lookup per row (docs/storage.md, figures).
      "AND (?3 OR superseded_by IS NULL) ORDER BY rowid LIMIT ?4",
      "cannot list submissions");
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, f.form_id);
  if (f.state) (*s)->bind(2, std::string_view(to_string(*f.state)));
  else (*s)->bind_null(2);
  (*s)->bind(3, std::int64_t{f.include_superseded ? 1 : 0});
  (*s)->bind(4, static_cast<std::int64_t>(f.limit));
  std::vector<SubmissionRecord> out;
  out.reserve(f.limit > 0 ? static_cast<std::size_t>(f.limit) : 256);
  int rc;
  while ((rc = (*s)->step()) == SQLITE_ROW) out.push_back(read_submission(**s, false));
  if (rc != SQLITE_DONE) return impl_->db.error("cannot list submissions", rc);
  return out;
}

namespace {

Status change_state(StoreImpl& s, const std::string& id, SubmissionState to,
                    const std::optional<std::string>& reason) {
  std::string what = std::string("cannot mark submission '") + id + "' " + to_string(to);
  if (Status st = s.set_sync(StoreImpl::Sync::Full); !st) return st;
  Txn txn(s.db);
  if (Status st = txn.begin(what); !st) return st;
  auto cur = s.stmt("SELECT state FROM submissions WHERE instance_id = ?", what);
  if (!cur) return cur.error();
  std::string state;
  {
    Reset r(*cur);
    (*cur)->bind(1, id);
    int rc = (*cur)->step();
    if (rc == SQLITE_DONE) return s.not_found("submission", id);
    if (rc != SQLITE_ROW) return s.db.error(what, rc);
    state = (*cur)->text(0);
  }
  if (state != "finalized")
    return Error::make(ErrorCode::store_state, s.path + ": " + what + ": it is already " + state);
  auto up = s.stmt("UPDATE submissions SET state = ?2, reject_reason = ?3, state_at = ?4 "
                   "WHERE instance_id = ?1", what);
  if (!up) return up.error();
  {
    Reset r(*up);
    (*up)->bind(1, id);
    (*up)->bind(2, std::string_view(to_string(to)));
    (*up)->bind_optional(3, reason);
    (*up)->bind(4, s.now());
    if (Status st = step_done(s, *up, what); !st) return st;
  }
  if (Status st = s.audit(std::string("submission.") + to_string(to), id, reason.value_or(""));
      !st)
    return st;
  return txn.commit(what);
}

}  // namespace

Status Store::mark_sent(const std::string& instance_id) {
  return change_state(*impl_, instance_id, SubmissionState::Sent, std::nullopt);
}

Status Store::mark_rejected(const std::string& instance_id, const std::string& reason) {
  return change_state(*impl_, instance_id, SubmissionState::Rejected, reason);
}

}  // namespace khaosat::core
