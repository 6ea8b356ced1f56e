// libFuzzer target fuzz_restore: restores arbitrary bytes as a saved draft of a conformance form
// (see run_restore).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  khaosat::fuzz::run_restore(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
