// Schema versions and forward migrations. Each migration is append-only history: never edit one
// that has shipped; add the next. docs/storage.md describes every table and column.
#include "store/schema.hpp"

#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace khaosat::core::store {

namespace {

// Version 1: forms, drafts, submissions, attachments, registries, outbox, sync state.
constexpr const char* kV1 = R"sql(
CREATE TABLE forms (
  form_id      TEXT NOT NULL,
  version      TEXT NOT NULL,
  title        TEXT NOT NULL,
  definition   TEXT NOT NULL,
  sha256       TEXT NOT NULL,
  source_name  TEXT NOT NULL,
  is_current   INTEGER NOT NULL DEFAULT 0 CHECK (is_current IN (0, 1)),
  installed_at INTEGER NOT NULL,
  PRIMARY KEY (form_id, version)
) WITHOUT ROWID;
CREATE UNIQUE INDEX forms_current ON forms (form_id) WHERE is_current = 1;

CREATE TABLE form_media (
  form_id  TEXT NOT NULL,
  version  TEXT NOT NULL,
  name     TEXT NOT NULL,
  sha256   TEXT NOT NULL,
  PRIMARY KEY (form_id, version, name),
  FOREIGN KEY (form_id, version) REFERENCES forms (form_id, version)
) WITHOUT ROWID;

CREATE TABLE drafts (
  draft_id     TEXT PRIMARY KEY,
  form_id      TEXT NOT NULL,
  form_version TEXT NOT NULL,
  instance_id  TEXT NOT NULL,
  replaces     TEXT,
  instance_xml TEXT NOT NULL,
  position     TEXT NOT NULL DEFAULT '',
  language     TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  saves        INTEGER NOT NULL DEFAULT 1,
  FOREIGN KEY (form_id, form_version) REFERENCES forms (form_id, version)
);
CREATE INDEX drafts_by_form ON drafts (form_id, updated_at);

CREATE TABLE submissions (
  instance_id   TEXT PRIMARY KEY,
  form_id       TEXT NOT NULL,
  form_version  TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('finalized', 'sent', 'rejected')),
  sha256        TEXT NOT NULL,
  deprecated_id TEXT UNIQUE REFERENCES submissions (instance_id),
  superseded_by TEXT,
  reject_reason TEXT,
  finalized_at  INTEGER NOT NULL,
  state_at      INTEGER NOT NULL,
  FOREIGN KEY (form_id, form_version) REFERENCES forms (form_id, version)
);
CREATE INDEX submissions_by_time ON submissions (finalized_at, instance_id);
CREATE INDEX submissions_by_form ON submissions (form_id, finalized_at);

-- The bulky part of a submission, apart, so that listing reads only narrow rows.
CREATE TABLE submission_content (
  instance_id   TEXT PRIMARY KEY REFERENCES submissions (instance_id),
  instance_xml  TEXT NOT NULL,
  instance_json TEXT NOT NULL
);

