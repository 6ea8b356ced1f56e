// EnvVfs (sqlite_vfs.hpp): SQLite's unix VFS, with writes, truncates, syncs and deletes routed
// through an Env.
#include "store/sqlite_vfs.hpp"

#include <cerrno>
#include <atomic>
#include <cstring>
#include <memory>
#include <new>

namespace khaosat::core::base {

namespace {

thread_local int g_last_errno = 0;
// The SQLite result code of the last "store.sql" error made here on this thread: an Error carries
// only a code and a message, and the wrapped unix VFS's own code must reach SQLite unchanged.
thread_local int g_last_sqlite_rc = SQLITE_IOERR;

// The result code SQLite expects for a failed Env call: SQLite's own code when the failure came
// from the unix VFS underneath, SQLITE_FULL for a full disk, `io_code` otherwise.
int sqlite_code(const Error& e, int io_code) {
  if (e.code == ErrorCode::store_sql) {
    g_last_errno = errno;
    return g_last_sqlite_rc;
  }
  if (e.code == ErrorCode::io_full) {
    g_last_errno = ENOSPC;
    return SQLITE_FULL;
  }
  g_last_errno = EIO;
  return io_code;
}

Error sqlite_error(const std::string& path, std::string_view what, int rc) {
  g_last_sqlite_rc = rc;
  return Error::make(ErrorCode::store_sql,
                     path + ": " + std::string(what) + ": " + sqlite3_errstr(rc) + " (SQLite code " + std::to_string(rc) + ")");
}

// The unix VFS's file as a RandomAccessFile: what Env::wrap_sqlite_file receives.
class UnixFile final : public RandomAccessFile {
 public:
  UnixFile(sqlite3_file* f, std::string path) : f_(f), path_(std::move(path)) {}
  Result<std::size_t> read_at(std::uint64_t offset, char* out, std::size_t n) override {
    int rc = f_->pMethods->xRead(f_, out, static_cast<int>(n), static_cast<sqlite3_int64>(offset));
    if (rc == SQLITE_OK) return n;
    if (rc != SQLITE_IOERR_SHORT_READ) return sqlite_error(path_, "cannot read", rc);
    auto sz = size();
    if (!sz) return sz.error();
    return static_cast<std::size_t>(*sz > offset ? std::min<std::uint64_t>(*sz - offset, n) : 0);
  }
  Status write_at(std::uint64_t offset, std::string_view bytes) override {
    int rc = f_->pMethods->xWrite(f_, bytes.data(), static_cast<int>(bytes.size()),
                                  static_cast<sqlite3_int64>(offset));
    if (rc != SQLITE_OK) return sqlite_error(path_, "cannot write", rc);
    return ok_status();
  }
  Status truncate(std::uint64_t size) override {
    int rc = f_->pMethods->xTruncate(f_, static_cast<sqlite3_int64>(size));
    if (rc != SQLITE_OK) return sqlite_error(path_, "cannot truncate", rc);
    return ok_status();
  }
  Status sync(bool data_only) override {
    int rc = f_->pMethods->xSync(f_, SQLITE_SYNC_NORMAL | (data_only ? SQLITE_SYNC_DATAONLY : 0));
    if (rc != SQLITE_OK) return sqlite_error(path_, "cannot sync", rc);
    return ok_status();
  }
  Result<std::uint64_t> size() override {
    sqlite3_int64 sz = 0;
    int rc = f_->pMethods->xFileSize(f_, &sz);
    if (rc != SQLITE_OK) return sqlite_error(path_, "cannot read the size", rc);
    return static_cast<std::uint64_t>(sz);
  }

