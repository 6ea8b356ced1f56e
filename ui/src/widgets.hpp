// Touch widgets: the few building blocks every screen is made of, sized for fingers (at least
// 48 dp tall), drawn with ImGui, and each recorded in the Probe with its visible text so that a
// scripted walk (walk.hpp) can find it. Screens use these instead of raw ImGui widgets.
//
// State: one WidgetContext per App, made current for the duration of App::frame() (ImGui is
// itself a global context). Not thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <imgui.h>

#include "khaosat/ui/probe.hpp"
#include "khaosat/ui/strings.hpp"
#include "khaosat/ui/theme.hpp"

namespace khaosat::ui {

struct KineticState {
  bool pressed = false, dragging = false;
  float travel = 0, velocity = 0;  // px travelled since the press; px/s after release
};

struct WidgetContext {
  float dp = 1;
  Lang lang = Lang::Vi;
  Probe* probe = nullptr;
  std::unordered_map<ImGuiID, KineticState> kinetic;
  bool main_region_taken = false;  // the first scroll region of a frame is the "main" one
  bool high_contrast = false;      // the setting: muted (grey) text is drawn black
  float display_h = 0;             // the display's height in the frame before
  bool display_shrunk = false;     // it is lower in this frame (an on-screen keyboard came up)
};

// The context of the frame being built (set by App::frame()).
WidgetContext& wctx();
void set_wctx(WidgetContext* ctx);

const char* tr(Str key);
inline float dp(float v) { return v * wctx().dp; }
float touch_height();  // max(48 dp, one line of text with padding)

// Colours of the theme (theme.cpp).
namespace colors {
inline constexpr ImU32 kText = IM_COL32(17, 17, 17, 255);
inline constexpr ImU32 kMuted = IM_COL32(70, 70, 70, 255);
inline constexpr ImU32 kPrimary = IM_COL32(0, 70, 160, 255);
inline constexpr ImU32 kTitle = IM_COL32(0, 33, 87, 255);  // screen titles: dark navy, readable in sunlight
inline constexpr ImU32 kDanger = IM_COL32(170, 20, 20, 255);
inline constexpr ImU32 kOk = IM_COL32(0, 110, 50, 255);
inline constexpr ImU32 kCaution = IM_COL32(140, 75, 0, 255);  // dark amber text: "look again", not an error
inline constexpr ImU32 kBannerWarn = IM_COL32(255, 226, 120, 255);
inline constexpr ImU32 kRowBg = IM_COL32(240, 243, 248, 255);
inline constexpr ImU32 kRowSelected = IM_COL32(210, 228, 255, 255);
}  // namespace colors

// Records the last ImGui item in the probe under `text`.
void record_item(std::string_view text, ItemKind kind);

// The colour to draw `color` in: kMuted is kText in high contrast.
ImU32 ink(ImU32 color);

// Wrapped text over the available width.
void text(std::string_view s, ImU32 color = colors::kText);
void heading(std::string_view s);
// A screen's title beside the back button: larger, bold (the one font drawn twice, a pixel apart:
// Noto Sans ships no bold face in the atlas) and dark, so it reads in sunlight. Wrapped at words
// when longer than its line, never cut.
void screen_title(std::string_view s);
// The height screen_title takes for `s` wrapped to `width` (the font's height for one line).
float screen_title_height(std::string_view s, float width);
// A full-width coloured strip with a message (offline banner, saved notice, errors).
void banner(std::string_view s, ImU32 background);

enum class Tone { Primary, Secondary, Danger };
// A button at least 48 dp tall; width 0 = the whole available width. A label too long for the
// width wraps onto more lines (the button grows taller). `label` may carry an ImGui "##id"
// suffix, which is not shown. True on the frame it is tapped.
bool button(std::string_view label, Tone tone = Tone::Primary, float width = 0);
// A list row with a title and a grey detail line below it, full width; `note`, when not empty,
// is one more line inside the row in `note_color` (the office's review of a saved survey).
bool row(std::string_view title, std::string_view detail, const void* id, std::string_view note = {},
         ImU32 note_color = colors::kOk);
// `s` as it fits on one line `width` wide: whole, or cut after a word and ended with "…".
std::string fit_line(std::string_view s, float width);
// A fixed-height two-line row (title, muted detail), each line cut by fit_line: long lists use it
// with ImGuiListClipper. list_row_height() is its height including spacing.
bool list_row(std::string_view title, std::string_view detail, const void* id, bool selected);
float list_row_height();
// A select choice: a large row with a radio mark (single) or a check box (multiple).
bool choice_row(std::string_view label, bool selected, bool multiple, const void* id);
// A text field labelled (for the probe) by `label`. True when its text was committed: Enter,
// focus left it after an edit, or a walk typed into it. `flags`: ImGuiInputTextFlags.
bool text_field(const char* id, std::string_view label, std::string* buffer, int flags = 0,
                const char* hint = "", float width = -1);

// A scrolling region with drag-to-scroll and inertia (touch). height 0 = the rest of the
// window less `reserve_bottom`. The first region of a frame is the walk's "main" region.
void begin_scroll(const char* id, float reserve_bottom = 0);
void end_scroll();

// The width of each of `count` buttons side by side sharing the available width.
float row_button_width(int count);
// Buttons sharing the width, wrapped so that no label is cut off: in one row when every label
// fits its share, else two per row, else one per row. Returns the index of the one tapped on
// this frame, -1 when none.
struct RowButton {
  std::string_view label;
  Tone tone = Tone::Secondary;
};
int button_row(const std::vector<RowButton>& buttons);
// Tabs as touch buttons laid out as button_row, the selected one filled. Returns the selected
// index (changed on the frame one is tapped).
int tab_buttons(const std::vector<std::string>& labels, int selected);

}  // namespace khaosat::ui
