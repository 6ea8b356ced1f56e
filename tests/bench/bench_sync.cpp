// khaosat_bench_sync: pushing 20,000 submissions of a 30-question form over loopback HTTP,
// durable on both sides (the server commits each batch with fsync; the device records each
// answer with fsync). Run by `scripts/bench sync`.
//
//   khaosat_bench_sync [N] [DIR]     N submissions (default 20000); DIR for the files (a temp folder)
//
// Setup (not timed): N instances are filled through FormSession (values drawn from a seeded
// generator: words, numbers, decimals, dates and choices, so batches compress like real data,
// not like copies) and written into the device database with SQL in one transaction, as
// finalize() would write them (finalizing 20,000 one fsync at a time would measure the disk
// 20,000 times). Then:
//   1. `sync` over HTTP on 127.0.0.1: time, bytes up and down (bodies on the wire), requests;
//   2. the same outbox from a copy of the device database into a fresh server through
//      SyncServer::handle directly, timing only the server: its ingest rate;
//   3. the OpenRosa equivalent, computed: one multipart POST per submission with its XML;
//   5. 2,000 submissions (LINK_N) over a shaped TCP link through a proxy (tests/sync/tcp_proxy.hpp:
//      100 kbit/s each way, 300 ms round trip), then the same with every open connection cut every
//      2 s: time, connections, cuts, runs of `sync` (the app runs it again when one gives up),
//      and whether all arrived once;
//   4. with KHAOSAT_BENCH_PG_URL (a PostgreSQL database URL: scripts/bench starts a throwaway
//      server with fsync on), step 2 again into PostgreSQL: its ingest rate (null without it);
//   6. ENTITY_N (default N) submissions of the same questions in form A's shape (an entity
//      declaration: each finalize, through Store::finalize, also writes a registry edit, an outbox
//      row of its own, and the submission names it): steps 1, 2 and 4 again, bytes per submission;
//   7. EDIT_N (default 2,000, at most ENTITY_N) of those submissions and an edit of each pushed
//      into a fresh SQLite server directly, the originals first and the edits first (held, then
//      released by their originals): what waiting costs the server.
// Prints one JSON object.
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "khaosat/core/env.hpp"
#include "khaosat/core/store.hpp"
#include "khaosat/core/xlsform.hpp"
#include "khaosat/sync/http.hpp"
#include "store/store_fixture.hpp"
#include "sync/tcp_proxy.hpp"

using namespace khaosat;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// CPU time (user + system) of this process, all threads: client and server both run here, so on a
// shared machine this says what the work cost when the wall time also holds waiting for a core.
double cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto ms = [](const timeval& t) { return t.tv_sec * 1000.0 + t.tv_usec / 1000.0; };
  return ms(u.ru_utime) + ms(u.ru_stime);
}

template <class T>
T must(core::Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "bench_sync: %s: %s\n", what, r.error().message.c_str());
    std::exit(1);
  }
  return std::move(r.value());
}

void sql(sqlite3* db, const char* text) {
  char* err = nullptr;
  if (sqlite3_exec(db, text, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "bench_sync: %s: %s\n", text, err);
    std::exit(1);
  }
}

const char* kWords[] = {"Cơ sở", "sản xuất", "chè", "Tân Uyên", "dệt", "thổ cẩm", "Pắc Ta", "mây tre", "đan",
                        "rèn", "mộc", "Phong Thổ", "Sìn Hồ", "Than Uyên", "Mường Tè", "gạo", "nếp", "tương",
                        "rượu", "men lá", "bánh", "dong", "miến", "hợp tác xã", "hộ", "kinh doanh", "Lò Văn",
                        "Tòng Thị", "Giàng A", "Vàng Thị", "Lý", "Hoàng", "bản", "xã", "thôn", "Nậm", "Pa",
                        "Khổng Lào", "Bình Lư", "Tam Đường", "Lai Châu", "thủ công", "nông sản", "chế biến",
                        "thảo quả", "sâm", "mật ong", "cá", "nấm", "hương"};

// Fills the 30 fields of wide_form_xml(30): text, int, decimal, date, select1 in turn.
void fill(core::FormSession& s, std::mt19937& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  for (int i = 1; i <= 30; ++i) {
    std::string v;
    switch ((i - 1) % 5) {
      case 0:
        for (int w = 0, n = 2 + pick(3); w < n; ++w) v += (w ? " " : "") + std::string(kWords[pick(50)]);
        break;
      case 1: v = std::to_string(pick(1000)); break;
      case 2: v = std::to_string(pick(100000) / 100.0).substr(0, 6); break;
      case 3: {
        char d[32];
        std::snprintf(d, sizeof d, "2026-%02d-%02d", 1 + pick(12), 1 + pick(28));
        v = d;
        break;
      }
      default: v = pick(2) ? "a" : "b";
    }
    if (!s.answer("/data/f" + std::to_string(i), v).ok()) std::exit(1);
  }
}

