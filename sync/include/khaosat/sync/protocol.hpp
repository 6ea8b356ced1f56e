// The sync protocol's values (docs/sync-protocol.md, version 1): a transport-independent
// request and response, the push batch and its answer, attachment needs, pull pages, and the
// codec that turns them into JSON and back. Decoding is strict: a wrong type, a missing or
// unknown member, a NUL in a string is an Error (code sync.request) naming the member
// ("records[3].id: expected a string, got a number"). gzip (zlib) with bomb limits is here too.
//
// Pure values and functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "khaosat/core/result.hpp"
#include "khaosat/core/store_types.hpp"

namespace khaosat::sync {

using core::Error;
using core::ErrorCode;
using core::Result;
using core::Status;

inline constexpr int kProtocolVersion = 1;

// Limits (docs/sync-protocol.md, "Limits").
inline constexpr std::size_t kMaxBodyBytes = 32u << 20;       // compressed request body
inline constexpr std::size_t kMaxInflatedBytes = 64u << 20;   // inflated JSON
inline constexpr std::size_t kMaxInflateRatio = 1000;
inline constexpr std::size_t kMaxPushRecords = 10000;
inline constexpr std::size_t kMaxChunkBytes = 4u << 20;
inline constexpr std::int64_t kMaxAttachmentBytes = std::int64_t{1} << 30;
inline constexpr std::size_t kMaxXmlBytes = 16u << 20;
inline constexpr std::size_t kMaxIdBytes = 1024;
inline constexpr int kMaxPullLimit = 2000;
inline constexpr std::size_t kMaxConflictsPerRecord = 1000;  // open conflicts sent with a pulled record
inline constexpr std::size_t kMaxPullDevices = 10000;        // devices named by one pull page

// One HTTP exchange without HTTP: what SyncServer::handle takes and returns. Header names are
// lower case. `query` holds the decoded query parameters.
// Time spent in one phase of a push, summed over batches: wall milliseconds and the CPU
// milliseconds of the thread doing it (on a loaded machine the two part; client.hpp's
// PushTimings, server.hpp's ServerPushTimings).
struct PhaseTime {
  double wall_ms = 0, cpu_ms = 0;
};

struct Request {
  std::string method;  // "GET", "POST", "PUT"
  std::string path;    // "/v1/push"
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;
  std::string body;
};

struct Response {
  int status = 200;
  std::map<std::string, std::string> headers;
  std::string body;
};

// The error document of a 4xx/5xx answer, and a Response carrying it (JSON, not compressed).
// `extra` members (expected_seq, expected_offset) are added beside code and message.
Response error_response(int status, const Error& e, const nlohmann::json& extra = nullptr);
// The Error a non-2xx response carries (its code and message, or a description of the status
// when the body is not an error document).
Error error_of(const Response& r);

// --- gzip (RFC 1952, zlib) ----------------------------------------------------------------
std::string gzip(std::string_view bytes, int level = 6);
// Inflates a gzip stream: the whole stream, nothing after it, at most `max_out` bytes and at
// most kMaxInflateRatio times the input (sync.too_large as soon as either is passed; the rest
// is not inflated); a truncated or corrupt stream is sync.compression.
Result<std::string> gunzip(std::string_view gz, std::size_t max_out = kMaxInflatedBytes);

// --- zstd (RFC 8878, libzstd): a protocol extension (docs/sync-protocol.md, "Encoding") -----
// One frame with its content size and checksum; `level` 1 fastest .. 19 smallest.
std::string zstd(std::string_view bytes, int level = 1);
// Decompresses one zstd frame under the same rules as gunzip: the whole frame, nothing after it,
// at most `max_out` bytes and kMaxInflateRatio times the input (sync.too_large, also for a
// frame that asks for a window larger than `max_out`); truncated or corrupt: sync.compression.
Result<std::string> unzstd(std::string_view z, std::size_t max_out = kMaxInflatedBytes);
// A body sent with Content-Encoding `encoding` ("gzip" or "zstd"), decoded with those limits;
// another encoding is sync.request naming it.
Result<std::string> decode_body(std::string_view encoding, std::string_view body,
                                std::size_t max_out = kMaxInflatedBytes);
// The encodings decode_body reads, as GET /v1/info lists them ("content_encodings").
inline constexpr const char* kContentEncodings[] = {"gzip", "zstd"};

// --- JSON ---------------------------------------------------------------------------------
// Parses a request or answer body (depth ≤ 64, UTF-8) and refuses a NUL in any string or key.
Result<nlohmann::json> parse_body(std::string_view body);

// --- Push ---------------------------------------------------------------------------------
struct AttachmentRef {
  std::string name, sha256;
  std::int64_t size = 0;
};

struct PushRecord {
  std::int64_t seq = 0;
  std::string kind;  // "submission", "registry", or another (rejected as unknown)
  std::string id;    // instance id or record id ("" for other kinds)
  // submission
  std::string form_id, form_version, xml;
  std::optional<std::string> deprecated_id;
  std::vector<AttachmentRef> attachments;
  // The registry edit the device made from this submission's entity declaration (an earlier
  // record of its outbox): the record and the one HLC it stamped every property with. The
  // server derives the same entity from the XML and stamps it with this HLC, so the two are one
  // version (docs/sync-protocol.md, "Registries from submissions"). Absent: the device applied
  // none (an older client, a form without entity); the server derives it with its own stamp.
  struct EntityRef {
    std::string registry, id, hlc;
  };
  std::optional<EntityRef> entity;
  // registry
  std::string registry;
  bool create = false;
  std::vector<std::pair<std::string, core::RegistryProperty>> set;
  // The version (HLC) each property of `set` replaced on the device; absent for a property the
  // device had no value of. An edit whose base is not the server's current version is concurrent.
  std::map<std::string, std::string> base;
};

struct PushBatch {
  std::string device_id;
  std::int64_t first_seq = 0, last_seq = 0;
  std::vector<PushRecord> records;
};

enum class RecordStatus { Accepted, Duplicate, Conflict, Rejected };
const char* to_string(RecordStatus s);
std::optional<RecordStatus> record_status_from(std::string_view s);

struct RecordResult {
  std::int64_t seq = 0;
  RecordStatus status = RecordStatus::Accepted;
  std::string reason;  // for conflict and rejected
  // The server's own: an accepted edit held until its predecessor arrives (not on the wire).
  bool held = false;
};

struct AttachmentNeed {
  std::string sha256;
  std::int64_t size = 0, received = 0;
  bool complete = false;
};

struct PushAnswer {
  std::string device_id;
  std::int64_t first_seq = 0, last_seq = 0;
  bool replayed = false;
  std::vector<RecordResult> results;
  std::vector<AttachmentNeed> attachments_needed;
  // Registry edits whose HLC was ahead of the server's clock by more than it allows: they were
  // re-stamped with the server's time, and how far ahead the device's clock was (the device should
  // tell its user the phone's clock is wrong). Sent as "clock" only when `clamped` > 0.
  int clamped = 0;
  std::int64_t clock_ahead_ms = 0;
};

// How a push batch carries its submissions' XML (docs/sync-protocol.md, "Push layouts"):
// Records, each XML whole in its record (every server reads it); XmlTemplates, each XML split
// into a template shared by the batch (its markup) and its text values, stored column by column
// so the compressor sees like next to like (~95 instead of ~150 bytes per record of a 30-field
// form). A server that reads XmlTemplates says so in GET /v1/info ("push_layouts").
enum class PushLayout { Records, XmlTemplates };
inline constexpr const char* kXmlTemplatesLayout = "xml_templates";

nlohmann::json to_json(const PushBatch& b, PushLayout layout = PushLayout::Records);
nlohmann::json to_json(const PushAnswer& a);
nlohmann::json to_json(const AttachmentNeed& n);
// Checks shape, types, the contiguous range, ids, hashes and sizes (sync.request); reads both
// layouts, rebuilding each templated XML byte for byte (sync.too_large when the rebuilt XML would
// pass the inflated-size limit, checked before anything is built).
Result<PushBatch> push_batch_from(const nlohmann::json& j);
Result<PushAnswer> push_answer_from(const nlohmann::json& j);
Result<AttachmentNeed> attachment_need_from(const nlohmann::json& j, const std::string& where);

// --- Pull ---------------------------------------------------------------------------------
// What a device understands beyond the first protocol (docs/sync-protocol.md, "Pull"): a device
// reads pull pages strictly, so the server sends a newer member or value only to a device that
// names it. Unknown names are ignored (a newer device, an older server).
struct PullFeatures {
  bool review = false;       // "review": decisions with state approved / has_issues
  bool merged_into = false;  // "merged_into": registry records the office merged
  bool conflicts = false;    // "conflicts": each registry record with its open conflicts
  bool devices = false;      // "devices": the page names the devices that wrote its records
};

struct PullRequest {
  std::string cursor;
  int limit = 500;
  PullFeatures features;
};

struct PullAnswer {
  core::PullPage page;  // cursor_name is left empty: the client names its cursor
  bool more = false;
};

nlohmann::json to_json(const PullRequest& r);
Result<PullRequest> pull_request_from(const nlohmann::json& j);
// For a device with `features`: what it does not understand is left out (a decision that is no
// rejection; merged_into; conflicts; devices).
nlohmann::json to_json(const PullAnswer& a, const PullFeatures& features = {true, true});
Result<PullAnswer> pull_answer_from(const nlohmann::json& j);
// One change of a pull page as the protocol writes it (the server's change log stores these).
nlohmann::json change_json(const core::PulledForm& f);
nlohmann::json change_json(const core::PulledRecord& r);
nlohmann::json change_json(const core::PulledDecision& d);

// --- Enrollment ---------------------------------------------------------------------------
struct EnrollAnswer {
  std::string device_id, token, role;
  std::vector<std::string> communes;
};
nlohmann::json to_json(const EnrollAnswer& a);
Result<EnrollAnswer> enroll_answer_from(const nlohmann::json& j);

// True for 64 lower-case hex digits.
bool is_sha256(std::string_view s);
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace khaosat::sync
