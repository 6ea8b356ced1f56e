// How the client behaves on a bad link (docs/sync-protocol.md, "Client behaviour"): retries wait
// with exponential backoff and full jitter and give up after max_retries; a request's timeout
// follows the throughput measured on the link; cancel() stops a sync anywhere and the next one
// finishes it; progress is reported after every request. The link's faults and the clock's
// waits are the seams (a transport that fails or is slow, a recorded sleep); the server and the
// device store are real.
#include <algorithm>
#include <thread>

#include "sync/sync_fixture.hpp"

namespace khaosat::test {
namespace {

// The loopback transport with the faults of a bad link: the next `fail_next` requests never
// arrive, and every request takes at least `delay` (a slow link, for the measured throughput).
class BadLink final : public sync::Transport {
 public:
  explicit BadLink(sync::SyncServer& s) : inner_(s) {}
  core::Result<sync::Response> send(const sync::Request& r, std::chrono::milliseconds timeout) override {
    timeouts.push_back(timeout);
    ups.push_back(r.body.size());
    paths.push_back(r.method + " " + r.path);
    if (before_send) before_send(r);
    if (fail_next > 0) {
      --fail_next;
      downs.push_back(0);
      return core::Error::make(core::ErrorCode::sync_transport, "connection reset (test)");
    }
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    auto a = inner_.send(r, timeout);
    downs.push_back(a ? a->body.size() : 0);
    return a;
  }
  int fail_next = 0;
  std::chrono::milliseconds delay{0};
  std::function<void(const sync::Request&)> before_send;
  std::vector<std::chrono::milliseconds> timeouts;
  std::vector<std::size_t> ups, downs;
  std::vector<std::string> paths;

 private:
  LoopbackTransport inner_;
};

struct BadLinkDevice {
  StoreFixture store;
  BadLink link;
  std::vector<std::int64_t> slept;
  std::vector<double> units;  // what random_unit returns, in turn (the last one repeated)
  std::size_t next_unit = 0;
  std::unique_ptr<sync::SyncClient> client;

