// Private to the ODK XForms function library (functions_odk*.cpp): the per-aspect function
// tables and the helpers more than one aspect needs (ODK's date model, JavaScript-compatible
// conversions, UTF-8/UTF-16 helpers, hashing and base64).
//
// The reference for every behaviour here is ODK Web Forms' engine (@getodk/xforms-engine), which
// is written in JavaScript: where the spec is silent, numbers, strings and dates follow what that
// engine computes (JS `parseInt`, UTF-16 string indices, Temporal / Date parsing), and the tests
// record the values its oracle printed.
//
// Everything here is a pure function of its arguments (plus the Environment passed in); nothing
// keeps state. Helpers that meet bad input return nullopt / NaN / "" as ODK does, and throw
// EvalError only where ODK's engine throws.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/hash.hpp"
#include "xpath/xpath.hpp"

namespace khaosat::core::xpath::detail::odk {

// [SECTION] Function tables, one per aspect (registered by register_odk_functions()).
std::span<const FunctionSpec> string_functions();  // functions_odk_string.cpp
std::span<const FunctionSpec> math_functions();    // functions_odk_math.cpp
std::span<const FunctionSpec> date_functions();    // functions_odk_date.cpp
std::span<const FunctionSpec> select_functions();  // functions_odk_select.cpp
std::span<const FunctionSpec> geo_functions();     // functions_odk_geo.cpp

// [SECTION] Dates (functions_odk_date.cpp)
constexpr double kDayMs = 86400000.0;

// An instant with Temporal's precision: milliseconds since the epoch (floored) plus the
// nanoseconds within that millisecond.
struct Instant {
  std::int64_t ms = 0;
  std::int32_t sub_ms_ns = 0;  // [0, 1'000'000)
  double days() const { return static_cast<double>(ms) / kDayMs; }
};

// ODK's dateTimeFromString: "YYYY-MM-DD", optionally followed by "T" and a time
// (HH, HH:MM, HH:MM:SS, HH:MM:SS.fff), optionally followed by "Z" or "+HH:MM". A value without
// an offset is local time in the Environment's zone. Returns nullopt when the text is not of
// that shape or its offset/fields are out of range where ODK's Date parsing says "Invalid Date";
// throws EvalError where ODK's Temporal parsing throws (e.g. month 13, 30 February without an
// offset).
std::optional<Instant> parse_date_time(std::string_view text, Environment& env);
// ODK's string form of a date value at `instant` in the Environment's zone:
// "2020-01-01" at local midnight, otherwise "2020-01-01T12:00:00.000+07:00".
std::string date_value_string(const Instant& instant, Environment& env);
// A number of days since the epoch as an instant (milliseconds rounded as ODK does); nullopt for
// NaN or a value out of range.
std::optional<Instant> instant_from_days(double days);

// ODK's number(): a string or node that reads as a date/dateTime gives (fractional) days since
// 1970-01-01; anything else converts as Value::to_number().
double date_aware_number(const Value& v, Environment& env);
double date_aware_number(std::string_view s, Environment& env);
// A node's number as ODK reads it: NaN when its text is blank (a string "  " would be 0).
double node_number(const Node* n, Environment& env);

// [SECTION] JavaScript-compatible conversions (functions_odk_string.cpp)
// JS parseInt(s, 10): leading whitespace, optional sign, the longest run of digits; NaN if none.
double js_parse_int(std::string_view s);
// ODK's integer-argument conversion: parseInt of the argument's string value.
double int_arg(const Value& v);
// XML whitespace-separated list as ODK splits it: trims, then splits on runs of whitespace.
// An empty or blank string gives one empty item, as in ODK.
std::vector<std::string> whitespace_list(std::string_view s);
// Every value the argument contributes: one per node of a node-set, else the value itself.
std::vector<std::string> item_strings(const Value& v);

// [SECTION] Hashes and base64 (functions_odk_digest.cpp)
using HashAlgorithm = base::HashAlgorithm;
using base::hash_bytes;  // the raw digest bytes of `data` (OpenSSL's libcrypto)
std::string hex_encode(std::string_view bytes);
std::string base64_encode(std::string_view bytes);
// WHATWG "forgiving-base64 decode" (what atob() does): ASCII whitespace is ignored, padding is
// optional; nullopt on any other character or an impossible length.
std::optional<std::string> base64_decode(std::string_view text);
// UTF-8 bytes decoded as TextDecoder does: invalid sequences become U+FFFD, a leading BOM is
// dropped. The result is valid UTF-8.
std::string sanitize_utf8(std::string_view bytes);

}  // namespace khaosat::core::xpath::detail::odk
