// Scripted walks: parsing and the runner that taps, types and checks by visible text (walk.hpp).
#include "khaosat/ui/walk.hpp"

#include <cctype>
#include <cfloat>
#include <cmath>

#include <imgui.h>

#include "khaosat/core/json.hpp"

namespace khaosat::ui {

namespace {
constexpr int kFindFrames = 30;  // frames a step waits for its text to appear before failing

bool plain_file_name(const std::string& s) {
  if (s.empty() || s.size() > 100 || s == "." || s == ".." || s.find("..") != std::string::npos) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

core::Result<WalkStep> parse_step(const nlohmann::json& j, const std::string& where) {
  auto bad = [&](const std::string& why) { return core::Error::make(core::ErrorCode::ui_walk, where + ": " + why); };
  if (!j.is_object() || j.size() != 1)
    return bad("a step is an object with one key: tap, type, scroll, drag, back, expect, screenshot or frames");
  WalkStep s;
  s.json = j.dump();
  const std::string key = j.begin().key();
  const nlohmann::json& value = j.begin().value();
  if (key == "tap" || key == "type" || key == "expect" || key == "screenshot") {
    if (!value.is_string() || (key != "type" && value.get<std::string>().empty()))
      return bad("\"" + key + "\" takes a non-empty string");
    s.text = value.get<std::string>();
    s.kind = key == "tap" ? WalkStep::Kind::Tap : key == "type" ? WalkStep::Kind::Type
           : key == "expect" ? WalkStep::Kind::Expect : WalkStep::Kind::Screenshot;
    if (s.kind == WalkStep::Kind::Screenshot && !plain_file_name(s.text))
      return bad("a screenshot name is a plain file name (letters, digits, '-', '_', '.')");
  } else if (key == "scroll") {
    if (value.is_number()) {
      s.kind = WalkStep::Kind::Scroll;
      s.amount = value.get<float>();
      if (!(s.amount > -1e6f && s.amount < 1e6f)) return bad("\"scroll\" pixels out of range");
    } else if (value.is_string() && !value.get<std::string>().empty()) {
      s.kind = WalkStep::Kind::ScrollTo;
      s.text = value.get<std::string>();
    } else {
      return bad("\"scroll\" takes pixels (a number) or the text to scroll to");
    }
  } else if (key == "drag") {
    if (!value.is_number() || !(std::fabs(value.get<float>()) >= 1 && std::fabs(value.get<float>()) <= 10000))
      return bad("\"drag\" takes pixels, 1 to 10000 (negative: down)");
    s.kind = WalkStep::Kind::Drag;
    s.amount = value.get<float>();
  } else if (key == "back") {
    if (value != true) return bad("\"back\" takes true");
    s.kind = WalkStep::Kind::Back;
  } else if (key == "frames") {
    if (!value.is_number_integer() || value.get<long long>() < 1 || value.get<long long>() > 10000)
      return bad("\"frames\" takes a count from 1 to 10000");
    s.kind = WalkStep::Kind::Frames;
    s.amount = value.get<float>();
  } else {
    return bad("unknown step \"" + key + "\" (known: tap, type, scroll, drag, back, expect, screenshot, frames)");
  }
  return s;
}
}  // namespace

core::Result<std::vector<WalkStep>> parse_walk(std::string_view text, const std::string& name) {
  auto json = core::parse_json(text);
  if (!json) return core::Error::make(core::ErrorCode::ui_walk, name + ": " + json.error().message);
  if (!json->is_array()) return core::Error::make(core::ErrorCode::ui_walk, name + ": a walk is a JSON array of steps");
  std::vector<WalkStep> steps;
  for (std::size_t i = 0; i < json->size(); ++i) {
    auto step = parse_step((*json)[i], name + ": step " + std::to_string(i + 1));
    if (!step) return step.error();
    steps.push_back(std::move(step).value());
  }
  return steps;
}

void WalkRunner::before_frame() {
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = x_ >= 0 ? ImVec2(x_, y_) : ImVec2(-FLT_MAX, -FLT_MAX);
  io.MouseDown[0] = down_;
}

void WalkRunner::fail(const std::string& why) {
  const WalkStep& s = steps_[index_];
  failure_ = "step " + std::to_string(index_ + 1) + " " + s.json + ": " + why;
  state_ = State::Failed;
}

void WalkRunner::next_step() {
  ++index_;
  phase_ = waited_ = 0;
}

std::string WalkRunner::visible_texts() const {
  std::string out;
  int n = 0;
  for (const auto& item : app_.probe().items) {
    if (!item.visible || item.text.empty()) continue;
    if (n++ == 25) return out + ", ...";
    out += (out.empty() ? "\"" : ", \"") + item.text + "\"";
  }
  return out.empty() ? "nothing" : out;
}

const VisibleItem* WalkRunner::find_tap_target(const std::string& text, std::string* problem) const {
  const VisibleItem* exact = nullptr;
  const VisibleItem* offscreen = nullptr;
  std::vector<const VisibleItem*> partial;
  for (const auto& item : app_.probe().items) {
    bool clickable = item.kind != ItemKind::Text;
    if (item.text == text) {
      if (!item.visible) { offscreen = &item; continue; }
      if (!exact || (clickable && exact->kind == ItemKind::Text)) exact = &item;
    } else if (clickable && item.visible && item.text.find(text) != std::string::npos) {
      partial.push_back(&item);
    }
  }
  if (exact) return exact;
  if (partial.size() == 1) return partial[0];
  if (partial.size() > 1) *problem = "\"" + text + "\" matches " + std::to_string(partial.size()) + " items; give more of the text";
  else if (offscreen) *problem = "\"" + text + "\" is off the screen; scroll to it first ({\"scroll\": \"" + text + "\"})";
  else *problem = "nothing visible shows \"" + text + "\"; visible: " + visible_texts();
  return nullptr;
}

WalkRunner::State WalkRunner::after_frame() {
  if (state_ == State::Done || state_ == State::Failed) return state_;
  if (state_ == State::Screenshot) {
    state_ = State::Running;
    next_step();
  }
  if (index_ >= steps_.size()) return state_ = State::Done;
  const WalkStep& s = steps_[index_];
  Probe& probe = app_.probe();
  switch (s.kind) {
    case WalkStep::Kind::Tap: {
      if (phase_ == 0) {
        std::string problem;
        const VisibleItem* target = find_tap_target(s.text, &problem);
        if (!target) {
          // An enrollment or sync runs (a loaded machine, a slow link): what it shows next may be
          // the target, as for "expect".
          if (app_.busy()) waited_ = 0;
          else if (++waited_ > kFindFrames) fail(problem);
          break;
        }
        x_ = (target->x0 + target->x1) / 2;
        y_ = (target->y0 + target->y1) / 2;
        down_ = false;
        phase_ = 1;
      } else if (phase_ == 1) {
        down_ = true, phase_ = 2;
      } else if (phase_ == 2) {
        down_ = false, phase_ = 3;
      } else if (++phase_ > 4) {
        next_step();
      }
      break;
    }
    case WalkStep::Kind::Type:
      if (phase_ == 0) {
        if (probe.focused_field == 0) {
          fail("no field has the keyboard: tap a field first");
          break;
        }
        probe.type_text = s.text;
        phase_ = 1;
      } else if (probe.type_text) {
        if (++waited_ > 3) fail("the field that had the keyboard is no longer on the screen");
      } else if (++phase_ > 2) {
        next_step();
      }
      break;
    case WalkStep::Kind::Scroll:
      if (phase_++ == 0) probe.scroll_request = s.amount;
      else if (phase_ > 2) next_step();
      break;
    case WalkStep::Kind::ScrollTo: {
      // A scroll requested on one frame moves the region's items on the next (ImGui applies a
      // window's scroll when it begins): judge that frame's items, not the unmoved ones, or two
      // requests add up to a whole region's height and jump over lines.
      if (phase_ < 0) {
        ++phase_;
        break;
      }
      bool seen = false;
      for (const auto& item : probe.items) seen |= item.visible && item.text.find(s.text) != std::string::npos;
      if (seen) {
        if (++phase_ > 1) next_step();  // one more frame, so the item is settled
      } else if (app_.busy()) {
        // The screen is loading (an office answer, a sync): what it will show is to be scrolled.
      } else if (waited_ > 0 && probe.scroll_y >= probe.scroll_max - 0.5f) {
        fail("reached the bottom without seeing \"" + s.text + "\"; visible: " + visible_texts());
      } else {
        // Half the region's visible height: a step never jumps over a line (the region may be
        // much shorter than the screen, under a header).
        float view = probe.scroll_view_h > 0 ? probe.scroll_view_h : ImGui::GetIO().DisplaySize.y;
        probe.scroll_request = view * 0.5f;
        ++waited_;
        phase_ = -1;  // skip the frame that applies it
      }
      break;
    }
    case WalkStep::Kind::Drag: {
      // A finger put down at three quarters of the main region's height, moved by the amount in
      // kDragFrames equal steps (one per frame, as a quick swipe), then lifted.
      constexpr int kDragFrames = 6;
      if (phase_ == 0) {
        ImGuiIO& io = ImGui::GetIO();
        float view = probe.scroll_view_h > 0 ? probe.scroll_view_h : io.DisplaySize.y;
        x_ = io.DisplaySize.x / 2;
        y_ = probe.scroll_view_y0 + view * (s.amount > 0 ? 0.75f : 0.25f);
        down_ = false;
      } else if (phase_ == 1) {
        down_ = true;
      } else if (phase_ <= 1 + kDragFrames) {
        y_ -= s.amount / kDragFrames;
      } else if (phase_ == 2 + kDragFrames) {
        down_ = false;
      } else {
        x_ = y_ = -1;  // the finger is gone
        next_step();
        break;
      }
      ++phase_;
      break;
    }
    case WalkStep::Kind::Back:
      if (phase_++ == 0) app_.back();
      else if (phase_ > 2) next_step();
      break;
    case WalkStep::Kind::Expect: {
      bool seen = false;
      for (const auto& item : probe.items) seen |= item.visible && item.text.find(s.text) != std::string::npos;
      if (seen) next_step();
      else if (app_.busy()) waited_ = 0;  // an enrollment or sync runs: its outcome is what is expected
      else if (++waited_ > kFindFrames) fail("\"" + s.text + "\" is not visible; visible: " + visible_texts());
      break;
    }
    case WalkStep::Kind::Screenshot:
      shot_ = s.text;
      return state_ = State::Screenshot;
    case WalkStep::Kind::Frames:
      if (++waited_ >= static_cast<int>(s.amount)) next_step();
      break;
  }
  if (state_ == State::Running && index_ >= steps_.size()) state_ = State::Done;
  return state_;
}

}  // namespace khaosat::ui