CREATE TABLE attachments (
  sha256     TEXT PRIMARY KEY,
  size       INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE draft_attachments (
  draft_id TEXT NOT NULL REFERENCES drafts (draft_id) ON DELETE CASCADE,
  name     TEXT NOT NULL,
  sha256   TEXT NOT NULL REFERENCES attachments (sha256),
  PRIMARY KEY (draft_id, name)
) WITHOUT ROWID;

CREATE TABLE submission_attachments (
  instance_id TEXT NOT NULL REFERENCES submissions (instance_id),
  name        TEXT NOT NULL,
  sha256      TEXT NOT NULL REFERENCES attachments (sha256),
  PRIMARY KEY (instance_id, name)
) WITHOUT ROWID;

CREATE TABLE registry_records (
  record_id   TEXT PRIMARY KEY,
  registry    TEXT NOT NULL CHECK (registry IN ('establishment', 'cooperative', 'craft_village')),
  name        TEXT NOT NULL,
  name_folded TEXT NOT NULL,
  properties  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX registry_by_name ON registry_records (registry, name_folded);

CREATE TABLE outbox (
  seq        INTEGER PRIMARY KEY,
  kind       TEXT NOT NULL,
  subject    TEXT NOT NULL,
  payload    TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  acked_at   INTEGER
);

CREATE TABLE sync_state (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// Version 2: the audit log, backfilled from what version 1 recorded (each submission's
// finalize and state change, each draft's creation), so the log starts complete.
constexpr const char* kV2 = R"sql(
CREATE TABLE audit (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_subject ON audit (subject, id);
INSERT INTO audit (at, actor, action, subject, detail)
  SELECT at, actor, action, subject, detail FROM (
    SELECT created_at AS at, '(before audit)' AS actor, 'draft.create' AS action,
           draft_id AS subject, form_id AS detail, 0 AS o FROM drafts
    UNION ALL
    SELECT finalized_at, '(before audit)', 'submission.finalize', instance_id, form_id, 1
      FROM submissions
    UNION ALL
    SELECT state_at, '(before audit)', 'submission.' || state, instance_id,
           coalesce(reject_reason, ''), 2 FROM submissions WHERE state <> 'finalized'
  ) ORDER BY at, o, subject;
)sql";

// Version 3: what the office decided comes back to the device. A submission keeps the office's
// latest review (approved / has_issues / rejected) with its comment; a registry record the office
// merged into another names the survivor.
constexpr const char* kV3 = R"sql(
ALTER TABLE submissions ADD COLUMN review_state TEXT
  CHECK (review_state IN ('approved', 'has_issues', 'rejected'));
ALTER TABLE submissions ADD COLUMN review_comment TEXT;
ALTER TABLE submissions ADD COLUMN review_at INTEGER;
ALTER TABLE registry_records ADD COLUMN merged_into TEXT;
)sql";

// Version 4: the open conflicts of registry records, as the server's office queue holds them
// (pulled with the record; replaced as a whole on each pull of the record).
constexpr const char* kV4 = R"sql(
CREATE TABLE record_conflicts (
  record_id   TEXT NOT NULL,
  conflict_id TEXT NOT NULL,
  property    TEXT NOT NULL,
  kept_value  TEXT NOT NULL,
  other_value TEXT NOT NULL,
  PRIMARY KEY (record_id, conflict_id)
) WITHOUT ROWID;
)sql";

// Version 5: other devices by the names the office enrolled them under (pulled with the record
// versions they wrote), for a record's history.
constexpr const char* kV5 = R"sql(
CREATE TABLE known_devices (
  device_id  TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  communes   TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

struct Migration {
  const char* sql;
};
constexpr Migration kMigrations[] = {{kV1}, {kV2}, {kV3}, {kV4}, {kV5}};
static_assert(sizeof kMigrations / sizeof kMigrations[0] == kLatestVersion);

}  // namespace

namespace {

// One consistent view of the header and the schema: a read transaction, ended without writing.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Db& db) : db_(db) { open_ = db_.exec("BEGIN DEFERRED", "read").ok(); }
  ~ReadSnapshot() {
    if (open_) (void)db_.exec("ROLLBACK", "read");
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  Db& db_;
  bool open_ = false;
};

struct Header {
  std::int64_t version = 0, application_id = 0, objects = 0;
  bool blank() const { return version == 0 && application_id == 0 && objects == 0; }
};

Result<Header> read_header(Db& db, const std::string& what) {
  auto version = db.query_int("PRAGMA user_version", what);
  if (!version) return version.error();
  auto app = db.query_int("PRAGMA application_id", what);
  if (!app) return app.error();
  auto objects = db.query_int("SELECT count(*) FROM sqlite_schema", what);
  if (!objects) return objects.error();
  return Header{*version, *app, *objects};
}

// The checks of a header every open makes, before and again inside the migration transaction.
Status check_header(const Db& db, const Header& h) {
  if (!h.blank() && h.application_id != kApplicationId)
    return Error::make(ErrorCode::store_foreign, db.path() +
                                            ": this SQLite database is not a khaosat device "
                                            "database (application_id " +
                                            std::to_string(h.application_id) +
                                            "); it was left untouched");
  if (h.version > kLatestVersion)
    return Error::make(ErrorCode::store_newer,
                       db.path() + ": the database has schema version " +
                           std::to_string(h.version) + ", made by a newer khaosat (this one reads "
                           "up to version " + std::to_string(kLatestVersion) +
                           "); update khaosat. The file was left untouched");
  if (h.version < 0)
    return Error::make(ErrorCode::store_corrupt, db.path() + ": the database has schema version " +
                                            std::to_string(h.version) +
                                            ", which no khaosat made; it was left untouched");
  return ok_status();
}

// Within an open write transaction: the migrations from `from` to `to`, then the version.
Status run_migrations(Db& db, int from, int to) {
  for (int v = from; v < to; ++v) {
    std::string what = "cannot migrate the schema from version " + std::to_string(v) + " to " +
                       std::to_string(v + 1);
    if (Status st = db.exec(kMigrations[v].sql, what); !st) return st;
    std::string pragmas = "PRAGMA user_version = " + std::to_string(v + 1) + ";";
    if (v == 0) pragmas += "PRAGMA application_id = " + std::to_string(kApplicationId) + ";";
    if (Status st = db.exec(pragmas, what); !st) return st;
  }
  return ok_status();
}

std::string collapse_spaces(std::string_view sql) {
  std::string out;
  bool space = false;
  for (char c : sql) {
    bool is_space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (is_space) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// (type, name) -> the object's SQL with spaces collapsed. SQLite's own objects
// (sqlite_autoindex_*, sqlite_sequence, sqlite_stat*) follow from the tables and are left out.
using SchemaObjects = std::map<std::pair<std::string, std::string>, std::string>;

Result<SchemaObjects> schema_objects(Db& db) {
  auto s = db.prepare("SELECT type, name, sql FROM sqlite_schema "
                      "WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite!_%' ESCAPE '!'",
                      "cannot read the schema");
  if (!s) return s.error();
  SchemaObjects out;
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) out[{s->text(0), s->text(1)}] = collapse_spaces(s->text(2));
  if (rc != SQLITE_DONE) return db.error("cannot read the schema", rc);
  return out;
}

// What migrations 1..version create, made once in an in-memory database: the migrations are the
// only definition of each version's schema.
const SchemaObjects& expected_schema(int version) {
  static const std::vector<SchemaObjects> all = [] {
    std::vector<SchemaObjects> v(kLatestVersion + 1);
    for (int k = 1; k <= kLatestVersion; ++k) {
      // The migrations run on an empty in-memory database; failing there is a bug in them.
      Db mem;
      if (!mem.open(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE).ok() ||
          !mem.exec("BEGIN", "schema").ok() || !run_migrations(mem, 0, k).ok() ||
          !mem.exec("COMMIT", "schema").ok())
        std::abort();
      auto objects = schema_objects(mem);
      if (!objects) std::abort();
      v[static_cast<std::size_t>(k)] = std::move(*objects);
    }
    return v;
  }();
  return all[static_cast<std::size_t>(version)];
}

}  // namespace

Result<std::vector<std::string>> schema_differences(Db& db, int version) {
  std::vector<std::string> out;
  if (version < 1 || version > kLatestVersion) return out;
  auto have = schema_objects(db);
  if (!have) return have.error();
  for (const auto& [key, sql] : expected_schema(version)) {
    auto it = have->find(key);
    if (it == have->end())
      out.push_back(key.first + " '" + key.second + "' is missing");
    else if (it->second != sql)
      out.push_back(key.first + " '" + key.second + "' is not as schema version " +
                    std::to_string(version) + " defines it (found: " + it->second + ")");
  }
  return out;
}

Status migrate(Db& db, int to, const StoreEnv& env) {
  (void)env;  // migrations so far write no times of their own
  // Another process may be creating or upgrading the same file right now: take the write lock
  // (waiting for the busy timeout), then read the version again inside the transaction, so
  // exactly one process migrates and the others find it done.
  const std::string what = "cannot migrate the schema";
  Txn txn(db);
  if (Status st = txn.begin(what); !st) return st;
  auto h = read_header(db, what);
  if (!h) return h.error();
  if (Status st = check_header(db, *h); !st) return st;
  int from = static_cast<int>(h->version);
  if (from >= to) return ok_status();
  if (from > 0) {
    auto diff = schema_differences(db, from);
    if (!diff) return diff.error();
    if (!diff->empty())
      return Error::make(ErrorCode::store_corrupt, db.path() + ": cannot migrate the schema from version " +
                                              std::to_string(from) + ": " + (*diff)[0]);
  }
  if (Status st = run_migrations(db, from, to); !st) return st;
  return txn.commit(what);
}

Result<Inspection> inspect(Db& db) {
  // One read transaction: another process creating the file must not be seen half-way (an
  // empty file, then tables, then the application id).
  ReadSnapshot snapshot(db);
  // Reading the header first: SQLite reports a file that is not a database at the first read.
  auto version = db.query_int("PRAGMA user_version", "cannot read the database");
  if (!version) {
    Error e = version.error();
    if (e.code == ErrorCode::store_corrupt)
      e.message = db.path() + ": not a khaosat database, or damaged (" + e.message +
                  "); it was left untouched";
    return e;
  }
  auto check = db.prepare("PRAGMA quick_check", "cannot check the database");
  if (!check) return check.error();
  std::string problems;
  for (int rc; (rc = check->step()) == SQLITE_ROW;) {
    std::string line = check->text(0);
    if (line == "ok") continue;
    if (!problems.empty()) problems += "; ";
    problems += line;
  }
  if (!problems.empty())
    return Error::make(ErrorCode::store_corrupt, db.path() + ": the database is damaged (quick_check: " +
                                            problems + "); it was left untouched");
  auto h = read_header(db, "cannot read the database");
  if (!h) return h.error();
  if (Status st = check_header(db, *h); !st) return st.error();
  Inspection out;
  out.version = static_cast<int>(h->version);
  auto diff = schema_differences(db, out.version);
  if (!diff) return diff.error();
  out.schema_problems = std::move(*diff);
  if (out.version == 0 && h->objects > 0)
    out.schema_problems.push_back("the database has khaosat's application id but schema version 0");
  return out;
}

}  // namespace khaosat::core::store
