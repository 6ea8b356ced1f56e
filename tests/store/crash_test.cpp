// khaosat_store_crash_test: the kill -9 suite. Forks a worker (crash_worker.cpp) on one
// database, kills it with SIGKILL at a random moment, and checks what the store promised,
// trial after trial:
//   - PRAGMA integrity_check is ok, every attachment file hashes to its name, the outbox is
//     numbered 1..n with no gap, every submission's XML matches its sha256 and has its outbox
//     entry (Store::check());
//   - every submission whose finalize had returned (the child said so after the call) is present
//     with the same sha256 and attachments; every draft save that returned is there (or its
//     draft was finalized); every registry edit that returned is there;
//   - clean_orphans() then leaves no temporary file of an interrupted write.
// A forked worker rather than a loop of `khaosat data add` (which store.data_cli also kills):
// one process doing hundreds of commits a second means the random kills land inside commits,
// fsyncs and renames, not in process start-up and form loading; it also edits, attaches and
// writes registries. Forked without exec, so no trial pays for loading a (sanitized) binary.
//
// usage: khaosat_store_crash_test [--trials N] [--seed S] [--series N]
//   trials: 200 by default, or $KHAOSAT_CRASH_TRIALS; series: trials per fresh database (25).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "khaosat/core/store.hpp"
#include "store/crash_worker.hpp"
#include "store/store_fixture.hpp"
#include "store/store_impl.hpp"

using namespace khaosat::core;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Expected {
  std::map<std::string, std::pair<std::string, std::string>> finalized;  // id -> (sha, attachments)
  std::set<std::string> finalized_drafts;
  std::map<std::string, int> drafts;                              // draft -> saves
  std::map<std::pair<std::string, std::string>, int> records;     // (id, key) -> round
};

int failures = 0;
void fail(int trial, const std::string& what) {
  std::fprintf(stderr, "trial %d: %s\n", trial, what.c_str());
  ++failures;
}

struct Child {
  pid_t pid = -1;
  int out = -1;
  std::string buffer;
};

Child spawn(const std::string& db, std::uint64_t seed, const std::string& err) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) std::abort();
  std::fflush(nullptr);
  Child c;
  c.pid = ::fork();
  if (c.pid == 0) {
    ::close(fds[0]);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (e >= 0) ::dup2(e, 2);
    ::_exit(khaosat::test::run_crash_worker(db, seed, fds[1]));
  }
  ::close(fds[1]);
  c.out = fds[0];
  return c;
}

// Reads what is available (waiting up to `ms`); false at end of file.
bool pump(Child& c, int ms) {
  pollfd p{c.out, POLLIN, 0};
  if (::poll(&p, 1, ms) <= 0) return true;
  char buf[8192];
  ssize_t n = ::read(c.out, buf, sizeof buf);
  if (n <= 0) return false;
  c.buffer.append(buf, static_cast<std::size_t>(n));
  return true;
}

// Applies the complete lines of the child's report to the expectations.
void absorb(const std::string& text, Expected& x) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline: cut off by the kill, not a promise
    std::istringstream l(line);
    std::string tag;
    l >> tag;
    if (tag == "D") {
      std::string id;
      int saves = 0;
      l >> id >> saves;
      x.drafts[id] = saves;
    } else if (tag == "F") {
      std::string id, sha, draft, att, all;
      l >> id >> sha >> draft;
      while (l >> att) all += att + " ";
      x.finalized[id] = {sha, all};
      x.finalized_drafts.insert(draft);
    } else if (tag == "R") {
      std::string id, key;
      int round = 0;
      l >> id >> key >> round;
      x.records[{id, key}] = round;
    }
  }
}

