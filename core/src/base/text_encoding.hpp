// Text files must be UTF-8: checks shared by every reader of a text format (CSV and markdown
// XLSForms, XForm XML) and by the cells of any workbook, so a file saved as UTF-16 or Latin-1
// is refused with what it is and what to do, instead of being misread (a UTF-16 CSV read as
// "no survey sheet", a Latin-1 label copied into an XForm that is not UTF-8). Pure functions;
// thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "khaosat/core/result.hpp"

namespace khaosat::core {

// The byte offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF), or npos when `text` is UTF-8.
std::size_t invalid_utf8_offset(std::string_view text);

// "UTF-16LE", "UTF-16BE", "UTF-32LE" or "UTF-32BE" when the bytes start with that byte-order
// mark, or (without one) show the zero bytes of ASCII text in that encoding; "" otherwise.
std::string_view wide_encoding(std::string_view bytes);

// The text of a file that must be UTF-8, without its UTF-8 byte-order mark if it has one. An
// Error (code `code`, message without the file's name, which the caller adds) when the bytes
// are UTF-16/32 or not UTF-8, naming the encoding or the line, column and byte, and saying to
// save the file as UTF-8.
Result<std::string_view> utf8_text(std::string_view bytes, ErrorCode code);

}  // namespace khaosat::core
