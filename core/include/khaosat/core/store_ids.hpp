// Identifiers and orderings the device store hands out, kept apart from the Store so that sync
// code and tests can use them alone:
//   - StoreEnv: the store's platform seams (clock, randomness); tests pass fakes.
//   - Uuid7Generator: RFC 9562 UUIDv7, time-ordered, for registry records and device ids.
//   - Hlc: a hybrid logical clock timestamp, the per-field version of registry properties.
//   - fold_for_search: the diacritic-insensitive key used by registry search.
// docs/storage.md describes the HLC text format and the folding rules.
//
// Thread-safety: a Uuid7Generator or HlcClock is not thread-safe (each Store owns its own);
// the free functions are pure.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace khaosat::core {

class Env;  // env.hpp

// The platform as the store sees it. `os` is the Env of its files (the database, through a
// SQLite VFS over it, and the media folder); unset, Env::default_env(). now_ms and random, when
// unset, come from `os` (system_store_env() is the real OS's). A test passes a fixed or
// stepping clock and counter bytes, or a fault-injecting Env.
struct StoreEnv {
  std::function<std::int64_t()> now_ms;                           // ms since the Unix epoch, UTC
  std::function<void(unsigned char* out, std::size_t n)> random;  // n random bytes
  Env* os = nullptr;
};
StoreEnv system_store_env();

// UUIDv7 (RFC 9562 section 5.7): 48 bits of Unix milliseconds, then 12 bits that count up within
// one millisecond (method 1 of section 6.2, so ids from one generator sort in creation order even
// when many share a millisecond or the clock steps back), then 62 random bits.
class Uuid7Generator {
 public:
  explicit Uuid7Generator(StoreEnv env) : env_(std::move(env)) {}
  std::string next();  // "0190b2d4-5f7e-7a1c-9d3e-1b2c3d4e5f60", lower-case

 private:
  StoreEnv env_;
  std::int64_t last_ms_ = -1;
  std::uint32_t seq_ = 0;
};

// True when `s` is a UUID in canonical 8-4-4-4-12 hex form (any version).
bool is_uuid(std::string_view s);

// A hybrid logical clock timestamp (Kulkarni et al. 2014): physical ms, a counter that orders
// events within one ms or when the wall clock is behind, and the node (device) id as tie-break.
// Its text form sorts as the timestamps order: "0190b2d45f7e-0003-<node>" (12 hex digits of ms,
// 4 hex digits of counter, the node id).
struct Hlc {
  std::int64_t wall_ms = 0;
  std::uint32_t counter = 0;
  std::string node;

  std::string to_string() const;
  static std::optional<Hlc> parse(std::string_view text);
  friend bool operator<(const Hlc& a, const Hlc& b);
  friend bool operator==(const Hlc& a, const Hlc& b) = default;
};

// Hands out HLC timestamps for one node: each is greater than every one it issued or observed.
class HlcClock {
 public:
  HlcClock(std::string node, std::function<std::int64_t()> now_ms)
      : node_(std::move(node)), now_ms_(std::move(now_ms)) {}
  // A local event (an edit): max(last, now) with the counter bumped when time did not advance.
  Hlc tick();
  // Merges a timestamp seen from elsewhere (a pulled record) so later ticks order after it.
  void observe(const Hlc& remote);
  // Restores the last issued timestamp (persisted by the store) after a restart.
  void restore(const Hlc& last) { observe(last); }
  const Hlc& last() const { return last_; }

 private:
  std::string node_;
  std::function<std::int64_t()> now_ms_;
  Hlc last_;
};

// The search key of a name: lower case, Vietnamese and other Latin diacritics removed (ầ -> a,
// ư -> u, đ/Đ -> d), combining marks dropped, every run of characters that are not letters or
// digits turned into one space, trimmed. "Chè  Tân-Uyên" -> "che tan uyen". Characters outside
// Latin (and invalid UTF-8 bytes) are kept as they are. No ICU: the table covers U+00C0-U+024F
// and U+1E00-U+1EFF (docs/storage.md).
std::string fold_for_search(std::string_view utf8);

}  // namespace khaosat::core