// N finalized submissions and their outbox rows, written as finalize() writes them.
void prepare_device(const std::string& path, int n) {
  auto store = must(core::Store::open(path), "open the device store");
  must(store->install_form(core::NamedBytes{"wide.xml", test::wide_form_xml(30)}), "install the form");
  core::Form form = must(store->load_form("wide"), "load the form");
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_busy_timeout(db, 5000);
  sql(db, "BEGIN");
  sqlite3_stmt *sub, *content, *outbox;
  sqlite3_prepare_v2(db, "INSERT INTO submissions (instance_id, form_id, form_version, state, sha256, finalized_at, state_at) "
                         "VALUES (?, 'wide', '1', 'finalized', ?, ?, ?)", -1, &sub, nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO submission_content (instance_id, instance_xml, instance_json) VALUES (?, ?, ?)", -1,
                     &content, nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO outbox (seq, kind, subject, payload, created_at) VALUES (?, 'submission', ?, ?, ?)", -1,
                     &outbox, nullptr);
  std::mt19937 rng(20261205);
  std::int64_t now = 1767225600000;
  for (int i = 1; i <= n; ++i) {
    core::SessionOptions so;
    so.env.uuid = [&] { return store->new_id(); };
    auto s = must(core::FormSession::start(form, so), "start a session");
    fill(*s, rng);
    std::string xml = s->instance_xml(), js = s->instance_json(), sha = sync::sha256_hex(xml);
    std::string id = "uuid:" + xml.substr(xml.find("uuid:") + 5, 36);
    std::string payload = "{\"instance_id\":\"" + id + "\",\"form_id\":\"wide\",\"form_version\":\"1\",\"sha256\":\"" + sha +
                          "\",\"deprecated_id\":null,\"attachments\":[]}";
    auto text = [](sqlite3_stmt* st, int k, const std::string& v) {
      sqlite3_bind_text(st, k, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    };
    text(sub, 1, id);
    text(sub, 2, sha);
    sqlite3_bind_int64(sub, 3, now + i);
    sqlite3_bind_int64(sub, 4, now + i);
    text(content, 1, id);
    text(content, 2, xml);
    text(content, 3, js);
    sqlite3_bind_int64(outbox, 1, i);
    text(outbox, 2, id);
    text(outbox, 3, payload);
    sqlite3_bind_int64(outbox, 4, now + i);
    for (sqlite3_stmt* st : {sub, content, outbox}) {
      if (sqlite3_step(st) != SQLITE_DONE) {
        std::fprintf(stderr, "bench_sync: insert: %s\n", sqlite3_errmsg(db));
        std::exit(1);
      }
      sqlite3_reset(st);
    }
  }
  std::string next = "INSERT OR REPLACE INTO sync_state (key, value) VALUES ('outbox.next_seq', '" + std::to_string(n + 1) + "')";
  sql(db, next.c_str());
  sql(db, "COMMIT");
  for (sqlite3_stmt* st : {sub, content, outbox}) sqlite3_finalize(st);
  sqlite3_close(db);
}

// The wide form as form A is built (forms/a_establishment.md): the same 30 questions, a hidden
// new_record_id, and an entity declaration creating an establishment named by f1 with six
// properties saved from answers (A saves commune, village, legal form, tax code, representative
// and sector; no commune here: the generated answers are no commune codes, and the server would
// refuse a record outside the device's communes). Each finalize then also writes the registry edit, an outbox row of its own before
// the submission, and the submission names it ("entity"): what a batch of form A carries.
std::string entity_form_md() {
  static const char* kTypes[] = {"text", "integer", "decimal", "date", "select_one ab"};
  static const char* kSaveTo[] = {"", "village", "legal_form", "tax_code", "representative", "sector", "phone"};
  std::string md = "| settings |\n| | form_title | form_id | version |\n| | Wide | wide | 2 |\n\n"
                   "| survey |\n| | type | name | label | required | default | save_to |\n"
                   "| | csv-external | establishments | | | | |\n| | hidden | new_record_id | | | uuid() | |\n";
  for (int i = 1; i <= 30; ++i) {
    // Six properties from f6, f11, ..., f30 (every fifth question is a choice, the rest vary).
    const char* save_to = (i % 5 == 1 && i > 1) ? kSaveTo[i / 5] : (i == 30 ? kSaveTo[6] : "");
    md += "| | " + std::string(kTypes[(i - 1) % 5]) + " | f" + std::to_string(i) + " | f" + std::to_string(i) + " | " +
          (i <= 5 ? "yes" : "") + " | | " + save_to + " |\n";
  }
  md += "\n| choices |\n| | list_name | name | label |\n| | ab | a | A |\n| | ab | b | B |\n\n"
        "| entities |\n| | list_name | label | entity_id | create_if | update_if |\n"
        "| | establishments | ${f1} | ${new_record_id} | true() | false() |\n";
  return md;
}

// The core::Env of the setup: the real OS, except that SQLite's syncs do nothing (finalizing
// 20,000 submissions one fsync at a time would measure the disk 20,000 times; the device is
// opened again with the real Env, fsync on, for the sync itself).
class NoSyncEnv final : public core::Env {
 public:
  std::int64_t now_ms() override { return os_.now_ms(); }
  int utc_offset_minutes(std::int64_t ms) override { return os_.utc_offset_minutes(ms); }
  std::int64_t monotonic_ns() override { return os_.monotonic_ns(); }
  void random_bytes(unsigned char* out, std::size_t n) override { os_.random_bytes(out, n); }
  core::Result<core::FileInfo> stat(const std::string& p) override { return os_.stat(p); }
  core::Result<std::unique_ptr<core::SequentialFile>> open_sequential(const std::string& p) override {
    return os_.open_sequential(p);
  }
  core::Result<std::unique_ptr<core::WritableFile>> new_writable(const std::string& p) override {
    return os_.new_writable(p);
  }
  core::Status rename(const std::string& a, const std::string& b) override { return os_.rename(a, b); }
  core::Status remove(const std::string& p) override { return os_.remove(p); }
  core::Status sync_dir(const std::string& d) override { return os_.sync_dir(d); }
  core::Status create_dirs(const std::string& d) override { return os_.create_dirs(d); }
  core::Result<std::vector<std::string>> list_dir(const std::string& d) override { return os_.list_dir(d); }
  core::Result<std::string> real_path(const std::string& p) override { return os_.real_path(p); }
  std::unique_ptr<core::RandomAccessFile> wrap_sqlite_file(const std::string&,
                                                           std::unique_ptr<core::RandomAccessFile> raw) override {
    return std::make_unique<File>(std::move(raw));
  }

 private:
  struct File final : core::RandomAccessFile {
    std::unique_ptr<core::RandomAccessFile> f;
    explicit File(std::unique_ptr<core::RandomAccessFile> raw) : f(std::move(raw)) {}
    core::Result<std::size_t> read_at(std::uint64_t o, char* out, std::size_t n) override { return f->read_at(o, out, n); }
    core::Status write_at(std::uint64_t o, std::string_view b) override { return f->write_at(o, b); }
    core::Status truncate(std::uint64_t n) override { return f->truncate(n); }
    core::Status sync(bool) override { return core::ok_status(); }
    core::Result<std::uint64_t> size() override { return f->size(); }
  };
  core::Env& os_ = core::Env::default_env();
};

// N submissions of entity_form_md(), each through FormSession and Store::finalize (so the
// registry edit, its outbox row and the submission's "entity" are the store's own).
void prepare_entity_device(const std::string& path, int n) {
  NoSyncEnv env;
  core::StoreOptions options;
  options.env.os = &env;
  auto store = must(core::Store::open(path, options), "open the device store");
  std::string md = entity_form_md();
  must(store->install_form(core::NamedBytes{"wide.md", md}, {core::NamedBytes{"establishments.csv", "name,label,__version\n"}}),
       "install the entity form");
  core::Form form = must(store->load_form("wide"), "load the entity form");
  std::mt19937 rng(20261205);
  for (int i = 1; i <= n; ++i) {
    core::SessionOptions so;
    so.env.uuid = [&] { return store->new_id(); };
    auto s = must(core::FormSession::start(form, so), "start a session");
    fill(*s, rng);
    core::FinalizeRequest req;
    req.session = s.get();
    auto done = must(store->finalize(req), "finalize");
    if (!done.finalized) {
      std::fprintf(stderr, "bench_sync: a generated entity submission is not valid\n");
      std::exit(1);
    }
  }
}

sync::PublishedForm wide_form(bool entities = false) {
  sync::PublishedForm f;
  f.form_id = "wide";
  f.version = entities ? "2" : "1";  // version 2 declares the entity (one PostgreSQL database takes both)
  f.title = "Wide";
  f.xform = {"wide.xml", entities ? must(core::convert_xlsform_bytes(entity_form_md(), "wide.md"), "compile the entity form")
                                  : test::wide_form_xml(30)};
  f.sha256 = sync::sha256_hex(f.xform.bytes);
  f.published_at = 1;
  return f;
}

// Calls the server directly and sums the time it spends in handle().
struct TimedTransport final : sync::Transport {
  sync::SyncServer& server;
  double server_ms = 0;
  explicit TimedTransport(sync::SyncServer& s) : server(s) {}
  core::Result<sync::Response> send(const sync::Request& r, std::chrono::milliseconds) override {
    auto t0 = Clock::now();
    sync::Response a = server.handle(r);
    server_ms += ms_since(t0);
    return a;
  }
};

// Step 2 (and 4): the device database's outbox into a fresh server on `storage`, through
// SyncServer::handle directly; the milliseconds spent in the server.
double server_ingest(sync::ServerStorage& storage, const std::string& device_db, bool entities = false) {
  must(core::Result<core::Ok>(storage.publish_form(wide_form(entities))), "publish");
  sync::SyncServer server(storage);
  auto device = must(core::Store::open(device_db), "open the device copy");
  TimedTransport direct(server);
  sync::SyncClient client(*device, direct);
  if (!client.enroll("direct:", must(server.create_enrollment({"officer", "bench", {}, 0}), "code")).ok()) std::exit(1);
  direct.server_ms = 0;
  must(client.sync(), "direct sync");
  return direct.server_ms;
}

// Step 1 (and 6): the outbox of `device_db` into a fresh SQLite server in `server_dir` over
// loopback HTTP: the sync's wall and CPU time, its report, what the server stored.
struct HttpRun {
  double ms = 0, cpu_ms = 0;
  sync::SyncReport report;
  std::int64_t stored = 0, registry = 0;
  int final_batch = 0;
  sync::ServerPushTimings server_timings;
};

// The push's phases on both sides (PushTimings, ServerPushTimings) as a JSON object of [wall ms,
// CPU ms] pairs, in the order they happen (encode and compress on the client's worker thread, while
// the batch before is in flight; client_wait: the sending thread waiting for them; client_in_flight:
// the client thread waiting for the answer after reading the next batch and acknowledging the one
// before); "http" is the exchange less the server's own work (wall: loopback, cpp-httplib on both
// ends, waiting for a core; CPU: the sending thread's share only: the server's HTTP thread is not
// measured, the bench prints it with the rest).
std::string phases_json(const HttpRun& r) {
  const sync::PushTimings& c = r.report.push_timings;
  const sync::ServerPushTimings& s = r.server_timings;
  double server_wall = 0;
  for (const sync::PhaseTime* p : {&s.inflate, &s.parse, &s.decode, &s.checks, &s.storage, &s.answer})
    server_wall += p->wall_ms;
  sync::PhaseTime http{c.exchange.wall_ms - server_wall, c.exchange.cpu_ms};
  std::pair<const char*, const sync::PhaseTime*> phases[] = {
      {"client_outbox", &c.outbox}, {"client_encode", &c.encode}, {"client_compress", &c.compress},
      {"client_wait", &c.wait}, {"http", &http},
      {"server_inflate", &s.inflate}, {"server_parse", &s.parse}, {"server_decode", &s.decode},
      {"server_checks", &s.checks}, {"server_storage", &s.storage}, {"server_answer", &s.answer},
      {"client_in_flight", &c.in_flight}, {"client_answer", &c.answer}, {"client_ack", &c.ack}};
  std::string out = "{";
  for (const auto& [name, t] : phases) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "\"%s\": [%.1f, %.1f], ", name, t->wall_ms, t->cpu_ms);
    out += buf;
  }
  return out + "\"batches\": " + std::to_string(c.batches) + "}";
}

