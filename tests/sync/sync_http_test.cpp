// End to end over real loopback HTTP (cpp-httplib on both sides): a server and two devices.
// Device A pushes submissions and a registry record; device B, new, gets the form and the record
// by snapshot; an edit on A reaches B through the change log; both converge on the server's
// merged record. Over HTTPS with a throwaway self-signed certificate (openssl CLI): the device
// trusts it only when pinned; plain HTTP carries a token to this machine only.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "khaosat/sync/http.hpp"
#include "sync/sync_fixture.hpp"

namespace khaosat::test {
namespace {

// A running HttpServer on 127.0.0.1 (any free port), stopped and joined at the end.
struct Serving {
  sync::HttpServer& http;
  int port = 0;
  std::thread thread;
  explicit Serving(sync::HttpServer& h) : http(h) {
    auto p = http.bind("127.0.0.1", 0);
    REQUIRE(p.ok());
    port = *p;
    thread = std::thread([this] { http.run(); });
  }
  ~Serving() {
    http.stop();
    thread.join();
  }
};

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A self-signed certificate for 127.0.0.1 and its key (P-256: quick to make), in `dir`.
void make_certificate(const std::filesystem::path& dir, const std::string& name) {
  std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
                    "-subj /CN=khaosat-test -addext subjectAltName=IP:127.0.0.1 -keyout '" +
                    (dir / (name + ".key")).string() + "' -out '" + (dir / (name + ".pem")).string() + "' 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
}

// Client options for tests: no real sleeping between retries.
sync::ClientOptions quick() {
  sync::ClientOptions o;
  o.sleep = [](std::chrono::milliseconds) {};
  o.random_unit = [] { return 0.5; };
  return o;
}

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

TEST_CASE("sync over HTTPS: a pinned self-signed certificate is trusted, nothing else is") {
  ServerFixture server;
  make_certificate(server.dir.path(), "server");
  make_certificate(server.dir.path(), "stranger");
  const std::string cert = (server.dir.path() / "server.pem").string(), key = (server.dir.path() / "server.key").string();

  // Files that are not a certificate and its key are refused with their names.
  auto missing = sync::HttpServer::open_tls(*server.server, {cert + ".nothing", key});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("server.pem.nothing") != std::string::npos);
  auto mismatched = sync::HttpServer::open_tls(*server.server, {cert, (server.dir.path() / "stranger.key").string()});
  REQUIRE_FALSE(mismatched.ok());
  CHECK(mismatched.error().message.find("stranger.key") != std::string::npos);

  auto https = sync::HttpServer::open_tls(*server.server, {cert, key});
  REQUIRE_MESSAGE(https.ok(), message_of(https));
  Serving serving(**https);
  const std::string url = "https://127.0.0.1:" + std::to_string(serving.port);
  const std::string code = server.code();

  // Not pinned (a self-signed certificate is in no system CA list), or another one pinned: the
  // device refuses the server before sending anything, and the code is not spent.
  for (const std::string& pin : {std::string(), read_text(server.dir.path() / "stranger.pem")}) {
    StoreFixture store;
    auto t = sync::HttpTransport::open(url, {pin, false});
    REQUIRE(t.ok());
    sync::SyncClient client(*store.store, **t, quick());
    auto st = client.enroll(url, code, "phone", pin);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == core::ErrorCode::sync_insecure);
    CHECK_MESSAGE(st.error().message.find("not trusted") != std::string::npos, st.error().message);
  }
  CHECK(server.query("SELECT count(*) FROM devices") == "0|\n");

  // Pinned: enrolled, the pin kept with the enrollment, and a sync goes through.
  StoreFixture store;
  store.install();
  const std::string pem = read_text(cert);
  auto t = sync::HttpTransport::open(url, {pem, false});
  REQUIRE(t.ok());
  sync::SyncClient client(*store.store, **t, quick());
  auto st = client.enroll(url, code, "phone", pem);
  REQUIRE_MESSAGE(st.ok(), message_of(st));
  CHECK(store.store->enrollment().value()->ca_pem == pem);
  store.finalize(*store.filled("Chè Tân Uyên"));
  auto r = client.sync();
  REQUIRE_MESSAGE(r.ok(), message_of(r));
  CHECK(r->complete);
  CHECK(r->accepted == 1);
  CHECK(server.query("SELECT count(*) FROM submissions") == "1|\n");

