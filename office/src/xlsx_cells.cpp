// Typed XLSX cells (xlsx_cells.hpp).
#include "xlsx_cells.hpp"

#include <algorithm>
#include <vector>

#include "csv.hpp"

namespace khaosat::office::xlsx {

namespace {

bool digits(const std::string& s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

bool parse_iso(const std::string& s, lxw_datetime& out, bool& has_time) {
  int y = 0, m = 0, d = 0;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 0, 4, y) || !digits(s, 5, 2, m) || !digits(s, 8, 2, d))
    return false;
  if (y < 1900 || m < 1 || m > 12 || d < 1 || d > 31) return false;
  out = lxw_datetime{y, m, d, 0, 0, 0};
  has_time = false;
  if (s.size() == 10) return true;
  int hh = 0, mm = 0, ss = 0;
  if (s[10] != 'T' || !digits(s, 11, 2, hh) || s.size() < 16 || s[13] != ':' || !digits(s, 14, 2, mm)) return false;
  if (s.size() >= 19 && s[16] == ':') digits(s, 17, 2, ss);
  if (hh > 23 || mm > 59 || ss > 59) return false;
  out.hour = hh;
  out.min = mm;
  out.sec = ss;
  has_time = true;
  return true;
}

bool parse_number(const std::string& s, double& out) {
  auto v = csv::parse_decimal(s);
  if (!v) return false;
  out = *v;
  return true;
}

void write_typed(lxw_worksheet* ws, lxw_row_t row, lxw_col_t col, const std::string& text, const std::string& type,
                 lxw_format* date_format, lxw_format* datetime_format) {
  if (text.empty()) return;
  double v = 0;
  lxw_datetime dt{};
  bool has_time = false;
  if ((type == "int" || type == "decimal") && parse_number(text, v)) {
    worksheet_write_number(ws, row, col, v, nullptr);
  } else if ((type == "date" || type == "dateTime") && parse_iso(text, dt, has_time)) {
    worksheet_write_datetime(ws, row, col, &dt, has_time ? datetime_format : date_format);
  } else {
    worksheet_write_string(ws, row, col, text.c_str(), nullptr);
  }
}

std::int64_t epoch_seconds(int year, int month, int day) {
  // Days from civil (Howard Hinnant's algorithm).
  year -= month <= 2;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t yoe = year - era * 400;
  const std::int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (era * 146097 + doe - 719468) * 86400;
}

std::string sheet_name(const std::string& want, std::vector<std::string>& used) {
  std::string base;
  for (char c : want) base += std::string("[]:*?/\\").find(c) == std::string::npos ? c : '_';
  // Cut at 31 bytes without splitting a UTF-8 sequence (Excel counts characters; ours are short).
  auto cut = [](std::string s, std::size_t n) {
    if (s.size() <= n) return s;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return s.substr(0, n);
  };
  std::string name = cut(base, 31);
  for (int i = 2; std::find(used.begin(), used.end(), name) != used.end(); ++i) {
    std::string suffix = "~" + std::to_string(i);
    name = cut(base, 31 - suffix.size()) + suffix;
  }
  used.push_back(name);
  return name;
}

}  // namespace khaosat::office::xlsx
