// SyncPort: what the app's enroll, sync and office screens need from khaosat_sync, as a small
// interface. StoreSync (store_sync.hpp) is the real one, over sync::SyncClient on a Worker; a
// null SyncPort means "no sync in this build" (the screens say so and the app works offline
// with the built-in forms); tests may pass fakes.
//
// Contract: called from the UI thread. enroll() and start_sync() return at once; the work runs
// elsewhere and progress() reports it (read every frame while the sync screen is shown).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "khaosat/core/result.hpp"
#include "khaosat/ui/strings.hpp"

namespace khaosat::ui {

struct SyncProgress {
  bool running = false;            // a sync or an enrollment is under way
  double fraction = 0;             // 0..1 while running
  std::int64_t records_sent = 0, records_total = 0;          // outbox rows acknowledged / to push
  std::int64_t attachments_done = 0, attachments_total = 0;  // files uploaded / needed
  std::int64_t bytes_up = 0, bytes_down = 0;  // sent and received on the wire (compressed) in this run
  std::vector<std::string> log;    // readable lines, oldest first, in the app's language
  std::string last_error;          // "" when the last sync or enrollment succeeded
  std::int64_t last_success_ms = 0;  // 0 = never
  // The last sync's registry edits the server re-stamped because this device's clock was too far
  // ahead, and by how much (the largest lead): the officer should set the date and time.
  std::int64_t clock_clamped = 0, clock_ahead_ms = 0;
  int finished = 0;                // runs finished since start: the screens re-read the store when it moves
};

// The warning for a clock the server found ahead (SyncProgress::clock_clamped, clock_ahead_ms),
// the lead in days, hours or minutes: "Đồng hồ của máy này nhanh hơn máy chủ 3 ngày: …".
std::string clock_warning(std::int64_t clamped, std::int64_t ahead_ms, Lang lang);

class SyncPort {
 public:
  virtual ~SyncPort() = default;
  virtual bool enrolled() = 0;
  virtual std::string server_url() = 0;
  // Starts enrolling this device at `server_url` with an enrollment code typed by the officer.
  // An error at once for what is wrong before any request (a malformed URL, an empty code).
  virtual core::Status enroll(const std::string& server_url, const std::string& code) = 0;
  virtual core::Status start_sync() = 0;
  virtual SyncProgress progress() = 0;
  // The language of the log lines and messages from now on.
  virtual void set_language(Lang) {}

  // The office endpoints (docs/sync-protocol.md, "Office") for a device enrolled as admin or
  // viewer: sends the request with the device's token in the background and calls `done` on the
  // UI thread (from the Worker's poll) with the answer's JSON text, or an error whose message is
  // for people (the server's message when it refused). An error at once when not enrolled.
  struct OfficeCall {
    std::string method = "GET", path;  // "/v1/office/submissions"
    std::map<std::string, std::string> query;
    std::string body;                  // JSON, for POST
  };
  using OfficeDone = std::function<void(core::Result<std::string>)>;
  virtual core::Status office_call(OfficeCall call, OfficeDone done) {
    (void)call;
    (void)done;
    return core::Error::make(core::ErrorCode::sync_enroll, "no sync in this build");
  }
};

}  // namespace khaosat::ui
