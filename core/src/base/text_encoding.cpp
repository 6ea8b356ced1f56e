// UTF-8 checks for text files (see text_encoding.hpp).
#include "base/text_encoding.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <cstdio>

namespace khaosat::core {

std::size_t invalid_utf8_offset(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    // ASCII runs eight bytes at a time: most of a form is ASCII markup.
    while (i + 8 <= s.size()) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      if (word & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= s.size()) break;
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return i;
    auto b1 = static_cast<unsigned char>(s[i + 1]);
    // The second byte's range excludes overlong forms, surrogates and code points > U+10FFFF.
    unsigned char lo = b == 0xE0 ? 0xA0 : b == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = b == 0xED ? 0x9F : b == 0xF4 ? 0x8F : 0xBF;
    if (b1 < lo || b1 > hi) return i;
    for (std::size_t k = 2; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::string_view wide_encoding(std::string_view b) {
  auto starts = [&](std::string_view bom) { return b.substr(0, bom.size()) == bom; };
  using namespace std::string_view_literals;
  if (starts("\xFF\xFE\x00\x00"sv)) return "UTF-32LE";
  if (starts("\x00\x00\xFE\xFF"sv)) return "UTF-32BE";
  if (starts("\xFF\xFE"sv)) return "UTF-16LE";
  if (starts("\xFE\xFF"sv)) return "UTF-16BE";
  // No mark: ASCII text in a wide encoding has a zero byte beside each character.
  if (b.size() >= 4 && b[0] != 0 && b[1] == 0 && b[2] == 0 && b[3] == 0) return "UTF-32LE";
  if (b.size() >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] != 0) return "UTF-32BE";
  if (b.size() >= 2 && b[0] != 0 && b[1] == 0) return "UTF-16LE";
  if (b.size() >= 2 && b[0] == 0 && b[1] != 0) return "UTF-16BE";
  return "";
}

Result<std::string_view> utf8_text(std::string_view bytes, ErrorCode code) {
  if (std::string_view enc = wide_encoding(bytes); !enc.empty())
    return Error::make(code, "the file is encoded as " + std::string(enc) +
                                 ", not UTF-8; save it as UTF-8 (in Excel: \"CSV UTF-8\"; in a "
                                 "text editor: encoding UTF-8)");
  const std::size_t bom = bytes.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  std::size_t bad = invalid_utf8_offset(bytes.substr(bom));
  if (bad == std::string_view::npos) return bytes.substr(bom);
  bad += bom;
  std::string_view before = bytes.substr(0, bad);
  std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  std::size_t start = before.rfind('\n');
  std::size_t column = bad - (start == std::string_view::npos ? 0 : start + 1) + 1;
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(bytes[bad])));
  return Error::make(code, "the file is not UTF-8: byte " + std::string(hex) + " at line " +
                               std::to_string(line) + ", column " + std::to_string(column) +
                               " (byte offset " + std::to_string(bad) +
                               ") is not UTF-8 text (the file may be Latin-1 or Windows-1252); "
                               "save it as UTF-8");
}

}  // namespace khaosat::core
