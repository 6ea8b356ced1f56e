// libFuzzer target fuzz_xlsform: reads the input as a pyxform markdown workbook and compiles it
// with the XLSForm compiler (run_xlsform in fuzz_entries.hpp). Any input must come back as a
// form or an Error; and a form we compiled must load in our own XForm loader and run. Seeded
// with the markdown workbooks of tests/fixtures and forms/ (scripts/fuzz).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  khaosat::fuzz::run_xlsform(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
