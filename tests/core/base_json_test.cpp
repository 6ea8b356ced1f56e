// The engine's one JSON reader (core/src/base/json.hpp) and the readers built on it: depth
// limits against hostile nesting (a step script or a GeoJSON attachment 50,000-100,000 levels
// deep used to crash), and messages that say where and what is wrong. Deep documents are
// generated here, not stored.
#include <doctest/doctest.h>

#include <string>

#include "khaosat/core/json.hpp"
#include "khaosat/tools/fill_script.hpp"
#include "model/tree.hpp"
#include "xform/external_data.hpp"

using namespace khaosat::core;
using namespace khaosat::tools;

namespace {

// `depth` nested arrays around `inner`: "[[[ inner ]]]".
std::string nested(std::size_t depth, const std::string& inner = "1") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

std::string error_of(std::string_view text, std::size_t max_depth = kMaxJsonDepth) {
  auto r = parse_json(text, max_depth);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::json);
  return r.error().message;
}

bool has(const std::string& text, const std::string& part) {
  INFO(text);
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("base json: documents up to the depth limit parse, one level more is refused") {
  auto at_limit = parse_json(nested(kMaxJsonDepth));
  REQUIRE(at_limit.ok());
  CHECK(at_limit->is_array());
  std::string e = error_of(nested(kMaxJsonDepth + 1));
  CHECK(has(e, "JSON nested more than 64 levels deep at line 1, column 65 (byte offset 64)"));
  // Objects count as levels too, and so do mixed arrays and objects.
  std::string objects;
  for (int i = 0; i < 70; ++i) objects += "{\"k\":";
  objects += "1" + std::string(70, '}');
  CHECK(has(error_of(objects), "nested more than 64 levels"));
  // Brackets inside strings are not nesting.
  CHECK(parse_json("[\"" + std::string(1000, '[') + "\"]").ok());
  // The limit is the caller's: stored JSON is read with a larger one.
  CHECK(parse_json(nested(200), kMaxStoredJsonDepth).ok());
  CHECK_FALSE(parse_json(nested(kMaxStoredJsonDepth + 1), kMaxStoredJsonDepth).ok());
}

TEST_CASE("base json: hostile depths are refused, not a crash") {
  for (std::size_t depth : {50'000u, 100'000u, 1'000'000u}) {
    INFO(depth);
    CHECK(has(error_of(nested(depth)), "nested more than 64 levels"));
    CHECK(has(error_of(std::string(depth, '[')), "nested more than 64 levels"));  // unclosed
  }
}

TEST_CASE("base json: errors name line, column, byte offset and what is wrong") {
  CHECK(error_of("[1, \"a\xFF\"]") ==
        "not valid JSON at line 1, column 7 (byte offset 6): invalid string: ill-formed UTF-8 byte");
  // A token's error is placed at its last byte, where the parser found it.
  CHECK(error_of("[\n  1e400\n]") ==
        "not valid JSON at line 2, column 7 (byte offset 8): number overflow parsing '1e400'");
  CHECK(error_of("[{\"set\": \"/data/a\",\n \"value\": 1") ==
        "not valid JSON at line 2, column 12 (byte offset 31): unexpected end of input; "
        "expected '}'");
  CHECK(has(error_of(""), "not valid JSON at line 1, column 1 (byte offset 0): "));
  CHECK(has(error_of("[1] x"), "at line 1, column 5 (byte offset 4): "));
  // The bad bytes themselves are not copied into the message (it must stay UTF-8).
  CHECK_FALSE(has(error_of("[\"\xC3\x28\"]"), "\xC3\x28"));
}

TEST_CASE("base json: a step script nested 50,000 deep is refused with its position") {
  for (const char* step : {R"({"set":"/data/a","value":)", R"({"set_language":)", R"({"bogus":)"}) {
    INFO(step);
    std::string script = std::string("[") + step + nested(50'000) + "}]";
    auto r = parse_script(script);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::script);
    CHECK(has(r.error().message, "JSON nested more than 64 levels deep at line 1, column "));
  }
  auto bad = parse_script("[{\"set\": \"/data/a\", \"value\": 1e400}]");
  REQUIRE_FALSE(bad.ok());
  CHECK(has(bad.error().message, "at line 1, column 34 (byte offset 33): number overflow parsing '1e400'"));
}

TEST_CASE("base json: a GeoJSON attachment with coordinates 100,000 deep is refused") {
  std::string doc = R"({"type":"FeatureCollection","features":[{"type":"Feature","geometry":)"
                    R"({"type":"Point","coordinates":)" + nested(100'000) + R"(},"properties":{}}]})";
  Tree tree;
  Status st = xform_detail::geojson_to_tree(doc, "attachment 'deep.geojson'", tree);
  REQUIRE_FALSE(st.ok());
  CHECK(has(st.error().message, "invalid GeoJSON attachment 'deep.geojson': JSON nested more than "
                                "64 levels deep at line 1, column "));
  Tree bad_utf8;
  st = xform_detail::geojson_to_tree("{\"type\": \"Feature\xFF\"}", "attachment 'x.geojson'", bad_utf8);
  REQUIRE_FALSE(st.ok());
  CHECK(has(st.error().message, "invalid GeoJSON attachment 'x.geojson': not valid JSON at line 1, "
                                "column 18 (byte offset 17): invalid string"));
}
