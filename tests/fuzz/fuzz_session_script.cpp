// libFuzzer target fuzz_session_script: Runs a step script over a conformance form through run_fill (see run_session_script).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  khaosat::fuzz::run_session_script(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
