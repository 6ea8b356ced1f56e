// Dear ImGui's draw lists through SDL_Renderer (sdl_renderer_draw.hpp).
#include "sdl_renderer_draw.hpp"

#include <algorithm>
#include <cmath>

#include <SDL.h>
#include <imgui.h>

namespace khaosat::desktop {

// ImGui's vertex colour is a 32-bit RGBA word whose bytes in memory are R, G, B, A on a
// little-endian machine, which is SDL_Color's layout: the vertices are handed to SDL as they are.
static_assert(IM_COL32_R_SHIFT == 0 && IM_COL32_A_SHIFT == 24, "ImGui's colours must be RGBA-packed");
static_assert(SDL_BYTEORDER == SDL_LIL_ENDIAN, "vertex colours are read as SDL_Color bytes");
static_assert(sizeof(ImDrawIdx) == 2 || sizeof(ImDrawIdx) == 4, "SDL takes 1, 2 or 4-byte indices");

SdlRendererDraw::~SdlRendererDraw() {
  if (font_) SDL_DestroyTexture(font_);
}

bool SdlRendererDraw::upload_font_atlas() {
  ImGuiIO& io = ImGui::GetIO();
  io.BackendRendererName = "khaosat_sdl_renderer";
  // Each command names where its vertices start, so one list may hold more than 64k vertices.
  io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;
  unsigned char* pixels = nullptr;
  int width = 0, height = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &width, &height);
  SDL_Texture* texture = SDL_CreateTexture(renderer_, SDL_PIXELFORMAT_RGBA32, SDL_TEXTUREACCESS_STATIC, width, height);
  if (!texture) return false;
  if (SDL_UpdateTexture(texture, nullptr, pixels, width * 4) != 0) {
    SDL_DestroyTexture(texture);
    return false;
  }
  SDL_SetTextureBlendMode(texture, SDL_BLENDMODE_BLEND);
  // Glyphs are baked at whole pixels (ui::load_font), but titles draw them scaled up (x1.15):
  // filtered, as OpenGL does, they keep smooth strokes.
  SDL_SetTextureScaleMode(texture, SDL_ScaleModeLinear);
  if (font_) SDL_DestroyTexture(font_);
  font_ = texture;
  io.Fonts->SetTexID(static_cast<ImTextureID>(font_));
  return true;
}

void SdlRendererDraw::render(const ImDrawData& data) {
  const ImVec2 scale = data.FramebufferScale;
  const float width = data.DisplaySize.x * scale.x, height = data.DisplaySize.y * scale.y;
  if (width <= 0 || height <= 0) return;
  // One viewport (no multi-viewport branch of ImGui): it sits at (0, 0), so the vertices are
  // already in the window's coordinates and SDL takes them as they are, scaled to its output.
  IM_ASSERT(data.DisplayPos.x == 0 && data.DisplayPos.y == 0);
  float old_x = 1, old_y = 1;
  SDL_RenderGetScale(renderer_, &old_x, &old_y);
  SDL_RenderSetScale(renderer_, scale.x, scale.y);
  SDL_SetRenderDrawBlendMode(renderer_, SDL_BLENDMODE_BLEND);
  constexpr int kStride = sizeof(ImDrawVert);
  const float half_x = 0.5f / scale.x, half_y = 0.5f / scale.y;  // half an output pixel
  for (int n = 0; n < data.CmdListsCount; ++n) {
    const ImDrawList& list = *data.CmdLists[n];
    // SDL's software rasterizer decides a pixel's coverage at its corner, OpenGL at its centre
    // (where ImGui puts 1-pixel lines): the vertices move by half a pixel to meet it, else thin
    // borders smear over two rows and come out thick on one side of a box and faint on the other.
    xy_.resize(2 * static_cast<std::size_t>(list.VtxBuffer.Size));
    for (int i = 0; i < list.VtxBuffer.Size; ++i) {
      xy_[2 * i] = list.VtxBuffer[i].pos.x + half_x;
      xy_[2 * i + 1] = list.VtxBuffer[i].pos.y + half_y;
    }
    for (const ImDrawCmd& cmd : list.CmdBuffer) {
      if (cmd.UserCallback) {
        if (cmd.UserCallback != ImDrawCallback_ResetRenderState) cmd.UserCallback(&list, &cmd);
        continue;
      }
      // The clip rectangle in whole pixels, inside the display (SDL scales it like the vertices).
      const float x0 = std::max(0.0f, std::floor(cmd.ClipRect.x)), y0 = std::max(0.0f, std::floor(cmd.ClipRect.y));
      const float x1 = std::min(data.DisplaySize.x, std::ceil(cmd.ClipRect.z));
      const float y1 = std::min(data.DisplaySize.y, std::ceil(cmd.ClipRect.w));
      if (x1 <= x0 || y1 <= y0 || cmd.ElemCount == 0) continue;
      const SDL_Rect clip{static_cast<int>(x0), static_cast<int>(y0), static_cast<int>(x1 - x0),
                          static_cast<int>(y1 - y0)};
      SDL_RenderSetClipRect(renderer_, &clip);
      const ImDrawVert* v = list.VtxBuffer.Data + cmd.VtxOffset;
      SDL_RenderGeometryRaw(renderer_, static_cast<SDL_Texture*>(cmd.GetTexID()), &xy_[2 * cmd.VtxOffset],
                            static_cast<int>(2 * sizeof(float)), reinterpret_cast<const SDL_Color*>(&v->col), kStride, &v->uv.x, kStride,
                            list.VtxBuffer.Size - static_cast<int>(cmd.VtxOffset),
                            list.IdxBuffer.Data + cmd.IdxOffset, static_cast<int>(cmd.ElemCount),
                            static_cast<int>(sizeof(ImDrawIdx)));
    }
  }
  SDL_RenderSetClipRect(renderer_, nullptr);
  SDL_RenderSetScale(renderer_, old_x, old_y);
}

}  // namespace khaosat::desktop
