// A small libpq layer for the server's PostgreSQL storage (pg_storage*.cpp): one connection,
// statements run with positional parameters ($1, $2, ...), results read by row and column, a
// transaction guard. Errors are sync.storage naming what failed and the server's own message;
// sync.database when the server cannot be reached or the URL is wrong.
//
// Not thread-safe: PgStorage serialises every call on a connection with its mutex.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "khaosat/core/result.hpp"

namespace khaosat::sync::pg {

using core::Error;
using core::Result;
using core::Status;

// One parameter: text (or NULL), or raw bytes sent in binary form (bytea columns).
struct Param {
  std::string value;
  bool null = false, binary = false;
  Param(std::string_view v) : value(v) {}  // NOLINT: implicit on purpose (exec's arguments)
  Param(const std::string& v) : value(v) {}  // NOLINT
  Param(const char* v) : value(v) {}  // NOLINT
  Param(std::int64_t v) : value(std::to_string(v)) {}  // NOLINT
  Param(int v) : value(std::to_string(v)) {}  // NOLINT
  Param(std::nullopt_t) : null(true) {}  // NOLINT
  Param(const std::optional<std::string>& v) : value(v.value_or("")), null(!v) {}  // NOLINT
};
inline Param bytes(std::string_view b) {
  Param p(b);
  p.binary = true;
  return p;
}

class Rows {
 public:
  static constexpr Oid kByteaOid = 17;  // pg_type.oid of bytea (catalog/pg_type_d.h, a server header)
  explicit Rows(PGresult* r) : r_(r, PQclear) {}
  int size() const { return PQntuples(r_.get()); }
  bool empty() const { return size() == 0; }
  int columns() const { return PQnfields(r_.get()); }
  std::string text(int row, int col) const {
    return std::string(PQgetvalue(r_.get(), row, col), static_cast<std::size_t>(PQgetlength(r_.get(), row, col)));
  }
  std::int64_t integer(int row, int col) const;
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  // A bytea column (text form "\x...") as its raw bytes.
  std::string bytes(int row, int col) const;
  // Whether column `col` is a bytea column (its text() is the hex form, bytes() its bytes).
  bool is_bytea(int col) const { return PQftype(r_.get(), col) == kByteaOid; }
  // Rows changed by an INSERT/UPDATE/DELETE.
  std::int64_t affected() const;

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
};

class Db {
 public:
  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Connects (sync.database naming the URL without its password and the server's reason).
  Status open(const std::string& url);
  Result<Rows> exec(const char* sql, std::string_view what, const std::vector<Param>& params = {});
  Status run(const char* sql, std::string_view what, const std::vector<Param>& params = {}) {
    auto r = exec(sql, what, params);
    return r ? core::ok_status() : Status(r.error());
  }
  // The SQLSTATE of the last failed statement ("" when it succeeded): 40001 and 40P01 are retried.
  const std::string& last_state() const { return state_; }
  bool retryable() const { return state_ == "40001" || state_ == "40P01"; }
  // The URL without its password: what messages name.
  const std::string& where() const { return where_; }
  PGconn* handle() const { return conn_.get(); }

 private:
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn_{nullptr, PQfinish};
  std::string where_, state_;
};

// A URL with its password replaced by "***" (for messages and logs).
std::string redact(const std::string& url);

// BEGIN ... COMMIT; rolled back unless commit() succeeded.
class Txn {
 public:
  explicit Txn(Db& db) : db_(db) {}
  ~Txn() {
    if (open_) PQclear(PQexec(db_.handle(), "ROLLBACK"));
  }
  Txn(const Txn&) = delete;
  Status begin(std::string_view what, const char* sql = "BEGIN") {
    if (Status st = db_.run(sql, what); !st) return st;
    open_ = true;
    return core::ok_status();
  }
  Status commit(std::string_view what) {
    open_ = false;
    return db_.run("COMMIT", what);
  }

 private:
  Db& db_;
  bool open_ = false;
};

}  // namespace khaosat::sync::pg
