// Replays every saved fuzz input (tests/fuzz/regressions/<target>/<name>) through the same entry
// point its fuzz target runs (tests/fuzz/fuzz_entries.hpp), without libFuzzer, so the normal
// GCC + ASan/UBSan build catches a regression. A file is added here when fuzzing (scripts/fuzz)
// finds a crash, leak, sanitizer report or timeout and the engine is fixed; its name says what it
// was. Targets without saved inputs replay their seed corpus, so no replay is empty. The test
// passes when no input crashes, trips a sanitizer or throws.
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

// The saved crash inputs of a target, then its seed corpus (`seeds`, relative to tests/, files
// ending in `ext`): a target with neither would replay nothing, and fails instead.
std::vector<fs::path> inputs_of(const char* target, const char* seeds, const char* ext) {
  fs::path tests(KHAOSAT_TESTS_DIR);
  std::vector<fs::path> files;
  auto add = [&](const fs::path& dir, const std::string& suffix) {
    if (!fs::is_directory(dir)) return;
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.is_regular_file() && e.path().string().ends_with(suffix)) files.push_back(e.path());
  };
  add(tests / "fuzz" / "regressions" / target, "");
  if (seeds) add(tests / seeds, ext);
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <class Entry>
void replay(const char* target, Entry entry, const char* seeds = nullptr, const char* ext = "") {
  auto inputs = inputs_of(target, seeds, ext);
  REQUIRE_MESSAGE(!inputs.empty(), "no saved inputs and no seed corpus for " << target);
  for (const fs::path& p : inputs) {
    INFO("replaying " << p.string());
    std::string input = read_file(p);
    CHECK_NOTHROW(entry(input));
  }
}

}  // namespace

TEST_CASE("fuzz regressions: fuzz_xpath") { replay("xpath", khaosat::fuzz::run_xpath); }
TEST_CASE("fuzz regressions: fuzz_xform") { replay("xform", khaosat::fuzz::run_xform); }
TEST_CASE("fuzz regressions: fuzz_xlsform") { replay("xlsform", khaosat::fuzz::run_xlsform); }
TEST_CASE("fuzz regressions: fuzz_session_script") {
  replay("session_script", khaosat::fuzz::run_session_script, "fuzz/corpus/session_script");
}
TEST_CASE("fuzz regressions: fuzz_xlsx") {
  replay("xlsx", khaosat::fuzz::run_xlsx, "fixtures/pyxform", ".xlsx");
}
// Restore's seed corpus (drafts of the session-script forms, damaged and whole) is what restore
// must take or refuse cleanly.
TEST_CASE("fuzz regressions: fuzz_restore, with its seed corpus") {
  REQUIRE_MESSAGE(inputs_of("restore", "fuzz/corpus/restore", "").size() >= 5,
                  "tests/fuzz/corpus/restore is missing");
  replay("restore", khaosat::fuzz::run_restore, "fuzz/corpus/restore");
}
TEST_CASE("fuzz regressions: fuzz_geojson") {
  replay("geojson", khaosat::fuzz::run_geojson, "fuzz/corpus/geojson");
}
