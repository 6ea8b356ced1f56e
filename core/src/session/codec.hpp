// Value codecs: how a value of each data type is normalised when it enters the instance (a
// form default, a calculation result, an answer, a setvalue action), matching ODK's engine:
// an int "17.9" becomes "17", a date "2025-12-21T23:30:05" becomes "2025-12-21", a geopoint
// "1 2 0 5" becomes "1.0 2.0 0.0 5.0", an unreadable value becomes "". See
// docs/odk-engine-behaviour.md for the rules. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace khaosat::core {

// The normalised instance text of `value` for `data_type` ("" when it is not a valid value).
std::string normalize_value(std::string_view data_type, std::string_view value);

// JavaScript's Number(string): surrounding whitespace ignored, "" -> 0, hex/binary/octal
// prefixes, Infinity, exponents; anything else NaN.
double js_number(std::string_view s);

// Intl.NumberFormat('en-US', {minimumFractionDigits: 1, maximumFractionDigits: 20,
// useGrouping: false}): ODK's decimal formatting ("3.0", "4.5", "0.30000000000000004").
std::string format_decimal(double d);

// Range bounds check for a range control's value (numbers; bounds as written in the form).
bool within_range(std::string_view value, std::string_view start, std::string_view end);

}  // namespace khaosat::core

namespace khaosat::core {

// The first character of `value` that XML 1.0 cannot carry, described for a person
// ("U+0001 at position 4", "the byte 0xFF at position 2, which is not UTF-8", "U+D800 (a
// lone surrogate) at position 1"); nullopt when every character is allowed. XML 1.0 allows
// tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD and U+10000-U+10FFFF. Positions count characters
// from 1.
std::optional<std::string> unstorable_character(std::string_view value);

}  // namespace khaosat::core
