// The app's texts: the enum of catalogue keys (strings.def) and the lookup by language.
// Vietnamese is the default; English is the other. Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace khaosat::ui {

enum class Lang { Vi, En };
std::string_view to_string(Lang lang);          // "vi", "en"
bool parse_lang(std::string_view text, Lang* out);

enum class Str {
#define KHAOSAT_STRING(key, vi, en) key,
#include "khaosat/ui/strings.def"
#undef KHAOSAT_STRING
  kCount
};

// The text of `key` in `lang` (UTF-8, static storage).
const char* catalogue_text(Str key, Lang lang);
// printf-style filling of a catalogue text ("Bản nháp (%d)").
std::string format(const char* pattern, ...);

}  // namespace khaosat::ui
