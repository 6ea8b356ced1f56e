// pyxform's CSV form layout (pyxform/xls2json_backends.py csv_to_dict): records are parsed like
// Python's csv module with the default dialect (',' separator, '"' quotes doubled inside quoted
// fields, \n, \r\n or \r line ends). The first field of a record, when not blank, names a sheet
// and starts it; the other fields, when any is non-empty, are a row of that sheet, the first one
// its header. Row numbers are the line numbers where records start. Unlike pyxform, a first
// field of only blanks continues the current sheet (pyxform would start a sheet named "  ").
#include "xlsform/workbook.hpp"

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
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  struct Pending {
    std::string name;
    std::vector<detail::RawRow> rows;
  };
  std::vector<Pending> pending;
  std::size_t current = 0;  // index into pending + 1; 0 = no sheet yet
  std::size_t pos = 0;
  int line = 1;
  std::size_t cell_count = 0;
  std::vector<std::string> record;
  for (;;) {
    int record_line = line;
    bool error = false;
    if (!read_record(text, pos, line, record, error)) break;
    if (error)
      return Error::make("csv", std::string(name) + ": line " + std::to_string(record_line) +
                                    ": a quoted field is not closed");
    if (record.empty()) continue;
    std::string first = clean_cell_text(record[0]);
    if (!first.empty()) {
      auto same = std::find_if(pending.begin(), pending.end(),
                               [&](const Pending& p) { return p.name == first; });
      if (same == pending.end()) {
        if (pending.size() >= limits.max_sheets)
          return Error::make("xlsx.limit", std::string(name) + ": more than " +
                                               std::to_string(limits.max_sheets) + " sheets");
        pending.push_back(Pending{first, {}});
        current = pending.size();
      } else {
        current = static_cast<std::size_t>(same - pending.begin()) + 1;
      }
    }
    if (current == 0 || record.size() < 2) continue;
    std::vector<std::string> cells;
    for (std::size_t i = 1; i < record.size(); ++i) cells.push_back(clean_cell_text(record[i]));
    if (std::all_of(cells.begin(), cells.end(), [](const std::string& c) { return c.empty(); }))
      continue;
    cell_count += cells.size();
    if (cell_count > limits.max_cells)
      return Error::make("xlsx.limit", std::string(name) + ": more than " +
                                           std::to_string(limits.max_cells) + " cells");
    pending[current - 1].rows.push_back(detail::RawRow{record_line, std::move(cells)});
  }
  if (pending.empty())
    return Error::make("csv", std::string(name) +
                                  ": no sheet found; a CSV form starts with a line like "
                                  "'survey,' followed by ',type,name,label'");
  Workbook book;
  book.source = std::string(name);
  for (Pending& p : pending) {
    auto sheet = detail::shape_sheet(std::move(p.name), std::move(p.rows), 2, limits, name);
    if (!sheet) return sheet.error();
    book.sheets.push_back(std::move(sheet.value()));
  }
  return book;
}

}  // namespace khaosat::core::xlsform
