// DesktopWindow: the SDL2 window and its drawing path, OpenGL 3 (ImGui's SDL2/OpenGL3 backends)
// or SDL's software renderer (SdlRendererDraw: no OpenGL loaded at all), with ImGui's SDL2
// platform backend for input either way; the font atlas (Noto Sans) and its texture; screenshots
// of the frame just drawn as PNG. One per process; main thread only.
#pragma once

#include <memory>
#include <string>

#include "khaosat/core/result.hpp"
#include "renderer_choice.hpp"

struct SDL_Renderer;
struct SDL_Window;

namespace khaosat::desktop {

class SdlRendererDraw;
struct GlFunctions;

// The OpenGL context the GL path asks SDL for (3.2 core, double-buffered); the probe of
// `--renderer auto` asks for the same one.
void set_gl_attributes();

class DesktopWindow {
 public:
  // Creates the window (width x height pixels), its drawing path and the ImGui context. Fails
  // with a message naming what SDL or OpenGL refused (no display, no GL 3.2 context).
  static core::Result<std::unique_ptr<DesktopWindow>> open(int width, int height, bool vsync, RendererKind kind);
  ~DesktopWindow();
  SDL_Window* window() { return window_; }
  RendererKind kind() const { return kind_; }
  // Pixels per dp: the display's DPI / 96 on desktop (at least 1), or `forced` when > 0.
  float dp(float forced) const;
  // (Re)builds the atlas from `ttf` at `pixels` and uploads it; false when it is not a font
  // (or, printed on stderr, when the texture cannot be made).
  bool set_font(const std::string& ttf, float pixels);
  // Adjusts ImGui's style (after the app has set it) to what this drawing path draws best.
  void adapt_style();
  void begin_frame();           // backends' NewFrame (then the caller calls ImGui::NewFrame)
  void render();                // ImGui::Render() and draw into the back buffer
  void present();               // swap
  core::Status screenshot(const std::string& png_path);  // the frame just rendered, before present()
  // Keeps the on-screen keyboard (SDL text input) in step with ImGui and off the field.
  void update_text_input(bool want, float x0, float y0, float x1, float y1);

 private:
  DesktopWindow() = default;
  void drawable_size(int* w, int* h) const;
  SDL_Window* window_ = nullptr;
  RendererKind kind_ = RendererKind::Gl;
  void* gl_ = nullptr;                      // the GL path's context
  std::unique_ptr<GlFunctions> gl_functions_;
  SDL_Renderer* renderer_ = nullptr;        // the software path's renderer
  std::unique_ptr<SdlRendererDraw> draw_;   // ... and what draws ImGui through it
  bool imgui_ = false;
  bool text_input_ = false;
  float font_pixels_ = 0;
};

}  // namespace khaosat::desktop
