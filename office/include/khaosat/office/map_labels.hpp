// Where the report map's commune labels go (report_html.cpp, docs/office.md "Reports"): each
// label is a box of two lines (the commune's name, its counts) placed beside its marker if it can,
// otherwise farther out with a leader line back to the marker, so that no label covers another
// label, another commune's marker or a leader line, and every label stays inside the map's frame.
// Pure geometry on estimated text sizes (no font metrics): the estimates are upper bounds for
// Noto Sans/DejaVu Sans at the page's sizes, so real text fits inside its box.
#pragma once

#include <string>
#include <vector>

namespace khaosat::office {

struct MapBox {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool hits(const MapBox& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
};

struct MapLabelInput {
  double x = 0, y = 0;  // the marker, in the SVG's user units
  std::string name;     // first line (10 px, semibold)
  std::string counts;   // second line (9.5 px)
};

struct MapLabel {
  MapBox box;                           // where the label's text goes (estimated size)
  bool leader = false;                  // set when the label does not touch its marker
  double leader_x = 0, leader_y = 0;    // the leader line runs from the marker to here (on the box)
  bool overlaps = false;                // no free place was found: the least-covering one is used
};

// The label's top to its first baseline, in user units.
inline constexpr double kLabelAscent = 11;

// The estimated box size of a label (UTF-8 code points times a per-line width bound).
MapBox map_label_size(const MapLabelInput& in);

// One label per input, in the same order. Deterministic: the same inputs give the same places.
// The markers are laid out most crowded first; each takes the nearest free place of a fixed list
// (beside the marker, then rings farther out); `frame` bounds every label.
std::vector<MapLabel> place_map_labels(const std::vector<MapLabelInput>& inputs, const MapBox& frame);

}  // namespace khaosat::office
