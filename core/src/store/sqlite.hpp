// A thin RAII layer over the SQLite C API for the device store: a connection (Db), prepared
// statements with a per-connection cache (Stmt, Db::prepare_cached), and transactions (Txn).
//
// Every failure becomes an Error whose message names the database file and what was being done
// ("device.db: cannot save draft 'x': database or disk is full"). No exceptions. Not thread-safe:
// one Db belongs to one Store, used from one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/sqlite_vfs.hpp"
#include "khaosat/core/env.hpp"
#include "khaosat/core/result.hpp"

namespace khaosat::core::store {

class Db;

// A prepared statement. Binding is 1-based, as in SQLite. A Stmt obtained from
// Db::prepare_cached() is reset (bindings cleared) when its Use guard goes out of scope.
class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  ~Stmt();
  Stmt(Stmt&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  void bind(int i, std::string_view text);
  void bind(int i, std::int64_t v);
  void bind_null(int i);
  void bind_optional(int i, const std::optional<std::string>& v);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  void reset();

  std::string text(int col) const;
  std::optional<std::string> optional_text(int col) const;
  std::int64_t integer(int col) const;
  bool is_null(int col) const;
  sqlite3_stmt* raw() const { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

class Db {
 public:
  Db() = default;
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Opens `path` with SQLite's flags (SQLITE_OPEN_READONLY / READWRITE | CREATE) through a VFS
  // over `env` (store/sqlite_vfs.hpp), which must outlive the Db. No statement runs, so nothing
  // is written.
  Status open(const std::string& path, int flags, Env& env = Env::default_env());
  void close();
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

  // Runs one or more statements without results.
  Status exec(std::string_view sql, std::string_view what);
  Result<Stmt> prepare(std::string_view sql, std::string_view what);
  // A statement prepared once per connection and reused: the returned pointer stays valid
  // until close(). Call reset() (or use Reset) when done with it.
  Result<Stmt*> prepare_cached(const char* sql, std::string_view what);

  // An Error for the last failing call: "<file>: <what>: <sqlite message>", code "store.io",
  // "store.full", "store.readonly", "store.corrupt" or "store.busy" by SQLite's result code.
  Error error(std::string_view what, int rc) const;
  // Runs `sql` expecting one integer row.
  Result<std::int64_t> query_int(std::string_view sql, std::string_view what);

 private:
  std::unique_ptr<base::EnvVfs> vfs_;  // destroyed after the connection (close())
  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<const char*, std::unique_ptr<Stmt>> cache_;
};

// Resets a cached statement when the scope ends, so it never holds a read transaction open.
class Reset {
 public:
  explicit Reset(Stmt* s) : s_(s) {}
  ~Reset() { if (s_) s_->reset(); }
  Reset(const Reset&) = delete;
  Reset& operator=(const Reset&) = delete;

 private:
  Stmt* s_;
};

// BEGIN IMMEDIATE ... COMMIT; rolled back by the destructor unless commit() succeeded.
// IMMEDIATE takes the write lock up front, so a busy database fails at begin, not mid-change.
class Txn {
 public:
  explicit Txn(Db& db) : db_(db) {}
  ~Txn();
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  Status begin(std::string_view what);
  Status commit(std::string_view what);

 private:
  Db& db_;
  bool open_ = false;
};

}  // namespace khaosat::core::store
