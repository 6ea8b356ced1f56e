// Touch widgets over ImGui, each recorded in the Probe (widgets.hpp).
//
// [SECTION] context and probe
// [SECTION] text
// [SECTION] buttons and rows
// [SECTION] text fields
// [SECTION] kinetic scrolling
#include "widgets.hpp"

#include <algorithm>
#include <cassert>
#include <cfloat>
#include <cmath>

#include <imgui_internal.h>
#include <imgui_stdlib.h>

namespace khaosat::ui {

// [SECTION] context and probe ----------------------------------------------------------------

namespace {
WidgetContext* g_ctx = nullptr;

std::string_view shown(std::string_view label) {
  auto hash = label.find("##");
  return hash == std::string_view::npos ? label : label.substr(0, hash);
}
}  // namespace

WidgetContext& wctx() {
  assert(g_ctx && "widgets used outside App::frame()");
  return *g_ctx;
}
void set_wctx(WidgetContext* ctx) { g_ctx = ctx; }

const char* tr(Str key) { return catalogue_text(key, wctx().lang); }

float touch_height() {
  return std::max(dp(kTouchTargetDp), ImGui::GetFontSize() + 2 * ImGui::GetStyle().FramePadding.y);
}

std::string fit_line(std::string_view s, float width) {
  if (ImGui::CalcTextSize(s.data(), s.data() + s.size()).x <= width) return std::string(s);
  static constexpr std::string_view kEllipsis = "\u2026";
  auto fits = [&](std::size_t n) {
    std::string cut = std::string(s.substr(0, n)) + std::string(kEllipsis);
    return ImGui::CalcTextSize(cut.c_str()).x <= width;
  };
  // The longest run of whole words that fits with the ellipsis; without one, whole characters.
  std::size_t best = std::string_view::npos;
  for (std::size_t i = s.find(' '); i != std::string_view::npos; i = s.find(' ', i + 1)) {
    std::size_t end = i;
    while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == ',' || s[end - 1] == ':')) --end;
    if (end == 0 || !fits(end)) break;
    best = end;
  }
  if (best == std::string_view::npos) {
    best = 0;
    for (std::size_t i = 1; i <= s.size(); ++i) {
      if (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;  // inside a character
      if (!fits(i)) break;
      best = i;
    }
  }
  return std::string(s.substr(0, best)) + std::string(kEllipsis);
}

void record_item(std::string_view label, ItemKind kind) {
  Probe* probe = wctx().probe;
  if (!probe) return;
  ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  ImVec2 display = ImGui::GetIO().DisplaySize;
  ImRect clip = ImGui::GetCurrentWindow()->ClipRect;
  bool visible = ImGui::IsItemVisible() && a.y >= clip.Min.y - 1 && b.y <= clip.Max.y + 1 &&
                 b.x > 0 && a.y < display.y && b.y > 0;
  probe->building.push_back(VisibleItem{std::string(shown(label)), kind, a.x, a.y, b.x, b.y,
                                        visible, ImGui::GetItemID(), {}, {}});
}

// [SECTION] text -----------------------------------------------------------------------------

ImU32 ink(ImU32 color) { return wctx().high_contrast && color == colors::kMuted ? colors::kText : color; }

void text(std::string_view s, ImU32 color) {
  ImGui::PushStyleColor(ImGuiCol_Text, ink(color));
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextUnformatted(s.data(), s.data() + s.size());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
  record_item(s, ItemKind::Text);
}

void heading(std::string_view s) {
  ImGui::Dummy(ImVec2(0, dp(4)));
  text(s, colors::kPrimary);
  ImGui::Separator();
}

namespace {
constexpr float kTitleScale = 1.15f;
}

float screen_title_height(std::string_view s, float width) {
  const float size = ImGui::GetFontSize() * kTitleScale;
  ImVec2 extent = ImGui::GetFont()->CalcTextSizeA(size, FLT_MAX, width, s.data(), s.data() + s.size());
  return extent.y - (size - ImGui::GetFontSize());  // one line: the font's own height
}

