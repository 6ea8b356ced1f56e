// PgStorage: opening and the schema, enrollment and devices, forms, export, check
// (pg_storage.hpp, docs/server-storage.md "PostgreSQL"); open_server_storage picks a backend.
#include "pg_storage.hpp"
#include "storage_queue.hpp"

#include <map>

#include "khaosat/core/json.hpp"
#include "khaosat/sync/server.hpp"
#include "waiting_edits.hpp"

namespace khaosat::sync {

using nlohmann::json;
using pg::Txn;

namespace {

// Advisory lock keys (pg_advisory_xact_lock): creating the schema.
constexpr const char* kSchemaLock = "SELECT pg_advisory_xact_lock(4835915600)";

constexpr const char* kSchema = R"sql(
CREATE TABLE khaosat_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE devices (
  device_id    TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  role         TEXT NOT NULL CHECK (role IN ('admin', 'officer', 'cooperative', 'viewer')),
  communes     TEXT NOT NULL,
  token_sha256 TEXT NOT NULL UNIQUE,
  enrolled_at  BIGINT NOT NULL,
  last_seen    BIGINT NOT NULL,
  last_seq     BIGINT NOT NULL DEFAULT 0,
  revoked_at   BIGINT
);
CREATE TABLE enrollments (
  code_sha256 TEXT PRIMARY KEY,
  role        TEXT NOT NULL,
  name        TEXT NOT NULL,
  communes    TEXT NOT NULL,
  expires_at  BIGINT NOT NULL,
  used_at     BIGINT,
  device_id   TEXT
);
CREATE TABLE push_ledger (
  device_id   TEXT NOT NULL REFERENCES devices (device_id),
  first_seq   BIGINT NOT NULL,
  last_seq    BIGINT NOT NULL,
  results     TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (device_id, first_seq)
);
CREATE TABLE forms (
  form_id      TEXT NOT NULL,
  version      TEXT NOT NULL,
  title        TEXT NOT NULL,
  name         TEXT NOT NULL,
  sha256       TEXT NOT NULL,
  xform        BYTEA NOT NULL,
  published_at BIGINT NOT NULL,
  PRIMARY KEY (form_id, version)
);
CREATE TABLE form_media (
  form_id TEXT NOT NULL,
  version TEXT NOT NULL,
  name    TEXT NOT NULL,
  bytes   BYTEA NOT NULL,
  PRIMARY KEY (form_id, version, name),
  FOREIGN KEY (form_id, version) REFERENCES forms (form_id, version)
);
CREATE TABLE submissions (
  instance_id   TEXT PRIMARY KEY,
  form_id       TEXT NOT NULL,
  form_version  TEXT NOT NULL,
  device_id     TEXT NOT NULL,
  seq           BIGINT NOT NULL,
  sha256        TEXT NOT NULL,
  deprecated_id TEXT,
  xml           BYTEA NOT NULL,
  received_at   BIGINT NOT NULL,
  arrival       BIGSERIAL
);
CREATE INDEX submissions_by_form ON submissions (form_id, received_at, arrival);
CREATE INDEX submissions_by_device ON submissions (device_id);
CREATE TABLE submission_conflicts (
  id          BIGSERIAL PRIMARY KEY,
  instance_id TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  device_id   TEXT NOT NULL,
  seq         BIGINT NOT NULL,
  xml         BYTEA NOT NULL,
  received_at BIGINT NOT NULL
);
CREATE TABLE attachments (
  sha256   TEXT PRIMARY KEY,
  size     BIGINT NOT NULL,
  received BIGINT NOT NULL DEFAULT 0,
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
  updated_at BIGINT NOT NULL
);
CREATE INDEX registry_by_kind ON registry (registry, record_id);
CREATE TABLE changes (
  seq       BIGSERIAL PRIMARY KEY,
  kind      TEXT NOT NULL CHECK (kind IN ('form', 'registry', 'decision')),
  subject   TEXT NOT NULL,
  device_id TEXT,
  body      TEXT NOT NULL,
  at        BIGINT NOT NULL
);
)sql";

}  // namespace