  // Plain HTTP to the HTTPS port gets no answer.
  auto plain = sync::HttpTransport::open("http://127.0.0.1:" + std::to_string(serving.port));
  REQUIRE(plain.ok());
  auto info = (*plain)->send({"GET", "/v1/info", {}, {}, ""}, std::chrono::seconds(5));
  CHECK((!info.ok() || info->status >= 400));
}

// The TCP_NODELAY of this process's loopback sockets with `port` at the local end (the server's
// side of a connection) or at the far end (a client's side), found through /proc/self/fd.
struct NoDelay {
  std::vector<int> server, client;
};
NoDelay no_delay_of_connections(int port) {
  NoDelay out;
  DIR* dir = opendir("/proc/self/fd");
  REQUIRE(dir != nullptr);
  while (dirent* e = readdir(dir)) {
    int fd = std::atoi(e->d_name);
    if (fd <= 2 || fd == dirfd(dir)) continue;
    sockaddr_in local{}, peer{};
    socklen_t ll = sizeof local, pl = sizeof peer;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &ll) != 0 || local.sin_family != AF_INET) continue;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &pl) != 0) continue;  // the listening socket
    int on = 0;
    socklen_t ol = sizeof on;
    if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &ol) != 0) continue;
    if (ntohs(local.sin_port) == port) out.server.push_back(on);
    if (ntohs(peer.sin_port) == port) out.client.push_back(on);
  }
  closedir(dir);
  return out;
}

// httplib writes a request's and an answer's head and body in separate writes: with Nagle's
// algorithm on, the second write waited for the peer's delayed ACK, some 40 ms a request on Linux
// (300 of the 600 ms of scripts/bench sync's 20,000-record push went to it). Both ends turn it off.
TEST_CASE("sync over HTTP: both ends of a connection send without Nagle's delay (TCP_NODELAY)") {
  ServerFixture server;
  sync::HttpServer http(*server.server);
  Serving serving(http);
  auto t = sync::HttpTransport::open("http://127.0.0.1:" + std::to_string(serving.port));
  REQUIRE(t.ok());
  auto info = (*t)->send({"GET", "/v1/info", {}, {}, ""}, std::chrono::seconds(5));
  REQUIRE_MESSAGE(info.ok(), message_of(info));
  CHECK(info->status == 200);
  // The connection stays open (keep-alive): its two ends are this process's sockets.
  NoDelay found = no_delay_of_connections(serving.port);
  REQUIRE(found.client.size() == 1);
  REQUIRE(found.server.size() == 1);
  CHECK(found.client[0] != 0);
  CHECK(found.server[0] != 0);
}

TEST_CASE("sync over HTTP: a token goes over plain HTTP only to this machine, unless allowed") {
  for (const char* url : {"http://192.0.2.1:8742", "http://office.example:8742/", "http://[2001:db8::1]:8742"}) {
    CAPTURE(url);
    auto t = sync::HttpTransport::open(url);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().code == core::ErrorCode::sync_insecure);
    CHECK(t.error().message.find("in clear") != std::string::npos);
    CHECK(sync::HttpTransport::open(url, {"", true}).ok());
  }
  CHECK(sync::HttpTransport::open("http://127.0.0.1:8742").ok());
  CHECK(sync::HttpTransport::open("http://[::1]:8742").ok());
  CHECK(sync::HttpTransport::open("https://office.example:8742").ok());
  auto ftp = sync::HttpTransport::open("ftp://office.example/");
  REQUIRE_FALSE(ftp.ok());
  CHECK(ftp.error().code == core::ErrorCode::sync_request);
  auto bad_pin = sync::HttpTransport::open("https://office.example:8742", {"not a certificate", false});
  REQUIRE_FALSE(bad_pin.ok());
  CHECK(bad_pin.error().message.find("PEM") != std::string::npos);
}

}  // namespace
}  // namespace khaosat::test
