// Bounded quotations of user text (see excerpt.hpp).
#include "base/excerpt.hpp"

#include <algorithm>

namespace khaosat::core {

namespace {

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::string excerpt(std::string_view text, std::size_t pos, std::size_t width) {
  if (text.size() <= width) return std::string(text);
  pos = std::min(pos, text.size());
  // A third of the window before the position, the rest after: what follows the error is
  // usually what the reader needs to recognise the spot.
  std::size_t begin = pos > width / 3 ? pos - width / 3 : 0;
  begin = std::min(begin, text.size() - width);
  std::size_t end = begin + width;
  while (begin > 0 && continuation(text[begin])) --begin;
  while (end < text.size() && continuation(text[end])) ++end;
  std::string out;
  if (begin > 0) out += "\u2026";
  out.append(text.substr(begin, end - begin));
  if (end < text.size()) out += "\u2026";
  return out;
}

}  // namespace khaosat::core