Result<std::unique_ptr<ServerStorage>> open_server_storage(const std::string& data_dir, const std::string& database_url) {
  if (database_url.empty()) return open_sqlite_storage(data_dir);
  auto s = std::make_unique<PgStorage>();
  if (Status st = s->open(data_dir, database_url); !st) return st.error();
  return std::unique_ptr<ServerStorage>(std::move(s));
}

Status PgStorage::open(const std::string& data_dir, const std::string& url) {
  dir_ = data_dir;
  if (Status st = db_.open(url); !st) return st;
  if (Status st = make_data_dir(dir_); !st) return st;
  return create_schema();
}

Status PgStorage::create_schema() {
  const char* what = "cannot prepare the server database";
  Txn txn(db_);
  if (Status st = txn.begin(what); !st) return st;
  if (Status st = db_.run(kSchemaLock, what); !st) return st;
  auto meta = db_.exec("SELECT to_regclass('khaosat_meta') IS NOT NULL, (SELECT count(*) FROM pg_tables "
                       "WHERE schemaname = current_schema())", what);
  if (!meta) return meta.error();
  if (meta->text(0, 0) != "t") {
    if (meta->integer(0, 1) != 0)
      return Error::make(ErrorCode::store_foreign, db_.where() + ": holds tables but is not a khaosat server database; "
                                                                 "left untouched (give an empty database)");
    if (Status st = db_.run(kSchema, what); !st) return st;
    if (Status st = db_.run(office_tables_sql("BIGSERIAL PRIMARY KEY").c_str(), what); !st) return st;
    if (Status st = db_.run(queue_tables_sql("BIGSERIAL PRIMARY KEY").c_str(), what); !st) return st;
    if (Status st = db_.run(waiting_table_sql().c_str(), what); !st) return st;
    if (Status st = db_.run("INSERT INTO khaosat_meta VALUES ('application', 'khaosat-server'), ('schema_version', $1)",
                            what, {kSchemaVersion});
        !st)
      return st;
  } else {
    auto v = db_.exec("SELECT (SELECT value FROM khaosat_meta WHERE key = 'application'), "
                      "(SELECT value FROM khaosat_meta WHERE key = 'schema_version')", what);
    if (!v) return v.error();
    if (v->text(0, 0) != "khaosat-server")
      return Error::make(ErrorCode::store_foreign, db_.where() + ": not a khaosat server database; left untouched");
    if (v->integer(0, 1) > kSchemaVersion)
      return Error::make(ErrorCode::store_newer, db_.where() + ": made by a newer khaosat-server (schema " +
                                                     v->text(0, 1) + "); update khaosat-server");
    if (std::int64_t v1 = v->integer(0, 1); v1 < kSchemaVersion) {
      // 1 -> 2: the office's review trail and plan overrides; 2 -> 3: the office's queue;
      // 3 -> 4: edits waiting for their predecessor.
      if (v1 < 2)
        if (Status st = db_.run(office_tables_sql("BIGSERIAL PRIMARY KEY").c_str(), what); !st) return st;
      if (v1 < 3)
        if (Status st = db_.run(queue_tables_sql("BIGSERIAL PRIMARY KEY").c_str(), what); !st) return st;
      if (Status st = db_.run(waiting_table_sql().c_str(), what); !st) return st;
      if (Status st = db_.run("UPDATE khaosat_meta SET value = $1 WHERE key = 'schema_version'", what, {kSchemaVersion});
          !st)
        return st;
    }
  }
  return txn.commit(what);
}

// --- Enrollment and devices -----------------------------------------------------------------

Status PgStorage::add_enrollment(const std::string& code_sha256, const EnrollmentGrant& g) {
  std::lock_guard lock(mutex_);
  return db_.run("INSERT INTO enrollments (code_sha256, role, name, communes, expires_at) VALUES ($1, $2, $3, $4, $5)",
                 "cannot record the enrollment code", {code_sha256, g.role, g.name, json(g.communes).dump(), g.expires_at});
}

