// libFuzzer target fuzz_xpath: Parses and evaluates an XPath expression (see run_xpath in fuzz_entries.hpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  khaosat::fuzz::run_xpath(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
