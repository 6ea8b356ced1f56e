// Python-compatible text for .xlsx cell values. See xlsx_values.hpp; the rules follow openpyxl
// (styles/numbers.py, utils/datetime.py, worksheet/_reader.py) and pyxform's xlsx_value_to_str.
#include "xlsform/xlsx_values.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>

namespace khaosat::core::xlsform::xlsx_detail {

namespace {

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

// Python int(text): optional sign, digits with single '_' between digits. Canonical digits.
std::optional<std::string> python_int(std::string_view s) {
  s = trim(s);
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.front() == '_' || s.back() == '_') return std::nullopt;
  std::string digits;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_' && s[i - 1] != '_') continue;
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    if (digits.empty() && s[i] == '0') continue;
    digits += s[i];
  }
  if (digits.empty()) return std::string("0");
  return negative ? "-" + digits : digits;
}

std::optional<double> python_float(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 400) return std::nullopt;
  for (char c : s)  // strtod also reads hex floats, which Python's float() does not
    if (c == 'x' || c == 'X' || c == 'p' || c == 'P') return std::nullopt;
  std::string copy(s);
  char* end = nullptr;
  double d = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return std::nullopt;
  return d;
}

// Python repr(float) for a finite, non-integral value, or inf/nan.
std::string python_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  std::array<char, 64> buf{};
  auto res = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::scientific);
  std::string_view sci(buf.data(), static_cast<std::size_t>(res.ptr - buf.data()));
  std::string out;
  if (!sci.empty() && sci[0] == '-') {
    out = "-";
    sci.remove_prefix(1);
  }
  std::size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos))
    if (c != '.') digits += c;
  int exp = 0;
  std::string_view e_text = sci.substr(e_pos + 1);
  if (!e_text.empty() && e_text[0] == '+') e_text.remove_prefix(1);
  std::from_chars(e_text.data(), e_text.data() + e_text.size(), exp);
  int decpt = exp + 1;
  auto n = static_cast<int>(digits.size());
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return out + "0." + std::string(static_cast<std::size_t>(-decpt), '0') + digits;
    if (decpt >= n) return out + digits + std::string(static_cast<std::size_t>(decpt - n), '0') + ".0";
    return out + digits.substr(0, static_cast<std::size_t>(decpt)) + "." +
           digits.substr(static_cast<std::size_t>(decpt));
  }
  out += digits.substr(0, 1);
  if (n > 1) out += "." + digits.substr(1);
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  return out + exp_buf;
}

// Python str(int(d)) for an integral finite double: exact digits.
std::string integral_text(double d) {
  if (d == 0) return "0";
  std::array<char, 400> buf{};
  std::snprintf(buf.data(), buf.size(), "%.0f", d);
  return buf.data();
}

std::string float_text(double d) {
  if (std::isfinite(d) && d == std::floor(d)) return integral_text(d);
  return python_repr(d);
}

// Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm), and back.
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  long long era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

void civil_from_days(long long z, long long& y, unsigned& m, unsigned& d) {
  z += 719468;
  long long era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<long long>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

// "HH:MM:SS" plus ".ffffff" when there are microseconds, as Python prints times.
std::string clock_text(long long seconds_of_day, long long micro) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", seconds_of_day / 3600,
                seconds_of_day / 60 % 60, seconds_of_day % 60);
  std::string out = buf;
  if (micro != 0) {
    std::snprintf(buf, sizeof buf, ".%06lld", micro);
    out += buf;
  }
  return out;
}

