// StoreSync: enrollment and sync as Worker jobs over their own Store (store_sync.hpp).
#include "khaosat/ui/store_sync.hpp"

#include <charconv>
#include <mutex>

#include "khaosat/core/store.hpp"

namespace khaosat::ui {

namespace {
constexpr const char* kLastSyncCursor = "ui.last_sync_ms";
constexpr std::size_t kMaxLogLines = 200;

// A readable reason for an error of the client, in `lang`.
std::string explain(const core::Error& e, Lang lang) {
  switch (e.code) {
    case core::ErrorCode::sync_enroll: return catalogue_text(Str::sync_wrong_code, lang);
    case core::ErrorCode::sync_transport: return catalogue_text(Str::sync_no_network, lang);
    case core::ErrorCode::sync_auth:
    case core::ErrorCode::sync_forbidden: return catalogue_text(Str::sync_refused, lang);
    default: return format(catalogue_text(Str::sync_other_s, lang), e.message.c_str());
  }
}

// "http://host[:port]" with a host: what HttpTransport takes (TLS is a later slice).
bool plausible_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return false;
  std::string rest = url.substr(scheme.size());
  if (rest.empty() || rest[0] == ':' || rest[0] == '/') return false;
  for (char c : rest)
    if (c == ' ' || c == '\t' || static_cast<unsigned char>(c) < 0x20) return false;
  return true;
}

std::string trimmed(const std::string& s) {
  auto a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  auto b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}
}  // namespace

struct StoreSync::State {
  std::mutex mu;
  SyncProgress progress;
  bool loaded = false, enrolled = false;
  std::string server_url;
  sync::SyncClient* client = nullptr;  // while a job runs, for cancel()
  bool closing = false;

  void log(std::string line) {
    std::lock_guard lock(mu);
    progress.log.push_back(std::move(line));
    if (progress.log.size() > kMaxLogLines) progress.log.erase(progress.log.begin());
  }
  // What the job's store says now: the enrollment and the last sync time.
  void read_from(core::Store& store) {
    auto e = store.enrollment();
    auto last = store.cursor(kLastSyncCursor);
    std::lock_guard lock(mu);
    if (e && *e) {
      enrolled = true;
      server_url = (*e)->server;
    }
    // A cursor that is not a number (a damaged store) reads as "never", not as an exception.
    if (last && !last->empty()) {
      std::int64_t ms = 0;
      auto [end, ec] = std::from_chars(last->data(), last->data() + last->size(), ms);
      if (ec == std::errc() && end == last->data() + last->size()) progress.last_success_ms = ms;
    }
    loaded = true;
  }
};

StoreSync::StoreSync(StoreSyncOptions options)
    : options_(std::move(options)), state_(std::make_shared<State>()) {}

StoreSync::~StoreSync() {
  std::lock_guard lock(state_->mu);
  state_->closing = true;
  if (state_->client) state_->client->cancel();
}

void StoreSync::set_language(Lang lang) { lang_ = lang; }

void StoreSync::refresh() {
  {
    std::lock_guard lock(state_->mu);
    if (state_->loaded) return;
  }
  core::StoreOptions o;
  o.actor = "app";
  o.env.os = options_.env;
  auto store = core::Store::open(options_.database, o);
  if (store) state_->read_from(**store);
  else {
    std::lock_guard lock(state_->mu);
    state_->loaded = true;
    state_->progress.last_error = store.error().message;
  }
}

bool StoreSync::enrolled() {
  refresh();
  std::lock_guard lock(state_->mu);
  return state_->enrolled;
}

std::string StoreSync::server_url() {
  refresh();
  std::lock_guard lock(state_->mu);
  return state_->server_url;
}

SyncProgress StoreSync::progress() {
  refresh();
  std::lock_guard lock(state_->mu);
  return state_->progress;
}

