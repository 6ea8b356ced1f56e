// Checked parsing of integers from text that came from a file, a database or a person.
//
// std::stoll throws on bad text and std::atoi / strtol silently turn it into 0 or clamp it (and
// overflow is undefined for atoi); stored or typed data must do neither. These functions accept
// exactly an optional '-' followed by decimal digits, nothing before or after (no spaces, no
// '+', no hex), and return nullopt for anything else, including a value out of range.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace khaosat::core {

// "-12" -> -12; "", " 1", "1x", "+1", "0x10", "9223372036854775808" -> nullopt.
std::optional<std::int64_t> parse_int64(std::string_view text);

// As parse_int64, within [min, max] (an int's range by default).
std::optional<int> parse_int(std::string_view text, int min = std::numeric_limits<int>::min(),
                             int max = std::numeric_limits<int>::max());

}  // namespace khaosat::core
