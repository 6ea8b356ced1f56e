// libFuzzer target fuzz_xlsx: reads the input as an .xlsx workbook, and also as pyxform markdown
// and CSV (see core/src/xlsform/workbook.hpp). Any input must come back as a Workbook or an
// Error; a crash, sanitizer report, leak, timeout or memory blow-up is a bug. The limits are
// tighter than the defaults so one input stays well under libFuzzer's -rss_limit_mb; the code
// path is the same. Seed it with tests/fixtures/pyxform/*/ (real workbooks).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "xlsform/workbook.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace x = khaosat::core::xlsform;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  x::ReadLimits limits;
  limits.max_part_bytes = 16u << 20;
  limits.max_total_bytes = 32u << 20;
  limits.max_xml_elements = 400'000;
  limits.max_cells = 100'000;
  limits.max_grid_cells = 1'000'000;
  (void)x::read_xlsx_bytes(bytes, "fuzz.xlsx", limits);
  (void)x::read_markdown(bytes, "fuzz.md", limits);
  (void)x::read_csv(bytes, "fuzz.csv", limits);
  return 0;
}
