// Store: drafts (autosave, restore, delete, attachments of a draft) and begin_edit.
#include "khaosat/core/store.hpp"
#include "store/instance_meta.hpp"
#include "store/store_impl.hpp"

namespace khaosat::core {

using store::Reset;
using store::Txn;

namespace {


DraftRecord read_draft(store::Stmt& s, bool with_xml) {
  DraftRecord d;
  d.draft_id = s.text(0);
  d.form_id = s.text(1);
  d.form_version = s.text(2);
  d.instance_id = s.text(3);
  d.replaces = s.optional_text(4);
  d.position = s.text(5);
  d.language = s.text(6);
  d.created_at = s.integer(7);
  d.updated_at = s.integer(8);
  d.saves = s.integer(9);
  if (with_xml) d.instance_xml = s.text(10);
  return d;
}

}  // namespace

Result<std::string> Store::save_draft(const DraftSave& save) {
  StoreImpl& s = *impl_;
  if (!save.session)
    return Error::make(ErrorCode::store_invalid, s.path + ": save_draft needs a session");
  auto key = s.installed_key(save.session->form());
  if (!key) return key.error();
  std::string xml = save.session->instance_xml();
  auto meta = store::read_meta(xml);
  if (!meta) return meta.error();
  bool fresh = save.draft_id.empty();
  std::string id = fresh ? s.uuid.next() : save.draft_id;
  std::string what = "cannot save draft '" + id + "'";
  // Autosave: NORMAL synchronous unless asked (docs/storage.md, "Durability").
  if (Status st = s.set_sync(save.durable ? StoreImpl::Sync::Full : StoreImpl::Sync::Normal); !st)
    return st.error();
  Txn txn(s.db);
  if (Status st = txn.begin(what); !st) return st.error();
  auto up = s.stmt(
      "INSERT INTO drafts (draft_id, form_id, form_version, instance_id, instance_xml, position, "
      "language, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) "
      "ON CONFLICT (draft_id) DO UPDATE SET instance_id = excluded.instance_id, "
      "instance_xml = excluded.instance_xml, position = excluded.position, "
      "language = excluded.language, updated_at = excluded.updated_at, saves = saves + 1 "
      "WHERE form_id = excluded.form_id AND form_version = excluded.form_version",
      what);
  if (!up) return up.error();
  {
    Reset r(*up);
    (*up)->bind(1, id);
    (*up)->bind(2, key->form_id);
    (*up)->bind(3, key->version);
    (*up)->bind(4, meta->instance_id);
    (*up)->bind(5, xml);
    (*up)->bind(6, save.position);
    (*up)->bind(7, save.session->language());
    (*up)->bind(8, s.now());
    if (int rc = (*up)->step(); rc != SQLITE_DONE) return s.db.error(what, rc);
  }
  if (sqlite3_changes(s.db.handle()) == 0)
    return Error::make(ErrorCode::store_invalid, s.path + ": " + what + ": it is a draft of another form "
                                                               "than '" + key->form_id + "' version '" +
                                             key->version + "'");
  if (fresh)
    if (Status st = s.audit("draft.create", id, key->form_id); !st) return st.error();
  if (Status st = txn.commit(what); !st) return st.error();
  return id;
}

Result<DraftRecord> Store::get_draft(const std::string& draft_id) {
  auto s = impl_->stmt(
      "SELECT draft_id, form_id, form_version, instance_id, replaces, position, language, "
      "created_at, updated_at, saves, instance_xml FROM drafts WHERE draft_id = ?",
      "cannot read a draft");
  if (!s) return s.error();
  DraftRecord d;
  {
    Reset r(*s);
    (*s)->bind(1, draft_id);
    int rc = (*s)->step();
    if (rc == SQLITE_DONE) return impl_->not_found("draft", draft_id);
    if (rc != SQLITE_ROW) return impl_->db.error("cannot read draft '" + draft_id + "'", rc);
    d = read_draft(**s, true);
  }
  auto links = impl_->links("SELECT name, sha256 FROM draft_attachments WHERE draft_id = ? ORDER BY name",
                            draft_id);
  if (!links) return links.error();
  d.attachments = std::move(*links);
  return d;
}

Result<std::vector<DraftRecord>> Store::list_drafts(const std::string& form_id) {
  auto s = impl_->stmt(
      "SELECT draft_id, form_id, form_version, instance_id, replaces, position, language, "
      "created_at, updated_at, saves, '' FROM drafts WHERE ?1 = '' OR form_id = ?1 "
      "ORDER BY updated_at DESC, draft_id",
      "cannot list drafts");
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, form_id);
  std::vector<DraftRecord> out;
  int rc;
  while ((rc = (*s)->step()) == SQLITE_ROW) out.push_back(read_draft(**s, false));
  if (rc != SQLITE_DONE) return impl_->db.error("cannot list drafts", rc);
  return out;
}

Result<Store::Restored> Store::restore_draft(const std::string& draft_id, SessionOptions options) {
  auto d = get_draft(draft_id);
  if (!d) return d.error();
  auto form = load_form(d->form_id, d->form_version);
  if (!form) return form.error();
  if (options.language.empty()) options.language = d->language;
  auto session = FormSession::restore(*form, d->instance_xml, std::move(options));
  if (!session)
    return Error::make(session.error().code, impl_->path + ": cannot restore draft '" + draft_id +
                                                 "': " + session.error().message);
  Restored out;
  out.session = std::move(session.value());
  out.draft = std::move(d.value());
  return out;
}

