// The reports as one self-contained HTML page (report.hpp): inline CSS, inline SVG charts and
// map, no script and no external file, so it opens offline and prints on A4.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "khaosat/office/map_labels.hpp"
#include "khaosat/office/report.hpp"

namespace khaosat::office {

namespace {

std::string esc(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

// Vietnamese number format: "." between thousands, "," before decimals (1.234,5).
std::string vn_number(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(v));
  std::string s = buf, frac;
  if (auto dot = s.find('.'); dot != std::string::npos) {
    frac = "," + s.substr(dot + 1);
    s = s.substr(0, dot);
  }
  std::string grouped;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) grouped += '.';
    grouped += s[i];
  }
  bool negative = v < 0 && (grouped != "0" || frac.find_first_not_of(",0") != std::string::npos);
  return (negative ? "-" : "") + grouped + frac;
}

std::string vn_date(const std::string& iso) {
  if (iso.size() != 10) return iso;
  return iso.substr(8, 2) + "/" + iso.substr(5, 2) + "/" + iso.substr(0, 4);
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

const char* kCss = R"(
:root{--ink:#1c2733;--muted:#5a6b7b;--line:#c9d3dc;--head:#dde7f0;--a:#1f6fb2;--b:#d9822b}
*{box-sizing:border-box}
body{font-family:"Noto Sans","DejaVu Sans",Arial,sans-serif;color:var(--ink);margin:0 auto;max-width:1100px;padding:16px;font-size:13px;line-height:1.4}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 2px}
.en{color:var(--muted);margin:0 0 6px}.note{color:var(--muted);font-size:12px;margin:4px 0 8px}
.cards{display:flex;flex-wrap:wrap;gap:8px;margin:10px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:6px 10px;min-width:150px}
.card b{display:block;font-size:20px}
nav ol{margin:4px 0 0 18px;padding:0}
table{border-collapse:collapse;width:100%;margin:8px 0 4px;font-size:11.5px}
th,td{border:1px solid var(--line);padding:3px 5px;vertical-align:top;text-align:left}
th{background:var(--head)}td.n{text-align:right;white-space:nowrap}
tr.total td{font-weight:bold;background:#f2f5f8}
svg{max-width:100%;height:auto;display:block;margin:6px 0}
svg text{font-family:inherit;font-size:11px;fill:var(--ink)}
.commune-label{font-size:10px;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
section{margin-top:28px}
@page{size:A4;margin:12mm 10mm}
@media print{body{max-width:none;padding:0;font-size:11px}section.report{break-before:page;margin-top:0}
thead{display:table-header-group}tr{break-inside:avoid}svg{break-inside:avoid}nav{display:none}}
)";

// A chart label in lines of at most `width` characters (UTF-8 code points), broken at spaces
// where it can and inside a word only when the word alone is longer than a line. Nothing is cut:
// a long sector or commune name is read in full on two or three lines.
std::vector<std::string> wrap_label(const std::string& label, std::size_t width) {
  auto chars = [](const std::string& s) {
    std::size_t n = 0;
    for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
  };
  std::vector<std::string> lines;
  std::string line;
  std::size_t line_chars = 0;
  auto flush = [&] {
    if (!line.empty()) lines.push_back(line);
    line.clear();
    line_chars = 0;
  };
  std::size_t i = 0;
  while (i < label.size()) {
    std::size_t end = label.find(' ', i);
    if (end == std::string::npos) end = label.size();
    std::string word = label.substr(i, end - i);
    i = end + 1;
    if (word.empty()) continue;
    std::size_t n = chars(word);
    if (line_chars && line_chars + 1 + n <= width) {
      line += ' ' + word;
      line_chars += 1 + n;
      continue;
    }
    flush();
    // A word longer than a line: whole lines of it, the rest starts the next line.
    while (n > width) {
      std::size_t b = 0, taken = 0;
      while (b < word.size() && (taken < width || (static_cast<unsigned char>(word[b]) & 0xC0) == 0x80)) {
        taken += (static_cast<unsigned char>(word[b]) & 0xC0) != 0x80;
        ++b;
      }
      lines.push_back(word.substr(0, b));
      word = word.substr(b);
      n -= width;
    }
    line = word;
    line_chars = n;
  }
  flush();
  if (lines.empty()) lines.push_back("");
  return lines;
}

std::string bar_chart(const Chart& c) {
  if (c.bars.empty()) return "";
  // Labels right-aligned in the first 300 px, wrapped at 38 characters (Noto Sans at 11 px
  // stays well inside 294 px); a bar's row is as tall as its label.
  const int label_w = 300, bar_w = 340, line_h = 13, top = 22;
  const std::size_t kLabelChars = 38;
  double max = 0;
  for (const auto& b : c.bars) max = std::max(max, b.second);
  std::vector<std::vector<std::string>> labels;
  int h = top + 6;
  for (const auto& b : c.bars) {
    labels.push_back(wrap_label(b.first, kLabelChars));
    h += std::max(16, static_cast<int>(labels.back().size()) * line_h + 4);
  }
  std::string s = "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 720 " + std::to_string(h) + "\" width=\"720\" height=\"" +
                  std::to_string(h) + "\" xmlns=\"http://www.w3.org/2000/svg\"><title>" + esc(c.title) + "</title>";
  s += "<text x=\"0\" y=\"14\" style=\"font-weight:bold\">" + esc(c.title) + "</text>";
  int y = top;
  for (std::size_t i = 0; i < c.bars.size(); ++i) {
    const auto& lines = labels[i];
    int row_h = std::max(16, static_cast<int>(lines.size()) * line_h + 4);
    double w = max > 0 ? c.bars[i].second / max * bar_w : 0;
    std::string x = std::to_string(label_w - 6);
    s += "<text class=\"label\" x=\"" + x + "\" y=\"" + std::to_string(y + 11) + "\" text-anchor=\"end\">";
    for (std::size_t l = 0; l < lines.size(); ++l)
      s += "<tspan x=\"" + x + "\"" + (l ? " dy=\"" + std::to_string(line_h) + "\"" : std::string()) + ">" + esc(lines[l]) +
           "</tspan>";
    s += "</text>";
    s += "<rect x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y + 2) + "\" width=\"" + fmt(w) +
         "\" height=\"12\" fill=\"#1f6fb2\"/>";
    s += "<text x=\"" + fmt(label_w + w + 4) + "\" y=\"" + std::to_string(y + 11) + "\">" +
         vn_number(c.bars[i].second, std::fabs(c.bars[i].second - std::round(c.bars[i].second)) > 1e-9 ? 1 : 0) + "</text>";
    y += row_h;
  }
  return s + "</svg>\n";
}

// The located submissions on a plain lon/lat frame (no basemap: nothing is fetched, and only
// the GPS points the office really has are drawn).
std::string coord(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

std::string map_svg(const std::vector<MapPoint>& points, const std::vector<CommuneMarker>& markers) {
  if (points.empty())
    return "<p class=\"note\">Chưa có phiếu nào có tọa độ GPS, nên chưa vẽ bản đồ. / No located submission yet: no map.</p>\n";
  double lat0 = 90, lat1 = -90, lon0 = 180, lon1 = -180;
  for (const auto& p : points) {
    lat0 = std::min(lat0, p.lat); lat1 = std::max(lat1, p.lat);
    lon0 = std::min(lon0, p.lon); lon1 = std::max(lon1, p.lon);
  }
  double pad = 0.05;
  lat0 -= pad; lat1 += pad; lon0 -= pad; lon1 += pad;
  const double kx = std::cos((lat0 + lat1) / 2 * 3.14159265358979 / 180);
  const int w = 700, left = 40, top = 10;
  double scale = (w - left - 10) / ((lon1 - lon0) * kx);
  int h = static_cast<int>((lat1 - lat0) * scale) + top + 30;
  h = std::min(h, 900);
  scale = std::min(scale, (h - top - 30) / (lat1 - lat0));
  auto x = [&](double lon) { return left + (lon - lon0) * kx * scale; };
  auto y = [&](double lat) { return top + (lat1 - lat) * scale; };
  std::string s = "<svg id=\"map\" role=\"img\" viewBox=\"0 0 " + std::to_string(w) + " " + std::to_string(h) + "\" width=\"" +
                  std::to_string(w) + "\" height=\"" + std::to_string(h) + "\" xmlns=\"http://www.w3.org/2000/svg\">"
                  "<title>Vị trí các phiếu có GPS / located submissions</title>";
  s += "<rect x=\"" + std::to_string(left) + "\" y=\"" + std::to_string(top) + "\" width=\"" + fmt((lon1 - lon0) * kx * scale) +
       "\" height=\"" + fmt((lat1 - lat0) * scale) + "\" fill=\"#f4f7f9\" stroke=\"#c9d3dc\"/>";
  // A graticule every 0.5 degree, labelled.
  for (double g = std::ceil(lon0 * 2) / 2; g <= lon1; g += 0.5)
    s += "<line x1=\"" + fmt(x(g)) + "\" y1=\"" + fmt(y(lat1)) + "\" x2=\"" + fmt(x(g)) + "\" y2=\"" + fmt(y(lat0)) +
         "\" stroke=\"#dbe2e8\"/><text x=\"" + fmt(x(g)) + "\" y=\"" + fmt(y(lat0) + 14) + "\" text-anchor=\"middle\">" +
         fmt(g) + "°E</text>";
  for (double g = std::ceil(lat0 * 2) / 2; g <= lat1; g += 0.5)
    s += "<line x1=\"" + fmt(x(lon0)) + "\" y1=\"" + fmt(y(g)) + "\" x2=\"" + fmt(x(lon1)) + "\" y2=\"" + fmt(y(g)) +
         "\" stroke=\"#dbe2e8\"/><text x=\"" + std::to_string(left - 4) + "\" y=\"" + fmt(y(g) + 4) +
         "\" text-anchor=\"end\">" + fmt(g) + "°N</text>";
  for (const auto& p : points) {
    bool a = p.kind == "establishment";
    s += "<circle cx=\"" + fmt(x(p.lon)) + "\" cy=\"" + fmt(y(p.lat)) + "\" r=\"" + (a ? "3" : "4.5") + "\" fill=\"" +
         (a ? "#1f6fb2" : "#d9822b") + "\" fill-opacity=\"0.8\"><title>" + esc(p.name + " – " + p.commune) + "</title></circle>";
  }
  // Each commune with located records: a marker at their mean position, labelled with its name
  // and counts (A establishments, B villages, needs), the label haloed to stay readable on points.
  const double frame_right = left + (lon1 - lon0) * kx * scale, frame_bottom = top + (lat1 - lat0) * scale;
  std::vector<MapLabelInput> inputs;
  for (const auto& m : markers) {
    std::string counts = "A " + std::to_string(m.establishments) + " · B " + std::to_string(m.villages) + " · NC " +
                         std::to_string(m.needs);
    inputs.push_back({x(m.lon), y(m.lat), m.name, counts});
  }
  const std::vector<MapLabel> labels =
      place_map_labels(inputs, {static_cast<double>(left), static_cast<double>(top), frame_right, frame_bottom});
  for (std::size_t i = 0; i < markers.size(); ++i) {
    const auto& m = markers[i];
    const auto& in = inputs[i];
    const MapLabel& l = labels[i];
    const double cx = in.x, cy = in.y;
    // Text hugs the side facing the marker (end-anchored when the label sits left of it): the
    // estimated width is an upper bound, so the text never ends up away from its marker.
    const bool to_left = l.box.x1 <= cx;
    const double tx = to_left ? l.box.x1 - 1 : l.box.x0 + 1, ty = l.box.y0 + kLabelAscent;
    const std::string anchor = to_left ? " text-anchor=\"end\"" : "";
    s += "<g class=\"commune-marker\" data-commune=\"" + esc(m.code) + "\" data-establishments=\"" +
         std::to_string(m.establishments) + "\" data-villages=\"" + std::to_string(m.villages) + "\" data-needs=\"" +
         std::to_string(m.needs) + "\" data-lat=\"" + coord(m.lat) + "\" data-lon=\"" + coord(m.lon) + "\"><title>" +
         esc(m.name + ": " + std::to_string(m.establishments) + " cơ sở / establishments, " + std::to_string(m.villages) +
             " làng nghề / villages, " + std::to_string(m.needs) + " nhu cầu / needs (" + std::to_string(m.located) +
             " phiếu có GPS / located)") +
         "</title>";
    if (l.leader)
      s += "<line class=\"leader\" x1=\"" + fmt(cx) + "\" y1=\"" + fmt(cy) + "\" x2=\"" + fmt(l.leader_x) + "\" y2=\"" +
           fmt(l.leader_y) + "\" stroke=\"#5a6b7b\" stroke-width=\"0.8\"/>";
    s += "<rect x=\"" + fmt(cx - 4) + "\" y=\"" + fmt(cy - 4) + "\" width=\"8\" height=\"8\" fill=\"#1c2733\" "
         "stroke=\"#fff\" stroke-width=\"1.5\" transform=\"rotate(45 " + fmt(cx) + " " + fmt(cy) + ")\"/>"
         "<text class=\"commune-label\" x=\"" + fmt(tx) + "\" y=\"" + fmt(ty) + "\"" + anchor + "><tspan font-weight=\"600\">" +
         esc(m.name) + "</tspan><tspan x=\"" + fmt(tx) + "\" dy=\"11\" font-size=\"9.5\">" + in.counts + "</tspan></text></g>";
  }
  s += "</svg>\n<p class=\"note\"><span style=\"color:#1f6fb2\">●</span> cơ sở (phiếu A) / establishment &nbsp; "
       "<span style=\"color:#d9822b\">●</span> làng nghề (phiếu B) / craft village &nbsp; "
       "<span style=\"color:#1c2733\">◆</span> xã/phường tại vị trí trung bình các phiếu có GPS của xã: A số cơ sở, "
       "B số làng nghề, NC số nhu cầu (phiếu A, B, C; trừ phiếu bị từ chối) / commune at the mean position of its "
       "located records: A establishments, B villages, NC needs (forms A, B, C; rejected left out). Chỉ vẽ tọa độ GPS "
       "thực của phiếu; không có nền bản đồ, không có ranh giới xã. / Only the submissions' real GPS points; no basemap, "
       "no commune boundaries.</p>\n";
  return s;
}

std::string table_html(const Table& t) {
  std::string s = "<table id=\"t-" + t.id + "\"><thead><tr>";
  for (const auto& c : t.columns) s += "<th>" + esc(c) + "</th>";
  s += "</tr></thead><tbody>\n";
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    bool total = t.total_row && i + 1 == t.rows.size();
    s += total ? "<tr class=\"total\">" : "<tr>";
    for (const auto& c : t.rows[i]) {
      if (c.number) s += "<td class=\"n\">" + vn_number(*c.number, c.decimals) + "</td>";
      else if (c.date) s += "<td class=\"n\">" + esc(vn_date(c.text)) + "</td>";
      else s += "<td>" + esc(c.text) + "</td>";
    }
    s += "</tr>\n";
  }
  if (t.rows.empty()) s += "<tr><td colspan=\"" + std::to_string(t.columns.size()) + "\">(không có / none)</td></tr>\n";
  return s + "</tbody></table>\n";
}

}  // namespace

std::string report_html(const Report& report) {
  std::string year = std::to_string(report.year);
  std::string s = "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                  "<title>Báo cáo khảo sát khuyến công năm " + year + "</title><style>" + kCss + "</style></head><body>\n";
  s += "<header><h1>Báo cáo khảo sát công nghiệp nông thôn năm " + year + "</h1><p class=\"en\">Survey reports of " + year +
       ": rural industry, OCOP, craft villages, support</p><p class=\"note\">Ngày lập / as of " + vn_date(report.as_of) +
       " · khaosat</p><div class=\"cards\">";
  for (const auto& [label, value] : report.summary) s += "<div class=\"card\"><b>" + esc(value) + "</b>" + esc(label) + "</div>";
  s += "</div><nav><ol>";
  for (const auto& t : report.tables) s += "<li><a href=\"#" + t.id + "\">" + esc(t.title_vi) + "</a></li>";
  s += "</ol></nav></header>\n";
  for (const auto& t : report.tables) {
    s += "<section class=\"report\" id=\"" + t.id + "\"><h2>" + esc(t.title_vi) + "</h2><p class=\"en\">" + esc(t.title_en) +
         "</p><p class=\"note\">" + esc(t.note) + "</p>\n";
    if (t.id == "coverage") s += "<h3>Bản đồ vị trí khảo sát / Map of the located surveys</h3>\n" + map_svg(report.points, report.markers);
    for (const auto& c : t.charts) s += bar_chart(c);
    s += table_html(t) + "</section>\n";
  }
  return s + "</body></html>\n";
}

}  // namespace khaosat::office
