// A small SQLite layer for the server's storage (sqlite_storage*.cpp): one connection, statements
// bound by position with variadic bind(), a transaction guard. The device store has its own
// wrapper inside khaosat_core (private there: sync reaches only the core's public headers), with
// a VFS over the core's Env; the server opens its files directly.
//
// Not thread-safe: SqliteStorage serialises every call with its mutex.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "khaosat/core/result.hpp"

namespace khaosat::sync::sql {

using core::Error;
using core::Result;
using core::Status;

class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  Stmt(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(s_); }

  template <class... A>
  Stmt& bind(const A&... args) {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    int i = 0;
    (bind_one(++i, args), ...);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE, or an error code (use Db::error for its message).
  int step() { return sqlite3_step(s_); }
  void reset() { sqlite3_reset(s_); }
  std::string text(int col) const;
  std::int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

 private:
  void bind_one(int i, std::string_view v) { sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  void bind_one(int i, const std::string& v) { bind_one(i, std::string_view(v)); }
  void bind_one(int i, const char* v) { bind_one(i, std::string_view(v)); }
  void bind_one(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void bind_one(int i, int v) { sqlite3_bind_int64(s_, i, v); }
  void bind_one(int i, std::nullopt_t) { sqlite3_bind_null(s_, i); }
  void bind_one(int i, const std::optional<std::string>& v) {
    if (v) bind_one(i, *v);
    else sqlite3_bind_null(s_, i);
  }
  sqlite3* db_;
  sqlite3_stmt* s_;
};

class Db {
 public:
  Db() = default;
  ~Db() {
    cache_.clear();
    sqlite3_close_v2(db_);
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Status open(const std::string& path);
  Status exec(const char* sql, std::string_view what);
  Result<Stmt> prepare(const char* sql, std::string_view what);
  // A statement prepared once per connection, keyed by the SQL text's address (a literal).
  Result<Stmt*> cached(const char* sql, std::string_view what);
  // Resets every cached statement. A statement left on a row keeps its read transaction open:
  // the connection would go on reading an old snapshot (missing other processes' writes) and
  // its next write would fail as busy. SqliteStorage calls this at the end of every call.
  void reset_all() {
    for (auto& [sql, st] : cache_) st->reset();
  }
  // Runs a statement to completion (sync.storage naming `what` when it fails).
  Status run(Stmt& s, std::string_view what);
  Error error(std::string_view what, int rc) const;
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  std::map<const char*, std::unique_ptr<Stmt>> cache_;  // finalized before the connection closes
  sqlite3* db_ = nullptr;
  std::string path_;
};

// BEGIN IMMEDIATE ... COMMIT; rolled back unless commit() succeeded.
class Txn {
 public:
  explicit Txn(Db& db) : db_(db) {}
  ~Txn() { if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr); }
  Txn(const Txn&) = delete;
  Status begin(std::string_view what) {
    if (Status st = db_.exec("BEGIN IMMEDIATE", what); !st) return st;
    open_ = true;
    return core::ok_status();
  }
  Status commit(std::string_view what) {
    if (Status st = db_.exec("COMMIT", what); !st) return st;
    open_ = false;
    return core::ok_status();
  }

 private:
  Db& db_;
  bool open_ = false;
};

}  // namespace khaosat::sync::sql
