// Migrations: every earlier schema version, made by the same migration code a new database runs
// (store::migrate from 0), filled with that version's rows, then opened and upgraded.
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "core/store_fixture.hpp"
#include "store/schema.hpp"
#include "store/store_impl.hpp"

using namespace khaosat::core;
using khaosat::test::code_of;
using khaosat::test::message_of;
using khaosat::test::ScopedDir;

namespace {

void exec(store::Db& db, const std::string& sql) {
  auto st = db.exec(sql, "fixture");
  REQUIRE_MESSAGE(st.ok(), message_of(st));
}

// A database at schema `version`, with rows as that version's code wrote them: one form, a
// draft, a finalized and a sent submission, their outbox entries, a registry record.
void make_database(const std::string& path, int version, const std::string& form_xml) {
  store::Db db;
  REQUIRE(db.open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE).ok());
  exec(db, "PRAGMA journal_mode = WAL");
  REQUIRE(store::migrate(db, version, khaosat::test::FakeEnv().env()).ok());
  auto st = db.prepare("INSERT INTO forms VALUES ('survey', '1', 'Establishment survey', ?, 'abc', 'survey.xml', 1, 1000)", "fixture");
  REQUIRE(st.ok());
  st->bind(1, form_xml);
  REQUIRE(st->step() == SQLITE_DONE);
  std::string inst = "<data id=\"survey\" version=\"1\"><name>Old</name><age>3</age><photo/>"
                     "<meta><instanceID>uuid:old-1</instanceID></meta></data>";
  std::string draft = inst;
  draft.replace(draft.find("uuid:old-1"), 10, "uuid:d");
  exec(db, "INSERT INTO drafts (draft_id, form_id, form_version, instance_id, instance_xml, created_at, updated_at) "
           "VALUES ('draft-1', 'survey', '1', 'uuid:d', '" + draft + "', 1500, 1600)");
  // Version 1 stored the sha256 of the XML, as it does now.
  auto add_sub = [&](const std::string& id, const std::string& state, std::int64_t at) {
    std::string xml = inst;
    xml.replace(xml.find("uuid:old-1"), 10, id);
    auto s = db.prepare("INSERT INTO submissions (instance_id, form_id, form_version, state, "
                        "sha256, finalized_at, state_at) VALUES (?, 'survey', '1', ?, ?, ?, ?)",
                        "fixture");
    REQUIRE(s.ok());
    s->bind(1, id);
    s->bind(2, state);
    s->bind(3, sha256_hex(xml));
    s->bind(4, at);
    s->bind(5, at + 10);
    REQUIRE(s->step() == SQLITE_DONE);
    auto c = db.prepare("INSERT INTO submission_content VALUES (?, ?, '{}')", "fixture");
    REQUIRE(c.ok());
    c->bind(1, id);
    c->bind(2, xml);
    REQUIRE(c->step() == SQLITE_DONE);
  };
  add_sub("uuid:old-1", "finalized", 2000);
  add_sub("uuid:old-2", "sent", 3000);
  exec(db, "INSERT INTO outbox (seq, kind, subject, payload, created_at) VALUES "
           "(1, 'submission', 'uuid:old-1', '{}', 2000), (2, 'submission', 'uuid:old-2', '{}', 3000)");
  exec(db, "INSERT INTO registry_records (record_id, registry, name, name_folded, properties, created_at, "
           "updated_at) VALUES ('rec-1', 'establishment', 'Chè Tân Uyên', "
           "'che tan uyen', '{\"name\":{\"value\":\"Chè Tân Uyên\",\"hlc\":\"000000000fa0-0000-dev\"}}', 4000, 4000)");
  exec(db, "INSERT INTO sync_state VALUES ('device_id', 'dev-old'), ('outbox.next_seq', '3'), "
           "('hlc.last', '000000000fa0-0000-dev-old'), ('cursor.registry', 'c-7')");
}

int user_version(const std::string& path) {
  store::Db db;
  REQUIRE(db.open(path, SQLITE_OPEN_READONLY).ok());
  auto v = db.query_int("PRAGMA user_version", "test");
  REQUIRE(v.ok());
  return static_cast<int>(*v);
}

}  // namespace