void screen_title(std::string_view s) {
  ImFont* font = ImGui::GetFont();
  const float size = ImGui::GetFontSize() * kTitleScale, bold = std::max(1.0f, dp(1.0f));
  ImVec2 p = ImGui::GetCursorScreenPos();
  float w = ImGui::GetContentRegionAvail().x - bold;
  // Wrapped at words when longer than the line (a form's title on a phone), never cut.
  ImVec2 extent = font->CalcTextSizeA(size, FLT_MAX, w, s.data(), s.data() + s.size());
  // Centred on the line the font's own height gives, like the text it replaces.
  p.y -= (size - ImGui::GetFontSize()) / 2;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddText(font, size, p, colors::kTitle, s.data(), s.data() + s.size(), w);
  dl->AddText(font, size, ImVec2(p.x + bold, p.y), colors::kTitle, s.data(), s.data() + s.size(), w);
  ImGui::Dummy(ImVec2(std::min(w, extent.x) + bold, screen_title_height(s, w)));
  record_item(s, ItemKind::Text);
}

void banner(std::string_view s, ImU32 background) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  float w = ImGui::GetContentRegionAvail().x, pad = dp(8);
  ImVec2 size = ImGui::CalcTextSize(s.data(), s.data() + s.size(), false, w - 2 * pad);
  ImVec2 p = ImGui::GetCursorScreenPos();
  dl->AddRectFilled(p, ImVec2(p.x + w, p.y + size.y + 2 * pad), background, dp(4));
  ImGui::SetCursorScreenPos(ImVec2(p.x + pad, p.y + pad));
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + w - 2 * pad);
  ImGui::PushStyleColor(ImGuiCol_Text, colors::kText);
  ImGui::TextUnformatted(s.data(), s.data() + s.size());
  ImGui::PopStyleColor();
  ImGui::PopTextWrapPos();
  record_item(s, ItemKind::Text);
  ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + size.y + 2 * pad));
  ImGui::Dummy(ImVec2(w, dp(2)));
}

// [SECTION] buttons and rows -----------------------------------------------------------------

bool button(std::string_view label, Tone tone, float width) {
  ImU32 bg = tone == Tone::Primary ? colors::kPrimary
           : tone == Tone::Danger  ? colors::kDanger
                                   : colors::kRowBg;
  ImU32 fg = tone == Tone::Secondary ? colors::kPrimary : IM_COL32_WHITE;
  ImGui::PushStyleColor(ImGuiCol_Button, bg);
  ImGui::PushStyleColor(ImGuiCol_ButtonHovered, bg);
  ImGui::PushStyleColor(ImGuiCol_ButtonActive, IM_COL32(0, 40, 100, 255));
  ImGui::PushStyleColor(ImGuiCol_Text, fg);
  std::string l(label);
  float w = width > 0 ? width : ImGui::GetContentRegionAvail().x;
  const ImVec2 pad = ImGui::GetStyle().FramePadding;
  std::string shown = l.substr(0, l.find("##"));
  bool pressed;
  if (ImGui::CalcTextSize(shown.c_str()).x <= w - 2 * pad.x) {
    pressed = ImGui::Button(l.c_str(), ImVec2(w, touch_height()));
  } else {
    // Too long for one line at this width (a form's title on a phone): a taller button with
    // the label wrapped, so none of it is cut off.
    ImVec2 text = ImGui::CalcTextSize(shown.c_str(), nullptr, false, w - 2 * pad.x);
    ImVec2 p = ImGui::GetCursorScreenPos();
    float h = std::max(touch_height(), text.y + 2 * pad.y);
    pressed = ImGui::Button(("##" + l).c_str(), ImVec2(w, h));
    ImGui::GetWindowDrawList()->AddText(ImGui::GetFont(), ImGui::GetFontSize(),
                                        ImVec2(p.x + pad.x, p.y + (h - text.y) / 2), fg, shown.c_str(), nullptr,
                                        w - 2 * pad.x);
  }
  ImGui::PopStyleColor(4);
  record_item(label, ItemKind::Button);
  return pressed;
}

