// The office's review trail and plan overrides in the SQLite server storage (schema 2,
// sqlite_storage_office.cpp): append-only, in order, an unknown submission refused, and a
// schema-1 data folder migrated in place. Run over SQLite and, as pg.sync …, over PostgreSQL;
// the PostgreSQL schema-1 migration is in sync_pg_test.cpp.
#include "sync/sync_fixture.hpp"

namespace khaosat::test {
namespace {

TEST_CASE("sync storage: reviews and plan overrides are appended in order and read back") {
  ServerFixture server;
  Device a(server);
  auto sub = a.submit("one");
  REQUIRE(a.client->sync().ok());
  auto missing = server.storage->add_review({"uuid:nobody", "approved", "", "lan", 1});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == core::ErrorCode::sync_not_found);
  auto bad = server.storage->add_review({sub.instance_id, "maybe", "", "lan", 1});
  REQUIRE_FALSE(bad.ok());
  REQUIRE(server.storage->add_review({sub.instance_id, "has_issues", "phone missing", "lan", 10}).ok());
  REQUIRE(server.storage->add_review({sub.instance_id, "approved", "", "minh", 20}).ok());
  auto reviews = server.storage->reviews();
  REQUIRE(reviews.ok());
  REQUIRE(reviews->size() == 2);
  CHECK((*reviews)[0].state == "has_issues");
  CHECK((*reviews)[0].comment == "phone missing");
  CHECK((*reviews)[0].by == "lan");
  CHECK((*reviews)[1].state == "approved");
  CHECK((*reviews)[1].at == 20);

  REQUIRE(server.storage->add_plan_override({sub.instance_id + "#1", "pin", "flood", "lan", 30}).ok());
  REQUIRE(server.storage->add_plan_override({sub.instance_id + "#1", "exclude", "moved", "minh", 40}).ok());
  CHECK_FALSE(server.storage->add_plan_override({"x#1", "promote", "", "", 0}).ok());
  auto overrides = server.storage->plan_overrides();
  REQUIRE(overrides.ok());
  REQUIRE(overrides->size() == 2);
  CHECK((*overrides)[1].action == "exclude");
  CHECK((*overrides)[1].reason == "moved");
  if (server.url.empty())
    CHECK(server.query("PRAGMA user_version") == "4|\n");
  else
    CHECK(server.query("SELECT value FROM khaosat_meta WHERE key = 'schema_version'") == "4|\n");
  // Append-only: a second connection (another server process) sees the same trail.
  auto again = server.open_again();
  auto reread = again->reviews();
  REQUIRE(reread.ok());
  CHECK(reread->size() == 2);
}

TEST_CASE("sync storage: a schema-1 data folder gains the office tables when opened") {
  ScopedDir dir;
  std::string data = (dir.path() / "srv").string();
  {
    auto s = sync::open_sqlite_storage(data);
    REQUIRE(s.ok());
  }
  raw_sql(data + "/server.db", "DROP TABLE reviews; DROP TABLE plan_overrides; DROP TABLE registry_conflicts; "
                               "DROP TABLE queue_decisions; DROP INDEX registry_by_merged_into; "
                               "ALTER TABLE registry DROP COLUMN merged_into; DROP TABLE waiting_submissions; "
                               "PRAGMA user_version = 1;");
  auto s = sync::open_sqlite_storage(data);
  REQUIRE(s.ok());
  auto reviews = (*s)->reviews();
  REQUIRE_MESSAGE(reviews.ok(), message_of(reviews));
  CHECK(reviews->empty());
  CHECK((*s)->plan_overrides().ok());
  CHECK((*s)->queue_decisions().ok());  // and, on to schema 3, the queue's
  CHECK((*s)->waiting_edits().ok());    // and to 4, the waiting edits
}

}  // namespace
}  // namespace khaosat::test
