// SyncServer: routing, authentication, roles and communes, body decoding and the endpoints
// (server.hpp, docs/sync-protocol.md). The push checks that need no storage (XML well-formed, the
// instance id it holds, the submission's commune, the registries a role writes) run here;
// storage does the rest in one transaction (a registry record's stored commune is checked there,
// under its lock, by merge_registry).
#include "khaosat/sync/server.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <pugixml.hpp>

#include "hex.hpp"
#include "laps.hpp"
#include "khaosat/core/parse_number.hpp"
#include "khaosat/core/store_ids.hpp"
#include "khaosat/sync/queue_actions.hpp"
#include "storage_common.hpp"

namespace khaosat::sync {

using nlohmann::json;

std::string sha256_hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &n, EVP_sha256(), nullptr);
  return to_hex(md, n);
}

int http_status_of(ErrorCode c) {
  switch (c) {
    case ErrorCode::sync_request: case ErrorCode::sync_compression: return 400;
    case ErrorCode::sync_auth: case ErrorCode::sync_enroll: return 401;
    case ErrorCode::sync_forbidden: return 403;
    case ErrorCode::sync_not_found: return 404;
    case ErrorCode::sync_method: return 405;
    case ErrorCode::sync_sequence: case ErrorCode::sync_offset: return 409;
    case ErrorCode::sync_too_large: return 413;
    case ErrorCode::sync_hash: return 422;
    case ErrorCode::sync_rate_limited: return 429;
    case ErrorCode::store_busy: case ErrorCode::sync_database: return 503;
    default: return 500;
  }
}

namespace {

// json_body, adding the time spent inflating to `inflate` and parsing to `parse`.
Result<json> json_body_timed(const Request& r, PhaseTime& inflate, PhaseTime& parse) {
  if (r.body.size() > kMaxBodyBytes)
    return Error::make(ErrorCode::sync_too_large, "the body is " + std::to_string(r.body.size()) +
                                                      " bytes, more than the limit of 32 MiB");
  Laps lap;
  auto enc = r.headers.find("content-encoding");
  if (enc == r.headers.end() || enc->second.empty() || enc->second == "identity") {
    auto j = parse_body(r.body);
    lap(parse);
    return j;
  }
  auto plain = decode_body(enc->second, r.body);
  lap(inflate);
  if (!plain) return plain.error();
  auto j = parse_body(*plain);
  lap(parse);
  return j;
}

}  // namespace

Result<json> json_body(const Request& r) {
  PhaseTime inflate, parse;
  return json_body_timed(r, inflate, parse);
}

bool is_role(std::string_view role) {
  return role == "admin" || role == "officer" || role == "cooperative" || role == "viewer";
}

