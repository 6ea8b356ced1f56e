// Which drawing path the desktop app takes: OpenGL 3 (ImGui's OpenGL3 backend) or SDL's
// software renderer (SdlRendererDraw), and how `--renderer auto` decides between them.
//
// OpenGL through a software rasterizer (Mesa's llvmpipe on a PC without a GPU driver) costs
// ~70 MiB of resident memory (libLLVM) and draws no faster than SDL's own software renderer,
// so auto takes OpenGL only where it is a real GPU. Telling needs a GL context, which maps
// libLLVM for the rest of the process; so the probe runs in a forked child (the app itself
// never loads GL when it draws in software), and its answer is remembered in a file beside the
// app's settings, so only the first start on a machine pays for it. docs/app.md, "Two drawing
// paths". Main thread only; call before anything starts a thread or SDL.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace khaosat::desktop {

enum class RendererKind { Gl, Software };
enum class RendererRequest { Gl, Software, Auto };

// "gl", "software", "auto"; nullopt for anything else.
std::optional<RendererRequest> parse_renderer(std::string_view text);
const char* renderer_name(RendererKind kind);

// True when an OpenGL renderer string (GL_RENDERER) names a software rasterizer: Mesa's
// llvmpipe, softpipe or swrast, or another "software" one.
bool is_software_gl(std::string_view gl_renderer);

struct RendererChoice {
  RendererKind kind = RendererKind::Gl;
  std::string why;  // e.g. "probed: OpenGL is llvmpipe (LLVM 15.0.6, 256 bits)", "remembered: ...", "asked for"
  double probe_ms = 0;    // from the probe's fork to its answer (0: no probe)
  double waited_ms = 0;   // of which the app waited for it in wait() (the rest overlapped its start)
};

// Decides `auto`: from the remembered answer in `memory_file` when it was made under the same
// environment (the variables that steer Mesa and SDL), else by a probe in a child process,
// whose answer is then remembered. start() forks the probe and returns at once, so the caller
// can read its files meanwhile; wait() collects the answer (at most a few seconds: a probe that
// hangs is killed and the app draws in software).
class AutoRenderer {
 public:
  explicit AutoRenderer(std::string memory_file) : memory_file_(std::move(memory_file)) {}
  ~AutoRenderer();
  AutoRenderer(const AutoRenderer&) = delete;
  AutoRenderer& operator=(const AutoRenderer&) = delete;
  void start();
  RendererChoice wait();

 private:
  std::string memory_file_;
  std::optional<RendererChoice> remembered_;
  pid_t child_ = -1;
  int pipe_ = -1;
  std::chrono::steady_clock::time_point forked_;
};

}  // namespace khaosat::desktop
