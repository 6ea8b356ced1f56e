// The app against a real sync server, for the app_* suites: LoopbackServer (SyncServer over
// SQLite storage, served by HttpServer on loopback, the built-in forms published) and SyncingApp
// (the app headless with the real StoreSync on a ThreadWorker, as the desktop app runs it, its
// own ImGui context so that two apps, an officer's and the office's, can run side by side).
#pragma once

#include <doctest/doctest.h>

#include <imgui.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <thread>

#include "khaosat/core/form_info.hpp"
#include "khaosat/core/form_session.hpp"
#include "khaosat/core/store.hpp"
#include "khaosat/core/xlsform.hpp"
#include "khaosat/sync/http.hpp"
#include "khaosat/sync/server.hpp"
#include "khaosat/sync/server_storage.hpp"
#include "khaosat/ui/app.hpp"
#include "khaosat/ui/store_sync.hpp"
#include "khaosat/ui/theme.hpp"
#include "khaosat/ui/walk.hpp"
#include "platforms/desktop/thread_worker.hpp"
#include "support/scoped_dir.hpp"
#include "ui/headless.hpp"  // read(), run_walk()

namespace khaosat::test {


// The server: a data folder, the built-in forms published (as `khaosat-server init` does), and
// HTTP on a free loopback port until destroyed.
struct LoopbackServer {
  ScopedDir dir;
  std::unique_ptr<sync::ServerStorage> storage;
  std::unique_ptr<sync::SyncServer> server;
  std::unique_ptr<sync::HttpServer> http;
  std::thread serving;
  std::string url;

  LoopbackServer() {
    auto s = sync::open_sqlite_storage((dir.path() / "server").string());
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
    storage = std::move(s).value();
    sync::ServerOptions options;
    options.plan_tables_dir = KHAOSAT_SOURCE_DIR "/forms";
    server = std::make_unique<sync::SyncServer>(*storage, options);
    publish_builtin_forms();
    http = std::make_unique<sync::HttpServer>(*server);
    auto port = http->bind("127.0.0.1", 0);
    REQUIRE(port.ok());
    url = "http://127.0.0.1:" + std::to_string(*port);
    serving = std::thread([this] { http->run(); });
  }
  ~LoopbackServer() {
    http->stop();
    serving.join();
  }
  void publish_builtin_forms() {
    std::string forms = KHAOSAT_SOURCE_DIR "/forms";
    std::vector<core::NamedBytes> media;
    std::vector<std::string> paths;
    for (const auto& e : std::filesystem::directory_iterator(forms)) {
      if (!e.is_regular_file()) continue;
      if (e.path().extension() == ".md") paths.push_back(e.path().string());
      else if (e.path().extension() == ".csv")
        media.push_back({e.path().filename().string(), core::Env::default_env().read_file(e.path().string(), 64 << 20).value()});
    }
    for (const auto& p : paths) {
      auto xml = core::convert_xlsform(p);
      REQUIRE_MESSAGE(xml.ok(), (xml.ok() ? "" : xml.error().message));
      core::FormLoadOptions lo;
      lo.media_dirs.push_back(forms);
      auto form = core::load_form_xml(*xml, p, lo);
      REQUIRE(form.ok());
      core::FormIdentity id = core::form_identity(*form);
      sync::PublishedForm f;
      f.form_id = id.id;
      f.version = id.version;
      f.title = id.title;
      f.xform = {std::filesystem::path(p).stem().string() + ".xml", *xml};
      f.sha256 = sync::sha256_hex(*xml);
      f.media = media;
      f.published_at = 1;
      REQUIRE(storage->publish_form(f).ok());
    }
  }
  std::string code(const std::string& role = "officer") {
    auto c = server->create_enrollment({role, "app test", {"binh_lu"}, 0});  // the walk's commune
    REQUIRE(c.ok());
    return *c;
  }
};

struct Online : ui::NetworkService {
  bool online() override { return true; }
};
struct Fix : ui::LocationService {
  std::optional<std::string> current_fix() override { return "22.3862 103.4990 1250 8"; }
};

// The app headless, with the real StoreSync on a ThreadWorker over HTTP.
struct SyncingApp {
  ScopedDir dir;
  Fix location;
  Online network;
  desktop::ThreadWorker worker;
  std::unique_ptr<ui::StoreSync> store_sync;
  std::unique_ptr<ui::App> app;
  // Wraps each transport a sync opens (set before the sync starts; called on the worker thread).
  std::function<std::unique_ptr<sync::Transport>(std::unique_ptr<sync::Transport>)> wrap_transport;

  ImGuiContext* context = nullptr;

  SyncingApp() {
    context = ImGui::CreateContext();
    ImGui::SetCurrentContext(context);
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(360, 800);
    io.DeltaTime = 1.0f / 60;
    auto font = core::Env::default_env().read_file("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", 64 << 20);
    REQUIRE_MESSAGE(font.ok(), "Noto Sans is missing: scripts/setup installs fonts-noto-core");
    REQUIRE(ui::load_font(*font, 18));
    unsigned char* pixels;
    int w, h;
    io.Fonts->GetTexDataAsAlpha8(&pixels, &w, &h);
    ui::apply_style(1);
    ui::StoreSyncOptions so;
    so.database = db();
    so.worker = &worker;
    so.open_transport = [this](const std::string& url) -> core::Result<std::unique_ptr<sync::Transport>> {
      auto t = sync::HttpTransport::open(url);
      if (!t) return t.error();
      auto out = std::unique_ptr<sync::Transport>(std::move(t).value());
      return wrap_transport ? wrap_transport(std::move(out)) : std::move(out);
    };
    so.client.sleep = [](std::chrono::milliseconds) {};  // retries without waiting
    so.client.max_retries = 2;
    store_sync = std::make_unique<ui::StoreSync>(std::move(so));
    ui::AppOptions o;
    o.services.location = &location;
    o.services.network = &network;
    o.services.worker = &worker;
    o.sync = store_sync.get();
    o.services.paths = ui::StoragePaths{db(), db() + ".settings.json", KHAOSAT_SOURCE_DIR "/forms"};
    auto opened = ui::App::open(o);
    REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
    app = std::move(opened).value();
  }
  ~SyncingApp() {
    ImGui::SetCurrentContext(context);
    app.reset();
    store_sync.reset();
    ImGui::DestroyContext(context);
  }
  std::string db() const { return (dir.path() / "device.db").string(); }
  std::string walk(const std::string& json) {
    ImGui::SetCurrentContext(context);
    return run_walk(*app, json, 2000000, [this] {
      if (app->busy()) std::this_thread::yield();
    });
  }
  std::unique_ptr<core::Store> store() {
    auto s = core::Store::open(db());
    REQUIRE(s.ok());
    return std::move(s).value();
  }
};

inline std::string enroll_walk(const std::string& url, const std::string& code, const std::string& then) {
  return R"([{"tap": "Kết nối máy chủ"}, {"tap": "Địa chỉ máy chủ"}, {"type": ")" + url +
         R"("}, {"tap": "Mã đăng ký"}, {"type": ")" + code + R"("}, {"tap": "Kết nối máy chủ"}, )" + then + "]";
}

// dd/mm/yyyy hh:mm of `ms` at UTC+7.
inline std::string at_utc7(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000 + 7 * 3600);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%d/%m/%Y %H:%M", &tm);
  return out;
}

}  // namespace khaosat::test
