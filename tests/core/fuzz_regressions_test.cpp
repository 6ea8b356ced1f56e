// Replays every saved fuzz input (tests/fuzz/regressions/<target>/<name>) through the same entry
// point its fuzz target runs (tests/fuzz/fuzz_entries.hpp), without libFuzzer, so the normal
// GCC + ASan/UBSan build catches a regression. A file is added here when fuzzing (scripts/fuzz)
// finds a crash, leak, sanitizer report or timeout and the engine is fixed; its name says what it
// was. The test passes when no input crashes, trips a sanitizer or throws.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/fuzz_entries.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_of(const char* target, const char* kind = "regressions") {
  fs::path dir = fs::path(KHAOSAT_TESTS_DIR) / "fuzz" / kind / target;
  std::vector<fs::path> files;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <class Entry>
void replay(const char* target, Entry entry) {
  for (const fs::path& p : inputs_of(target)) {
    INFO("replaying " << p.string());
    std::string input = read_file(p);
    CHECK_NOTHROW(entry(input));
  }
}

}  // namespace

TEST_CASE("fuzz regressions: fuzz_xpath") { replay("xpath", khaosat::fuzz::run_xpath); }
TEST_CASE("fuzz regressions: fuzz_xform") { replay("xform", khaosat::fuzz::run_xform); }
TEST_CASE("fuzz regressions: fuzz_xlsform") { replay("xlsform", khaosat::fuzz::run_xlsform); }
// Restore's seed corpus (drafts of the session-script forms, damaged and whole) is replayed too:
// it is small, and it is what restore must take or refuse cleanly.
TEST_CASE("fuzz regressions: fuzz_restore, with its seed corpus") {
  std::vector<fs::path> corpus = inputs_of("restore", "corpus");
  REQUIRE_MESSAGE(corpus.size() >= 5, "tests/fuzz/corpus/restore is missing");
  for (const char* kind : {"corpus", "regressions"})
    for (const fs::path& p : inputs_of("restore", kind)) {
      INFO("replaying " << p.string());
      std::string input = read_file(p);
      CHECK_NOTHROW(khaosat::fuzz::run_restore(input));
    }
}
TEST_CASE("fuzz regressions: fuzz_session_script") {
  replay("session_script", khaosat::fuzz::run_session_script);
}
TEST_CASE("fuzz regressions: fuzz_xlsx") { replay("xlsx", khaosat::fuzz::run_xlsx); }
TEST_CASE("fuzz regressions: fuzz_geojson") { replay("geojson", khaosat::fuzz::run_geojson); }