void verify(int trial, const std::string& db, const Expected& x) {
  auto opened = Store::open(db);
  if (!opened) return fail(trial, "open after kill: " + opened.error().message);
  Store& s = **opened;
  auto report = s.check();
  if (!report) return fail(trial, "check: " + report.error().message);
  for (const auto& p : report->problems) fail(trial, "check: " + p);
  std::int64_t promised = static_cast<std::int64_t>(x.finalized.size());
  if (report->submissions < promised)
    fail(trial, std::to_string(report->submissions) + " submissions, " + std::to_string(promised) + " promised");
  // Each finalize and each (record, field) edit that returned made at least one entry.
  if (report->outbox < promised + static_cast<std::int64_t>(x.records.size()))
    fail(trial, "the outbox has " + std::to_string(report->outbox) +
                    " entries, fewer than the changes that returned");
  for (const auto& [id, expect] : x.finalized) {
    auto sub = s.get_submission(id);
    if (!sub) {
      fail(trial, "finalized submission lost: " + id + ": " + sub.error().message);
      continue;
    }
    if (sub->sha256 != expect.first || sha256_hex(sub->instance_xml) != expect.first)
      fail(trial, "submission " + id + " is not byte-identical to what finalize returned");
    std::string atts;
    for (const auto& [name, sha] : sub->attachments) atts += name + "=" + sha + " ";
    if (atts != expect.second) fail(trial, "submission " + id + " attachments: " + atts + " != " + expect.second);
  }
  for (const auto& [id, saves] : x.drafts) {
    if (x.finalized_drafts.count(id)) continue;
    auto d = s.get_draft(id);
    if (!d) {
      // Finalized after its last report? Then a submission came from it; the F line may have
      // been cut by the kill. A draft is deleted only by finalize in the same transaction.
      auto subs = s.list_submissions();
      bool finalized_unreported = subs && static_cast<std::int64_t>(subs->size()) > promised;
      if (!finalized_unreported) fail(trial, "draft lost: " + id);
      continue;
    }
    if (d->saves < saves) fail(trial, "draft " + id + " lost saves: " + std::to_string(d->saves));
  }
  for (const auto& [key, round] : x.records) {
    auto r = s.get_record(key.first);
    if (!r) {
      fail(trial, "registry record lost: " + key.first);
      continue;
    }
    bool found = false;
    for (const auto& [k, p] : r->properties)
      if (k == key.second) {
        found = true;
        int got = std::atoi(p.value.substr(p.value.rfind(' ') + 1).c_str());
        if (got < round) fail(trial, "registry edit lost: " + key.first + " " + key.second);
      }
    if (!found) fail(trial, "registry property lost: " + key.first + " " + key.second);
  }
  auto cleaned = s.clean_orphans();
  if (!cleaned) return fail(trial, "clean_orphans: " + cleaned.error().message);
  for (const auto& e : fs::directory_iterator(s.media_dir()))
    if (e.path().filename().string().starts_with(".tmp-"))
      fail(trial, "temporary file left after cleanup: " + e.path().string());
}

}  // namespace

int main(int argc, char** argv) {
  int trials = 200, series = 25;
  if (const char* env = std::getenv("KHAOSAT_CRASH_TRIALS")) trials = std::atoi(env);
  std::uint64_t seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--trials") trials = std::atoi(argv[i + 1]);
    else if (a == "--seed") seed = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--series") series = std::atoi(argv[i + 1]);
  }
  std::printf("kill -9 suite: %d trials, seed %llu (rerun with --seed)\n", trials,
              static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  fs::path root = fs::temp_directory_path() / ("khaosat_crash_" + std::to_string(::getpid()));
  auto t0 = Clock::now();
  int early = 0, after_finalize = 0;
  std::size_t total_finalized = 0;
  std::string db;
  Expected x;
  int run = 0;
  for (int trial = 0; trial < trials && failures == 0; ++trial, ++run) {
    if (trial % series == 0) {  // a fresh database, so verification stays quick
      total_finalized += x.finalized.size();
      x = Expected{};
      fs::path dir = root / ("series" + std::to_string(trial / series));
      fs::create_directories(dir);
      db = (dir / "device.db").string();
      std::string form = (dir / "survey.xml").string();
      std::FILE* f = std::fopen(form.c_str(), "w");
      std::string xml = khaosat::test::survey_form_xml();
      std::fwrite(xml.data(), 1, xml.size(), f);
      std::fclose(f);
      auto s = Store::open(db);
      if (!s || !(*s)->install_form(form)) {
        std::fprintf(stderr, "cannot set up %s\n", db.c_str());
        return 1;
      }
    }
    std::string err = db + ".child-stderr";
    Child c = spawn(db, rng(), err);
    bool kill_early = rng() % 100 < 15;
    auto start = Clock::now();
    if (kill_early) {
      ++early;
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 20000));
    } else {
      while (c.buffer.find("ready\n") == std::string::npos &&
             Clock::now() - start < std::chrono::seconds(20))
        if (!pump(c, 50)) break;
      auto until = Clock::now() + std::chrono::microseconds(rng() % 80000);
      while (Clock::now() < until) pump(c, 1);
    }
    ::kill(c.pid, SIGKILL);
    while (pump(c, 1000)) {
    }
    ::close(c.out);
    int status = 0;
    ::waitpid(c.pid, &status, 0);
    if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
      std::ifstream in(err);
      std::string e((std::istreambuf_iterator<char>(in)), {});
      fail(trial, "the child ended by itself (status " + std::to_string(status) + "): " + e);
    }
    std::size_t before = x.finalized.size();
    absorb(c.buffer, x);
    if (x.finalized.size() > before) ++after_finalize;
    verify(trial, db, x);
  }
  total_finalized += x.finalized.size();
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("%d trials in %.1f s (%d killed during start-up, %d after finalizing); %zu finalizes "
              "confirmed and found whole; %s\n",
              run, secs, early, after_finalize, total_finalized,
              failures ? "FAILURES above" : "no failure");
  std::error_code ec;
  if (failures == 0) fs::remove_all(root, ec);
  else std::fprintf(stderr, "databases kept in %s\n", root.c_str());
  return failures ? 1 : 0;
}
