// .xlsx workbooks: a zip (libzip, from memory) of SpreadsheetML parts (pugixml).
//
// [SECTION] Zip access with size bounds
// [SECTION] XML parts with element and depth bounds
// [SECTION] Workbook structure: package rels, workbook.xml, its rels, styles, shared strings
// [SECTION] Worksheets: cells to text, sparse rows to a Sheet
// [SECTION] read_xlsx_bytes
//
// Parts are found the way openpyxl finds them: the officeDocument relationship in _rels/.rels
// (default xl/workbook.xml), each sheet's r:id through the workbook's rels. Element names are
// matched by local name so prefixed SpreadsheetML ("x:row") reads too. Every limit and damage is
// an Error naming the file and the part; nothing here throws.
#include <zip.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <optional>

#include <pugixml.hpp>

#include "base/excerpt.hpp"
#include "khaosat/core/parse_number.hpp"
#include "xlsform/workbook.hpp"
#include "xlsform/xlsx_values.hpp"

namespace khaosat::core::xlsform {

namespace {

using xlsx_detail::NumberKind;

// [SECTION] Zip access with size bounds

std::string size_text(std::uint64_t bytes) {
  if (bytes >= (1u << 20)) return std::to_string(bytes >> 20) + " MB";
  return std::to_string(bytes) + " bytes";
}

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

class Package {
 public:
  Package(std::string_view file, const ReadLimits& limits) : file_(file), limits_(limits) {}

  Status open(std::string_view bytes) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
    if (src != nullptr) {
      zip_.reset(zip_open_from_source(src, ZIP_RDONLY, &err));
      if (!zip_) zip_source_free(src);
    }
    std::string why = zip_error_strerror(&err);
    zip_error_fini(&err);
    if (!zip_)
      return Error::make(ErrorCode::xlsx_zip, file_ + ": not a readable .xlsx workbook (" + why +
                                         "); save it again from Excel or LibreOffice as .xlsx");
    return ok_status();
  }

  // The entry's bytes, nullopt when there is no such entry; an Error when it is damaged or too
  // big. Sizes are enforced while inflating, whatever the zip directory claims.
  Result<std::optional<std::string>> read(const std::string& entry) {
    zip_int64_t index = zip_name_locate(zip_.get(), entry.c_str(), ZIP_FL_NOCASE);
    if (index < 0) return std::optional<std::string>{};
    std::unique_ptr<zip_file_t, ZipFileCloser> f(zip_fopen_index(zip_.get(), static_cast<zip_uint64_t>(index), 0));
    if (!f) return damaged(entry, zip_strerror(zip_.get()));
    std::string out;
    char buf[65536];
    for (;;) {
      zip_int64_t n = zip_fread(f.get(), buf, sizeof buf);
      if (n < 0) return damaged(entry, zip_file_strerror(f.get()));
      if (n == 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      total_ += static_cast<std::uint64_t>(n);
      if (out.size() > limits_.max_part_bytes)
        return Error::make(ErrorCode::xlsx_limit, file_ + ": " + entry + " is larger than " +
                                             size_text(limits_.max_part_bytes) +
                                             " uncompressed; refusing to read it");
      if (total_ > limits_.max_total_bytes)
        return Error::make(ErrorCode::xlsx_limit, file_ + ": the workbook is larger than " +
                                             size_text(limits_.max_total_bytes) +
                                             " uncompressed; refusing to read it (at " + entry + ")");
    }
    return std::optional<std::string>(std::move(out));
  }

  const std::string& file() const { return file_; }
  const ReadLimits& limits() const { return limits_; }

 private:
  Error damaged(const std::string& entry, const char* why) const {
    return Error::make(ErrorCode::xlsx_zip, file_ + ": " + entry + " is damaged (" + why + ")");
  }

  std::string file_;
  const ReadLimits& limits_;
  std::unique_ptr<zip_t, ZipCloser> zip_;
  std::uint64_t total_ = 0;
};

// [SECTION] XML parts with element and depth bounds

std::string_view local_name(const char* name) {
  std::string_view n(name);
  std::size_t colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

pugi::xml_node child(pugi::xml_node node, std::string_view name) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element && local_name(c.name()) == name) return c;
  return {};
}

template <class F>
void for_children(pugi::xml_node node, std::string_view name, F&& f) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element && local_name(c.name()) == name) f(c);
}

