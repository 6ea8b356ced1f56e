// The storage implementations' shared helpers (storage_common.hpp).
#include "storage_common.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

#include "hex.hpp"
#include "khaosat/core/parse_number.hpp"
#include "khaosat/core/store_ids.hpp"

namespace khaosat::sync {

using nlohmann::json;

core::Status check_sequence(const std::string& device_id, const PushBatch& batch,
                            const std::vector<CheckedRecord>& checked, std::int64_t last) {
  if (batch.first_seq > last + 1)
    return Error::make(ErrorCode::sync_sequence, "the batch starts at " + std::to_string(batch.first_seq) +
                                                     "; the server expects " + std::to_string(last + 1));
  if (batch.last_seq > last && (checked.empty() || checked.front().record->seq != last + 1))
    return Error::make(ErrorCode::sync_sequence, "another push from device " + device_id +
                                                     " was applied meanwhile; the server expects " + std::to_string(last + 1));
  return core::ok_status();
}

Result<std::vector<RecordResult>> apply_records(const std::vector<CheckedRecord>& checked,
                                                const std::function<Result<RecordResult>(const CheckedRecord&)>& apply,
                                                std::vector<std::string>& accepted_shas) {
  std::vector<RecordResult> fresh;
  for (const CheckedRecord& c : checked) {
    Result<RecordResult> r = verdict(c.record->seq, RecordStatus::Rejected, c.precheck_reason);
    if (c.precheck_reason.empty()) r = apply(c);
    if (!r) return r.error();
    if (r->status == RecordStatus::Accepted)
      for (const auto& att : c.record->attachments) accepted_shas.push_back(att.sha256);
    fresh.push_back(std::move(r).value());
  }
  std::sort(accepted_shas.begin(), accepted_shas.end());
  accepted_shas.erase(std::unique(accepted_shas.begin(), accepted_shas.end()), accepted_shas.end());
  return fresh;
}

json results_json(const std::vector<RecordResult>& rs) {
  json a = json::array();
  for (const auto& r : rs) {
    json x = {{"seq", r.seq}, {"status", to_string(r.status)}};
    if (!r.reason.empty()) x["reason"] = r.reason;
    a.push_back(std::move(x));
  }
  return a;
}

bool append_results(const std::string& results_text, std::int64_t from, std::int64_t to,
                    std::vector<RecordResult>& out) {
  auto j = core::parse_json(results_text);
  if (!j || !j->is_array()) return false;
  for (const json& x : *j) {
    std::int64_t seq = x.value("seq", std::int64_t{0});
    if (seq < from || seq > to) continue;
    auto st = record_status_from(x.value("status", std::string()));
    out.push_back(verdict(seq, st.value_or(RecordStatus::Rejected), x.value("reason", std::string())));
  }
  return true;
}

json properties_json(const std::vector<std::pair<std::string, core::RegistryProperty>>& props,
                     const PushedBy& pushed) {
  json j = json::object();
  for (const auto& [k, p] : props) {
    j[k] = {{"value", p.value}, {"hlc", p.hlc}};
    if (auto by = pushed.find(k); by != pushed.end()) j[k]["pushed"] = pushed_mark(p.hlc, by->second);
  }
  return j;
}

namespace {

// The HLC's node, "" when it is no HLC.
std::string node_of(const std::string& hlc) {
  auto h = core::Hlc::parse(hlc);
  return h ? h->node : std::string();
}

// The pushed marks of a stored `properties` object (or a change's), erased when `erase`.
PushedBy take_pushed(json& props, bool erase) {
  PushedBy out;
  if (!props.is_object()) return out;
  for (auto it = props.begin(); it != props.end(); ++it) {
    if (!it->is_object()) continue;
    auto m = it->find("pushed");
    if (m == it->end()) continue;
    if (m->is_boolean() && m->get<bool>()) out[it.key()] = node_of(it->value("hlc", std::string()));
    else if (m->is_string() && !m->get<std::string>().empty()) out[it.key()] = m->get<std::string>();
    if (erase) it->erase(m);
  }
  return out;
}

}  // namespace

json pushed_mark(const std::string& hlc, const std::string& device_id) {
  if (node_of(hlc) == device_id) return true;
  return device_id;
}

core::PulledRecord record_from_columns(const std::string& record_id, const std::string& registry,
                                       const std::string& properties, const std::string& merged_into,
                                       PushedBy* pushed) {
  core::PulledRecord r;
  r.record_id = record_id;
  r.merged_into = merged_into;
  r.registry = core::registry_from_string(registry).value_or(core::Registry::Establishment);
  auto props = core::parse_json(properties, core::kMaxStoredJsonDepth);
  if (props && props->is_object()) {
    for (auto it = props->begin(); it != props->end(); ++it)
      r.properties.emplace_back(it.key(), core::RegistryProperty{it->value("value", std::string()),
                                                                 it->value("hlc", std::string())});
    if (pushed) *pushed = take_pushed(*props, false);
  }
  return r;
}

PushedBy still_pushed(const core::PulledRecord& before, const PushedBy& pushed,
                                   const core::PulledRecord& after) {
  PushedBy out;
  for (const auto& [k, p] : before.properties) {
    auto by = pushed.find(k);
    if (by == pushed.end()) continue;
    for (const auto& [k2, q] : after.properties)
      if (k2 == k && q.value == p.value && q.hlc == p.hlc) out[k] = by->second;
  }
  return out;
}

json stored_change_json(const core::PulledRecord& r, const PushedBy& pushed) {
  json j = change_json(r);
  for (const auto& [k, by] : pushed)
    if (auto it = j["properties"].find(k); it != j["properties"].end())
      (*it)["pushed"] = pushed_mark(it->value("hlc", std::string()), by);
  return j;
}

bool leave_out_own(core::PulledRecord& r, const PushedBy& pushed, const std::string& device_id) {
  if (pushed.empty() || device_id.empty()) return true;
  std::vector<std::pair<std::string, core::RegistryProperty>> kept;
  const std::pair<std::string, core::RegistryProperty>* commune = nullptr;
  for (const auto& kp : r.properties) {
    auto by = pushed.find(kp.first);
    bool own = by != pushed.end() && by->second == device_id;
    if (!own) kept.push_back(kp);
    else if (kp.first == "commune") commune = &kp;
  }
  if (kept.size() == r.properties.size()) return true;
  if (kept.empty() && r.merged_into.empty()) return false;
  if (commune) {
    kept.push_back(*commune);
    std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  r.properties = std::move(kept);
  return true;
}

// Per property, the greater HLC wins (ties cannot happen: the HLC ends with the device id).
std::string Scope::describe() const {
  if (everywhere) return "the whole province";
  if (communes.empty()) return "none";
  std::string out;
  for (const auto& c : communes) out += (out.empty() ? "" : ", ") + c;
  return out;
}

std::string commune_of(const core::PulledRecord& r) {
  for (const auto& [k, p] : r.properties)
    if (k == "commune") return p.value;
  return "";
}

Merged merge_registry(std::optional<core::PulledRecord> existing, PushedBy pushed,
                      const CheckedRecord& c, const std::string& device_id) {
  const PushRecord& rec = *c.record;
  auto registry = core::registry_from_string(rec.registry);
  Merged m;
  m.pushed = std::move(pushed);
  // Whether the device holds `p` as it is now taken: what it sent (its own edit, or one made
  // before its enrollment under its local node), not re-stamped.
  auto as_pushed = [&](const std::string& key) {
    return !c.derived && std::find(c.restamped.begin(), c.restamped.end(), key) == c.restamped.end();
  };
  auto mark = [&](const std::string& key, bool on) {
    if (on) m.pushed[key] = device_id;
    else m.pushed.erase(key);
  };
  if (existing) {
    m.record = std::move(*existing);
    if (m.record.registry != *registry) {
      m.rejected = "record " + rec.id + " is a " + std::string(core::to_string(m.record.registry)) + ", not a " + rec.registry;
      return m;
    }
    if (std::string was = commune_of(m.record); c.scope && !c.scope->allows(was)) {
      m.rejected = "record " + rec.id + " belongs to commune '" + was + "', outside this device's communes (" +
                   c.scope->describe() + ")";
      return m;
    }
  } else {
    m.record.record_id = rec.id;
    m.record.registry = *registry;
    m.changed = true;
    m.pushed.clear();
  }
  auto& props = m.record.properties;
  for (const auto& [key, p] : rec.set) {
    auto it = std::find_if(props.begin(), props.end(), [&k = key](const auto& q) { return q.first == k; });
    if (it == props.end()) {
      props.emplace_back(key, p);
      mark(key, as_pushed(key));
      m.changed = true;
      continue;
    }
    auto base = rec.base.find(key);
    auto mine = core::Hlc::parse(it->second.hlc);
    auto theirs = core::Hlc::parse(p.hlc);
    // The kept version being the same device's own earlier edit is never concurrent: a device
    // knows its own edits (even when the server re-stamped one: a clock too far ahead). Nor is
    // the server's own derivation of a submission's entity.
    bool own = mine && theirs && mine->node == theirs->node;
    bool concurrent = !c.derived && !own && it->second.hlc != p.hlc && it->second.value != p.value &&
                      (base == rec.base.end() || base->second != it->second.hlc);
    bool newer = !mine || *mine < *theirs;
    if (newer) m.changed = true;
    if (concurrent) {
      RegistryConflict conflict;
      conflict.record_id = m.record.record_id;
      conflict.registry = std::string(core::to_string(m.record.registry));
      conflict.property = key;
      conflict.kept = newer ? p : it->second;
      conflict.other = newer ? it->second : p;
      m.conflicts.push_back(std::move(conflict));
    }
    if (newer) {
      it->second = p;
      mark(key, as_pushed(key));
    } else if (it->second.hlc == p.hlc && it->second.value == p.value && as_pushed(key) &&
               !m.pushed.count(key)) {
      mark(key, true);  // the device sent again what is stored (a derivation came first)
    }
  }
  std::sort(props.begin(), props.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (std::string now = commune_of(m.record); c.scope && !c.scope->allows(now))
    m.rejected = "record " + rec.id + " would be in commune '" + now + "', outside this device's communes (" +
                 c.scope->describe() + ")";
  return m;
}

Result<RecordResult> apply_submission_and_entity(
    const CheckedRecord& c, const std::function<Result<RecordResult>(const CheckedRecord&)>& apply,
    const std::function<Result<RecordResult>(const CheckedRecord&)>& merge) {
  auto r = apply(c);
  if (!r || r->status != RecordStatus::Accepted || r->held || !c.entity) return r;
  CheckedRecord d;
  d.record = &*c.entity;
  d.scope = c.scope;
  d.derived = true;
  if (auto m = merge(d); !m) return m.error();
  return r;
}

namespace {
std::atomic<std::int64_t> g_test_push_pause_ms{0};
}  // namespace

void set_push_pause_for_tests(std::chrono::milliseconds pause) { g_test_push_pause_ms = pause.count(); }

void fault_pause_in_push(const std::string& device_id, const PushBatch& batch) {
  if (std::int64_t test_ms = g_test_push_pause_ms.load(); test_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(test_ms));
    return;
  }
  static const long ms = [] {
    const char* v = std::getenv("KHAOSAT_FAULT_PUSH_PAUSE_MS");
    return v ? std::strtol(v, nullptr, 10) : 0L;
  }();
  if (ms <= 0) return;
  std::fprintf(stderr, "khaosat-server: fault seam: the push of %lld..%lld (%zu records) from device %s is applied; "
                       "pausing %ld ms before its commit\n",
               static_cast<long long>(batch.first_seq), static_cast<long long>(batch.last_seq), batch.records.size(),
               device_id.c_str(), ms);
  std::fflush(stderr);
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

std::vector<std::string> string_list(const std::string& json_text) {
  std::vector<std::string> out;
  auto j = core::parse_json(json_text);
  if (j && j->is_array())
    for (const auto& x : *j)
      if (x.is_string()) out.push_back(x.get<std::string>());
  return out;
}

std::optional<Cursor> parse_cursor(const std::string& c) {
  if (c.empty()) return Cursor{};
  if (c.rfind("v1.log.", 0) == 0) {
    auto n = core::parse_int64(c.substr(7));
    if (!n || *n < 0) return std::nullopt;
    return Cursor{false, *n, "", false};
  }
  if (c.rfind("v1.snap.", 0) == 0) {
    auto dot = c.find('.', 8);
    if (dot == std::string::npos) return std::nullopt;
    auto n = core::parse_int64(c.substr(8, dot - 8));
    if (!n || *n < 0) return std::nullopt;
    return Cursor{true, *n, c.substr(dot + 1), false};
  }
  return std::nullopt;
}

Error bad_cursor(const std::string& c) {
  return Error::make(ErrorCode::sync_request,
                     "cursor: '" + c.substr(0, 80) + "' is not a cursor this server gave; send \"\" to start over");
}

core::Status add_change(const std::string& body, const std::string& where, PullAnswer& a,
                        const std::string& device_id) {
  auto j = core::parse_json(body, core::kMaxStoredJsonDepth);
  if (!j) return Error::make(ErrorCode::sync_storage, where + ": a change log entry is unreadable");
  PushedBy pushed;
  if (j->is_object())
    if (auto props = j->find("properties"); props != j->end()) pushed = take_pushed(*props, true);
  json page = {{"changes", json::array({*j})}, {"cursor", ""}, {"more", false}};
  auto one = pull_answer_from(page);
  if (!one) return Error::make(ErrorCode::sync_storage, where + ": a change log entry: " + one.error().message);
  for (auto& r : one->page.records)
    if (leave_out_own(r, pushed, device_id)) a.page.records.push_back(std::move(r));
  for (auto& d : one->page.decisions) a.page.decisions.push_back(std::move(d));
  return core::ok_status();
}

// --- Files -----------------------------------------------------------------------------------

namespace {

Error os_error(const std::string& path, const char* what) {
  return Error::make(errno == ENOSPC ? ErrorCode::io_full : ErrorCode::io,
                     path + ": cannot " + what + ": " + std::strerror(errno));
}

// Writes all of `bytes` at `offset` of an open descriptor.
bool write_all(int fd, std::string_view bytes, off_t offset) {
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
    offset += n;
  }
  return true;
}

core::Status sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return os_error(dir, "open the folder");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return os_error(dir, "sync the folder");
  return core::ok_status();
}

}  // namespace

core::Status make_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) {
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return core::ok_status();
    return Error::make(ErrorCode::io_not_regular, dir + ": exists and is not a folder");
  }
  return Error::make(ErrorCode::io, dir + ": cannot create the folder: " + std::strerror(errno));
}

