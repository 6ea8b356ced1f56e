// The sync suites' fixture helpers (sync_fixture.hpp).
#include "sync/sync_fixture.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "pg_db.hpp"

namespace khaosat::test {

namespace {

std::string pg_base() {
  const char* u = std::getenv("KHAOSAT_TEST_PG_URL");
  return u ? u : "";
}

// The URL of another database on the same server: the path after host:port replaced.
std::string with_database(const std::string& url, const std::string& name) {
  auto slash = url.find('/', url.find("://") + 3);
  auto query = url.find('?');
  std::string base = slash == std::string::npos ? url : url.substr(0, slash);
  return base + "/" + name + (query == std::string::npos ? "" : url.substr(query));
}

void admin(const std::string& sql) {
  sync::pg::Db db;
  auto st = db.open(pg_base());
  REQUIRE_MESSAGE(st.ok(), message_of(st));
  auto r = db.run(sql.c_str(), "test database");
  REQUIRE_MESSAGE(r.ok(), message_of(r));
}

std::string database_name_of(const std::string& url) {
  auto slash = url.find('/', url.find("://") + 3);
  return url.substr(slash + 1, url.find('?') == std::string::npos ? std::string::npos : url.find('?') - slash - 1);
}

}  // namespace

PgDatabase::PgDatabase() {
  if (pg_base().empty()) return;
  static std::atomic<int> counter{0};
  std::string name = "khaosat_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  admin("DROP DATABASE IF EXISTS " + name);
  admin("CREATE DATABASE " + name);
  url = with_database(pg_base(), name);
}

PgDatabase::~PgDatabase() {
  if (url.empty()) return;
  sync::pg::Db db;
  if (db.open(pg_base()).ok())
    (void)db.run(("DROP DATABASE IF EXISTS " + database_name_of(url) + " WITH (FORCE)").c_str(), "test database");
}

std::string ServerFixture::query(const std::string& sql) {
  if (!url.empty()) {
    sync::pg::Db db;
    auto st = db.open(url);
    REQUIRE_MESSAGE(st.ok(), message_of(st));
    auto r = db.exec(sql.c_str(), "test query");
    REQUIRE_MESSAGE(r.ok(), (sql + ": " + message_of(r)));
    std::string out;
    for (int i = 0; i < r->size(); ++i) {
      for (int c = 0; c < r->columns(); ++c) {
        // bytea (the XML, form files) as its bytes, as SQLite gives a TEXT or BLOB column.
        out += r->is_null(i, c) ? "NULL" : r->is_bytea(c) ? r->bytes(i, c) : r->text(i, c);
        out += '|';
      }
      out += '\n';
    }
    return out;
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2((data + "/server.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE_MESSAGE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK, sql);
  std::string out;
  while (sqlite3_step(s) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(s); ++i) {
      const unsigned char* t = sqlite3_column_text(s, i);
      out += t ? reinterpret_cast<const char*>(t) : "NULL";
      out += '|';
    }
    out += '\n';
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

namespace {

nlohmann::json decoded(const std::map<std::string, std::string>& headers, const std::string& body) {
  auto enc = headers.find("content-encoding");
  if (enc == headers.end()) return nlohmann::json::parse(body);
  return nlohmann::json::parse(sync::decode_body(enc->second, body).value());
}

}  // namespace

nlohmann::json body_of(const sync::Response& r) { return decoded(r.headers, r.body); }

nlohmann::json request_body_of(const sync::Request& r) { return decoded(r.headers, r.body); }

sync::Request post(const std::string& path, const std::string& token, const std::string& json_body, bool plain) {
  sync::Request r;
  r.method = "POST";
  r.path = path;
  r.headers["content-type"] = "application/json";
  if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
  if (plain) {
    r.body = json_body;
  } else {
    r.body = sync::gzip(json_body);
    r.headers["content-encoding"] = "gzip";
  }
  return r;
}

}  // namespace khaosat::test
