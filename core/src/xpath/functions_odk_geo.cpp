// ODK geo functions: area, distance, geofence over geopoint / geotrace / geoshape values.
//
// A geopoint is "lat lon [altitude [accuracy]]"; a geotrace or geoshape is geopoints joined by
// ";". distance() takes either one trace/shape or several geopoints (node-sets contribute one
// value per node). The formulas, the Earth radius (6378100 m, equatorial) and the rounding to
// centimetres are ODK's, applied in the same order so results match it to the printed digit.
#include <cmath>
#include <numbers>
#include <optional>

#include "xpath/functions.hpp"
#include "xpath/functions_odk.hpp"

namespace khaosat::core::xpath::detail::odk {
namespace {

constexpr double kEarthRadiusMeters = 6378100;
constexpr double kPrecision = 100;  // results are rounded to centimetres / square centimetres

struct Geopoint {
  double latitude;
  double longitude;
};

bool js_space(char c) { return is_xml_space(c) || c == '\f' || c == '\v'; }

// JS value.split(/\s+/): leading or trailing whitespace yields empty parts.
std::vector<std::string_view> split_on_space(std::string_view s) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || js_space(s[i])) {
      parts.push_back(s.substr(start, i - start));
      while (i < s.size() && js_space(s[i])) ++i;
      start = i;
      if (i == s.size()) break;
    }
  }
  if (!s.empty() && js_space(s.back())) parts.emplace_back();
  return parts;
}

std::string_view js_trim(std::string_view s) {
  while (!s.empty() && js_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && js_space(s.back())) s.remove_suffix(1);
  return s;
}

// A geopoint value, or nullopt when it has not 2 to 4 parts or a coordinate is out of range.
// As in ODK, a part that is not a number reads as NaN and is not rejected.
std::optional<Geopoint> decode_geopoint(std::string_view value) {
  const auto parts = split_on_space(value);
  if (parts.size() < 2 || parts.size() > 4) return std::nullopt;
  const double latitude = string_to_number(parts[0]);
  const double longitude = string_to_number(parts[1]);
  if (std::fabs(latitude) > 90 || std::fabs(longitude) > 180) return std::nullopt;
  return Geopoint{latitude, longitude};
}

// "p1; p2; p3;" -> points; nullopt unless there are at least two valid points.
std::optional<std::vector<Geopoint>> from_points(const std::vector<std::optional<Geopoint>>& decoded) {
  if (decoded.size() < 2) return std::nullopt;
  std::vector<Geopoint> points;
  for (const auto& p : decoded) {
    if (!p) return std::nullopt;
    points.push_back(*p);
  }
  return points;
}

std::optional<std::vector<Geopoint>> decode_trace(std::string_view encoded) {
  std::string_view s = js_trim(encoded);
  // Drop trailing separators: /(\s*;)+$/.
  for (;;) {
    std::string_view t = s;
    if (t.empty() || t.back() != ';') break;
    t.remove_suffix(1);
    while (!t.empty() && js_space(t.back())) t.remove_suffix(1);
    s = t;
  }
  std::vector<std::optional<Geopoint>> decoded;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == ';') {
      decoded.push_back(decode_geopoint(js_trim(s.substr(start, i - start))));
      start = i + 1;
    }
  }
  return from_points(decoded);
}

// The points of all arguments: one trace/shape value, or several geopoint values.
std::optional<std::vector<Geopoint>> points_of(const std::vector<Value>& args) {
  std::vector<std::string> values;
  for (const Value& v : args) {
    for (std::string& s : item_strings(v)) values.push_back(std::move(s));
  }
  if (values.empty()) return std::nullopt;
  if (values.size() == 1) return decode_trace(values.front());
  std::vector<std::optional<Geopoint>> decoded;
  for (const std::string& s : values) decoded.push_back(decode_geopoint(s));
  return from_points(decoded);
}

double to_radians(double degrees) { return degrees * std::numbers::pi / 180; }

// JS Math.round: nearest integer, halves toward +Infinity.
double js_round(double x) {
  const double f = std::floor(x);
  return x - f >= 0.5 ? f + 1 : f;
}

