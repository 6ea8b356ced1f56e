// SyncClient: pushing the outbox in batches whose size follows the link (client.hpp,
// docs/sync-protocol.md "Push" and "Client behaviour").
#include <algorithm>
#include <chrono>
#include <future>

#include "khaosat/core/json.hpp"
#include "khaosat/sync/client.hpp"
#include "laps.hpp"

namespace khaosat::sync {

using nlohmann::json;

Result<PushRecord> SyncClient::record_of(core::OutboxPushEntry& pe) {
  const core::OutboxEntry& e = pe.entry;
  PushRecord rec;
  rec.seq = e.seq;
  rec.kind = e.kind;
  auto bad = [&](const std::string& why) {
    return Error::make(ErrorCode::store_corrupt, store_.path() + ": outbox entry " + std::to_string(e.seq) + ": " + why);
  };
  if (e.kind == "submission") {
    rec.id = e.subject;
    rec.form_id = std::move(pe.form_id);
    rec.form_version = std::move(pe.form_version);
    rec.deprecated_id = std::move(pe.deprecated_id);
    rec.xml = std::move(pe.instance_xml);
    for (auto& a : pe.attachments) rec.attachments.push_back({std::move(a.name), std::move(a.sha256), a.size});
    // The registry edit finalize made from the submission's entity (Store::finalize), the only
    // member of the payload the push needs: parsed only when it is there.
    if (e.payload.find("\"entity\"") == std::string::npos) return rec;
  }
  auto payload = core::parse_json(e.payload, core::kMaxStoredJsonDepth);
  if (!payload || !payload->is_object()) return bad("its payload is not a JSON object");
  const json& p = *payload;
  if (e.kind == "submission") {
    if (auto en = p.find("entity"); en != p.end() && en->is_object())
      rec.entity = PushRecord::EntityRef{en->value("registry", std::string()), en->value("id", std::string()),
                                         en->value("hlc", std::string())};
  } else if (e.kind == "registry") {
    rec.id = p.value("record_id", std::string());
    rec.registry = p.value("registry", std::string());
    rec.create = p.value("create", false);
    auto set = p.find("set");
    if (set == p.end() || !set->is_object()) return bad("a registry change without 'set'");
    for (auto it = set->begin(); it != set->end(); ++it)
      if (it->is_object()) {
        rec.set.emplace_back(it.key(), core::RegistryProperty{it->value("value", std::string()),
                                                              it->value("hlc", std::string())});
        if (auto b = it->find("base"); b != it->end() && b->is_string()) rec.base[it.key()] = b->get<std::string>();
      }
  }
  return rec;
}

Result<PushLayout> SyncClient::push_layout() {
  if (layout_) return *layout_;
  Request r{"GET", "/v1/info", {}, {}, ""};
  auto a = call(std::move(r), 256);
  // No answer after call()'s own retries: the link is down, and the push would only fail too (it
  // used to go on with the default layout, and each of the push's retries asked again with retries
  // of its own: max_retries squared attempts, some 20 minutes of backoff on a dead link).
  if (!a) return a.error();
  PushLayout layout = PushLayout::Records;
  bool zstd_ok = false;
  // Whether the array member `name` of the answer lists `value`.
  auto lists = [](const json& j, const char* name, std::string_view value) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_array()) return false;
    return std::any_of(it->begin(), it->end(),
                       [&](const json& x) { return x.is_string() && x.get_ref<const std::string&>() == value; });
  };
  if (a && a->status == 200)
    if (auto j = parse_body(a->body); j && j->is_object()) {
      if (lists(*j, "push_layouts", kXmlTemplatesLayout)) layout = PushLayout::XmlTemplates;
      zstd_ok = lists(*j, "content_encodings", "zstd");
    }
  // An answer (even one without the member) settles it.
  layout_ = layout;
  server_reads_zstd_ = zstd_ok;
  return layout;
}

std::string SyncClient::body_encoding() const {
  return server_reads_zstd_ && options_.zstd_level > 0 ? "zstd" : "gzip";
}

