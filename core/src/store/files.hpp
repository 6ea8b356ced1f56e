// File helpers of the device store, over its Env: Env errors restated with the store's codes,
// and content copied into the media folder as a stream (hashed while it is copied, written
// through a temporary name, synced, renamed, the folder synced), so that memory stays flat
// whatever the file's size and a file under its final name is always whole.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "khaosat/core/env.hpp"
#include "khaosat/core/result.hpp"

namespace khaosat::core::store {

// The prefix of temporary files in the media folder; clean_orphans() removes leftovers.
inline constexpr std::string_view kTempPrefix = kTempFilePrefix;

// An Env error with the store's code: store.full, store.readonly or store.io (the message,
// which names the file and the OS's reason, is kept).
Error store_error(const Error& e);
// The same, with `what` ("cannot create the media folder") put before the Env's message.
Error store_error(const Error& e, std::string_view what);

struct Content {
  std::string sha256;  // 64 lower-case hex digits
  std::int64_t size = 0;
};

// Copies the regular file `source` into folder `dir` durably, hashing it on the way, in
// chunks. The final name is `name`, or the content's sha256 when `name` is empty; then a file
// already there under that name with the same size is kept as it is (it was whole when it got
// its name). On failure the temporary file is removed and the Error names the file and reason.
Result<Content> copy_into(Env& env, const std::string& source, const std::string& dir,
                          const std::string& name = "");
// Writes `bytes` into `dir` durably under their sha256 (kept when already there).
Result<Content> store_bytes(Env& env, std::string_view bytes, const std::string& dir);
// The sha256 and size of a file, read as a stream.
Result<Content> hash_file(Env& env, const std::string& path);

}  // namespace khaosat::core::store
