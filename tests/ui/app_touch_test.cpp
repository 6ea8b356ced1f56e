// Phone-first behaviour of the app, headless (issue 11 §3): field-list pages, drag-to-scroll with
// inertia, and the field being typed into kept clear of an on-screen keyboard (the rectangle the
// platform gives SDL_SetTextInputRect, and the scroll when the keyboard shrinks the window).
#include <doctest/doctest.h>

#include <imgui.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "khaosat/ui/probe.hpp"
#include "khaosat/ui/theme.hpp"
#include "ui/headless.hpp"

using namespace khaosat;
using khaosat::test::Headless;
using khaosat::test::only_draft_xml;
using khaosat::test::reload_font;

namespace {

// The visible field whose question's label is `label`, or nullptr.
const ui::VisibleItem* field(Headless& h, const std::string& label) {
  for (const auto& item : h.app->probe().items)
    if (item.kind == ui::ItemKind::Field && item.visible && item.text == label) return &item;
  return nullptr;
}

constexpr const char* kToFieldList =
    R"([{"tap": "Điền biểu mẫu"}, {"tap": "Trang nhiều câu"}, {"tap": "Cán bộ khảo sát *"}, {"type": "Lò Thị Mai"},
        {"tap": "Tiếp ›"}, {"expect": "Người đại diện và lao động"}])";

}  // namespace

TEST_CASE("ui: a field-list group is one page: its questions together, with relevance, constraints and required inline") {
  Headless h;
  h.forms = KHAOSAT_TESTS_DIR "/ui/forms";
  REQUIRE(h.walk(kToFieldList) == "");
  // Every question of the group on the one page, the group's label as its heading.
  CHECK(h.walk(R"([{"expect": "Người đại diện *"}, {"expect": "Giới tính"}, {"expect": "Nam"}, {"expect": "Nữ"},
                   {"expect": "Số lao động *"}, {"expect": "Lao động thường xuyên."}, {"scroll": "Ghi chú"},
                   {"expect": "Số điện thoại"}, {"expect": "Thôn/bản"}])") == "");
  // A question of the page made relevant by an answer on it appears on the same page.
  CHECK(h.walk(R"([{"expect": "Lao động nữ"}])") != "");
  // An empty number field shows words in grey, not a "0" that reads as an answer in the sun.
  REQUIRE(field(h, "Số lao động *") != nullptr);
  CHECK(field(h, "Số lao động *")->hint == "nhập số");
  CHECK(h.walk(R"([{"scroll": -2000}, {"tap": "Số lao động *"}, {"type": "5"}, {"scroll": "Lao động nữ"},
                   {"tap": "Lao động nữ"}, {"type": "7"}, {"expect": "Không được nhiều hơn tổng số lao động."}])") == "");
  // Next with the page's required question empty stays on the page, scrolled from the bottom of
  // the page up to that question, and says what is missing.
  CHECK(h.walk(R"([{"tap": "Lao động nữ"}, {"type": "2"}, {"scroll": 2000}, {"tap": "Tiếp ›"}, {"frames": 2},
                   {"expect": "Câu này bắt buộc trả lời."}, {"expect": "Người đại diện *"}])") == "");
  CHECK(h.walk(R"([{"expect": "Câu cuối"}])") != "");
  CHECK(h.walk(R"([{"scroll": -2000}, {"tap": "Người đại diện *"}, {"type": "Lò Văn Páo"}, {"tap": "Nữ"},
                   {"tap": "Tiếp ›"}, {"expect": "Câu cuối"}])") == "");
  std::string xml = only_draft_xml(h.db());
  CHECK(xml.find("<rep>Lò Văn Páo</rep>") != std::string::npos);
  CHECK(xml.find("<sex>female</sex>") != std::string::npos);
  CHECK(xml.find("<workers>5</workers>") != std::string::npos);
  CHECK(xml.find("<female>2</female>") != std::string::npos);
  // In English, the same page.
  CHECK(h.walk(R"([{"back": true}, {"tap": "Rời phiếu"}, {"back": true}, {"tap": "Cài đặt"}, {"tap": "English"},
                   {"back": true}, {"tap": "Fill a form"}, {"tap": "Field-list page"}, {"tap": "Survey officer *"},
                   {"type": "Lò Thị Mai"}, {"tap": "Next ›"}, {"expect": "Representative and workers"},
                   {"expect": "Representative *"}, {"expect": "Sex"}, {"expect": "Male"}, {"expect": "Female"},
                   {"expect": "Number of workers *"}, {"expect": "Regular workers."}])") == "");
  REQUIRE(field(h, "Number of workers *") != nullptr);
  CHECK(field(h, "Number of workers *")->hint == "enter a number");
}

