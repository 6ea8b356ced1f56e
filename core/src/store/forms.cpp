// Store: installed forms (install, list, current version, load with media).
#include <filesystem>

#include "khaosat/core/store.hpp"
#include "store/files.hpp"
#include "store/store_impl.hpp"
#include "xform/form_def.hpp"
#include "xlsform/compiler.hpp"
#include "xlsform/workbook.hpp"

namespace khaosat::core {

using store::Reset;
using store::Txn;
namespace fs = std::filesystem;

namespace {

FormRecord read_form(store::Stmt& s) {
  FormRecord f;
  f.form_id = s.text(0);
  f.version = s.text(1);
  f.title = s.text(2);
  f.sha256 = s.text(3);
  f.source_name = s.text(4);
  f.current = s.integer(5) != 0;
  f.installed_at = s.integer(6);
  return f;
}

// The XForm XML of a form file: the file itself, or the XLSForm compiler's output.
Result<std::string> xform_text(Env& env, const std::string& path) {
  if (xlsform::is_xlsform_path(path)) {
    auto wb = xlsform::read_workbook(path, env);
    if (!wb) return wb.error();
    return xlsform::xlsform_to_xform(*wb, path);
  }
  return env.read_file(path, kMaxFormFileBytes);
}

std::string form_media_dir(const StoreImpl& s, const std::string& sha) {
  return s.media_dir + "/forms/" + sha;
}

}  // namespace

Result<StoreImpl::FormKey> StoreImpl::installed_key(const Form& form) {
  FormKey key{form->id, form->version};
  if (installed.count({key.form_id, key.version})) return key;
  auto s = stmt("SELECT 1 FROM forms WHERE form_id = ? AND version = ?", "cannot read forms");
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, key.form_id);
  (*s)->bind(2, key.version);
  int rc = (*s)->step();
  if (rc == SQLITE_DONE)
    return Error::make("store.form", path + ": form '" + key.form_id + "' version '" +
                                         key.version + "' is not installed; install it first");
  if (rc != SQLITE_ROW) return db.error("cannot read forms", rc);
  installed.insert({key.form_id, key.version});
  return key;
}

Result<FormRecord> Store::install_form(const std::string& form_path,
                                       const std::vector<std::string>& media_files) {
  StoreImpl& s = *impl_;
  auto xml = xform_text(s.os(), form_path);
  if (!xml) return xml.error();
  FormLoadOptions lo;
  lo.env = &s.os();
  for (const auto& m : media_files) lo.media_dirs.push_back(fs::path(m).parent_path().string());
  auto form = load_form_xml(*xml, form_path, lo);
  if (!form) return form.error();
  FormRecord rec;
  rec.form_id = (*form)->id;
  rec.version = (*form)->version;
  rec.title = (*form)->title;
  rec.sha256 = sha256_hex(*xml);
  rec.source_name = fs::path(form_path).filename().string();
  rec.current = true;
  rec.installed_at = s.now();
  std::string what = "cannot install form '" + rec.form_id + "' version '" + rec.version + "'";
  if (rec.form_id.empty())
    return Error::make("store.form", form_path + ": the form has no id (the primary instance's "
                                                 "root needs an id attribute)");
  auto existing = get_form(rec.form_id, rec.version);
  if (existing && existing->sha256 != rec.sha256)
    return Error::make("store.form", s.path + ": " + what + " from " + form_path +
                                         ": that version is already installed with a different "
                                         "definition; give the changed form a new version");
  // Media first, durably, under the definition's hash; the rows follow in the transaction.
  std::string dir = form_media_dir(s, rec.sha256);
  std::vector<std::pair<std::string, std::string>> media;
  if (!media_files.empty())
    if (Status st = s.os().create_dirs(dir); !st) return store::store_error(st.error());
  for (const auto& m : media_files) {
    std::string name = fs::path(m).filename().string();
    auto copied = store::copy_into(s.os(), m, dir, name);  // streamed, like attachments
    if (!copied) return copied.error();
    media.emplace_back(name, copied->sha256);
    rec.media.push_back(name);
  }
  if (Status st = s.set_sync(StoreImpl::Sync::Full); !st) return st.error();
  Txn txn(s.db);
  if (Status st = txn.begin(what); !st) return st.error();
  {
    auto clear = s.stmt("UPDATE forms SET is_current = 0 WHERE form_id = ? AND is_current = 1", what);
    if (!clear) return clear.error();
    Reset r(*clear);
    (*clear)->bind(1, rec.form_id);
    if (int rc = (*clear)->step(); rc != SQLITE_DONE) return s.db.error(what, rc);
  }
  {
    auto ins = s.stmt("INSERT INTO forms (form_id, version, title, definition, sha256, source_name, "
                      "is_current, installed_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?) "
                      "ON CONFLICT (form_id, version) DO UPDATE SET is_current = 1",
                      what);
    if (!ins) return ins.error();
    Reset r(*ins);
    (*ins)->bind(1, rec.form_id);
    (*ins)->bind(2, rec.version);
    (*ins)->bind(3, rec.title);
    (*ins)->bind(4, *xml);
    (*ins)->bind(5, rec.sha256);
    (*ins)->bind(6, rec.source_name);
    (*ins)->bind(7, rec.installed_at);
    if (int rc = (*ins)->step(); rc != SQLITE_DONE) return s.db.error(what, rc);
  }
  for (const auto& [name, sha] : media) {
    auto ins = s.stmt("INSERT OR REPLACE INTO form_media (form_id, version, name, sha256) "
                      "VALUES (?, ?, ?, ?)", what);
    if (!ins) return ins.error();
    Reset r(*ins);
    (*ins)->bind(1, rec.form_id);
    (*ins)->bind(2, rec.version);
    (*ins)->bind(3, name);
    (*ins)->bind(4, sha);
    if (int rc = (*ins)->step(); rc != SQLITE_DONE) return s.db.error(what, rc);
  }
  if (!existing)
    if (Status st = s.audit("form.install", rec.form_id, rec.version); !st) return st.error();
  if (Status st = txn.commit(what); !st) return st.error();
  s.installed.insert({rec.form_id, rec.version});
  if (existing) {
    existing->current = true;
    return existing;
  }
  return rec;
}

