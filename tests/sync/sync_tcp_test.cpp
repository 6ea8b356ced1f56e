// Sync over a real TCP path that breaks (issue 10 §5): a proxy between the device's HTTP client
// and the server cuts connections in the middle of a request and in the middle of an answer (the
// server has committed, the device never hears it), and, on a slow shaped link, cuts every open
// connection periodically. Every finalized submission must arrive exactly once, and the device's
// outbox must end empty. Runs over SQLite and (pg.sync …) over PostgreSQL.
#include <set>
#include <thread>

#include "khaosat/sync/http.hpp"
#include "sync/sync_fixture.hpp"
#include "sync/tcp_proxy.hpp"

namespace khaosat::test {
namespace {

struct Served {
  ServerFixture server;
  sync::HttpServer http{*server.server};
  int port = 0;
  std::thread thread;
  Served() {
    auto p = http.bind("127.0.0.1", 0);
    REQUIRE(p.ok());
    port = *p;
    thread = std::thread([this] { http.run(); });
  }
  ~Served() {
    http.stop();
    thread.join();
  }
  std::string url(int p) const { return "http://127.0.0.1:" + std::to_string(p); }
};

// A device store with `n` finalized surveys, enrolled directly with the server; its sync client
// goes through the proxy.
struct FieldDevice {
  StoreFixture store;
  std::unique_ptr<sync::HttpTransport> direct, through_proxy;
  std::unique_ptr<sync::SyncClient> client;
  std::set<std::string> finalized;

  FieldDevice(Served& s, int proxy_port, int n) {
    store.install();
    direct = sync::HttpTransport::open(s.url(s.port)).value();
    sync::SyncClient enrolling(*store.store, *direct);
    REQUIRE(enrolling.enroll(s.url(s.port), s.server.code(), "phone").ok());
    for (int i = 0; i < n; ++i) {
      auto sub = store.filled("Cơ sở " + std::to_string(i), std::to_string(i % 90));
      finalized.insert(store.finalize(*sub).instance_id);
    }
    through_proxy = sync::HttpTransport::open(s.url(proxy_port)).value();
    sync::ClientOptions o;
    o.sleep = [](std::chrono::milliseconds) {};
    o.random_unit = [] { return 0.5; };
    o.min_timeout = std::chrono::milliseconds(3000);
    client = std::make_unique<sync::SyncClient>(*store.store, *through_proxy, o);
  }

  // Syncs until a sync completes, as the app does when the link comes back; the runs it took.
  int sync_until_complete(int max_runs) {
    for (int run = 1; run <= max_runs; ++run) {
      auto r = client->sync();
      if (r.ok() && r->complete) return run;
    }
    FAIL("no complete sync in " << max_runs << " runs");
    return max_runs;
  }
};

// Every finalized submission is on the server, once.
void check_exactly_once(Served& s, const FieldDevice& d) {
  auto stored = s.server.storage->submissions("survey");
  REQUIRE(stored.ok());
  std::multiset<std::string> ids;
  for (const auto& sub : *stored) ids.insert(sub.instance_id);
  CHECK(ids.size() == d.finalized.size());
  for (const auto& id : d.finalized) CHECK_MESSAGE(ids.count(id) == 1, id);
  CHECK(s.server.query("SELECT count(*) FROM submission_conflicts") == "0|\n");
  auto acked = d.store.store->outbox_acked();
  REQUIRE(acked.ok());
  auto waiting = d.store.store->list_outbox(*acked);
  REQUIRE(waiting.ok());
  CHECK(waiting->empty());
}

TEST_CASE("sync over TCP: a request cut mid-body and an answer cut after commit, every record once") {
  Served s;
  LinkShape shape;
  // The first connection is cut 1,500 bytes into its request (the first push's body), the second
  // 60 bytes into the server's answer (the push committed; the device hears nothing).
  shape.cuts = {{1, true, 1500}, {2, false, 60}};
  TcpProxy proxy(s.port, shape);
  FieldDevice d(s, proxy.port(), 300);
  d.sync_until_complete(5);
  CHECK(proxy.cuts() == 2);
  CHECK(proxy.connections() >= 3);
  check_exactly_once(s, d);
}

TEST_CASE("sync over TCP: a slow link cut every 700 ms, every record once") {
  Served s;
  LinkShape shape;
  shape.bits_per_second = 80000;
  shape.one_way_delay = std::chrono::milliseconds(40);
  shape.cut_every = std::chrono::milliseconds(700);
  TcpProxy proxy(s.port, shape);
  FieldDevice d(s, proxy.port(), 300);
  int runs = d.sync_until_complete(60);
  MESSAGE("runs: " << runs << ", connections: " << proxy.connections() << ", cuts: " << proxy.cuts());
  CHECK(proxy.cuts() >= 1);
  check_exactly_once(s, d);
}

}  // namespace
}  // namespace khaosat::test
