// pyxform's CSV form layout (pyxform/xls2json_backends.py csv_to_dict): records are parsed like
// Python's csv module with the default dialect (',' separator, '"' quotes doubled inside quoted
// fields, \n, \r\n or \r line ends). The first field of a record, when not blank, names a sheet
// and starts it; the other fields, when any is non-empty, are a row of that sheet, the first one
// its header. Row numbers are the line numbers where records start. Unlike pyxform, a first
// field of only blanks continues the current sheet (pyxform would start a sheet named "  ").
#include "xlsform/workbook.hpp"

#include "base/text_encoding.hpp"

#include <algorithm>

namespace khaosat::core::xlsform {

namespace {

// Reads one record from `pos`; returns false at the end of the text. `line` is advanced past
// the line ends consumed. An unterminated quoted field sets `error`.
bool read_record(std::string_view s, std::size_t& pos, int& line, std::vector<std::string>& out,
                 bool& error) {
  out.clear();
  if (pos >= s.size()) return false;
  std::string field;
  bool quoted = false;
  bool in_field = false;        // a field has begun (so the record has one more, maybe empty)
  bool at_field_start = true;   // a '"' here opens a quoted field
  for (;;) {
    if (pos >= s.size()) {
      if (quoted) error = true;
      if (in_field) out.push_back(std::move(field));
      return true;
    }
    char c = s[pos++];
    if (quoted) {
      if (c == '"') {
        if (pos < s.size() && s[pos] == '"') {
          field += '"';
          ++pos;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == ',') {
      out.push_back(std::move(field));
      field.clear();
      in_field = true;
      at_field_start = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && pos < s.size() && s[pos] == '\n') ++pos;
      ++line;
      if (in_field) out.push_back(std::move(field));
      return true;
    } else {
      if (c == '"' && at_field_start) quoted = true;
      else field += c;
      in_field = true;
      at_field_start = false;
    }
  }
}

}  // namespace

Result<Workbook> read_csv(std::string_view text, std::string_view name, const ReadLimits& limits) {
  auto utf8 = utf8_text(text, ErrorCode::csv);  // a UTF-8 BOM is dropped
  if (!utf8) return Error::make(ErrorCode::csv, std::string(name) + ": " + utf8.error().message);
  text = utf8.value();
  detail::TextTables tables(name, limits);
  std::size_t pos = 0;
  int line = 1;
  std::vector<std::string> record;
  for (;;) {
    int record_line = line;
    bool error = false;
    if (!read_record(text, pos, line, record, error)) break;
    if (error)
      return Error::make(ErrorCode::csv, std::string(name) + ": line " + std::to_string(record_line) +
                                    ": a quoted field is not closed");
    if (record.empty()) continue;
    std::string first = clean_cell_text(record[0]);
    if (!first.empty())
      if (Status st = tables.open(first, false); !st) return st.error();
    if (!tables.has_sheet() || record.size() < 2) continue;
    std::vector<std::string> cells;
    for (std::size_t i = 1; i < record.size(); ++i) cells.push_back(clean_cell_text(record[i]));
    if (Status st = tables.add(record_line, std::move(cells)); !st) return st.error();
  }
  return tables.finish(ErrorCode::csv,
                       "no sheet found; a CSV form starts with a line like 'survey,' followed "
                       "by ',type,name,label'");
}

}  // namespace khaosat::core::xlsform