core::Status make_data_dir(const std::string& dir) {
  for (const std::string& d : {dir, dir + "/attachments", dir + "/attachments/partial"})
    if (core::Status st = make_dir(d); !st) return st;
  return core::ok_status();
}

Result<std::string> sha256_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return os_error(path, "open the file");
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = os_error(path, "read the file");
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return to_hex(md, len);
}

Result<Chunk> write_chunk(const std::string& dir, AttachmentNeed n, std::int64_t offset, std::string_view bytes) {
  const std::string& sha256 = n.sha256;
  if (n.complete) return Chunk{n, false};  // a late retry of the last chunk: the file is whole already
  if (offset != n.received)
    return Error::make(ErrorCode::sync_offset, "attachment " + sha256 + ": the chunk starts at " + std::to_string(offset) +
                                                   "; the server holds " + std::to_string(n.received) + " bytes");
  if (offset + static_cast<std::int64_t>(bytes.size()) > n.size)
    return Error::make(ErrorCode::sync_too_large, "attachment " + sha256 + ": the chunk ends past its size of " +
                                                      std::to_string(n.size) + " bytes");
  std::string part = dir + "/attachments/partial/" + sha256;
  int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return os_error(part, "open the partial attachment");
  // Bytes past `received` are from a write whose answer never committed: drop them.
  bool ok = ::ftruncate(fd, offset) == 0 && write_all(fd, bytes, offset) && ::fsync(fd) == 0;
  Error err = ok ? Error{} : os_error(part, "write the partial attachment");
  ::close(fd);
  if (!ok) return err;
  Chunk c{n, false};
  c.state.received = offset + static_cast<std::int64_t>(bytes.size());
  if (c.state.received == n.size) {
    auto h = sha256_file(part);
    if (!h) return h.error();
    if (*h != sha256) {
      ::unlink(part.c_str());
      c.state.received = 0;
      c.hash_mismatch = true;
    } else {
      if (::rename(part.c_str(), attachment_file(dir, sha256).c_str()) != 0) return os_error(part, "rename the attachment");
      if (core::Status st = sync_dir(dir + "/attachments"); !st) return st.error();
      c.state.complete = true;
    }
  }
  return c;
}

