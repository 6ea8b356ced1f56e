// End to end over real loopback HTTP (cpp-httplib on both sides): a server and two devices.
// Device A pushes submissions and a registry record; device B, new, gets the form and the record
// by snapshot; an edit on A reaches B through the change log; both converge on the server's
// merged record.
#include <thread>

#include "khaosat/sync/http.hpp"
#include "sync/sync_fixture.hpp"

namespace khaosat::test {
namespace {

struct HttpDevice {
  StoreFixture store;
  std::unique_ptr<sync::HttpTransport> transport;
  std::unique_ptr<sync::SyncClient> client;

  HttpDevice(const std::string& url, const std::string& code) {
    auto t = sync::HttpTransport::open(url);
    REQUIRE(t.ok());
    transport = std::move(t.value());
    client = std::make_unique<sync::SyncClient>(*store.store, *transport);
    auto st = client->enroll(url, code, "phone");
    REQUIRE_MESSAGE(st.ok(), message_of(st));
  }
};

TEST_CASE("sync over HTTP: a server and two devices converge") {
  ServerFixture server;
  sync::HttpServer http(*server.server);
  auto port = http.bind("127.0.0.1", 0);
  REQUIRE(port.ok());
  std::thread serving([&] { http.run(); });
  struct Join {
    sync::HttpServer& h;
    std::thread& t;
    ~Join() {
      h.stop();
      t.join();
    }
  } join{http, serving};
  std::string url = "http://127.0.0.1:" + std::to_string(*port);

  HttpDevice a(url, server.code());
  a.store.install();
  for (int i = 0; i < 5; ++i) a.store.finalize(*a.store.filled("Chè Tân Uyên " + std::to_string(i)));
  auto rec = a.store.store->put_record({core::Registry::Establishment, "", {{"name", "Chè Tân Uyên"}, {"phone", "0912"}}});
  REQUIRE(rec.ok());
  auto ra = a.client->sync();
  REQUIRE_MESSAGE(ra.ok(), message_of(ra));
  CHECK(ra->complete);
  CHECK(ra->accepted == 6);
  CHECK(ra->totals.bytes_up > 0);
  CHECK(server.query("SELECT count(*) FROM submissions") == "5|\n");

  HttpDevice b(url, server.code());  // a new device: no form installed, nothing pulled yet
  auto rb = b.client->sync();
  REQUIRE_MESSAGE(rb.ok(), message_of(rb));
  CHECK(b.store.store->get_form("survey").ok());
  auto got = b.store.store->get_record(rec->record_id);
  REQUIRE_MESSAGE(got.ok(), message_of(got));
  CHECK(got->name == "Chè Tân Uyên");
  CHECK(b.store.store->search_records(core::Registry::Establishment, "che tan uyen").value().size() == 1);

  // An edit on A reaches B by the change log.
  REQUIRE(a.store.store->put_record({core::Registry::Establishment, rec->record_id, {{"phone", "0987"}}}).ok());
  REQUIRE(a.client->sync().ok());
  REQUIRE(b.client->sync().ok());
  auto after = b.store.store->get_record(rec->record_id).value();
  auto phone = std::find_if(after.properties.begin(), after.properties.end(), [](auto& p) { return p.first == "phone"; });
  REQUIRE(phone != after.properties.end());
  CHECK(phone->second.value == "0987");
  // A second sync of each is a no-op that still reports complete.
  auto again = b.client->sync();
  REQUIRE(again.ok());
  CHECK(again->complete);
  CHECK(server.storage->check().value().empty());
}

}  // namespace
}  // namespace khaosat::test
