// SyncClient: requests with retries, backoff and measured timeouts; enrollment; pull
// (client.hpp). Push is in client_push.cpp, attachments in client_attachments.cpp.
#include "khaosat/sync/client.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

#include "khaosat/core/parse_number.hpp"

namespace khaosat::sync {

using nlohmann::json;

SyncClient::SyncClient(core::Store& store, Transport& transport, ClientOptions options)
    : store_(store), transport_(transport), options_(std::move(options)), batch_(options_.initial_batch) {
  if (!options_.sleep) options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (!options_.random_unit) {
    auto gen = std::make_shared<std::mt19937_64>(std::random_device{}());
    options_.random_unit = [gen] { return std::uniform_real_distribution<double>(0, 1)(*gen); };
  }
}

void SyncClient::progress() {
  if (options_.on_progress) options_.on_progress(report_.totals);
}

// Full jitter (AWS's "exponential backoff and jitter"): uniform in [0, min(30 s, 0.25 s × 2^(n-1))].
// The first retry comes soon (within 250 ms): on a 2G link a reset is mostly the link, not the
// server, and a link that is up again for 2 s should not spend one of them waiting.
double SyncClient::backoff(int attempt) {
  double cap = std::min(30000.0, 250.0 * std::pow(2.0, std::min(std::max(attempt, 1) - 1, 10)));
  auto wait = std::chrono::milliseconds(static_cast<std::int64_t>(cap * options_.random_unit()));
  options_.sleep(wait);
  report_.backoff_ms += static_cast<double>(wait.count());
  return static_cast<double>(wait.count());
}

void SyncClient::authorize(Request& r) const {
  if (!token_.empty()) r.headers["authorization"] = "Bearer " + token_;
  r.headers["accept-encoding"] = "gzip";
}

std::chrono::milliseconds SyncClient::timeout_for(std::size_t expected_bytes, double bytes_per_ms,
                                                  std::chrono::milliseconds min_timeout) {
  if (bytes_per_ms <= 0) return min_timeout;
  return std::max(min_timeout, std::chrono::milliseconds(static_cast<std::int64_t>(4 * expected_bytes / bytes_per_ms)));
}

Result<Response> SyncClient::received(const std::string& path, std::size_t up, double ms, Result<Response> answer) {
  ++report_.totals.requests;
  report_.totals.bytes_up += static_cast<std::int64_t>(up);
  if (!answer) return answer;
  report_.totals.bytes_down += static_cast<std::int64_t>(answer->body.size());
  double rate = static_cast<double>(up + answer->body.size()) / std::max(ms, 1.0);
  bytes_per_ms_ = bytes_per_ms_ == 0 ? rate : 0.7 * bytes_per_ms_ + 0.3 * rate;
  auto enc = answer->headers.find("content-encoding");
  if (answer->status / 100 == 2 && enc != answer->headers.end() && enc->second == "gzip") {
    auto plain = gunzip(answer->body);
    if (!plain) return Error::make(ErrorCode::sync_server, "the server's answer to " + path + ": " + plain.error().message);
    answer->body = std::move(plain).value();
    answer->headers.erase("content-encoding");
  }
  return answer;
}

Result<Response> SyncClient::exchange(Request r, std::size_t expected_bytes) {
  authorize(r);
  auto timeout = timeout_for(expected_bytes, bytes_per_ms_, options_.min_timeout);
  auto t0 = std::chrono::steady_clock::now();
  auto answer = transport_.send(r, timeout);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return received(r.path, r.body.size(), ms, std::move(answer));
}

bool SyncClient::retryable(ErrorCode c) {
  return c == ErrorCode::sync_transport || c == ErrorCode::sync_server || c == ErrorCode::store_busy ||
         c == ErrorCode::sync_storage || c == ErrorCode::sync_database || c == ErrorCode::sync_rate_limited;
}

Result<Response> SyncClient::call(Request r, std::size_t expected_bytes) {
  for (int attempt = 1;; ++attempt) {
    if (cancelled_) return Error::make(ErrorCode::sync_incomplete, "the sync was cancelled; run it again to continue");
    auto a = exchange(r, expected_bytes);
    Error e = a ? (a->status / 100 == 2 ? Error{} : error_of(*a)) : a.error();
    if (a && a->status / 100 == 2) return a;
    if (a && a->status < 500 && a->status != 408 && a->status != 429) return a;  // the caller reads the 4xx
    if (!retryable(e.code)) {
      if (a) return a;
      return e;  // no answer, and retrying cannot help (an untrusted certificate)
    }
    if (attempt > options_.max_retries)
      return Error::make(e.code, r.path + ": " + e.message + " (gave up after " + std::to_string(attempt) +
                                     " attempts; run the sync again to continue)");
    ++report_.retries;
    // A 429 says when to come back (Retry-After, in seconds): wait that long, at most a minute.
    std::optional<std::int64_t> after;
    if (a && a->status == 429)
      if (auto h = a->headers.find("retry-after"); h != a->headers.end()) after = core::parse_int64(h->second);
    if (after && *after > 0) {
      options_.sleep(std::chrono::seconds(std::min<std::int64_t>(*after, 60)));
      report_.backoff_ms += 1000.0 * static_cast<double>(std::min<std::int64_t>(*after, 60));
    } else {
      backoff(attempt);
    }
  }
}

Status SyncClient::enroll(const std::string& server_url, const std::string& code, const std::string& device_name,
                          const std::string& ca_pem) {
  Request r{"POST", "/v1/enroll", {}, {{"content-type", "application/json"}}, ""};
  r.body = json{{"code", code}, {"device_name", device_name}}.dump();
  auto a = call(std::move(r), 256);
  if (!a) return a.error();
  if (a->status != 200) return error_of(*a);
  auto j = parse_body(a->body);
  if (!j) return Error::make(ErrorCode::sync_server, "the enrollment answer: " + j.error().message);
  auto e = enroll_answer_from(*j);
  if (!e) return Error::make(ErrorCode::sync_server, "the enrollment answer: " + e.error().message);
  return store_.set_enrollment({server_url, e->device_id, e->token, e->role, e->communes, ca_pem});
}

Result<SyncReport> SyncClient::sync() {
  report_ = SyncReport{};
  auto en = store_.enrollment();
  if (!en) return en.error();
  if (!*en)
    return Error::make(ErrorCode::sync_enroll, store_.path() + " is not enrolled with a server; run "
                                                               "'khaosat sync enroll --db FILE --server URL --code CODE' first");
  token_ = (*en)->token;
  device_id_ = (*en)->device_id;
  // A viewer only reads (docs/sync-protocol.md, "Roles and communes"): the server refuses its
  // pushes and attachment calls, so it only pulls (what it may have filled stays on the device).
  if ((*en)->role != "viewer") {
    if (Status st = push(); !st) return st.error();
    if (Status st = upload_attachments(); !st) return st.error();
  }
  if (Status st = pull(); !st) return st.error();
  report_.totals.phase = SyncProgress::Phase::Done;
  report_.complete = true;
  progress();
  return report_;
}

Status SyncClient::pull() {
  report_.totals.phase = SyncProgress::Phase::Pull;
  for (;;) {
    auto cursor = store_.cursor("server");
    if (!cursor) return cursor.error();
    Request r{"POST", "/v1/pull", {}, {{"content-type", "application/json"}, {"content-encoding", "gzip"}}, ""};
    r.body = gzip(to_json(PullRequest{*cursor, 500, PullFeatures{true, true, true, true}}).dump());
    auto a = call(std::move(r), 1u << 20);
    if (!a) return a.error();
    if (a->status != 200) return error_of(*a);
    auto j = parse_body(a->body);
    if (!j) return Error::make(ErrorCode::sync_server, "the pull answer: " + j.error().message);
    auto page = pull_answer_from(*j);
    if (!page) return Error::make(ErrorCode::sync_server, "the pull answer: " + page.error().message);
    page->page.cursor_name = "server";
    report_.totals.changes_pulled += static_cast<std::int64_t>(page->page.forms.size() + page->page.records.size() +
                                                               page->page.decisions.size());
    if (Status st = store_.apply_pull(page->page); !st) return st;
    progress();
    if (!page->more) return core::ok_status();
  }
}

}  // namespace khaosat::sync
