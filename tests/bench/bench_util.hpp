// Helpers shared by the benchmark programs (tests/bench): wall-clock timing, peak memory and
// summary statistics. Benchmarks print figures; they never assert on time.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace khaosat::bench {

using Clock = std::chrono::steady_clock;

inline double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Peak resident set size of this process so far, in KiB.
inline long peak_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// n, min, median, p90, max and mean of `v` (non-empty), in milliseconds.
inline nlohmann::json stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  return {{"n", v.size()},
          {"min_ms", v.front()},
          {"median_ms", v[v.size() / 2]},
          {"p90_ms", v[v.size() * 9 / 10]},
          {"max_ms", v.back()},
          {"mean_ms", sum / static_cast<double>(v.size())}};
}

// Prints "<program>: <what>" on stderr and returns the exit code 1.
inline int die(const char* program, const std::string& what) {
  std::cerr << program << ": " << what << "\n";
  return 1;
}

}  // namespace khaosat::bench