namespace {

// The endpoints a device calls with its token and the roles that may call them
// (docs/sync-protocol.md, "Roles and communes"): a viewer only reads; admin, officer and
// cooperative also write, each within its communes.
enum class Endpoint { Push, Pull, Needed, Upload };

const char* name_of(Endpoint e) {
  switch (e) {
    case Endpoint::Push: return "POST /v1/push";
    case Endpoint::Pull: return "POST /v1/pull";
    case Endpoint::Needed: return "GET /v1/attachments/needed";
    case Endpoint::Upload: return "PUT /v1/attachments/SHA256";
  }
  return "?";
}

// sync.forbidden naming the role and the endpoint, or nullopt when the role may call it.
std::optional<Error> refuse_role(const DeviceInfo& d, Endpoint e) {
  bool writes = d.role == "admin" || d.role == "officer" || d.role == "cooperative";
  if (writes || (d.role == "viewer" && e == Endpoint::Pull)) return std::nullopt;
  if (d.role == "viewer")
    return Error::make(ErrorCode::sync_forbidden, std::string("a viewer device may not call ") + name_of(e) +
                                                      " (viewers only pull)");
  return Error::make(ErrorCode::sync_forbidden, "device " + d.device_id + " has no known role ('" +
                                                    d.role.substr(0, 40) + "'); enroll it again");
}

// An admin enrolled without communes works for the whole province; everyone else within the
// communes of its enrollment.
Scope scope_of(const DeviceInfo& d) { return Scope{d.role == "admin" && d.communes.empty(), d.communes}; }

std::string trimmed(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
}

Response fail(const Error& e, const json& extra = nullptr) { return error_response(http_status_of(e.code), e, extra); }
Response fail(ErrorCode c, std::string message) { return fail(Error::make(c, std::move(message))); }

bool accepts_gzip(const Request& r) {
  auto it = r.headers.find("accept-encoding");
  return it != r.headers.end() && it->second.find("gzip") != std::string::npos;
}

Response json_response(const json& j, bool gzip_ok) {
  Response r;
  r.headers["content-type"] = "application/json";
  r.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (gzip_ok) {
    r.body = gzip(r.body);
    r.headers["content-encoding"] = "gzip";
  }
  return r;
}

// Why a submission's XML cannot be stored ("" when it can): well-formed, holding the record's id
// as meta/instanceID, and of a commune in the device's scope (its first element named `commune`,
// as the built-in forms have it; a form without one is in every scope).
std::string precheck_submission(const PushRecord& rec, const Scope& scope) {
  pugi::xml_document doc;
  auto parsed = doc.load_buffer(rec.xml.data(), rec.xml.size(), pugi::parse_default);
  if (!parsed) return std::string("the instance XML is not well-formed: ") + parsed.description() +
                      " at byte " + std::to_string(parsed.offset);
  pugi::xml_node root = doc.document_element();
  pugi::xml_node meta = root.child("meta");
  if (!meta) meta = root.child("orx:meta");
  pugi::xml_node id = meta.child("instanceID");
  if (!id) id = meta.child("orx:instanceID");
  if (!id) return "the instance XML has no meta/instanceID";
  if (rec.id != id.text().as_string())
    return "the record's id '" + rec.id + "' is not the instance's meta/instanceID '" +
           id.text().as_string() + "'";
  pugi::xml_node commune = root.find_node([](pugi::xml_node n) {
    return n.type() == pugi::node_element && std::strcmp(n.name(), "commune") == 0;
  });
  if (std::string c = trimmed(commune.text().as_string()); !scope.allows(c))
    return "the submission is from commune '" + c.substr(0, 100) + "', outside this device's communes (" +
           scope.describe() + ")";
  return "";
}

}  // namespace

SyncServer::SyncServer(ServerStorage& storage, ServerOptions options)
    : storage_(storage), options_(std::move(options)) {}

