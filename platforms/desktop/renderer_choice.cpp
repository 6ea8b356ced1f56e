// Which drawing path the app takes, and auto's probe (renderer_choice.hpp).
#include "renderer_choice.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <SDL.h>
#include <SDL_opengl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "desktop_window.hpp"

namespace khaosat::desktop {

namespace {

constexpr int kProbeTimeoutMs = 5000;
constexpr const char* kMemoryHeader = "khaosat-renderer 1";

// What steers Mesa's and SDL's choice of a driver: an answer probed under other values of
// these is probed again.
std::string environment_key() {
  static const char* const kNames[] = {"LIBGL_ALWAYS_SOFTWARE", "GALLIUM_DRIVER", "MESA_LOADER_DRIVER_OVERRIDE",
                                       "__GLX_VENDOR_LIBRARY_NAME", "DRI_PRIME", "SDL_VIDEODRIVER"};
  std::string key;
  for (const char* name : kNames) {
    const char* value = std::getenv(name);
    key += std::string(key.empty() ? "" : " ") + name + "=" + (value ? value : "");
  }
  key += std::getenv("WAYLAND_DISPLAY") ? " wayland" : " x11";
  std::replace(key.begin(), key.end(), '\n', ' ');
  return key;
}

RendererChoice from_probe(const std::string& answer, const char* how) {
  // The child's answer: "gl RENDERER" or "nogl WHY" (no OpenGL 3.2 context: only software can draw).
  if (answer.rfind("gl ", 0) == 0) {
    std::string gl = answer.substr(3);
    return {is_software_gl(gl) ? RendererKind::Software : RendererKind::Gl, std::string(how) + ": OpenGL is " + gl};
  }
  return {RendererKind::Software, std::string(how) + ": no OpenGL 3.2 context (" + answer.substr(answer.find(' ') + 1) + ")"};
}

[[noreturn]] void probe_and_exit(int fd) {
  std::string answer;
  if (SDL_Init(SDL_INIT_VIDEO) != 0) {
    answer = std::string("novideo ") + SDL_GetError();
  } else {
    set_gl_attributes();
    SDL_Window* window = SDL_CreateWindow("khaosat-probe", 0, 0, 16, 16, SDL_WINDOW_OPENGL | SDL_WINDOW_HIDDEN);
    void* context = window ? SDL_GL_CreateContext(window) : nullptr;
    using GetString = const GLubyte*(APIENTRY*)(GLenum);
    auto get_string = context ? reinterpret_cast<GetString>(SDL_GL_GetProcAddress("glGetString")) : nullptr;
    const GLubyte* name = get_string ? get_string(GL_RENDERER) : nullptr;
    if (name) answer = std::string("gl ") + reinterpret_cast<const char*>(name);
    else answer = std::string("nogl ") + SDL_GetError();
  }
  std::replace(answer.begin(), answer.end(), '\n', ' ');
  for (std::size_t done = 0; done < answer.size();) {
    ssize_t n = write(fd, answer.data() + done, answer.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  _exit(0);  // no destructors, atexit handlers or leak checks: the child only answers
}

}  // namespace

std::optional<RendererRequest> parse_renderer(std::string_view text) {
  if (text == "gl") return RendererRequest::Gl;
  if (text == "software") return RendererRequest::Software;
  if (text == "auto") return RendererRequest::Auto;
  return std::nullopt;
}

const char* renderer_name(RendererKind kind) { return kind == RendererKind::Gl ? "gl" : "software"; }

bool is_software_gl(std::string_view gl_renderer) {
  std::string lower(gl_renderer);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* name : {"llvmpipe", "softpipe", "swrast", "software"})
    if (lower.find(name) != std::string::npos) return true;
  return false;
}

AutoRenderer::~AutoRenderer() {
  if (child_ > 0) {
    kill(child_, SIGKILL);
    waitpid(child_, nullptr, 0);
  }
  if (pipe_ >= 0) close(pipe_);
}

void AutoRenderer::start() {
  std::ifstream in(memory_file_);
  std::string header, env, answer;
  if (std::getline(in, header) && header == kMemoryHeader && std::getline(in, env) && env == "env " + environment_key() &&
      std::getline(in, answer)) {
    remembered_ = from_probe(answer, "remembered");
    return;
  }
  int fds[2];
  if (pipe(fds) != 0) return;
  forked_ = std::chrono::steady_clock::now();
  child_ = fork();
  if (child_ == 0) {
    close(fds[0]);
    probe_and_exit(fds[1]);
  }
  close(fds[1]);
  if (child_ < 0) {
    close(fds[0]);
    return;
  }
  pipe_ = fds[0];
}

RendererChoice AutoRenderer::wait() {
  if (remembered_) return *remembered_;
  if (child_ < 0) return {RendererKind::Gl, "auto: cannot start the OpenGL probe, trying OpenGL"};
  auto since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
  };
  auto waiting = std::chrono::steady_clock::now();
  std::string answer;
  char buffer[512];
  for (bool open = true; open;) {
    pollfd p{pipe_, POLLIN, 0};
    int ready = poll(&p, 1, kProbeTimeoutMs);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;  // hung: killed below
    ssize_t n = read(pipe_, buffer, sizeof buffer);
    if (n > 0) answer.append(buffer, static_cast<std::size_t>(n));
    else open = false;
  }
  const double probe_ms = since(forked_), waited_ms = since(waiting);
  close(pipe_);
  pipe_ = -1;
  int status = 0;
  if (answer.empty()) kill(child_, SIGKILL);
  waitpid(child_, &status, 0);
  child_ = -1;
  if (answer.empty()) return {RendererKind::Software, "probed: the OpenGL probe did not answer", probe_ms, waited_ms};
  if (answer.rfind("novideo ", 0) == 0)  // no display: the window will fail and say so; nothing to remember
    return {RendererKind::Software, "probed: " + answer.substr(8), probe_ms, waited_ms};
  // Remembered through a temporary file and a rename, so two apps starting at once never read
  // half of it. A folder that cannot be written only means probing again next time.
  std::string tmp = memory_file_ + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << kMemoryHeader << "\nenv " << environment_key() << "\n" << answer << "\n";
  }
  if (std::rename(tmp.c_str(), memory_file_.c_str()) != 0) std::remove(tmp.c_str());
  RendererChoice choice = from_probe(answer, "probed");
  choice.probe_ms = probe_ms;
  choice.waited_ms = waited_ms;
  return choice;
}

}  // namespace khaosat::desktop
