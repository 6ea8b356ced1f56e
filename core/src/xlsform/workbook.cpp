// The workbook model's helpers shared by every reader (cell text normalisation, sheet shaping,
// messages) and read_workbook's dispatch (by content for spreadsheets, by extension for text).
// See workbook.hpp.
#include "xlsform/workbook.hpp"

#include "base/text_encoding.hpp"

#include <algorithm>
#include <iterator>

namespace khaosat::core::xlsform {

namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// Decodes the UTF-8 sequence at s[i]; sets `len` to its length (1 for a bad byte).
char32_t decode_at(std::string_view s, std::size_t i, std::size_t& len) {
  auto b = static_cast<unsigned char>(s[i]);
  len = 1;
  if (b < 0x80) return b;
  int extra = (b >= 0xF0 && b < 0xF8) ? 3 : (b >= 0xE0) ? 2 : (b >= 0xC0) ? 1 : -1;
  if (extra < 0 || i + static_cast<std::size_t>(extra) >= s.size()) return 0xFFFD;
  char32_t cp = b & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    auto c = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((c & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (c & 0x3F);
  }
  len = static_cast<std::size_t>(extra) + 1;
  return cp;
}

// Python's str.isspace() for one code point.
bool is_py_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

// Length of the UTF-8 sequence ending at s[end-1], or 0 when s[..end) does not end in one.
std::size_t last_char_start(std::string_view s, std::size_t end) {
  std::size_t start = end - 1;
  while (start > 0 && end - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80)
    --start;
  return start;
}

std::string_view py_strip(std::string_view s) {
  std::size_t b = 0;
  while (b < s.size()) {
    std::size_t len = 0;
    if (!is_py_space(decode_at(s, b, len))) break;
    b += len;
  }
  std::size_t e = s.size();
  while (e > b) {
    std::size_t start = last_char_start(s, e);
    std::size_t len = 0;
    char32_t c = decode_at(s, start, len);
    if (start + len != e || !is_py_space(c)) break;
    e = start;
  }
  return s.substr(b, e - b);
}

}  // namespace

std::string clean_cell_text(std::string_view text) {
  std::string_view s = py_strip(text);
  if (s.find('\xC2') == std::string_view::npos) return std::string(s);  // no no-break space
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\xC2' && i + 1 < s.size() && s[i + 1] == '\xA0') {
      out += ' ';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string clean_header_text(std::string_view text) {
  std::string cell = clean_cell_text(text);
  std::string out;
  out.reserve(cell.size());
  for (char c : cell)
    if (!(c == ' ' && !out.empty() && out.back() == ' ')) out += c;
  return out;
}

std::string column_letters(int column) {
  std::string out;
  for (int n = column; n > 0; n = (n - 1) / 26) out.insert(out.begin(), char('A' + (n - 1) % 26));
  return out;
}

std::size_t Sheet::column(std::string_view header) const {
  for (std::size_t i = 0; i < headers.size(); ++i)
    if (iequals(headers[i], header)) return i;
  return std::string_view::npos;
}

std::string Sheet::column_letter(std::size_t col) const {
  return column_letters(first_column + static_cast<int>(col));
}

std::string Sheet::where(const Row& row, std::size_t col) const {
  std::string out = name + " sheet, row " + std::to_string(row.number);
  if (col < headers.size())
    out += ", column '" + headers[col] + "' (" + column_letter(col) + ")";
  return out;
}

const Sheet* Workbook::sheet(std::string_view name) const {
  for (const Sheet& s : sheets)
    if (iequals(s.name, name)) return &s;
  return nullptr;
}

namespace detail {

Status TextTables::open(const std::string& name, bool restart) {
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    if (pending_[i].name != name) continue;
    current_ = static_cast<int>(i);
    if (restart) pending_[i].rows.clear();
    return ok_status();
  }
  if (pending_.size() >= limits_.max_sheets)
    return Error::make(ErrorCode::xlsx_limit, std::string(source_) + ": more than " +
                                         std::to_string(limits_.max_sheets) + " sheets");
  pending_.push_back(Pending{name, {}});
  current_ = static_cast<int>(pending_.size()) - 1;
  return ok_status();
}

Status TextTables::add(int number, std::vector<std::string> cells) {
  if (current_ < 0) return ok_status();
  if (std::all_of(cells.begin(), cells.end(), [](const std::string& c) { return c.empty(); }))
    return ok_status();
  cells_ += cells.size();
  if (cells_ > limits_.max_cells)
    return Error::make(ErrorCode::xlsx_limit, std::string(source_) + ": more than " +
                                         std::to_string(limits_.max_cells) + " cells");
  pending_[static_cast<std::size_t>(current_)].rows.push_back(RawRow{number, std::move(cells)});
  return ok_status();
}

Result<Workbook> TextTables::finish(ErrorCode code, std::string_view none_found) {
  if (pending_.empty()) return Error::make(code, std::string(source_) + ": " + std::string(none_found));
  Workbook book;
  book.source = std::string(source_);
  for (Pending& p : pending_) {
    auto sheet = shape_sheet(std::move(p.name), std::move(p.rows), 2, limits_, source_);
    if (!sheet) return sheet.error();
    book.sheets.push_back(std::move(sheet.value()));
  }
  return book;
}

Result<Sheet> shape_sheet(std::string name, std::vector<RawRow> raw, int first_column,
                          const ReadLimits& limits, std::string_view source) {
  Sheet sheet;
  sheet.name = std::move(name);
  sheet.first_column = first_column;
  // Every cell must be UTF-8 (a form written from it must be): one place for every reader.
  for (const RawRow& r : raw)
    for (std::size_t i = 0; i < r.cells.size(); ++i)
      if (std::size_t bad = invalid_utf8_offset(r.cells[i]); bad != std::string::npos)
        return Error::make(ErrorCode::xlsform_encoding,
                           std::string(source) + ": " + sheet.name + " sheet, row " +
                               std::to_string(r.number) + ", column " +
                               column_letters(first_column + static_cast<int>(i)) +
                               ": the cell's text is not UTF-8 (at byte " + std::to_string(bad) +
                               " of the cell); save the workbook as UTF-8");
  auto non_empty = [](const RawRow& r) {
    return std::any_of(r.cells.begin(), r.cells.end(), [](const std::string& c) { return !c.empty(); });
  };
  auto header = std::find_if(raw.begin(), raw.end(), non_empty);
  if (header == raw.end()) return sheet;  // an empty sheet: no headers, no rows
  std::size_t width = header->cells.size();
  while (width > 0 && header->cells[width - 1].empty()) --width;
  sheet.header_row = header->number;
  sheet.headers.reserve(width);
  for (std::size_t i = 0; i < width; ++i) sheet.headers.push_back(clean_header_text(header->cells[i]));

  std::size_t grid = 0;
  for (auto it = std::next(header); it != raw.end(); ++it) {
    it->cells.resize(width);
    if (!non_empty(*it)) continue;
    grid += width;
    if (grid > limits.max_grid_cells)
      return Error::make(ErrorCode::xlsx_limit, std::string(source) + ": sheet '" + sheet.name +
                                           "' is too large (more than " +
                                           std::to_string(limits.max_grid_cells) + " cells)");
    sheet.rows.push_back(Row{it->number, std::move(it->cells)});
  }
  return sheet;
}

}  // namespace detail

namespace {

// The workbook kind a file name's extension names, or an "xlsform.format" error.
Result<std::string> workbook_extension(std::string_view name) {
  std::string ext;
  if (auto dot = name.find_last_of('.'); dot != std::string::npos && name.find('/', dot) == std::string::npos)
    for (char c : name.substr(dot)) ext += ascii_lower(c);
  if (ext != ".xlsx" && ext != ".xlsm" && ext != ".xls" && ext != ".md" && ext != ".csv")
    return Error::make(ErrorCode::xlsform_format, std::string(name) +
                                                      ": unknown form file type; expected .xlsx, "
                                                      ".xls, .md or .csv");
  return ext;
}

}  // namespace

Result<Workbook> read_workbook_bytes(std::string_view bytes, std::string_view name) {
  auto ext = workbook_extension(name);
  if (!ext) return ext.error();
  if (*ext == ".md") return read_markdown(bytes, name);
  if (*ext == ".csv") return read_csv(bytes, name);
  // By content: an .xls saved under an .xlsx name (or the other way round) is read by what it is.
  if (is_xls_bytes(bytes) || (*ext == ".xls" && !bytes.starts_with("PK")))
    return read_xls_bytes(bytes, name);
  return read_xlsx_bytes(bytes, name);
}

Result<Workbook> read_workbook(const std::string& path, Env& env) {
  if (auto ext = workbook_extension(path); !ext) return ext.error();
  auto read = env.read_file(path, kMaxFormFileBytes);
  if (!read) return read.error();
  return read_workbook_bytes(*read, path);
}

}  // namespace khaosat::core::xlsform