// An attribute by local name ("r:id" matches "id" only when `name` is "id" and prefixed).
const char* attr(pugi::xml_node node, std::string_view name) {
  for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute())
    if (std::string_view(a.name()) == name) return a.value();
  return nullptr;
}
const char* prefixed_attr(pugi::xml_node node, std::string_view name) {
  for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
    std::string_view n(a.name());
    if (n.find(':') != std::string_view::npos && local_name(a.name()) == name) return a.value();
  }
  return nullptr;
}

// Parses `text` as the part `part` into `doc`, within the limits.
Status parse_part(pugi::xml_document& doc, const std::string& text, const std::string& part,
                  const Package& pkg) {
  std::size_t tags = static_cast<std::size_t>(std::count(text.begin(), text.end(), '<'));
  if (tags / 2 > pkg.limits().max_xml_elements)
    return Error::make(ErrorCode::xlsx_limit, pkg.file() + ": " + part + " has more than " +
                                         std::to_string(pkg.limits().max_xml_elements) +
                                         " XML elements; refusing to read it");
  pugi::xml_parse_result r = doc.load_buffer(text.data(), text.size(),
                                             pugi::parse_default | pugi::parse_ws_pcdata);
  if (!r)
    return Error::make(ErrorCode::xlsx_xml, pkg.file() + ": " + part + " is not well-formed XML (" +
                                       r.description() + " at byte " + std::to_string(r.offset) + ")");
  // Element count and nesting, without recursion.
  std::size_t elements = 0, depth = 0;
  pugi::xml_node n = doc.first_child();
  while (n) {
    if (n.type() == pugi::node_element) ++elements;
    if (elements > pkg.limits().max_xml_elements)
      return Error::make(ErrorCode::xlsx_limit, pkg.file() + ": " + part + " has more than " +
                                           std::to_string(pkg.limits().max_xml_elements) +
                                           " XML elements; refusing to read it");
    if (n.first_child()) {
      n = n.first_child();
      if (++depth > pkg.limits().max_xml_depth)
        return Error::make(ErrorCode::xlsx_limit, pkg.file() + ": " + part + " nests XML deeper than " +
                                             std::to_string(pkg.limits().max_xml_depth) + " levels");
      continue;
    }
    while (n && !n.next_sibling()) {
      n = n.parent();
      if (depth == 0) break;
      --depth;
    }
    if (!n || n == doc) break;
    n = n.next_sibling();
  }
  return ok_status();
}

// Reads and parses an entry; `present` false when the entry does not exist.
Status load_part(Package& pkg, const std::string& part, pugi::xml_document& doc, bool& present) {
  auto bytes = pkg.read(part);
  if (!bytes) return bytes.error();
  present = bytes->has_value();
  if (!present) return ok_status();
  return parse_part(doc, **bytes, part, pkg);
}

// [SECTION] Workbook structure

struct Relationship {
  std::string type;    // full type URI
  std::string target;  // resolved part name, no leading '/'
};

