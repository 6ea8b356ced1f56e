// App: the whole of the app's screens (home, forms, filling, submissions, registry, settings,
// enroll/sync placeholders) over a device store, drawn with Dear ImGui. The platform owns the
// window, the ImGui context, its backends and the font texture; each frame it calls
// ImGui::NewFrame(), App::frame(), ImGui::Render() and draws.
//
// Ownership: the App owns the Store it opens and the FormSession being filled; Services and the
// SyncPort are borrowed. Thread-safety: UI thread only.
// Errors: open() fails with a message naming the database or the built-in form that could not
// be used; later store errors are shown on screen, never thrown.
#pragma once

#include <memory>
#include <string>

#include "khaosat/core/result.hpp"
#include "khaosat/ui/probe.hpp"
#include "khaosat/ui/services.hpp"
#include "khaosat/ui/strings.hpp"

namespace khaosat::ui {

class SyncPort;

struct Settings {
  Lang lang = Lang::Vi;
  float text_scale = 1.0f;  // 0.85, 1.0, 1.25, 1.5
  bool high_contrast = false;  // black on white, no grey: for reading in the sun
};

struct AppOptions {
  Services services;
  SyncPort* sync = nullptr;  // null until khaosat_sync provides one
  float dp = 1.0f;           // pixels per dp (platform DPI)
};

class AppImpl;

class App {
 public:
  // Opens (or creates) the store at services.paths.database, installs the built-in forms of
  // services.paths.builtin_forms (already installed ones are unchanged) and reads the settings.
  static core::Result<std::unique_ptr<App>> open(AppOptions options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Builds this frame's UI over the whole display (ImGui::GetIO().DisplaySize).
  void frame();
  // The platform's back key (Android back, Escape, a walk's {"back": true}).
  void back();

  const Settings& settings() const;
  // The font size the platform should build the atlas at (dp x text size); when it changes
  // the platform calls load_font() and re-uploads the texture before the next frame.
  float font_pixels() const;
  Probe& probe();
  // Background work (an enrollment, a sync, an office request) is running: a walk's expect
  // waits for it to end.
  bool busy();

 private:
  explicit App(std::unique_ptr<AppImpl> impl);
  std::unique_ptr<AppImpl> impl_;
};

}  // namespace khaosat::ui