TEST_CASE("store migration: every earlier version upgrades to the latest and keeps every row") {
  for (int version = 1; version < Store::kSchemaVersion; ++version) {
    CAPTURE(version);
    ScopedDir dir;
    std::string path = (dir.path() / "old.db").string();
    make_database(path, version, khaosat::test::survey_form_xml());
    REQUIRE(user_version(path) == version);
    khaosat::test::FakeEnv fake;
    StoreOptions o;
    o.env = fake.env();
    auto opened = Store::open(path, o);
    REQUIRE_MESSAGE(opened.ok(), message_of(opened));
    Store& s = **opened;
    CHECK(user_version(path) == Store::kSchemaVersion);
    CHECK(s.device_id().value() == "dev-old");
    CHECK(s.cursor("registry").value() == "c-7");
    CHECK(s.get_submission("uuid:old-1")->state == SubmissionState::Finalized);
    CHECK(s.get_submission("uuid:old-2")->state == SubmissionState::Sent);
    CHECK(s.get_draft("draft-1")->updated_at == 1600);
    CHECK(s.search_records(Registry::Establishment, "tan uyen")->size() == 1);
    // Version 2's audit log starts with what version 1 had recorded.
    auto log = s.audit_log();
    REQUIRE(log.ok());
    std::string actions;
    for (const auto& a : *log) actions += a.action + ":" + a.subject + " ";
    // (The fixture writes no audit rows of its own: a version-2 file keeps its empty log, the
    // upgrade to 3 adds nothing to it.)
    if (version == 1)
      CHECK(actions == "draft.create:draft-1 submission.finalize:uuid:old-1 "
                       "submission.finalize:uuid:old-2 submission.sent:uuid:old-2 ");
    else
      CHECK(actions.empty());
    // And the upgraded store works on: the draft restores and finalizes, numbering continues.
    auto restored = s.restore_draft("draft-1");
    REQUIRE_MESSAGE(restored.ok(), message_of(restored));
    REQUIRE(restored->session->answer("/data/name", "New").ok());
    FinalizeRequest req;
    req.session = restored->session.get();
    req.draft_id = "draft-1";
    auto fin = s.finalize(req);
    REQUIRE_MESSAGE(fin.ok(), message_of(fin));
    CHECK(fin->finalized);
    CHECK(s.list_outbox()->back().seq == 3);
    auto c = s.check();
    REQUIRE(c.ok());
    CHECK(c->ok());
    auto rec = s.put_record(RegistryEdit{Registry::Establishment, "rec-1", {{"phone", "1"}}});
    REQUIRE(rec.ok());
    for (const auto& [k, p] : rec->properties)
      if (k == "phone") CHECK(p.hlc > "000000000fa0-0000-dev-old");
    // Version 5: no other device is known after the upgrade; the next pull names them.
    CHECK_FALSE(s.known_device("dev-2").value().has_value());
    PullPage named;
    named.cursor_name = "registry";
    named.cursor = "c-8";
    named.devices = {{"dev-2", "Lò Văn A", {"muong_kim"}}};
    REQUIRE(s.apply_pull(named).ok());
    REQUIRE(s.known_device("dev-2").value().has_value());
    CHECK(s.known_device("dev-2").value()->name == "Lò Văn A");
  }
}

TEST_CASE("store migration: a failing migration leaves the older version whole") {
  ScopedDir dir;
  std::string path = (dir.path() / "old.db").string();
  make_database(path, 1, khaosat::test::survey_form_xml());
  {
    store::Db db;
    REQUIRE(db.open(path, SQLITE_OPEN_READWRITE).ok());
    exec(db, "CREATE VIEW audit AS SELECT 1");  // makes version 2's CREATE TABLE audit fail
  }
  auto opened = Store::open(path);
  CHECK_FALSE(opened.ok());
  CHECK(message_of(opened).find("cannot migrate the schema from version 1 to 2") != std::string::npos);
  CHECK(message_of(opened).find(path) != std::string::npos);
  CHECK(user_version(path) == 1);
  store::Db db;
  REQUIRE(db.open(path, SQLITE_OPEN_READONLY).ok());
  CHECK(db.query_int("SELECT count(*) FROM submissions", "t").value() == 2);
  CHECK(db.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'audit_by_subject'", "t").value() == 0);
}

TEST_CASE("store migration: an older version opened read-only is refused, not upgraded") {
  ScopedDir dir;
  std::string path = (dir.path() / "old.db").string();
  make_database(path, 1, khaosat::test::survey_form_xml());
  StoreOptions o;
  o.read_only = true;
  auto opened = Store::open(path, o);
  CHECK(code_of(opened) == "store.readonly");
  CHECK(message_of(opened).find("must be upgraded") != std::string::npos);
  CHECK(user_version(path) == 1);
}
