// Probe: what the app drew in its last frame, as a person sees it (the texts and where they
// are), and the requests a scripted walk makes that are not mouse clicks (typing, scrolling,
// the back key). The app's widgets fill it every frame; walk.hpp reads it to act "on what is
// visible, by its text"; the desktop platform reads the focused field's rectangle to keep the
// on-screen keyboard from covering it. No rendering or OS state lives here.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace khaosat::ui {

enum class ItemKind { Text, Button, Field };

struct VisibleItem {
  std::string text;   // as shown (for a field: its question's label)
  ItemKind kind = ItemKind::Text;
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // screen pixels
  bool visible = false;  // inside the screen and not scrolled out of its region
  unsigned id = 0;       // the widget's ImGui id
  std::string drawn;  // when the text is cut short to fit its line: what is drawn ("…" at a word's end)
  std::string hint;   // an empty field: the example it shows in grey
};

struct Probe {
  // Filled during a frame (`building`), published to `items` when the frame ends.
  std::vector<VisibleItem> building, items;
  // The text field that has keyboard focus (last tapped), 0 when none, and its rectangle.
  unsigned focused_field = 0;
  std::optional<VisibleItem> focused_rect;
  // Requests from a walk, consumed by the widgets during the next frame.
  std::optional<std::string> type_text;  // replaces the focused field's text, then commits it
  float scroll_request = 0;              // pixels to scroll the main region (down > 0)
  // The main region's scroll state after the last frame.
  float scroll_y = 0, scroll_max = 0;
  float scroll_view_y0 = 0, scroll_view_h = 0;  // the main region's top and visible height (a
                                                // screen's header and bottom bar take the rest)

  void begin_frame() { building.clear(); }
  void end_frame() { items.swap(building); }
};

}  // namespace khaosat::ui
