#include "output_file.hpp"

#include <fstream>

namespace khaosat::cli {

core::Status write_output(const std::string& out, std::string_view bytes,
                          const std::vector<std::string>& inputs) {
  core::Env& env = core::Env::default_env();
  auto target = env.stat(out);
  if (!target) return target.error();
  for (const auto& in : inputs) {
    auto source = env.stat(in);
    if (source && target->same_file(*source))
      return core::Error::make(core::ErrorCode::io_overwrite, out + ": is the input " + in +
                                                   "; refusing to write over it (choose another "
                                                   "output file)");
  }
  if (target->kind == core::FileKind::Regular || target->kind == core::FileKind::Missing)
    return env.write_file_durably(out, bytes);
  if (target->kind == core::FileKind::Directory)
    return core::Error::make(core::ErrorCode::io, out + ": cannot write: it is a directory");
  std::ofstream file(out, std::ios::binary);  // a device or a FIFO: nothing to replace
  file << bytes;
  file.close();
  if (!file) return core::Error::make(core::ErrorCode::io, out + ": cannot write");
  return core::ok_status();
}

core::Result<std::string> read_input(const std::string& path, std::uint64_t max_bytes) {
  return core::Env::default_env().read_file(path, max_bytes);
}

}  // namespace khaosat::cli
