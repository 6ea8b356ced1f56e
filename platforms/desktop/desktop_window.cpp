// The SDL2 window behind the desktop app and its two drawing paths (desktop_window.hpp).
#include "desktop_window.hpp"

#include <algorithm>
#include <iostream>
#include <type_traits>
#include <vector>

#include <SDL.h>
#include <SDL_opengl.h>
#include <imgui.h>
#include <backends/imgui_impl_opengl3.h>
#include <backends/imgui_impl_sdl.h>
#include <stb_image_write.h>

#include "khaosat/ui/theme.hpp"
#include "sdl_renderer_draw.hpp"

namespace khaosat::desktop {

// The few OpenGL calls made here, looked up through SDL once the context exists: the app does
// not link libGL, so the software path never maps it (ImGui's OpenGL3 backend loads its own).
struct GlFunctions {
  void(APIENTRY* viewport)(GLint, GLint, GLsizei, GLsizei);
  void(APIENTRY* clear_color)(GLfloat, GLfloat, GLfloat, GLfloat);
  void(APIENTRY* clear)(GLbitfield);
  void(APIENTRY* pixel_store)(GLenum, GLint);
  void(APIENTRY* read_buffer)(GLenum);
  void(APIENTRY* read_pixels)(GLint, GLint, GLsizei, GLsizei, GLenum, GLenum, void*);

  bool load() {
    auto get = [](auto* fn, const char* name) {
      *fn = reinterpret_cast<std::remove_pointer_t<decltype(fn)>>(SDL_GL_GetProcAddress(name));
      return *fn != nullptr;
    };
    return get(&viewport, "glViewport") && get(&clear_color, "glClearColor") && get(&clear, "glClear") &&
           get(&pixel_store, "glPixelStorei") && get(&read_buffer, "glReadBuffer") && get(&read_pixels, "glReadPixels");
  }
};

void set_gl_attributes() {
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_FLAGS, 0);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 2);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
}

core::Result<std::unique_ptr<DesktopWindow>> DesktopWindow::open(int width, int height, bool vsync, RendererKind kind) {
  auto fail = [](const std::string& what) { return core::Error::make(core::ErrorCode::io, what + SDL_GetError()); };
  const bool gl = kind == RendererKind::Gl;
  // The software path's window keeps its pixels in X11 shared memory; left to itself SDL would
  // put that framebuffer in an OpenGL texture, loading the GL driver this path exists to avoid.
  if (!gl) SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) return fail("cannot start SDL video (no display?): ");
  if (gl) set_gl_attributes();
  std::unique_ptr<DesktopWindow> w(new DesktopWindow());
  w->kind_ = kind;
  w->window_ = SDL_CreateWindow("Khảo sát", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, width, height,
                                (gl ? SDL_WINDOW_OPENGL : 0) | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
  if (!w->window_) return fail("cannot open a window: ");
  if (gl) {
    w->gl_ = SDL_GL_CreateContext(w->window_);
    if (!w->gl_) return fail("cannot create an OpenGL 3.2 context (--renderer software draws without it): ");
    SDL_GL_MakeCurrent(w->window_, w->gl_);
    SDL_GL_SetSwapInterval(vsync ? 1 : 0);
    w->gl_functions_ = std::make_unique<GlFunctions>();
    if (!w->gl_functions_->load()) return fail("the OpenGL library lacks a basic function: ");
  } else {
    // SDL simulates vsync for its software renderer (no faster than the display's refresh).
    w->renderer_ = SDL_CreateRenderer(w->window_, -1, SDL_RENDERER_SOFTWARE | (vsync ? SDL_RENDERER_PRESENTVSYNC : 0));
    if (!w->renderer_) return fail("cannot create SDL's software renderer: ");
    w->draw_ = std::make_unique<SdlRendererDraw>(w->renderer_);
  }
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  w->imgui_ = true;
  ImGui::GetIO().IniFilename = nullptr;  // no imgui.ini beside the app
  if (gl) {
    ImGui_ImplSDL2_InitForOpenGL(w->window_, w->gl_);
    ImGui_ImplOpenGL3_Init("#version 150");
  } else {
    ImGui_ImplSDL2_InitForSDLRenderer(w->window_);
  }
  return w;
}

