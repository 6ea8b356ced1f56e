#include "store/files.hpp"

#include <vector>

#include "base/hash.hpp"

namespace khaosat::core::store {

namespace {

constexpr std::size_t kChunk = 1 << 20;  // 1 MiB: the most of a file held in memory at once

std::string join(const std::string& dir, const std::string& name) { return dir + "/" + name; }

}  // namespace

Error store_error(const Error& e) {
  ErrorCode code = ErrorCode::store_io;
  if (e.code == ErrorCode::io_full) code = ErrorCode::store_full;
  else if (e.code == ErrorCode::io_readonly) code = ErrorCode::store_readonly;
  return Error::make(code, e.message);
}

Error store_error(const Error& e, std::string_view what) {
  Error out = store_error(e);
  out.message = std::string(what) + ": " + out.message;
  return out;
}

Result<Content> hash_file(Env& env, const std::string& path) {
  auto in = env.open_sequential(path);
  if (!in) return in.error();
  base::Hasher hasher(base::HashAlgorithm::Sha256);
  std::vector<char> buf(kChunk);
  Content c;
  for (;;) {
    auto n = (*in)->read(buf.data(), buf.size());
    if (!n) return n.error();
    if (*n == 0) break;
    hasher.update(std::string_view(buf.data(), *n));
    c.size += static_cast<std::int64_t>(*n);
  }
  c.sha256 = base::to_hex(hasher.finish());
  return c;
}

Result<Content> copy_into(Env& env, const std::string& source, const std::string& dir,
                          const std::string& name) {
  auto in = env.open_sequential(source);
  if (!in) return in.error();
  std::string temp = temp_path_beside(join(dir, name.empty() ? "content" : name));
  auto out = env.new_writable(temp);
  if (!out) return store_error(out.error());
  auto fail = [&](const Error& e) -> Error {
    (void)(*out)->close();
    (void)env.remove(temp);
    return store_error(e);
  };
  base::Hasher hasher(base::HashAlgorithm::Sha256);
  std::vector<char> buf(kChunk);
  Content c;
  for (;;) {
    auto n = (*in)->read(buf.data(), buf.size());
    if (!n) return fail(n.error());
    if (*n == 0) break;
    std::string_view chunk(buf.data(), *n);
    hasher.update(chunk);
    c.size += static_cast<std::int64_t>(*n);
    if (Status st = (*out)->append(chunk); !st) return fail(st.error());
  }
  c.sha256 = base::to_hex(hasher.finish());
  if (Status st = (*out)->sync(); !st) return fail(st.error());
  if (Status st = (*out)->close(); !st) return fail(st.error());
  std::string final_path = join(dir, name.empty() ? c.sha256 : name);
  if (name.empty()) {
    auto there = env.stat(final_path);
    if (there && there->kind == FileKind::Regular &&
        there->size == static_cast<std::uint64_t>(c.size)) {
      (void)env.remove(temp);
      return c;
    }
  }
  if (Status st = env.rename(temp, final_path); !st) {
    (void)env.remove(temp);
    return store_error(st.error());
  }
  if (Status st = env.sync_dir(dir); !st) return store_error(st.error());
  return c;
}

Result<Content> store_bytes(Env& env, std::string_view bytes, const std::string& dir) {
  Content c{base::sha256_hex(bytes), static_cast<std::int64_t>(bytes.size())};
  std::string final_path = join(dir, c.sha256);
  auto there = env.stat(final_path);
  if (there && there->kind == FileKind::Regular && there->size == bytes.size()) return c;
  if (Status st = env.write_file_durably(final_path, bytes); !st) return store_error(st.error());
  return c;
}

}  // namespace khaosat::core::store