  BadLinkDevice(ServerFixture& server, sync::ClientOptions o = {}, std::chrono::milliseconds delay = {})
      : link(*server.server) {
    link.delay = delay;  // from the first request (the enrollment) on
    store.install();
    o.sleep = [this](std::chrono::milliseconds ms) { slept.push_back(ms.count()); };
    o.random_unit = [this] {
      if (units.empty()) return 0.5;
      double u = units[std::min(next_unit, units.size() - 1)];
      ++next_unit;
      return u;
    };
    client = std::make_unique<sync::SyncClient>(*store.store, link, o);
    REQUIRE(client->enroll("loopback:", server.code()).ok());
  }
};

std::int64_t submissions_on_server(ServerFixture& server) {
  return std::stoll(server.query("SELECT count(*) FROM submissions"));
}

TEST_CASE("sync client: retries wait with exponential backoff and full jitter, up to 30 s, then give up") {
  ServerFixture server;
  sync::ClientOptions o;
  o.max_retries = 10;
  BadLinkDevice d(server, o);
  auto s = d.store.filled("Chè Tân Uyên", "12");
  d.store.finalize(*s);

  SUBCASE("three failures: three waits, each a different share (the jitter) of a doubling cap") {
    d.units = {0.9, 0.1, 0.6};
    d.link.fail_next = 3;
    auto report = d.client->sync();
    REQUIRE_MESSAGE(report.ok(), message_of(report));
    CHECK(report->complete);
    // Caps 250, 500, 1000 ms; waits uniform in [0, cap): 0.9 x 250, 0.1 x 500, 0.6 x 1000.
    CHECK(d.slept == std::vector<std::int64_t>{225, 50, 600});
    CHECK(report->retries == 3);
    CHECK(report->backoff_ms == doctest::Approx(875));
    CHECK(submissions_on_server(server) == 1);
  }
  SUBCASE("a link that never comes back: the cap stops at 30 s, and the sync gives up naming the attempts") {
    d.units = {0.999};
    d.link.fail_next = 1000;
    auto report = d.client->sync();
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().code == core::ErrorCode::sync_transport);
    CHECK(report.error().message.find("gave up after 11 attempts") != std::string::npos);
    // 0.999 of 250, 500, ... 16,000, then of the 30,000 ms cap (32,000 and 64,000 capped).
    std::string slept;
    for (auto ms : d.slept) slept += std::to_string(ms) + " ";
    CAPTURE(slept);
    CHECK(d.slept == std::vector<std::int64_t>{249, 499, 999, 1998, 3996, 7992, 15984, 29970, 29970, 29970});
    CHECK(submissions_on_server(server) == 0);
    d.link.fail_next = 0;
    // Nothing is lost: once the link is back, the next sync sends it, once.
    auto again = d.client->sync();
    REQUIRE_MESSAGE(again.ok(), message_of(again));
    CHECK(again->complete);
    CHECK(again->submissions.accepted == 1);
    CHECK(submissions_on_server(server) == 1);
  }
}

TEST_CASE("sync client: a request's timeout follows the throughput measured on the link") {
  ServerFixture server;
  sync::ClientOptions o;
  o.min_timeout = std::chrono::milliseconds(1);  // the floor out of the way: only the measurement
  o.chunk_bytes = 32u << 10;
  BadLinkDevice d(server, o, std::chrono::milliseconds(100));  // every exchange takes at least 100 ms
  finalize_with_photo(d.store, photo_bytes(200u << 10));
  auto report = d.client->sync();
  REQUIRE_MESSAGE(report.ok(), message_of(report));
  CHECK(report->totals.attachments_done == 1);
  // Every exchange took >= 100 ms, so the measured rate never exceeded the largest exchange's
  // bytes per 100 ms. An upload chunk expects its own bytes, so its timeout must be at least 4x
  // that many bytes at that rate: hundreds of ms, where the floor alone would give 1 ms.
  std::size_t largest = 0, chunks = 0;
  for (std::size_t i = 0; i < d.link.timeouts.size(); ++i) {
    bool chunk = d.link.ups[i] >= (16u << 10);
    if (i > 0 && chunk) {
      ++chunks;
      double bound = 4.0 * static_cast<double>(d.link.ups[i]) * 100.0 / static_cast<double>(largest);
      std::string seen;
      for (std::size_t k = 0; k <= i; ++k)
        seen += d.link.paths[k] + " up " + std::to_string(d.link.ups[k]) + " down " + std::to_string(d.link.downs[k]) +
                " timeout " + std::to_string(d.link.timeouts[k].count()) + "\n";
      CAPTURE(seen);
      CHECK(static_cast<double>(d.link.timeouts[i].count()) >= bound - 1);
      CHECK(d.link.timeouts[i].count() > 100);
    }
    largest = std::max(largest, d.link.ups[i] + d.link.downs[i]);
  }
  CHECK(chunks >= 5);  // 200 KiB in 32 KiB chunks (the first request is never a chunk)
}

TEST_CASE("sync client: cancel() stops the sync at the next request, and the next sync finishes it once") {
  ServerFixture server;
  sync::ClientOptions o;
  o.initial_batch = 2;  // several push requests
  o.max_batch = 2;
  BadLinkDevice d(server, o);
  for (int i = 0; i < 7; ++i) {
    auto s = d.store.filled("Cơ sở " + std::to_string(i), "12");
    d.store.finalize(*s);
  }
  int pushes = 0;
  d.link.before_send = [&](const sync::Request& r) {
    if (r.path == "/v1/push" && ++pushes == 2) d.client->cancel();  // from "another thread": the UI's button
  };
  auto stopped = d.client->sync();
  REQUIRE_FALSE(stopped.ok());
  CHECK(stopped.error().code == core::ErrorCode::sync_incomplete);
  CHECK(stopped.error().message.find("cancelled") != std::string::npos);
  // The request in flight when cancel() came was answered and kept; no request after it went out.
  CHECK(pushes == 2);
  std::int64_t kept = submissions_on_server(server);
  CHECK(kept == 4);
  d.link.before_send = nullptr;
  // A new sync on a new client (the app's next tap) sends the rest, none twice.
  sync::ClientOptions fresh;
  fresh.sleep = [](std::chrono::milliseconds) {};
  sync::SyncClient next(*d.store.store, d.link, fresh);
  auto done = next.sync();
  REQUIRE_MESSAGE(done.ok(), message_of(done));
  CHECK(done->complete);
  CHECK(done->submissions.accepted == 3);
  CHECK(done->submissions.duplicates == 0);
  CHECK(submissions_on_server(server) == 7);
}

TEST_CASE("sync client: progress is reported after every request, counts only grow, and it ends done") {
  ServerFixture server;
  sync::ClientOptions o;
  o.initial_batch = 2;
  o.max_batch = 2;
  std::vector<sync::SyncProgress> seen;
  o.on_progress = [&](const sync::SyncProgress& p) { seen.push_back(p); };
  BadLinkDevice d(server, o);
  for (int i = 0; i < 5; ++i) {
    auto s = d.store.filled("Cơ sở " + std::to_string(i), "12");
    d.store.finalize(*s);
  }
  auto report = d.client->sync();
  REQUIRE_MESSAGE(report.ok(), message_of(report));
  REQUIRE(seen.size() >= 3);  // three pushes of at most two, at least
  for (std::size_t i = 1; i < seen.size(); ++i) {
    CAPTURE(i);
    CHECK(seen[i].records_sent >= seen[i - 1].records_sent);
    CHECK(seen[i].requests >= seen[i - 1].requests);
    CHECK(seen[i].bytes_up >= seen[i - 1].bytes_up);
    CHECK(static_cast<int>(seen[i].phase) >= static_cast<int>(seen[i - 1].phase));
  }
  CHECK(seen.front().records_total == 5);
  CHECK(seen.back().records_sent == 5);
  CHECK(seen.back().phase == sync::SyncProgress::Phase::Done);
  CHECK(seen.back().requests == report->totals.requests);
}

}  // namespace
}  // namespace khaosat::test
