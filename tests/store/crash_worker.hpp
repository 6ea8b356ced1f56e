// The kill -9 suite's worker (crash_worker.cpp): runs in a forked child until it is killed.
#pragma once

#include <cstdint>
#include <string>

namespace khaosat::test {

// Saves, finalizes, edits and writes registry records in the store at `db` forever, reporting
// each call that returned on `out_fd` (the line format is in crash_worker.cpp). Returns only
// on an error (1).
int run_crash_worker(const std::string& db, std::uint64_t seed, int out_fd);

}  // namespace khaosat::test
