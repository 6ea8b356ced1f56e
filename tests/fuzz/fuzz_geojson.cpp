// libFuzzer target fuzz_geojson: reads the input as a GeoJSON attachment (see run_geojson in
// fuzz_entries.hpp). Seeded with tests/fuzz/corpus/geojson and the conformance fixtures' .geojson
// files; tests/fuzz/geojson.dict holds the format's words.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  khaosat::fuzz::run_geojson(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
