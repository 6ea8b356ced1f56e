// PostgreSQL-only behaviour of the server storage (docs/server-storage.md, "PostgreSQL"), run as
// pg.only: … with the throwaway server of tests/support/pg_cluster.sh (KHAOSAT_TEST_PG_URL):
// several servers on one database apply a batch once; a restarted server keeps its data; a wrong
// URL or an unreachable server is sync.database naming it.
#include <nlohmann/json.hpp>

#include <set>
#include <thread>

#include "pg_db.hpp"
#include "sync/sync_fixture.hpp"

namespace khaosat::test {
namespace {

using nlohmann::json;

TEST_CASE("only: two servers on one database given the same batch at once apply it once") {
  ServerFixture server;
  REQUIRE_MESSAGE(!server.url.empty(), "KHAOSAT_TEST_PG_URL is not set");
  Device device(server);
  for (int i = 0; i < 10; ++i) device.submit("shop " + std::to_string(i));
  sync::Request pushed;
  device.transport.on_request = [&](const sync::Request& r) {
    // The first push holds all 10; the client's retries after a failure send smaller batches.
    if (r.path == "/v1/push" && pushed.path.empty()) pushed = r;
    if (r.path == "/v1/push") device.transport.fail_before(1);  // capture the push (and the retries): none arrives
  };
  REQUIRE_FALSE(device.client->sync().ok());
  REQUIRE(pushed.path == "/v1/push");
  // Eight servers (each its own connection), all given the same batch at the same moment.
  std::vector<std::unique_ptr<sync::ServerStorage>> storages;
  std::vector<std::unique_ptr<sync::SyncServer>> servers;
  for (int i = 0; i < 8; ++i) {
    storages.push_back(server.open_again());
    servers.push_back(std::make_unique<sync::SyncServer>(*storages.back()));
  }
  std::vector<sync::Response> answers(servers.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < servers.size(); ++i)
    threads.emplace_back([&, i] { answers[i] = servers[i]->handle(pushed); });
  for (auto& t : threads) t.join();
  int fresh = 0;
  for (const auto& a : answers) {
    REQUIRE_MESSAGE(a.status == 200, a.body);
    json j = body_of(a);
    CHECK(j["results"].size() == 10);
    CHECK(j["results"][0]["status"] == "accepted");
    if (j["replayed"] == false) ++fresh;
  }
  CHECK(fresh == 1);
  CHECK(server.query("SELECT count(*) FROM submissions") == "10|\n");
  CHECK(server.query("SELECT count(*), max(last_seq) FROM push_ledger") == "1|10|\n");
  CHECK(server.query("SELECT count(*) FROM submission_conflicts") == "0|\n");
}

TEST_CASE("only: two devices pushing the same instance at once store it once and the other as duplicate") {
  ServerFixture server;
  REQUIRE_MESSAGE(!server.url.empty(), "KHAOSAT_TEST_PG_URL is not set");
  Device a(server);
  Device b(server);
  a.submit("one");
  sync::Request pa;
  a.transport.on_request = [&](const sync::Request& r) {
    if (r.path != "/v1/push") return;  // the client's other requests arrive
    pa = r;
    a.transport.fail_before(1);  // none arrives (the client retries)
  };
  REQUIRE_FALSE(a.client->sync().ok());
  // b sends a's record under its own token and sequence 1: the same instance from another device.
  json batch = request_body_of(pa);
  batch["device_id"] = b.id();
  auto other = server.open_again();
  sync::SyncServer second(*other);
  sync::Request pb = post("/v1/push", b.token(), batch.dump());
  sync::Response ra, rb;
  std::thread ta([&] { ra = server.server->handle(pa); });
  std::thread tb([&] { rb = second.handle(pb); });
  ta.join();
  tb.join();
  REQUIRE_MESSAGE(ra.status == 200, ra.body);
  REQUIRE_MESSAGE(rb.status == 200, rb.body);
  std::multiset<std::string> statuses{body_of(ra)["results"][0]["status"], body_of(rb)["results"][0]["status"]};
  CHECK(statuses == std::multiset<std::string>{"accepted", "duplicate"});
  CHECK(server.query("SELECT count(*) FROM submissions") == "1|\n");
}

TEST_CASE("only: a server restarted on the same database keeps devices, submissions and the ledger") {
  ServerFixture server;
  REQUIRE_MESSAGE(!server.url.empty(), "KHAOSAT_TEST_PG_URL is not set");
  Device device(server);
  for (int i = 0; i < 3; ++i) device.submit("shop " + std::to_string(i));
  REQUIRE(device.client->sync().ok());
  std::string before = server.dump();
  // Stop the server (its connection closes), start another on the same database.
  server.server.reset();
  server.storage.reset();
  server.storage = server.open_again();
  server.server = std::make_unique<sync::SyncServer>(*server.storage);
  CHECK(server.dump() == before);
  auto devices = server.storage->list_devices();
  REQUIRE(devices.ok());
  REQUIRE(devices->size() == 1);
  CHECK(devices->front().last_seq == 3);
  CHECK(server.storage->submissions("survey")->size() == 3);
  // The device's next batch (its transport still calls the stopped server: capture it) goes on
  // at sequence 4 on the restarted one.
  device.submit("shop 3");
  sync::Request pushed;
  device.transport.on_request = [&](const sync::Request& r) {
    if (r.path != "/v1/push") return;
    pushed = r;
    device.transport.fail_before(1);  // none arrives (the client retries)
  };
  REQUIRE_FALSE(device.client->sync().ok());
  REQUIRE(pushed.path == "/v1/push");
  sync::Response r = server.server->handle(pushed);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(body_of(r)["results"][0]["status"] == "accepted");
  CHECK(server.query("SELECT count(*) FROM submissions") == "4|\n");
  Device fresh(server);  // enrolls with the restarted server and pulls the forms
  CHECK(fresh.client->sync().ok());
}

TEST_CASE("only: a wrong database URL or an unreachable server is sync.database naming it") {
  ScopedDir dir;
  std::string data = (dir.path() / "srv").string();
  auto refused = sync::open_server_storage(data, "postgresql://nobody:secret@127.0.0.1:1/khaosat");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == core::ErrorCode::sync_database);
  CHECK(refused.error().message.find("127.0.0.1:1/khaosat") != std::string::npos);
  CHECK(refused.error().message.find("secret") == std::string::npos);  // the password is not shown
  auto bad = sync::open_server_storage(data, "mysql://localhost/khaosat");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == core::ErrorCode::sync_database);
  CHECK(bad.error().message.find("not a PostgreSQL URL") != std::string::npos);
  auto garbled = sync::open_server_storage(data, "postgresql://127.0.0.1:5432/db?nonsense=1");
  REQUIRE_FALSE(garbled.ok());
  CHECK(garbled.error().code == core::ErrorCode::sync_database);
  CHECK(garbled.error().message.find("nonsense") != std::string::npos);
}

