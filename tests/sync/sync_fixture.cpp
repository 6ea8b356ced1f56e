// The sync suites' fixture helpers (sync_fixture.hpp).
#include "sync/sync_fixture.hpp"

#include <sqlite3.h>

namespace khaosat::test {

std::string ServerFixture::query(const std::string& sql) {
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
