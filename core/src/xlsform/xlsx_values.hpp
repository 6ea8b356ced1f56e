// How .xlsx cell values become text: the way pyxform presents the values openpyxl gives it
// (pyxform xlsx_value_to_str over openpyxl's cell parsing, read-only and data-only), so the
// compiler sees what pyxform sees. Pure functions, thread-safe. Internal to the xlsx reader.
#pragma once

#include <string>
#include <string_view>

namespace khaosat::core::xlsform::xlsx_detail {

// What a cell's number format makes of a number: openpyxl's is_date_format and
// is_timedelta_format over the format code.
enum class NumberKind { kNumber, kDate, kDuration };

// The kind for a number format code ("General", "yyyy-mm-dd", "[h]:mm:ss", ...).
NumberKind number_kind_of_format(std::string_view format_code);
// The format code of a built-in number format id (0..49), or "" when the id is not built in.
std::string_view builtin_number_format(int id);

// A numeric cell's <v> text: an integral value without ".0" ("12", "-3", exact digits for big
// values), others as Python's repr ("0.1", "1e-05", "inf"). Text that is no number is returned
// trimmed, unchanged.
std::string number_text(std::string_view v);

// A numeric cell with a date (or duration) format: Python's str() of openpyxl's from_excel
// value: "2024-03-01 00:00:00", "13:30:00", "1 day, 2:00:00". Serials outside Python's date
// range, or not numbers, give "#VALUE!" as openpyxl does.
std::string date_text(std::string_view v, bool date1904, NumberKind kind);

// A t="d" cell (ISO 8601 text): "2024-03-01", "2024-03-01 10:00:00", "10:00:00"; other text is
// returned unchanged.
std::string iso_date_text(std::string_view v);

// A t="b" cell: "TRUE" / "FALSE" (Python bool(int(v))); other text is returned unchanged.
std::string boolean_text(std::string_view v);

}  // namespace khaosat::core::xlsform::xlsx_detail
