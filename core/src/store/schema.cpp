// Schema versions and forward migrations. Each migration is append-only history: never edit one
// that has shipped; add the next. docs/storage.md describes every table and column.
#include "store/schema.hpp"

#include <string>

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

struct Migration {
  const char* sql;
};
constexpr Migration kMigrations[] = {{kV1}, {kV2}};
static_assert(sizeof kMigrations / sizeof kMigrations[0] == kLatestVersion);

}  // namespace

Status migrate(Db& db, int from, int to, const StoreEnv& env) {
  (void)env;  // migrations so far write no times of their own
  for (int v = from; v < to; ++v) {
    std::string what = "cannot migrate the schema from version " + std::to_string(v) + " to " +
                       std::to_string(v + 1);
    Txn txn(db);
    if (Status st = txn.begin(what); !st) return st;
    if (Status st = db.exec(kMigrations[v].sql, what); !st) return st;
    std::string pragmas = "PRAGMA user_version = " + std::to_string(v + 1) + ";";
    if (v == 0) pragmas += "PRAGMA application_id = " + std::to_string(kApplicationId) + ";";
    if (Status st = db.exec(pragmas, what); !st) return st;
    if (Status st = txn.commit(what); !st) return st;
  }
  return ok_status();
}

Result<int> inspect(Db& db) {
  // Reading the header first: SQLite reports a file that is not a database at the first read.
  auto version = db.query_int("PRAGMA user_version", "cannot read the database");
  if (!version) {
    Error e = version.error();
    if (e.code == "store.corrupt")
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
    return Error::make("store.corrupt", db.path() + ": the database is damaged (quick_check: " +
                                            problems + "); it was left untouched");
  auto app = db.query_int("PRAGMA application_id", "cannot read the database");
  if (!app) return app.error();
  auto tables = db.query_int("SELECT count(*) FROM sqlite_schema", "cannot read the database");
  if (!tables) return tables.error();
  bool blank = *version == 0 && *app == 0 && *tables == 0;
  if (!blank && *app != kApplicationId)
    return Error::make("store.foreign", db.path() +
                                            ": this SQLite database is not a khaosat device "
                                            "database (application_id " +
                                            std::to_string(*app) + "); it was left untouched");
  if (*version > kLatestVersion)
    return Error::make("store.newer",
                       db.path() + ": the database has schema version " +
                           std::to_string(*version) + ", made by a newer khaosat (this one reads "
                           "up to version " + std::to_string(kLatestVersion) +
                           "); update khaosat. The file was left untouched");
  return static_cast<int>(*version);
}

}  // namespace khaosat::core::store