// One batch on its way: its outbox rows and records (read on the client's thread), its
// compressed body, which a worker thread builds (JSON, then zstd or gzip) while the batch before
// it is in flight, and once sent (send()) its exchange, on a thread of its own.
struct SyncClient::Prepared {
  std::vector<core::OutboxPushEntry> entries;  // their subjects moved into batch by read_batch()
  PushBatch batch;
  int tried = 0;               // the batch size asked of the outbox (ceiling of the records)
  PhaseTime encode, compress;  // the worker's time, added to the report once body is taken
  std::string encoding;        // the body's Content-Encoding (body_encoding())
  // The sending thread's time (waiting for the body, then the exchange) and the body's bytes,
  // written by it until `answer` is taken.
  PhaseTime wait, exchange;
  std::size_t sent_bytes = 0;
  // The request body; valid() once started. Destroyed after `answer` (whose thread takes it)
  // and before the rest: it waits for the worker before anything the worker touches goes.
  std::future<std::string> body;
  // The exchange; valid() once sent. Last: destroyed first, it waits for the sending thread.
  std::future<Result<Response>> answer;
};

Status SyncClient::prepare(std::int64_t after_seq, int size, Prepared& p) {
  Laps lap;
  Status read = store_.read_snapshot([&]() -> Status {
    auto listed = store_.list_outbox_for_push(after_seq, size);
    if (!listed) return listed.error();
    p.entries = std::move(listed).value();
    return read_batch(p.entries, p.batch);
  });
  lap(report_.push_timings.outbox);
  if (!read) return read;
  p.tried = std::min<int>(size, static_cast<int>(p.entries.size()));
  if (p.batch.records.empty()) return core::ok_status();
  // The worker reads only p.batch and p.encoding (and writes only p.encode and p.compress) until
  // body is taken. push() settled the layout (push_layout()) before the first batch.
  const PushLayout layout = layout_.value_or(PushLayout::Records);
  p.encoding = body_encoding();
  p.body = std::async(std::launch::async, [&p, layout, zstd_level = options_.zstd_level,
                                           gzip_level = options_.gzip_level] {
    Laps w;
    std::string text = to_json(p.batch, layout).dump(-1, ' ', false, json::error_handler_t::replace);
    w(p.encode);
    std::string body = p.encoding == "zstd" ? zstd(text, zstd_level) : gzip(text, gzip_level);
    w(p.compress);
    return body;
  });
  return core::ok_status();
}

Status SyncClient::push() {
  report_.totals.phase = SyncProgress::Phase::Push;
  auto acked = store_.outbox_acked();
  if (!acked) return acked.error();
  auto pending = store_.outbox_count(*acked);
  if (!pending) return pending.error();
  report_.totals.records_total = *pending;
  if (*pending > 0)
    if (auto layout = push_layout(); !layout) return layout.error();
  auto cancelled = [] {
    return Error::make(ErrorCode::sync_incomplete, "the sync was cancelled; run it again to continue");
  };
  int failures = 0;
  // `cur` is in flight (sent). `next` starts where it ends, read and being encoded at the size a
  // success gives it (batch_after()) while `cur` is on the wire. Once cur's answer covers it
  // whole, next goes out at once and only then is cur's acknowledgement written to the store, so
  // the device's transaction overlaps the server's work on next; ranges stay contiguous, as the
  // server requires. After a failure next is dropped and the outbox read again from what is
  // acknowledged. A return while a batch is in flight waits for its exchange (Prepared's
  // destructor) and records nothing of it: the next run sends it again and the server's ledger
  // answers it as before.
  std::unique_ptr<Prepared> cur, next;
  for (;;) {
    if (!cur) {
      if (cancelled_) return cancelled();
      acked = store_.outbox_acked();
      if (!acked) return acked.error();
      cur = std::make_unique<Prepared>();
      if (Status st = prepare(*acked, batch_, *cur); !st) return st;
      if (cur->batch.records.empty()) return core::ok_status();
      send(*cur);
    }
    next = std::make_unique<Prepared>();
    if (Status st = prepare(cur->batch.last_seq, batch_after(cur->tried), *next); !st) return st;
    auto t0 = std::chrono::steady_clock::now();
    auto ack = answered(*cur);
    report_.push_attempts.push_back({static_cast<int>(cur->batch.records.size()), ack.ok(),
                                     cur->wait.wall_ms + cur->exchange.wall_ms +
                                         std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(),
                                     0});
    if (ack) {
      failures = 0;
      grow_batch(cur->tried);
      // A cancel() that came while cur was in flight: cur's answer is kept, nothing more goes out.
      if (!next->batch.records.empty() && !cancelled_) send(*next);
      // An error here returns with next in flight: its destructor waits for the exchange.
      if (Status st = acknowledge(*ack, cur->batch.records.size()); !st) return st;
      cur = std::move(next);
      if (!cur->answer.valid()) {
        if (cur->batch.records.empty()) return core::ok_status();
        return cancelled();
      }
      continue;
    }
    const int tried = cur->tried;
    next.reset();  // waits for its worker
    cur.reset();
    if (Status st = retry_after(ack.error(), tried, failures); !st) return st;
  }
}

