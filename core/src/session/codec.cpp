#include "session/codec.hpp"

#include "base/xml_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <vector>

namespace khaosat::core {

namespace {

bool is_js_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_js_space(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && is_js_space(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s, std::size_t from, std::size_t n) {
  if (from + n > s.size()) return false;
  for (std::size_t i = from; i < from + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

int num(std::string_view s, std::size_t from, std::size_t n) {
  int v = 0;
  for (std::size_t i = from; i < from + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool valid_ymd(int y, int m, int d) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  int dim = days[m - 1] + (m == 2 && leap(y) ? 1 : 0);
  return d <= dim;
}

// "HH:MM:SS" or "HH:MM:SS.fff" at s[from..]; returns the length matched (0 = none).
// strict=false also accepts "HH:MM" and "HH".
std::size_t match_time(std::string_view s, std::size_t from, bool strict) {
  if (!all_digits(s, from, 2)) return 0;
  std::size_t i = from + 2;
  if (i < s.size() && s[i] == ':' && all_digits(s, i + 1, 2)) {
    i += 3;
    if (i < s.size() && s[i] == ':' && all_digits(s, i + 1, 2)) {
      i += 3;
      if (i < s.size() && s[i] == '.' && all_digits(s, i + 1, 1)) {
        ++i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
      }
      return i - from;
    }
    return strict ? 0 : i - from;
  }
  return strict ? 0 : i - from;
}

bool valid_time_fields(std::string_view s, std::size_t from, std::size_t len) {
  int h = num(s, from, 2);
  int m = len >= 5 ? num(s, from + 3, 2) : 0;
  int sec = len >= 8 ? num(s, from + 6, 2) : 0;
  return h <= 23 && m <= 59 && sec <= 59;
}

// Matches "Z" or "+HH:MM" at s[from..] to the end; `valid` tells if the offset is in range.
bool match_offset(std::string_view s, std::size_t from, bool& valid) {
  valid = true;
  if (from == s.size()) return true;
  if (s.size() - from == 1 && s[from] == 'Z') return true;
  if (s.size() - from == 6 && (s[from] == '+' || s[from] == '-') && all_digits(s, from + 1, 2) &&
      s[from + 3] == ':' && all_digits(s, from + 4, 2)) {
    int h = num(s, from + 1, 2), m = num(s, from + 4, 2);
    valid = h <= 14 && m <= 59;
    return true;
  }
  return false;
}

std::string date_value(std::string_view v) {
  // YYYY-MM-DD, optionally followed by T and a lenient time, no offset.
  if (v.size() < 10 || !all_digits(v, 0, 4) || v[4] != '-' || !all_digits(v, 5, 2) ||
      v[7] != '-' || !all_digits(v, 8, 2))
    return "";
  if (v.size() > 10) {
    if (v[10] != 'T') return "";
    std::size_t n = match_time(v, 11, false);
    if (n == 0 || 11 + n != v.size()) return "";
  }
  if (!valid_ymd(num(v, 0, 4), num(v, 5, 2), num(v, 8, 2))) return "";
  return std::string(v.substr(0, 10));
}

std::string time_value(std::string_view v) {
  std::size_t n = match_time(v, 0, true);
  if (n == 0) return "";
  bool ok_offset = true;
  if (!match_offset(v, n, ok_offset) || !ok_offset) return "";
  if (!valid_time_fields(v, 0, n)) return "";
  return std::string(v);
}

std::string datetime_value(std::string_view v) {
  if (v.size() < 11 || !all_digits(v, 0, 4) || v[4] != '-' || !all_digits(v, 5, 2) ||
      v[7] != '-' || !all_digits(v, 8, 2) || v[10] != 'T')
    return "";
  std::size_t n = match_time(v, 11, true);
  if (n == 0) return "";
  bool ok_offset = true;
  if (!match_offset(v, 11 + n, ok_offset) || !ok_offset) return "";
  if (!valid_ymd(num(v, 0, 4), num(v, 5, 2), num(v, 8, 2))) return "";
  if (!valid_time_fields(v, 11, n)) return "";
  return std::string(v);
}

std::string int_value(std::string_view v) {
  if (v.empty()) return "";
  double d = js_number(v);
  if (!std::isfinite(d)) return "";
  d = std::trunc(d);
  if (d < -2147483648.0 || d > 2147483647.0) return "";
  return std::to_string(static_cast<long long>(d));
}

std::string decimal_value(std::string_view v) {
  if (v.empty()) return "";
  double d = js_number(v);
  if (!std::isfinite(d)) return "";
  return format_decimal(d);
}

struct Point {
  double lat, lon;
  std::optional<double> alt, acc;
};

// Parses "lat lon [alt [acc]]"; nullopt when invalid or the null location (0 0).
std::optional<Point> parse_point(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  std::vector<double> parts;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && !is_js_space(static_cast<unsigned char>(s[j]))) ++j;
    parts.push_back(js_number(s.substr(i, j - i)));
    i = j;
    while (i < s.size() && is_js_space(static_cast<unsigned char>(s[i]))) ++i;
  }
  if (parts.size() < 2) return std::nullopt;
  Point p{parts[0], parts[1], std::nullopt, std::nullopt};
  if (parts.size() > 2) {
    if (std::isnan(parts[2])) return std::nullopt;
    p.alt = parts[2];
  }
  if (parts.size() > 3) {
    if (std::isnan(parts[3])) return std::nullopt;
    p.acc = parts[3];
  }
  if (std::isnan(p.lat) || std::isnan(p.lon) || std::fabs(p.lat) > 90 || std::fabs(p.lon) > 180)
    return std::nullopt;
  if (p.lat == 0 && p.lon == 0) return std::nullopt;
  return p;
}

std::string point_text(const Point& p) {
  std::string s = format_decimal(p.lat) + " " + format_decimal(p.lon);
  if (p.acc) {
    s += " " + format_decimal(p.alt ? *p.alt : 0) + " " + format_decimal(*p.acc);
  } else if (p.alt) {
    s += " " + format_decimal(*p.alt);
  }
  return s;
}

std::string geo_list_value(std::string_view v, bool shape) {
  if (trim(v).empty()) return "";
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t semi = v.find(';', start);
    parts.push_back(v.substr(start, semi == std::string_view::npos ? v.npos : semi - start));
    if (semi == std::string_view::npos) break;
    start = semi + 1;
  }
  if (!parts.empty() && trim(parts.back()).empty()) parts.pop_back();
  std::vector<Point> points;
  for (auto part : parts) {
    auto p = parse_point(part);
    if (!p) return "";
    points.push_back(*p);
  }
  bool closed = !points.empty() && points.front().lat == points.back().lat &&
                points.front().lon == points.back().lon;
  if (shape ? (points.size() < 3 || !closed) : (points.size() < 2 || closed)) return "";
  std::string out;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (i) out += ';';
    out += point_text(points[i]);
  }
  return out;
}

}  // namespace

double js_number(std::string_view s) {
  s = trim(s);
  if (s.empty()) return 0.0;
  if (s.size() > 2 && s[0] == '0' &&
      ((s[1] | 0x20) == 'x' || (s[1] | 0x20) == 'b' || (s[1] | 0x20) == 'o')) {
    int base = (s[1] | 0x20) == 'x' ? 16 : (s[1] | 0x20) == 'b' ? 2 : 8;
    double v = 0;
    for (std::size_t i = 2; i < s.size(); ++i) {
      char c = static_cast<char>(s[i] | 0x20);
      int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : 99;
      if (d >= base) return std::numeric_limits<double>::quiet_NaN();
      v = v * base + d;
    }
    return v;
  }
  std::string_view body = s;
  bool neg = false;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "Infinity")
    return neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  // digits [. digits] [e[+-]digits], at least one digit in the mantissa
  std::size_t i = 0, mant = 0;
  while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++mant;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++mant;
  }
  if (mant == 0) return std::numeric_limits<double>::quiet_NaN();
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < body.size() && (body[j] == '+' || body[j] == '-')) ++j;
    std::size_t k = j;
    while (k < body.size() && body[k] >= '0' && body[k] <= '9') ++k;
    if (k == j) return std::numeric_limits<double>::quiet_NaN();
    i = k;
  }
  if (i != body.size()) return std::numeric_limits<double>::quiet_NaN();
  std::string copy(s);
  return std::strtod(copy.c_str(), nullptr);
}

