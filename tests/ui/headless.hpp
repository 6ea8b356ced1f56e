// The headless app of the UI tests: one ImGui context without a renderer and one App over a
// fresh store in a temporary folder, driven by walks (walk.hpp) acting on visible text.
#pragma once

#include <doctest/doctest.h>

#include <imgui.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "khaosat/core/env.hpp"
#include "khaosat/core/store.hpp"
#include "khaosat/ui/app.hpp"
#include "khaosat/ui/services.hpp"
#include "khaosat/ui/sync_port.hpp"
#include "khaosat/ui/theme.hpp"
#include "khaosat/ui/walk.hpp"
#include "support/scoped_dir.hpp"

namespace khaosat::test {

struct NoLocation : ui::LocationService {
  std::optional<std::string> current_fix() override { return "22.3862 103.4990 1250 8"; }
};
struct Offline : ui::NetworkService {
  bool online() override { return false; }
};
struct PickedPhotos : ui::PhotoService {
  std::vector<std::string> files;
  std::vector<std::string> candidates() override { return files; }
};

// Runs the walk `json` on `app` (its ImGui context current) frame by frame, at most `max_frames`;
// "" when it passed, else the failure naming the step. `after_frame` runs after each frame that
// did not end the walk (a test whose app works on other threads yields there).
inline std::string run_walk(ui::App& app, const std::string& json, long max_frames,
                            const std::function<void()>& after_frame = {}) {
  auto steps = ui::parse_walk(json, "walk");
  REQUIRE_MESSAGE(steps.ok(), (steps.ok() ? "" : steps.error().message));
  ui::WalkRunner runner(std::move(steps).value(), app);
  for (long frame = 0; frame < max_frames; ++frame) {
    runner.before_frame();
    ImGui::NewFrame();
    app.frame();
    ImGui::Render();
    auto state = runner.after_frame();
    if (state == ui::WalkRunner::State::Done) return "";
    if (state == ui::WalkRunner::State::Failed) return runner.failure();
    if (after_frame) after_frame();
  }
  return "the walk did not finish";
}

// One ImGui context and one App over a fresh store, at a phone's 360x800.
struct Headless {
  test::ScopedDir dir;
  NoLocation location;
  Offline network;
  PickedPhotos photos;
  ui::SyncPort* sync = nullptr;  // none: the app without sync
  core::Env* env = nullptr;       // none: the OS's clock
  std::unique_ptr<ui::App> app;
  std::string forms = KHAOSAT_SOURCE_DIR "/forms";  // the built-in forms folder the app reads
  float dp = 1;  // pixels per dp, as the platform reads the display's DPI

  explicit Headless(float width = 360, float height = 800) {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(width, height);
    io.DeltaTime = 1.0f / 60;
    auto font = core::Env::default_env().read_file("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", 64 << 20);
    REQUIRE_MESSAGE(font.ok(), "Noto Sans is missing: scripts/setup installs fonts-noto-core");
    REQUIRE(ui::load_font(*font, 18));
    unsigned char* pixels;
    int w, h;
    io.Fonts->GetTexDataAsAlpha8(&pixels, &w, &h);  // built; no texture is uploaded anywhere
    ui::apply_style(1);
  }
  ~Headless() {
    app.reset();
    ImGui::DestroyContext();
  }
  std::string db() const { return (dir.path() / "device.db").string(); }
  void open() {
    ui::AppOptions o;
    o.services.location = &location;
    o.services.network = &network;
    o.services.photo = &photos;
    o.services.paths = ui::StoragePaths{db(), db() + ".settings.json", forms};
    o.sync = sync;
    o.services.env = env;
    o.dp = dp;
    auto opened = ui::App::open(o);
    REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
    app = std::move(opened).value();
  }
  // Runs a walk; "" when it passed, else the failure naming the step.
  std::string walk(const std::string& json) {
    if (!app) open();
    return run_walk(*app, json, 20000);
  }
};

inline std::string read(const std::string& path) {
  auto r = core::Env::default_env().read_file(path, 1 << 20);
  REQUIRE(r.ok());
  return *r;
}


// What the desktop platform does when App::font_pixels() changes: the atlas again at that size.
inline void reload_font(float pixels) {
  auto font = core::Env::default_env().read_file("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", 64 << 20);
  REQUIRE(font.ok());
  REQUIRE(ui::load_font(*font, pixels));
  unsigned char* data;
  int w, hh;
  ImGui::GetIO().Fonts->GetTexDataAsAlpha8(&data, &w, &hh);
}

// The instance XML of the store's only draft, "" when it has none or several.
inline std::string only_draft_xml(const std::string& db) {
  auto store = core::Store::open(db);
  REQUIRE(store.ok());
  auto drafts = (*store)->list_drafts();
  REQUIRE(drafts.ok());
  if (drafts->size() != 1) return "";
  return (*store)->get_draft((*drafts)[0].draft_id)->instance_xml;
}

}  // namespace khaosat::test