double to_absolute_precision(double value) {
  if (value == 0) return 0;
  return std::fabs(js_round(value * kPrecision) / kPrecision);
}

// Spherical polygon area of the ring through `points` (closed if it is not already); 0 for
// fewer than three points.
double geodesic_area(const std::vector<Geopoint>& points) {
  if (points.size() < 3) return 0;
  std::vector<std::pair<Geopoint, Geopoint>> lines;
  for (std::size_t i = 1; i < points.size(); ++i) lines.emplace_back(points[i - 1], points[i]);
  const Geopoint& first = points.front();
  const Geopoint& last = points.back();
  if (first.latitude != last.latitude || first.longitude != last.longitude) lines.emplace_back(last, first);
  double total = 0;
  for (const auto& [start, end] : lines) {
    total += to_radians(end.longitude - start.longitude) *
             (2 + std::sin(to_radians(end.latitude)) + std::sin(to_radians(start.latitude)));
  }
  return total * kEarthRadiusMeters * kEarthRadiusMeters / 2;
}

// Great-circle distance by the spherical law of cosines.
double geodesic_distance(const Geopoint& start, const Geopoint& end) {
  const double delta_lambda = to_radians(start.longitude - end.longitude);
  const double phi0 = to_radians(start.latitude);
  const double phi1 = to_radians(end.latitude);
  return std::acos(std::sin(phi0) * std::sin(phi1) + std::cos(phi0) * std::cos(phi1) * std::cos(delta_lambda)) *
         kEarthRadiusMeters;
}

// area(shape): square metres, rounded to 0.01; 0 when the value is not a shape.
Value fn_area(std::vector<Value>& args, const Context&) {
  const auto points = points_of(args);
  return Value::number(points ? to_absolute_precision(geodesic_area(*points)) : 0);
}

// distance(trace) or distance(point, point, ...): metres along the points, rounded to 0.01.
Value fn_distance(std::vector<Value>& args, const Context&) {
  const auto points = points_of(args);
  if (!points) throw EvalError("The function 'distance' received a value that does not represent GPS coordinates");
  double total = 0;
  for (std::size_t i = 1; i < points->size(); ++i) total += geodesic_distance((*points)[i - 1], (*points)[i]);
  return Value::number(to_absolute_precision(total));
}

// geofence(point, shape): whether the point lies inside the closed shape (ray casting).
Value fn_geofence(std::vector<Value>& args, const Context&) {
  // As ODK: the first two of all the values the arguments contribute.
  std::vector<std::string> values;
  for (const Value& v : args) {
    for (std::string& s : item_strings(v)) values.push_back(std::move(s));
  }
  if (values.size() < 2 || values[0].empty() || values[1].empty()) return Value::boolean(false);
  const std::string& point_text = values[0];
  const std::string& shape_text = values[1];
  const auto point = decode_geopoint(point_text);
  const auto shape = decode_trace(shape_text);
  if (!point || !shape) return Value::boolean(false);
  const Geopoint& first = shape->front();
  const Geopoint& last = shape->back();
  if (first.latitude != last.latitude || first.longitude != last.longitude) return Value::boolean(false);
  const double x = point->longitude, y = point->latitude;
  bool inside = false;
  for (std::size_t i = 1; i < shape->size(); ++i) {
    const Geopoint& p1 = (*shape)[i - 1];
    const Geopoint& p2 = (*shape)[i];
    if ((p2.latitude > y) != (p1.latitude > y) &&
        x < (p1.longitude - p2.longitude) * (y - p2.latitude) / (p1.latitude - p2.latitude) + p2.longitude) {
      inside = !inside;
    }
  }
  return Value::boolean(inside);
}

const FunctionSpec kGeoFunctions[] = {
    {"area", 1, 1, fn_area},
    {"distance", 1, -1, fn_distance},
    {"geofence", 2, 2, fn_geofence},
};

}  // namespace

std::span<const FunctionSpec> geo_functions() { return kGeoFunctions; }

}  // namespace khaosat::core::xpath::detail::odk
