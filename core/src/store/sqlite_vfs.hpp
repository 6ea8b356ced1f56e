// EnvVfs: a SQLite VFS over an Env, so that what SQLite writes reaches storage through the same
// seam as every other file of khaosat, and a fault-injecting Env faults SQLite's files too.
//
// It wraps SQLite's default unix VFS: locking, shared memory (the WAL index), reads, memory
// mapping and path handling stay the unix VFS's (one descriptor per file, so POSIX locks are
// never dropped by a second descriptor's close). Every write, truncate and sync of the database,
// its WAL and its journals goes through Env::wrap_sqlite_file; deleting a file goes through
// Env::remove and Env::sync_dir; and the first sync of a file SQLite created also syncs its
// folder through Env::sync_dir, so the new name is durable (docs/storage.md, "Durability").
//
// Thread-safety: registering and unregistering are thread-safe (SQLite's registry); an EnvVfs
// must outlive every connection opened with it, and its Env must outlive it.
#pragma once

#include <sqlite3.h>

#include <string>

#include "khaosat/core/env.hpp"

namespace khaosat::core::base {

class EnvVfs {
 public:
  explicit EnvVfs(Env& env);  // registers "khaosat-env-<n>", not as the default VFS
  ~EnvVfs();                  // unregisters
  EnvVfs(const EnvVfs&) = delete;
  EnvVfs& operator=(const EnvVfs&) = delete;
  const char* name() const { return name_.c_str(); }

 private:
  std::string name_;
  sqlite3_vfs vfs_{};
};

}  // namespace khaosat::core::base
