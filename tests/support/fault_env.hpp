// FaultEnv: a core::Env over the real file system that injects faults and simulates power loss,
// for the store's durability suites (tests/core/store_power_cut_test.cpp). LevelDB's
// FaultInjectionTestEnv and SQLite's crash-test VFS are the models.
//
// What it models: a file's bytes are durable once the file is synced (its "durable image" is
// updated from what was written since the last sync); a name in a folder (a created, renamed or
// removed file) is durable once the folder is synced. restart_after_power_cut() puts every
// tracked folder back the way a power cut would leave it: each durable name with its durable
// image, names created since the last folder sync gone, names removed or renamed since back.
// Folders are tracked from the first call that touches them (their files as found then count as
// durable); files the Env never saw created (SQLite's -shm, which it rebuilds) are left alone.
// Folders themselves are not modelled (a folder, once created, survives). The model is the
// disk: a sync updates the model and does not call the real fsync, so hundreds of cases run fast.
//
// Faults, all off by default, all seeded:
//   fail_syncs        every file and folder sync fails (EIO) and makes nothing durable;
//   short_writes      each write stores a random prefix of its bytes and then fails (EIO);
//   space_left        writing fails with ENOSPC once that many more bytes were written;
//   cut_power_after   the power goes out during the n-th next durability-relevant call (write,
//                     truncate, sync, create, rename, remove): a write stores a random prefix,
//                     and from then on every such call fails (EIO) and changes nothing.
//
// Thread-safety: none; one test thread. Not for large files (images are kept in memory).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "khaosat/core/env.hpp"

namespace khaosat::test {

class FaultEnv final : public core::Env {
 public:
  explicit FaultEnv(std::uint64_t seed, core::Env& base = core::Env::default_env());

  void fail_syncs(bool on) { fail_syncs_ = on; }
  void short_writes(bool on) { short_writes_ = on; }
  void space_left(std::optional<std::uint64_t> bytes) { space_left_ = bytes; }
  void cut_power_after(std::optional<int> calls) { power_countdown_ = calls; }
  bool power_is_out() const { return power_out_; }
  // Counts of what reached the Env (to see that a test exercised what it meant to).
  int syncs() const { return syncs_; }
  int dir_syncs() const { return dir_syncs_; }
  int writes() const { return writes_; }
  // The durable state becomes the visible state; power is on again; faults are cleared.
  void restart_after_power_cut();

  // core::Env
  std::int64_t now_ms() override { return base_.now_ms(); }
  int utc_offset_minutes(std::int64_t ms) override { return base_.utc_offset_minutes(ms); }
  std::int64_t monotonic_ns() override { return base_.monotonic_ns(); }
  void random_bytes(unsigned char* out, std::size_t n) override;
  core::Result<core::FileInfo> stat(const std::string& path) override;
  core::Result<std::unique_ptr<core::SequentialFile>> open_sequential(const std::string& path) override;
  core::Result<std::unique_ptr<core::WritableFile>> new_writable(const std::string& path) override;
  core::Status rename(const std::string& from, const std::string& to) override;
  core::Status remove(const std::string& path) override;
  core::Status sync_dir(const std::string& dir) override;
  core::Status create_dirs(const std::string& dir) override;
  core::Result<std::vector<std::string>> list_dir(const std::string& dir) override;
  core::Result<std::string> real_path(const std::string& path) override;
  std::unique_ptr<core::RandomAccessFile> wrap_sqlite_file(
      const std::string& path, std::unique_ptr<core::RandomAccessFile> raw) override;

  // A file's durable image and what was written since its last sync (internal to fault_env.cpp,
  // shared with its file wrappers).
  struct Node {
    std::string durable;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> dirty;  // (offset, length) since sync
  };
  // The fault decision for one durability-relevant call writing `n` bytes to `path`: how many
  // bytes may be written (n when all), and the Error to return after writing them, if any.
  struct Verdict {
    std::size_t allowed;
    std::optional<core::Error> error;
  };
  Verdict before_write(const std::string& path, std::size_t n);
  std::optional<core::Error> before_call(const std::string& path, std::string_view what);
  std::optional<core::Error> before_sync(const std::string& path);

 private:
  void track(const std::string& dir);
  std::shared_ptr<Node> node_for(const std::string& path);  // creates an empty one when new

  core::Env& base_;
  std::mt19937_64 rng_;
  bool fail_syncs_ = false, short_writes_ = false, power_out_ = false;
  std::optional<std::uint64_t> space_left_;
  std::optional<int> power_countdown_;
  int syncs_ = 0, dir_syncs_ = 0, writes_ = 0;
  std::map<std::string, std::shared_ptr<Node>> live_;  // path -> the file under that name now
  // folder -> its names as of its last sync (or as first seen), with their files
  std::map<std::string, std::map<std::string, std::shared_ptr<Node>>> durable_dirs_;
};

}  // namespace khaosat::test