// After a batch of `tried` records failed with `e`: the error to stop with, or ok once the
// batch size is adjusted and the backoff slept (the push then reads the outbox again).
Status SyncClient::retry_after(const Error& e, int tried, int& failures) {
  if (!retryable(e.code)) return e;
  if (++failures > options_.max_retries)
    return Error::make(e.code, e.message + " (gave up after " + std::to_string(failures) +
                                   " attempts; run the sync again to continue)");
  ++report_.retries;
  good_at_ceiling_ = 0;
  if (tried > good_max_ || failures >= 2) {
    // The link broke under a size that never arrived (or twice in a row): remember it, try half.
    ceiling_ = tried;
    batch_ = std::max(1, tried / 2);
    if (failures >= 2) good_max_ = std::min(good_max_, batch_);
  }
  // Else a size that arrived before was cut: the link broke in time, not by size (a link cut
  // every 2 s cuts a one-record request too). Halving for it ratcheted the batch down to one
  // record per request; the same size goes again.
  report_.push_attempts.back().backoff_ms = backoff(failures);
  return core::ok_status();
}

// Doubling after every success and halving after every failure makes a link that stays up for
// about one batch alternate between a batch that fits and one that is cut (and resent whole): on
// a link cut every 2 s, half the time went to batches that could not arrive. So after a failure
// the client grows by a quarter, and only up to below the size that failed; after 8 successes in
// a row it forgets that size and doubles again (the link may have got better). A failure of a size
// no bigger than one that arrived (good_max_) is the link's timing, not the size: push() sends
// the same size again, once; a second failure in a row halves as any other.
int SyncClient::batch_after(int succeeded) const {
  const int ceiling = ceiling_ > 0 && good_at_ceiling_ + 1 >= 8 ? 0 : ceiling_;
  if (ceiling == 0) return std::min(options_.max_batch, std::max(batch_, succeeded * 2));
  int next = succeeded + std::max(1, succeeded / 4);
  return std::min({options_.max_batch, std::max(succeeded, std::min(next, ceiling - 1))});
}

void SyncClient::grow_batch(int succeeded) {
  const int next = batch_after(succeeded);
  good_max_ = std::max(good_max_, succeeded);
  if (ceiling_ > 0 && ++good_at_ceiling_ >= 8) ceiling_ = 0;
  batch_ = next;
}

Status SyncClient::read_batch(std::vector<core::OutboxPushEntry>& entries, PushBatch& b) {
  b.device_id = device_id_;
  std::size_t bytes = 0;
  for (auto& e : entries) {
    auto rec = record_of(e);
    if (!rec) return rec.error();
    bytes += rec->xml.size() + 256;
    b.records.push_back(std::move(rec).value());
    if (bytes > options_.max_batch_bytes) break;
  }
  if (b.records.empty()) return core::ok_status();
  b.first_seq = b.records.front().seq;
  b.last_seq = b.records.back().seq;
  return core::ok_status();
}