std::int64_t SyncServer::now() const {
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string SyncServer::random_hex(std::size_t n) {
  std::string raw(n, '\0');
  auto* p = reinterpret_cast<unsigned char*>(raw.data());
  if (options_.random) options_.random(p, n);
  else if (RAND_bytes(p, static_cast<int>(n)) != 1) std::abort();  // no randomness: no secrets
  return to_hex(p, n);
}

Result<std::string> SyncServer::create_enrollment(EnrollmentGrant grant) {
  if (!is_role(grant.role))
    return Error::make(ErrorCode::sync_request, "unknown role '" + grant.role +
                                                    "' (admin, officer, cooperative or viewer)");
  // 60 bits in Crockford's base32 (no I, L, O, U), as XXXX-XXXX-XXXX.
  static const char* alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string hex = random_hex(8), code;
  std::uint64_t v = std::stoull(hex, nullptr, 16);
  for (int i = 0; i < 12; ++i) {
    if (i && i % 4 == 0) code += '-';
    code += alphabet[v & 31];
    v >>= 5;
  }
  if (grant.expires_at == 0) grant.expires_at = now() + 7LL * 24 * 3600 * 1000;
  if (Status st = storage_.add_enrollment(sha256_hex(code), grant); !st) return st.error();
  return code;
}

Result<DeviceInfo> SyncServer::authenticate(const Request& r) {
  auto h = r.headers.find("authorization");
  const std::string prefix = "Bearer ";
  if (h == r.headers.end() || h->second.compare(0, prefix.size(), prefix) != 0)
    return Error::make(ErrorCode::sync_auth, "no device token (Authorization: Bearer TOKEN); enroll the device first");
  auto d = storage_.device_by_token(sha256_hex(h->second.substr(prefix.size())));
  if (!d) return d.error();
  if (!*d) return Error::make(ErrorCode::sync_auth, "unknown device token; enroll the device again");
  if ((*d)->revoked)
    return Error::make(ErrorCode::sync_auth, "device " + (*d)->device_id + " was revoked; ask the office to enroll it again");
  return **d;
}

std::int64_t SyncServer::rate_limit(const std::string& key, int burst, int per_minute) {
  if (burst <= 0 || per_minute <= 0) return 0;
  // A token bucket in integer credits: a request costs 60,000 and each millisecond adds
  // rate_per_minute, so the arithmetic is exact.
  const std::int64_t cost = 60000, cap = std::int64_t{burst} * cost, per_ms = per_minute;
  const std::int64_t t = now();
  std::lock_guard<std::mutex> lock(buckets_mutex_);
  Bucket& b = buckets_.try_emplace(key, Bucket{cap, t}).first->second;
  if (t > b.at_ms) {
    b.credits = std::min(cap, b.credits + (t - b.at_ms) * per_ms);
    b.at_ms = t;
  }
  if (b.credits >= cost) {
    b.credits -= cost;
    return 0;
  }
  std::int64_t ms = (cost - b.credits + per_ms - 1) / per_ms;  // until one request is allowed
  return std::max<std::int64_t>(1, (ms + 999) / 1000);
}

Response SyncServer::handle(const Request& r) {
  const bool gz = accepts_gzip(r);
  if (r.path == "/v1/info") {
    if (r.method != "GET") return fail(ErrorCode::sync_method, "/v1/info takes GET");
    return json_response({{"protocol", kProtocolVersion},
                          {"server", "khaosat-server 0.1.0"},
                          {"push_layouts", {"records", kXmlTemplatesLayout}},
                          {"content_encodings", kContentEncodings}},
                         false);
  }
  if (r.path == "/v1/enroll") {
    if (r.method != "POST") return fail(ErrorCode::sync_method, "/v1/enroll takes POST");
    // "/v1/enroll" cannot be a device id (a UUID), so the allowance is the enrollments' own.
    if (std::int64_t wait = rate_limit("/v1/enroll", options_.enroll_burst, options_.enroll_per_minute); wait > 0) {
      Response no = fail(Error::make(ErrorCode::sync_rate_limited,
                                     "more than " + std::to_string(options_.enroll_per_minute) +
                                         " enrollment attempts a minute reached the server (" +
                                         std::to_string(options_.enroll_burst) + " at once); retry in " +
                                         std::to_string(wait) + " s"),
                         {{"retry_after", wait}});
      no.headers["retry-after"] = std::to_string(wait);
      return no;
    }
    return enroll(r);
  }
  const std::string att = "/v1/attachments/";
  bool known = r.path == "/v1/push" || r.path == "/v1/pull" || r.path.rfind(att, 0) == 0 ||
               r.path.rfind("/v1/office/", 0) == 0;
  if (!known) return fail(ErrorCode::sync_not_found, "no endpoint '" + r.path.substr(0, 200) + "' (docs/sync-protocol.md)");
  auto device = authenticate(r);
  if (!device) return fail(device.error());
  if (std::int64_t wait = rate_limit(device->device_id, options_.rate_burst, options_.rate_per_minute); wait > 0) {
    Response no = fail(Error::make(ErrorCode::sync_rate_limited,
                                   "device " + device->device_id + " sent more than " +
                                       std::to_string(options_.rate_per_minute) + " requests a minute (" +
                                       std::to_string(options_.rate_burst) + " at once); retry in " +
                                       std::to_string(wait) + " s"),
                       {{"retry_after", wait}});
    no.headers["retry-after"] = std::to_string(wait);
    return no;
  }
  if (r.path.rfind("/v1/office/", 0) == 0) return office(r, *device);
  if (r.path == "/v1/push") {
    if (r.method != "POST") return fail(ErrorCode::sync_method, "/v1/push takes POST");
    if (auto no = refuse_role(*device, Endpoint::Push)) return fail(*no);
    return push(r, *device);
  }
  if (r.path == "/v1/pull") {
    if (r.method != "POST") return fail(ErrorCode::sync_method, "/v1/pull takes POST");
    if (auto no = refuse_role(*device, Endpoint::Pull)) return fail(*no);
    return pull(r, *device);
  }
  std::string rest = r.path.substr(att.size());
  if (rest == "needed") {
    if (r.method != "GET") return fail(ErrorCode::sync_method, "/v1/attachments/needed takes GET");
    if (auto no = refuse_role(*device, Endpoint::Needed)) return fail(*no);
    return needed(*device, gz);
  }
  if (!is_sha256(rest)) return fail(ErrorCode::sync_not_found, "'" + rest.substr(0, 80) + "' is not a sha256 (64 lower-case hex digits)");
  if (r.method != "PUT") return fail(ErrorCode::sync_method, "/v1/attachments/SHA256 takes PUT");
  if (auto no = refuse_role(*device, Endpoint::Upload)) return fail(*no);
  return upload(r, *device, rest);
}

Response SyncServer::enroll(const Request& r) {
  auto body = json_body(r);
  if (!body) return fail(body.error());
  std::string code, name;
  {
    const json& j = *body;
    if (!j.is_object() || !j.contains("code") || !j["code"].is_string())
      return fail(ErrorCode::sync_request, "code: missing (expected a string)");
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "code" && it.key() != "device_name")
        return fail(ErrorCode::sync_request, it.key() + ": unknown member (protocol version 1 does not have it)");
    code = j["code"].get<std::string>();
    if (j.contains("device_name")) {
      if (!j["device_name"].is_string()) return fail(ErrorCode::sync_request, "device_name: expected a string");
      name = j["device_name"].get<std::string>().substr(0, 200);
    }
  }
  for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string token = random_hex(32);
  std::string device_id = random_hex(16);
  device_id = device_id.substr(0, 8) + "-" + device_id.substr(8, 4) + "-4" + device_id.substr(13, 3) +
              "-a" + device_id.substr(17, 3) + "-" + device_id.substr(20, 12);
  auto d = storage_.redeem_enrollment(sha256_hex(code), device_id, name, sha256_hex(token), now());
  if (!d) return fail(d.error());
  return json_response(to_json(EnrollAnswer{d->device_id, token, d->role, d->communes}), false);
}