HttpRun http_sync(const fs::path& server_dir, const std::string& device_db, bool entities) {
  auto storage = must(sync::open_sqlite_storage(server_dir.string()), "open the server");
  must(core::Result<core::Ok>(storage->publish_form(wide_form(entities))), "publish");
  sync::SyncServer server(*storage);
  sync::HttpServer http(server);
  int port = must(http.bind("127.0.0.1", 0), "bind");
  std::thread serving([&] { http.run(); });
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  HttpRun out;
  {
    auto device = must(core::Store::open(device_db), "open the device");
    auto transport = must(sync::HttpTransport::open(url), "transport");
    sync::ClientOptions options;
    if (const char* level = std::getenv("GZIP_LEVEL")) options.gzip_level = std::atoi(level);  // to compare levels
    if (const char* level = std::getenv("ZSTD_LEVEL")) options.zstd_level = std::atoi(level);  // 0: gzip
    sync::SyncClient client(*device, *transport, options);
    if (auto st = client.enroll(url, must(server.create_enrollment({"officer", "bench", {}, 0}), "code")); !st) {
      std::fprintf(stderr, "bench_sync: enroll: %s\n", st.error().message.c_str());
      std::exit(1);
    }
    auto t0 = Clock::now();
    double c0 = cpu_ms();
    out.report = must(client.sync(), "sync");
    out.ms = ms_since(t0);
    out.cpu_ms = cpu_ms() - c0;
    out.final_batch = client.batch_size();
  }
  out.server_timings = server.push_timings();
  http.stop();
  serving.join();
  out.stored = static_cast<std::int64_t>(must(storage->submissions("wide"), "count").size());
  out.registry = static_cast<std::int64_t>(must(storage->registry(core::Registry::Establishment), "registry").size());
  return out;
}

