// Real OS limits: a full disk (RLIMIT_FSIZE in a forked child, SIGXFSZ ignored, so writes fail
// with EFBIG exactly as on a full file system) and a database file the process may not write
// (chmod 0444, and when the suite runs as root, the child drops to 'nobody' so the mode counts).
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/store_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::message_of;

namespace {

// Runs `body` in a forked child that reports lines through a pipe; returns (exit status, text).
template <class F>
std::pair<int, std::string> in_child(F body) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    std::FILE* out = ::fdopen(fds[1], "w");
    int code = body(out);
    std::fflush(out);
    ::_exit(code);
  }
  ::close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), text};
}

}  // namespace

TEST_CASE("store faults: a full disk fails finalize and attachments with a clear error, the database stays whole") {
  khaosat::test::StoreFixture f;
  f.install();
  std::vector<std::string> before;
  for (int i = 0; i < 5; ++i) before.push_back(f.finalize(*f.filled("Before " + std::to_string(i))).instance_id);
  f.store.reset();
  auto [status, report] = in_child([&](std::FILE* out) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{512 * 1024, 512 * 1024};  // no file may grow past 512 KiB
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) return 10;
    auto store = Store::open(f.db_path, f.options());
    if (!store) {
      std::fprintf(out, "open failed: %s\n", store.error().message.c_str());
      return 11;
    }
    auto form = (*store)->load_form("survey");
    if (!form) return 12;
    std::string big(20000, 'x');
    for (int i = 0; i < 1000; ++i) {
      SessionOptions so;
      so.env.uuid = [i] { return "00000000-0000-4000-9000-" + std::to_string(200000000000 + i); };
      auto s = FormSession::start(*form, so);
      if (!s || !(*s)->answer("/data/name", big + std::to_string(i)).ok()) return 13;
      FinalizeRequest req;
      req.session = s->get();
      auto r = (*store)->finalize(req);
      if (!r) {
        std::fprintf(out, "error %s %s\n", r.error().code_name().data(), r.error().message.c_str());
        break;
      }
      std::fprintf(out, "ok %s\n", r->submission.instance_id.c_str());
    }
    // An attachment bigger than the limit: the write itself fails.
    auto draft = (*store)->list_drafts();
    auto s = FormSession::start(*form);
    if (!s || !(*s)->answer("/data/name", "x").ok()) return 14;
    FinalizeRequest req;
    req.session = s->get();
    req.attachments.push_back(AttachmentInput{"big.jpg", "", std::string(600 * 1024, 'p')});
    auto r = (*store)->finalize(req);
    if (r) return 15;
    std::fprintf(out, "attach %s %s\n", r.error().code_name().data(), r.error().message.c_str());
    return 0;
  });
  INFO(report);
  REQUIRE(status == 0);
  std::istringstream lines(report);
  std::vector<std::string> ok_ids;
  std::string line, error_line, attach_line;
  while (std::getline(lines, line)) {
    if (line.rfind("ok ", 0) == 0) ok_ids.push_back(line.substr(3));
    if (line.rfind("error ", 0) == 0) error_line = line;
    if (line.rfind("attach ", 0) == 0) attach_line = line;
  }
  CHECK(ok_ids.size() > 3);  // some fitted before the limit
  // SQLite reports the failed write as a full disk or an I/O error, with the OS's reason when
  // it kept errno, else with "is the storage full?".
  bool coded = error_line.find("error store.full " + f.db_path + ": cannot finalize submission") == 0 ||
               error_line.find("error store.io " + f.db_path + ": cannot finalize submission") == 0;
  CHECK(coded);
  bool explained = error_line.find("File too large") != std::string::npos ||
                   error_line.find("is the storage full?") != std::string::npos;
  CHECK(explained);
  CHECK(attach_line.find("attach store.full") == 0);
  CHECK(attach_line.find(".media/") != std::string::npos);
  CHECK(attach_line.find("File too large") != std::string::npos);

  f.reopen();
  auto c = f.store->check();
  REQUIRE(c.ok());
  std::string problems;
  for (const auto& p : c->problems) problems += p + "\n";
  CHECK_MESSAGE(c->ok(), problems);
  for (const auto& id : before) CHECK(f.store->get_submission(id).ok());
  for (const auto& id : ok_ids) CHECK(f.store->get_submission(id).ok());
  CHECK(c->submissions == static_cast<std::int64_t>(before.size() + ok_ids.size()));
  auto cleaned = f.store->clean_orphans();  // the failed attachment left no temp file behind
  REQUIRE(cleaned.ok());
  CHECK(cleaned->temp_files == 0);
}

TEST_CASE("store faults: a database file that cannot be written is refused for writing, readable read-only") {
  khaosat::test::StoreFixture f;
  f.install();
  auto sub = f.finalize(*f.filled("A"));
  f.store.reset();
  REQUIRE(::chmod(f.db_path.c_str(), 0444) == 0);
  // The folder stays writable (as the app's data folder is): only the file is read-only.
  REQUIRE(::chmod(f.dir.path().c_str(), 0777) == 0);
  auto [status, report] = in_child([&](std::FILE* out) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) return 10;
    auto rw = Store::open(f.db_path, f.options());
    if (rw) return 11;
    std::fprintf(out, "%s|%s\n", rw.error().code_name().data(), rw.error().message.c_str());
    StoreOptions o = f.options();
    o.read_only = true;
    auto ro = Store::open(f.db_path, o);
    if (!ro) {
      std::fprintf(out, "read-only open failed: %s\n", ro.error().message.c_str());
      return 12;
    }
    auto got = (*ro)->get_submission(sub.instance_id);
    if (!got || got->instance_xml != sub.instance_xml) return 13;
    return 0;
  });
  INFO(report);
  CHECK(status == 0);
  CHECK(report.find("store.readonly|" + f.db_path + ": the database file is read-only") == 0);
  REQUIRE(::chmod(f.db_path.c_str(), 0644) == 0);
  f.reopen();
  CHECK(f.store->check()->ok());
}