ServerPushTimings SyncServer::push_timings() const {
  std::lock_guard<std::mutex> lock(timings_mutex_);
  return timings_;
}

Response SyncServer::push(const Request& r, const DeviceInfo& d) {
  ServerPushTimings t;
  auto body = json_body_timed(r, t.inflate, t.parse);
  if (!body) return fail(body.error());
  Laps lap;
  auto batch = push_batch_from(*body);
  if (!batch) return fail(batch.error());
  *body = json();  // the DOM is read: free it now
  lap(t.decode);
  if (batch->device_id != d.device_id)
    return fail(ErrorCode::sync_forbidden, "the batch is for device " + batch->device_id.substr(0, 64) +
                                               ", but the token is device " + d.device_id + "'s");
  if (batch->first_seq > d.last_seq + 1)
    return fail(Error::make(ErrorCode::sync_sequence,
                            "the batch starts at " + std::to_string(batch->first_seq) + "; the server has up to " +
                                std::to_string(d.last_seq) + " from this device and expects " +
                                std::to_string(d.last_seq + 1)),
                {{"expected_seq", d.last_seq + 1}});
  PushAnswer clamps;
  std::set<std::pair<std::int64_t, std::string>> restamped;
  clamp_clocks(*batch, d.last_seq, clamps, restamped);
  const Scope scope = scope_of(d);
  std::vector<CheckedRecord> checked;
  for (const PushRecord& rec : batch->records) {
    if (rec.seq <= d.last_seq) continue;  // replayed: answered from the ledger
    CheckedRecord c;
    c.record = &rec;
    c.scope = &scope;
    if (rec.kind == "submission") {
      c.sha256 = sha256_hex(rec.xml);
      c.precheck_reason = precheck_submission(rec, scope);
      if (c.precheck_reason.empty()) c.entity = derive_entity(rec, d);
    } else if (rec.kind == "registry") {
      if (!core::registry_from_string(rec.registry)) c.precheck_reason = "unknown registry '" + rec.registry + "'";
      else if (d.role == "cooperative" && rec.registry != "cooperative")
        c.precheck_reason = "a cooperative device writes cooperative records only, not a " + rec.registry + " record";
      for (const auto& [key, p] : rec.set)
        if (restamped.count({rec.seq, key})) c.restamped.push_back(key);
    } else {
      c.precheck_reason = "unknown record kind '" + rec.kind + "'";
    }
    checked.push_back(std::move(c));
  }
  lap(t.checks);
  auto answer = storage_.push(d.device_id, *batch, checked, now());
  lap(t.storage);
  if (!answer) {
    if (answer.error().code == ErrorCode::sync_sequence)
      return fail(answer.error(), {{"expected_seq", d.last_seq + 1}});
    return fail(answer.error());
  }
  if (!answer->replayed) {
    answer->clamped = clamps.clamped;
    answer->clock_ahead_ms = clamps.clock_ahead_ms;
  }
  Response out = json_response(to_json(*answer), accepts_gzip(r));
  lap(t.answer);
  std::lock_guard<std::mutex> lock(timings_mutex_);
  for (auto [sum, one] : {std::pair{&timings_.inflate, &t.inflate}, {&timings_.parse, &t.parse},
                          {&timings_.decode, &t.decode}, {&timings_.checks, &t.checks},
                          {&timings_.storage, &t.storage}, {&timings_.answer, &t.answer}}) {
    sum->wall_ms += one->wall_ms;
    sum->cpu_ms += one->cpu_ms;
  }
  ++timings_.batches;
  return out;
}