namespace {

Status read_media(StoreImpl& s, FormRecord& f) {
  auto m = s.stmt("SELECT name FROM form_media WHERE form_id = ? AND version = ? ORDER BY name",
                  "cannot read form media");
  if (!m) return m.error();
  Reset r(*m);
  (*m)->bind(1, f.form_id);
  (*m)->bind(2, f.version);
  int rc;
  while ((rc = (*m)->step()) == SQLITE_ROW) f.media.push_back((*m)->text(0));
  if (rc != SQLITE_DONE) return s.db.error("cannot read form media", rc);
  return ok_status();
}

}  // namespace

Result<std::vector<FormRecord>> Store::list_forms() {
  auto s = impl_->stmt(
      "SELECT form_id, version, title, sha256, source_name, is_current, installed_at FROM forms "
      "ORDER BY form_id, installed_at, version",
      "cannot list forms");
  if (!s) return s.error();
  std::vector<FormRecord> out;
  {
    Reset r(*s);
    int rc;
    while ((rc = (*s)->step()) == SQLITE_ROW) out.push_back(read_form(**s));
    if (rc != SQLITE_DONE) return impl_->db.error("cannot list forms", rc);
  }
  for (auto& f : out)
    if (Status st = read_media(*impl_, f); !st) return st.error();
  return out;
}

Result<FormRecord> Store::get_form(const std::string& form_id, const std::string& version) {
  auto s = impl_->stmt(
      "SELECT form_id, version, title, sha256, source_name, is_current, installed_at FROM forms "
      "WHERE form_id = ?1 AND ((?2 IS NULL AND is_current = 1) OR version = ?2)",
      "cannot read forms");
  if (!s) return s.error();
  FormRecord f;
  {
    Reset r(*s);
    (*s)->bind(1, form_id);
    if (version.empty()) (*s)->bind_null(2);
    else (*s)->bind(2, version);
    int rc = (*s)->step();
    if (rc == SQLITE_DONE && !version.empty()) {
      return impl_->not_found("form", form_id + "' version '" + version);
    }
    if (rc == SQLITE_DONE) {
      // A form installed without a version: "" is its version, not "the current one".
      (*s)->reset();
      (*s)->bind(1, form_id);
      (*s)->bind(2, std::string_view(""));
      rc = (*s)->step();
      if (rc == SQLITE_DONE) return impl_->not_found("form", form_id);
    }
    if (rc != SQLITE_ROW) return impl_->db.error("cannot read forms", rc);
    f = read_form(**s);
  }
  if (Status st = read_media(*impl_, f); !st) return st.error();
  return f;
}

Status Store::set_current_form(const std::string& form_id, const std::string& version) {
  std::string what = "cannot make form '" + form_id + "' version '" + version + "' current";
  auto f = get_form(form_id, version);
  if (!f) return f.error();
  if (Status st = impl_->set_sync(StoreImpl::Sync::Full); !st) return st;
  Txn txn(impl_->db);
  if (Status st = txn.begin(what); !st) return st;
  // Two statements: the unique index on the current version is checked row by row.
  for (const char* sql : {"UPDATE forms SET is_current = 0 WHERE form_id = ?1 AND is_current = 1",
                          "UPDATE forms SET is_current = 1 WHERE form_id = ?1 AND version = ?2"}) {
    auto s = impl_->stmt(sql, what);
    if (!s) return s.error();
    Reset r(*s);
    (*s)->bind(1, form_id);
    if (sqlite3_bind_parameter_count((*s)->raw()) == 2) (*s)->bind(2, version);
    if (int rc = (*s)->step(); rc != SQLITE_DONE) return impl_->db.error(what, rc);
  }
  if (Status st = impl_->audit("form.current", form_id, version); !st) return st;
  return txn.commit(what);
}

Result<Form> Store::load_form(const std::string& form_id, const std::string& version) {
  auto rec = get_form(form_id, version);
  if (!rec) return rec.error();
  auto cached = impl_->forms.find(rec->sha256);
  if (cached != impl_->forms.end()) return cached->second;
  auto s = impl_->stmt("SELECT definition FROM forms WHERE form_id = ? AND version = ?",
                       "cannot read a form definition");
  if (!s) return s.error();
  std::string xml;
  {
    Reset r(*s);
    (*s)->bind(1, rec->form_id);
    (*s)->bind(2, rec->version);
    int rc = (*s)->step();
    if (rc != SQLITE_ROW) return impl_->db.error("cannot read a form definition", rc);
    xml = (*s)->text(0);
  }
  FormLoadOptions lo;
  lo.env = &impl_->os();
  lo.media_dirs.push_back(form_media_dir(*impl_, rec->sha256));
  auto form = load_form_xml(xml, impl_->path + " (form '" + form_id + "')", lo);
  if (!form) return form.error();
  impl_->forms.emplace(rec->sha256, *form);
  return form;
}

}  // namespace khaosat::core
