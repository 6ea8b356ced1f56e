// The parts of Env built on its virtual calls (env.hpp): UUIDs, bounded reads, durable writes.
#include <atomic>

#include <unistd.h>

#include "khaosat/core/env.hpp"
#include "base/uuid_text.hpp"

namespace khaosat::core {

const char* describe(FileKind kind) {
  switch (kind) {
    case FileKind::Missing: return "missing";
    case FileKind::Regular: return "a file";
    case FileKind::Directory: return "a directory";
    case FileKind::Symlink: return "a symbolic link";
    case FileKind::Fifo: return "a FIFO (named pipe)";
    case FileKind::Socket: return "a socket";
    case FileKind::CharDevice: return "a character device";
    case FileKind::BlockDevice: return "a block device";
    case FileKind::Other: return "not a regular file";
  }
  return "not a regular file";
}

std::string Env::uuid_v4() {
  unsigned char b[16];
  random_bytes(b, sizeof b);
  b[6] = static_cast<unsigned char>(0x40 | (b[6] & 0x0f));
  b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3f));
  return uuid_text(b);
}

double Env::random_unit() {
  unsigned char b[8];
  random_bytes(b, sizeof b);
  std::uint64_t v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  return static_cast<double>(v >> 11) * 0x1.0p-53;  // 53 random bits: uniform in [0, 1)
}

Result<std::string> Env::read_file(const std::string& path, std::uint64_t max_bytes) {
  auto file = open_sequential(path);
  if (!file) return file.error();
  auto too_large = [&] {
    return Error::make(ErrorCode::io_too_large, path + ": cannot read: the file is larger than the " +
                                           std::to_string(max_bytes >> 20) + " MiB allowed");
  };
  auto info = stat(path);
  if (info && info->size > max_bytes) return too_large();
  std::string out;
  if (info && info->size > 0) out.reserve(static_cast<std::size_t>(info->size));
  char buf[65536];
  for (;;) {
    auto n = (*file)->read(buf, sizeof buf);
    if (!n) return n.error();
    if (*n == 0) break;
    if (out.size() + *n > max_bytes) return too_large();  // it grew while we read
    out.append(buf, *n);
  }
  return out;
}

std::string parent_dir(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string temp_path_beside(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  auto slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string dir = slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
  return dir + std::string(kTempFilePrefix) + std::to_string(::getpid()) + "-" +
         std::to_string(counter++) + "-" + name.substr(0, 24);
}

Status Env::write_file_durably(const std::string& path, std::string_view bytes) {
  std::string temp = temp_path_beside(path);
  auto file = new_writable(temp);
  if (!file) return file.error();
  auto fail = [&](const Error& e) {
    (void)(*file)->close();
    (void)remove(temp);
    return e;
  };
  if (Status st = (*file)->append(bytes); !st) return fail(st.error());
  if (Status st = (*file)->sync(); !st) return fail(st.error());
  if (Status st = (*file)->close(); !st) return fail(st.error());
  if (Status st = rename(temp, path); !st) {
    (void)remove(temp);
    return st;
  }
  return sync_dir(parent_dir(path));
}

}  // namespace khaosat::core
