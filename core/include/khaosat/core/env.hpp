// Env: the one seam through which the core reaches the platform: the wall clock and the device's
// UTC offset, a monotonic clock, random bytes, and the file system (LevelDB's Env, reduced to
// what khaosat needs). The store, form loading, secondary-instance loading and sessions take an
// Env through their options; left unset, they use Env::default_env(), the real OS. Tests
// subclass Env to fix the clock or to inject faults (tests/support/fault_env.hpp).
//
// Contract of the file calls:
//   - Every failure is an Error whose message names the path and the reason ("x.md: cannot
//     read: it is a directory, not a file"). Codes: "io.not_found", "io.not_regular",
//     "io.too_large", "io.full" (ENOSPC, EFBIG, EDQUOT), "io.readonly" (EACCES, EROFS, EPERM),
//     "io" for the rest.
//   - Reading opens regular files only: a directory, FIFO, socket or device is refused without
//     blocking and without reading it; read_file() is bounded by the caller's maximum size.
//   - write_file_durably() writes through a temporary name in the same folder, syncs the file,
//     renames it into place and syncs the folder: after it returns the file survives power loss,
//     and before that the final name holds the old content or nothing, never a part.
//   - The maximum sizes the core reads are the kMax*Bytes constants below (docs/limits.md).
//
// Thread-safety: Env::default_env() may be used from any thread. A test Env states its own.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "khaosat/core/result.hpp"

namespace khaosat::core {

// The most the core reads of one file of each kind, whole, into memory. Attachments are never
// read whole: they are copied and hashed as a stream.
inline constexpr std::uint64_t kMaxFormFileBytes = 256ull << 20;      // XForm, .xlsx, .md, .csv
inline constexpr std::uint64_t kMaxInstanceFileBytes = 256ull << 20;  // CSV/XML/GeoJSON instance
inline constexpr std::uint64_t kMaxScriptFileBytes = 256ull << 20;    // step scripts (JSON)

enum class FileKind { Missing, Regular, Directory, Symlink, Fifo, Socket, CharDevice, BlockDevice, Other };
// "a directory", "a FIFO (named pipe)", "a character device", ... for messages.
const char* describe(FileKind kind);

struct FileInfo {
  FileKind kind = FileKind::Missing;
  std::uint64_t size = 0;
  // File identity: two paths name the same file when both are equal (st_dev, st_ino).
  std::uint64_t device = 0, inode = 0;
  bool same_file(const FileInfo& o) const {
    return kind != FileKind::Missing && o.kind != FileKind::Missing && device == o.device &&
           inode == o.inode;
  }
};

// A file read from start to end in chunks.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to `n` bytes into `out`; 0 at the end of the file.
  virtual Result<std::size_t> read(char* out, std::size_t n) = 0;
};

// A new file written from start to end. close() (or the destructor) releases it; a file that
// was not synced may lose its content on power loss.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status append(std::string_view bytes) = 0;
  virtual Status sync() = 0;
  virtual Status close() = 0;
};

// A file written in place at any offset: SQLite's database, WAL and journal files, as the
// khaosat SQLite VFS (core/src/base/sqlite_vfs.cpp) hands them to Env::wrap_sqlite_file.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  virtual Result<std::size_t> read_at(std::uint64_t offset, char* out, std::size_t n) = 0;
  virtual Status write_at(std::uint64_t offset, std::string_view bytes) = 0;
  virtual Status truncate(std::uint64_t size) = 0;
  virtual Status sync(bool data_only) = 0;
  virtual Result<std::uint64_t> size() = 0;
};

class Env {
 public:
  virtual ~Env() = default;
  // The real OS (POSIX): lives for the whole process.
  static Env& default_env();

  // --- Clocks -----------------------------------------------------------------------------
  virtual std::int64_t now_ms() = 0;                         // ms since the Unix epoch, UTC
  // The device's offset of local time from UTC at an instant, in minutes (+420 in Vietnam):
  // from the platform's time zone (TZ and the zone database on POSIX).
  virtual int utc_offset_minutes(std::int64_t epoch_ms) = 0;
  virtual std::int64_t monotonic_ns() = 0;                   // never steps back; for durations

  // --- Randomness -------------------------------------------------------------------------
  virtual void random_bytes(unsigned char* out, std::size_t n) = 0;  // the OS's CSPRNG
  std::string uuid_v4();  // "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lower case
  double random_unit();   // uniform in [0, 1)

  // --- Files ------------------------------------------------------------------------------
  // What `path` names, following symlinks; kind Missing (not an error) when nothing is there.
  virtual Result<FileInfo> stat(const std::string& path) = 0;
  // Opens a regular file for reading; anything else is refused (io.not_regular) unopened.
  virtual Result<std::unique_ptr<SequentialFile>> open_sequential(const std::string& path) = 0;
  // Creates a new file for writing; fails when `path` exists.
  virtual Result<std::unique_ptr<WritableFile>> new_writable(const std::string& path) = 0;
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  virtual Status remove(const std::string& path) = 0;  // a file, or an empty folder
  virtual Status sync_dir(const std::string& dir) = 0;
  virtual Status create_dirs(const std::string& dir) = 0;  // with its parents; ok when present
  // The names in a folder (not "." and ".."), in no particular order.
  virtual Result<std::vector<std::string>> list_dir(const std::string& dir) = 0;
  // The absolute path with every symlink, "." and ".." resolved (realpath); the file must exist.
  virtual Result<std::string> real_path(const std::string& path) = 0;
  // SQLite's files: the khaosat VFS opens them with SQLite's own unix VFS (which keeps the
  // locks) and routes every write, truncate and sync through what this returns. The real OS
  // returns `raw` itself; a test Env may wrap it to fail, shorten or record what reaches disk.
  virtual std::unique_ptr<RandomAccessFile> wrap_sqlite_file(const std::string& path,
                                                             std::unique_ptr<RandomAccessFile> raw) {
    (void)path;
    return raw;
  }

  // --- Built on the calls above -----------------------------------------------------------
  // The whole content of a regular file of at most `max_bytes` (io.too_large beyond).
  Result<std::string> read_file(const std::string& path, std::uint64_t max_bytes);
  // Writes `bytes` to `path` durably (see the contract above). On failure the temporary file
  // is removed and the final name is untouched.
  Status write_file_durably(const std::string& path, std::string_view bytes);
};

// The folder part of a path ("a/b/c.db" -> "a/b", "c.db" -> ".").
std::string parent_dir(const std::string& path);
// The name of a temporary file beside `path` (same folder, so a rename is atomic), unique in
// this process: "<dir>/.tmp-<pid>-<n>-<name>".
std::string temp_path_beside(const std::string& path);
inline constexpr std::string_view kTempFilePrefix = ".tmp-";

}  // namespace khaosat::core
