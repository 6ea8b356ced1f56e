// High-contrast style and the Noto Sans atlas with every Vietnamese glyph (theme.hpp).
#include "khaosat/ui/theme.hpp"

#include <cstring>

#include <imgui.h>
#include <imgui_internal.h>

#include "widgets.hpp"

namespace khaosat::ui {

void apply_style(float dp, bool high_contrast) {
  ImGuiStyle style;
  ImGui::StyleColorsLight(&style);
  style.WindowPadding = ImVec2(12 * dp, 10 * dp);
  style.FramePadding = ImVec2(12 * dp, 10 * dp);
  style.ItemSpacing = ImVec2(8 * dp, 8 * dp);
  style.ItemInnerSpacing = ImVec2(8 * dp, 6 * dp);
  style.ScrollbarSize = 6 * dp;
  style.FrameRounding = 6 * dp;
  style.GrabMinSize = 24 * dp;
  style.WindowRounding = 0;
  style.WindowBorderSize = 0;
  style.ChildBorderSize = 0;
  style.FrameBorderSize = 1 * dp;
  style.TouchExtraPadding = ImVec2(2 * dp, 2 * dp);
  ImVec4* c = style.Colors;
  c[ImGuiCol_WindowBg] = ImVec4(1, 1, 1, 1);
  c[ImGuiCol_ChildBg] = ImVec4(1, 1, 1, 0);
  c[ImGuiCol_Text] = ImGui::ColorConvertU32ToFloat4(colors::kText);
  c[ImGuiCol_TextDisabled] = ImGui::ColorConvertU32ToFloat4(colors::kMuted);
  c[ImGuiCol_FrameBg] = ImVec4(1, 1, 1, 1);
  c[ImGuiCol_FrameBgHovered] = ImVec4(0.97f, 0.98f, 1, 1);
  c[ImGuiCol_FrameBgActive] = ImVec4(0.94f, 0.96f, 1, 1);
  c[ImGuiCol_Border] = ImVec4(0.35f, 0.35f, 0.4f, 1);
  c[ImGuiCol_Separator] = ImVec4(0.75f, 0.78f, 0.85f, 1);
  c[ImGuiCol_ScrollbarBg] = ImVec4(0, 0, 0, 0);
  c[ImGuiCol_ScrollbarGrab] = ImVec4(0.6f, 0.6f, 0.65f, 1);
  c[ImGuiCol_TextSelectedBg] = ImVec4(0.6f, 0.75f, 1, 1);
  // How shapes are antialiased is the renderer's choice (the desktop's software path turns
  // lines' off), not the theme's: kept when the style is applied again (a setting changed).
  const ImGuiStyle& current = ImGui::GetStyle();
  if (high_contrast) {
    const ImVec4 black(0, 0, 0, 1);
    c[ImGuiCol_Text] = c[ImGuiCol_Border] = c[ImGuiCol_Separator] = black;
    // An empty field's example (ImGui draws it in TextDisabled): dark grey, 7:1 on white, so
    // that it still reads in the sun but is not taken for a value typed in black.
    c[ImGuiCol_TextDisabled] = ImVec4(0.33f, 0.33f, 0.33f, 1);
    c[ImGuiCol_ScrollbarGrab] = black;
    c[ImGuiCol_FrameBgHovered] = c[ImGuiCol_FrameBgActive] = ImVec4(1, 1, 0.85f, 1);
    style.FrameBorderSize = 2 * dp;
    style.ScrollbarSize = 8 * dp;
    // Without antialiased lines ImGui strokes a thick border as one quad per segment, unjoined:
    // a rounded corner's short segments leave gaps (seen on the software path's screenshots).
    // Square corners join.
    if (!current.AntiAliasedLines) style.FrameRounding = 0;
  }
  style.AntiAliasedLines = current.AntiAliasedLines;
  style.AntiAliasedLinesUseTex = current.AntiAliasedLinesUseTex;
  style.AntiAliasedFill = current.AntiAliasedFill;
  ImGui::GetStyle() = style;
}

bool load_font(const std::string& ttf, float pixels, bool whole_pixels) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  // TrueType, OpenType (CFF) or a collection: anything else would trip stb_truetype's asserts.
  auto magic = [&](const char* m) { return ttf.size() >= 12 && std::memcmp(ttf.data(), m, 4) == 0; };
  if (!(magic("\x00\x01\x00\x00") || magic("true") || magic("OTTO") || magic("ttcf"))) return false;
  ImFontGlyphRangesBuilder builder;
  static const ImWchar kRanges[] = {
      0x0020, 0x024F,  // Basic Latin .. Latin Extended-B (ă â đ ê ô ơ ư and their capitals)
      0x0300, 0x0323,  // combining marks (text typed in decomposed form)
      0x1E00, 0x1EFF,  // Latin Extended Additional (ạ ả ấ ầ ẩ ẫ ậ ... ỹ)
      0x2000, 0x206F,  // punctuation: dashes, quotes, ellipsis
      0x20AB, 0x20AC,  // ₫ €
      0x2190, 0x2193,  // arrows
      0x2264, 0x2265,  // ≤ ≥
      0,
  };
  builder.AddRanges(kRanges);
  builder.AddRanges(io.Fonts->GetGlyphRangesVietnamese());
  static ImVector<ImWchar> ranges;
  ranges.clear();
  builder.BuildRanges(&ranges);
  void* data = IM_ALLOC(ttf.size());
  std::memcpy(data, ttf.data(), ttf.size());
  ImFontConfig config;
  config.OversampleH = whole_pixels ? 1 : 2;
  config.OversampleV = 1;
  config.PixelSnapH = whole_pixels;
  ImFont* font = io.Fonts->AddFontFromMemoryTTF(data, static_cast<int>(ttf.size()), pixels,
                                                &config, ranges.Data);
  if (!font || !io.Fonts->Build()) {
    io.Fonts->Clear();
    return false;
  }
  return true;
}

bool font_has_glyphs(const std::string& utf8) {
  ImFont* font = ImGui::GetIO().Fonts->Fonts.empty() ? nullptr : ImGui::GetIO().Fonts->Fonts[0];
  if (!font) return false;
  const char* s = utf8.c_str();
  const char* end = s + utf8.size();
  while (s < end) {
    unsigned int c = 0;
    int n = ImTextCharFromUtf8(&c, s, end);
    if (n <= 0) return false;
    s += n;
    if (c == '\n' || c == '\t') continue;
    if (!font->FindGlyphNoFallback(static_cast<ImWchar>(c))) return false;
  }
  return true;
}

}  // namespace khaosat::ui
