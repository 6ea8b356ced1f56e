// Strict reading of protocol JSON: each object is read through an ObjectReader that knows the
// path to it ("records[3]"), takes its members by name and type, and at the end refuses any
// member it was not asked for. The first problem is kept; later reads are no-ops, so a decoder
// reads every member and checks `error()` once.
//
// Not thread-safe (one per decode); pure otherwise.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "khaosat/core/result.hpp"

namespace khaosat::sync {

class ObjectReader {
 public:
  // `j` must outlive the reader. A non-object records the error at once.
  ObjectReader(const nlohmann::json& j, std::string path);

  std::string str(const char* key, std::size_t max_bytes = 1024, bool required = true);
  std::optional<std::string> opt_str(const char* key, std::size_t max_bytes = 1024);
  std::int64_t integer(const char* key, std::int64_t min, std::int64_t max, bool required = true,
                       std::int64_t fallback = 0);
  bool boolean(const char* key, bool required = true, bool fallback = false);
  // The member when it is of `type` (nullptr when absent and not required).
  const nlohmann::json* array(const char* key, bool required = true);
  const nlohmann::json* object(const char* key, bool required = true);

  // Records a problem found by the caller ("records[3].id: ...").
  void fail(const std::string& member, const std::string& what);
  // The first problem, or the first member nobody asked for; nullopt when all is well.
  std::optional<core::Error> finish();
  bool failed() const { return error_.has_value(); }
  std::string path_of(const std::string& member) const;

 private:
  const nlohmann::json* find(const char* key, bool required, const char* type);
  const nlohmann::json& j_;
  std::string path_;
  std::set<std::string> seen_;
  std::optional<core::Error> error_;
};

// "a number", "an object", … for messages.
std::string json_kind(const nlohmann::json& j);

}  // namespace khaosat::sync