void SyncClient::send(Prepared& p) {
  Request r{"POST", "/v1/push", {}, {{"content-type", "application/json"}, {"content-encoding", p.encoding}}, ""};
  authorize(r);
  // The sending thread reads only `p`'s body and writes only its wait, exchange and sent_bytes;
  // the throughput is the one measured so far (received() updates it on this thread, after).
  p.answer = std::async(std::launch::async, [this, &p, r = std::move(r), rate = bytes_per_ms_,
                                             min_timeout = options_.min_timeout]() mutable {
    Laps lap;
    r.body = p.body.get();  // waits for the worker only when it is still encoding
    lap(p.wait);
    p.sent_bytes = r.body.size();
    auto a = transport_.send(r, timeout_for(p.sent_bytes, rate, min_timeout));
    lap(p.exchange);
    return a;
  });
}

Result<core::PushAck> SyncClient::answered(Prepared& p) {
  PushTimings& time = report_.push_timings;
  const PushBatch& b = p.batch;
  Laps lap;
  Result<Response> got = p.answer.get();
  lap(time.in_flight);
  for (auto [from, to] : {std::pair{&p.encode, &time.encode}, {&p.compress, &time.compress}, {&p.wait, &time.wait},
                          {&p.exchange, &time.exchange}}) {
    to->wall_ms += from->wall_ms;
    to->cpu_ms += from->cpu_ms;
  }
  ++time.batches;
  auto a = received("/v1/push", p.sent_bytes, p.exchange.wall_ms, std::move(got));
  if (!a) return a.error();
  if (a->status != 200) return error_of(*a);
  auto j = parse_body(a->body);
  if (!j) return Error::make(ErrorCode::sync_server, "the push answer: " + j.error().message);
  auto ans = push_answer_from(*j);
  if (!ans) return Error::make(ErrorCode::sync_server, "the push answer: " + ans.error().message);
  if (ans->first_seq != b.first_seq || ans->last_seq != b.last_seq ||
      ans->results.size() != b.records.size())
    return Error::make(ErrorCode::sync_server, "the push answer does not cover the batch " +
                                                   std::to_string(b.first_seq) + ".." + std::to_string(b.last_seq));
  report_.clock_clamped += ans->clamped;
  report_.clock_ahead_ms = std::max(report_.clock_ahead_ms, ans->clock_ahead_ms);
  core::PushAck ack;
  ack.through_seq = b.last_seq;
  // The batch's entries, in seq order (the first records.size() of p.entries).
  const auto sent_end = p.entries.begin() + static_cast<std::ptrdiff_t>(b.records.size());
  for (const RecordResult& res : ans->results) {
    auto it = std::lower_bound(p.entries.begin(), sent_end, res.seq,
                               [](const core::OutboxPushEntry& e, std::int64_t seq) { return e.entry.seq < seq; });
    if (it == sent_end || it->entry.seq != res.seq)
      return Error::make(ErrorCode::sync_server, "the push answer names sequence " + std::to_string(res.seq) +
                                                     ", which was not in the batch");
    const core::OutboxEntry& entry = it->entry;
    bool submission = entry.kind == "submission";
    auto count = [&](std::int64_t& all, std::int64_t& subs) {
      ++all;
      if (submission) ++subs;
    };
    switch (res.status) {
      case RecordStatus::Accepted: count(report_.accepted, report_.submissions.accepted); break;
      case RecordStatus::Duplicate: count(report_.duplicates, report_.submissions.duplicates); break;
      case RecordStatus::Conflict: count(report_.conflicts, report_.submissions.conflicts); break;
      case RecordStatus::Rejected:
        count(report_.rejected, report_.submissions.rejected);
        if (report_.refusals.size() < SyncReport::kMaxRefusalsKept)
          report_.refusals.push_back({entry.kind, entry.subject, res.reason});
        break;
    }
    if (submission) ack.submissions.push_back({entry.subject, res.status == RecordStatus::Rejected, res.reason});
  }
  lap(time.answer);
  return ack;
}

Status SyncClient::acknowledge(const core::PushAck& ack, std::size_t records) {
  Laps lap;
  if (Status st = store_.ack_push(ack); !st) return st;
  lap(report_.push_timings.ack);
  report_.totals.records_sent += static_cast<std::int64_t>(records);
  progress();
  return core::ok_status();
}

}  // namespace khaosat::sync
