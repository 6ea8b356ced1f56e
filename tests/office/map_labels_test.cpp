// The report map's label layout (office/include/khaosat/office/map_labels.hpp): labels clear of
// each other, of every marker and of the leader lines, inside the frame, nearest first, and the
// same places for the same input. The page itself is checked in Chromium by office_report_test.sh.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "khaosat/office/map_labels.hpp"

using namespace khaosat::office;

namespace {

// Whether the segment from (ax, ay) to (bx, by) passes through the box's interior (sampled: the
// test's own check, independent of the layout's clipping).
bool crosses(double ax, double ay, double bx, double by, const MapBox& r) {
  for (int i = 1; i < 200; ++i) {
    const double t = i / 200.0, x = ax + (bx - ax) * t, y = ay + (by - ay) * t;
    if (x > r.x0 + 0.01 && x < r.x1 - 0.01 && y > r.y0 + 0.01 && y < r.y1 - 0.01) return true;
  }
  return false;
}

MapBox marker(const MapLabelInput& in) { return {in.x - 6.5, in.y - 6.5, in.x + 6.5, in.y + 6.5}; }

void check_clear(const std::vector<MapLabelInput>& in, const std::vector<MapLabel>& out, const MapBox& frame) {
  REQUIRE(out.size() == in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const MapBox& b = out[i].box;
    INFO("label " << i << " " << in[i].name);
    CHECK_FALSE(out[i].overlaps);
    CHECK((b.x0 >= frame.x0 && b.y0 >= frame.y0 && b.x1 <= frame.x1 && b.y1 <= frame.y1));
    const MapBox size = map_label_size(in[i]);
    CHECK(b.x1 - b.x0 == doctest::Approx(size.x1));
    CHECK(b.y1 - b.y0 == doctest::Approx(size.y1));
    for (std::size_t j = 0; j < in.size(); ++j) {
      CHECK_FALSE(b.hits(marker(in[j])));
      if (j == i) continue;
      CHECK_FALSE(b.hits(out[j].box));
      if (out[j].leader) CHECK_FALSE(crosses(in[j].x, in[j].y, out[j].leader_x, out[j].leader_y, b));
    }
    // A label away from its marker has a leader line ending on the label; one beside it has none.
    const double dx = std::max({b.x0 - in[i].x, 0.0, in[i].x - b.x1}), dy = std::max({b.y0 - in[i].y, 0.0, in[i].y - b.y1});
    if (out[i].leader) {
      CHECK(std::hypot(dx, dy) > 8);
      CHECK(out[i].leader_x >= b.x0 - 1e-9);
      CHECK(out[i].leader_x <= b.x1 + 1e-9);
      CHECK(out[i].leader_y >= b.y0 - 1e-9);
      CHECK(out[i].leader_y <= b.y1 + 1e-9);
    } else {
      CHECK(std::hypot(dx, dy) <= 8);
    }
  }
}

}  // namespace

TEST_CASE("map labels - a lone marker is labelled right beside it, no leader") {
  const std::vector<MapLabelInput> in = {{300, 200, "Mường Kim", "A 5 · B 1 · NC 21"}};
  const MapBox frame{40, 10, 690, 480};
  const auto out = place_map_labels(in, frame);
  check_clear(in, out, frame);
  CHECK_FALSE(out[0].leader);
  CHECK(out[0].box.x0 > 300);
  CHECK(out[0].box.y0 < 200);
  CHECK(out[0].box.y1 > 200);
}

TEST_CASE("map labels - near the right edge the label goes to the left of its marker") {
  const std::vector<MapLabelInput> in = {{680, 200, "Tủa Sín Chải", "A 7 · B 4 · NC 22"}};
  const MapBox frame{40, 10, 690, 480};
  const auto out = place_map_labels(in, frame);
  check_clear(in, out, frame);
  CHECK(out[0].box.x1 < 680);
}

TEST_CASE("map labels - a dense cluster gets every label clear, with leader lines") {
  // 20 communes within 70 units of a town, their markers 17 units apart at the closest (a
  // marker is 13 wide): the way merged communes cluster around a district town.
  std::vector<MapLabelInput> in;
  for (int i = 0; i < 20; ++i)
    in.push_back({350 + 45 * std::cos(i * 2.4) * (1 + i % 3) / 2, 240 + 45 * std::sin(i * 2.4) * (1 + i % 3) / 2,
                  "Xã số " + std::to_string(i), "A " + std::to_string(i) + " · B 1 · NC 12"});
  const MapBox frame{40, 10, 690, 480};
  const auto out = place_map_labels(in, frame);
  check_clear(in, out, frame);
  int leaders = 0;
  for (const auto& l : out) leaders += l.leader;
  CHECK(leaders > 0);
  // Deterministic: the same input, the same places.
  const auto again = place_map_labels(in, frame);
  for (std::size_t i = 0; i < out.size(); ++i) {
    CHECK(again[i].box.x0 == out[i].box.x0);
    CHECK(again[i].box.y0 == out[i].box.y0);
  }
}

TEST_CASE("map labels - when nothing fits the labels are still placed, inside, and marked") {
  // Ten labels in a frame that holds two: every label gets a place and the crowded ones say so.
  std::vector<MapLabelInput> in;
  for (int i = 0; i < 10; ++i) in.push_back({100.0 + i, 60, "Xã " + std::to_string(i), "A 1 · B 1 · NC 1"});
  const MapBox frame{40, 10, 200, 110};
  const auto out = place_map_labels(in, frame);
  REQUIRE(out.size() == 10);
  int overlaps = 0;
  for (const auto& l : out) {
    overlaps += l.overlaps;
    CHECK((l.box.x0 >= frame.x0 && l.box.x1 <= frame.x1 && l.box.y0 >= frame.y0 && l.box.y1 <= frame.y1));
  }
  CHECK(overlaps > 0);
  CHECK(overlaps < 10);
}