DesktopWindow::~DesktopWindow() {
  if (imgui_) {
    if (gl_) ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplSDL2_Shutdown();
    draw_.reset();  // its texture, before the renderer
    ImGui::DestroyContext();
  }
  if (renderer_) SDL_DestroyRenderer(renderer_);
  if (gl_) SDL_GL_DeleteContext(gl_);
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
  if (!ui::load_font(ttf, pixels, /*whole_pixels=*/!gl_)) return false;
  if (gl_) {
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    ImGui_ImplOpenGL3_CreateFontsTexture();
  } else if (!draw_->upload_font_atlas()) {
    std::cerr << "khaosat-app: cannot make the font's texture: " << SDL_GetError() << "\n";
    return false;
  }
  font_pixels_ = pixels;
  return true;
}

void DesktopWindow::adapt_style() {
  // SDL's software rasterizer shades triangles in fixed point to half a pixel, which spreads an
  // antialiased 1-pixel line's fringe unevenly along its length (a separator comes out in two
  // shades). Without antialiasing a thin line is a plain rectangle, which SDL fills exactly, as
  // crisp as OpenGL's; only rounded corners lose their smoothing. Filled shapes keep theirs.
  if (!gl_) ImGui::GetStyle().AntiAliasedLines = false;
}

void DesktopWindow::begin_frame() {
  if (gl_) ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplSDL2_NewFrame();
}

void DesktopWindow::drawable_size(int* w, int* h) const {
  if (gl_) SDL_GL_GetDrawableSize(window_, w, h);
  else SDL_GetRendererOutputSize(renderer_, w, h);
}

void DesktopWindow::render() {
  ImGui::Render();
  if (gl_) {
    int w = 0, h = 0;
    drawable_size(&w, &h);
    gl_functions_->viewport(0, 0, w, h);
    gl_functions_->clear_color(1, 1, 1, 1);
    gl_functions_->clear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  } else {
    SDL_SetRenderDrawColor(renderer_, 255, 255, 255, 255);
    SDL_RenderClear(renderer_);
    draw_->render(*ImGui::GetDrawData());
  }
}

void DesktopWindow::present() {
  if (gl_) SDL_GL_SwapWindow(window_);
  else SDL_RenderPresent(renderer_);
}

core::Status DesktopWindow::screenshot(const std::string& png_path) {
  int w = 0, h = 0;
  drawable_size(&w, &h);
  std::size_t row = static_cast<std::size_t>(w) * 4;
  std::vector<unsigned char> pixels(row * h);
  if (gl_) {
    std::vector<unsigned char> bottom_up(pixels.size());
    gl_functions_->pixel_store(GL_PACK_ALIGNMENT, 1);
    gl_functions_->read_buffer(GL_BACK);
    gl_functions_->read_pixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, bottom_up.data());
    // OpenGL's rows run bottom-up; PNG's top-down.
    for (int y = 0; y < h; ++y)
      std::copy_n(&bottom_up[static_cast<std::size_t>(h - 1 - y) * row], row, &pixels[static_cast<std::size_t>(y) * row]);
  } else if (SDL_RenderReadPixels(renderer_, nullptr, SDL_PIXELFORMAT_RGBA32, pixels.data(), static_cast<int>(row)) != 0) {
    return core::Error::make(core::ErrorCode::io, png_path + ": cannot read the frame back: " + SDL_GetError());
  }
  for (std::size_t i = 3; i < pixels.size(); i += 4) pixels[i] = 255;  // opaque
  if (!stbi_write_png(png_path.c_str(), w, h, 4, pixels.data(), static_cast<int>(row)))
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
