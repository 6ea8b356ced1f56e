// The server's PostgreSQL layer (pg_db.hpp).
#include "pg_db.hpp"

#include "khaosat/core/parse_number.hpp"

namespace khaosat::sync::pg {

using core::ErrorCode;

namespace {

std::string trimmed(const char* m) {
  std::string s = m ? m : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string redact(const std::string& url) {
  // scheme://user:password@host...: the password is between the first ':' after "//" and '@'.
  auto start = url.find("://");
  if (start == std::string::npos) return url;
  start += 3;
  auto at = url.find('@', start);
  if (at == std::string::npos) return url;
  auto colon = url.find(':', start);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

std::int64_t Rows::integer(int row, int col) const {
  return core::parse_int64(PQgetvalue(r_.get(), row, col)).value_or(0);
}

std::string Rows::bytes(int row, int col) const {
  std::size_t n = 0;
  unsigned char* b = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col)), &n);
  if (!b) return std::string();
  std::string out(reinterpret_cast<const char*>(b), n);
  PQfreemem(b);
  return out;
}

std::int64_t Rows::affected() const { return core::parse_int64(PQcmdTuples(r_.get())).value_or(0); }

Status Db::open(const std::string& url) {
  where_ = redact(url);
  if (url.rfind("postgres://", 0) != 0 && url.rfind("postgresql://", 0) != 0)
    return Error::make(ErrorCode::sync_database, "'" + where_ + "' is not a PostgreSQL URL (postgresql://user@host:port/database)");
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (!opts) {
    std::string m = trimmed(err);
    PQfreemem(err);
    return Error::make(ErrorCode::sync_database, "'" + where_ + "' is not a valid PostgreSQL URL: " + m);
  }
  PQconninfoFree(opts);
  conn_.reset(PQconnectdb(url.c_str()));
  if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK)
    return Error::make(ErrorCode::sync_database, "cannot connect to the database " + where_ + ": " +
                                                     trimmed(conn_ ? PQerrorMessage(conn_.get()) : "out of memory"));
  // Notices (e.g. "relation exists, skipping") are not errors: keep them off stderr.
  PQsetNoticeProcessor(conn_.get(), [](void*, const char*) {}, nullptr);
  return core::ok_status();
}

Result<Rows> Db::exec(const char* sql, std::string_view what, const std::vector<Param>& params) {
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const Param& p : params) {
    values.push_back(p.null ? nullptr : p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  PGresult* r = params.empty() ? PQexec(conn_.get(), sql)
                               : PQexecParams(conn_.get(), sql, static_cast<int>(params.size()), nullptr, values.data(),
                                              lengths.data(), formats.data(), 0);
  Rows rows(r);
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
    state_.clear();
    return rows;
  }
  const char* code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  state_ = code ? code : "";
  std::string message = trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_.get()));
  if (PQstatus(conn_.get()) != CONNECTION_OK)
    return Error::make(ErrorCode::sync_database, where_ + ": " + std::string(what) + ": the connection was lost: " + message);
  return Error::make(ErrorCode::sync_storage, where_ + ": " + std::string(what) + ": " + message);
}

}  // namespace khaosat::sync::pg
