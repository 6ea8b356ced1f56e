// UUIDv7, hybrid logical clocks, the system StoreEnv, and search folding (store_ids.hpp).
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "khaosat/core/env.hpp"
#include "khaosat/core/store_ids.hpp"

#include "base/uuid_text.hpp"

namespace khaosat::core {

// ---------------------------------------------------------------------------------------------
// [SECTION] System environment

StoreEnv system_store_env() {
  StoreEnv env;
  env.os = &Env::default_env();
  Env* os = env.os;
  env.now_ms = [os] { return os->now_ms(); };
  env.random = [os](unsigned char* out, std::size_t n) { os->random_bytes(out, n); };
  return env;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] UUIDv7

std::string Uuid7Generator::next() {
  std::int64_t ms = env_.now_ms();
  if (ms <= last_ms_) {
    // Same millisecond, or the clock stepped back: keep the last time and count up, so the ids
    // stay ordered. When the 12-bit counter is exhausted, borrow the next millisecond.
    ms = last_ms_;
    if (++seq_ > 0xfff) {
      ++ms;
      seq_ = 0;
    }
  } else {
    seq_ = 0;
  }
  last_ms_ = ms;
  unsigned char b[16];
  env_.random(b + 8, 8);
  auto t = static_cast<std::uint64_t>(ms);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(t >> (40 - 8 * i));
  b[6] = static_cast<unsigned char>(0x70 | ((seq_ >> 8) & 0x0f));
  b[7] = static_cast<unsigned char>(seq_ & 0xff);
  b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3f));  // RFC 9562 variant
  return uuid_text(b);
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Hybrid logical clock

std::string Hlc::to_string() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%012llx-%04x-", static_cast<unsigned long long>(wall_ms),
                counter & 0xffffu);
  return buf + node;
}

std::optional<Hlc> Hlc::parse(std::string_view text) {
  if (text.size() < 18 || text[12] != '-' || text[17] != '-') return std::nullopt;
  auto hex = [](std::string_view h, std::uint64_t& out) {
    out = 0;
    for (char c : h) {
      int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      if (v < 0) return false;
      out = out * 16 + static_cast<std::uint64_t>(v);
    }
    return true;
  };
  std::uint64_t ms = 0, counter = 0;
  if (!hex(text.substr(0, 12), ms) || !hex(text.substr(13, 4), counter)) return std::nullopt;
  Hlc h;
  h.wall_ms = static_cast<std::int64_t>(ms);
  h.counter = static_cast<std::uint32_t>(counter);
  h.node = std::string(text.substr(18));
  return h;
}

bool operator<(const Hlc& a, const Hlc& b) {
  if (a.wall_ms != b.wall_ms) return a.wall_ms < b.wall_ms;
  if (a.counter != b.counter) return a.counter < b.counter;
  return a.node < b.node;
}

Hlc HlcClock::tick() {
  std::int64_t now = now_ms_();
  Hlc next;
  next.node = node_;
  if (now > last_.wall_ms) {
    next.wall_ms = now;
    next.counter = 0;
  } else {
    next.wall_ms = last_.wall_ms;
    next.counter = last_.counter + 1;
    if (next.counter > 0xffff) {  // the text form has 4 hex digits: move to the next ms
      ++next.wall_ms;
      next.counter = 0;
    }
  }
  last_ = next;
  return next;
}

void HlcClock::observe(const Hlc& remote) {
  if (last_.wall_ms < remote.wall_ms ||
      (last_.wall_ms == remote.wall_ms && last_.counter < remote.counter)) {
    last_.wall_ms = remote.wall_ms;
    last_.counter = remote.counter;
  }
  last_.node = node_;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Search folding
//
// One ASCII letter per code point of U+00C0-U+024F and U+1E00-U+1EFF: the letter a character
// folds to, or '.' for "keep as is". Derived from each character's Unicode canonical
// decomposition (its first code point), plus the letters with strokes that do not decompose
// (đ, ø, ł, ħ, ŧ, ƀ, ...). U+00D0/U+00F0 (Ð, ð) fold to d because they are often typed for Đ.

namespace {

constexpr char kLatin1AndExtended[] =  // U+00C0..U+024F
    "aaaaaa.ceeeeiiiidnooooo.ouuuuy..aaaaaa.ceeeeiiiidnooooo.ouuuuy.y"
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii..jjkk.llllll."
    ".llnnnnnn...oooooo..rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzz."
    "b......................i..l.....oo.............uu....zz........."
    ".............aaiioouuuuuuuuuu.aaaa..ggggkkoooo..j...gg..nnaa...."
    "aaaaeeeeiiiioooorrrruuuusstt..hh......aaeeooooooooyy......acc.t."
    "......eejj..rryy";
constexpr char kLatinAdditional[] =  // U+1E00..U+1EFF (Vietnamese: U+1EA0..U+1EF9)
    "aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmm"
    "mmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvv"
    "wwwwwwwwwwxxxxyyzzzzzzhtwy......aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeee"
    "eeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy......";
static_assert(sizeof kLatin1AndExtended - 1 == 0x250 - 0xC0);
static_assert(sizeof kLatinAdditional - 1 == 0x100);

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when it is not valid UTF-8.
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& cp) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  if (n == 1) {
    cp = c;
    return 1;
  }
  cp = c & (0x7f >> n);
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3f);
  }
  return n;
}

}  // namespace

std::string fold_for_search(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  auto put = [&](std::string_view piece) {
    if (pending_space && !out.empty()) out += ' ';
    pending_space = false;
    out += piece;
  };
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    std::size_t n = decode_utf8(s, i, cp);
    if (n == 0) {  // not UTF-8: keep the byte, it still has to match itself
      put(s.substr(i, 1));
      ++i;
      continue;
    }
    std::string_view raw = s.substr(i, n);
    i += n;
    if (cp < 0x80) {
      char c = static_cast<char>(cp);
      if (std::isalnum(static_cast<unsigned char>(c))) {
        char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        put(std::string_view(&lower, 1));
      } else {
        pending_space = true;
      }
      continue;
    }
    if (cp >= 0x300 && cp <= 0x36f) continue;  // combining marks (text typed decomposed)
    char folded = '.';
    if (cp >= 0xC0 && cp < 0x250) folded = kLatin1AndExtended[cp - 0xC0];
    else if (cp >= 0x1E00 && cp < 0x1F00) folded = kLatinAdditional[cp - 0x1E00];
    if (folded != '.') {
      put(std::string_view(&folded, 1));
    } else if (cp == 0xA0 || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x206f) ||
               cp == 0x3000) {
      pending_space = true;  // no-break space, x/÷ signs, general punctuation, ideographic space
    } else {
      put(raw);
    }
  }
  return out;
}

}  // namespace khaosat::core
