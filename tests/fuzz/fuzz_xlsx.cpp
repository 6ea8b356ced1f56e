// libFuzzer target fuzz_xlsx: reads the input as an .xlsx workbook, and also as pyxform markdown
// and CSV (run_xlsx in fuzz_entries.hpp). Any input must come back as a Workbook or an Error; a
// crash, sanitizer report, leak, timeout or memory blow-up is a bug. Seed it with
// tests/fixtures/pyxform/*/ (real workbooks).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  khaosat::fuzz::run_xlsx(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
