// ObjectReader: strict member-by-member reading of protocol JSON (json_reader.hpp).
#include "json_reader.hpp"

namespace khaosat::sync {

using core::Error;
using core::ErrorCode;
using nlohmann::json;

std::string json_kind(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "a number";
    default: return "a value of another kind";
  }
}

ObjectReader::ObjectReader(const json& j, std::string path) : j_(j), path_(std::move(path)) {
  if (!j_.is_object())
    error_ = Error::make(ErrorCode::sync_request,
                         (path_.empty() ? std::string("the body") : path_) + ": expected an object, got " +
                             json_kind(j_));
}

std::string ObjectReader::path_of(const std::string& member) const {
  return path_.empty() ? member : path_ + "." + member;
}

void ObjectReader::fail(const std::string& member, const std::string& what) {
  if (!error_) error_ = Error::make(ErrorCode::sync_request, path_of(member) + ": " + what);
}

const json* ObjectReader::find(const char* key, bool required, const char* type) {
  if (error_) return nullptr;
  seen_.insert(key);
  auto it = j_.find(key);
  if (it == j_.end()) {
    if (required) fail(key, std::string("missing (expected ") + type + ")");
    return nullptr;
  }
  return &*it;
}

std::string ObjectReader::str(const char* key, std::size_t max_bytes, bool required) {
  const json* v = find(key, required, "a string");
  if (!v) return {};
  if (!v->is_string()) {
    fail(key, "expected a string, got " + json_kind(*v));
    return {};
  }
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max_bytes) {
    fail(key, "is " + std::to_string(s.size()) + " bytes, more than the limit of " +
                  std::to_string(max_bytes));
    return {};
  }
  return s;
}

std::optional<std::string> ObjectReader::opt_str(const char* key, std::size_t max_bytes) {
  const json* v = find(key, false, "a string");
  if (!v || v->is_null()) return std::nullopt;
  return str(key, max_bytes, true);
}

std::int64_t ObjectReader::integer(const char* key, std::int64_t min, std::int64_t max,
                                   bool required, std::int64_t fallback) {
  const json* v = find(key, required, "an integer");
  if (!v) return fallback;
  if (!v->is_number_integer()) {
    fail(key, "expected an integer, got " + (v->is_number() ? std::string("a fraction or a number out of range") : json_kind(*v)));
    return fallback;
  }
  // number_unsigned above INT64_MAX reads as negative: compare through the unsigned value.
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
    fail(key, "is out of range (" + std::to_string(min) + " to " + std::to_string(max) + ")");
    return fallback;
  }
  std::int64_t n = v->get<std::int64_t>();
  if (n < min || n > max) {
    fail(key, std::to_string(n) + " is out of range (" + std::to_string(min) + " to " +
                  std::to_string(max) + ")");
    return fallback;
  }
  return n;
}

bool ObjectReader::boolean(const char* key, bool required, bool fallback) {
  const json* v = find(key, required, "a boolean");
  if (!v) return fallback;
  if (!v->is_boolean()) {
    fail(key, "expected a boolean, got " + json_kind(*v));
    return fallback;
  }
  return v->get<bool>();
}

const json* ObjectReader::array(const char* key, bool required) {
  const json* v = find(key, required, "an array");
  if (v && !v->is_array()) {
    fail(key, "expected an array, got " + json_kind(*v));
    return nullptr;
  }
  return v;
}

const json* ObjectReader::object(const char* key, bool required) {
  const json* v = find(key, required, "an object");
  if (v && !v->is_object()) {
    fail(key, "expected an object, got " + json_kind(*v));
    return nullptr;
  }
  return v;
}

std::optional<Error> ObjectReader::finish() {
  if (!error_)
    for (auto it = j_.begin(); it != j_.end(); ++it)
      if (!seen_.count(it.key())) {
        fail(it.key(), "unknown member (protocol version 1 does not have it)");
        break;
      }
  return error_;
}

}  // namespace khaosat::sync
