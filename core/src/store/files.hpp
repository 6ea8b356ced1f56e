// File helpers of the device store: reading whole files and writing them durably (a temporary
// name, fsync, rename, fsync of the folder), so a file under its final name is always whole.
#pragma once

#include <string>
#include <string_view>

#include "khaosat/core/result.hpp"

namespace khaosat::core::store {

// The prefix of temporary files in the media folder; clean_orphans() removes leftovers.
inline constexpr std::string_view kTempPrefix = ".tmp-";

Result<std::string> read_whole_file(const std::string& path);
// Writes `bytes` to dir/name durably. On any failure the temporary file is removed and the
// Error names the file and the OS's reason ("File too large", "No space left on device").
Status write_file_durably(const std::string& dir, const std::string& name, std::string_view bytes);
Status fsync_dir(const std::string& dir);

}  // namespace khaosat::core::store
