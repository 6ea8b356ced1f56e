// The server's SQLite layer (sqlite_db.hpp).
#include "sqlite_db.hpp"

namespace khaosat::sync::sql {

using core::ErrorCode;

std::string Stmt::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
}

Error Db::error(std::string_view what, int rc) const {
  std::string msg = path_ + ": " + std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
  ErrorCode code = (rc & 0xff) == SQLITE_BUSY ? ErrorCode::store_busy : ErrorCode::sync_storage;
  return Error::make(code, msg);
}

Status Db::open(const std::string& path) {
  path_ = path;
  int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) return error("cannot open the server database", rc);
  sqlite3_busy_timeout(db_, 5000);
  sqlite3_extended_result_codes(db_, 1);
  return core::ok_status();
}

Status Db::exec(const char* sql, std::string_view what) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(what, rc);
  return core::ok_status();
}

Result<Stmt> Db::prepare(const char* sql, std::string_view what) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) return error(what, rc);
  return Stmt(db_, s);
}

Result<Stmt*> Db::cached(const char* sql, std::string_view what) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return it->second.get();
  auto s = prepare(sql, what);
  if (!s) return s.error();
  auto* p = new Stmt(std::move(s).value());
  cache_.emplace(sql, std::unique_ptr<Stmt>(p));
  return p;
}

Status Db::run(Stmt& s, std::string_view what) {
  int rc = s.step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return error(what, rc);
  return core::ok_status();
}

}  // namespace khaosat::sync::sql
