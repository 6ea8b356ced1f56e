// SyncServer: the central server's protocol logic, independent of any transport. The HTTP
// binding (http.hpp) and the tests call handle() with a Request and send back its Response.
// Everything malformed is answered with a 4xx JSON error and stores nothing
// (docs/sync-protocol.md).
//
// Thread-safety: handle() may be called from several threads at once; the storage serialises.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "khaosat/sync/protocol.hpp"
#include "khaosat/sync/server_storage.hpp"

namespace khaosat::sync {

struct ServerOptions {
  std::function<std::int64_t()> now_ms;  // unset: the system clock
  std::function<void(unsigned char*, std::size_t)> random;  // unset: the OS's CSPRNG
};

class SyncServer {
 public:
  // `storage` must outlive the server.
  SyncServer(ServerStorage& storage, ServerOptions options = {});

  Response handle(const Request& request);

  // What `khaosat-server enroll` does: a one-time code ("XXXX-XXXX-XXXX") for the grant; only
  // its hash is stored. Roles: admin, officer, cooperative, viewer.
  Result<std::string> create_enrollment(EnrollmentGrant grant);

 private:
  Response enroll(const Request& r);
  Response push(const Request& r, const DeviceInfo& d);
  Response pull(const Request& r, const DeviceInfo& d);
  Response needed(const DeviceInfo& d, bool gzip_ok);
  Response upload(const Request& r, const DeviceInfo& d, const std::string& sha256);
  Result<DeviceInfo> authenticate(const Request& r);
  std::int64_t now() const;
  std::string random_hex(std::size_t bytes);

  ServerStorage& storage_;
  ServerOptions options_;
};

// SHA-256 of `bytes` as 64 lower-case hex digits (libcrypto): token and code hashes, XML hashes.
std::string sha256_hex(std::string_view bytes);
bool is_role(std::string_view role);

}  // namespace khaosat::sync
