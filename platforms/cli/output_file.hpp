// Output files of the `khaosat` tool: one way to write them, and to read the files it is given.
//   - write_output() never writes over an input: the output is compared with every input by
//     file identity (device and inode), so "./x.md", "x.md" and a symlink to it are one file.
//     A regular file (or a new name) is written durably through a temporary name and a rename
//     (Env::write_file_durably), so a failure leaves the old file whole; a device or FIFO
//     (/dev/stdout) is written to directly.
//   - read_input() reads a regular file, bounded (core/env.hpp), and says why it cannot.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "khaosat/core/env.hpp"

namespace khaosat::cli {

core::Status write_output(const std::string& out, std::string_view bytes,
                          const std::vector<std::string>& inputs);
core::Result<std::string> read_input(const std::string& path, std::uint64_t max_bytes);

}  // namespace khaosat::cli
