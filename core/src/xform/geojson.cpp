// GeoJSON attachments as secondary instances (ODK XForms spec, "GeoJSON" external instances).
// Validation and output follow ODK Web Forms: a FeatureCollection whose features are Points,
// LineStrings or single-ring Polygons with [longitude, latitude] coordinates; each feature
// becomes an <item> with <geometry> ("lat lon 0 0", points joined by "; "), then <id> (the
// feature's id, else properties.id), then the other properties in document order, each printed
// the way JavaScript's String() prints it.
#include <charconv>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "khaosat/core/json.hpp"
#include "xform/external_data.hpp"
#include "xform/loader_internal.hpp"

namespace khaosat::core::xform_detail {

using Json = nlohmann::ordered_json;

std::string js_number_to_string(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  if (d == 0) return "0";
  // Shortest round-trip digits and the decimal exponent, from the scientific form "d.ddde±x".
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  auto e = sci.find('e');
  std::string digits;
  for (std::size_t i = 0; i < e; ++i)
    if (sci[i] != '.') digits += sci[i];
  int exp10 = std::stoi(sci.substr(e + 1));
  int k = static_cast<int>(digits.size());
  int n = exp10 + 1;  // the decimal point sits after n digits
  // Built by appending only: GCC 12 at -O2 warns (-Wrestrict, a false positive) on
  // "literal" + std::string temporaries here.
  std::string out = d < 0 ? "-" : "";
  if (k <= n && n <= 21) {
    out.append(digits).append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<std::size_t>(n)).append(1, '.');
    out.append(digits, static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out.append("0.").append(static_cast<std::size_t>(-n), '0').append(digits);
  } else {
    out.append(digits, 0, 1);
    if (k > 1) out.append(1, '.').append(digits, 1);
    out.append(n - 1 >= 0 ? "e+" : "e-").append(std::to_string(std::abs(n - 1)));
  }
  return out;
}

namespace {

// JavaScript's String(value) for a JSON value.
std::string js_string(const Json& v) {
  switch (v.type()) {
    case Json::value_t::string: return v.get<std::string>();
    case Json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case Json::value_t::null: return "null";
    case Json::value_t::number_integer: return std::to_string(v.get<std::int64_t>());
    case Json::value_t::number_unsigned: return std::to_string(v.get<std::uint64_t>());
    case Json::value_t::number_float: return js_number_to_string(v.get<double>());
    case Json::value_t::array: {
      std::string s;
      bool first = true;
      for (const auto& e : v) {
        if (!first) s += ',';
        first = false;
        if (!e.is_null()) s += js_string(e);
      }
      return s;
    }
    default: return "[object Object]";
  }
}

double as_double(const Json& v) { return v.get<double>(); }

class GeoJsonReader {
 public:
  explicit GeoJsonReader(const std::string& what) : what_(what) {}

  Error fail(const std::string& why) const {
    return Error::make(ErrorCode::form_attachment, "invalid GeoJSON " + what_ + ": " + why);
  }

  // "lat lon 0 0" for one [lon, lat] position.
  Status position(const Json& p, std::string& out) const {
    if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number())
      return fail("only Points with latitude and longitude are currently supported");
    if (!out.empty()) out += "; ";
    out += js_number_to_string(as_double(p[1]));
    out += ' ';
    out += js_number_to_string(as_double(p[0]));
    out += " 0 0";
    return ok_status();
  }

  Status geometry(const Json& g, std::string& out) const {
    if (!g.is_object() || !g.contains("type") || !g["type"].is_string())
      return fail("only Points, LineStrings and Polygons are currently supported");
    std::string type = g["type"].get<std::string>();
    if (type != "Point" && type != "LineString" && type != "Polygon")
      return fail("only Points, LineStrings and Polygons are currently supported");
    if (!g.contains("coordinates") || !g["coordinates"].is_array())
      return fail(type + " without a coordinates array");
    const Json& c = g["coordinates"];
    if (type == "Point") return position(c, out);
    if (type == "LineString") {
      for (const auto& p : c) XFORM_TRY(position(p, out));
      return ok_status();
    }
    if (c.empty()) return ok_status();
    if (c.size() > 1) return fail("unsupported Polygon: multiple sets of coordinates");
    if (!c[0].is_array()) return fail("Polygon ring is not an array");
    for (const auto& p : c[0]) XFORM_TRY(position(p, out));
    return ok_status();
  }

  Status feature(const Json& f, std::size_t index, Tree& tree, Node* root) const {
    std::string at = "feature " + std::to_string(index + 1);
    if (!f.is_object()) return fail(at + " is not an object");
    if (!f.contains("type") || f["type"] != "Feature")
      return fail(at + ": expected type Feature, got " +
                  (f.contains("type") ? js_string(f["type"]) : std::string("undefined")));
    std::string geom;
    if (!f.contains("geometry")) return fail(at + " has no geometry");
    if (auto st = geometry(f["geometry"], geom); !st.ok())
      return fail(at + ": " + st.error().message.substr(st.error().message.find(": ") + 2));
    const Json* id = nullptr;
    if (f.contains("id")) {
      id = &f["id"];
      if (!id->is_number() && !id->is_string())
        return fail(at + ": the feature id must be a number or a string");
    }
    if (!f.contains("properties")) return fail(at + " has no properties");
    const Json& props = f["properties"];
    if (!props.is_null() && !props.is_object()) return fail(at + ": properties is not an object");

    Node* item = tree.new_element("item");
    tree.append_child(root, item);
    Node* g = tree.new_element("geometry");
    g->value = std::move(geom);
    tree.append_child(item, g);
    if (props.is_null()) return ok_status();  // as Web Forms: no id, no properties
    if (!id && props.contains("id")) id = &props["id"];
    if (id) {
      Node* n = tree.new_element("id");
      n->value = js_string(*id);
      tree.append_child(item, n);
    }
    for (const auto& [key, value] : props.items()) {
      if (key == "id") continue;
      Node* n = tree.new_element(key);
      n->value = js_string(value);
      tree.append_child(item, n);
    }
    return ok_status();
  }

 private:
  const std::string& what_;
};

}  // namespace

Status geojson_to_tree(std::string_view data, const std::string& what, Tree& out) {
  GeoJsonReader reader(what);
  auto parsed = parse_ordered_json(data);
  if (!parsed) return reader.fail(parsed.error().message);
  const Json& doc = parsed.value();
  if (!doc.is_object()) return reader.fail("the top level is not an object");
  if (!doc.contains("type") || doc["type"] != "FeatureCollection")
    return reader.fail("expected a FeatureCollection");
  if (!doc.contains("features") || !doc["features"].is_array())
    return reader.fail("features is not an array");
  Node* root = out.new_element("root");
  out.append_child(out.document(), root);
  std::size_t index = 0;
  for (const auto& f : doc["features"]) XFORM_TRY(reader.feature(f, index++, out, root));
  return ok_status();
}

}  // namespace khaosat::core::xform_detail
