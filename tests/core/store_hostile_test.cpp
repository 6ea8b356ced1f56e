// The store against hostile files and concurrent use (issue 9): processes racing to create one
// new database, refusals that must not write one byte, a schema that lost a table or a column,
// stored instances that are not well-formed XML, two attachments under one name.
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/store_fixture.hpp"
#include "store/sqlite.hpp"
#include "store/store_impl.hpp"

using namespace khaosat::core;
using khaosat::test::code_of;
using khaosat::test::message_of;
using khaosat::test::ScopedDir;
using khaosat::test::bytes_of;
using khaosat::test::raw_sql;
namespace fs = std::filesystem;

namespace {



std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// Forks `n` children that wait at a common start line, then each runs `body` and writes one line
// to its pipe; returns each child's (exit status, line).
template <class F>
std::vector<std::pair<int, std::string>> race(int n, F body) {
  int gate[2];
  REQUIRE(::pipe(gate) == 0);
  std::vector<std::pair<pid_t, int>> kids;
  for (int i = 0; i < n; ++i) {
    int out[2];
    REQUIRE(::pipe(out) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid != -1);
    if (pid == 0) {
      ::close(gate[1]);
      ::close(out[0]);
      char c;
      (void)!::read(gate[0], &c, 1);  // returns when the parent closes the gate
      std::string line;
      int code = body(line);
      (void)!::write(out[1], line.data(), line.size());
      ::_exit(code);
    }
    ::close(out[1]);
    kids.emplace_back(pid, out[0]);
  }
  ::close(gate[0]);
  ::close(gate[1]);  // everyone starts
  std::vector<std::pair<int, std::string>> results;
  for (auto [pid, fd] : kids) {
    std::string text;
    char buf[4096];
    for (ssize_t k; (k = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(k));
    ::close(fd);
    int status = 0;
    ::waitpid(pid, &status, 0);
    results.emplace_back(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), text);
  }
  return results;
}

}  // namespace

TEST_CASE("store hostile: processes creating the same new database at once all open it, with one device id") {
  int failures = 0;
  const int trials = 30;
  for (int t = 0; t < trials; ++t) {
    ScopedDir dir;
    std::string path = (dir.path() / "new.db").string();
    auto results = race(3, [&](std::string& line) {
      auto s = Store::open(path);
      if (!s) {
        line = s.error().message;
        return 1;
      }
      line = (*s)->device_id().value();
      return 0;
    });
    std::set<std::string> ids;
    for (const auto& [status, line] : results) {
      CHECK_MESSAGE(status == 0, "trial " << t << ": " << line);
      if (status != 0) ++failures;
      else ids.insert(line);
    }
    CHECK_MESSAGE(ids.size() == 1, "trial " << t << ": device ids " << ids.size());
    auto s = Store::open(path);
    REQUIRE_MESSAGE(s.ok(), message_of(s));
    CHECK((*s)->device_id().value() == *ids.begin());
    auto c = (*s)->check();
    REQUIRE(c.ok());
    CHECK_MESSAGE(c->ok(), joined(c->problems));
  }
  MESSAGE(trials << " trials of 3 processes: " << failures << " opens failed");
}

