// Seams for tests that depend on the date: a core::Env whose clock reads a fixed instant (the
// rest, zone included, is the real OS's Env::default_env()), and a scope with TZ set, so the
// platform's zone is the one a test names (Asia/Ho_Chi_Minh: the devices' zone).
//
// Thread-safety: ScopedTz changes the process's environment; one test thread.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

#include "khaosat/core/env.hpp"

namespace khaosat::test {

class FixedClockEnv final : public core::Env {
 public:
  explicit FixedClockEnv(std::int64_t ms) : ms_(ms) {}
  void set(std::int64_t ms) { ms_ = ms; }
  std::int64_t now_ms() override { return ms_; }
  int utc_offset_minutes(std::int64_t ms) override { return os().utc_offset_minutes(ms); }
  std::int64_t monotonic_ns() override { return os().monotonic_ns(); }
  void random_bytes(unsigned char* out, std::size_t n) override { os().random_bytes(out, n); }
  core::Result<core::FileInfo> stat(const std::string& p) override { return os().stat(p); }
  core::Result<std::unique_ptr<core::SequentialFile>> open_sequential(const std::string& p) override {
    return os().open_sequential(p);
  }
  core::Result<std::unique_ptr<core::WritableFile>> new_writable(const std::string& p) override {
    return os().new_writable(p);
  }
  core::Status rename(const std::string& a, const std::string& b) override { return os().rename(a, b); }
  core::Status remove(const std::string& p) override { return os().remove(p); }
  core::Status sync_dir(const std::string& d) override { return os().sync_dir(d); }
  core::Status create_dirs(const std::string& d) override { return os().create_dirs(d); }
  core::Result<std::vector<std::string>> list_dir(const std::string& d) override { return os().list_dir(d); }
  core::Result<std::string> real_path(const std::string& p) override { return os().real_path(p); }

 private:
  static core::Env& os() { return core::Env::default_env(); }
  std::int64_t ms_;
};

// Sets TZ for the scope (and restores it).
class ScopedTz {
 public:
  explicit ScopedTz(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~ScopedTz() {
    if (old_) ::setenv("TZ", old_->c_str(), 1);
    else ::unsetenv("TZ");
    ::tzset();
  }
  ScopedTz(const ScopedTz&) = delete;
  ScopedTz& operator=(const ScopedTz&) = delete;

 private:
  std::optional<std::string> old_;
};

}  // namespace khaosat::test
