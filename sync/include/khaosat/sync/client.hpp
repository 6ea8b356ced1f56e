// SyncClient: the device side of the protocol (docs/sync-protocol.md) over the device store:
// push the outbox in adaptive batches, upload the attachments the server needs in resumable
// chunks, pull forms, registry changes and decisions. It keeps no state of its own: everything
// it must remember (what was acknowledged, the pull cursor, the enrollment) is in the Store,
// written in the transactions that apply the server's answers, so a sync cut anywhere continues
// where it stopped.
//
// The network enters through Transport (HTTP in http.hpp; tests pass one that calls a
// SyncServer directly, or that fails on purpose). Time and randomness for backoff enter through
// ClientOptions so tests never sleep.
//
// Thread-safety: one SyncClient per thread, with its Store. cancel() may be called from any thread.
// The push runs two threads of its own beside the caller's: a worker that encodes the next batch
// and one that carries the batch in flight through Transport::send (one request at a time; the
// transport is called from that thread). The Store, the report and the progress callback are
// used from the caller's thread only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "khaosat/core/store.hpp"
#include "khaosat/sync/protocol.hpp"

namespace khaosat::sync {

// Sends one request and returns the answer, whatever its status. An Error (sync.transport) only
// when no answer came: cannot connect, the connection broke, the timeout passed.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<Response> send(const Request& request, std::chrono::milliseconds timeout) = 0;
};

struct SyncProgress {
  enum class Phase { Push, Attachments, Pull, Done } phase = Phase::Push;
  std::int64_t records_sent = 0, records_total = 0;  // outbox rows acknowledged / to push
  std::int64_t changes_pulled = 0;
  std::int64_t attachments_done = 0, attachments_total = 0;
  std::int64_t bytes_up = 0, bytes_down = 0;          // on the wire (compressed)
  int requests = 0;
};

// How the server answered a set of pushed records.
struct RecordCounts {
  std::int64_t accepted = 0, duplicates = 0, conflicts = 0, rejected = 0;
};

// Where this device's push time went (summed over the batches; the bench
// prints it): reading the outbox rows and their submissions, building the batch's JSON, gzip,
// the exchange (the request on the wire, the server's whole work, the answer back), reading the
// answer, and recording the acknowledgement in the store (one transaction, fsync).
struct PushTimings {
  // encode and compress run on a worker thread while the batch before is in flight; wait (for
  // them) and exchange on the thread that sends the batch; in_flight is the client thread's wait
  // for the answer, after it has read the next batch and acknowledged the one before (push() in
  // client_push.cpp).
  PhaseTime outbox, encode, compress, wait, exchange, in_flight, answer, ack;
  int batches = 0;
};

// One push request: the records it carried, whether its answer came back (false: cut, timed out
// or refused as retryable), its wall time, and the backoff the client waited after it.
struct PushAttempt {
  int records = 0;
  bool arrived = false;
  double ms = 0, backoff_ms = 0;
};

struct SyncReport {
  SyncProgress totals;
  PushTimings push_timings;
  std::vector<PushAttempt> push_attempts;  // in order (the link's log: scripts/bench sync)
  double backoff_ms = 0;                   // all the waiting in backoff, push and other requests
  // Every outbox row: submissions and registry edits (a survey with an entity declaration is two
  // rows, its registry edit and the submission).
  std::int64_t accepted = 0, duplicates = 0, conflicts = 0, rejected = 0;
  // The submissions among them: what an officer calls "surveys sent".
  RecordCounts submissions;
  // The rejected rows with the server's reason, the first kMaxRefusalsKept of them (`rejected`
  // counts them all): what `khaosat sync` shows an officer.
  struct Refusal {
    std::string kind, subject, reason;  // kind: "submission" or "registry"; subject: instance or record id
  };
  static constexpr std::size_t kMaxRefusalsKept = 100;
  std::vector<Refusal> refusals;
  int retries = 0;
  // Registry edits the server re-stamped because this device's clock was too far ahead, and by
  // how much (the largest): the user should set the phone's date and time.
  std::int64_t clock_clamped = 0, clock_ahead_ms = 0;
  bool complete = false;  // every outbox row acknowledged, no attachment needed, pull done
};

struct ClientOptions {
  int initial_batch = 500;
  int max_batch = 5000;
  std::size_t max_batch_bytes = 8u << 20;
  std::size_t chunk_bytes = 256u << 10;
  int max_retries = 5;                 // consecutive failures before sync() gives up (~8 s of backoff at most)
  std::chrono::milliseconds min_timeout{15000};
  std::function<void(std::chrono::milliseconds)> sleep;  // unset: std::this_thread::sleep_for
  std::function<double()> random_unit;                    // [0, 1) for jitter; unset: std::random_device
  std::function<void(const SyncProgress&)> on_progress;  // after every request
  // zlib's level for push bodies (1 fastest .. 9 smallest). 5: the 20,000-record bench's bodies
  // at 99.5 bytes a record (6: 96.9) for half of level 6's CPU (docs/sync-protocol.md, "Push").
  int gzip_level = 5;
  // zstd's level for push bodies when the server reads zstd (GET /v1/info lists it in
  // "content_encodings"; docs/sync-protocol.md, "Encoding"); 0: gzip always. 1: the bench's
  // 20,000 records at 98.0 bytes a record for 14 ms of compression CPU (gzip level 5: 99.5 bytes,
  // 125 ms; zstd 3: 99.0, 24 ms; 5: 96.9; 9: 92.5).
  int zstd_level = 1;
};

