// Lower-case hex of raw bytes: digests (tokens, codes, XML, attachments) and random secrets.
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace khaosat::sync {

inline std::string to_hex(const unsigned char* bytes, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

}  // namespace khaosat::sync