 private:
  sqlite3_file* f_;
  std::string path_;
};

struct File {
  sqlite3_file base;             // pMethods = &kMethods: what SQLite sees
  sqlite3_file* real;            // the unix VFS's file, in the same allocation after this
  RandomAccessFile* io;          // Env::wrap_sqlite_file's result (owns a UnixFile over real)
  Env* env;
  std::string* path;
  bool sync_dir_pending;         // SQLite created the file: its first sync also syncs the folder
};

struct VfsData {
  sqlite3_vfs* unix;
  Env* env;
};
VfsData& data(sqlite3_vfs* v) { return *static_cast<VfsData*>(v->pAppData); }
File& file(sqlite3_file* f) { return *reinterpret_cast<File*>(f); }

int x_close(sqlite3_file* f) {
  File& k = file(f);
  delete k.io;
  delete k.path;
  k.io = nullptr;
  k.path = nullptr;
  return k.real->pMethods ? k.real->pMethods->xClose(k.real) : SQLITE_OK;
}
int x_read(sqlite3_file* f, void* out, int n, sqlite3_int64 off) {
  return file(f).real->pMethods->xRead(file(f).real, out, n, off);
}
int x_write(sqlite3_file* f, const void* in, int n, sqlite3_int64 off) {
  File& k = file(f);
  if (!k.io) return k.real->pMethods->xWrite(k.real, in, n, off);
  Status st = k.io->write_at(static_cast<std::uint64_t>(off),
                             std::string_view(static_cast<const char*>(in), static_cast<std::size_t>(n)));
  return st ? SQLITE_OK : sqlite_code(st.error(), SQLITE_IOERR_WRITE);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (!file(f).io) return file(f).real->pMethods->xTruncate(file(f).real, size);
  Status st = file(f).io->truncate(static_cast<std::uint64_t>(size));
  return st ? SQLITE_OK : sqlite_code(st.error(), SQLITE_IOERR_TRUNCATE);
}
int x_sync(sqlite3_file* f, int flags) {
  File& k = file(f);
  if (!k.io) return k.real->pMethods->xSync(k.real, flags);
  Status st = k.io->sync((flags & SQLITE_SYNC_DATAONLY) != 0);
  if (!st) return sqlite_code(st.error(), SQLITE_IOERR_FSYNC);
  if (k.sync_dir_pending) {
    Status d = k.env->sync_dir(parent_dir(*k.path));
    if (!d) return sqlite_code(d.error(), SQLITE_IOERR_DIR_FSYNC);
    k.sync_dir_pending = false;
  }
  return SQLITE_OK;
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return file(f).real->pMethods->xFileSize(file(f).real, size);
}
int x_lock(sqlite3_file* f, int l) { return file(f).real->pMethods->xLock(file(f).real, l); }
int x_unlock(sqlite3_file* f, int l) { return file(f).real->pMethods->xUnlock(file(f).real, l); }
int x_check_reserved(sqlite3_file* f, int* out) {
  return file(f).real->pMethods->xCheckReservedLock(file(f).real, out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  return file(f).real->pMethods->xFileControl(file(f).real, op, arg);
}
int x_sector_size(sqlite3_file* f) { return file(f).real->pMethods->xSectorSize(file(f).real); }
int x_device(sqlite3_file* f) {
  return file(f).real->pMethods->xDeviceCharacteristics(file(f).real);
}
int x_shm_map(sqlite3_file* f, int pg, int sz, int extend, void volatile** out) {
  return file(f).real->pMethods->xShmMap(file(f).real, pg, sz, extend, out);
}
int x_shm_lock(sqlite3_file* f, int off, int n, int flags) {
  return file(f).real->pMethods->xShmLock(file(f).real, off, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { file(f).real->pMethods->xShmBarrier(file(f).real); }
int x_shm_unmap(sqlite3_file* f, int del) {
  return file(f).real->pMethods->xShmUnmap(file(f).real, del);
}
int x_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return file(f).real->pMethods->xFetch(file(f).real, off, n, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return file(f).real->pMethods->xUnfetch(file(f).real, off, p);
}

const sqlite3_io_methods kMethods = {
    3,          x_close,     x_read,         x_write,       x_truncate,      x_sync,
    x_file_size, x_lock,     x_unlock,       x_check_reserved, x_file_control, x_sector_size,
    x_device,   x_shm_map,   x_shm_lock,     x_shm_barrier, x_shm_unmap,     x_fetch,
    x_unfetch};

int x_open(sqlite3_vfs* v, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  VfsData& d = data(v);
  File& k = file(f);
  k.base.pMethods = nullptr;
  k.real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + sizeof(File));
  k.io = nullptr;
  k.path = nullptr;
  k.env = d.env;
  k.sync_dir_pending = false;
  bool created = false;
  if (name && (flags & SQLITE_OPEN_CREATE)) {
    auto info = d.env->stat(name);
    created = info && info->kind == FileKind::Missing;
  }
  int rc = d.unix->xOpen(d.unix, name, k.real, flags, out_flags);
  if (rc != SQLITE_OK) {
    k.real->pMethods = nullptr;
    return rc;
  }
  k.base.pMethods = &kMethods;
  if (!name) return SQLITE_OK;  // a temporary file: nothing durable in it, no Env in between
  k.path = new std::string(name);
  k.io = d.env->wrap_sqlite_file(*k.path, std::make_unique<UnixFile>(k.real, *k.path)).release();
  k.sync_dir_pending = created && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_MAIN_JOURNAL |
                                            SQLITE_OPEN_WAL | SQLITE_OPEN_SUPER_JOURNAL));
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs* v, const char* name, int sync_dir) {
  VfsData& d = data(v);
  std::string path = name;
  Status st = d.env->remove(path);
  if (!st) {
    if (st.error().code == ErrorCode::io_not_found) return SQLITE_IOERR_DELETE_NOENT;
    return sqlite_code(st.error(), SQLITE_IOERR_DELETE);
  }
  if (sync_dir) {
    Status ds = d.env->sync_dir(parent_dir(path));
    if (!ds) return sqlite_code(ds.error(), SQLITE_IOERR_DIR_FSYNC);
  }
  return SQLITE_OK;
}

int x_access(sqlite3_vfs* v, const char* n, int flags, int* out) {
  return data(v).unix->xAccess(data(v).unix, n, flags, out);
}
int x_full_pathname(sqlite3_vfs* v, const char* n, int size, char* out) {
  return data(v).unix->xFullPathname(data(v).unix, n, size, out);
}
void* x_dl_open(sqlite3_vfs* v, const char* n) { return data(v).unix->xDlOpen(data(v).unix, n); }
void x_dl_error(sqlite3_vfs* v, int n, char* out) { data(v).unix->xDlError(data(v).unix, n, out); }
void (*x_dl_sym(sqlite3_vfs* v, void* h, const char* s))(void) {
  return data(v).unix->xDlSym(data(v).unix, h, s);
}
void x_dl_close(sqlite3_vfs* v, void* h) { data(v).unix->xDlClose(data(v).unix, h); }
int x_randomness(sqlite3_vfs* v, int n, char* out) {
  data(v).env->random_bytes(reinterpret_cast<unsigned char*>(out), static_cast<std::size_t>(n));
  return n;
}
int x_sleep(sqlite3_vfs* v, int us) { return data(v).unix->xSleep(data(v).unix, us); }
int x_current_time(sqlite3_vfs* v, double* out) {
  return data(v).unix->xCurrentTime(data(v).unix, out);
}
int x_last_error(sqlite3_vfs* v, int n, char* out) {
  if (g_last_errno != 0) {
    int e = g_last_errno;
    g_last_errno = 0;
    return e;
  }
  return data(v).unix->xGetLastError(data(v).unix, n, out);
}
int x_current_time64(sqlite3_vfs* v, sqlite3_int64* out) {
  return data(v).unix->xCurrentTimeInt64(data(v).unix, out);
}

}  // namespace

EnvVfs::EnvVfs(Env& env) {
  static std::atomic<unsigned> counter{0};
  name_ = "khaosat-env-" + std::to_string(counter++);
  sqlite3_vfs* unix = sqlite3_vfs_find(nullptr);
  vfs_.iVersion = 2;
  vfs_.szOsFile = static_cast<int>(sizeof(File)) + unix->szOsFile;
  vfs_.mxPathname = unix->mxPathname;
  vfs_.zName = name_.c_str();
  vfs_.pAppData = new VfsData{unix, &env};
  vfs_.xOpen = x_open;
  vfs_.xDelete = x_delete;
  vfs_.xAccess = x_access;
  vfs_.xFullPathname = x_full_pathname;
  vfs_.xDlOpen = x_dl_open;
  vfs_.xDlError = x_dl_error;
  vfs_.xDlSym = x_dl_sym;
  vfs_.xDlClose = x_dl_close;
  vfs_.xRandomness = x_randomness;
  vfs_.xSleep = x_sleep;
  vfs_.xCurrentTime = x_current_time;
  vfs_.xGetLastError = x_last_error;
  vfs_.xCurrentTimeInt64 = x_current_time64;
  sqlite3_vfs_register(&vfs_, 0);
}

EnvVfs::~EnvVfs() {
  sqlite3_vfs_unregister(&vfs_);
  delete static_cast<VfsData*>(vfs_.pAppData);
}

}  // namespace khaosat::core::base
