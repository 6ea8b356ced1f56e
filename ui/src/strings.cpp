// The string catalogue (strings.def) as a table, and its lookup.
#include "khaosat/ui/strings.hpp"

#include <cstdarg>
#include <cstdio>

namespace khaosat::ui {

namespace {
struct Entry {
  const char* vi;
  const char* en;
};
constexpr Entry kEntries[] = {
#define KHAOSAT_STRING(key, vi, en) {vi, en},
#include "khaosat/ui/strings.def"
#undef KHAOSAT_STRING
};
static_assert(sizeof(kEntries) / sizeof(kEntries[0]) == static_cast<std::size_t>(Str::kCount));
}  // namespace

std::string_view to_string(Lang lang) { return lang == Lang::En ? "en" : "vi"; }

bool parse_lang(std::string_view text, Lang* out) {
  if (text == "vi") *out = Lang::Vi;
  else if (text == "en") *out = Lang::En;
  else return false;
  return true;
}

const char* catalogue_text(Str key, Lang lang) {
  const Entry& e = kEntries[static_cast<std::size_t>(key)];
  return lang == Lang::En ? e.en : e.vi;
}

std::string format(const char* pattern, ...) {
  char small[256];
  va_list args;
  va_start(args, pattern);
  int n = std::vsnprintf(small, sizeof small, pattern, args);
  va_end(args);
  if (n < 0) return pattern;
  if (static_cast<std::size_t>(n) < sizeof small) return std::string(small, static_cast<std::size_t>(n));
  std::string out(static_cast<std::size_t>(n) + 1, '\0');
  va_start(args, pattern);
  std::vsnprintf(out.data(), out.size(), pattern, args);
  va_end(args);
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace khaosat::ui