std::string duration_text(double days) {
  if (!std::isfinite(days) || std::fabs(days) > 999'999'999.0) return "#VALUE!";
  auto total_us = static_cast<long long>(std::nearbyint(days * 86400.0 * 1e6));
  long long secs = total_us / 1'000'000 - (total_us % 1'000'000 < 0 ? 1 : 0);
  long long micro = total_us - secs * 1'000'000;
  if (micro != 0) {  // openpyxl rounds a duration to milliseconds, half to even
    long long q = micro / 1000, r = micro % 1000;
    if (r > 500 || (r == 500 && q % 2 == 1)) ++q;
    micro = q * 1000;
    if (micro == 1'000'000) {
      ++secs;
      micro = 0;
    }
  }
  long long day = secs / 86400 - (secs % 86400 < 0 ? 1 : 0);
  long long sod = secs - day * 86400;
  std::string out;
  if (day != 0) out = std::to_string(day) + (day == 1 || day == -1 ? " day, " : " days, ");
  std::string clock = clock_text(sod, micro);
  if (clock[0] == '0' && clock[1] != ':') clock.erase(0, 1);  // Python prints hours unpadded
  return out + clock;
}

}  // namespace

std::string_view builtin_number_format(int id) {
  switch (id) {
    case 0: return "General";
    case 1: return "0";
    case 2: return "0.00";
    case 3: return "#,##0";
    case 4: return "#,##0.00";
    case 9: return "0%";
    case 10: return "0.00%";
    case 11: return "0.00E+00";
    case 12: return "# ?/?";
    case 13: return "# ?" "?/?" "?";  // split: "??/" would be a trigraph
    case 14: return "mm-dd-yy";
    case 15: return "d-mmm-yy";
    case 16: return "d-mmm";
    case 17: return "mmm-yy";
    case 18: return "h:mm AM/PM";
    case 19: return "h:mm:ss AM/PM";
    case 20: return "h:mm";
    case 21: return "h:mm:ss";
    case 22: return "m/d/yy h:mm";
    case 37: return "#,##0_);(#,##0)";
    case 38: return "#,##0_);[Red](#,##0)";
    case 39: return "#,##0.00_);(#,##0.00)";
    case 40: return "#,##0.00_);[Red](#,##0.00)";
    case 45: return "mm:ss";
    case 46: return "[h]:mm:ss";
    case 47: return "mmss.0";
    case 48: return "##0.0E+0";
    case 49: return "@";
    default: return {};  // 5-8, 41-44 are currency formats: numbers, never dates
  }
}

NumberKind number_kind_of_format(std::string_view code) {
  code = code.substr(0, code.find(';'));  // only the first section counts
  // openpyxl strips quoted literals and [..] groups other than [h] [hh] [m] [mm] [s] [ss].
  std::string stripped;
  bool duration = false;
  for (std::size_t i = 0; i < code.size(); ++i) {
    char c = code[i];
    if (c == '"') {
      std::size_t close = code.find('"', i + 1);
      if (close != std::string_view::npos) {
        i = close;
        continue;
      }
    } else if (c == '[') {
      std::size_t close = code.find(']', i + 1);
      if (close != std::string_view::npos) {
        std::string_view inner = code.substr(i + 1, close - i - 1);
        bool hms = inner == "h" || inner == "hh" || inner == "m" || inner == "mm" ||
                   inner == "s" || inner == "ss";
        std::string lower;
        for (char k : inner) lower += static_cast<char>((k >= 'A' && k <= 'Z') ? k - 'A' + 'a' : k);
        if (lower == "h" || lower == "hh" || lower == "m" || lower == "mm" || lower == "s" ||
            lower == "ss")
          duration = true;
        if (!hms) {
          i = close;
          continue;
        }
      }
    }
    stripped += c;
  }
  bool date = false;
  for (std::size_t i = 1; i < stripped.size() && !date; ++i) {
    char c = stripped[i];
    bool letter = c == 'd' || c == 'm' || c == 'h' || c == 'y' || c == 's' || c == 'D' ||
                  c == 'M' || c == 'H' || c == 'Y' || c == 'S';
    date = letter && stripped[i - 1] != '\\';
  }
  if (!date) return NumberKind::kNumber;
  return duration ? NumberKind::kDuration : NumberKind::kDate;
}