TEST_CASE("ui: a drag scrolls the region with the finger, glides on after it lets go, and taps nothing") {
  Headless h;
  REQUIRE(h.walk(R"([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"tap": "Mục lục"},
                     {"tap": "Xã/phường"}, {"expect": "Xã Mường Kim"}])") == "");
  const ui::Probe& p = h.app->probe();
  CHECK(p.scroll_y == 0);
  REQUIRE(p.scroll_max > 1000);  // the communes: a long list
  // A quick swipe up by 200 px that starts on a commune's row.
  REQUIRE(h.walk(R"([{"drag": 200}])") == "");
  float released = p.scroll_y;
  CHECK(released >= 200);
  CHECK(released < 400);
  // After the finger is gone the list glides on, slowing, and stops.
  REQUIRE(h.walk(R"([{"frames": 10}])") == "");
  float gliding = p.scroll_y;
  CHECK(gliding > released + 50);
  REQUIRE(h.walk(R"([{"frames": 240}])") == "");
  float stopped = p.scroll_y;
  CHECK(stopped > gliding + 100);
  REQUIRE(h.walk(R"([{"frames": 10}])") == "");
  CHECK(p.scroll_y == stopped);
  // The row under the finger was not chosen: a drag is not a tap (an answer would be autosaved).
  CHECK(only_draft_xml(h.db()).find("<commune>") == std::string::npos);
  // A short drag that ends on the row it started on does not choose it either: a row is scrolled
  // to where the drag step puts the finger down (three quarters of the region), 12 px below its
  // middle, and the finger moves up 20 px, past the 10 dp that make a drag, still on the row.
  const float finger = p.scroll_view_y0 + p.scroll_view_h * 0.75f;
  const ui::VisibleItem* under = nullptr;
  for (const auto& item : p.items)  // the commune row nearest the finger
    if (item.kind == ui::ItemKind::Button && item.visible && item.text.rfind("Xã ", 0) == 0 &&
        (!under || std::fabs((item.y0 + item.y1) / 2 - finger) < std::fabs((under->y0 + under->y1) / 2 - finger)))
      under = &item;
  REQUIRE(under != nullptr);
  REQUIRE(under->y1 - under->y0 >= 48);
  std::string row = under->text;
  float by = (under->y0 + under->y1) / 2 - (finger - 12);
  REQUIRE(h.walk("[{\"scroll\": " + std::to_string(by) + "}, {\"frames\": 2}]") == "");
  under = nullptr;
  for (const auto& item : p.items)
    if (item.visible && item.text == row && item.kind == ui::ItemKind::Button) under = &item;
  REQUIRE(under != nullptr);
  CHECK(std::fabs((under->y0 + under->y1) / 2 - (finger - 12)) <= 1);
  REQUIRE(h.walk(R"([{"drag": 20}, {"frames": 120}])") == "");
  CHECK(only_draft_xml(h.db()).find("<commune>") == std::string::npos);
  // A drag down brings the list back, never above its top.
  REQUIRE(h.walk(R"([{"drag": -3000}, {"frames": 240}])") == "");
  CHECK(p.scroll_y == 0);
}

