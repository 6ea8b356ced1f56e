// SyncPort: what the app's enroll, sync and office screens need from khaosat_sync, as a small
// interface, so that ui/ builds and is tested before the sync module exists. The desktop
// platform passes null until sync/ lands (the screens then say "not connected to a server" and
// the app works offline with the built-in forms); the sync module will provide the real one.
//
// Contract: called from the UI thread. enroll() and start_sync() return at once; the work runs
// elsewhere and progress() reports it (read every frame while the sync screen is shown).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "khaosat/core/result.hpp"

namespace khaosat::ui {

struct SyncProgress {
  bool running = false;
  double fraction = 0;             // 0..1 while running
  std::vector<std::string> log;    // readable lines, oldest first, in the app's language
  std::string last_error;          // "" when the last sync succeeded
  std::int64_t last_success_ms = 0;  // 0 = never
};

class SyncPort {
 public:
  virtual ~SyncPort() = default;
  virtual bool enrolled() = 0;
  virtual std::string server_url() = 0;
  // Starts enrolling this device at `server_url` with an enrollment code typed by the officer.
  virtual core::Status enroll(const std::string& server_url, const std::string& code) = 0;
  virtual core::Status start_sync() = 0;
  virtual SyncProgress progress() = 0;
};

}  // namespace khaosat::ui
