// libFuzzer target fuzz_xform: Loads an XForm and drives a session over it (see run_xform in fuzz_entries.hpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  khaosat::fuzz::run_xform(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