namespace {

constexpr const char* kDeviceColumns =
    "SELECT device_id, name, role, communes, enrolled_at, last_seen, last_seq, revoked_at FROM devices ";

DeviceInfo read_device(const pg::Rows& r, int i) {
  DeviceInfo d;
  d.device_id = r.text(i, 0);
  d.name = r.text(i, 1);
  d.role = r.text(i, 2);
  d.communes = string_list(r.text(i, 3));
  d.enrolled_at = r.integer(i, 4);
  d.last_seen = r.integer(i, 5);
  d.last_seq = r.integer(i, 6);
  d.revoked = !r.is_null(i, 7);
  return d;
}

}  // namespace

Result<DeviceInfo> PgStorage::redeem_enrollment(const std::string& code_sha256, const std::string& device_id,
                                                const std::string& device_name, const std::string& token_sha256,
                                                std::int64_t now) {
  std::lock_guard lock(mutex_);
  const char* what = "cannot enroll the device";
  Txn txn(db_);
  if (Status st = txn.begin(what); !st) return st.error();
  // FOR UPDATE: two servers redeeming one code at once: the second sees it spent.
  auto sel = db_.exec("SELECT role, name, communes, expires_at, used_at FROM enrollments WHERE code_sha256 = $1 FOR UPDATE",
                      what, {code_sha256});
  if (!sel) return sel.error();
  if (sel->empty())
    return Error::make(ErrorCode::sync_enroll, "unknown enrollment code; check it, or ask the office for a new one");
  DeviceInfo d;
  d.device_id = device_id;
  d.role = sel->text(0, 0);
  d.name = device_name.empty() ? sel->text(0, 1) : device_name;
  d.communes = string_list(sel->text(0, 2));
  if (!sel->is_null(0, 4))
    return Error::make(ErrorCode::sync_enroll, "this enrollment code was used already; ask the office for a new one");
  if (sel->integer(0, 3) < now)
    return Error::make(ErrorCode::sync_enroll, "this enrollment code has expired; ask the office for a new one");
  d.enrolled_at = d.last_seen = now;
  if (Status st = db_.run("INSERT INTO devices (device_id, name, role, communes, token_sha256, enrolled_at, last_seen) "
                          "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                          what, {d.device_id, d.name, d.role, json(d.communes).dump(), token_sha256, now, now});
      !st)
    return st.error();
  if (Status st = db_.run("UPDATE enrollments SET used_at = $1, device_id = $2 WHERE code_sha256 = $3", what,
                          {now, d.device_id, code_sha256});
      !st)
    return st.error();
  if (Status st = txn.commit(what); !st) return st.error();
  return d;
}

Result<std::optional<DeviceInfo>> PgStorage::device_by_token(const std::string& token_sha256) {
  std::lock_guard lock(mutex_);
  static const std::string sql = std::string(kDeviceColumns) + "WHERE token_sha256 = $1";
  return one_device(sql, token_sha256);
}

Result<std::optional<DeviceInfo>> PgStorage::device_by_id(const std::string& device_id) {
  std::lock_guard lock(mutex_);
  static const std::string sql = std::string(kDeviceColumns) + "WHERE device_id = $1";
  return one_device(sql, device_id);
}

Result<std::optional<DeviceInfo>> PgStorage::one_device(const std::string& sql, const std::string& key) {
  auto r = db_.exec(sql.c_str(), "cannot read the devices", {key});
  if (!r) return r.error();
  if (r->empty()) return std::optional<DeviceInfo>();
  return std::optional<DeviceInfo>(read_device(*r, 0));
}

Result<std::vector<DeviceInfo>> PgStorage::list_devices() {
  std::lock_guard lock(mutex_);
  static const std::string sql = std::string(kDeviceColumns) + "ORDER BY enrolled_at, device_id";
  auto r = db_.exec(sql.c_str(), "cannot list the devices");
  if (!r) return r.error();
  std::vector<DeviceInfo> out;
  for (int i = 0; i < r->size(); ++i) out.push_back(read_device(*r, i));
  return out;
}

Status PgStorage::revoke_device(const std::string& device_id) {
  std::lock_guard lock(mutex_);
  auto r = db_.exec("UPDATE devices SET revoked_at = (extract(epoch FROM now()) * 1000)::bigint "
                    "WHERE device_id = $1 AND revoked_at IS NULL", "cannot revoke the device", {device_id});
  if (!r) return r.error();
  if (r->affected() == 0)
    return Error::make(ErrorCode::sync_not_found, "no device '" + device_id + "' that is not revoked already");
  return core::ok_status();
}

// --- Forms -----------------------------------------------------------------------------------

Status PgStorage::publish_form(const PublishedForm& f) {
  std::lock_guard lock(mutex_);
  std::string what = "cannot publish form '" + f.form_id + "' version '" + f.version + "'";
  Txn txn(db_);
  if (Status st = txn.begin(what); !st) return st;
  if (Status st = lock_changes(); !st) return st;  // also orders two publishers of one version
  auto sel = db_.exec("SELECT sha256 FROM forms WHERE form_id = $1 AND version = $2", "cannot read the forms",
                      {f.form_id, f.version});
  if (!sel) return sel.error();
  if (!sel->empty()) {
    if (sel->text(0, 0) == f.sha256) return core::ok_status();
    return Error::make(ErrorCode::sync_request, what + ": that version is published with another definition; "
                                                       "a form version is immutable: raise the version");
  }
  if (Status st = db_.run("INSERT INTO forms (form_id, version, title, name, sha256, xform, published_at) "
                          "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                          what, {f.form_id, f.version, f.title, f.xform.name, f.sha256, pg::bytes(f.xform.bytes), f.published_at});
      !st)
    return st;
  for (const auto& m : f.media)
    if (Status st = db_.run("INSERT INTO form_media (form_id, version, name, bytes) VALUES ($1, $2, $3, $4)", what,
                            {f.form_id, f.version, m.name, pg::bytes(m.bytes)});
        !st)
      return st;
  if (Status st = log_change("form", f.form_id + "\n" + f.version, std::nullopt, "", f.published_at); !st) return st;
  return txn.commit(what);
}

Result<std::vector<PublishedForm>> PgStorage::list_forms() {
  std::lock_guard lock(mutex_);
  auto r = db_.exec("SELECT form_id, version, title, name, sha256, published_at FROM forms "
                    "ORDER BY form_id, published_at", "cannot list the forms");
  if (!r) return r.error();
  std::vector<PublishedForm> out;
  for (int i = 0; i < r->size(); ++i) {
    PublishedForm f;
    f.form_id = r->text(i, 0);
    f.version = r->text(i, 1);
    f.title = r->text(i, 2);
    f.xform.name = r->text(i, 3);
    f.sha256 = r->text(i, 4);
    f.published_at = r->integer(i, 5);
    out.push_back(std::move(f));
  }
  return out;
}

Result<bool> PgStorage::has_form(const std::string& form_id, const std::string& version) {
  std::lock_guard lock(mutex_);
  return form_exists(form_id, version);
}

Result<bool> PgStorage::form_exists(const std::string& form_id, const std::string& version) {
  auto r = db_.exec("SELECT 1 FROM forms WHERE form_id = $1 AND version = $2", "cannot read the forms", {form_id, version});
  if (!r) return r.error();
  return !r->empty();
}

// --- Office decisions and export -------------------------------------------------------------

Result<std::vector<StoredSubmission>> PgStorage::submissions(const std::string& form_id) {
  std::lock_guard lock(mutex_);
  const char* what = "cannot read the submissions";
  Txn txn(db_);
  if (Status st = txn.begin(what, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !st) return st.error();
  auto r = db_.exec("SELECT instance_id, form_id, form_version, device_id, sha256, deprecated_id, xml, "
                    "received_at FROM submissions WHERE form_id = $1 ORDER BY received_at, arrival", what, {form_id});
  auto a = db_.exec("SELECT sa.instance_id, sa.name, sa.sha256, a.size FROM submission_attachments sa "
                    "JOIN attachments a ON a.sha256 = sa.sha256 JOIN submissions s ON s.instance_id = sa.instance_id "
                    "WHERE s.form_id = $1 ORDER BY sa.instance_id, sa.name", what, {form_id});
  if (!r) return r.error();
  if (!a) return a.error();
  std::map<std::string, std::vector<AttachmentRef>> atts;
  for (int i = 0; i < a->size(); ++i) atts[a->text(i, 0)].push_back({a->text(i, 1), a->text(i, 2), a->integer(i, 3)});
  std::vector<StoredSubmission> out;
  for (int i = 0; i < r->size(); ++i) {
    StoredSubmission x;
    x.instance_id = r->text(i, 0);
    x.form_id = r->text(i, 1);
    x.form_version = r->text(i, 2);
    x.device_id = r->text(i, 3);
    x.sha256 = r->text(i, 4);
    if (!r->is_null(i, 5)) x.deprecated_id = r->text(i, 5);
    x.xml = r->bytes(i, 6);
    x.received_at = r->integer(i, 7);
    if (auto it = atts.find(x.instance_id); it != atts.end()) x.attachments = std::move(it->second);
    out.push_back(std::move(x));
  }
  if (Status st = txn.commit(what); !st) return st.error();
  return out;
}

Result<std::vector<RegistryState>> PgStorage::registry(core::Registry registry) {
  std::lock_guard lock(mutex_);
  auto r = db_.exec("SELECT record_id, registry, properties, merged_into FROM registry WHERE registry = $1 "
                    "ORDER BY record_id", "cannot read the registry", {std::string_view(core::to_string(registry))});
  if (!r) return r.error();
  std::vector<RegistryState> out;
  for (int i = 0; i < r->size(); ++i)
    out.push_back({record_from_columns(r->text(i, 0), r->text(i, 1), r->text(i, 2), r->text(i, 3)), 0});
  return out;
}

// --- check -----------------------------------------------------------------------------------

Result<std::vector<std::string>> PgStorage::check() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> problems;
  const char* what = "cannot check the server database";
  auto subs = db_.exec("SELECT instance_id, sha256, xml FROM submissions", what);
  if (!subs) return subs.error();
  for (int i = 0; i < subs->size(); ++i)
    if (sha256_hex(subs->bytes(i, 2)) != subs->text(i, 1))
      problems.push_back("submission " + subs->text(i, 0) + ": its XML does not hash to its sha256");
  auto att = db_.exec("SELECT sha256 FROM attachments WHERE complete = 1", what);
  if (!att) return att.error();
  for (int i = 0; i < att->size(); ++i) {
    std::string sha = att->text(i, 0);
    auto h = sha256_file(attachment_file(dir_, sha));
    if (!h) problems.push_back("attachment " + sha + ": " + h.error().message);
    else if (*h != sha) problems.push_back("attachment " + sha + ": its file hashes to " + *h);
  }
  auto seq = db_.exec("SELECT d.device_id, d.last_seq, COALESCE(MAX(l.last_seq), 0) FROM devices d "
                      "LEFT JOIN push_ledger l ON l.device_id = d.device_id GROUP BY d.device_id", what);
  if (!seq) return seq.error();
  for (int i = 0; i < seq->size(); ++i)
    if (seq->integer(i, 1) != seq->integer(i, 2))
      problems.push_back("device " + seq->text(i, 0) + ": last sequence " + seq->text(i, 1) +
                         " but the ledger ends at " + seq->text(i, 2));
  return problems;
}

}  // namespace khaosat::sync
