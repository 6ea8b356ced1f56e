// khaosat-app: the desktop app (an SDL2 window over khaosat_ui, drawn with OpenGL 3 or SDL's
// software renderer), and the scripted walks that test it as a person would (docs/app.md).
//
// Usage: khaosat-app [--walk WALK.json --screenshots DIR] [--size WxH] [--db FILE]
//                    [--forms DIR] [--font FILE] [--location "lat lon alt acc"] [--photos DIR]
//                    [--offline] [--dp X] [--renderer gl|software|auto] [--stats]
#include <SDL.h>
#include <imgui.h>
#include <backends/imgui_impl_sdl.h>
#include <algorithm>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "desktop_services.hpp"
#include "desktop_window.hpp"
#include "renderer_choice.hpp"
#include "thread_worker.hpp"
#include "khaosat/sync/http.hpp"
#include "khaosat/ui/app.hpp"
#include "khaosat/ui/store_sync.hpp"
#include "khaosat/ui/theme.hpp"
#include "khaosat/ui/walk.hpp"

namespace {

constexpr const char* kUsage =
    "usage: khaosat-app [--walk WALK.json --screenshots DIR] [--size WxH] [--db FILE]\n"
    "                   [--forms DIR] [--font FILE] [--location \"lat lon alt acc\"] [--photos DIR]\n"
    "                   [--offline] [--dp X] [--renderer gl|software|auto] [--stats]\n"
    "Opens the survey app. --walk runs a scripted walk (docs/app.md) and exits: 0 when every\n"
    "step passed, 1 naming the step that failed; --screenshots DIR receives its PNG screenshots.\n"
    "--renderer: how the app draws. gl = OpenGL 3; software = SDL's software renderer (no OpenGL\n"
    "loaded: ~70 MiB less memory where OpenGL is itself a software rasterizer such as Mesa's\n"
    "llvmpipe); auto (the default; KHAOSAT_RENDERER overrides it) = OpenGL unless it is a\n"
    "software rasterizer, found out once by a probe and remembered in khaosat-renderer.txt beside\n"
    "the settings file (delete it to probe again).\n"
    "--stats prints start-up time, frame times and memory as JSON on exit (scripts/bench app).\n";

struct Args {
  std::string walk, shots, db, forms, font, location, photos, settings, renderer;
  int width = 420, height = 800;
  bool offline = false, stats = false, size_given = false;
  float dp = 0;
};

bool parse_args(int argc, char** argv, Args* a, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) { *error = s + " needs a value"; return false; }
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (s == "--walk") { if (!value(&a->walk)) return false; }
    else if (s == "--screenshots") { if (!value(&a->shots)) return false; }
    else if (s == "--db") { if (!value(&a->db)) return false; }
    else if (s == "--forms") { if (!value(&a->forms)) return false; }
    else if (s == "--font") { if (!value(&a->font)) return false; }
    else if (s == "--location") { if (!value(&a->location)) return false; }
    else if (s == "--photos") { if (!value(&a->photos)) return false; }
    else if (s == "--settings") { if (!value(&a->settings)) return false; }
    else if (s == "--renderer") {
      if (!value(&a->renderer)) return false;
      if (!khaosat::desktop::parse_renderer(a->renderer)) { *error = "--renderer takes gl, software or auto"; return false; }
    }
    else if (s == "--offline") a->offline = true;
    else if (s == "--stats") a->stats = true;
    else if (s == "--dp") {
      if (!value(&v)) return false;
      a->dp = std::strtof(v.c_str(), nullptr);
      if (!(a->dp >= 0.5f && a->dp <= 8)) { *error = "--dp takes a number from 0.5 to 8"; return false; }
    } else if (s == "--size") {
      if (!value(&v)) return false;
      if (std::sscanf(v.c_str(), "%dx%d", &a->width, &a->height) != 2 || a->width < 240 || a->height < 320 ||
          a->width > 8192 || a->height > 8192) {
        *error = "--size takes WIDTHxHEIGHT in pixels, from 240x320 to 8192x8192 (e.g. 360x800)";
        return false;
      }
      a->size_given = true;
    } else if (s == "-h" || s == "--help") {
      std::cout << kUsage;
      std::exit(0);
    } else {
      *error = "unknown argument '" + s + "'";
      return false;
    }
  }
  if (!a->shots.empty() && a->walk.empty()) { *error = "--screenshots needs --walk"; return false; }
  return true;
}

