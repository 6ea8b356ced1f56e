// pyxform's markdown table format (pyxform/xls2json_backends.py md_to_dict), line by line:
//   - a line whose first non-blank character is '#' is a comment;
//   - a trailing "# ..." after the last '|' is a comment and is cut off;
//   - a table line starts with '|' (after blanks) and its cells lie between the first and the
//     last '|', split at every '|' not preceded by a backslash; each cell is trimmed and "\|"
//     becomes "|"; a line of only '|' and '-' is a separator and is skipped;
//   - a line whose first cell is not empty starts a sheet named by it; the line's other cells,
//     when any is non-empty, are the sheet's first row (its header);
//   - lines whose cells after the first are all empty are skipped; anything else is ignored.
// A sheet name that repeats replaces the earlier sheet's content in its position, as pyxform's
// dictionary does. Row numbers are line numbers in the file.
#include <algorithm>

#include "xlsform/workbook.hpp"

#include "base/text_encoding.hpp"

namespace khaosat::core::xlsform {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// Applies the comment rules; returns the line to parse (possibly empty).
std::string_view strip_comments(std::string_view line) {
  std::string_view t = trim_blanks(line);
  if (!t.empty() && t.front() == '#') return {};
  // pyxform: ^(.*)(#[^|]+)$ -- the last '#' after the last '|' with something after it.
  std::size_t last_pipe = line.rfind('|');
  std::size_t from = last_pipe == std::string_view::npos ? 0 : last_pipe + 1;
  for (std::size_t p = line.size(); p-- > from;) {
    if (line[p] == '#' && p + 1 < line.size()) return trim_blanks(line.substr(0, p));
  }
  return t;
}

// Splits a table line into trimmed cells; false when the line is not a table row.
bool split_row(std::string_view line, std::vector<std::string>& cells) {
  cells.clear();
  if (line.empty() || line.front() != '|') return false;
  std::size_t last = line.rfind('|');
  if (last == 0) return false;
  std::string_view inner = line.substr(1, last - 1);
  if (!inner.empty() &&
      std::all_of(inner.begin(), inner.end(), [](char c) { return c == '|' || c == '-'; }))
    return false;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= inner.size(); ++i) {
    if (i < inner.size() && !(inner[i] == '|' && (i == 0 || inner[i - 1] != '\\'))) continue;
    std::string cell = clean_cell_text(inner.substr(start, i - start));
    if (cell.find('\\') == std::string::npos) {  // nothing escaped: the cell as it is
      cells.push_back(std::move(cell));
      start = i + 1;
      continue;
    }
    std::string unescaped;
    for (std::size_t k = 0; k < cell.size(); ++k) {
      if (cell[k] == '\\' && k + 1 < cell.size() && cell[k + 1] == '|') continue;
      unescaped += cell[k];
    }
    cells.push_back(std::move(unescaped));
    start = i + 1;
  }
  return true;
}

}  // namespace

Result<Workbook> read_markdown(std::string_view text, std::string_view name,
                               const ReadLimits& limits) {
  auto utf8 = utf8_text(text, ErrorCode::md);  // a UTF-8 BOM is dropped
  if (!utf8) return Error::make(ErrorCode::md, std::string(name) + ": " + utf8.error().message);
  text = utf8.value();
  detail::TextTables tables(name, limits);
  std::vector<std::string> cells;
  int line_number = 0;
  for (std::size_t pos = 0; pos <= text.size();) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_number;
    if (!split_row(strip_comments(line), cells)) continue;
    // A sheet named again starts over, as in pyxform's markdown reader.
    if (!cells[0].empty())
      if (Status st = tables.open(cells[0], true); !st) return st.error();
    if (!tables.has_sheet()) continue;
    cells.erase(cells.begin());
    if (Status st = tables.add(line_number, std::move(cells)); !st) return st.error();
    cells = {};
  }
  return tables.finish(ErrorCode::md,
                       "no markdown table found; a form starts with a line like '| survey |' "
                       "followed by '|  | type | name | label |'");
}

}  // namespace khaosat::core::xlsform
