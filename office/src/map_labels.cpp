// The report map's label layout (map_labels.hpp).
#include "khaosat/office/map_labels.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace khaosat::office {

namespace {

double code_points(const std::string& t) {
  return static_cast<double>(std::count_if(t.begin(), t.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Upper bounds of an average glyph's advance at the page's sizes (measured in Chromium with Noto
// Sans: names at most 6.0 px per code point at 10 px semibold, counts 4.2 px at 9.5 px), and the
// two lines' height from the top of the first to the bottom of the second (25 px measured).
constexpr double kNameAdvance = 6.4, kCountsAdvance = 4.6, kLabelHeight = 26;
// A marker is a diamond of 8 px turned 45 degrees with a 1.5 px outline: 6.5 px from its centre.
constexpr double kMarkerHalf = 6.5;
// Labels beside a marker start this far from its centre.
constexpr double kGap = 7;

struct Point {
  double x, y;
};

struct Segment {
  Point a, b;
};

// Whether the segment crosses the box's interior (Liang-Barsky clipping).
bool segment_hits(const Segment& s, const MapBox& r) {
  double t0 = 0, t1 = 1;
  const double dx = s.b.x - s.a.x, dy = s.b.y - s.a.y;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {s.a.x - r.x0, r.x1 - s.a.x, s.a.y - r.y0, r.y1 - s.a.y};
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0) {
      if (q[i] <= 0) return false;
      continue;
    }
    const double t = q[i] / p[i];
    if (p[i] < 0) t0 = std::max(t0, t);
    else t1 = std::min(t1, t);
    if (t0 >= t1) return false;
  }
  return true;
}

double cross(Point o, Point a, Point b) { return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x); }

bool segments_cross(const Segment& s, const Segment& t) {
  const double d1 = cross(t.a, t.b, s.a), d2 = cross(t.a, t.b, s.b), d3 = cross(s.a, s.b, t.a), d4 = cross(s.a, s.b, t.b);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

MapBox marker_box(const MapLabelInput& in) {
  return {in.x - kMarkerHalf, in.y - kMarkerHalf, in.x + kMarkerHalf, in.y + kMarkerHalf};
}

// The places tried for one label, nearest first: six beside the marker (right, left, then above
// and below on either side), centred above and below, then rings of 32 directions at growing
// distances, each box set with its nearest corner or edge towards the marker.
std::vector<MapBox> candidates(const MapLabelInput& in, double w, double h, double outward) {
  const double cx = in.x, cy = in.y;
  std::vector<MapBox> out = {
      {cx + kGap, cy - 13, cx + kGap + w, cy - 13 + h},      {cx - kGap - w, cy - 13, cx - kGap, cy - 13 + h},
      {cx + kGap, cy - h + 1, cx + kGap + w, cy + 1},        {cx + kGap, cy - 1, cx + kGap + w, cy - 1 + h},
      {cx - kGap - w, cy - h + 1, cx - kGap, cy + 1},        {cx - kGap - w, cy - 1, cx - kGap, cy - 1 + h},
      {cx - w / 2, cy - kGap - h, cx + w / 2, cy - kGap},    {cx - w / 2, cy + kGap, cx + w / 2, cy + kGap + h},
  };
  const double pi = 3.14159265358979;
  for (double d = 14; d <= 240; d += d < 60 ? 8 : 14) {
    for (int step = 0; step < 32; ++step) {
      // Out from the neighbours first, alternating either side of that direction.
      const int k = (step % 2 ? -1 : 1) * ((step + 1) / 2);
      const double a = outward + k * pi / 16, c = std::cos(a), s = std::sin(a);
      const double px = cx + d * c, py = cy + d * s;
      // Straight above or below (or beside) the point, the box is also tried slid to either side.
      const bool across = std::fabs(c) <= 0.38, along = std::fabs(s) <= 0.38;
      const double x0 = c > 0.38 ? px : c < -0.38 ? px - w : px - w / 2;
      const double y0 = s > 0.38 ? py : s < -0.38 ? py - h : py - h / 2;
      out.push_back({x0, y0, x0 + w, y0 + h});
      if (across)
        for (double x : {px - 8, px - w + 8}) out.push_back({x, y0, x + w, y0 + h});
      if (along)
        for (double y : {py - 6, py - h + 6}) out.push_back({x0, y, x0 + w, y + h});
    }
  }
  return out;
}

Point nearest_on(const MapBox& b, double x, double y) {
  return {std::clamp(x, b.x0, b.x1), std::clamp(y, b.y0, b.y1)};
}

}  // namespace

MapBox map_label_size(const MapLabelInput& in) {
  return {0, 0, std::max(code_points(in.name) * kNameAdvance, code_points(in.counts) * kCountsAdvance) + 2, kLabelHeight};
}

namespace {

// One greedy pass: the labels in `order`, each at the first free place of its candidates.
std::vector<MapLabel> place_in_order(const std::vector<MapLabelInput>& inputs, const MapBox& frame,
                                     const std::vector<std::size_t>& order) {
  const std::size_t n = inputs.size();
  std::vector<MapBox> markers;
  for (const auto& in : inputs) markers.push_back(marker_box(in));
  std::vector<MapLabel> out(n);
  std::vector<MapBox> boxes;        // labels placed so far
  std::vector<Segment> leaders;     // their leader lines
  for (std::size_t i : order) {
    const MapLabelInput& in = inputs[i];
    const MapBox size = map_label_size(in);
    const double w = size.x1, h = size.y1;
    // Hard conflicts make a label unreadable or hide something: covering another label, a marker or
    // a leader line, or a leader line through another label. Soft ones only clutter: a leader line
    // crossing another or passing over a marker (unavoidable where markers nearly touch).
    auto conflicts = [&](const MapBox& b, bool soft, bool count_all) {
      int c = 0;
      auto hit = [&]() { ++c; return !count_all; };
      for (const auto& o : boxes)
        if (o.hits(b) && hit()) return c;
      for (const auto& m : markers)
        if (m.hits(b) && hit()) return c;
      for (const auto& l : leaders)
        if (segment_hits(l, b) && hit()) return c;
      const Point end = nearest_on(b, in.x, in.y);
      if (std::hypot(end.x - in.x, end.y - in.y) > kGap + 1) {
        const Segment leader{{in.x, in.y}, end};
        for (const auto& o : boxes)
          if (segment_hits(leader, o) && hit()) return c;
        if (!soft) return c;
        for (std::size_t j = 0; j < n; ++j)
          if (j != i && segment_hits(leader, markers[j]) && hit()) return c;
        for (const auto& l : leaders)
          if (segments_cross(leader, l) && hit()) return c;
      }
      return c;
    };
    auto inside = [&](const MapBox& b) {
      return b.x0 >= frame.x0 + 1 && b.y0 >= frame.y0 + 1 && b.x1 <= frame.x1 - 1 && b.y1 <= frame.y1 - 1;
    };
    // The direction away from the neighbours' mean (to the right for a lone marker).
    double ox = 0, oy = 0;
    for (std::size_t j = 0; j < n; ++j)
      if (j != i && std::hypot(inputs[j].x - in.x, inputs[j].y - in.y) < 90) ox += in.x - inputs[j].x, oy += in.y - inputs[j].y;
    const double outward = ox == 0 && oy == 0 ? 0 : std::atan2(oy, ox);
    const std::vector<MapBox> places = candidates(in, w, h, outward);
    const MapBox* chosen = nullptr;
    for (bool soft : {true, false}) {
      for (const auto& b : places)
        if (inside(b) && conflicts(b, soft, false) == 0) {
          chosen = &b;
          break;
        }
      if (chosen) break;
    }
    MapLabel& label = out[i];
    if (!chosen) {
      // Nowhere free: the place inside the frame that covers the fewest things (the first such).
      int best = -1;
      for (const auto& b : places) {
        if (!inside(b)) continue;
        const int c = conflicts(b, false, true);
        if (best < 0 || c < best) best = c, chosen = &b;
      }
      if (!chosen) chosen = &places.front();
      label.overlaps = true;
    }
    label.box = *chosen;
    const Point end = nearest_on(label.box, in.x, in.y);
    if (std::hypot(end.x - in.x, end.y - in.y) > kGap + 1) {
      label.leader = true;
      label.leader_x = end.x;
      label.leader_y = end.y;
      leaders.push_back({{in.x, in.y}, end});
    }
    boxes.push_back(label.box);
  }
  return out;
}

}  // namespace

std::vector<MapLabel> place_map_labels(const std::vector<MapLabelInput>& inputs, const MapBox& frame) {
  const std::size_t n = inputs.size();
  // A greedy pass depends on its order, so a few orders are tried and the layout with the fewest
  // labels left overlapping wins (then the shortest leader lines, then the first order): most
  // crowded first (the markers with the most others within 90 units have the fewest free
  // places), least crowded first, west to east, north to south, as given.
  std::vector<int> crowd(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (i != j && std::hypot(inputs[i].x - inputs[j].x, inputs[i].y - inputs[j].y) < 90) ++crowd[i];
  std::vector<std::size_t> given(n);
  std::iota(given.begin(), given.end(), 0);
  auto sorted = [&](auto less) {
    std::vector<std::size_t> o = given;
    std::stable_sort(o.begin(), o.end(), less);
    return o;
  };
  const std::vector<std::vector<std::size_t>> orders = {
      sorted([&](std::size_t a, std::size_t b) { return crowd[a] > crowd[b]; }),
      sorted([&](std::size_t a, std::size_t b) { return crowd[a] < crowd[b]; }),
      sorted([&](std::size_t a, std::size_t b) { return inputs[a].x < inputs[b].x; }),
      sorted([&](std::size_t a, std::size_t b) { return inputs[a].y < inputs[b].y; }),
      given,
  };
  std::vector<MapLabel> best;
  int best_overlaps = 0;
  double best_length = 0;
  for (const auto& order : orders) {
    std::vector<MapLabel> layout = place_in_order(inputs, frame, order);
    int overlaps = 0;
    double length = 0;
    for (std::size_t i = 0; i < n; ++i) {
      overlaps += layout[i].overlaps;
      if (layout[i].leader) length += std::hypot(layout[i].leader_x - inputs[i].x, layout[i].leader_y - inputs[i].y);
    }
    if (best.empty() || overlaps < best_overlaps || (overlaps == best_overlaps && length < best_length - 1e-9)) {
      best = std::move(layout);
      best_overlaps = overlaps;
      best_length = length;
    }
    if (best_overlaps == 0 && length == 0) break;
  }
  return best;
}

}  // namespace khaosat::office