bool type_is(const std::string& type, std::string_view suffix) {
  return type.size() >= suffix.size() && type.compare(type.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Resolves a relationship target against the directory of the part that holds the rels.
std::string resolve(std::string_view base_dir, std::string_view target) {
  std::string path = target.starts_with('/') ? std::string(target.substr(1))
                                             : std::string(base_dir) + std::string(target);
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '/' && path[i] != '\\') continue;
    std::string seg = path.substr(start, i - start);
    start = i + 1;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else {
      parts.push_back(seg);
    }
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

std::string dir_of(std::string_view part) {
  std::size_t slash = part.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(part.substr(0, slash + 1));
}

// The rels of `part` (its _rels/<name>.rels), keyed by Id; empty when there are none.
Result<std::map<std::string, Relationship>> read_rels(Package& pkg, const std::string& part) {
  std::string dir = dir_of(part);
  std::string rels_part = dir + "_rels/" + part.substr(dir.size()) + ".rels";
  pugi::xml_document doc;
  bool present = false;
  if (Status s = load_part(pkg, rels_part, doc, present); !s) return s.error();
  std::map<std::string, Relationship> rels;
  for_children(child(doc, "Relationships"), "Relationship", [&](pugi::xml_node r) {
    const char* id = attr(r, "Id");
    const char* target = attr(r, "Target");
    const char* mode = attr(r, "TargetMode");
    if (id == nullptr || target == nullptr || (mode != nullptr && std::string_view(mode) == "External"))
      return;
    const char* type = attr(r, "Type");
    rels.emplace(id, Relationship{type ? type : "", resolve(dir, target)});
  });
  return rels;
}

struct Styles {
  std::vector<NumberKind> xf_kind;  // by cellXfs index
  NumberKind kind(const char* s) const {
    if (s == nullptr) return xf_kind.empty() ? NumberKind::kNumber : xf_kind[0];
    std::size_t i = 0;
    for (const char* p = s; *p; ++p) {
      if (*p < '0' || *p > '9' || i > xf_kind.size()) return NumberKind::kNumber;
      i = i * 10 + static_cast<std::size_t>(*p - '0');
    }
    return i < xf_kind.size() ? xf_kind[i] : NumberKind::kNumber;
  }
};

Status read_styles(Package& pkg, const std::string& part, Styles& styles) {
  pugi::xml_document doc;
  bool present = false;
  if (Status s = load_part(pkg, part, doc, present); !s || !present) return s;
  pugi::xml_node root = child(doc, "styleSheet");
  std::map<int, std::string> custom;
  for_children(child(root, "numFmts"), "numFmt", [&](pugi::xml_node f) {
    custom[f.attribute("numFmtId").as_int(-1)] = f.attribute("formatCode").as_string();
  });
  for_children(child(root, "cellXfs"), "xf", [&](pugi::xml_node xf) {
    int id = xf.attribute("numFmtId").as_int(0);
    auto it = custom.find(id);
    std::string_view code = it != custom.end() ? std::string_view(it->second)
                                               : xlsx_detail::builtin_number_format(id);
    styles.xf_kind.push_back(xlsx_detail::number_kind_of_format(code));
  });
  return ok_status();
}

// Text of a string item (<si> or <is>): the plain <t> and the runs' <t>, phonetic runs left out.
std::string string_item_text(pugi::xml_node item) {
  std::string out;
  for (pugi::xml_node c = item.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    std::string_view n = local_name(c.name());
    if (n == "t") out += c.text().get();
    if (n == "r") out += child(c, "t").text().get();
  }
  return out;
}

Status read_shared_strings(Package& pkg, const std::string& part, std::vector<std::string>& out) {
  pugi::xml_document doc;
  bool present = false;
  if (Status s = load_part(pkg, part, doc, present); !s || !present) return s;
  for_children(child(doc, "sst"), "si", [&](pugi::xml_node si) {
    std::string text = string_item_text(si);
    // openpyxl drops the "x005F_" of Excel's escaped underscores.
    for (std::size_t p; (p = text.find("x005F_")) != std::string::npos;) text.erase(p, 6);
    out.push_back(clean_cell_text(text));
  });
  return ok_status();
}

// [SECTION] Worksheets

struct CellRef {
  int row = 0;
  int col = 0;
};

constexpr int kMaxRow = 1'048'576;
constexpr int kMaxCol = 16'384;

// "AB12" (optionally with '$') -> row 12, column 28; false when malformed or out of range.
bool parse_ref(std::string_view ref, CellRef& out) {
  std::size_t i = 0;
  if (i < ref.size() && ref[i] == '$') ++i;
  int col = 0, letters = 0;
  for (; i < ref.size() && std::isalpha(static_cast<unsigned char>(ref[i])); ++i, ++letters)
    col = col * 26 + (std::toupper(static_cast<unsigned char>(ref[i])) - 'A' + 1);
  if (letters == 0 || letters > 3 || col > kMaxCol) return false;
  if (i < ref.size() && ref[i] == '$') ++i;
  int row = 0, digits = 0;
  for (; i < ref.size() && ref[i] >= '0' && ref[i] <= '9'; ++i, ++digits) {
    row = row * 10 + (ref[i] - '0');
    if (row > kMaxRow) return false;
  }
  if (digits == 0 || i != ref.size() || row == 0) return false;
  out = {row, col};
  return true;
}

bool parse_row_number(const char* s, int& row) {
  if (s == nullptr || *s == '\0') return false;
  long long v = 0;
  for (const char* p = s; *p; ++p) {
    if (*p < '0' || *p > '9') return false;
    v = v * 10 + (*p - '0');
    if (v > kMaxRow) return false;
  }
  if (v == 0) return false;
  row = static_cast<int>(v);
  return true;
}

struct WorkbookInfo {
  bool date1904 = false;
  Styles styles;
  std::vector<std::string> shared;
  std::size_t cells = 0;  // non-empty cells read so far, across sheets
};

// The text of one <c>; "" for an empty cell. Errors name the sheet and cell.
Result<std::string> cell_text(pugi::xml_node c, const WorkbookInfo& info, const Package& pkg,
                              const std::string& sheet, const CellRef& at) {
  std::string_view type = attr(c, "t") ? attr(c, "t") : "n";
  if (type == "inlineStr") return clean_cell_text(string_item_text(child(c, "is")));
  std::string_view v = child(c, "v").text().get();
  if (v.empty()) return std::string();
  if (type == "n") {
    NumberKind kind = info.styles.kind(attr(c, "s"));
    if (kind == NumberKind::kNumber) return xlsx_detail::number_text(v);
    return xlsx_detail::date_text(v, info.date1904, kind);
  }
  if (type == "s") {
    auto n = parse_int64(v);
    bool ok = n && *n >= 0;
    std::size_t index = ok ? static_cast<std::size_t>(*n) : 0;
    if (!ok || index >= info.shared.size())
      return Error::make(ErrorCode::xlsx_structure,
                         pkg.file() + ": sheet '" + sheet + "', cell " + column_letters(at.col) +
                             std::to_string(at.row) + " refers to shared string '" +
                             std::string(v.substr(0, 20)) + "', but the workbook has " +
                             std::to_string(info.shared.size()));
    return info.shared[index];
  }
  if (type == "b") return xlsx_detail::boolean_text(v);
  if (type == "d") return clean_cell_text(xlsx_detail::iso_date_text(v));
  return clean_cell_text(v);  // "str" (a formula's text), "e" (#N/A, ...), anything else
}

struct Cell {
  CellRef at;
  std::string text;
};

// Where each <c> of a worksheet is, as openpyxl finds it: a row's r when it has one, else the
// row its first cell names, else the next row; a cell's reference when it has one, else the
// next column. What openpyxl would read silently wrong is refused, naming the sheet and the
// row or cell: a reference that is malformed or past XFD1048576 (it used to fall back to "the
// next column", moving a calculation under another header), a row or cell that comes twice
// (the second used to overwrite the first: a second row 1 replaced the header) or out of order,
// a cell outside its row. Spreadsheet programs never write any of these.
Result<std::vector<std::pair<CellRef, pugi::xml_node>>> cell_positions(
    const pugi::xml_document& doc, const Package& pkg, const std::string& sheet) {
  std::vector<std::pair<CellRef, pugi::xml_node>> nodes;
  std::string bad;
  int prev_row = 0;
  for_children(child(child(doc, "worksheet"), "sheetData"), "row", [&](pugi::xml_node r) {
    if (!bad.empty()) return;
    int row = 0;
    const char* row_attr = attr(r, "r");
    if (row_attr != nullptr && !parse_row_number(row_attr, row)) {
      bad = "row r=\"" + excerpt(row_attr, 0, 20) + "\" (after row " + std::to_string(prev_row) +
            ") is not a row number from 1 to " + std::to_string(kMaxRow);
      return;
    }
    int prev_col = 0;
    for_children(r, "c", [&](pugi::xml_node c) {
      if (!bad.empty()) return;
      CellRef at{row, prev_col + 1};
      const char* ref = attr(c, "r");
      if (ref != nullptr && !parse_ref(ref, at)) {
        bad = "row " + std::to_string(row ? row : prev_row + 1) + ": cell reference '" +
              excerpt(ref, 0, 20) + "' is not a cell from A1 to " + column_letters(kMaxCol) +
              std::to_string(kMaxRow);
        return;
      }
      if (row == 0) row = ref != nullptr ? at.row : prev_row + 1;  // the row's number
      at.row = ref != nullptr ? at.row : row;
      std::string cell = column_letters(std::min(at.col, kMaxCol)) + std::to_string(at.row);
      if (at.row != row)
        bad = "cell " + cell + " is inside row " + std::to_string(row);
      else if (at.col > kMaxCol)
        bad = "row " + std::to_string(row) + " has more than " + std::to_string(kMaxCol) + " cells";
      else if (at.col == prev_col)
        bad = "cell " + cell + " appears twice";
      else if (at.col < prev_col)
        bad = "cell " + cell + " comes after cell " + column_letters(prev_col) +
              std::to_string(row) + ": cells must be in column order";
      prev_col = at.col;
      nodes.emplace_back(at, c);
    });
    if (!bad.empty()) return;
    if (row == 0) row = prev_row + 1;  // a row without r or cells
    if (row == prev_row)
      bad = "row " + std::to_string(row) + " appears twice";
    else if (row < prev_row)
      bad = "row " + std::to_string(row) + " comes after row " + std::to_string(prev_row) +
            ": rows must be in ascending order";
    else if (row > kMaxRow)
      bad = "more than " + std::to_string(kMaxRow) + " rows";
    prev_row = row;
  });
  if (!bad.empty())
    return Error::make(ErrorCode::xlsx_structure, pkg.file() + ": sheet '" + sheet + "': " + bad +
                                             "; the workbook is damaged (spreadsheet programs "
                                             "do not write this): open and save it again");
  return nodes;
}

Result<Sheet> read_worksheet(Package& pkg, const std::string& part, const std::string& name,
                             WorkbookInfo& info) {
  pugi::xml_document doc;
  bool present = false;
  if (Status s = load_part(pkg, part, doc, present); !s) return s.error();
  if (!present)
    return Error::make(ErrorCode::xlsx_structure, pkg.file() + ": sheet '" + name + "' points to " + part +
                                             ", which is not in the workbook");
  auto nodes = cell_positions(doc, pkg, name);
  if (!nodes) return nodes.error();
  std::vector<Cell> cells;
  cells.reserve(nodes->size());
  for (const auto& [at, node] : *nodes) {
    auto text = cell_text(node, info, pkg, name, at);
    if (!text) return text.error();
    if (text->empty()) continue;
    if (++info.cells > pkg.limits().max_cells)
      return Error::make(ErrorCode::xlsx_limit, pkg.file() + ": more than " +
                                           std::to_string(pkg.limits().max_cells) +
                                           " non-empty cells; refusing to read the workbook");
    cells.push_back(Cell{at, std::move(text.value())});
  }
  std::vector<detail::RawRow> raw;
  std::size_t grid = 0;
  for (Cell& cell : cells) {
    if (raw.empty() || raw.back().number != cell.at.row) raw.push_back(detail::RawRow{cell.at.row, {}});
    auto& row_cells = raw.back().cells;
    auto col = static_cast<std::size_t>(cell.at.col);
    if (row_cells.size() < col) {
      grid += col - row_cells.size();
      if (grid > pkg.limits().max_grid_cells)
        return Error::make(ErrorCode::xlsx_limit, pkg.file() + ": sheet '" + name + "' is too large (more than " +
                                             std::to_string(pkg.limits().max_grid_cells) + " cells)");
      row_cells.resize(col);
    }
    row_cells[col - 1] = std::move(cell.text);
  }
  return detail::shape_sheet(name, std::move(raw), 1, pkg.limits(), pkg.file());
}

}  // namespace

// [SECTION] read_xlsx_bytes

Result<Workbook> read_xlsx_bytes(std::string_view bytes, std::string_view name,
                                 const ReadLimits& limits) {
  Package pkg(name, limits);
  if (bytes.empty()) return Error::make(ErrorCode::xlsx_zip, pkg.file() + ": not a readable .xlsx workbook (the file is empty)");
  if (Status s = pkg.open(bytes); !s) return s.error();

  std::string workbook_part = "xl/workbook.xml";
  auto package_rels = read_rels(pkg, "");
  if (!package_rels) return package_rels.error();
  for (const auto& [id, rel] : *package_rels)
    if (type_is(rel.type, "/officeDocument")) workbook_part = rel.target;

  pugi::xml_document wb_doc;
  bool present = false;
  if (Status s = load_part(pkg, workbook_part, wb_doc, present); !s) return s.error();
  if (!present)
    return Error::make(ErrorCode::xlsx_structure, pkg.file() + ": not an Excel workbook (no " +
                                             workbook_part + " inside the zip)");
  pugi::xml_node wb = child(wb_doc, "workbook");
  WorkbookInfo info;
  std::string_view d1904 = child(wb, "workbookPr").attribute("date1904").as_string();
  info.date1904 = d1904 == "1" || d1904 == "true";

  auto rels = read_rels(pkg, workbook_part);
  if (!rels) return rels.error();
  std::string styles_part = dir_of(workbook_part) + "styles.xml";
  std::string shared_part = dir_of(workbook_part) + "sharedStrings.xml";
  for (const auto& [id, rel] : *rels) {
    if (type_is(rel.type, "/styles")) styles_part = rel.target;
    if (type_is(rel.type, "/sharedStrings")) shared_part = rel.target;
  }
  if (Status s = read_styles(pkg, styles_part, info.styles); !s) return s.error();
  if (Status s = read_shared_strings(pkg, shared_part, info.shared); !s) return s.error();

  Workbook book;
  book.source = std::string(name);
  std::vector<std::pair<std::string, const char*>> sheets;  // name, r:id
  for_children(child(wb, "sheets"), "sheet", [&](pugi::xml_node s) {
    sheets.emplace_back(s.attribute("name").as_string(), prefixed_attr(s, "id"));
  });
  if (sheets.size() > limits.max_sheets)
    return Error::make(ErrorCode::xlsx_limit, pkg.file() + ": more than " + std::to_string(limits.max_sheets) +
                                         " sheets");
  for (const auto& [sheet_name, rid] : sheets) {
    auto rel = rid ? rels->find(rid) : rels->end();
    if (rel == rels->end())
      return Error::make(ErrorCode::xlsx_structure, pkg.file() + ": sheet '" + sheet_name +
                                               "' has no part in " + workbook_part);
    if (!rel->second.type.empty() && !type_is(rel->second.type, "/worksheet")) {  // a chart sheet: no cells
      book.sheets.push_back(Sheet{sheet_name, {}, 0, 1, {}});
      continue;
    }
    auto sheet = read_worksheet(pkg, rel->second.target, sheet_name, info);
    if (!sheet) return sheet.error();
    book.sheets.push_back(std::move(sheet.value()));
  }
  return book;
}

}  // namespace khaosat::core::xlsform
