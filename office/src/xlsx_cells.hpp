// Typed cells for the office's XLSX files (exports, reports): numbers as numbers, ISO dates as
// Excel dates, the rest as text. Private to khaosat_office.
#pragma once

#include <xlsxwriter.h>

#include <cstdint>
#include <string>
#include <vector>

namespace khaosat::office::xlsx {

// "YYYY-MM-DD" (optionally followed by "THH:MM[:SS...]") -> its parts, or false.
bool parse_iso(const std::string& s, lxw_datetime& out, bool& has_time);

// A strict decimal ("12", "-3.5"), or false.
bool parse_number(const std::string& s, double& out);

// Writes `text` typed by the field's bind type (int, decimal, date, dateTime; else text).
void write_typed(lxw_worksheet* ws, lxw_row_t row, lxw_col_t col, const std::string& text, const std::string& type,
                 lxw_format* date_format, lxw_format* datetime_format);

// Seconds since the epoch of 00:00 UTC on a date, for fixed creation times.
std::int64_t epoch_seconds(int year, int month, int day);

// A worksheet name Excel accepts (no []:*?/\, at most 31 characters), unique among `used`.
std::string sheet_name(const std::string& want, std::vector<std::string>& used);

}  // namespace khaosat::office::xlsx
