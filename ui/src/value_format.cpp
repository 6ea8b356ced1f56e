// Answers as people read them (value_format.hpp).
#include "value_format.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace khaosat::ui {

namespace {
std::string two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }
}  // namespace

std::string date_for_people(std::string_view iso) {
  int y, m, d;
  std::string s(iso);
  if (s.size() >= 10 && std::sscanf(s.c_str(), "%4d-%2d-%2d", &y, &m, &d) == 3 && s[4] == '-' && s[7] == '-')
    return two(d) + "/" + two(m) + "/" + std::to_string(y);
  return s;
}

std::string time_for_people(std::string_view iso) {
  int h, m;
  std::string s(iso);
  if (s.size() >= 5 && s[2] == ':' && std::sscanf(s.c_str(), "%2d:%2d", &h, &m) == 2) return two(h) + ":" + two(m);
  return s;
}

std::string date_time_for_people(std::string_view iso) {
  auto t = iso.find('T');
  if (t != 10) return std::string(iso);
  std::string date = date_for_people(iso.substr(0, 10)), time = time_for_people(iso.substr(11));
  if (date == iso.substr(0, 10) || time == iso.substr(11)) return std::string(iso);
  return date + " " + time;
}

std::string geopoint_for_people(std::string_view value) {
  std::istringstream in{std::string(value)};
  std::vector<std::string> parts;
  for (std::string w; in >> w;) parts.push_back(w);
  if (parts.size() < 2) return std::string(value);
  std::string out = parts[0] + ", " + parts[1];
  if (parts.size() >= 4) {
    char* end = nullptr;
    double accuracy = std::strtod(parts[3].c_str(), &end);
    if (end && *end == '\0' && accuracy > 0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.0f", accuracy);
      out += std::string(" (± ") + buf + " m)";
    }
  }
  return out;
}

std::string value_for_people(core::DataType type, const std::string& value) {
  switch (type) {
    case core::DataType::Date: return date_for_people(value);
    case core::DataType::DateTime: return date_time_for_people(value);
    case core::DataType::Time: return time_for_people(value);
    case core::DataType::Geopoint: return geopoint_for_people(value);
    default: return value;
  }
}

std::string title_for_people(std::string_view title, Lang lang) {
  std::string s(title);
  if (s.size() < 4 || s.back() != ')') return s;
  std::size_t open = s.rfind(" (");
  if (open == std::string::npos || open == 0) return s;
  std::string vi = s.substr(0, open), en = s.substr(open + 2, s.size() - open - 3);
  auto ascii = [](const std::string& x) {
    return std::all_of(x.begin(), x.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  };
  if (en.empty() || !ascii(en) || ascii(vi) || en.find('(') != std::string::npos) return s;
  if (lang == Lang::Vi) return vi;
  // "A. ": a short label before the first ". " names the form in both languages.
  std::size_t dot = vi.find(". ");
  return dot != std::string::npos && dot <= 3 ? vi.substr(0, dot + 2) + en : en;
}

}  // namespace khaosat::ui
