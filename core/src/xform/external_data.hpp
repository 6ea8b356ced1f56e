// Private to the XForm loader: external secondary instance formats turned into Trees, the way
// ODK Web Forms builds them.
//
//   CSV     -> <root><item><col1>v</col1>...</item>...</root>. The first record is the header;
//              RFC 4180 quoting; a UTF-8 BOM is dropped; the delimiter is guessed from the
//              header among , ; TAB | (the one giving most fields; ',' when none splits it).
//   GeoJSON -> <root><item><geometry>lat lon 0 0[; ...]</geometry><id/>props...</item></root>
//              (a FeatureCollection of Point / LineString / single-ring Polygon features).
//
// Both return an Error with a message naming `what` (the attachment) on malformed input; they
// never throw.
#pragma once

#include <string>
#include <string_view>

#include "khaosat/core/result.hpp"
#include "model/tree.hpp"

namespace khaosat::core::xform_detail {

Status csv_to_tree(std::string_view data, const std::string& what, Tree& out);
Status geojson_to_tree(std::string_view data, const std::string& what, Tree& out);

// ECMAScript Number::toString: how ODK Web Forms prints GeoJSON numbers ("1", "0.5", "1e-7").
std::string js_number_to_string(double d);

}  // namespace khaosat::core::xform_detail