// The Noto Sans file: --font, KHAOSAT_FONT, then where Debian's fonts-noto-core puts it.
khaosat::core::Result<std::string> read_font(const std::string& given) {
  std::vector<std::string> candidates;
  if (!given.empty()) candidates.push_back(given);
  else {
    if (const char* env = std::getenv("KHAOSAT_FONT"); env && *env) candidates.push_back(env);
    candidates.push_back("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf");
    candidates.push_back("/usr/share/fonts/noto/NotoSans-Regular.ttf");
  }
  for (const auto& path : candidates) {
    auto info = khaosat::core::Env::default_env().stat(path);
    if (!info || info->kind == khaosat::core::FileKind::Missing) continue;
    auto bytes = khaosat::core::Env::default_env().read_file(path, 64ull << 20);
    if (!bytes) return khaosat::core::Error::make(khaosat::core::ErrorCode::ui_font, bytes.error().message);
    return std::move(bytes).value();
  }
  std::string tried;
  for (const auto& c : candidates) tried += "\n  " + c;
  return khaosat::core::Error::make(
      khaosat::core::ErrorCode::ui_font,
      "cannot find the Noto Sans font (it draws every Vietnamese letter); looked at:" + tried +
          "\ninstall Debian's fonts-noto-core (scripts/setup) or pass --font FILE");
}

// A "Field:   N kB" line of a /proc/self file (status, smaps_rollup), in KiB; 0 when absent.
long proc_kib(const char* file, const char* field) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field, 0) == 0) return std::strtol(line.c_str() + std::strlen(field), nullptr, 10);
  return 0;
}

long rss_kib(const char* field) { return proc_kib("/proc/self/status", field); }