namespace {
// An invisible full-width button tall enough for `lines` of wrapped text plus padding; draws
// the background and returns whether it was tapped, with the text origin in `origin`.
bool row_frame(const void* id, float text_height, bool selected, ImVec2* origin) {
  float pad = dp(10), w = ImGui::GetContentRegionAvail().x;
  float h = std::max(touch_height(), text_height + 2 * pad);
  ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::PushID(id);
  bool pressed = ImGui::InvisibleButton("row", ImVec2(w, h));
  ImGui::PopID();
  ImU32 bg = selected ? colors::kRowSelected
           : ImGui::IsItemActive() ? IM_COL32(220, 225, 235, 255) : colors::kRowBg;
  ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + w, p.y + h), bg, dp(6));
  *origin = ImVec2(p.x + pad, p.y + (h - text_height) / 2);
  return pressed;
}
}  // namespace

bool row(std::string_view title, std::string_view detail, const void* id, std::string_view note, ImU32 note_color) {
  float w = ImGui::GetContentRegionAvail().x - dp(20);
  ImVec2 t = ImGui::CalcTextSize(title.data(), title.data() + title.size(), false, w);
  ImVec2 d = detail.empty() ? ImVec2(0, 0)
                            : ImGui::CalcTextSize(detail.data(), detail.data() + detail.size(), false, w);
  ImVec2 n = note.empty() ? ImVec2(0, 0) : ImGui::CalcTextSize(note.data(), note.data() + note.size(), false, w);
  ImVec2 o;
  bool pressed = row_frame(id, t.y + d.y + n.y, false, &o);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImFont* font = ImGui::GetFont();
  float fs = ImGui::GetFontSize();
  dl->AddText(font, fs, o, colors::kText, title.data(), title.data() + title.size(), w);
  if (!detail.empty())
    dl->AddText(font, fs, ImVec2(o.x, o.y + t.y), ink(colors::kMuted), detail.data(),
                detail.data() + detail.size(), w);
  if (!note.empty())
    dl->AddText(font, fs, ImVec2(o.x, o.y + t.y + d.y), note_color, note.data(), note.data() + note.size(), w);
  record_item(title, ItemKind::Button);
  if (!detail.empty()) record_item(detail, ItemKind::Text);
  if (!note.empty()) record_item(note, ItemKind::Text);
  ImGui::Dummy(ImVec2(0, dp(2)));
  return pressed;
}

float list_row_height() {
  return std::max(touch_height(), 2 * ImGui::GetFontSize() + dp(16)) + ImGui::GetStyle().ItemSpacing.y;
}

bool list_row(std::string_view title, std::string_view detail, const void* id, bool selected) {
  float h = list_row_height() - ImGui::GetStyle().ItemSpacing.y;
  float w = ImGui::GetContentRegionAvail().x;
  ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::PushID(id);
  bool pressed = ImGui::InvisibleButton("row", ImVec2(w, h));
  ImGui::PopID();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p, ImVec2(p.x + w, p.y + h), selected ? colors::kRowSelected : colors::kRowBg, dp(6));
  float pad = dp(8), fs = ImGui::GetFontSize();
  // One line each, so that every row has the clipper's height: a long label ends in "…" at a word.
  std::string t = fit_line(title, w - 2 * pad), d = fit_line(detail, w - 2 * pad);
  dl->AddText(ImGui::GetFont(), fs, ImVec2(p.x + pad, p.y + pad), colors::kText, t.c_str());
  dl->AddText(ImGui::GetFont(), fs, ImVec2(p.x + pad, p.y + pad + fs), ink(colors::kMuted), d.c_str());
  record_item(title, ItemKind::Button);
  if (Probe* probe = wctx().probe; probe && t != title) probe->building.back().drawn = t;
  record_item(detail, ItemKind::Text);
  if (Probe* probe = wctx().probe; probe && d != detail) probe->building.back().drawn = d;
  return pressed;
}

