// The SDL2 + OpenGL 3 window behind the desktop app (desktop_window.hpp).
#include "desktop_window.hpp"

#include <algorithm>
#include <vector>

#include <SDL.h>
#include <SDL_opengl.h>
#include <imgui.h>
#include <backends/imgui_impl_opengl3.h>
#include <backends/imgui_impl_sdl.h>
#include <stb_image_write.h>

#include "khaosat/ui/theme.hpp"

namespace khaosat::desktop {

core::Result<std::unique_ptr<DesktopWindow>> DesktopWindow::open(int width, int height, bool vsync) {
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0)
    return core::Error::make(core::ErrorCode::io, std::string("cannot start SDL video (no display?): ") + SDL_GetError());
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_FLAGS, 0);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 2);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  std::unique_ptr<DesktopWindow> w(new DesktopWindow());
  w->window_ = SDL_CreateWindow("Khảo sát", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, width, height,
                                SDL_WINDOW_OPENGL | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
  if (!w->window_)
    return core::Error::make(core::ErrorCode::io, std::string("cannot open a window: ") + SDL_GetError());
  w->gl_ = SDL_GL_CreateContext(w->window_);
  if (!w->gl_)
    return core::Error::make(core::ErrorCode::io, std::string("cannot create an OpenGL 3.2 context: ") + SDL_GetError());
  SDL_GL_MakeCurrent(w->window_, w->gl_);
  SDL_GL_SetSwapInterval(vsync ? 1 : 0);
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // no imgui.ini beside the app
  ImGui_ImplSDL2_InitForOpenGL(w->window_, w->gl_);
  ImGui_ImplOpenGL3_Init("#version 150");
  return w;
}

DesktopWindow::~DesktopWindow() {
  if (gl_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplSDL2_Shutdown();
    ImGui::DestroyContext();
    SDL_GL_DeleteContext(gl_);
  }
  if (window_) SDL_DestroyWindow(window_);
  SDL_Quit();
}

float DesktopWindow::dp(float forced) const {
  if (forced > 0) return forced;
  float ddpi = 0;
  if (SDL_GetDisplayDPI(SDL_GetWindowDisplayIndex(window_), &ddpi, nullptr, nullptr) != 0 || ddpi <= 0) return 1;
  float d = ddpi / 96.0f;
  return d < 1 ? 1 : d > 4 ? 4 : d;
}

bool DesktopWindow::set_font(const std::string& ttf, float pixels) {
  if (pixels == font_pixels_) return true;
  if (!ui::load_font(ttf, pixels)) return false;
  ImGui_ImplOpenGL3_DestroyFontsTexture();
  ImGui_ImplOpenGL3_CreateFontsTexture();
  font_pixels_ = pixels;
  return true;
}

void DesktopWindow::begin_frame() {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplSDL2_NewFrame();
}

void DesktopWindow::render() {
  ImGui::Render();
  ImGuiIO& io = ImGui::GetIO();
  int w = 0, h = 0;
  SDL_GL_GetDrawableSize(window_, &w, &h);
  glViewport(0, 0, w, h);
  glClearColor(1, 1, 1, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  (void)io;
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void DesktopWindow::present() { SDL_GL_SwapWindow(window_); }

core::Status DesktopWindow::screenshot(const std::string& png_path) {
  int w = 0, h = 0;
  SDL_GL_GetDrawableSize(window_, &w, &h);
  std::vector<unsigned char> pixels(static_cast<std::size_t>(w) * h * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  // OpenGL's rows run bottom-up; PNG's top-down. The alpha channel is made opaque.
  std::vector<unsigned char> flipped(pixels.size());
  std::size_t row = static_cast<std::size_t>(w) * 4;
  for (int y = 0; y < h; ++y)
    std::copy_n(&pixels[static_cast<std::size_t>(h - 1 - y) * row], row, &flipped[static_cast<std::size_t>(y) * row]);
  for (std::size_t i = 3; i < flipped.size(); i += 4) flipped[i] = 255;
  if (!stbi_write_png(png_path.c_str(), w, h, 4, flipped.data(), static_cast<int>(row)))
    return core::Error::make(core::ErrorCode::io, png_path + ": cannot write the screenshot");
  return core::ok_status();
}

void DesktopWindow::update_text_input(bool want, float x0, float y0, float x1, float y1) {
  if (want && !text_input_) SDL_StartTextInput();
  if (!want && text_input_) SDL_StopTextInput();
  text_input_ = want;
  if (want) {
    SDL_Rect r{static_cast<int>(x0), static_cast<int>(y0), static_cast<int>(x1 - x0), static_cast<int>(y1 - y0)};
    SDL_SetTextInputRect(&r);  // the on-screen keyboard stays clear of the field being typed in
  }
}

}  // namespace khaosat::desktop
