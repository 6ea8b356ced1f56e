// Store: installed forms (install, list, current version, load with media).
#include <filesystem>
#include <set>

#include "khaosat/core/store.hpp"
#include "store/files.hpp"
#include "store/store_impl.hpp"
#include "khaosat/core/form_info.hpp"
#include "khaosat/core/xlsform.hpp"

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
Result<std::string> xform_text(const NamedBytes& form) {
  if (is_xlsform_path(form.name)) return convert_xlsform_bytes(form.bytes, form.name);
  return form.bytes;
}

// A media file is found by its name alone, so the name must be a plain file name.
Status check_media_names(const std::string& form_name, const std::vector<NamedBytes>& media) {
  std::set<std::string, std::less<>> seen;
  for (const auto& m : media) {
    const std::string& n = m.name;
    bool plain = !n.empty() && n != "." && n != ".." && n.find('/') == std::string::npos &&
                 n.find('\\') == std::string::npos && n.find('\0') == std::string::npos;
    if (!plain)
      return Error::make(ErrorCode::store_invalid, form_name + ": media file name '" + n +
                                              "' is not a plain file name (no folders, no '..')");
    if (!seen.insert(n).second)
      return Error::make(ErrorCode::store_invalid, form_name + ": media file '" + n + "' is given twice");
  }
  return ok_status();
}

std::string form_media_dir(const StoreImpl& s, const std::string& sha) {
  return s.media_dir + "/forms/" + sha;
}

}  // namespace

Result<StoreImpl::FormKey> StoreImpl::installed_key(const Form& form) {
  FormIdentity ident = form_identity(form);
  FormKey key{ident.id, ident.version};
  if (installed.count({key.form_id, key.version})) return key;
  auto s = stmt("SELECT 1 FROM forms WHERE form_id = ? AND version = ?", "cannot read forms");
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, key.form_id);
  (*s)->bind(2, key.version);
  int rc = (*s)->step();
  if (rc == SQLITE_DONE)
    return Error::make(ErrorCode::store_form, path + ": form '" + key.form_id + "' version '" +
                                         key.version + "' is not installed; install it first");
  if (rc != SQLITE_ROW) return db.error("cannot read forms", rc);
  installed.insert({key.form_id, key.version});
  return key;
}

Result<FormRecord> Store::install_form(const std::string& form_path,
                                       const std::vector<std::string>& media_files) {
  Env& env = impl_->os();
  NamedBytes form{form_path, {}};
  auto bytes = env.read_file(form_path, kMaxFormFileBytes);
  if (!bytes) return bytes.error();
  form.bytes = std::move(bytes.value());
  std::vector<NamedBytes> media;
  for (const auto& m : media_files) {
    // Whole, like the loader reads them (a form's media are CSV/XML/GeoJSON instances).
    auto mb = env.read_file(m, kMaxInstanceFileBytes);
    if (!mb) return mb.error();
    media.push_back({fs::path(m).filename().string(), std::move(mb.value())});
  }
  return install_form(form, media);
}

Result<FormRecord> Store::install_form(const NamedBytes& form_file, const std::vector<NamedBytes>& media_files) {
  StoreImpl& s = *impl_;
  const std::string& form_path = form_file.name;
  if (Status st = check_media_names(form_path, media_files); !st) return st.error();
  auto xml = xform_text(form_file);
  if (!xml) return xml.error();
  FormRecord rec;
  rec.sha256 = sha256_hex(*xml);
  rec.source_name = fs::path(form_path).filename().string();
  rec.current = true;
  rec.installed_at = s.now();
  // Media first, durably, under the definition's hash, so the form loads with exactly them;
  // the rows follow in the transaction. A form that then fails to load leaves no new folder.
  std::string dir = form_media_dir(s, rec.sha256);
  Env& env = s.os();
  auto dir_info = env.stat(dir);
  bool dir_existed = !dir_info || dir_info->kind != FileKind::Missing;
  std::vector<std::pair<std::string, std::string>> media;
  if (!media_files.empty())
    if (Status st = env.create_dirs(dir); !st) return store::store_error(st.error());
  // Best effort: a leftover folder holds only files no form row names (clean_orphans).
  auto discard_new_media = [&] {
    if (dir_existed) return;
    for (const auto& name : rec.media) (void)env.remove(dir + "/" + name);
    (void)env.remove(dir);
  };
  for (const auto& m : media_files) {
    if (Status st = env.write_file_durably(dir + "/" + m.name, m.bytes); !st) {
      discard_new_media();
      return store::store_error(st.error());
    }
    media.emplace_back(m.name, sha256_hex(m.bytes));
    rec.media.push_back(m.name);
  }
  FormLoadOptions lo;
  lo.env = &env;
  lo.media_dirs.push_back(dir);
  // Loaded as if it had no folder of its own: only the media given count.
  auto form = load_form_xml(*xml, "", lo);
  if (!form) {
    discard_new_media();
    Error e = form.error();
    e.message = form_path + ": " + e.message;
    return e;
  }
  FormIdentity ident = form_identity(*form);
  rec.form_id = ident.id;
  rec.version = ident.version;
  rec.title = ident.title;
  std::string what = "cannot install form '" + rec.form_id + "' version '" + rec.version + "'";
  if (rec.form_id.empty()) {
    discard_new_media();
    return Error::make(ErrorCode::store_form, form_path + ": the form has no id (the primary instance's "
                                                 "root needs an id attribute)");
  }
  auto existing = get_form(rec.form_id, rec.version);
  if (existing && existing->sha256 != rec.sha256) {
    discard_new_media();
    return Error::make(ErrorCode::store_form, s.path + ": " + what + " from " + form_path +
                                         ": that version is already installed with a different "
                                         "definition; give the changed form a new version");
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
  lo.beside_path = false;  // the path names the database: nothing beside it is the form's
  auto form = load_form_xml(xml, impl_->path + " (form '" + form_id + "')", lo);
  if (!form) return form.error();
  impl_->forms.emplace(rec->sha256, *form);
  return form;
}

}  // namespace khaosat::core
