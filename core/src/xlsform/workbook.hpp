// The XLSForm workbook model and its readers: a spreadsheet read into plain strings, before any
// XLSForm meaning is given to it. The XLSForm compiler works on this model only, whatever the
// source format was:
//   .xlsx  Office Open XML workbooks (xlsx_reader.cpp), values presented the way pyxform's
//          openpyxl backend presents them (see "Cell text" below);
//   .xls   Excel 97-2003 (BIFF8) workbooks through Debian's FreeXL (xls_reader.cpp);
//   .md    pyxform's markdown tables (markdown_reader.cpp), the format of pyxform's test suite
//          and of khaosat's built-in forms;
//   .csv   pyxform's CSV layout (csv_reader.cpp): first column names the sheet, the rest is the
//          sheet's table.
//
// Sheet shape. The header row is the first row with a non-empty cell (pyxform insists on row 1;
// we accept leading blank rows). Columns run from the sheet's first column up to the last
// non-empty header; cells to the right of it are ignored, as pyxform ignores them. Data rows
// with no non-empty cell are dropped; every kept row remembers its 1-based row number in the
// source (for .md and .csv: the line number), so messages can name it.
//
// Cell text. Every cell is trimmed of leading and trailing whitespace (Python's str.strip set,
// non-breaking spaces included) and a non-breaking space inside is turned into a space, as
// pyxform does for spreadsheets (we do it for .md and .csv too). Header cells also have runs of
// spaces collapsed to one. In .xlsx: numbers print as Python prints openpyxl's value (an integral
// number without ".0", others in Python's shortest repr: "0.1", "1e-05", "1.5e+16"), booleans as
// "TRUE"/"FALSE", dates as Python's str(datetime) ("2024-03-01 00:00:00"), times "13:30:00",
// durations ([h]:mm formats) as str(timedelta), errors as their code ("#N/A"), formulas as their
// cached value.
//
// Deliberate differences from pyxform's readers: the header row may follow blank rows; there is
// no cut-off after 20 empty columns or 60 empty rows (everything is read, within ReadLimits);
// blank rows are dropped rather than kept as empty dicts (row numbers still say where a row
// was); duplicate headers are kept, for the compiler to report with both columns; markdown and
// CSV cells get the same non-breaking-space and header clean-up as spreadsheets; a markdown
// sheet with no rows is kept; unreadable input is an Error, never an exception.
//
// All readers are pure functions of their input: thread-safe, no global state. They never crash
// or throw on bad input; damaged or hostile input comes back as an Error whose message names the
// file and, for .xlsx, the zip part.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "khaosat/core/env.hpp"
#include "khaosat/core/result.hpp"

namespace khaosat::core::xlsform {

// One data row: `cells` has exactly one entry per header column ("" when empty).
struct Row {
  int number = 0;  // 1-based row number in the sheet (line number for .md and .csv)
  std::vector<std::string> cells;

  bool operator==(const Row&) const = default;
};

struct Sheet {
  std::string name;                  // as written in the workbook ("survey", "SURVEY", ...)
  std::vector<std::string> headers;  // as written, `::` language suffixes and case kept
  int header_row = 0;                // 1-based row (line) number of the header row
  int first_column = 1;              // 1-based column number of headers[0] (2 in .md and .csv)
  std::vector<Row> rows;

  // Index of the first header equal to `header` ignoring ASCII case, or npos.
  std::size_t column(std::string_view header) const;
  // Spreadsheet column letters of column index `col` ("A", "AB"), for messages.
  std::string column_letter(std::size_t col) const;
  // "survey sheet, row 12, column 'relevant' (F)": where a cell is, for error messages.
  std::string where(const Row& row, std::size_t col) const;

  bool operator==(const Sheet&) const = default;
};

struct Workbook {
  std::string source;  // the file name given to the reader, for messages
  std::vector<Sheet> sheets;  // in workbook order