Status Store::delete_draft(const std::string& draft_id) {
  std::string what = "cannot delete draft '" + draft_id + "'";
  if (Status st = impl_->set_sync(StoreImpl::Sync::Full); !st) return st;
  Txn txn(impl_->db);
  if (Status st = txn.begin(what); !st) return st;
  auto s = impl_->stmt("DELETE FROM drafts WHERE draft_id = ?", what);
  if (!s) return s.error();
  {
    Reset r(*s);
    (*s)->bind(1, draft_id);
    if (int rc = (*s)->step(); rc != SQLITE_DONE) return impl_->db.error(what, rc);
  }
  if (sqlite3_changes(impl_->db.handle()) == 0) return impl_->not_found("draft", draft_id);
  if (Status st = impl_->audit("draft.delete", draft_id); !st) return st;
  return txn.commit(what);
}

Result<AttachmentRecord> Store::attach_to_draft(const std::string& draft_id,
                                                const AttachmentInput& file) {
  StoreImpl& s = *impl_;
  std::string what = "cannot attach '" + file.name + "' to draft '" + draft_id + "'";
  if (file.name.empty())
    return Error::make(ErrorCode::store_invalid, s.path + ": " + what + ": an attachment needs a name");
  auto exists = get_draft(draft_id);
  if (!exists) return exists.error();
  auto written = s.write_content(file);
  if (!written) return written.error();
  // FULL: a photo is not re-taken; its file was fsynced, the link to it must last as well.
  if (Status st = s.set_sync(StoreImpl::Sync::Full); !st) return st.error();
  Txn txn(s.db);
  if (Status st = txn.begin(what); !st) return st.error();
  if (Status st = s.record_content(*written); !st) return st.error();
  auto ins = s.stmt("INSERT OR REPLACE INTO draft_attachments (draft_id, name, sha256) VALUES (?, ?, ?)",
                    what);
  if (!ins) return ins.error();
  {
    Reset r(*ins);
    (*ins)->bind(1, draft_id);
    (*ins)->bind(2, file.name);
    (*ins)->bind(3, written->sha256);
    if (int rc = (*ins)->step(); rc != SQLITE_DONE) return s.db.error(what, rc);
  }
  if (Status st = txn.commit(what); !st) return st.error();
  return written;
}

Result<std::string> Store::begin_edit(const std::string& instance_id) {
  StoreImpl& s = *impl_;
  std::string what = "cannot edit submission '" + instance_id + "'";
  auto sub = get_submission(instance_id);
  if (!sub) return sub.error();
  if (sub->superseded_by)
    return Error::make(ErrorCode::store_edit, s.path + ": " + what + ": it was replaced by '" +
                                         *sub->superseded_by + "'; edit that version");
  {
    auto open = s.stmt("SELECT draft_id FROM drafts WHERE replaces = ?", what);
    if (!open) return open.error();
    Reset r(*open);
    (*open)->bind(1, instance_id);
    int rc = (*open)->step();
    if (rc == SQLITE_ROW) return (*open)->text(0);  // already being edited: that draft
    if (rc != SQLITE_DONE) return s.db.error(what, rc);
  }
  std::string new_id = "uuid:" + s.uuid.next();
  auto xml = store::rewrite_meta_xml(sub->instance_xml, new_id, instance_id);
  if (!xml)
    return Error::make(xml.error().code, s.path + ": " + what + ": " + xml.error().message);
  std::string draft_id = s.uuid.next();
  if (Status st = s.set_sync(StoreImpl::Sync::Full); !st) return st.error();
  Txn txn(s.db);
  if (Status st = txn.begin(what); !st) return st.error();
  auto ins = s.stmt(
      "INSERT INTO drafts (draft_id, form_id, form_version, instance_id, replaces, instance_xml, "
      "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
      what);
  if (!ins) return ins.error();
  {
    Reset r(*ins);
    (*ins)->bind(1, draft_id);
    (*ins)->bind(2, sub->form_id);
    (*ins)->bind(3, sub->form_version);
    (*ins)->bind(4, new_id);
    (*ins)->bind(5, instance_id);
    (*ins)->bind(6, *xml);
    (*ins)->bind(7, s.now());
    if (int rc = (*ins)->step(); rc != SQLITE_DONE) return s.db.error(what, rc);
  }
  {
    auto copy = s.stmt("INSERT INTO draft_attachments (draft_id, name, sha256) "
                       "SELECT ?1, name, sha256 FROM submission_attachments WHERE instance_id = ?2",
                       what);
    if (!copy) return copy.error();
    Reset r(*copy);
    (*copy)->bind(1, draft_id);
    (*copy)->bind(2, instance_id);
    if (int rc = (*copy)->step(); rc != SQLITE_DONE) return s.db.error(what, rc);
  }
  if (Status st = s.audit("submission.edit", instance_id, draft_id); !st) return st.error();
  if (Status st = txn.commit(what); !st) return st.error();
  return draft_id;
}

}  // namespace khaosat::core
