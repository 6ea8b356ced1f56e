#include "store/sqlite.hpp"

#include <cerrno>
#include <cstring>

namespace khaosat::core::store {

Stmt::~Stmt() {
  if (s_) sqlite3_finalize(s_);
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (s_) sqlite3_finalize(s_);
    s_ = o.s_;
    o.s_ = nullptr;
  }
  return *this;
}

void Stmt::bind(int i, std::string_view text) {
  sqlite3_bind_text(s_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}
void Stmt::bind(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
void Stmt::bind_null(int i) { sqlite3_bind_null(s_, i); }
void Stmt::bind_optional(int i, const std::optional<std::string>& v) {
  if (v) bind(i, *v);
  else bind_null(i);
}
int Stmt::step() { return sqlite3_step(s_); }
void Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::string Stmt::text(int col) const {
  const unsigned char* p = sqlite3_column_text(s_, col);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(s_, col)));
}
std::optional<std::string> Stmt::optional_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}
std::int64_t Stmt::integer(int col) const { return sqlite3_column_int64(s_, col); }
bool Stmt::is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

Db::~Db() { close(); }

Status Db::open(const std::string& path, int flags, Env& env) {
  close();
  path_ = path;
  vfs_ = std::make_unique<base::EnvVfs>(env);
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, vfs_->name());
  if (rc != SQLITE_OK) {
    Error e = error("cannot open the database", rc);
    close();
    return e;
  }
  sqlite3_extended_result_codes(db_, 1);
  // Another process (the CLI beside the app) may hold the write lock briefly.
  sqlite3_busy_timeout(db_, 5000);
  return ok_status();
}

void Db::close() {
  cache_.clear();  // finalize statements before the connection
  // A statement still open elsewhere keeps the connection (and its files) alive after
  // close_v2: the VFS must then stay registered, so it is left behind.
  if (db_ && sqlite3_close(db_) != SQLITE_OK) {
    sqlite3_close_v2(db_);
    (void)vfs_.release();
  }
  db_ = nullptr;
  vfs_.reset();
}

Error Db::error(std::string_view what, int rc) const {
  int primary = rc & 0xff;
  ErrorCode code = ErrorCode::store_io;
  if (primary == SQLITE_FULL) code = ErrorCode::store_full;
  else if (primary == SQLITE_READONLY) code = ErrorCode::store_readonly;
  else if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) code = ErrorCode::store_corrupt;
  else if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) code = ErrorCode::store_busy;
  else if (primary == SQLITE_CONSTRAINT) code = ErrorCode::store_constraint;
  else if (primary == SQLITE_CANTOPEN || primary == SQLITE_PERM) code = ErrorCode::store_open;
  std::string msg = path_ + ": " + std::string(what) + ": ";
  msg += db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  // An I/O error's cause is the OS's: "File too large", "No space left on device".
  int sys = db_ ? sqlite3_system_errno(db_) : 0;
  if (sys != 0 && (primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_CANTOPEN))
    msg += std::string(" (") + std::strerror(sys) + ")";
  if (primary == SQLITE_IOERR && (sys == EFBIG || sys == ENOSPC)) code = ErrorCode::store_full;
  // SQLite does not always keep the OS error of a failed write (errno is gone by the time the
  // error surfaces); say what failed, and the likely reason.
  if (sys == 0 && (rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_FSYNC || primary == SQLITE_FULL))
    msg += rc == SQLITE_IOERR_FSYNC ? " (syncing to storage failed)"
                                    : " (writing to storage failed: is the storage full?)";
  return Error::make(code, std::move(msg));
}

Status Db::exec(std::string_view sql, std::string_view what) {
  std::string s(sql);
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(what, rc);
  return ok_status();
}

Result<Stmt> Db::prepare(std::string_view sql, std::string_view what) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) return error(what, rc);
  return Stmt(s);
}

Result<Stmt*> Db::prepare_cached(const char* sql, std::string_view what) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return it->second.get();
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) return error(what, rc);
  auto owned = std::make_unique<Stmt>(s);
  Stmt* raw = owned.get();
  cache_.emplace(sql, std::move(owned));
  return raw;
}

Result<std::int64_t> Db::query_int(std::string_view sql, std::string_view what) {
  auto st = prepare(sql, what);
  if (!st) return st.error();
  int rc = st->step();
  if (rc == SQLITE_ROW) return st->integer(0);
  if (rc == SQLITE_DONE) return std::int64_t{0};
  return error(what, rc);
}

Txn::~Txn() {
  if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

Status Txn::begin(std::string_view what) {
  if (Status st = db_.exec("BEGIN IMMEDIATE", what); !st) return st;
  open_ = true;
  return ok_status();
}

Status Txn::commit(std::string_view what) {
  Status st = db_.exec("COMMIT", what);
  if (!st) return st;  // still open: the destructor rolls back
  open_ = false;
  return ok_status();
}

}  // namespace khaosat::core::store
