// Laps: a stopwatch that adds each interval, wall and this thread's CPU time, to a phase's total
// (the push timings of client.hpp and server.hpp, printed by the sync bench). Not thread-safe:
// one per call.
#pragma once
#include <time.h>

#include <chrono>

#include "khaosat/sync/protocol.hpp"

namespace khaosat::sync {

class Laps {
 public:
  // Adds the time since the previous lap (or construction) to `total`.
  void operator()(PhaseTime& total) {
    auto now = std::chrono::steady_clock::now();
    double cpu = thread_cpu_ms();
    total.wall_ms += std::chrono::duration<double, std::milli>(now - at_).count();
    total.cpu_ms += cpu - cpu_;
    at_ = now;
    cpu_ = cpu;
  }

 private:
  static double thread_cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1000.0 + static_cast<double>(t.tv_nsec) / 1e6;
  }
  std::chrono::steady_clock::time_point at_ = std::chrono::steady_clock::now();
  double cpu_ = thread_cpu_ms();
};

}  // namespace khaosat::sync
