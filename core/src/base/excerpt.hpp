// Quoting user text in error messages without repeating all of it: an expression, a pattern or
// a cell may be hundreds of kilobytes, and a message that prints it (twice) buries the one
// position that matters. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace khaosat::core {

// Messages quote at most this many bytes of a text (docs/limits.md).
inline constexpr std::size_t kExcerptWidth = 60;

// `text` itself when it is at most `width` bytes; otherwise about `width` bytes around byte
// offset `pos` (clamped to the text), with "…" where the text was cut. Cuts fall on UTF-8
// character boundaries, so a valid UTF-8 text gives a valid UTF-8 excerpt.
std::string excerpt(std::string_view text, std::size_t pos = 0, std::size_t width = kExcerptWidth);

}  // namespace khaosat::core
