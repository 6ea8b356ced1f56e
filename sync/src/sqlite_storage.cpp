// SqliteStorage: opening and the schema, enrollment and devices, forms, export, check
// (sqlite_storage.hpp, docs/server-storage.md).
#include "sqlite_storage.hpp"

#include "khaosat/core/json.hpp"
#include "khaosat/sync/server.hpp"
#include "waiting_edits.hpp"

namespace khaosat::sync {

using nlohmann::json;
using sql::Txn;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE devices (
  device_id    TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  role         TEXT NOT NULL CHECK (role IN ('admin', 'officer', 'cooperative', 'viewer')),
  communes     TEXT NOT NULL,
  token_sha256 TEXT NOT NULL UNIQUE,
  enrolled_at  INTEGER NOT NULL,
  last_seen    INTEGER NOT NULL,
  last_seq     INTEGER NOT NULL DEFAULT 0,
  revoked_at   INTEGER
);
CREATE TABLE enrollments (
  code_sha256 TEXT PRIMARY KEY,
  role        TEXT NOT NULL,
  name        TEXT NOT NULL,
  communes    TEXT NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER,
  device_id   TEXT
);
CREATE TABLE push_ledger (
  device_id   TEXT NOT NULL REFERENCES devices (device_id),
  first_seq   INTEGER NOT NULL,
  last_seq    INTEGER NOT NULL,
  results     TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (device_id, first_seq)
);
CREATE TABLE forms (
  form_id      TEXT NOT NULL,
  version      TEXT NOT NULL,
  title        TEXT NOT NULL,
  name         TEXT NOT NULL,
  sha256       TEXT NOT NULL,
  xform        TEXT NOT NULL,
  published_at INTEGER NOT NULL,
  PRIMARY KEY (form_id, version)
);
CREATE TABLE form_media (
  form_id TEXT NOT NULL,
  version TEXT NOT NULL,
  name    TEXT NOT NULL,
  bytes   BLOB NOT NULL,
  PRIMARY KEY (form_id, version, name),
  FOREIGN KEY (form_id, version) REFERENCES forms (form_id, version)
);
CREATE TABLE submissions (
  instance_id   TEXT PRIMARY KEY,
  form_id       TEXT NOT NULL,
  form_version  TEXT NOT NULL,
  device_id     TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  sha256        TEXT NOT NULL,
  deprecated_id TEXT,
  xml           TEXT NOT NULL,
  received_at   INTEGER NOT NULL
);
CREATE INDEX submissions_by_form ON submissions (form_id, received_at);
CREATE INDEX submissions_by_device ON submissions (device_id);
CREATE TABLE submission_conflicts (
  id          INTEGER PRIMARY KEY,
  instance_id TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  device_id   TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  xml         TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE TABLE attachments (
  sha256   TEXT PRIMARY KEY,
  size     INTEGER NOT NULL,
  received INTEGER NOT NULL DEFAULT 0,
  complete INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE submission_attachments (
  instance_id TEXT NOT NULL REFERENCES submissions (instance_id),
  name        TEXT NOT NULL,
  sha256      TEXT NOT NULL REFERENCES attachments (sha256),
  PRIMARY KEY (instance_id, name)
);
CREATE INDEX submission_attachments_by_sha ON submission_attachments (sha256);
CREATE TABLE registry (
  record_id  TEXT PRIMARY KEY,
  registry   TEXT NOT NULL CHECK (registry IN ('establishment', 'cooperative', 'craft_village')),
  properties TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX registry_by_kind ON registry (registry, record_id);
CREATE TABLE changes (
  seq       INTEGER PRIMARY KEY AUTOINCREMENT,
  kind      TEXT NOT NULL CHECK (kind IN ('form', 'registry', 'decision')),
  subject   TEXT NOT NULL,
  device_id TEXT,
  body      TEXT NOT NULL,
  at        INTEGER NOT NULL
);
)sql";

}  // namespace

Result<std::unique_ptr<ServerStorage>> open_sqlite_storage(const std::string& data_dir) {
  auto s = std::make_unique<SqliteStorage>();
  if (Status st = s->open(data_dir); !st) return st.error();
  return std::unique_ptr<ServerStorage>(std::move(s));
}

Status SqliteStorage::open(const std::string& data_dir) {
  dir_ = data_dir;
  if (Status st = make_data_dir(dir_); !st) return st;
  if (Status st = db_.open(dir_ + "/server.db"); !st) return st;
  const char* what = "cannot prepare the server database";
  // The file is checked before anything is written to it (WAL mode writes its header).
  if (Status st = check_identity(); !st) return st;
  if (Status st = db_.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", what); !st)
    return st;
  Txn txn(db_);
  if (Status st = txn.begin(what); !st) return st;
  auto ver = db_.prepare("PRAGMA user_version", what);
  auto app = db_.prepare("PRAGMA application_id", what);
  if (!ver) return ver.error();
  if (!app) return app.error();
  ver->step();
  app->step();
  std::int64_t v = ver->integer(0), id = app->integer(0);
  if (v == 0 && id == 0) {
    auto tables = db_.prepare("SELECT count(*) FROM sqlite_master", what);
    if (!tables) return tables.error();
    tables->step();
    if (tables->integer(0) != 0)
      return Error::make(ErrorCode::store_foreign, db_.path() + ": not a khaosat server database; left untouched");
    if (Status st = db_.exec(kSchema, what); !st) return st;
    if (Status st = create_office_tables(db_); !st) return st;
    if (Status st = create_queue_tables(db_); !st) return st;
    if (Status st = db_.exec(waiting_table_sql().c_str(), what); !st) return st;
    std::string pragmas = "PRAGMA application_id = " + std::to_string(kApplicationId) +
                          "; PRAGMA user_version = " + std::to_string(kSchemaVersion);
    if (Status st = db_.exec(pragmas.c_str(), what); !st) return st;
  } else if (id != kApplicationId) {
    return Error::make(ErrorCode::store_foreign, db_.path() + ": not a khaosat server database; left untouched");
  } else if (v > kSchemaVersion) {
    return Error::make(ErrorCode::store_newer, db_.path() + ": made by a newer khaosat-server (schema " +
                                                   std::to_string(v) + "); update khaosat-server");
  } else if (v < kSchemaVersion) {
    // 1 -> 2: the office's review trail and plan overrides; 2 -> 3: the office's queue;
    // 3 -> 4: edits waiting for their predecessor.
    if (v < 2)
      if (Status st = create_office_tables(db_); !st) return st;
    if (v < 3)
      if (Status st = create_queue_tables(db_); !st) return st;
    if (Status st = db_.exec(waiting_table_sql().c_str(), what); !st) return st;
    std::string pragma = "PRAGMA user_version = " + std::to_string(kSchemaVersion);
    if (Status st = db_.exec(pragma.c_str(), what); !st) return st;
  }
  return txn.commit(what);
}

Status SqliteStorage::check_identity() {
  const char* what = "cannot read the server database";
  auto q = db_.prepare("SELECT (SELECT application_id FROM pragma_application_id), "
                       "(SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)", what);
  if (!q) return Error::make(ErrorCode::store_corrupt, db_.path() + ": not an SQLite database, or damaged; left untouched (" +
                                                           q.error().message + ")");
  if (q->step() != SQLITE_ROW) return db_.error(what, SQLITE_ERROR);
  std::int64_t id = q->integer(0), version = q->integer(1), tables = q->integer(2);
  if ((id == 0 && tables > 0 && version == 0) || (id != 0 && id != kApplicationId))
    return Error::make(ErrorCode::store_foreign, db_.path() + ": not a khaosat server database; left untouched");
  if (version > kSchemaVersion)
    return Error::make(ErrorCode::store_newer, db_.path() + ": made by a newer khaosat-server (schema " +
                                                   std::to_string(version) + "); update khaosat-server");
  return core::ok_status();
}

// --- Enrollment and devices -----------------------------------------------------------------

Status SqliteStorage::add_enrollment(const std::string& code_sha256, const EnrollmentGrant& g) {
  Call call(*this);
  const char* what = "cannot record the enrollment code";
  auto s = db_.cached("INSERT INTO enrollments (code_sha256, role, name, communes, expires_at) "
                      "VALUES (?, ?, ?, ?, ?)", what);
  if (!s) return s.error();
  (*s)->bind(code_sha256, g.role, g.name, json(g.communes).dump(), g.expires_at);
  return db_.run(**s, what);
}

namespace {

constexpr const char* kDeviceColumns =
    "SELECT device_id, name, role, communes, enrolled_at, last_seen, last_seq, revoked_at FROM devices ";

DeviceInfo read_device(sql::Stmt& s) {
  DeviceInfo d;
  d.device_id = s.text(0);
  d.name = s.text(1);
  d.role = s.text(2);
  d.communes = string_list(s.text(3));
  d.enrolled_at = s.integer(4);
  d.last_seen = s.integer(5);
  d.last_seq = s.integer(6);
  d.revoked = !s.is_null(7);
  return d;
}

}  // namespace

Result<DeviceInfo> SqliteStorage::redeem_enrollment(const std::string& code_sha256, const std::string& device_id,
                                                    const std::string& device_name,
                                                    const std::string& token_sha256, std::int64_t now) {
  Call call(*this);
  const char* what = "cannot enroll the device";
  Txn txn(db_);
  if (Status st = txn.begin(what); !st) return st.error();
  auto sel = db_.cached("SELECT role, name, communes, expires_at, used_at FROM enrollments WHERE code_sha256 = ?", what);
  if (!sel) return sel.error();
  (*sel)->bind(code_sha256);
  if ((*sel)->step() != SQLITE_ROW)
    return Error::make(ErrorCode::sync_enroll, "unknown enrollment code; check it, or ask the office for a new one");
  DeviceInfo d;
  d.device_id = device_id;
  d.role = (*sel)->text(0);
  d.name = device_name.empty() ? (*sel)->text(1) : device_name;
  d.communes = string_list((*sel)->text(2));
  if (!(*sel)->is_null(4))
    return Error::make(ErrorCode::sync_enroll, "this enrollment code was used already; ask the office for a new one");
  if ((*sel)->integer(3) < now)
    return Error::make(ErrorCode::sync_enroll, "this enrollment code has expired; ask the office for a new one");
  d.enrolled_at = d.last_seen = now;
  auto ins = db_.cached("INSERT INTO devices (device_id, name, role, communes, token_sha256, enrolled_at, last_seen) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)", what);
  if (!ins) return ins.error();
  (*ins)->bind(d.device_id, d.name, d.role, json(d.communes).dump(), token_sha256, now, now);
  if (Status st = db_.run(**ins, what); !st) return st.error();
  auto use = db_.cached("UPDATE enrollments SET used_at = ?, device_id = ? WHERE code_sha256 = ?", what);
  if (!use) return use.error();
  (*use)->bind(now, d.device_id, code_sha256);
  if (Status st = db_.run(**use, what); !st) return st.error();
  if (Status st = txn.commit(what); !st) return st.error();
  return d;
}

Result<std::optional<DeviceInfo>> SqliteStorage::device_by_token(const std::string& token_sha256) {
  static const std::string sql = std::string(kDeviceColumns) + "WHERE token_sha256 = ?";
  return one_device(sql, token_sha256);
}

Result<std::optional<DeviceInfo>> SqliteStorage::device_by_id(const std::string& device_id) {
  static const std::string sql = std::string(kDeviceColumns) + "WHERE device_id = ?";
  return one_device(sql, device_id);
}

Result<std::optional<DeviceInfo>> SqliteStorage::one_device(const std::string& sql, const std::string& key) {
  Call call(*this);
  auto s = db_.cached(sql.c_str(), "cannot read the devices");
  if (!s) return s.error();
  (*s)->bind(key);
  int rc = (*s)->step();
  if (rc == SQLITE_DONE) return std::optional<DeviceInfo>();
  if (rc != SQLITE_ROW) return db_.error("cannot read the devices", rc);
  return std::optional<DeviceInfo>(read_device(**s));
}

Result<std::vector<DeviceInfo>> SqliteStorage::list_devices() {
  Call call(*this);
  static const std::string sql = std::string(kDeviceColumns) + "ORDER BY enrolled_at, device_id";
  auto s = db_.cached(sql.c_str(), "cannot list the devices");
  if (!s) return s.error();
  (*s)->bind();
  std::vector<DeviceInfo> out;
  int rc;
  while ((rc = (*s)->step()) == SQLITE_ROW) out.push_back(read_device(**s));
  if (rc != SQLITE_DONE) return db_.error("cannot list the devices", rc);
  return out;
}

Status SqliteStorage::revoke_device(const std::string& device_id) {
  Call call(*this);
  const char* what = "cannot revoke the device";
  auto s = db_.cached("UPDATE devices SET revoked_at = strftime('%s','now') * 1000 "
                      "WHERE device_id = ? AND revoked_at IS NULL", what);
  if (!s) return s.error();
  (*s)->bind(device_id);
  if (Status st = db_.run(**s, what); !st) return st;
  if (sqlite3_changes(db_.handle()) == 0)
    return Error::make(ErrorCode::sync_not_found, "no device '" + device_id + "' that is not revoked already");
  return core::ok_status();
}

// --- Forms -----------------------------------------------------------------------------------

Status SqliteStorage::publish_form(const PublishedForm& f) {
  Call call(*this);
  std::string what = "cannot publish form '" + f.form_id + "' version '" + f.version + "'";
  Txn txn(db_);
  if (Status st = txn.begin(what); !st) return st;
  auto sel = db_.cached("SELECT sha256 FROM forms WHERE form_id = ? AND version = ?", "cannot read the forms");
  if (!sel) return sel.error();
  (*sel)->bind(f.form_id, f.version);
  if ((*sel)->step() == SQLITE_ROW) {
    if ((*sel)->text(0) == f.sha256) return core::ok_status();
    return Error::make(ErrorCode::sync_request, what + ": that version is published with another definition; "
                                                       "a form version is immutable: raise the version");
  }
  auto ins = db_.cached("INSERT INTO forms (form_id, version, title, name, sha256, xform, published_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)", what);
  if (!ins) return ins.error();
  (*ins)->bind(f.form_id, f.version, f.title, f.xform.name, f.sha256, f.xform.bytes, f.published_at);
  if (Status st = db_.run(**ins, what); !st) return st;
  for (const auto& m : f.media) {
    auto med = db_.cached("INSERT INTO form_media (form_id, version, name, bytes) VALUES (?, ?, ?, ?)", what);
    if (!med) return med.error();
    (*med)->bind(f.form_id, f.version, m.name, m.bytes);
    if (Status st = db_.run(**med, what); !st) return st;
  }
  if (Status st = log_change("form", f.form_id + "\n" + f.version, std::nullopt, "", f.published_at); !st) return st;
  return txn.commit(what);
}

Result<std::vector<PublishedForm>> SqliteStorage::list_forms() {
  Call call(*this);
  auto s = db_.cached("SELECT form_id, version, title, name, sha256, published_at FROM forms "
                      "ORDER BY form_id, published_at", "cannot list the forms");
  if (!s) return s.error();
  (*s)->bind();
  std::vector<PublishedForm> out;
  while ((*s)->step() == SQLITE_ROW) {
    PublishedForm f;
    f.form_id = (*s)->text(0);
    f.version = (*s)->text(1);
    f.title = (*s)->text(2);
    f.xform.name = (*s)->text(3);
    f.sha256 = (*s)->text(4);
    f.published_at = (*s)->integer(5);
    out.push_back(std::move(f));
  }
  return out;
}

Result<bool> SqliteStorage::has_form(const std::string& form_id, const std::string& version) {
  Call call(*this);
  return form_exists(form_id, version);
}

Result<bool> SqliteStorage::form_exists(const std::string& form_id, const std::string& version) {
  auto s = db_.cached("SELECT 1 FROM forms WHERE form_id = ? AND version = ?", "cannot read the forms");
  if (!s) return s.error();
  (*s)->bind(form_id, version);
  return (*s)->step() == SQLITE_ROW;
}

// --- Export -----------------------------------------------------------------------------------

Result<std::vector<StoredSubmission>> SqliteStorage::submissions(const std::string& form_id) {
  Call call(*this);
  const char* what = "cannot read the submissions";
  auto s = db_.cached("SELECT instance_id, form_id, form_version, device_id, sha256, deprecated_id, xml, "
                      "received_at FROM submissions WHERE form_id = ? ORDER BY received_at, rowid", what);
  auto a = db_.cached("SELECT sa.name, sa.sha256, a.size FROM submission_attachments sa "
                      "JOIN attachments a ON a.sha256 = sa.sha256 WHERE sa.instance_id = ? ORDER BY sa.name", what);
  if (!s) return s.error();
  if (!a) return a.error();
  (*s)->bind(form_id);
  std::vector<StoredSubmission> out;
  int rc;
  while ((rc = (*s)->step()) == SQLITE_ROW) {
    StoredSubmission x;
    x.instance_id = (*s)->text(0);
    x.form_id = (*s)->text(1);
    x.form_version = (*s)->text(2);
    x.device_id = (*s)->text(3);
    x.sha256 = (*s)->text(4);
    if (!(*s)->is_null(5)) x.deprecated_id = (*s)->text(5);
    x.xml = (*s)->text(6);
    x.received_at = (*s)->integer(7);
    (*a)->bind(x.instance_id);
    while ((*a)->step() == SQLITE_ROW) x.attachments.push_back({(*a)->text(0), (*a)->text(1), (*a)->integer(2)});
    out.push_back(std::move(x));
  }
  if (rc != SQLITE_DONE) return db_.error(what, rc);
  return out;
}

Result<std::vector<RegistryState>> SqliteStorage::registry(core::Registry registry) {
  Call call(*this);
  auto s = db_.cached("SELECT record_id FROM registry WHERE registry = ? ORDER BY record_id", "cannot read the registry");
  if (!s) return s.error();
  (*s)->bind(std::string_view(core::to_string(registry)));
  std::vector<std::string> ids;
  while ((*s)->step() == SQLITE_ROW) ids.push_back((*s)->text(0));
  std::vector<RegistryState> out;
  for (const auto& id : ids) {
    auto r = load_record(id);
    if (!r) return r.error();
    if (*r) out.push_back({std::move(**r), 0});
  }
  return out;
}

// --- check -----------------------------------------------------------------------------------

Result<std::vector<std::string>> SqliteStorage::check() {
  Call call(*this);
  std::vector<std::string> problems;
  const char* what = "cannot check the server database";
  auto integrity = db_.prepare("PRAGMA integrity_check", what);
  if (!integrity) return integrity.error();
  while (integrity->step() == SQLITE_ROW)
    if (integrity->text(0) != "ok") problems.push_back("database: " + integrity->text(0));
  auto subs = db_.prepare("SELECT instance_id, sha256, xml FROM submissions", what);
  if (!subs) return subs.error();
  while (subs->step() == SQLITE_ROW)
    if (sha256_hex(subs->text(2)) != subs->text(1))
      problems.push_back("submission " + subs->text(0) + ": its XML does not hash to its sha256");
  auto att = db_.prepare("SELECT sha256 FROM attachments WHERE complete = 1", what);
  if (!att) return att.error();
  while (att->step() == SQLITE_ROW) {
    std::string sha = att->text(0);
    auto h = sha256_file(final_path(sha));
    if (!h) problems.push_back("attachment " + sha + ": " + h.error().message);
    else if (*h != sha) problems.push_back("attachment " + sha + ": its file hashes to " + *h);
  }
  auto seq = db_.prepare("SELECT d.device_id, d.last_seq, COALESCE(MAX(l.last_seq), 0) FROM devices d "
                         "LEFT JOIN push_ledger l ON l.device_id = d.device_id GROUP BY d.device_id", what);
  if (!seq) return seq.error();
  while (seq->step() == SQLITE_ROW)
    if (seq->integer(1) != seq->integer(2))
      problems.push_back("device " + seq->text(0) + ": last sequence " + std::to_string(seq->integer(1)) +
                         " but the ledger ends at " + std::to_string(seq->integer(2)));
  return problems;
}

}  // namespace khaosat::sync