TEST_CASE("store hostile: every refusal comes before the first write, the file stays byte for byte") {
  struct Case {
    const char* name;
    std::string code;
    std::string message;  // a part of the message
  };
  // Each case starts from a whole database in rollback-journal mode (so that a switch to WAL,
  // the first thing opening for writing does, would show in the bytes) and damages it.
  auto make = [](const std::string& path, const std::string& damage) {
    {
      auto s = Store::open(path);
      REQUIRE_MESSAGE(s.ok(), message_of(s));
    }
    raw_sql(path, "PRAGMA journal_mode = DELETE;" + damage);
  };
  struct Damage {
    Case c;
    std::string sql;
  };
  std::vector<Damage> damages = {
      {{"foreign", "store.foreign", "not a khaosat device database"}, "PRAGMA application_id = 7"},
      {{"newer", "store.newer", "newer khaosat"}, "PRAGMA user_version = 99"},
      {{"negative version", "store.corrupt", "which no khaosat made"}, "PRAGMA user_version = -1"},
      {{"dropped table", "store.corrupt", "table 'audit' is missing"}, "DROP TABLE audit"},
      {{"dropped index", "store.corrupt", "index 'drafts_by_form' is missing"},
       "DROP INDEX drafts_by_form"},
      {{"changed table", "store.corrupt",
        "table 'sync_state' is not as schema version " + std::to_string(Store::kSchemaVersion) + " defines it"},
       "DROP TABLE sync_state; CREATE TABLE sync_state (key TEXT PRIMARY KEY)"},
      {{"old version, missing table", "store.corrupt", "not what its version (1) defines: table 'outbox' is missing"},
       "DROP TABLE audit; DROP TABLE outbox; PRAGMA user_version = 1"},
  };
  for (const auto& d : damages) {
    INFO(std::string(d.c.name));
    ScopedDir dir;
    std::string path = (dir.path() / "d.db").string();
    make(path, d.sql);
    std::string before = bytes_of(path);
    auto s = Store::open(path);
    CHECK(code_of(s) == d.c.code);
    CHECK_MESSAGE(message_of(s).find(d.c.message) != std::string::npos, message_of(s));
    CHECK(message_of(s).find(path) != std::string::npos);
    CHECK(bytes_of(path) == before);
    CHECK_FALSE(fs::exists(path + "-wal"));
    CHECK_FALSE(fs::exists(path + "-journal"));
  }

  SUBCASE("khaosat's header, version 2, no tables") {
    ScopedDir dir;
    std::string path = (dir.path() / "empty.db").string();
    raw_sql(path, "PRAGMA application_id = 1263031108; PRAGMA user_version = 2;");
    std::string before = bytes_of(path);
    auto s = Store::open(path);
    CHECK(code_of(s) == "store.corrupt");
    CHECK_MESSAGE(message_of(s).find("table 'forms' is missing") != std::string::npos, message_of(s));
    CHECK(message_of(s).find("left untouched") != std::string::npos);
    CHECK(bytes_of(path) == before);
    CHECK_FALSE(fs::exists(path + "-wal"));
  }

  SUBCASE("a corrupt file") {
    ScopedDir dir;
    std::string path = (dir.path() / "junk.db").string();
    {
      std::ofstream out(path, std::ios::binary);
      out << "SQLite format 3" << '\0' << std::string(8000, '\x5a');
    }
    std::string before = bytes_of(path);
    auto s = Store::open(path);
    CHECK(code_of(s) == "store.corrupt");
    CHECK(bytes_of(path) == before);
    CHECK_FALSE(fs::exists(path + "-wal"));
  }

  SUBCASE("a read-only file and a read-only folder, as an unprivileged user") {
    ScopedDir dir;
    fs::path sub = dir.path() / "data";
    fs::create_directory(sub);
    std::string path = (sub / "d.db").string();
    make(path, "");
    std::string before = bytes_of(path);
    REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
    for (const char* which : {"file", "folder"}) {
      CAPTURE(which);
      bool file = std::string(which) == "file";
      REQUIRE(::chmod(path.c_str(), file ? 0444 : 0666) == 0);
      REQUIRE(::chmod(sub.c_str(), file ? 0777 : 0555) == 0);
      auto results = race(1, [&](std::string& line) {
        if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) return 10;
        auto s = Store::open(path);
        if (s) return 11;
        line = std::string(s.error().code_name()) + "|" + s.error().message;
        return 0;
      });
      REQUIRE(results[0].first == 0);
      const std::string& line = results[0].second;
      CHECK(line.find("store.readonly|") == 0);
      if (file) {
        CHECK(line.find("the database file is read-only") != std::string::npos);
      } else {
        CHECK_MESSAGE(line.find(sub.string() + ": the folder of the database " + path +
                                " is not writable") != std::string::npos,
                      line);
        CHECK(line.find(path + "-wal") != std::string::npos);
        CHECK(line.find("readonly database") == std::string::npos);
      }
      CHECK(bytes_of(path) == before);
      CHECK_FALSE(fs::exists(path + "-wal"));
    }
    REQUIRE(::chmod(sub.c_str(), 0755) == 0);
  }
}

TEST_CASE("store hostile: check reports every table, index and column the schema lost, read-only") {
  khaosat::test::StoreFixture f;
  f.install();
  f.finalize(*f.filled("A"));
  f.store.reset();
  raw_sql(f.db_path, "DROP TABLE audit; DROP INDEX submissions_by_form; DROP INDEX registry_by_name; "
                     "ALTER TABLE registry_records DROP COLUMN name_folded");
  StoreOptions o = f.options();
  o.read_only = true;
  auto s = Store::open(f.db_path, o);
  REQUIRE_MESSAGE(s.ok(), message_of(s));
  auto c = (*s)->check();
  REQUIRE(c.ok());
  std::string all = joined(c->problems);
  CHECK_FALSE(c->ok());
  CHECK_MESSAGE(all.find("schema: table 'audit' is missing") != std::string::npos, all);
  CHECK(all.find("schema: index 'audit_by_subject' is missing") != std::string::npos);
  CHECK(all.find("schema: index 'submissions_by_form' is missing") != std::string::npos);
  CHECK(all.find("schema: index 'registry_by_name' is missing") != std::string::npos);
  CHECK(all.find("schema: table 'registry_records' is not as schema version " +
                 std::to_string(Store::kSchemaVersion) + " defines it") !=
        std::string::npos);
  // And the data is still there to read.
  CHECK((*s)->list_submissions().value().size() == 1);
  s->reset();
  // Even with the sync state (the device id) gone.
  raw_sql(f.db_path, "DROP TABLE sync_state");
  auto again = Store::open(f.db_path, o);
  REQUIRE_MESSAGE(again.ok(), message_of(again));
  auto c2 = (*again)->check();
  REQUIRE(c2.ok());
  CHECK(joined(c2->problems).find("schema: table 'sync_state' is missing") != std::string::npos);
}