// Step 5: the outbox of `device_db` into a fresh SQLite server over loopback HTTP through a proxy
// shaping the link; `sync` runs again until one completes (at most 100 runs).
struct LinkRun {
  double ms = 0, cpu_ms = 0;
  int runs = 0, cuts = 0, connections = 0;
  std::int64_t stored = 0;
  bool complete = false;
  std::vector<sync::PushAttempt> attempts;  // every push request of every run, in order
  double backoff_ms = 0;
};

LinkRun over_link(const fs::path& dir, const std::string& device_db, test::LinkShape shape) {
  auto storage = must(sync::open_sqlite_storage(dir.string()), "open the link server");
  must(core::Result<core::Ok>(storage->publish_form(wide_form())), "publish");
  sync::SyncServer server(*storage);
  sync::HttpServer http(server);
  int port = must(http.bind("127.0.0.1", 0), "bind");
  std::thread serving([&] { http.run(); });
  LinkRun out;
  {
    std::string direct_url = "http://127.0.0.1:" + std::to_string(port);
    auto device = must(core::Store::open(device_db), "open the device");
    auto direct = must(sync::HttpTransport::open(direct_url), "transport");
    sync::SyncClient enrolling(*device, *direct);
    if (!enrolling.enroll(direct_url, must(server.create_enrollment({"officer", "bench", {}, 0}), "code")).ok()) std::exit(1);
    test::TcpProxy proxy(port, shape);
    auto linked = must(sync::HttpTransport::open("http://127.0.0.1:" + std::to_string(proxy.port())), "transport");
    sync::SyncClient client(*device, *linked);
    auto t0 = Clock::now();
    double c0 = cpu_ms();
    while (out.runs < 100 && !out.complete) {
      ++out.runs;
      auto r = client.sync();
      out.complete = r.ok() && r->complete;
      const sync::SyncReport& report = client.last_report();
      out.attempts.insert(out.attempts.end(), report.push_attempts.begin(), report.push_attempts.end());
      out.backoff_ms += report.backoff_ms;
    }
    out.ms = ms_since(t0);
    out.cpu_ms = cpu_ms() - c0;
    out.cuts = proxy.cuts();
    out.connections = proxy.connections();
  }
  http.stop();
  serving.join();
  out.stored = static_cast<std::int64_t>(must(storage->submissions("wide"), "count").size());
  return out;
}

