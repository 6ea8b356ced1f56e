// The SQLite server storage shared by processes: `khaosat-server serve` and the commands run
// beside it (devices --revoke, enroll, publish) open the same data folder. What one writes, the
// other sees at its next call, and neither is left unable to write.
#include <nlohmann/json.hpp>

#include "sync/sync_fixture.hpp"

namespace khaosat::test {
namespace {

TEST_CASE("sync storage: a device revoked by another connection is refused at once, and pushes still commit") {
  ServerFixture server;
  Device a(server);
  Device b(server);
  a.submit("one");
  b.submit("two");
  REQUIRE(a.client->sync().ok());  // the server's connection has read a's device row
  // The CLI beside the server: another connection to the same data folder.
  auto other = server.open_again();
  REQUIRE(other->revoke_device(a.id()).ok());
  a.submit("three");
  auto refused = a.client->sync();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == core::ErrorCode::sync_auth);
  // b's push commits: the server's connection holds no stale read transaction.
  auto ok = b.client->sync();
  REQUIRE_MESSAGE(ok.ok(), message_of(ok));
  CHECK(server.query("SELECT count(*) FROM push_ledger") == "2|\n");
  // Enrollment codes made by the other connection work on the server's.
  auto code = other->add_enrollment(sync::sha256_hex("AAAA-BBBB-CCCC"), {"officer", "", {}, INT64_MAX});
  REQUIRE(code.ok());
  auto r = server.server->handle(post("/v1/enroll", "", "{\"code\":\"AAAA-BBBB-CCCC\"}", true));
  CHECK(r.status == 200);
}

TEST_CASE("sync storage: a data folder holding another application's database is refused untouched") {
  ScopedDir dir;
  std::string data = (dir.path() / "srv").string();
  std::filesystem::create_directories(data);
  raw_sql(data + "/server.db", "CREATE TABLE mine (x); INSERT INTO mine VALUES (1);");
  std::string before = bytes_of(data + "/server.db");
  auto s = sync::open_sqlite_storage(data);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == core::ErrorCode::store_foreign);
  CHECK(bytes_of(data + "/server.db") == before);
}

}  // namespace
}  // namespace khaosat::test