TEST_CASE("ui: the field being typed into is the keyboard's rectangle and stays in sight when the keyboard shrinks the window") {
  Headless h;
  h.forms = KHAOSAT_TESTS_DIR "/ui/forms";
  REQUIRE(h.walk(kToFieldList) == "");
  REQUIRE(h.walk(R"([{"scroll": 2000}, {"tap": "Ghi chú"}, {"frames": 2}])") == "");
  const ui::Probe& p = h.app->probe();
  // The rectangle the platform hands SDL_SetTextInputRect is the field being typed into.
  const ui::VisibleItem* note = field(h, "Ghi chú");
  REQUIRE(note != nullptr);
  REQUIRE(p.focused_rect.has_value());
  CHECK(p.focused_rect->text == "Ghi chú");
  CHECK(p.focused_rect->y0 == note->y0);
  CHECK(p.focused_rect->y1 == note->y1);
  CHECK(p.focused_rect->x0 == note->x0);
  CHECK(p.focused_rect->x1 == note->x1);
  // The keyboard comes up and the window shrinks to what is above it (Android's adjustResize):
  // 800 -> 420 px. The field was below that line; it is scrolled into the region that is left.
  const float keyboard_top = 420;
  REQUIRE(note->y1 > keyboard_top);
  ImGui::GetIO().DisplaySize = ImVec2(360, keyboard_top);
  REQUIRE(h.walk(R"([{"frames": 3}])") == "");
  REQUIRE(p.focused_rect.has_value());
  CHECK(p.focused_rect->text == "Ghi chú");
  CHECK(p.focused_rect->y0 >= p.scroll_view_y0);
  CHECK(p.focused_rect->y1 <= p.scroll_view_y0 + p.scroll_view_h);
  CHECK(p.focused_rect->y1 <= keyboard_top);
  // Still the field with the keyboard: typing goes to it.
  REQUIRE(h.walk(R"([{"type": "Lò rèn bên suối"}, {"frames": 2}])") == "");
  CHECK(only_draft_xml(h.db()).find("<note>Lò rèn bên suối</note>") != std::string::npos);
  ImGui::GetIO().DisplaySize = ImVec2(360, 800);
}

namespace {
// What a screen shows, in dp: each visible item's text, kind and rectangle divided by the
// pixels per dp, sorted; and the items shorter than a touch target.
struct Layout {
  std::vector<std::string> texts;
  std::vector<std::array<float, 4>> boxes;  // in dp, in the order of `texts`
  std::string short_targets;
};
Layout layout(Headless& h, float dp) {
  Layout out;
  std::vector<std::pair<std::string, std::array<float, 4>>> items;
  for (const auto& item : h.app->probe().items) {
    if (!item.visible || item.text.empty()) continue;
    items.push_back({std::to_string(static_cast<int>(item.kind)) + " " + item.text,
                     {item.x0 / dp, item.y0 / dp, item.x1 / dp, item.y1 / dp}});
    if (item.kind != ui::ItemKind::Text && item.y1 - item.y0 < ui::kTouchTargetDp * dp - 0.5f)
      out.short_targets += "'" + item.text + "' (" + std::to_string(item.y1 - item.y0) + " px) ";
  }
  std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [t, b] : items) {
    out.texts.push_back(t);
    out.boxes.push_back(b);
  }
  return out;
}
}  // namespace

TEST_CASE("ui: at 2 pixels per dp a 720x1600 display shows the 360x800 phone's screens at twice the size") {
  const std::pair<const char*, const char*> kScreens[] = {
      {"home", R"([{"expect": "Điền biểu mẫu"}])"},
      {"forms", R"([{"tap": "Điền biểu mẫu"}, {"expect": "B. Khảo sát làng nghề"}])"},
      {"question", R"([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"expect": "Cán bộ khảo sát"}])"},
      {"select", R"([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"tap": "Mục lục"},
                    {"tap": "Xã/phường"}, {"expect": "Xã Mường Kim"}])"},
      {"settings", R"([{"tap": "Cài đặt"}, {"expect": "English"}])"},
  };
  for (const auto& [name, walk] : kScreens) {
    CAPTURE(name);
    Layout phone, dense;
    {
      Headless h(360, 800);
      REQUIRE(h.walk(walk) == "");
      phone = layout(h, 1);
    }
    {
      Headless h(720, 1600);
      h.dp = 2;
      reload_font(36);  // what the platform does at the font size the app asks for
      h.open();
      CHECK(h.app->font_pixels() == 36);
      REQUIRE(h.walk(walk) == "");
      dense = layout(h, 2);
    }
    CHECK(dense.short_targets == "");
    // The same things on the screen, in the same places (in dp, within 2 dp: glyphs are hinted
    // at each size).
    REQUIRE(dense.texts == phone.texts);
    for (std::size_t i = 0; i < phone.texts.size(); ++i) {
      CAPTURE(phone.texts[i]);
      for (int k = 0; k < 4; ++k) CHECK(std::fabs(dense.boxes[i][k] - phone.boxes[i][k]) <= 2.0f);
    }
  }
}