void SyncServer::clamp_clocks(PushBatch& batch, std::int64_t after_seq, PushAnswer& answer,
                              std::set<std::pair<std::int64_t, std::string>>& restamped_keys) {
  const std::int64_t server_now = now();
  std::map<std::string, std::string> restamped;  // the device's HLC -> the server's, in this batch
  // True when `hlc` was re-stamped.
  auto clamp = [&](std::string& hlc) {
    if (auto known = restamped.find(hlc); known != restamped.end()) {
      hlc = known->second;
      return true;
    }
    auto h = core::Hlc::parse(hlc);
    if (!h || h->wall_ms - server_now <= options_.max_clock_ahead_ms) return false;
    answer.clamped++;
    answer.clock_ahead_ms = std::max(answer.clock_ahead_ms, h->wall_ms - server_now);
    std::lock_guard<std::mutex> lock(clamp_mutex_);
    if (server_now > clamp_wall_) {
      clamp_wall_ = server_now;
      clamp_counter_ = 0;
    } else {
      clamp_counter_++;
    }
    // The node (the device) stays: the device recognises its own edit, re-stamped, on pull.
    std::string to = core::Hlc{clamp_wall_, clamp_counter_, h->node}.to_string();
    restamped[hlc] = to;
    hlc = to;
    return true;
  };
  for (PushRecord& rec : batch.records) {
    if (rec.seq <= after_seq) continue;
    if (rec.kind == "registry")
      for (auto& [key, p] : rec.set)
        if (clamp(p.hlc)) restamped_keys.emplace(rec.seq, key);
    // A submission's entity names the stamp of the registry edit its device made from it (an
    // earlier record): the server's derivation must carry the same re-stamp, not the wrong clock.
    if (rec.kind == "submission" && rec.entity) clamp(rec.entity->hlc);
  }
}