bool choice_row(std::string_view label, bool selected, bool multiple, const void* id) {
  float mark = ImGui::GetFontSize();
  float w = ImGui::GetContentRegionAvail().x - dp(20) - mark - dp(12);
  ImVec2 t = ImGui::CalcTextSize(label.data(), label.data() + label.size(), false, w);
  ImVec2 o;
  bool pressed = row_frame(id, std::max(t.y, mark), selected, &o);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImVec2 c(o.x + mark / 2, o.y + mark / 2);
  float r = mark * 0.45f;
  if (multiple) {
    dl->AddRect(ImVec2(c.x - r, c.y - r), ImVec2(c.x + r, c.y + r), colors::kPrimary, dp(2), 0, dp(2));
    if (selected) {
      dl->AddRectFilled(ImVec2(c.x - r, c.y - r), ImVec2(c.x + r, c.y + r), colors::kPrimary, dp(2));
      ImVec2 pts[3] = {ImVec2(c.x - r * 0.55f, c.y), ImVec2(c.x - r * 0.1f, c.y + r * 0.5f),
                       ImVec2(c.x + r * 0.6f, c.y - r * 0.5f)};
      dl->AddPolyline(pts, 3, IM_COL32_WHITE, 0, dp(2.5f));
    }
  } else {
    dl->AddCircle(c, r, colors::kPrimary, 0, dp(2));
    if (selected) dl->AddCircleFilled(c, r * 0.55f, colors::kPrimary);
  }
  dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(o.x + mark + dp(12), o.y),
              colors::kText, label.data(), label.data() + label.size(), w);
  record_item(label, ItemKind::Button);
  ImGui::Dummy(ImVec2(0, dp(2)));
  return pressed;
}

float row_button_width(int count) {
  float spacing = ImGui::GetStyle().ItemSpacing.x;
  return (ImGui::GetContentRegionAvail().x - spacing * (count - 1)) / count;
}

int button_row(const std::vector<RowButton>& buttons) {
  int n = static_cast<int>(buttons.size());
  float widest = 0;
  for (const auto& b : buttons) {
    std::string label(b.label);
    widest = std::max(widest, ImGui::CalcTextSize(label.c_str(), nullptr, true).x);
  }
  widest += 2 * ImGui::GetStyle().FramePadding.x;
  int per_row = n;
  while (per_row > 1 && row_button_width(per_row) < widest) per_row = per_row > 2 ? 2 : 1;
  float w = row_button_width(per_row);
  int tapped = -1;
  for (int i = 0; i < n; ++i) {
    if (i % per_row) ImGui::SameLine();
    if (button(buttons[i].label, buttons[i].tone, w)) tapped = i;
  }
  return tapped;
}

int tab_buttons(const std::vector<std::string>& labels, int selected) {
  std::vector<RowButton> buttons;
  for (std::size_t i = 0; i < labels.size(); ++i)
    buttons.push_back({labels[i], static_cast<int>(i) == selected ? Tone::Primary : Tone::Secondary});
  int tapped = button_row(buttons);
  return tapped < 0 ? selected : tapped;
}

// [SECTION] text fields ----------------------------------------------------------------------

