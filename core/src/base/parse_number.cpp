#include "khaosat/core/parse_number.hpp"

#include <charconv>

namespace khaosat::core {

std::optional<std::int64_t> parse_int64(std::string_view text) {
  // from_chars takes a leading '-' but no '+' or space; the digit check keeps "-" alone out.
  std::size_t digits_at = !text.empty() && text[0] == '-' ? 1 : 0;
  if (text.size() == digits_at) return std::nullopt;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 10);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<int> parse_int(std::string_view text, int min, int max) {
  auto v = parse_int64(text);
  if (!v || *v < min || *v > max) return std::nullopt;
  return static_cast<int>(*v);
}

}  // namespace khaosat::core