// "attempts": each push request as [records, arrived (1/0), ms, backoff ms after it].
std::string link_json(const LinkRun& r) {
  char buf[320];
  std::snprintf(buf, sizeof buf, "{\"ms\": %.0f, \"cpu_ms\": %.0f, \"runs\": %d, \"cuts\": %d, \"connections\": %d, \"stored\": %lld, \"complete\": %s, "
                "\"backoff_ms\": %.0f, \"attempts\": [",
                r.ms, r.cpu_ms, r.runs, r.cuts, r.connections, static_cast<long long>(r.stored), r.complete ? "true" : "false",
                r.backoff_ms);
  std::string out = buf;
  for (std::size_t i = 0; i < r.attempts.size(); ++i) {
    const sync::PushAttempt& a = r.attempts[i];
    std::snprintf(buf, sizeof buf, "%s[%d, %d, %.0f, %.0f]", i ? ", " : "", a.records, a.arrived ? 1 : 0, a.ms, a.backoff_ms);
    out += buf;
  }
  return out + "]}";
}

}  // namespace

// Step 7: edits that wait for their predecessor. `originals` (instance id, XML) of the entity
// form and an edit of each (a new id naming it, the same answers), pushed by one device in
// batches of `batch` straight into SyncServer::handle: the originals and then the edits (each
// edit finds its predecessor stored), or the edits first (each held in waiting_submissions)
// and then the originals (each push releases the edits its originals free, deriving their
// registry edits then). The server's wall and CPU milliseconds over all the pushes.
struct EditsRun {
  double ms = 0, cpu_ms = 0;
  std::int64_t stored = 0, waiting = 0;
};