bool text_field(const char* id, std::string_view label, std::string* buffer, int flags,
                const char* hint, float width) {
  Probe* probe = wctx().probe;
  ImGui::SetNextItemWidth(width);
  ImGuiStyle& style = ImGui::GetStyle();
  float pad_y = std::max(style.FramePadding.y, (touch_height() - ImGui::GetFontSize()) / 2);
  ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(style.FramePadding.x, pad_y));
  bool entered = ImGui::InputTextWithHint(id, hint, buffer, flags | ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::PopStyleVar();
  ImGuiID item = ImGui::GetItemID();
  bool committed = entered || ImGui::IsItemDeactivatedAfterEdit();
  record_item(label, ItemKind::Field);
  if (probe && buffer->empty() && hint) probe->building.back().hint = hint;
  // The field being typed into stays in sight: when it takes the keyboard, and when the display
  // shrinks under it (an on-screen keyboard that resizes the window, as Android's adjustResize
  // does), its region scrolls it to near its top, with the question's label line above it.
  if (ImGui::IsItemActive() && (ImGui::IsItemActivated() || wctx().display_shrunk)) {
    float top = ImGui::GetWindowPos().y, bottom = top + ImGui::GetWindowHeight();
    if (ImGui::GetItemRectMin().y < top || ImGui::GetItemRectMax().y > bottom)
      ImGui::SetScrollY(std::max(0.0f, ImGui::GetScrollY() + (ImGui::GetItemRectMin().y - top) -
                                           ImGui::GetTextLineHeightWithSpacing() - dp(8)));
  }
  if (probe) {
    if (ImGui::IsItemActivated()) probe->focused_field = item;
    if (ImGui::IsItemActive()) probe->focused_rect = probe->building.back();
    if (probe->focused_field == item && probe->type_text) {
      // A walk types: the field's whole text becomes what it typed, as if typed and confirmed.
      if (ImGui::GetActiveID() == item) ImGui::ClearActiveID();
      *buffer = *probe->type_text;
      probe->type_text.reset();
      committed = true;
    }
  }
  return committed;
}

// [SECTION] kinetic scrolling ----------------------------------------------------------------

namespace {
struct RegionStack {
  bool main = false;
};
std::vector<RegionStack> g_regions;
}  // namespace

void begin_scroll(const char* id, float reserve_bottom) {
  float h = ImGui::GetContentRegionAvail().y - reserve_bottom;
  ImGui::BeginChild(id, ImVec2(0, std::max(h, dp(48))), false, ImGuiWindowFlags_NoScrollWithMouse);
  bool main = !wctx().main_region_taken;
  wctx().main_region_taken = true;
  g_regions.push_back({main});
}

void end_scroll() {
  assert(!g_regions.empty());
  bool main = g_regions.back().main;
  g_regions.pop_back();
  ImGuiIO& io = ImGui::GetIO();
  KineticState& st = wctx().kinetic[ImGui::GetID("kinetic")];
  float dt = std::max(io.DeltaTime, 1e-4f);
  bool hovered = ImGui::IsWindowHovered(ImGuiHoveredFlags_ChildWindows |
                                        ImGuiHoveredFlags_AllowWhenBlockedByActiveItem);
  if (hovered && io.MouseWheel != 0) ImGui::SetScrollY(ImGui::GetScrollY() - io.MouseWheel * dp(60));
  if (ImGui::IsMouseClicked(0) && hovered) st = KineticState{true, false, 0, 0};
  if (st.pressed && ImGui::IsMouseDown(0)) {
    float dy = io.MouseDelta.y;
    st.travel += std::fabs(dy);
    if (!st.dragging && st.travel > dp(10)) {
      st.dragging = true;  // a drag, not a tap: the pressed button must not fire on release
      ImGui::ClearActiveID();
    }
    if (st.dragging) {
      ImGui::SetScrollY(ImGui::GetScrollY() - dy);
      st.velocity = 0.8f * (-dy / dt) + 0.2f * st.velocity;
    }
  } else {
    st.pressed = st.dragging = false;
    if (std::fabs(st.velocity) > dp(20)) {
      ImGui::SetScrollY(ImGui::GetScrollY() + st.velocity * dt);
      st.velocity *= std::pow(0.04f, dt);  // loses 96 % of its speed a second
    } else {
      st.velocity = 0;
    }
  }
  Probe* probe = wctx().probe;
  if (main && probe) {
    if (probe->scroll_request != 0) {
      ImGui::SetScrollY(std::clamp(ImGui::GetScrollY() + probe->scroll_request, 0.0f, ImGui::GetScrollMaxY()));
      probe->scroll_request = 0;
    }
    probe->scroll_y = ImGui::GetScrollY();
    probe->scroll_max = ImGui::GetScrollMaxY();
    probe->scroll_view_y0 = ImGui::GetWindowPos().y;
    probe->scroll_view_h = ImGui::GetWindowHeight();
  }
  ImGui::EndChild();
}

}  // namespace khaosat::ui