std::string format_decimal(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-∞" : "∞";
  // Shortest round-trip digits, then fixed notation with 1..20 fraction digits.
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  std::size_t e = sci.find('e');
  int exp = std::atoi(sci.c_str() + e + 1);
  std::string digits;
  for (std::size_t i = 0; i < e; ++i)
    if (sci[i] != '.') digits += sci[i];
  // value = 0.digits * 10^(exp+1)
  int point = exp + 1;  // digits before the decimal point
  std::string ip, fp;
  if (point <= 0) {
    ip = "0";
    fp = std::string(static_cast<std::size_t>(-point), '0') + digits;
  } else if (point >= static_cast<int>(digits.size())) {
    ip = digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0');
  } else {
    ip = digits.substr(0, static_cast<std::size_t>(point));
    fp = digits.substr(static_cast<std::size_t>(point));
  }
  if (fp.size() > 20) {
    // Round half away from zero at 20 fraction digits.
    bool up = fp[20] >= '5';
    fp.resize(20);
    if (up) {
      int i = 19;
      for (; i >= 0; --i) {
        if (fp[static_cast<std::size_t>(i)] == '9') fp[static_cast<std::size_t>(i)] = '0';
        else { ++fp[static_cast<std::size_t>(i)]; break; }
      }
      if (i < 0) {
        int j = static_cast<int>(ip.size()) - 1;
        for (; j >= 0; --j) {
          if (ip[static_cast<std::size_t>(j)] == '9') ip[static_cast<std::size_t>(j)] = '0';
          else { ++ip[static_cast<std::size_t>(j)]; break; }
        }
        if (j < 0) ip.insert(ip.begin(), '1');
      }
    }
  }
  while (fp.size() > 1 && fp.back() == '0') fp.pop_back();
  if (fp.empty()) fp = "0";
  return (neg ? "-" : "") + ip + "." + fp;
}

