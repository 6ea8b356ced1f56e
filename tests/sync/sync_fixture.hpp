// The sync suites' fixture: a server (SyncServer over SQLite storage in a temporary data folder)
// with the survey form published, devices (each a real device Store) enrolled with it, and a
// transport that calls the server in process — with switches to lose the answer after the
// server committed, or to fail before it sees the request (the network faults of a 2G link).
#pragma once

#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/store_fixture.hpp"
#include "khaosat/sync/client.hpp"
#include "khaosat/sync/server.hpp"
#include "support/scoped_dir.hpp"

namespace khaosat::test {

// Calls the server directly. `drop_answer(n)`: the n-th next request reaches the server (which
// commits) but its answer is lost; `fail_before(n)`: the n-th next request never arrives.
class LoopbackTransport final : public sync::Transport {
 public:
  explicit LoopbackTransport(sync::SyncServer& s) : server_(s) {}
  core::Result<sync::Response> send(const sync::Request& r, std::chrono::milliseconds) override {
    ++sent;
    if (on_request) on_request(r);
    if (fail_countdown_ > 0 && --fail_countdown_ == 0)
      return core::Error::make(core::ErrorCode::sync_transport, "connection reset (test)");
    sync::Response a = server_.handle(r);
    if (drop_countdown_ > 0 && --drop_countdown_ == 0)
      return core::Error::make(core::ErrorCode::sync_transport, "answer lost (test)");
    return a;
  }
  void drop_answer(int n) { drop_countdown_ = n; }
  void fail_before(int n) { fail_countdown_ = n; }
  int sent = 0;
  std::function<void(const sync::Request&)> on_request;

 private:
  sync::SyncServer& server_;
  int drop_countdown_ = 0, fail_countdown_ = 0;
};

// With KHAOSAT_TEST_PG_URL set (postgresql://user@host:port/postgres: the pg.* tests, whose
// fixture tests/support/pg_cluster.sh starts a server), each fixture gets a fresh database of its
// own on that server (dropped at the end) and the storage is PostgreSQL; otherwise SQLite.
struct PgDatabase {
  std::string url;  // "" without KHAOSAT_TEST_PG_URL
  PgDatabase();
  ~PgDatabase();
  PgDatabase(const PgDatabase&) = delete;
};

struct ServerFixture {
  ScopedDir dir;
  std::string data = (dir.path() / "server").string();
  PgDatabase database;
  std::string& url = database.url;  // the storage's database URL ("" = SQLite in `data`)
  std::unique_ptr<sync::ServerStorage> storage;
  std::unique_ptr<sync::SyncServer> server;

  ServerFixture() {
    auto s = sync::open_server_storage(data, url);
    REQUIRE_MESSAGE(s.ok(), message_of(s));
    storage = std::move(s.value());
    sync::ServerOptions options;
    options.plan_tables_dir = KHAOSAT_FORMS_DIR;  // the shipped plan_rules.csv and communes.csv
    server = std::make_unique<sync::SyncServer>(*storage, options);
    publish(survey_form_xml());
  }
  ~ServerFixture() {
    server.reset();
    storage.reset();  // before the database is dropped
  }
  // Another connection to the same storage (another server process, or the CLI beside it).
  std::unique_ptr<sync::ServerStorage> open_again() {
    auto s = sync::open_server_storage(data, url);
    REQUIRE_MESSAGE(s.ok(), message_of(s));
    return std::move(s).value();
  }
  void publish(const std::string& xml, const std::string& id = "survey", const std::string& version = "1") {
    sync::PublishedForm f;
    f.form_id = id;
    f.version = version;
    f.title = "Establishment survey";
    f.xform = {id + ".xml", xml};
    f.sha256 = sync::sha256_hex(xml);
    f.published_at = 1;
    REQUIRE(storage->publish_form(f).ok());
  }
  std::string enroll_name = "test device";  // the name the next code() enrolls a device under
  std::string code(const std::string& role = "officer") {
    auto c = server->create_enrollment({role, enroll_name, {"105"}, 0});
    REQUIRE_MESSAGE(c.ok(), message_of(c));
    return *c;
  }
  // The server database's tables as text: compared before and after a refused request.
  std::string dump() {
    std::string out;
    for (const char* t : {"devices", "enrollments", "push_ledger", "forms", "submissions",
                          "submission_conflicts", "attachments", "submission_attachments", "registry", "changes",
                          "reviews", "waiting_submissions"})
      out += std::string(t) + ":" + query("SELECT * FROM " + std::string(t) + " ORDER BY 1, 2") + "\n";
    return out;
  }
  // The rows of `sql` on the server database, each column as text followed by '|', each row by
  // '\n'; NULL as "NULL". Alike on both backends: a PostgreSQL bytea column comes as its bytes.
  std::string query(const std::string& sql);
};

// A device: a store with the survey form installed, enrolled with the fixture's server.
struct Device {
  StoreFixture store;
  LoopbackTransport transport;
  std::unique_ptr<sync::SyncClient> client;

  Device(ServerFixture& server, sync::ClientOptions options = {}) : transport(*server.server) {
    store.install();
    options.sleep = [](std::chrono::milliseconds) {};
    options.random_unit = [] { return 0.5; };
    client = std::make_unique<sync::SyncClient>(*store.store, transport, options);
    REQUIRE(client->enroll("loopback:", server.code()).ok());
  }
  core::SubmissionRecord submit(const std::string& name, const std::string& age = "12") {
    auto s = store.filled(name, age);
    return store.finalize(*s);
  }
  std::string token() { return store.store->enrollment().value()->token; }
  std::string id() { return store.store->enrollment().value()->device_id; }
};

// `n` bytes that do not compress (a photo's stand-in).
inline std::string photo_bytes(std::size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = 12345;
  for (auto& c : s) {
    x = x * 1103515245 + 12345;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

// A finalized survey of the test form with `bytes` as its photo.
inline core::SubmissionRecord finalize_with_photo(StoreFixture& store, const std::string& bytes) {
  auto s = store.filled("shop with photo");
  REQUIRE(s->answer("/data/photo", "photo.jpg").ok());
  core::FinalizeRequest req;
  req.session = s.get();
  req.attachments.push_back({"photo.jpg", "", bytes});
  auto out = store.store->finalize(req);
  REQUIRE_MESSAGE(out.ok(), message_of(out));
  REQUIRE(out->finalized);
  return out->submission;
}

// A response's JSON body (decoded when it was sent compressed).
nlohmann::json body_of(const sync::Response& r);
// A request's JSON body, as a client sent it: decoded by its Content-Encoding (gzip or zstd).
nlohmann::json request_body_of(const sync::Request& r);

// A request as a device would send it, JSON body gzip-compressed unless `plain`.
sync::Request post(const std::string& path, const std::string& token, const std::string& json_body, bool plain = false);

}  // namespace khaosat::test