Response SyncServer::pull(const Request& r, const DeviceInfo& d) {
  auto body = json_body(r);
  if (!body) return fail(body.error());
  auto req = pull_request_from(*body);
  if (!req) return fail(req.error());
  auto page = storage_.pull(d.device_id, req->cursor, req->limit);
  if (!page) return fail(page.error());
  // Registry records of communes outside the device's scope are left out of the page (the
  // cursor still passes them: they are not the device's to have).
  const Scope scope = scope_of(d);
  auto& records = page->page.records;
  records.erase(std::remove_if(records.begin(), records.end(),
                               [&](const core::PulledRecord& rec) { return !scope.allows(commune_of(rec)); }),
                records.end());
  // Each record with its open conflicts as they are now (the office queue's, unresolved), for a
  // device that asks: a conflict met or resolved logs the record again, so the device's list
  // follows (docs/sync-protocol.md, "Pull").
  if (req->features.conflicts && !records.empty()) {
    auto all = storage_.registry_conflicts();
    if (!all) return fail(all.error());
    std::map<std::string, std::vector<core::RecordConflict>> open;
    for (const RegistryConflict& c : *all)
      if (c.open) open[c.record_id].push_back({registry_conflict_id(c.id), c.property, c.kept.value, c.other.value});
    for (auto& rec : records) {
      rec.conflicts_known = true;
      if (auto it = open.find(rec.record_id); it != open.end()) rec.conflicts = it->second;
    }
  }
  // The devices that wrote the record versions of the page, by the names the office enrolled them
  // under, for a device that asks: its history of a record then names who changed it
  // (docs/sync-protocol.md, "Device names"). Only writers of what the device may see are named.
  if (req->features.devices && !records.empty()) {
    std::set<std::string> writers;
    for (const auto& rec : records)
      for (const auto& [key, p] : rec.properties)
        if (auto h = core::Hlc::parse(p.hlc); h && h->node != d.device_id) writers.insert(h->node);
    // Each looked up by its id: a page names a few writers, the server may hold thousands.
    for (const std::string& id : writers) {
      auto w = storage_.device_by_id(id);
      if (!w) return fail(w.error());
      if (*w) page->page.devices.push_back({(*w)->device_id, (*w)->name, (*w)->communes});
    }
  }
  return json_response(to_json(*page, req->features), accepts_gzip(r));
}

Response SyncServer::needed(const DeviceInfo& d, bool gz) {
  auto n = storage_.attachments_needed(d.device_id);
  if (!n) return fail(n.error());
  json list = json::array();
  for (const auto& a : *n) list.push_back(to_json(a));
  return json_response({{"attachments", std::move(list)}}, gz);
}

Response SyncServer::upload(const Request& r, const DeviceInfo& d, const std::string& sha256) {
  auto off = r.query.find("offset");
  if (off == r.query.end()) return fail(ErrorCode::sync_request, "offset: missing (PUT /v1/attachments/SHA256?offset=N)");
  auto offset = core::parse_int64(off->second);
  if (!offset || *offset < 0) return fail(ErrorCode::sync_request, "offset: '" + off->second.substr(0, 40) + "' is not a number of bytes");
  if (r.body.size() > kMaxChunkBytes)
    return fail(ErrorCode::sync_too_large, "a chunk of " + std::to_string(r.body.size()) + " bytes; the limit is 4 MiB");
  if (r.headers.count("content-encoding") && r.headers.at("content-encoding") != "identity")
    return fail(ErrorCode::sync_request, "attachment chunks are sent as they are, without Content-Encoding");
  // Only a device whose submission needs the attachment uploads it (another device's photo is not
  // this one's to write); a complete one is answered as it is, to a device that lost the answer.
  auto mine = storage_.attachments_needed(d.device_id);
  if (!mine) return fail(mine.error());
  if (std::none_of(mine->begin(), mine->end(), [&](const AttachmentNeed& a) { return a.sha256 == sha256; })) {
    auto state = storage_.attachment_state(sha256);
    if (!state) return fail(state.error());
    if (*state && !(*state)->complete)
      return fail(ErrorCode::sync_forbidden, "attachment " + sha256 + " belongs to another device's submission; only that device uploads it");
  }
  auto n = storage_.append_attachment(sha256, *offset, r.body);
  if (!n) {
    if (n.error().code == ErrorCode::sync_offset)
      if (auto state = storage_.attachment_state(sha256); state && *state)
        return fail(n.error(), {{"expected_offset", (*state)->received}});
    return fail(n.error());
  }
  return json_response(to_json(*n), false);
}

}  // namespace khaosat::sync