TEST_CASE("only: a database holding another application's tables is refused untouched") {
  PgDatabase db;
  REQUIRE_MESSAGE(!db.url.empty(), "KHAOSAT_TEST_PG_URL is not set");
  {
    sync::pg::Db raw;
    REQUIRE(raw.open(db.url).ok());
    REQUIRE(raw.run("CREATE TABLE mine (x int); INSERT INTO mine VALUES (1)", "setup").ok());
  }
  ScopedDir dir;
  auto s = sync::open_server_storage((dir.path() / "srv").string(), db.url);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == core::ErrorCode::store_foreign);
  sync::pg::Db raw;
  REQUIRE(raw.open(db.url).ok());
  auto tables = raw.exec("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", "count");
  REQUIRE(tables.ok());
  CHECK(tables->text(0, 0) == "1");
}

TEST_CASE("only: a schema-1 database gains the office tables when opened, keeping its submissions") {
  ServerFixture server;
  Device a(server);
  auto sub = a.submit("one");
  REQUIRE(a.client->sync().ok());
  {
    sync::pg::Db raw;
    REQUIRE(raw.open(server.url).ok());
    REQUIRE(raw.run("DROP TABLE reviews; DROP TABLE plan_overrides; DROP TABLE registry_conflicts; "
                    "DROP TABLE queue_decisions; ALTER TABLE registry DROP COLUMN merged_into; "
                    "DROP TABLE waiting_submissions; "
                    "UPDATE khaosat_meta SET value = '1' WHERE key = 'schema_version'", "downgrade").ok());
  }
  auto s = server.open_again();
  CHECK(server.query("SELECT value FROM khaosat_meta WHERE key = 'schema_version'") == "4|\n");
  REQUIRE(s->add_review({sub.instance_id, "approved", "", "lan", 5}).ok());
  auto reviews = s->reviews();
  REQUIRE(reviews.ok());
  REQUIRE(reviews->size() == 1);
  CHECK((*reviews)[0].instance_id == sub.instance_id);
  CHECK(server.query("SELECT count(*) FROM submissions") == "1|\n");
  CHECK(s->queue_decisions().ok());  // and, on to schema 3, the queue's
  CHECK(s->waiting_edits().ok());    // and to 4, the waiting edits
}

TEST_CASE("only: a schema-2 database gains the queue tables when opened, keeping its registry") {
  ServerFixture server;
  {
    sync::pg::Db raw;
    REQUIRE(raw.open(server.url).ok());
    REQUIRE(raw.run("DROP TABLE queue_decisions; ALTER TABLE registry DROP COLUMN merged_into; "
                    "DROP TABLE waiting_submissions; "
                    "INSERT INTO registry VALUES ('e1', 'establishment', '{}', 1), ('e2', 'establishment', '{}', 1); "
                    "UPDATE khaosat_meta SET value = '2' WHERE key = 'schema_version'", "downgrade").ok());
  }
  auto s = server.open_again();
  CHECK(server.query("SELECT value FROM khaosat_meta WHERE key = 'schema_version'") == "4|\n");
  auto m = s->record_decision({0, "merge", {"e1", "e2"}, 0, "", "", "", "lan", 1});
  REQUIRE_MESSAGE(m.ok(), message_of(m));
  CHECK(server.query("SELECT record_id, merged_into FROM registry ORDER BY record_id") == "e1|NULL|\ne2|e1|\n");
}

}  // namespace
}  // namespace khaosat::test
