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

// The pull names the writers of a page by looking each up by id (docs/sync-protocol.md, "Device
// names"), over both backends.
TEST_CASE("sync storage: a device is looked up by its id, as listed, revoked ones marked, an unknown id none") {
  ServerFixture server;
  server.enroll_name = "phone A";
  Device a(server);
  server.enroll_name = "";
  Device b(server);
  auto listed = server.storage->list_devices();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  for (const sync::DeviceInfo& l : *listed) {
    auto d = server.storage->device_by_id(l.device_id);
    REQUIRE_MESSAGE(d.ok(), message_of(d));
    REQUIRE(d->has_value());
    CHECK((*d)->device_id == l.device_id);
    CHECK((*d)->name == l.name);
    CHECK((*d)->role == l.role);
    CHECK((*d)->communes == l.communes);
    CHECK((*d)->enrolled_at == l.enrolled_at);
    CHECK_FALSE((*d)->revoked);
  }
  auto by_id = [&](const std::string& id) {
    auto d = server.storage->device_by_id(id);
    REQUIRE_MESSAGE(d.ok(), message_of(d));
    REQUIRE(d->has_value());
    return **d;
  };
  CHECK(by_id(a.id()).name == "phone A");
  CHECK(by_id(b.id()).name == "");
  CHECK(by_id(a.id()).communes == std::vector<std::string>{"105"});
  auto none = server.storage->device_by_id("0190b2d4-0000-7000-8000-000000000000");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  REQUIRE(server.storage->revoke_device(a.id()).ok());
  CHECK(by_id(a.id()).revoked);
  CHECK_FALSE(by_id(b.id()).revoked);
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