EditsRun edits_ingest(const fs::path& server_dir, const std::vector<std::pair<std::string, std::string>>& originals,
                      bool edits_first, int batch) {
  auto storage = must(sync::open_sqlite_storage(server_dir.string()), "open the edits server");
  must(core::Result<core::Ok>(storage->publish_form(wide_form(true))), "publish");
  sync::SyncServer server(*storage);
  std::string code = must(server.create_enrollment({"officer", "bench", {}, 0}), "code");
  sync::Request enroll{"POST", "/v1/enroll", {}, {{"content-type", "application/json"}},
                       nlohmann::json{{"code", code}}.dump()};
  auto who = nlohmann::json::parse(server.handle(enroll).body);
  const std::string device = who["device_id"], token = who["token"];
  std::vector<nlohmann::json> firsts, seconds;
  for (std::size_t i = 0; i < originals.size(); ++i) {
    const auto& [id, xml] = originals[i];
    std::string eid = "uuid:0190b2d4-0000-7000-8000-" + std::to_string(100000000000 + i);
    std::string edited = xml;
    edited.replace(edited.find(id), id.size(), eid);
    edited.replace(edited.find("</meta>"), 7, "<deprecatedID>" + id + "</deprecatedID></meta>");
    nlohmann::json o = {{"kind", "submission"}, {"id", id}, {"form_id", "wide"}, {"form_version", "2"}, {"xml", xml}};
    nlohmann::json e = {{"kind", "submission"}, {"id", eid}, {"form_id", "wide"}, {"form_version", "2"},
                        {"xml", edited}, {"deprecated_id", id}};
    firsts.push_back(edits_first ? e : o);
    seconds.push_back(edits_first ? o : e);
  }
  std::vector<nlohmann::json> all = std::move(firsts);
  all.insert(all.end(), seconds.begin(), seconds.end());
  std::vector<sync::Request> pushes;
  for (std::size_t first = 0; first < all.size(); first += static_cast<std::size_t>(batch)) {
    std::size_t last = std::min(all.size(), first + static_cast<std::size_t>(batch));
    nlohmann::json records = nlohmann::json::array();
    for (std::size_t i = first; i < last; ++i) {
      all[i]["seq"] = i + 1;
      records.push_back(all[i]);
    }
    nlohmann::json b = {{"device_id", device}, {"first_seq", first + 1}, {"last_seq", last}, {"records", records}};
    pushes.push_back({"POST", "/v1/push", {}, {{"content-type", "application/json"}, {"authorization", "Bearer " + token}},
                      b.dump()});
  }
  EditsRun run;
  auto t0 = Clock::now();
  double c0 = cpu_ms();
  for (const auto& p : pushes) {
    sync::Response a = server.handle(p);
    if (a.status != 200) {
      std::fprintf(stderr, "bench_sync: an edits push: %d %s\n", a.status, a.body.c_str());
      std::exit(1);
    }
  }
  run.ms = ms_since(t0);
  run.cpu_ms = cpu_ms() - c0;
  run.stored = static_cast<std::int64_t>(must(storage->submissions("wide"), "submissions").size());
  run.waiting = static_cast<std::int64_t>(must(storage->waiting_edits(), "waiting edits").size());
  return run;
}

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  fs::path dir = argc > 2 ? fs::path(argv[2]) : fs::temp_directory_path() / ("khaosat_bench_sync_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto t_setup = Clock::now();
  prepare_device((dir / "device.db").string(), n);
  fs::copy_file(dir / "device.db", dir / "device2.db");
  fs::copy_file(dir / "device.db", dir / "device3.db");
  double setup_ms = ms_since(t_setup);

  // 1. Over HTTP.
  HttpRun run = http_sync(dir / "server", (dir / "device.db").string(), false);
  const sync::SyncReport& report = run.report;
  double sync_ms = run.ms, sync_cpu_ms = run.cpu_ms;
  std::int64_t stored = run.stored;

  // 2. Server ingest alone.
  auto t1 = Clock::now();
  double c1 = cpu_ms();
  double ingest_ms = server_ingest(*must(sync::open_sqlite_storage((dir / "server2").string()), "open server 2"),
                                   (dir / "device2.db").string());
  double direct_ms = ms_since(t1), direct_cpu_ms = cpu_ms() - c1;
  // 4. The same into PostgreSQL.
  const char* pg_url = std::getenv("KHAOSAT_BENCH_PG_URL");
  std::string pg_rate = "null";
  if (pg_url && *pg_url) {
    double pg_ms = server_ingest(*must(sync::open_server_storage((dir / "server3").string(), pg_url), "open PostgreSQL"),
                                 (dir / "device3.db").string());
    pg_rate = std::to_string(static_cast<long long>(n / (pg_ms / 1000)));
  }

  // 5. Over a shaped link, then a shaped link cut every 2 s.
  int link_n = std::getenv("LINK_N") ? std::atoi(std::getenv("LINK_N")) : 2000;
  std::string shaped = "null", cut = "null";
  if (link_n > 0) {
    prepare_device((dir / "link1.db").string(), link_n);
    fs::copy_file(dir / "link1.db", dir / "link2.db");
    test::LinkShape shape;
    shape.bits_per_second = 100000;
    shape.one_way_delay = std::chrono::milliseconds(150);
    shaped = link_json(over_link(dir / "server-link1", (dir / "link1.db").string(), shape));
    shape.cut_every = std::chrono::milliseconds(2000);
    cut = link_json(over_link(dir / "server-link2", (dir / "link2.db").string(), shape));
  }

  // 6. Form A's shape (entity_form_md): each submission and its entity's registry edit, over
  // HTTP and into each server alone. ENTITY_N (default N) submissions; 0 skips it.
  int entity_n = std::getenv("ENTITY_N") ? std::atoi(std::getenv("ENTITY_N")) : n;
  std::string entities = "null", edits = "null";
  if (entity_n > 0) {
    auto te = Clock::now();
    prepare_entity_device((dir / "entity1.db").string(), entity_n);
    for (const char* copy : {"entity2.db", "entity3.db"}) {  // with the form's media (its list file)
      fs::copy_file(dir / "entity1.db", dir / copy);
      fs::copy(dir / "entity1.db.media", dir / (std::string(copy) + ".media"), fs::copy_options::recursive);
    }
    double entity_setup_ms = ms_since(te);
    HttpRun e = http_sync(dir / "server-entity1", (dir / "entity1.db").string(), true);
    double c6 = cpu_ms();
    double e_ingest = server_ingest(*must(sync::open_sqlite_storage((dir / "server-entity2").string()), "open"),
                                    (dir / "entity2.db").string(), true);
    double e_direct_cpu = cpu_ms() - c6;
    std::string e_pg = "null";
    if (pg_url && *pg_url) {
      double ms = server_ingest(*must(sync::open_server_storage((dir / "server-entity3").string(), pg_url), "open PostgreSQL"),
                                (dir / "entity3.db").string(), true);
      e_pg = std::to_string(static_cast<long long>(entity_n / (ms / 1000)));
    }
    const auto& et = e.report.totals;
    char buf[1024];
    std::snprintf(buf, sizeof buf,
                  "{\"submissions\": %d, \"stored_on_server\": %lld, \"registry_records\": %lld, \"complete\": %s, "
                  "\"sync_ms\": %.1f, \"sync_cpu_ms\": %.1f, \"requests\": %d, \"bytes_up\": %lld, \"bytes_down\": %lld, "
                  "\"bytes_per_submission\": %.1f, \"server_ingest_ms\": %.1f, \"server_ingest_submissions_per_s\": %.0f, "
                  "\"direct_cpu_ms\": %.1f, \"pg_ingest_submissions_per_s\": %s, \"setup_ms\": %.0f}",
                  entity_n, static_cast<long long>(e.stored), static_cast<long long>(e.registry),
                  e.report.complete ? "true" : "false", e.ms, e.cpu_ms, et.requests,
                  static_cast<long long>(et.bytes_up), static_cast<long long>(et.bytes_down),
                  static_cast<double>(et.bytes_up + et.bytes_down) / entity_n, e_ingest, entity_n / (e_ingest / 1000),
                  e_direct_cpu, e_pg.c_str(), entity_setup_ms);
    entities = buf;

    // 7. The same form's edits, after their originals and before them (best of two, interleaved).
    int edit_n = std::min(entity_n, std::getenv("EDIT_N") ? std::atoi(std::getenv("EDIT_N")) : 2000);
    std::vector<std::pair<std::string, std::string>> originals;
    sqlite3* db = nullptr;
    sqlite3_open_v2((dir / "entity1.db").string().c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db, "SELECT s.instance_id, c.instance_xml FROM submissions s JOIN submission_content c "
                           "USING (instance_id) ORDER BY s.finalized_at, s.instance_id LIMIT ?", -1, &q, nullptr);
    sqlite3_bind_int(q, 1, edit_n);
    while (sqlite3_step(q) == SQLITE_ROW)
      originals.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)),
                             reinterpret_cast<const char*>(sqlite3_column_text(q, 1)));
    sqlite3_finalize(q);
    sqlite3_close(db);
    EditsRun best[2];
    for (int round = 0; round < 2; ++round)
      for (int first = 0; first < 2; ++first) {
        EditsRun r = edits_ingest(dir / ("server-edits-" + std::to_string(round) + std::to_string(first)), originals,
                                  first == 1, 100);
        if (round == 0 || r.cpu_ms < best[first].cpu_ms) best[first] = r;
      }
    std::snprintf(buf, sizeof buf,
                  "{\"pairs\": %zu, \"batch\": 100, \"after_ms\": %.1f, \"after_cpu_ms\": %.1f, \"after_stored\": %lld, "
                  "\"after_waiting\": %lld, \"first_ms\": %.1f, \"first_cpu_ms\": %.1f, \"first_stored\": %lld, "
                  "\"first_waiting\": %lld}",
                  originals.size(), best[0].ms, best[0].cpu_ms, static_cast<long long>(best[0].stored),
                  static_cast<long long>(best[0].waiting), best[1].ms, best[1].cpu_ms,
                  static_cast<long long>(best[1].stored), static_cast<long long>(best[1].waiting));
    edits = buf;
  }

  // 3. OpenRosa, computed: per submission one POST with a multipart body holding the XML
  // uncompressed (ODK Collect), ~420 bytes of HTTP and multipart headers, and a ~350-byte answer.
  std::int64_t xml_bytes = 0;
  auto device = must(core::Store::open((dir / "device.db").string()), "open the device");
  for (const auto& s : device->list_submissions().value()) {
    auto full = device->get_submission(s.instance_id).value();
    xml_bytes += static_cast<std::int64_t>(full.instance_xml.size());
  }
  std::int64_t openrosa_up = xml_bytes + 420LL * n, openrosa_down = 350LL * n;
  const auto& t = report.totals;
  std::printf(
      "{\"submissions\": %d, \"stored_on_server\": %lld, \"complete\": %s, \"sync_ms\": %.1f, \"sync_cpu_ms\": %.1f,\n"
      " \"direct_cpu_ms\": %.1f, \"requests\": %d,\n"
      " \"bytes_up\": %lld, \"bytes_down\": %lld, \"bytes_per_record\": %.1f, \"records_per_s\": %.0f,\n"
      " \"server_ingest_ms\": %.1f, \"server_ingest_records_per_s\": %.0f, \"direct_sync_ms\": %.1f,\n"
      " \"xml_bytes_per_record\": %.0f, \"openrosa_bytes_per_record\": %.0f, \"final_batch_size\": %d, \"setup_ms\": %.0f,\n"
      " \"pg_ingest_records_per_s\": %s, \"phases\": %s, \"link_submissions\": %d,\n \"shaped\": %s,\n \"shaped_cut_every_2s\": %s,\n \"entities\": %s,\n \"edits\": %s}\n",
      n, static_cast<long long>(stored), report.complete ? "true" : "false", sync_ms, sync_cpu_ms, direct_cpu_ms,
      t.requests,
      static_cast<long long>(t.bytes_up), static_cast<long long>(t.bytes_down),
      static_cast<double>(t.bytes_up + t.bytes_down) / n, n / (sync_ms / 1000), ingest_ms,
      n / (ingest_ms / 1000), direct_ms, static_cast<double>(xml_bytes) / n,
      static_cast<double>(openrosa_up + openrosa_down) / n, run.final_batch, setup_ms, pg_rate.c_str(),
      phases_json(run).c_str(), link_n, shaped.c_str(), cut.c_str(), entities.c_str(), edits.c_str());
  fs::remove_all(dir);
  return 0;
}
