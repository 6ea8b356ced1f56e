#include "base/xml_text.hpp"

#include <cstdint>
#include <cstdio>

namespace khaosat::core {

namespace {

bool is_xml_char(std::uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

std::string code_point_name(std::uint32_t c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

// Decodes one UTF-8 sequence at text[i]; nullopt when it is not valid UTF-8 (overlong forms,
// surrogates and values past U+10FFFF included).
std::optional<std::uint32_t> decode(std::string_view text, std::size_t& i) {
  auto b = static_cast<unsigned char>(text[i]);
  if (b < 0x80) {
    ++i;
    return b;
  }
  int extra = (b & 0xE0) == 0xC0 ? 1 : (b & 0xF0) == 0xE0 ? 2 : (b & 0xF8) == 0xF0 ? 3 : -1;
  if (extra < 0 || i + static_cast<std::size_t>(extra) >= text.size()) return std::nullopt;
  std::uint32_t c = b & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    auto n = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
    if ((n & 0xC0) != 0x80) return std::nullopt;
    c = (c << 6) | (n & 0x3F);
  }
  static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (c < kMin[extra] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return std::nullopt;
  i += static_cast<std::size_t>(extra) + 1;
  return c;
}

// "&#1;" / "&#x1F;" at text[i] (which is '&'): the code point, or nullopt when it is not a
// character reference (an entity reference, or a malformed one, which the XML parser reports).
std::optional<std::uint32_t> char_reference(std::string_view text, std::size_t i) {
  if (i + 3 >= text.size() || text[i + 1] != '#') return std::nullopt;
  std::size_t j = i + 2;
  bool hex = text[j] == 'x';
  if (hex) ++j;
  std::uint64_t c = 0;
  std::size_t digits = 0;
  for (; j < text.size() && text[j] != ';'; ++j, ++digits) {
    char d = text[j];
    int v = d >= '0' && d <= '9' ? d - '0'
            : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
            : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10
                                           : -1;
    if (v < 0) return std::nullopt;
    if (c <= 0x10FFFF) c = c * (hex ? 16 : 10) + static_cast<std::uint64_t>(v);  // else: too big
  }
  if (j >= text.size() || digits == 0) return std::nullopt;
  return c > 0x10FFFF ? 0xFFFFFFFFu : static_cast<std::uint32_t>(c);
}

}  // namespace

std::optional<XmlCharProblem> find_non_xml_char(std::string_view text, bool references) {
  for (std::size_t i = 0; i < text.size();) {
    std::size_t at = i;
    auto c = decode(text, i);
    if (!c) {
      char buf[48];
      std::snprintf(buf, sizeof buf, "invalid UTF-8 byte 0x%02X",
                    static_cast<unsigned>(static_cast<unsigned char>(text[at])));
      return XmlCharProblem{at, buf, true, 0};
    }
    if (!is_xml_char(*c))
      return XmlCharProblem{at, code_point_name(*c) + " is not allowed in XML 1.0", false, *c};
    if (references && *c == '&')
      if (auto r = char_reference(text, at); r && !is_xml_char(*r))
        return XmlCharProblem{at, "the character reference to " + code_point_name(*r) +
                                      " is not allowed in XML 1.0", false, *r};
  }
  return std::nullopt;
}

}  // namespace khaosat::core
