// DesktopWindow: the SDL2 window with an OpenGL 3 context and ImGui's SDL2/OpenGL3 backends,
// the font atlas (Noto Sans) and its texture, and screenshots of the back buffer as PNG.
// One per process; main thread only.
#pragma once

#include <memory>
#include <string>

#include "khaosat/core/result.hpp"

struct SDL_Window;

namespace khaosat::desktop {

class DesktopWindow {
 public:
  // Creates the window (width x height pixels) and the ImGui context. Fails with a message
  // naming what SDL or OpenGL refused (no display, no GL 3).
  static core::Result<std::unique_ptr<DesktopWindow>> open(int width, int height, bool vsync);
  ~DesktopWindow();
  SDL_Window* window() { return window_; }
  // Pixels per dp: the display's DPI / 96 on desktop (at least 1), or `forced` when > 0.
  float dp(float forced) const;
  // (Re)builds the atlas from `ttf` at `pixels` and uploads it; false when it is not a font.
  bool set_font(const std::string& ttf, float pixels);
  void begin_frame();           // backends' NewFrame (then the caller calls ImGui::NewFrame)
  void render();                // ImGui::Render() and draw into the back buffer
  void present();               // swap
  core::Status screenshot(const std::string& png_path);  // the back buffer just rendered
  // Keeps the on-screen keyboard (SDL text input) in step with ImGui and off the field.
  void update_text_input(bool want, float x0, float y0, float x1, float y1);

 private:
  DesktopWindow() = default;
  SDL_Window* window_ = nullptr;
  void* gl_ = nullptr;
  bool text_input_ = false;
  float font_pixels_ = 0;
};

}  // namespace khaosat::desktop
