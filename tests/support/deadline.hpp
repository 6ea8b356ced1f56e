// Running engine code that must not hang (a calculation cycle the engine should stop) without
// letting a regression stall the test run.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <future>
#include <memory>
#include <string>
#include <thread>

namespace khaosat::test {

// Runs `fn` on a thread of its own and returns its result. When it has not returned within
// `limit`, prints `what` as hung and ends the test binary with exit code 124: code stuck in a
// loop cannot be stopped from outside, and a hang must fail the suite, not stall it. `fn` must
// not use doctest assertions (they belong on the test's thread): return what to check.
template <class F>
auto within(std::chrono::seconds limit, const std::string& what, F fn) -> decltype(fn()) {
  using R = decltype(fn());
  auto promise = std::make_shared<std::promise<R>>();
  std::future<R> result = promise->get_future();
  std::thread([promise, fn = std::move(fn)]() mutable {
    try {
      promise->set_value(fn());
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  }).detach();
  if (result.wait_for(limit) != std::future_status::ready) {
    std::fprintf(stderr, "%s: still running after %lld s: the engine hangs\n", what.c_str(),
                 static_cast<long long>(limit.count()));
    std::fflush(stderr);
    std::_Exit(124);
  }
  return result.get();
}

}  // namespace khaosat::test
