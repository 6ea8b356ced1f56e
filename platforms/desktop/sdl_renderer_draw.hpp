// SdlRendererDraw: draws Dear ImGui's draw lists through SDL_Renderer (SDL >= 2.0.18's
// SDL_RenderGeometryRaw), the app's drawing path without OpenGL. With SDL's software renderer
// nothing of OpenGL, Mesa or LLVM is loaded (docs/app.md, "Two drawing paths").
// Owns the font atlas's texture; borrows the renderer, which must outlive it. Main thread only.
#pragma once

#include <vector>

struct ImDrawData;
struct SDL_Renderer;
struct SDL_Texture;

namespace khaosat::desktop {

class SdlRendererDraw {
 public:
  explicit SdlRendererDraw(SDL_Renderer* renderer) : renderer_(renderer) {}
  ~SdlRendererDraw();
  SdlRendererDraw(const SdlRendererDraw&) = delete;
  SdlRendererDraw& operator=(const SdlRendererDraw&) = delete;

  // (Re)creates the texture from ImGui's font atlas (as RGBA) and gives the atlas its id;
  // false, with SDL_GetError() saying why, when SDL refuses the texture.
  bool upload_font_atlas();
  // Draws every command list of `data` into the renderer's target, each clipped to its
  // rectangle; leaves the renderer unclipped. Draws nothing for an empty or minimized display.
  void render(const ImDrawData& data);

 private:
  SDL_Renderer* renderer_;
  SDL_Texture* font_ = nullptr;
  std::vector<float> xy_;  // one draw list's vertex positions, as SDL is given them
};

}  // namespace khaosat::desktop
