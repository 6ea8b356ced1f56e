// core/src/base: checked integer parsing and the characters XML 1.0 can carry.
#include <doctest/doctest.h>

#include "khaosat/core/parse_number.hpp"
#include "base/text_encoding.hpp"
#include "base/xml_text.hpp"

using namespace khaosat::core;

TEST_CASE("base parse_int64: digits with an optional minus, nothing else, in range") {
  CHECK(parse_int64("0") == 0);
  CHECK(parse_int64("42") == 42);
  CHECK(parse_int64("-7") == -7);
  CHECK(parse_int64("9223372036854775807") == INT64_MAX);
  CHECK(parse_int64("-9223372036854775808") == INT64_MIN);
  for (const char* bad : {"", "-", "+1", " 1", "1 ", "1x", "x1", "0x10", "1e3", "1.0",
                          "9223372036854775808", "-9223372036854775809", "99999999999999999999"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_int64(bad).has_value());
  }
}

TEST_CASE("base parse_int: within the given bounds") {
  CHECK(parse_int("2147483647") == 2147483647);
  CHECK_FALSE(parse_int("2147483648").has_value());
  CHECK_FALSE(parse_int("4294967297").has_value());  // not 1, as a 32-bit wrap would make it
  CHECK(parse_int("5", 1, 10) == 5);
  CHECK_FALSE(parse_int("0", 1, 10).has_value());
  CHECK_FALSE(parse_int("11", 1, 10).has_value());
}

TEST_CASE("base find_non_xml_char: control characters, references to them, bad UTF-8") {
  CHECK_FALSE(find_non_xml_char("plain <a b=\"c\">text</a> &amp; &#10; &#x9; tab\there").has_value());
  CHECK_FALSE(find_non_xml_char("Chè Tân Uyên, 𝄞, \xEF\xBF\xBD").has_value());
  struct Case {
    std::string text;
    std::size_t offset;
    std::string what;
  };
  for (const Case& c : {Case{std::string("a\0b", 3), 1, "U+0000 is not allowed in XML 1.0"},
                        Case{"ab\x01", 2, "U+0001 is not allowed in XML 1.0"},
                        Case{"\x1b", 0, "U+001B is not allowed in XML 1.0"},
                        Case{"x\xEF\xBF\xBE", 1, "U+FFFE is not allowed in XML 1.0"},
                        Case{"x&#1;", 1, "the character reference to U+0001 is not allowed in XML 1.0"},
                        Case{"&#x1B;", 0, "the character reference to U+001B is not allowed in XML 1.0"},
                        Case{"&#99999999999;", 0, "the character reference to U+FFFFFFFF is not allowed in XML 1.0"},
                        Case{"a\xff", 1, "invalid UTF-8 byte 0xFF"},
                        Case{"a\xC3", 1, "invalid UTF-8 byte 0xC3"},           // truncated
                        Case{"\xC0\xAF", 0, "invalid UTF-8 byte 0xC0"},           // overlong
                        Case{"\xED\xA0\x80", 0, "invalid UTF-8 byte 0xED"}}) {  // a surrogate
    CAPTURE(c.what);
    auto p = find_non_xml_char(c.text);
    REQUIRE(p.has_value());
    CHECK(p->offset == c.offset);
    CHECK(p->what == c.what);
  }
  CHECK_FALSE(find_non_xml_char("&#1;", false).has_value());
  CHECK_FALSE(find_non_xml_char("&amp;#1; &#; &#x; &#12a;").has_value());
}

TEST_CASE("base invalid_utf8_offset: the first bad byte wherever it falls among ASCII runs") {
  // ASCII is skipped eight bytes at a time: a bad byte before, inside and after such a run,
  // and a good multi-byte character at the same places, must be found (or not) the same way.
  for (std::size_t at = 0; at < 20; ++at) {
    CAPTURE(at);
    std::string ascii(at, 'a');
    CHECK(invalid_utf8_offset(ascii) == std::string_view::npos);
    CHECK(invalid_utf8_offset(ascii + "\xC3") == at);              // cut short
    CHECK(invalid_utf8_offset(ascii + "\xFF" + ascii) == at);      // never in UTF-8
    CHECK(invalid_utf8_offset(ascii + "\xC0\x80xyz") == at);       // overlong
    CHECK(invalid_utf8_offset(ascii + "\xE1\xBA\xA1" + ascii) == std::string_view::npos);  // a with dot below
    CHECK(invalid_utf8_offset(ascii + "\xE1\xBA\xA1" + ascii + "\x80") == 2 * at + 3);
  }
}