Error hash_error(const std::string& sha256) {
  return Error::make(ErrorCode::sync_hash, "attachment " + sha256 + ": the bytes received do not hash to its name; "
                                               "nothing was kept: upload it again from offset 0");
}

std::string office_tables_sql(std::string_view key) {
  std::string sql = R"sql(
CREATE TABLE reviews (
  id          $KEY,
  instance_id TEXT NOT NULL REFERENCES submissions (instance_id),
  state       TEXT NOT NULL CHECK (state IN ('approved', 'rejected', 'has_issues')),
  comment     TEXT NOT NULL,
  by_name     TEXT NOT NULL,
  at          BIGINT NOT NULL
);
CREATE INDEX reviews_by_instance ON reviews (instance_id, id);
CREATE TABLE plan_overrides (
  id      $KEY,
  need_id TEXT NOT NULL,
  action  TEXT NOT NULL CHECK (action IN ('pin', 'exclude')),
  reason  TEXT NOT NULL,
  by_name TEXT NOT NULL,
  at      BIGINT NOT NULL
);
CREATE TABLE registry_conflicts (
  id          $KEY,
  record_id   TEXT NOT NULL,
  registry    TEXT NOT NULL,
  property    TEXT NOT NULL,
  kept_value  TEXT NOT NULL,
  kept_hlc    TEXT NOT NULL,
  other_value TEXT NOT NULL,
  other_hlc   TEXT NOT NULL,
  device_id   TEXT NOT NULL,
  at          BIGINT NOT NULL
);
)sql";
  for (auto at = sql.find("$KEY"); at != std::string::npos; at = sql.find("$KEY", at)) sql.replace(at, 4, key);
  return sql;
}

core::PulledDecision decision_of(const Review& r) {
  core::PulledDecision d;
  d.instance_id = r.instance_id;
  d.state = r.state == "rejected" ? core::SubmissionState::Rejected : core::SubmissionState::Sent;
  d.reason = r.comment;
  d.review = r.state;
  return d;
}

Status check_review(const Review& r) {
  if (r.state != "approved" && r.state != "rejected" && r.state != "has_issues")
    return Error::make(ErrorCode::sync_request, "review state '" + r.state + "': approved, rejected or has_issues");
  return core::ok_status();
}

Status check_plan_override(const PlanOverride& o) {
  if (o.action != "pin" && o.action != "exclude")
    return Error::make(ErrorCode::sync_request, "plan override '" + o.action + "': pin or exclude");
  return core::ok_status();
}

}  // namespace khaosat::sync