class SyncClient {
 public:
  // `store` and `transport` must outlive the client.
  SyncClient(core::Store& store, Transport& transport, ClientOptions options = {});

  // Enrolls the store with the server at `server_url` (only recorded; the transport carries the
  // request) using a one-time code; the store takes the server's device id and token, and
  // `ca_pem`, the server certificate the transport was told to trust (kept for later syncs).
  Status enroll(const std::string& server_url, const std::string& code, const std::string& device_name = "",
                const std::string& ca_pem = "");

  // Push, attachments, pull. The report says what happened; an Error when the sync could not
  // finish (its message says why and that running it again continues).
  Result<SyncReport> sync();
  void cancel() { cancelled_ = true; }

  int batch_size() const { return batch_; }
  // The report of the last sync(), as far as it went (also when it ended in an Error).
  const SyncReport& last_report() const { return report_; }

 private:
  // One request without retries: authorize() it, send it with timeout_for() the expected bytes,
  // and account for it with received(). The push splits these: its request goes out on a
  // thread of its own (send() in client_push.cpp), the accounting stays on the client's thread.
  Result<Response> exchange(Request r, std::size_t expected_bytes);
  void authorize(Request& r) const;  // the token and Accept-Encoding headers
  // 4x the expected transfer time at the measured throughput (0: not measured), at least min_timeout.
  static std::chrono::milliseconds timeout_for(std::size_t expected_bytes, double bytes_per_ms,
                                               std::chrono::milliseconds min_timeout);
  // Counts the request (report_, the measured throughput) and gunzips a gzip answer; `up`: the
  // request body's bytes, `ms`: the exchange's wall time. Client thread only.
  Result<Response> received(const std::string& path, std::size_t up, double ms, Result<Response> answer);
  Result<Response> call(Request r, std::size_t expected_bytes);
  Status push();
  // The records of `entries` (in order, up to ClientOptions::max_batch_bytes of XML) into `b`.
  // Moves their XML and attachments into the records (only the entries themselves stay).
  Status read_batch(std::vector<core::OutboxPushEntry>& entries, PushBatch& b);
  struct Prepared;
  // Reads the batch of up to `size` outbox rows after `after_seq` into `p` and starts building
  // its body on a worker thread (client_push.cpp).
  Status prepare(std::int64_t after_seq, int size, Prepared& p);
  // Starts `p`'s request on a thread of its own (it waits for the body, then for the answer).
  void send(Prepared& p);
  // Waits for `p`'s answer and checks that it covers the batch whole; counts the results into
  // the report and returns the acknowledgement to record. Nothing is written to the store.
  Result<core::PushAck> answered(Prepared& p);
  // Records `ack` in the store (one transaction) and reports the batch's records as sent.
  Status acknowledge(const core::PushAck& ack, std::size_t records);
  Status upload_attachments();
  Status upload_one(const AttachmentNeed& need);
  Status pull();
  Result<PushRecord> record_of(core::OutboxPushEntry& e);  // moves e's XML and attachments
  // How this server takes push batches: xml_templates when GET /v1/info lists it, else records
  // (a server from before that layout; asked once per client, with body_encoding's answer).
  Result<PushLayout> push_layout();  // asks the server once (GET /v1/info); an error: no answer
  // The Content-Encoding of push bodies: "zstd" when GET /v1/info lists it and zstd_level > 0,
  // else "gzip" (a server from before the extension). Call after push_layout().
  std::string body_encoding() const;
  double backoff(int attempt);  // sleeps; returns the milliseconds it slept
  Status retry_after(const Error& e, int tried, int& failures);  // after a failed batch (client_push.cpp)
  void grow_batch(int succeeded);  // the next batch size after a batch of `succeeded` records arrived
  int batch_after(int succeeded) const;  // what grow_batch(succeeded) will make it, unchanged
  // Worth another attempt: no answer, or the server's own failure (not a refusal).
  static bool retryable(ErrorCode c);
  void progress();

  core::Store& store_;
  Transport& transport_;
  ClientOptions options_;
  std::string token_, device_id_;
  int batch_;
  double bytes_per_ms_ = 0;  // measured throughput (0 = not yet)
  std::optional<PushLayout> layout_;
  bool server_reads_zstd_ = false;  // GET /v1/info's content_encodings lists zstd
  int ceiling_ = 0;          // a batch size that failed on this link (0 = none known)
  int good_at_ceiling_ = 0;  // successes since then
  int good_max_ = 0;         // the largest batch that arrived (lowered after two failures in a row)
  std::atomic<bool> cancelled_{false};
  SyncReport report_;
};

}  // namespace khaosat::sync
