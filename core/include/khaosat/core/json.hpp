// The one way the engine reads JSON text: nlohmann's SAX parser with a nesting-depth limit, so a
// hostile document (a step script or a GeoJSON attachment nested 100,000 levels deep) is
// refused before any recursive code (copying, dumping, walking the value) can overflow the stack
// or grow without bound. docs/limits.md lists the limits and why they are what they are.
//
// Errors name where the text went wrong: line, column and byte offset, and what was wrong
// (bad UTF-8, a number out of range, a truncated document, too deep). They do not name the
// document, which the caller does ("script.json: ...", "invalid GeoJSON attachment 'x': ...").
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "khaosat/core/result.hpp"

namespace khaosat::core {

// Documents that come from outside (step scripts, GeoJSON attachments): real ones nest a few
// levels (a GeoJSON Polygon's coordinates are 4 deep inside a FeatureCollection, 7 in all).
inline constexpr std::size_t kMaxJsonDepth = 64;

// JSON the engine wrote itself (a submission's instance JSON, registry properties, outbox
// payloads): as deep as the form's instance, which the XForm loader allows up to 512 levels.
inline constexpr std::size_t kMaxStoredJsonDepth = 1024;

// Parses `text` as one JSON document (RFC 8259, UTF-8). Arrays and objects nested more than
// `max_depth` levels are refused (the top-level array or object is level 1). The error code is
// "json".
Result<nlohmann::json> parse_json(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

// The same, keeping objects' members in document order (GeoJSON properties are shown in order).
Result<nlohmann::ordered_json> parse_ordered_json(std::string_view text,
                                                  std::size_t max_depth = kMaxJsonDepth);

}  // namespace khaosat::core
