// The canonical text of a UUID's 16 bytes: 8-4-4-4-12 lower-case hex digits, no "uuid:" prefix.
// One formatter for every kind the core makes (UUIDv4 from Env, UUIDv7 from the store).
#pragma once

#include <cstdio>
#include <string>

namespace khaosat::core {

inline std::string uuid_text(const unsigned char (&b)[16]) {
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

}  // namespace khaosat::core
