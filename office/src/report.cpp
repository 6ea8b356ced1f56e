// The reports' data and assembly (report.hpp); the tables are in report_tables.cpp.
#include "khaosat/office/report.hpp"

#include <cstdio>
#include <map>
#include <string_view>

#include <pugixml.hpp>

#include "khaosat/core/parse_number.hpp"
#include "report_data.hpp"

namespace khaosat::office {

namespace report_data {

namespace {

const std::string kEmpty;

// Collects every leaf's first text, and the instances of the two repeats the reports list.
void extract(const pugi::xml_node& n, Sub& s) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    std::string_view name = c.name();
    if (name == "ocop_products" || name == "received") {
      Fields f;
      for (pugi::xml_node l = c.first_child(); l; l = l.next_sibling())
        if (l.type() == pugi::node_element) f.emplace(l.name(), l.text().get());
      (name == "received" ? s.received : s.ocop_products).push_back(std::move(f));
      continue;
    }
    bool leaf = true;
    for (pugi::xml_node g = c.first_child(); g && leaf; g = g.next_sibling())
      if (g.type() == pugi::node_element) leaf = false;
    if (leaf) s.fields.emplace(c.name(), c.text().get());
    else extract(c, s);
  }
}

const FormField* by_name(const FormLabels& labels, const std::string& name) {
  for (const auto& f : labels.fields)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace

const std::string& at(const Fields& f, const char* name) {
  auto it = f.find(name);
  return it == f.end() ? kEmpty : it->second;
}

const std::string& Sub::get(const char* name) const {
  auto it = fields.find(name);
  return it == fields.end() ? kEmpty : it->second;
}

const std::vector<Fields>& Sub::all(const char* name) const {
  return std::string_view(name) == "received" ? received : ocop_products;
}

std::string Sub::name() const {
  if (form == 'A') return get("est_name");
  if (form == 'C') return get("coop_name");
  std::string village = get("village");
  return get("craft_name") + (village.empty() ? "" : " – " + village);
}

std::string Data::choice(char form, const std::string& name, const std::string& value) const {
  auto it = labels.find(std::string(1, form));
  if (value.empty() || it == labels.end()) return value;
  const FormField* f = by_name(*it->second, name);
  if (!f) return value;
  auto c = f->choices.find(value);
  return c == f->choices.end() || c->second.empty() ? value : c->second;
}

std::string Data::label(char form, const std::string& name) const {
  auto it = labels.find(std::string(1, form));
  if (it == labels.end()) return name;
  const FormField* f = by_name(*it->second, name);
  return f && !f->label.empty() ? f->label : name;
}

std::string Data::commune(const std::string& code) const {
  auto it = input->communes.find(code);
  return it == input->communes.end() ? code : it->second.label_vi;
}

Data load(const ReportInput& input) {
  Data d;
  d.input = &input;
  for (const auto& form : input.forms) {
    const std::string& id = form.labels.form_id;
    char letter = id == "lc_establishment" ? 'A' : id == "lc_craft_village" ? 'B' : id == "lc_coop_needs" ? 'C' : 0;
    if (!letter) continue;
    d.labels[std::string(1, letter)] = &form.labels;
    pugi::xml_document doc;  // one at a time: nothing of the parsed XML is kept
    const std::string year = std::to_string(input.year);
    for (const auto& row : form.submissions) {
      Sub s;
      s.row = &row;
      s.labels = &form.labels;
      s.form = letter;
      if (!doc.load_buffer(row.xml.data(), row.xml.size(), pugi::parse_default, pugi::encoding_utf8)) continue;
      extract(doc.document_element(), s);
      const std::string& date = s.get(letter == 'C' ? "reg_date" : "survey_date");
      if (date.size() < 4 || date.compare(0, 4, year) != 0) continue;
      d.subs.push_back(std::move(s));
    }
  }
  return d;
}

}  // namespace report_data

Report make_report(const ReportInput& input) {
  report_data::Data d = report_data::load(input);
  Report r;
  r.year = input.year;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", input.as_of_year % 10000, input.as_of_month % 100, input.as_of_day % 100);
  r.as_of = buf;
  int counts[3] = {0, 0, 0}, approved = 0;
  std::map<std::string, CommuneMarker> markers;
  for (const auto& s : d.subs) {
    ++counts[s.form - 'A'];
    if (s.row->state == "approved") ++approved;
    if (s.rejected()) continue;
    const std::string& commune = s.get("commune");
    CommuneMarker& m = markers[commune];
    m.establishments += s.form == 'A';
    m.villages += s.form == 'B';
    if (auto n = core::parse_int(s.get("n_needs"), 0, 1000)) m.needs += *n;
    double lat = 0, lon = 0;
    if (s.form != 'C' && parse_geopoint(s.get("gps"), lat, lon)) {
      r.points.push_back({lat, lon, s.form == 'A' ? "establishment" : "craft_village", s.name(), d.commune(commune)});
      m.lat += lat;  // summed here, divided below
      m.lon += lon;
      ++m.located;
    }
  }
  for (auto& [code, m] : markers) {
    if (m.located == 0) continue;
    m.code = code;
    m.name = d.commune(code);
    for (const char* prefix : {"Xã ", "Phường "})
      if (m.name.rfind(prefix, 0) == 0) m.name = m.name.substr(std::string_view(prefix).size());
    m.lat /= m.located;
    m.lon /= m.located;
    r.markers.push_back(std::move(m));
  }
  r.summary = {{"Phiếu A – cơ sở / establishments", std::to_string(counts[0])},
               {"Phiếu B – làng nghề / craft villages", std::to_string(counts[1])},
               {"Phiếu C – hợp tác xã / cooperatives", std::to_string(counts[2])},
               {"Đã duyệt / approved", std::to_string(approved)},
               {"Có tọa độ GPS / located", std::to_string(r.points.size())}};
  r.tables.push_back(report_data::establishments(d));
  r.tables.push_back(report_data::ocop(d));
  r.tables.push_back(report_data::villages(d));
  r.tables.push_back(report_data::ledger(d));
  r.tables.push_back(report_data::coverage(d));
  r.tables.push_back(report_data::quality(d));
  return r;
}

}  // namespace khaosat::office
