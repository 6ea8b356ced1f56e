// A small RFC 4180 CSV reader for the office's tables (quoted fields, doubled quotes, CRLF or LF,
// a UTF-8 BOM skipped), and a strict decimal parser. Private to khaosat_office.
#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace khaosat::office::csv {

// Rows of fields, or why the text is not CSV (an unterminated quote).
class ParseResult {
 public:
  explicit ParseResult(std::vector<std::vector<std::string>> rows) : rows_(std::move(rows)) {}
  explicit ParseResult(std::string error) : error_(std::move(error)), failed_(true) {}
  explicit operator bool() const { return !failed_; }
  const std::vector<std::vector<std::string>>& operator*() const { return rows_; }
  const std::vector<std::vector<std::string>>* operator->() const { return &rows_; }
  const std::string& error() const { return error_; }

 private:
  std::vector<std::vector<std::string>> rows_;
  std::string error_;
  bool failed_ = false;
};

inline ParseResult parse(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  std::size_t line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') { field += '"'; ++i; }
        else quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"') { quoted = true; any = true; }
    else if (c == ',') { row.push_back(std::move(field)); field.clear(); any = true; }
    else if (c == '\r') {}
    else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      any = false;
      ++line;
    } else { field += c; any = true; }
  }
  if (quoted) return ParseResult("line " + std::to_string(line) + ": a quoted field is not closed");
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return ParseResult(std::move(rows));
}

// A plain decimal ("12", "-3.5", "1e3" refused): the whole text, nothing else.
inline std::optional<double> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 40) return std::nullopt;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-')) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace khaosat::office::csv
