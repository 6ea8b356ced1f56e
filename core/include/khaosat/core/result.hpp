// Result<T>: the value-or-error type every fallible core call returns.
//
// Expected failures (a malformed form, a bad expression, an I/O error) come back as an Error with
// a stable code and a message a person can act on. Bugs are asserts, not Errors. No exception
// crosses the core's public interface. Result is a plain value type; it is not thread-safe to
// share one mutable Result between threads, like any std type.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "khaosat/core/error_codes.hpp"

namespace khaosat::core {

struct Error {
  ErrorCode code = ErrorCode::io;  // from the catalogue (error_codes.hpp); compare this, never text
  std::string message;  // for people: names the element, attribute, expression and position

  static Error make(ErrorCode code, std::string message) {
    return Error{code, std::move(message)};
  }
  // The code's stable text name ("xpath.syntax"), as logs, JSON output and the protocol carry it.
  std::string_view code_name() const { return to_string(code); }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}      // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  // On a temporary, the value is moved out rather than referenced, so that
  // `for (auto& x : store.list().value())` does not iterate a destroyed Result.
  T value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Status: a Result with no value.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace khaosat::core