core::Status StoreSync::enroll(const std::string& typed_url, const std::string& typed_code) {
  std::string url = trimmed(typed_url), code = trimmed(typed_code);
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!plausible_url(url))
    return core::Error::make(core::ErrorCode::sync_request,
                             format(catalogue_text(Str::sync_bad_url_s, lang_), typed_url.c_str()));
  if (code.empty()) return core::Error::make(core::ErrorCode::sync_enroll, catalogue_text(Str::sync_code_empty, lang_));
  {
    std::lock_guard lock(state_->mu);
    if (state_->progress.running)
      return core::Error::make(core::ErrorCode::store_busy, catalogue_text(Str::sync_busy, lang_));
    state_->progress.running = true;
    state_->progress.fraction = 0;
    state_->progress.last_error.clear();
  }
  state_->log(format(catalogue_text(Str::log_enrolling_s, lang_), url.c_str()));
  auto state = state_;
  StoreSyncOptions o = options_;
  Lang lang = lang_;
  options_.worker->submit([state, o, lang, url, code]() -> Worker::Done {
    std::string error;
    core::StoreOptions so;
    so.actor = "app";
    so.env.os = o.env;
    auto store = core::Store::open(o.database, so);
    if (!store) error = format(catalogue_text(Str::error_s, lang), store.error().message.c_str());
    if (store) {
      auto transport = o.open_transport(url);
      if (!transport) {
        error = explain(transport.error(), lang);
      } else {
        sync::SyncClient client(**store, **transport, o.client);
        {
          std::lock_guard lock(state->mu);
          state->client = &client;
          if (state->closing) client.cancel();
        }
        auto st = client.enroll(url, code, o.device_name);
        {
          std::lock_guard lock(state->mu);
          state->client = nullptr;
        }
        if (!st) error = explain(st.error(), lang);
        else state->read_from(**store);
      }
    }
    if (error.empty()) state->log(format(catalogue_text(Str::log_enrolled_s, lang), url.c_str()));
    else state->log(error);
    std::lock_guard lock(state->mu);
    state->progress.running = false;
    state->progress.last_error = error;
    ++state->progress.finished;
    return {};
  });
  return core::ok_status();
}

