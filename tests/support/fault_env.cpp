// FaultEnv (fault_env.hpp): durable images, folder name sets, injected faults, power cuts.
#include "support/fault_env.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

namespace khaosat::test {

using core::Error;
using core::ErrorCode;
using core::Result;
using core::Status;

namespace {

// Replaces the content of `path` with `bytes` directly (the simulated reboot: no durability
// needed, nothing else is running).
void overwrite(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

class FaultWritable final : public core::WritableFile {
 public:
  FaultWritable(FaultEnv& env, std::string path, std::shared_ptr<FaultEnv::Node> node,
                std::unique_ptr<core::WritableFile> base)
      : env_(env), path_(std::move(path)), node_(std::move(node)), base_(std::move(base)) {}
  Status append(std::string_view bytes) override {
    auto v = env_.before_write(path_, bytes.size());
    if (v.allowed > 0) {
      if (Status st = base_->append(bytes.substr(0, v.allowed)); !st) return st;
      written_.append(bytes.substr(0, v.allowed));
    }
    if (v.error) return *v.error;
    return core::ok_status();
  }
  Status sync() override {
    if (auto e = env_.before_sync(path_)) return *e;
    node_->durable = written_;  // the model is the disk: no real fsync (fault_env.hpp)
    node_->dirty.clear();
    return core::ok_status();
  }
  Status close() override { return base_->close(); }

 private:
  FaultEnv& env_;
  std::string path_;
  std::shared_ptr<FaultEnv::Node> node_;
  std::unique_ptr<core::WritableFile> base_;
  std::string written_;  // the whole content so far (a new file is written from its start)
};

class FaultRandomAccess final : public core::RandomAccessFile {
 public:
  FaultRandomAccess(FaultEnv& env, std::string path, std::shared_ptr<FaultEnv::Node> node,
                    std::unique_ptr<core::RandomAccessFile> raw)
      : env_(env), path_(std::move(path)), node_(std::move(node)), raw_(std::move(raw)) {}
  Result<std::size_t> read_at(std::uint64_t off, char* out, std::size_t n) override {
    return raw_->read_at(off, out, n);
  }
  Status write_at(std::uint64_t off, std::string_view bytes) override {
    auto v = env_.before_write(path_, bytes.size());
    if (v.allowed > 0) {
      if (Status st = raw_->write_at(off, bytes.substr(0, v.allowed)); !st) return st;
      node_->dirty.emplace_back(off, v.allowed);
    }
    if (v.error) return *v.error;
    return core::ok_status();
  }
  Status truncate(std::uint64_t size) override {
    if (auto e = env_.before_call(path_, "cannot truncate")) return *e;
    return raw_->truncate(size);  // made durable (or not) by the next sync, as the size is
  }
  Status sync(bool data_only) override {
    (void)data_only;
    if (auto e = env_.before_sync(path_)) return *e;
    // No real fsync: the model is the disk (fault_env.hpp). The durable image becomes what the file holds: the ranges written since the last sync
    // are read back, and the size is the file's.
    auto size = raw_->size();
    if (!size) return size.error();
    std::string& d = node_->durable;
    d.resize(static_cast<std::size_t>(*size), '\0');
    for (auto [off, len] : node_->dirty) {
      if (off >= *size) continue;
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(len, *size - off));
      auto got = raw_->read_at(off, d.data() + off, n);
      if (!got) return got.error();
    }
    node_->dirty.clear();
    return core::ok_status();
  }
  Result<std::uint64_t> size() override { return raw_->size(); }

 private:
  FaultEnv& env_;
  std::string path_;
  std::shared_ptr<FaultEnv::Node> node_;
  std::unique_ptr<core::RandomAccessFile> raw_;
};

}  // namespace

FaultEnv::FaultEnv(std::uint64_t seed, core::Env& base) : base_(base), rng_(seed) {}

void FaultEnv::random_bytes(unsigned char* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<unsigned char>(rng_());
}

void FaultEnv::track(const std::string& dir) {
  if (durable_dirs_.count(dir)) return;
  auto& names = durable_dirs_[dir];
  auto list = base_.list_dir(dir);
  if (!list) return;  // not there (yet): nothing durable in it
  for (const std::string& name : *list) {
    std::string path = dir + "/" + name;
    auto info = base_.stat(path);
    if (!info || info->kind != core::FileKind::Regular) continue;
    auto node = std::make_shared<Node>();
    auto bytes = base_.read_file(path, 64ull << 20);
    if (bytes) node->durable = std::move(*bytes);
    live_[path] = node;
    names[name] = node;
  }
}

std::shared_ptr<FaultEnv::Node> FaultEnv::node_for(const std::string& path) {
  track(core::parent_dir(path));
  auto& node = live_[path];
  if (!node) node = std::make_shared<Node>();
  return node;
}

std::optional<Error> FaultEnv::before_call(const std::string& path, std::string_view what) {
  if (power_out_)
    return Error::make(ErrorCode::io, path + ": " + std::string(what) + ": Input/output error (the power is out)");
  if (power_countdown_ && --*power_countdown_ <= 0) {
    power_out_ = true;
    return Error::make(ErrorCode::io, path + ": " + std::string(what) + ": Input/output error (the power went out)");
  }
  return std::nullopt;
}

FaultEnv::Verdict FaultEnv::before_write(const std::string& path, std::size_t n) {
  ++writes_;
  bool was_out = power_out_;
  if (auto e = before_call(path, "cannot write")) {
    // The write the power cut interrupts may reach the disk in part.
    std::size_t part = was_out || n == 0 ? 0 : static_cast<std::size_t>(rng_() % (n + 1));
    return {part, e};
  }
  if (space_left_) {
    if (*space_left_ < n) {
      std::size_t fits = static_cast<std::size_t>(*space_left_);
      *space_left_ = 0;
      return {fits, Error::make(ErrorCode::io_full, path + ": cannot write: No space left on device")};
    }
    *space_left_ -= n;
  }
  if (short_writes_ && n > 0) {
    std::size_t part = static_cast<std::size_t>(rng_() % n);
    return {part, Error::make(ErrorCode::io, path + ": cannot write: Input/output error (a short write)")};
  }
  return {n, std::nullopt};
}

std::optional<Error> FaultEnv::before_sync(const std::string& path) {
  ++syncs_;
  if (auto e = before_call(path, "cannot sync to storage")) return e;
  if (fail_syncs_) return Error::make(ErrorCode::io, path + ": cannot sync to storage: Input/output error");
  return std::nullopt;
}

Result<core::FileInfo> FaultEnv::stat(const std::string& path) {
  track(core::parent_dir(path));
  return base_.stat(path);
}

Result<std::unique_ptr<core::SequentialFile>> FaultEnv::open_sequential(const std::string& path) {
  return base_.open_sequential(path);
}

Result<std::unique_ptr<core::WritableFile>> FaultEnv::new_writable(const std::string& path) {
  track(core::parent_dir(path));
  if (auto e = before_call(path, "cannot create")) return *e;
  auto file = base_.new_writable(path);
  if (!file) return file.error();
  auto node = std::make_shared<Node>();
  live_[path] = node;
  return std::unique_ptr<core::WritableFile>(new FaultWritable(*this, path, node, std::move(*file)));
}

Status FaultEnv::rename(const std::string& from, const std::string& to) {
  track(core::parent_dir(from));
  track(core::parent_dir(to));
  if (auto e = before_call(to, "cannot rename")) return *e;
  if (Status st = base_.rename(from, to); !st) return st;
  auto it = live_.find(from);
  std::shared_ptr<Node> node = it != live_.end() ? it->second : std::make_shared<Node>();
  if (it != live_.end()) live_.erase(it);
  live_[to] = node;
  return core::ok_status();
}

Status FaultEnv::remove(const std::string& path) {
  track(core::parent_dir(path));
  if (auto e = before_call(path, "cannot delete")) return *e;
  if (Status st = base_.remove(path); !st) return st;
  live_.erase(path);
  return core::ok_status();
}

Status FaultEnv::sync_dir(const std::string& dir) {
  ++dir_syncs_;
  track(dir);
  if (auto e = before_sync(dir)) return *e;
  auto& names = durable_dirs_[dir];
  names.clear();
  std::string prefix = dir + "/";
  for (const auto& [path, node] : live_)
    if (path.starts_with(prefix) && path.find('/', prefix.size()) == std::string::npos)
      names[path.substr(prefix.size())] = node;
  return core::ok_status();
}

Status FaultEnv::create_dirs(const std::string& dir) {
  if (auto e = before_call(dir, "cannot create the folder")) return *e;
  return base_.create_dirs(dir);
}

Result<std::vector<std::string>> FaultEnv::list_dir(const std::string& dir) {
  track(dir);
  return base_.list_dir(dir);
}

Result<std::string> FaultEnv::real_path(const std::string& path) { return base_.real_path(path); }

std::unique_ptr<core::RandomAccessFile> FaultEnv::wrap_sqlite_file(
    const std::string& path, std::unique_ptr<core::RandomAccessFile> raw) {
  return std::make_unique<FaultRandomAccess>(*this, path, node_for(path), std::move(raw));
}

void FaultEnv::restart_after_power_cut() {
  for (auto& [dir, names] : durable_dirs_) {
    auto list = base_.list_dir(dir);
    if (list)
      for (const std::string& name : *list) {
        std::string path = dir + "/" + name;
        // Created through this Env since the folder's last sync: the name never became durable.
        if (!names.count(name) && live_.count(path)) ::unlink(path.c_str());
      }
    for (const auto& [name, node] : names) {
      overwrite(dir + "/" + name, node->durable);
      node->dirty.clear();
    }
  }
  live_.clear();
  for (const auto& [dir, names] : durable_dirs_)
    for (const auto& [name, node] : names) live_[dir + "/" + name] = node;
  power_out_ = false;
  power_countdown_.reset();
  fail_syncs_ = short_writes_ = false;
  space_left_.reset();
}

}  // namespace khaosat::test
