// Scripted walks: the app driven as a person would, by what is visible on the screen.
//
// A walk is a JSON array of steps (docs/app.md has the format and the app's button texts):
//   {"tap": "Lưu và gửi"}     tap the visible button, row or field showing this text
//   {"type": "HTX Chè"}       replace the text of the field last tapped, and confirm it
//   {"scroll": 300}           scroll the main region down (negative: up) by pixels
//   {"scroll": "Bình Lư"}     scroll down until this text is visible
//   {"drag": 300}             drag a finger up the main region by pixels (negative: down) and
//                             let go: the region follows the finger, then glides on (inertia)
//   {"back": true}            the back key
//   {"expect": "Đã lưu"}      some visible text contains this (waiting while App::busy())
//   {"screenshot": "home"}    the platform saves the screen as DIR/home.png
//   {"frames": 10}            let frames pass (animations, inertia)
// A step that cannot be done fails the walk with a message naming the step (its number and
// JSON) and what was visible instead.
//
// WalkRunner feeds ImGui's input (mouse position and button) between the platform backend's
// NewFrame and ImGui::NewFrame(), and reads the App's Probe after each frame. It needs no
// renderer: the same walk runs headless in tests/ui and in the desktop window under Xvfb.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "khaosat/core/result.hpp"
#include "khaosat/ui/app.hpp"

namespace khaosat::ui {

struct WalkStep {
  enum class Kind { Tap, Type, Scroll, ScrollTo, Drag, Back, Expect, Screenshot, Frames };
  Kind kind = Kind::Tap;
  std::string text;   // Tap, Type, ScrollTo, Expect, Screenshot (the name)
  float amount = 0;   // Scroll and Drag (pixels), Frames (count)
  std::string json;   // the step as written, for messages
};

// Parses a walk; `name` (the file) prefixes error messages, which name the step at fault. A
// screenshot name must be a plain file name (letters, digits, '-', '_', '.'; no "..").
core::Result<std::vector<WalkStep>> parse_walk(std::string_view json, const std::string& name);

class WalkRunner {
 public:
  enum class State { Running, Screenshot, Done, Failed };
  WalkRunner(std::vector<WalkStep> steps, App& app) : steps_(std::move(steps)), app_(app) {}
  // Before ImGui::NewFrame(): drives io.MousePos / io.MouseDown for this frame.
  void before_frame();
  // After the frame was built and rendered. Screenshot: the platform saves the frame just
  // rendered as screenshot_name() + ".png", then keeps calling.
  State after_frame();
  const std::string& screenshot_name() const { return shot_; }
  const std::string& failure() const { return failure_; }
  int step_index() const { return static_cast<int>(index_); }

 private:
  void fail(const std::string& why);
  void next_step();
  const VisibleItem* find_tap_target(const std::string& text, std::string* problem) const;
  std::string visible_texts() const;

  std::vector<WalkStep> steps_;
  App& app_;
  std::size_t index_ = 0;
  int phase_ = 0, waited_ = 0;
  float x_ = -1, y_ = -1;
  bool down_ = false;
  std::string shot_, failure_;
  State state_ = State::Running;
};

}  // namespace khaosat::ui