TEST_CASE("store hostile: check reports stored instances that are not well-formed XML, by id") {
  khaosat::test::StoreFixture f;
  f.install();
  auto sub = f.finalize(*f.filled("A"));
  DraftSave save;
  auto session = f.filled("B");
  save.session = session.get();
  auto draft = f.store->save_draft(save);
  REQUIRE(draft.ok());
  std::string draft_xml = f.store->get_draft(*draft).value().instance_xml;
  REQUIRE(draft_xml.find("<name>B</name>") != std::string::npos);
  f.store.reset();
  // As an older khaosat could store them: a control character, a reference to one, bad UTF-8;
  // the hash made to match, so that only the XML check can see it.
  struct Bad {
    std::string text, found;
  };
  for (const Bad& bad : {Bad{"ctl\x01\x08\x1b", "U+0001 is not allowed in XML 1.0"},
                         Bad{"ref &#x1b;", "the character reference to U+001B is not allowed"},
                         Bad{"utf8 \xff", "invalid UTF-8 byte 0xFF"},
                         Bad{"<b>", "its XML is not well-formed: "}}) {
    CAPTURE(bad.found);
    std::string xml = sub.instance_xml;
    auto at = xml.find("<name>A</name>");
    REQUIRE(at != std::string::npos);
    xml.replace(at, 14, "<name>" + bad.text + "</name>");
    {
      store::Db db;
      REQUIRE(db.open(f.db_path, SQLITE_OPEN_READWRITE).ok());
      auto u = db.prepare("UPDATE submission_content SET instance_xml = ?1 WHERE instance_id = ?2", "t");
      REQUIRE(u.ok());
      u->bind(1, xml);
      u->bind(2, sub.instance_id);
      REQUIRE(u->step() == SQLITE_DONE);
      auto h = db.prepare("UPDATE submissions SET sha256 = ?1 WHERE instance_id = ?2", "t");
      REQUIRE(h.ok());
      h->bind(1, sha256_hex(xml));
      h->bind(2, sub.instance_id);
      REQUIRE(h->step() == SQLITE_DONE);
      std::string dxml = draft_xml;
      dxml.replace(dxml.find("<name>B</name>"), 14, "<name>" + bad.text + "</name>");
      auto d = db.prepare("UPDATE drafts SET instance_xml = ?1", "t");
      REQUIRE(d.ok());
      d->bind(1, dxml);
      REQUIRE(d->step() == SQLITE_DONE);
    }
    f.reopen();
    auto c = f.store->check();
    REQUIRE(c.ok());
    std::string all = joined(c->problems);
    CHECK_MESSAGE(all.find("submission " + sub.instance_id + ": its XML is not well-formed") !=
                      std::string::npos, all);
    CHECK_MESSAGE(all.find("draft " + *draft + " (instance ") != std::string::npos, all);
    CHECK(all.find(bad.found) != std::string::npos);
    f.store.reset();
  }
}

TEST_CASE("store hostile: two attachments with one name in a finalize are refused, naming both") {
  khaosat::test::StoreFixture f;
  f.install();
  auto s = f.filled("A");
  FinalizeRequest req;
  req.session = s.get();
  std::string a = f.dir.write("a-photo.jpg", "first");
  req.attachments = {{"photo.jpg", a, ""}, {"photo.jpg", "", "second"}};
  auto out = f.store->finalize(req);
  CHECK(code_of(out) == "store.invalid");
  CHECK_MESSAGE(message_of(out).find("two attachments are named 'photo.jpg' ('" + a +
                                     "' and bytes given in memory)") != std::string::npos,
                message_of(out));
  CHECK(f.store->list_submissions().value().empty());
  // Distinct names: both kept.
  req.attachments = {{"photo.jpg", a, ""}, {"photo2.jpg", "", "second"}};
  auto ok = f.store->finalize(req);
  REQUIRE_MESSAGE(ok.ok(), message_of(ok));
  REQUIRE(ok->finalized);
  auto got = f.store->get_submission(ok->submission.instance_id);
  REQUIRE(got.ok());
  CHECK(got->attachments.size() == 2);
}