// The OpenGL and Mesa libraries mapped into this process (/proc/self/maps), by file name: none
// on the software path; libLLVM, the DRI driver and libGL's pieces on OpenGL under llvmpipe.
std::vector<std::string> gl_libraries_mapped() {
  std::vector<std::string> names;
  std::ifstream in("/proc/self/maps");
  for (std::string line; std::getline(in, line);) {
    auto slash = line.rfind('/');
    if (slash == std::string::npos) continue;
    std::string name = line.substr(slash + 1);
    bool gl = name.rfind("libGL", 0) == 0 || name.rfind("libEGL", 0) == 0 || name.rfind("libLLVM", 0) == 0 ||
              name.rfind("libgallium", 0) == 0 || name.find("_dri.so") != std::string::npos ||
              name.rfind("libglapi", 0) == 0;
    if (gl && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

// CPU time of every thread of this process so far.
double process_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  auto t0 = std::chrono::steady_clock::now();
  using namespace khaosat;
  Args args;
  std::string error;
  if (!parse_args(argc, argv, &args, &error)) {
    std::cerr << "khaosat-app: " << error << "\n" << kUsage;
    return 2;
  }
  std::optional<std::vector<ui::WalkStep>> steps;
  if (!args.walk.empty()) {
    auto text = core::Env::default_env().read_file(args.walk, core::kMaxScriptFileBytes);
    auto parsed = text ? ui::parse_walk(*text, args.walk) : core::Result<std::vector<ui::WalkStep>>(text.error());
    if (!parsed) {
      std::cerr << "khaosat-app: " << parsed.error().message << "\n";
      return 2;
    }
    steps = std::move(parsed).value();
    if (!args.shots.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(args.shots, ec);
      if (ec) {
        std::cerr << "khaosat-app: cannot create the screenshot folder " << args.shots << ": " << ec.message() << "\n";
        return 2;
      }
    }
  }
  std::string data_dir = desktop::default_data_dir();
  if (args.db.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    args.db = data_dir + "/device.db";
  }
  if (args.settings.empty()) args.settings = args.db + ".settings.json";
  // The drawing path: --renderer, else KHAOSAT_RENDERER, else auto, whose probe (when nothing
  // is remembered) runs in a child process while this one reads the font.
  if (args.renderer.empty())
    if (const char* env = std::getenv("KHAOSAT_RENDERER"); env && *env) {
      if (!desktop::parse_renderer(env)) {
        std::cerr << "khaosat-app: KHAOSAT_RENDERER takes gl, software or auto, not '" << env << "'\n";
        return 2;
      }
      args.renderer = env;
    }
  auto request = desktop::parse_renderer(args.renderer.empty() ? "auto" : args.renderer);
  std::optional<desktop::AutoRenderer> auto_renderer;
  if (*request == desktop::RendererRequest::Auto) {
    auto_renderer.emplace(
        (std::filesystem::path(args.settings).parent_path() / "khaosat-renderer.txt").string());
    auto_renderer->start();
  }
  auto font = read_font(args.font);
  if (!font) {
    std::cerr << "khaosat-app: " << font.error().message << "\n";
    return 2;
  }
  if (args.forms.empty()) {
    const char* env = std::getenv("KHAOSAT_FORMS");
    args.forms = env && *env ? env : KHAOSAT_BUILTIN_FORMS;
  }
  if (args.location.empty())
    if (const char* env = std::getenv("KHAOSAT_LOCATION"); env && *env) args.location = env;
  if (args.photos.empty())
    if (const char* home = std::getenv("HOME"); home && *home) args.photos = std::string(home) + "/Pictures";

  desktop::RendererChoice renderer;
  if (auto_renderer) renderer = auto_renderer->wait();
  else if (*request == desktop::RendererRequest::Gl) renderer = {desktop::RendererKind::Gl, "asked for"};
  else renderer = {desktop::RendererKind::Software, "asked for"};
  auto window = desktop::DesktopWindow::open(args.width, args.height, !steps, renderer.kind);
  if (!window) {
    std::cerr << "khaosat-app: " << window.error().message << "\n";
    return 1;
  }
  desktop::DesktopWindow& win = **window;
  desktop::ConfiguredLocation location(args.location.empty() ? std::nullopt : std::optional<std::string>(args.location));
  desktop::FolderPhotos photos(args.photos);
  desktop::InterfaceNetwork network(args.offline);
  desktop::ThreadWorker worker;
  ui::StoreSyncOptions sync_options;
  sync_options.database = args.db;
  sync_options.worker = &worker;
  sync_options.open_transport = [](const std::string& url) -> core::Result<std::unique_ptr<sync::Transport>> {
    auto t = sync::HttpTransport::open(url);
    if (!t) return t.error();
    return std::unique_ptr<sync::Transport>(std::move(t).value());
  };
  ui::StoreSync store_sync(std::move(sync_options));
  ui::AppOptions options;
  options.sync = &store_sync;
  options.services.worker = &worker;
  options.services.location = &location;
  options.services.photo = &photos;
  options.services.network = &network;
  options.services.paths = ui::StoragePaths{args.db, args.settings, args.forms};
  options.dp = win.dp(steps ? (args.dp > 0 ? args.dp : 1) : args.dp);
  ui::apply_style(options.dp);
  win.adapt_style();
  auto app = ui::App::open(options);
  if (!app) {
    std::cerr << "khaosat-app: " << app.error().message << "\n";
    return 1;
  }
  ui::App& a = **app;
  std::optional<ui::WalkRunner> runner;
  if (steps) runner.emplace(std::move(*steps), a);

  double first_frame_ms = -1;
  // Per frame: building it and handing the draw lists to the renderer (frame_ms), and that
  // plus present (whole_ms): both renderers rasterize at present (llvmpipe when the buffers are
  // swapped, SDL's software renderer when its batch is flushed), so only the second is the
  // whole cost of a frame.
  // And the CPU time the whole frame took, every thread of the process (llvmpipe rasterizes in
  // several): on a loaded machine the wall time is also waiting for a core, this is not.
  std::vector<double> frame_ms, whole_ms, whole_cpu_ms;
  int exit_code = 0;
  for (bool running = true; running;) {
    SDL_Event event;
    while (SDL_PollEvent(&event)) {
      if (event.type == SDL_QUIT) running = false;
      if (runner) continue;  // a walk is the only input
      ImGui_ImplSDL2_ProcessEvent(&event);
      if (event.type == SDL_KEYDOWN && (event.key.keysym.sym == SDLK_ESCAPE || event.key.keysym.sym == SDLK_AC_BACK))
        a.back();
    }
    if (!win.set_font(*font, a.font_pixels())) {
      std::cerr << "khaosat-app: the font is not a TrueType/OpenType font ImGui can read\n";
      return 2;
    }
    auto f0 = std::chrono::steady_clock::now();
    const double c0 = process_cpu_ms();
    win.begin_frame();
    if (runner) {
      runner->before_frame();
      ImGui::GetIO().DeltaTime = 1.0f / 60;  // walks run frame by frame, not by the wall clock
    }
    ImGui::NewFrame();
    a.frame();
    win.render();
    if (first_frame_ms < 0) first_frame_ms = ms_since(t0);
    const double built_ms = ms_since(f0);
    frame_ms.push_back(built_ms);
    const auto& focus = a.probe().focused_rect;
    win.update_text_input(ImGui::GetIO().WantTextInput && focus, focus ? focus->x0 : 0, focus ? focus->y0 : 0,
                          focus ? focus->x1 : 0, focus ? focus->y1 : 0);
    if (runner) {
      auto state = runner->after_frame();
      if (state == ui::WalkRunner::State::Screenshot && !args.shots.empty()) {
        std::string path = args.shots + "/" + runner->screenshot_name() + ".png";
        if (auto st = win.screenshot(path); !st) {
          std::cerr << "khaosat-app: " << st.error().message << "\n";
          return 1;
        }
        std::cout << "screenshot " << path << "\n";
      } else if (state == ui::WalkRunner::State::Done) {
        running = false;
      } else if (state == ui::WalkRunner::State::Failed) {
        std::cerr << "khaosat-app: " << args.walk << ": " << runner->failure() << "\n";
        exit_code = 1;
        running = false;
      }
    }
    auto p0 = std::chrono::steady_clock::now();
    win.present();
    whole_ms.push_back(built_ms + ms_since(p0));
    whole_cpu_ms.push_back(process_cpu_ms() - c0);
  }
  if (args.stats) {
    std::ostringstream out;
    // The last 120 frames: median, p95 and max.
    auto last120 = [](const std::vector<double>& all, const char* prefix) {
      std::vector<double> tail(all.end() - std::min<std::size_t>(all.size(), 120), all.end());
      std::sort(tail.begin(), tail.end());
      auto pct = [&](double p) { return tail.empty() ? 0 : tail[std::min(tail.size() - 1, static_cast<std::size_t>(p * tail.size()))]; };
      std::ostringstream o;
      o << ", \"" << prefix << "median_ms\": " << pct(0.5) << ", \"" << prefix << "p95_ms\": " << pct(0.95) << ", \""
        << prefix << "max_ms\": " << (tail.empty() ? 0 : tail.back());
      return o.str();
    };
    out << "{\"first_frame_ms\": " << first_frame_ms << ", \"frames\": " << frame_ms.size()
        << last120(frame_ms, "last120_") << last120(whole_ms, "last120_whole_")
        << last120(whole_cpu_ms, "last120_whole_cpu_") << ", \"rss_kib\": " << rss_kib("VmRSS:")
        << ", \"peak_rss_kib\": " << rss_kib("VmHWM:")
        // What RSS is made of: the app's own memory (anonymous pages: heap, stacks, the GL
        // driver's buffers) beside the files mapped in (libLLVM, Mesa, SDL, ...) and shared memory.
        << ", \"rss_anon_kib\": " << rss_kib("RssAnon:") << ", \"rss_file_kib\": " << rss_kib("RssFile:")
        << ", \"rss_shmem_kib\": " << rss_kib("RssShmem:")
        << ", \"pss_kib\": " << proc_kib("/proc/self/smaps_rollup", "Pss:")
        << ", \"private_dirty_kib\": " << proc_kib("/proc/self/smaps_rollup", "Private_Dirty:")
        << ", \"renderer\": " << nlohmann::json(desktop::renderer_name(renderer.kind)).dump()
        << ", \"renderer_probe_ms\": " << renderer.probe_ms << ", \"renderer_probe_waited_ms\": " << renderer.waited_ms
        << ", \"renderer_why\": " << nlohmann::json(renderer.why).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
        << ", \"gl_libraries\": " << nlohmann::json(gl_libraries_mapped()).dump() << "}\n";
    std::cout << out.str();
  }
  return exit_code;
}
