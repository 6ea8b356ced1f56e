#include "khaosat/core/error_codes.hpp"

#include <array>

namespace khaosat::core {
namespace {

struct Entry {
  std::string_view name, meaning;
};
constexpr std::array kEntries{
#define KHAOSAT_ERROR_ENTRY(name, text, meaning) Entry{text, meaning},
    KHAOSAT_ERROR_CODES(KHAOSAT_ERROR_ENTRY)
#undef KHAOSAT_ERROR_ENTRY
};

}  // namespace

std::string_view to_string(ErrorCode code) { return kEntries[static_cast<std::size_t>(code)].name; }
std::string_view describe(ErrorCode code) { return kEntries[static_cast<std::size_t>(code)].meaning; }

std::optional<ErrorCode> parse_error_code(std::string_view name) {
  for (std::size_t i = 0; i < kEntries.size(); ++i)
    if (kEntries[i].name == name) return static_cast<ErrorCode>(i);
  return std::nullopt;
}

}  // namespace khaosat::core
