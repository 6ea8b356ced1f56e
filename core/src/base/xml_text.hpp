// What XML 1.0 can carry: the characters of its Char production
// (#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]) in valid UTF-8.
//
// pugixml is not a validating parser: it takes control characters, and character references to
// them (&#1;), without complaint, so a document that other XML readers (ODK Central, Enketo,
// libxml2) refuse passes it. Code that must know whether stored XML is well-formed checks the
// characters here and the structure with pugixml.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace khaosat::core {

struct XmlCharProblem {
  std::size_t offset = 0;  // byte offset in the text
  std::string what;        // "U+0001 is not allowed in XML 1.0", "invalid UTF-8 byte 0xFF"
  bool invalid_utf8 = false;    // the bytes at `offset` are not UTF-8 (code_point unset)
  std::uint32_t code_point = 0; // the character (or the one a reference names)
};

// The first character of `text` that XML 1.0 cannot carry, as a literal character (raw bytes,
// decoded as UTF-8) or, when `references` is set, as a character reference (&#1; or &#x1;).
std::optional<XmlCharProblem> find_non_xml_char(std::string_view text, bool references = true);

}  // namespace khaosat::core