core::Status StoreSync::start_sync() {
  {
    std::lock_guard lock(state_->mu);
    if (state_->progress.running)
      return core::Error::make(core::ErrorCode::store_busy, catalogue_text(Str::sync_busy, lang_));
    if (!state_->enrolled)
      return core::Error::make(core::ErrorCode::sync_enroll, catalogue_text(Str::not_enrolled, lang_));
    state_->progress.running = true;
    state_->progress.fraction = 0;
    state_->progress.records_sent = state_->progress.records_total = 0;
    state_->progress.attachments_done = state_->progress.attachments_total = 0;
    state_->progress.bytes_up = state_->progress.bytes_down = 0;
    state_->progress.last_error.clear();
  }
  auto state = state_;
  StoreSyncOptions o = options_;
  Lang lang = lang_;
  options_.worker->submit([state, o, lang]() mutable -> Worker::Done {
    std::string error;
    core::StoreOptions so;
    so.actor = "app";
    so.env.os = o.env;
    core::Env& env = o.env ? *o.env : core::Env::default_env();
    auto store = core::Store::open(o.database, so);
    std::unique_ptr<sync::Transport> transport;
    if (!store) {
      error = format(catalogue_text(Str::error_s, lang), store.error().message.c_str());
    } else {
      auto e = (*store)->enrollment();
      auto t = e && *e ? o.open_transport((*e)->server) : core::Result<std::unique_ptr<sync::Transport>>(
                                                             core::Error::make(core::ErrorCode::sync_enroll, "not enrolled"));
      if (!t) error = explain(t.error(), lang);
      else transport = std::move(t).value();
    }
    if (transport) {
      std::int64_t waiting = 0;
      if (auto outbox = (*store)->list_outbox())
        for (const auto& entry : *outbox) waiting += entry.acked_at ? 0 : 1;
      state->log(format(catalogue_text(Str::log_sync_start_d, lang), static_cast<int>(waiting)));
      // One log line per phase and per step of progress within it, not per request.
      auto last_phase = std::make_shared<int>(-1);
      auto last_sent = std::make_shared<std::int64_t>(-1);
      auto last_files = std::make_shared<std::int64_t>(-1);
      o.client.on_progress = [state, lang, last_phase, last_sent, last_files](const sync::SyncProgress& p) {
        using Phase = sync::SyncProgress::Phase;
        double f = 0;
        if (p.phase == Phase::Push)
          f = p.records_total ? 0.8 * static_cast<double>(p.records_sent) / static_cast<double>(p.records_total) : 0.8;
        else if (p.phase == Phase::Attachments)
          f = 0.8 + (p.attachments_total ? 0.1 * static_cast<double>(p.attachments_done) /
                                                 static_cast<double>(p.attachments_total) : 0.1);
        else if (p.phase == Phase::Pull) f = 0.9;
        else f = 1;
        {
          std::lock_guard lock(state->mu);
          state->progress.fraction = f;
          state->progress.records_sent = p.records_sent;
          state->progress.records_total = p.records_total;
          state->progress.attachments_done = p.attachments_done;
          state->progress.attachments_total = p.attachments_total;
          state->progress.bytes_up = p.bytes_up;
          state->progress.bytes_down = p.bytes_down;
        }
        if (p.records_total > 0 && p.records_sent != *last_sent) {
          *last_sent = p.records_sent;
          state->log(format(catalogue_text(Str::log_sent_d_d, lang), static_cast<int>(p.records_sent),
                            static_cast<int>(p.records_total)));
        }
        if (p.attachments_total > 0 && p.attachments_done != *last_files) {
          *last_files = p.attachments_done;
          state->log(format(catalogue_text(Str::log_files_d_d, lang), static_cast<int>(p.attachments_done),
                            static_cast<int>(p.attachments_total)));
        }
        if (p.phase == Phase::Pull && *last_phase != static_cast<int>(Phase::Pull))
          state->log(catalogue_text(Str::log_pull, lang));
        *last_phase = static_cast<int>(p.phase);
      };
      sync::SyncClient client(**store, *transport, o.client);
      {
        std::lock_guard lock(state->mu);
        state->client = &client;
        if (state->closing) client.cancel();
      }
      auto report = client.sync();
      {
        std::lock_guard lock(state->mu);
        state->client = nullptr;
      }
      if (!report) {
        error = explain(report.error(), lang);
      } else {
        // Surveys, as the officer counts them; registry edits (a survey's entity, a record
        // edited in the registry) on a line of their own.
        const sync::RecordCounts& subs = report->submissions;
        state->log(format(catalogue_text(Str::log_done_d_d_d_d, lang), static_cast<int>(subs.accepted),
                          static_cast<int>(subs.duplicates), static_cast<int>(subs.conflicts),
                          static_cast<int>(subs.rejected)));
        std::int64_t edits = report->totals.records_sent - (subs.accepted + subs.duplicates + subs.conflicts + subs.rejected);
        if (edits > 0) state->log(format(catalogue_text(Str::log_registry_edits_d, lang), static_cast<int>(edits)));
        state->log(format(catalogue_text(Str::log_pulled_d, lang), static_cast<int>(report->totals.changes_pulled)));
        if (report->clock_clamped > 0)
          state->log(clock_warning(report->clock_clamped, report->clock_ahead_ms, lang));
        {
          std::lock_guard lock(state->mu);
          state->progress.clock_clamped = report->clock_clamped;
          state->progress.clock_ahead_ms = report->clock_ahead_ms;
        }
        if (!report->complete) error = catalogue_text(Str::sync_no_network, lang);
        else {
          std::int64_t now = env.now_ms();
          if (auto st = (*store)->set_cursor(kLastSyncCursor, std::to_string(now)); !st)
            error = format(catalogue_text(Str::error_s, lang), st.error().message.c_str());
          std::lock_guard lock(state->mu);
          state->progress.last_success_ms = now;
          state->progress.fraction = 1;
        }
      }
    }
    if (!error.empty()) state->log(format(catalogue_text(Str::log_failed_s, lang), error.c_str()));
    std::lock_guard lock(state->mu);
    state->progress.running = false;
    state->progress.last_error = error;
    ++state->progress.finished;
    return {};
  });
  return core::ok_status();
}

std::string clock_warning(std::int64_t clamped, std::int64_t ahead_ms, Lang lang) {
  constexpr std::int64_t kMinute = 60 * 1000, kHour = 60 * kMinute, kDay = 24 * kHour;
  std::string lead = ahead_ms >= 2 * kDay    ? format(catalogue_text(Str::duration_days_d, lang), static_cast<int>(ahead_ms / kDay))
                     : ahead_ms >= 2 * kHour ? format(catalogue_text(Str::duration_hours_d, lang), static_cast<int>(ahead_ms / kHour))
                                             : format(catalogue_text(Str::duration_minutes_d, lang),
                                                      static_cast<int>((ahead_ms + kMinute - 1) / kMinute));
  return format(catalogue_text(Str::sync_clock_ahead_s_d, lang), lead.c_str(), static_cast<int>(clamped));
}

}  // namespace khaosat::ui
