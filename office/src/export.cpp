// Submissions flattened to sheets, and GeoJSON of the located ones (export.hpp).
#include "khaosat/office/export.hpp"

#include <pugixml.hpp>

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

namespace khaosat::office {

namespace {

struct Walker {
  const FormData& form;
  std::map<std::string, std::size_t> sheet_of;  // repeat path -> sheet index
  std::vector<ExportSheet>& sheets;

  // Adds the answers below `node` (path `path`) to row `row` of sheet `sheet`; repeat instances
  // become rows of their own sheet.
  void walk(const pugi::xml_node& node, const std::string& path, std::size_t sheet, std::size_t row,
            const SubmissionRow& sub) {
    std::map<std::string, int> counts;
    for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      std::string p = path.empty() ? std::string(c.name()) : path + "/" + c.name();
      auto r = sheet_of.find(p);
      if (r != sheet_of.end()) {
        std::string parent = sheets[sheet].rows[row].key;
        ExportRow child;
        child.key = parent + "/" + c.name() + "[" + std::to_string(++counts[p]) + "]";
        child.parent = parent;
        child.submission = &sub;
        sheets[r->second].rows.push_back(std::move(child));
        walk(c, p, r->second, sheets[r->second].rows.size() - 1, sub);
      } else if (form.labels.field(p)) {
        std::string text = c.text().get();
        if (!text.empty()) sheets[sheet].rows[row].values[p] = std::move(text);
      } else {
        walk(c, p, sheet, row, sub);
      }
    }
  }
};

}  // namespace

core::Result<std::vector<ExportSheet>> flatten(const FormData& form) {
  std::vector<ExportSheet> sheets(1);
  Walker w{form, {}, sheets};
  for (const auto& r : form.labels.repeats) {
    w.sheet_of[r] = sheets.size();
    sheets.push_back({r, {}, {}});
  }
  for (const auto& f : form.labels.fields) sheets[f.repeat.empty() ? 0 : w.sheet_of[f.repeat]].columns.push_back(&f);
  for (const auto& sub : form.submissions) {
    pugi::xml_document doc;
    if (!doc.load_buffer(sub.xml.data(), sub.xml.size(), pugi::parse_default, pugi::encoding_utf8))
      return core::Error::make(core::ErrorCode::plan_input, sub.instance_id + ": the submission's XML does not parse");
    ExportRow row;
    row.key = sub.instance_id;
    row.submission = &sub;
    sheets[0].rows.push_back(std::move(row));
    w.walk(doc.document_element(), "", 0, sheets[0].rows.size() - 1, sub);
  }
  return sheets;
}

bool parse_geopoint(const std::string& text, double& lat, double& lon) {
  std::istringstream in(text);
  std::string a, b;
  if (!(in >> a >> b)) return false;
  char* end = nullptr;
  lat = std::strtod(a.c_str(), &end);
  if (*end) return false;
  lon = std::strtod(b.c_str(), &end);
  if (*end) return false;
  return std::isfinite(lat) && std::isfinite(lon) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 &&
         !(lat == 0 && lon == 0);
}

std::string export_geojson(const std::vector<FormData>& forms, const std::map<std::string, Commune>& communes) {
  using nlohmann::json;
  json features = json::array();
  for (const auto& form : forms) {
    const std::string& id = form.labels.form_id;
    bool a = id == "lc_establishment", b = id == "lc_craft_village";
    if (!a && !b) continue;
    for (const auto& sub : form.submissions) {
      pugi::xml_document doc;
      if (!doc.load_buffer(sub.xml.data(), sub.xml.size(), pugi::parse_default, pugi::encoding_utf8)) continue;
      auto get = [&](const char* name) {
        pugi::xpath_node n = doc.document_element().select_node((std::string(".//") + name).c_str());
        return n ? std::string(n.node().text().get()) : std::string();
      };
      double lat = 0, lon = 0;
      if (!parse_geopoint(get("gps"), lat, lon)) continue;
      std::string commune = get("commune"), village = get("village");
      auto c = communes.find(commune);
      std::string name = a ? get("est_name") : get("craft_name") + (village.empty() ? "" : " – " + village);
      features.push_back({{"type", "Feature"},
                          {"geometry", {{"type", "Point"}, {"coordinates", {lon, lat}}}},
                          {"properties",
                           {{"kind", a ? "establishment" : "craft_village"},
                            {"form_id", id},
                            {"instance_id", sub.instance_id},
                            {"name", name},
                            {"commune", commune},
                            {"commune_name", c == communes.end() ? commune : c->second.label_vi},
                            {"village", village},
                            {"state", sub.state}}}});
    }
  }
  json out = {{"type", "FeatureCollection"}, {"features", std::move(features)}};
  return out.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace khaosat::office
