// StoreSync: the app's SyncPort over sync::SyncClient. Enrollment and sync run as Worker jobs
// (services.hpp) on a Store of their own opened on the device database (SQLite serializes its
// writers; the UI thread's Store sees the result when the screens re-read it), so the UI never
// blocks on the network. Progress (records sent of total, attachments) and a readable log are
// kept under a mutex that the worker writes and the UI thread reads each frame.
//
// The network enters through a TransportOpener, so ui/ never calls httplib: the desktop passes
// one that opens sync::HttpTransport; tests may pass the same or a failing one.
//
// Errors: enroll() refuses a malformed URL or an empty code at once; what the server or the
// network says (a wrong code, no network) lands in progress().last_error in the app's language.
// The last successful sync time is kept in the store (cursor "ui.last_sync_ms").
//
// Ownership: borrows the Worker (it must outlive this object). Thread-safety: the public
// methods are for the UI thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "khaosat/sync/client.hpp"
#include "khaosat/ui/services.hpp"
#include "khaosat/ui/sync_port.hpp"

namespace khaosat::ui {

using TransportOpener = std::function<core::Result<std::unique_ptr<sync::Transport>>(const std::string& url)>;

struct StoreSyncOptions {
  std::string database;            // the device store's path (the App's paths.database)
  Worker* worker = nullptr;        // required
  TransportOpener open_transport;  // required
  core::Env* env = nullptr;        // null: core::Env::default_env()
  sync::ClientOptions client;      // retries, backoff (tests make sleep a no-op)
  // The name the device enrolls under; "" (the default) takes the name the office gave the code
  // (khaosat-server enroll --name), which is what the office's trails then show.
  std::string device_name;
};

class StoreSync final : public SyncPort {
 public:
  explicit StoreSync(StoreSyncOptions options);
  ~StoreSync() override;
  StoreSync(const StoreSync&) = delete;
  StoreSync& operator=(const StoreSync&) = delete;

  bool enrolled() override;
  std::string server_url() override;
  core::Status enroll(const std::string& server_url, const std::string& code) override;
  core::Status start_sync() override;
  SyncProgress progress() override;
  void set_language(Lang lang) override;
  core::Status office_call(OfficeCall call, OfficeDone done) override;

  struct State;

 private:
  void refresh();  // re-reads the enrollment and the last sync time from the store
  StoreSyncOptions options_;
  std::shared_ptr<State> state_;
  Lang lang_ = Lang::Vi;
};

}  // namespace khaosat::ui
