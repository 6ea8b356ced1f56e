// SyncServer: the central server's protocol logic, independent of any transport. The HTTP
// binding (http.hpp) and the tests call handle() with a Request and send back its Response.
// Everything malformed is answered with a 4xx JSON error and stores nothing
// (docs/sync-protocol.md).
//
// Thread-safety: handle() may be called from several threads at once; the storage serialises.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "khaosat/core/form_session.hpp"
#include "khaosat/sync/protocol.hpp"
#include "khaosat/sync/server_storage.hpp"

namespace khaosat::sync {

struct ServerOptions {
  std::function<std::int64_t()> now_ms;  // unset: the system clock
  std::function<void(unsigned char*, std::size_t)> random;  // unset: the OS's CSPRNG
  // Per-token rate limit (docs/sync-protocol.md, "Limits"): each device may send `rate_burst`
  // requests at once and `rate_per_minute` more each minute (a token bucket); past it, 429
  // sync.rate_limited with Retry-After. rate_burst 0 turns the limit off.
  int rate_burst = 600;
  int rate_per_minute = 1200;
  // The same for POST /v1/enroll, one allowance for all callers (it has no token): a burst of
  // `enroll_burst` attempts, then `enroll_per_minute` a minute. Guessing a code is hopeless anyway
  // (60 random bits); this keeps a flood of attempts from costing the server anything.
  int enroll_burst = 30;
  int enroll_per_minute = 10;
  // A registry edit stamped (HLC) more than this ahead of the server's clock comes from a device
  // whose clock is wrong: it is re-stamped with the server's time, or it would win every later
  // edit of that property until the real time caught up (docs/sync-protocol.md, "Clocks").
  std::int64_t max_clock_ahead_ms = 10 * 60 * 1000;
  // The folder of the plan's tables, plan_rules.csv and communes.csv (khaosat-server passes its
  // forms folder), read at each POST /v1/office/plan so that a table the office edited applies
  // at once. Empty: that endpoint answers 404 sync.not_found.
  std::string plan_tables_dir;
};

// Where the server's push time went (summed over the batches it applied; the
// bench prints it): inflating the body, parsing its JSON, reading the batch from it (templates
// rebuilt into XML), the per-record checks (hash, XML well-formed and in scope, the entity
// derived again), the storage's transaction (inserts, ledger, commit with its fsync), and the
// answer's JSON and gzip.
struct ServerPushTimings {
  PhaseTime inflate, parse, decode, checks, storage, answer;
  int batches = 0;
};

class SyncServer {
 public:
  // `storage` must outlive the server.
  SyncServer(ServerStorage& storage, ServerOptions options = {});

  Response handle(const Request& request);

  // What `khaosat-server enroll` does: a one-time code ("XXXX-XXXX-XXXX") for the grant; only
  // its hash is stored. Roles: admin, officer, cooperative, viewer.
  Result<std::string> create_enrollment(EnrollmentGrant grant);

  // The push timings so far (every POST /v1/push that reached the storage).
  ServerPushTimings push_timings() const;

 private:
  Response enroll(const Request& r);
  Response push(const Request& r, const DeviceInfo& d);
  Response pull(const Request& r, const DeviceInfo& d);
  Response needed(const DeviceInfo& d, bool gzip_ok);
  Response upload(const Request& r, const DeviceInfo& d, const std::string& sha256);
  // The office endpoints, /v1/office/... (server_office.cpp; docs/sync-protocol.md, "Office").
  Response office(const Request& r, const DeviceInfo& d);
  Response office_submissions(const Request& r, const DeviceInfo& d);
  Response office_submission(const Request& r, const DeviceInfo& d);
  Response office_review(const Request& r, const DeviceInfo& d);
  Response office_queue(const Request& r, const DeviceInfo& d);
  Response office_decide(const Request& r, const DeviceInfo& d);  // POST /v1/office/queue/ACTION
  Response office_plan(const Request& r, const DeviceInfo& d);    // POST /v1/office/plan
  Result<DeviceInfo> authenticate(const Request& r);
  // 0 when the device may send this request now (it is counted), else the seconds to wait.
  std::int64_t rate_limit(const std::string& key, int burst, int per_minute);
  std::int64_t now() const;
  // Re-stamps the batch's registry edits that are too far ahead (ServerOptions::max_clock_ahead_ms);
  // records in `answer` how many and by how much, and in `restamped` which (seq, property).
  void clamp_clocks(PushBatch& batch, std::int64_t after_seq, PushAnswer& answer,
                    std::set<std::pair<std::int64_t, std::string>>& restamped);
  std::string random_hex(std::size_t bytes);
  // The registry edit a pushed submission's entity declaration makes (server_entities.cpp;
  // docs/sync-protocol.md, "Registries from submissions"), nullopt when it makes none or its
  // form cannot be read; `role` is the pushing device's.
  std::optional<PushRecord> derive_entity(const PushRecord& submission, const DeviceInfo& d);
  // Published forms with an entity declaration, loaded once per version (a version is immutable);
  // a null Form for a version without one.
  std::optional<core::Form> entity_form(const std::string& form_id, const std::string& version);

  ServerStorage& storage_;
  ServerOptions options_;
  struct Bucket {
    std::int64_t credits = 0;  // rate_limit()'s units
    std::int64_t at_ms = 0;
  };
  std::mutex clamp_mutex_;
  std::int64_t clamp_wall_ = 0;  // the last re-stamp handed out: each is greater than the one before
  std::uint32_t clamp_counter_ = 0;
  std::mutex buckets_mutex_;
  std::unordered_map<std::string, Bucket> buckets_;  // by device id (one per enrolled device), and "/v1/enroll"
  mutable std::mutex timings_mutex_;
  ServerPushTimings timings_;
  std::mutex forms_mutex_;
  std::map<std::pair<std::string, std::string>, core::Form> entity_forms_;  // (form id, version)
};

// SHA-256 of `bytes` as 64 lower-case hex digits (libcrypto): token and code hashes, XML hashes.
std::string sha256_hex(std::string_view bytes);
bool is_role(std::string_view role);
// The HTTP status of an error code's answer (400 sync.request, 403 sync.forbidden, ...).
int http_status_of(ErrorCode c);
// A request's body as JSON: decoded when Content-Encoding is gzip or zstd, size-limited (32 MiB),
// strictly parsed (protocol.hpp's parse_body).
Result<nlohmann::json> json_body(const Request& r);

}  // namespace khaosat::sync