std::string number_text(std::string_view v) {
  bool has_float_marker = v.find_first_of(".eE") != std::string_view::npos;
  if (!has_float_marker) {
    if (auto i = python_int(v)) return *i;
  } else if (auto d = python_float(v)) {
    return float_text(*d);
  }
  return std::string(trim(v));
}

std::string date_text(std::string_view v, bool date1904, NumberKind kind) {
  auto value = python_float(v);
  if (!value || !std::isfinite(*value)) return "#VALUE!";
  if (kind == NumberKind::kDuration) return duration_text(*value);
  double x = *value;
  double day = std::floor(x);
  if (std::fabs(day) > 4'000'000.0) return "#VALUE!";  // far outside years 1..9999
  double fraction = x - day;
  auto ms = static_cast<long long>(std::nearbyint(fraction * 86400.0 * 1000.0));
  long long diff_days = ms / 86'400'000;
  long long ms_of_day = ms % 86'400'000;
  if (x >= 0 && x < 1 && diff_days == 0) return clock_text(ms_of_day / 1000, ms_of_day % 1000 * 1000);
  auto days = static_cast<long long>(day);
  if (!date1904 && x > 0 && x < 60) days += 1;  // Excel's phantom 1900-02-29
  long long epoch = date1904 ? days_from_civil(1904, 1, 1) : days_from_civil(1899, 12, 30);
  long long total = epoch + days + diff_days;
  long long y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(total, y, m, d);
  if (y < 1 || y > 9999) return "#VALUE!";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u ", y, m, d);
  return buf + clock_text(ms_of_day / 1000, ms_of_day % 1000 * 1000);
}

std::string iso_date_text(std::string_view v) {
  // openpyxl: (YYYY-MM-DD)?T?(HH:MM(:SS(.fff)?)?)?Z? matched at the start.
  auto digits = [&](std::size_t at, std::size_t n) {
    if (at + n > v.size()) return -1;
    int out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (v[i] < '0' || v[i] > '9') return -1;
      out = out * 10 + (v[i] - '0');
    }
    return out;
  };
  std::size_t p = 0;
  std::string date, time;
  if (digits(0, 4) >= 0 && p + 10 <= v.size() && v[4] == '-' && digits(5, 2) >= 0 && v[7] == '-' &&
      digits(8, 2) >= 0) {
    int mo = digits(5, 2), d = digits(8, 2);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || digits(0, 4) < 1) return std::string(v);
    date = std::string(v.substr(0, 10));
    p = 10;
  }
  if (p < v.size() && v[p] == 'T') ++p;
  if (digits(p, 2) >= 0 && p + 5 <= v.size() && v[p + 2] == ':' && digits(p + 3, 2) >= 0) {
    int h = digits(p, 2), mi = digits(p + 3, 2), s = 0;
    long long micro = 0;
    p += 5;
    if (p + 3 <= v.size() && v[p] == ':' && digits(p + 1, 2) >= 0) {
      s = digits(p + 1, 2);
      p += 3;
      if (p < v.size() && v[p] == '.') {
        std::size_t q = p + 1;
        long long frac = 0, scale = 1'000'000;
        while (q < v.size() && q < p + 4 && v[q] >= '0' && v[q] <= '9') {
          scale /= 10;
          frac += (v[q] - '0') * scale;
          ++q;
        }
        if (q > p + 1) micro = frac;
      }
    }
    if (h > 23 || mi > 59 || s > 59) return std::string(v);
    time = clock_text(h * 3600 + mi * 60 + s, micro);
  }
  if (date.empty() && time.empty()) return std::string(v);
  if (date.empty()) return time;
  if (time.empty()) return date;
  return date + " " + time;
}

std::string boolean_text(std::string_view v) {
  auto i = python_int(v);
  if (!i) return std::string(trim(v));
  return *i == "0" ? "FALSE" : "TRUE";
}

}  // namespace khaosat::core::xlsform::xlsx_detail
