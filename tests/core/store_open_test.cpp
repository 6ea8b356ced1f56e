// Opening a store: a new file, WAL mode, the schema version, device identity; refusing corrupt,
// foreign and newer databases without touching them.
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "core/store_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::code_of;
using khaosat::test::message_of;
using khaosat::test::ScopedDir;
using khaosat::test::bytes_of;
using khaosat::test::raw_sql;

namespace {



std::string raw_text(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

}  // namespace

TEST_CASE("store open: a new database is WAL, at the latest schema version, with a device id") {
  khaosat::test::StoreFixture f;
  CHECK(raw_text(f.db_path, "PRAGMA journal_mode") == "wal");
  CHECK(raw_text(f.db_path, "PRAGMA user_version") == std::to_string(Store::kSchemaVersion));
  CHECK(raw_text(f.db_path, "PRAGMA application_id") == std::to_string(0x4b485344));
  auto id = f.store->device_id();
  REQUIRE(id.ok());
  CHECK(is_uuid(*id));
  CHECK((*id)[14] == '7');
  CHECK(std::filesystem::is_directory(f.db_path + ".media"));
  // The same id after reopening; enrollment replaces it and it persists.
  std::string first = *id;
  f.reopen();
  CHECK(f.store->device_id().value() == first);
  REQUIRE(f.store->set_device_id("enrolled-device-7").ok());
  f.reopen();
  CHECK(f.store->device_id().value() == "enrolled-device-7");
  CHECK_FALSE(f.store->set_device_id("").ok());
}

TEST_CASE("store open: a missing file is created only when allowed") {
  ScopedDir dir;
  std::string path = (dir.path() / "none.db").string();
  StoreOptions o;
  o.create = false;
  auto s = Store::open(path, o);
  CHECK(code_of(s) == "store.open");
  CHECK(message_of(s).find(path) != std::string::npos);
  o.create = true;
  o.read_only = true;
  CHECK_FALSE(Store::open(path, o).ok());
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("store open: a file that is not a database is refused and left untouched") {
  ScopedDir dir;
  std::string path = dir.write("notes.db", std::string("this is not SQLite\n") + std::string(5000, 'x'));
  std::string before = bytes_of(path);
  auto s = Store::open(path);
  CHECK(code_of(s) == "store.corrupt");
  CHECK(message_of(s).find(path) != std::string::npos);
  CHECK(message_of(s).find("left untouched") != std::string::npos);
  CHECK(bytes_of(path) == before);
  CHECK_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST_CASE("store open: a damaged khaosat database is refused and left byte for byte as it was") {
  khaosat::test::StoreFixture f;
  f.install();
  for (int i = 0; i < 40; ++i) f.finalize(*f.filled("Establishment " + std::to_string(i)));
  f.store.reset();  // checkpoints the WAL into the database file and removes it
  REQUIRE_FALSE(std::filesystem::exists(f.db_path + "-wal"));
  // Overwrite the middle of page 3 onwards (b-tree pages) with garbage, keeping the header.
  std::string bytes = bytes_of(f.db_path);
  REQUIRE(bytes.size() > 4096 * 4);
  for (std::size_t i = 4096 * 2 + 8; i < 4096 * 4; ++i) bytes[i] = static_cast<char>(i * 7);
  { std::ofstream(f.db_path, std::ios::binary | std::ios::trunc) << bytes; }
  auto s = Store::open(f.db_path, f.options());
  CHECK(code_of(s) == "store.corrupt");
  CHECK(message_of(s).find(f.db_path) != std::string::npos);
  CHECK(bytes_of(f.db_path) == bytes);
}

TEST_CASE("store open: a database from a newer khaosat is refused and left untouched") {
  khaosat::test::StoreFixture f;
  f.store.reset();
  // Rollback-journal mode, so that switching it to WAL (a write) before refusing would show.
  raw_sql(f.db_path, "PRAGMA journal_mode = DELETE; PRAGMA user_version = " +
                         std::to_string(Store::kSchemaVersion + 1));
  std::string before = bytes_of(f.db_path);
  auto s = Store::open(f.db_path, f.options());
  CHECK(code_of(s) == "store.newer");
  CHECK(message_of(s).find("newer khaosat") != std::string::npos);
  CHECK(message_of(s).find(f.db_path) != std::string::npos);
  CHECK(bytes_of(f.db_path) == before);
}

TEST_CASE("store open: another application's SQLite database is refused and left untouched") {
  ScopedDir dir;
  std::string path = (dir.path() / "other.db").string();
  raw_sql(path, "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('a');");
  std::string before = bytes_of(path);
  auto s = Store::open(path);
  CHECK(code_of(s) == "store.foreign");
  CHECK(message_of(s).find("not a khaosat device database") != std::string::npos);
  CHECK(bytes_of(path) == before);
}

TEST_CASE("store open: read-only opens read, and refuse every change with a clear error") {
  khaosat::test::StoreFixture f;
  f.install();
  auto sub = f.finalize(*f.filled("Chè Tân Uyên"));
  f.store.reset();
  StoreOptions o = f.options();
  o.read_only = true;
  auto ro = Store::open(f.db_path, o);
  REQUIRE_MESSAGE(ro.ok(), message_of(ro));
  auto got = (*ro)->get_submission(sub.instance_id);
  REQUIRE(got.ok());
  CHECK(got->instance_xml == sub.instance_xml);
  auto w = (*ro)->mark_sent(sub.instance_id);
  CHECK(code_of(w) == "store.readonly");
  CHECK(message_of(w).find(f.db_path) != std::string::npos);
  CHECK(message_of(w).find(sub.instance_id) != std::string::npos);
  auto c = (*ro)->check();
  REQUIRE(c.ok());
  CHECK(c->ok());
}