bool within_range(std::string_view value, std::string_view start, std::string_view end) {
  double v = js_number(value);
  if (std::isnan(v) || trim(value).empty()) return false;
  double lo = start.empty() ? -std::numeric_limits<double>::infinity() : js_number(start);
  double hi = end.empty() ? std::numeric_limits<double>::infinity() : js_number(end);
  return v >= lo && v <= hi;
}

std::string normalize_value(std::string_view t, std::string_view v) {
  if (t == "int") return int_value(v);
  if (t == "decimal") return decimal_value(v);
  if (t == "date") return date_value(v);
  if (t == "time") return time_value(v);
  if (t == "dateTime") return datetime_value(v);
  if (t == "geopoint") {
    auto p = parse_point(v);
    return p ? point_text(*p) : "";
  }
  if (t == "geotrace") return geo_list_value(v, false);
  if (t == "geoshape") return geo_list_value(v, true);
  return std::string(v);
}

}  // namespace khaosat::core

namespace khaosat::core {

std::optional<std::string> unstorable_character(std::string_view v) {
  // One definition of what XML 1.0 can carry (base/xml_text.hpp); this only says it for a person
  // typing an answer, counting characters rather than bytes.
  auto problem = find_non_xml_char(v, /*references=*/false);
  if (!problem) return std::nullopt;
  std::size_t position = 1;
  for (std::size_t i = 0; i < problem->offset; ++i)
    if ((static_cast<unsigned char>(v[i]) & 0xC0) != 0x80) ++position;
  auto hex = [](unsigned long cp, int digits) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%0*lX", digits, cp);
    return std::string(buf);
  };
  const std::string where = " at position " + std::to_string(position);
  const std::size_t at = problem->offset;
  if (problem->invalid_utf8) {
    // An encoded UTF-16 surrogate (ED A0..BF xx) is named as the character it tries to be.
    if (at + 2 < v.size() && static_cast<unsigned char>(v[at]) == 0xED &&
        (static_cast<unsigned char>(v[at + 1]) & 0xE0) == 0xA0 &&
        (static_cast<unsigned char>(v[at + 2]) & 0xC0) == 0x80) {
      unsigned long cp = 0xD000ul | ((static_cast<unsigned char>(v[at + 1]) & 0x3Ful) << 6) |
                         (static_cast<unsigned char>(v[at + 2]) & 0x3Ful);
      return "U+" + hex(cp, 4) + " (a lone surrogate)" + where;
    }
    return "the byte 0x" + hex(static_cast<unsigned char>(v[at]), 2) + where +
           ", which is not valid UTF-8";
  }
  if (problem->code_point < 0x20) return "U+" + hex(problem->code_point, 4) + where + " (a control character)";
  return "U+" + hex(problem->code_point, 4) + where + " (not a character)";
}

}  // namespace khaosat::core