  // The sheet whose name equals `name` ignoring ASCII case, or nullptr. With duplicates (only
  // possible in .md and .csv) the first one.
  const Sheet* sheet(std::string_view name) const;
};

// Bounds that keep a hostile workbook from exhausting memory. Exceeding one is an Error
// ("xlsx.limit"), never a partial read.
struct ReadLimits {
  std::uint64_t max_part_bytes = 64ull << 20;    // one decompressed zip entry
  std::uint64_t max_total_bytes = 128ull << 20;  // all decompressed entries read
  std::size_t max_xml_elements = 4'000'000;      // elements in one XML part
  std::size_t max_xml_depth = 64;                // element nesting in one XML part
  std::size_t max_cells = 4'000'000;             // non-empty cells in the workbook
  std::size_t max_grid_cells = 8'000'000;        // stored cells: sum of rows x header width
  std::size_t max_sheets = 1000;
};

// Reads a workbook from disk. A spreadsheet is read by what it is, not by its name: the bytes
// of an OLE2 compound file go to the .xls reader, a zip to the .xlsx reader, whichever of
// .xls/.xlsx/.xlsm the name says (offices rename files); .md and .csv by extension. Errors:
// "io" (cannot read the file), "xlsform.format" (unknown extension), and the readers' codes.
Result<Workbook> read_workbook(const std::string& path, Env& env = Env::default_env());
// The same for a workbook already in memory; `name` (a file name) names the workbook in
// messages and, for text formats, decides the kind.
Result<Workbook> read_workbook_bytes(std::string_view bytes, std::string_view name);

// Reads .xlsx bytes. `name` is used in messages only. Errors: "xlsx.zip" (not a zip, damaged
// entry), "xlsx.xml" (malformed XML part), "xlsx.structure" (a required part or attribute is
// missing or wrong), "xlsx.limit" (a ReadLimits bound was hit).
Result<Workbook> read_xlsx_bytes(std::string_view bytes, std::string_view name,
                                 const ReadLimits& limits = {});

// Reads a legacy Excel 97-2003 workbook (BIFF8 in an OLE2 compound file) with FreeXL
// (xls_reader.cpp). `name` is used in messages only. Errors: "xls.read" (damaged, encrypted,
// not BIFF), "xlsx.limit" (a ReadLimits bound was hit).
Result<Workbook> read_xls_bytes(std::string_view bytes, std::string_view name,
                                const ReadLimits& limits = {});
// True when `bytes` start with the OLE2 compound-file signature an .xls workbook has.
bool is_xls_bytes(std::string_view bytes);

// Reads pyxform's markdown table format. Errors: "md" (no table found).
Result<Workbook> read_markdown(std::string_view text, std::string_view name,
                               const ReadLimits& limits = {});

// Reads pyxform's CSV layout. Errors: "csv" (no sheet found, unterminated quote).
Result<Workbook> read_csv(std::string_view text, std::string_view name,
                          const ReadLimits& limits = {});

// Spreadsheet letters of a 1-based column number: 1 -> "A", 28 -> "AB".
std::string column_letters(int column);

// The cell text normalisation described above, shared by the readers: strip Python-style
// whitespace, non-breaking spaces inside become spaces; for headers also collapse space runs.
std::string clean_cell_text(std::string_view text);
std::string clean_header_text(std::string_view text);

namespace detail {
// Shared by the readers: turns raw (row number, cells) rows, already cleaned, into a Sheet with
// the shape described above. `first_column` is the 1-based column of raw cells[0].
struct RawRow {
  int number = 0;
  std::vector<std::string> cells;
};
Result<Sheet> shape_sheet(std::string name, std::vector<RawRow> raw, int first_column,
                          const ReadLimits& limits, std::string_view source);

// Shared by the text readers (.md, .csv), where a row whose first cell is non-empty names the
// sheet the following rows belong to: collects rows per sheet within the limits, then shapes
// the sheets (their cells start in column 2).
class TextTables {
 public:
  TextTables(std::string_view source, const ReadLimits& limits) : source_(source), limits_(limits) {}
  // Rows from here on belong to sheet `name` (created when new; `restart` drops the rows a
  // sheet of that name already has, as pyxform's markdown reader does).
  Status open(const std::string& name, bool restart);
  bool has_sheet() const { return current_ >= 0; }
  // Adds a data row to the current sheet; all-empty rows are skipped.
  Status add(int number, std::vector<std::string> cells);
  // The workbook; `none_found` is the error message when no sheet was opened.
  Result<Workbook> finish(ErrorCode code, std::string_view none_found);

 private:
  struct Pending {
    std::string name;
    std::vector<RawRow> rows;
  };
  std::string_view source_;
  const ReadLimits& limits_;
  std::vector<Pending> pending_;
  int current_ = -1;
  std::size_t cells_ = 0;
};
}  // namespace detail

}  // namespace khaosat::core::xlsform
