// The store suites' doctest fixture: a temporary directory with the survey form written to it,
// and a Store opened on a database file there with a fake clock and fake randomness.
#pragma once

#include <doctest/doctest.h>

#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "khaosat/core/store.hpp"
#include "store/store_fixture.hpp"
#include "support/scoped_dir.hpp"

namespace khaosat::test {

struct StoreFixture {
  ScopedDir dir;
  FakeEnv fake;
  std::string db_path = (dir.path() / "device.db").string();
  std::string form_path = dir.write("survey.xml", survey_form_xml());
  std::unique_ptr<core::Store> store;

  StoreFixture() { reopen(); }

  core::StoreOptions options() const {
    core::StoreOptions o;
    o.env = fake.env();
    o.actor = "tester";
    return o;
  }
  void reopen() {
    store.reset();
    auto s = core::Store::open(db_path, options());
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
    store = std::move(s.value());
  }
  core::FormRecord install() {
    auto f = store->install_form(form_path);
    REQUIRE_MESSAGE(f.ok(), (f.ok() ? "" : f.error().message));
    return *f;
  }
  // A session of the installed survey form, with a fixed uuid sequence for instance ids.
  std::unique_ptr<core::FormSession> session() {
    auto form = store->load_form("survey");
    REQUIRE_MESSAGE(form.ok(), (form.ok() ? "" : form.error().message));
    core::SessionOptions so;
    so.env.uuid = [this] { return "00000000-0000-4000-8000-" + std::to_string(100000000000 + next_uuid_++); };
    auto s = core::FormSession::start(*form, so);
    REQUIRE(s.ok());
    return std::move(s.value());
  }
  std::unique_ptr<core::FormSession> filled(const std::string& name, const std::string& age = "12") {
    auto s = session();
    REQUIRE(s->answer("/data/name", name).ok());
    REQUIRE(s->answer("/data/age", age).ok());
    return s;
  }
  // Instance ids from session() continue from `n` (two fixtures in one test must not share ids).
  void set_next_uuid(long long n) { next_uuid_ = n; }
  core::SubmissionRecord finalize(core::FormSession& s, const std::string& draft_id = "") {
    core::FinalizeRequest req;
    req.session = &s;
    req.draft_id = draft_id;
    auto out = store->finalize(req);
    REQUIRE_MESSAGE(out.ok(), (out.ok() ? "" : out.error().message));
    REQUIRE(out->finalized);
    return out->submission;
  }

 private:
  long long next_uuid_ = 1;
};

template <class T>
std::string message_of(const core::Result<T>& r) {
  return r.ok() ? std::string("(ok)") : r.error().message;
}
template <class T>
std::string code_of(const core::Result<T>& r) {
  return r.ok() ? std::string("(ok)") : std::string(r.error().code_name());
}

// The bytes of a file (for "nothing was written" checks).
inline std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs SQL on a database with plain SQLite (not through the Store): damage, downgrade, inspect.
inline void raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string message = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE_MESSAGE(rc == SQLITE_OK, sql << ": " << message);
}

}  // namespace khaosat::test
