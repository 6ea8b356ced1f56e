// SqliteStorage: attachments by sha256, uploaded in resumable chunks to a partial file and made
// visible (renamed to attachments/<sha256>) only after the whole file hashed to its name
// (docs/sync-protocol.md, "Attachments"; docs/server-storage.md, "Files").
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "hex.hpp"
#include "sqlite_storage.hpp"

namespace khaosat::sync {

using sql::Txn;

namespace {

Error os_error(const std::string& path, const char* what) {
  return Error::make(errno == ENOSPC ? ErrorCode::io_full : ErrorCode::io,
                     path + ": cannot " + what + ": " + std::strerror(errno));
}

// Writes all of `bytes` at `offset` of an open descriptor.
bool write_all(int fd, std::string_view bytes, off_t offset) {
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
    offset += n;
  }
  return true;
}

Status sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return os_error(dir, "open the folder");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return os_error(dir, "sync the folder");
  return core::ok_status();
}

}  // namespace

Result<std::string> sha256_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return os_error(path, "open the file");
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = os_error(path, "read the file");
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return to_hex(md, len);
}

Result<std::optional<AttachmentNeed>> SqliteStorage::attachment_state_locked(const std::string& sha256) {
  auto s = db_.cached("SELECT size, received, complete FROM attachments WHERE sha256 = ?", "cannot read the attachments");
  if (!s) return s.error();
  (*s)->bind(sha256);
  if ((*s)->step() != SQLITE_ROW) return std::optional<AttachmentNeed>();
  return std::optional<AttachmentNeed>(AttachmentNeed{sha256, (*s)->integer(0), (*s)->integer(1), (*s)->integer(2) != 0});
}

Result<std::optional<AttachmentNeed>> SqliteStorage::attachment_state(const std::string& sha256) {
  Call call(*this);
  return attachment_state_locked(sha256);
}

Result<std::optional<std::string>> SqliteStorage::attachment_path(const std::string& sha256) {
  auto st = attachment_state(sha256);
  if (!st) return st.error();
  if (!*st || !(*st)->complete) return std::optional<std::string>();
  return std::optional<std::string>(final_path(sha256));
}

Result<std::vector<AttachmentNeed>> SqliteStorage::attachments_needed(const std::string& device_id) {
  Call call(*this);
  auto s = db_.cached("SELECT DISTINCT a.sha256, a.size, a.received FROM attachments a "
                      "JOIN submission_attachments sa ON sa.sha256 = a.sha256 "
                      "JOIN submissions s ON s.instance_id = sa.instance_id "
                      "WHERE a.complete = 0 AND s.device_id = ? ORDER BY a.sha256", "cannot read the attachments");
  if (!s) return s.error();
  (*s)->bind(device_id);
  std::vector<AttachmentNeed> out;
  while ((*s)->step() == SQLITE_ROW) out.push_back({(*s)->text(0), (*s)->integer(1), (*s)->integer(2), false});
  return out;
}

Result<AttachmentNeed> SqliteStorage::append_attachment(const std::string& sha256, std::int64_t offset,
                                                        std::string_view bytes) {
  Call call(*this);
  auto state = attachment_state_locked(sha256);
  if (!state) return state.error();
  if (!*state) return Error::make(ErrorCode::sync_not_found, "no submission refers to attachment " + sha256);
  AttachmentNeed n = **state;
  if (n.complete) return n;  // a late retry of the last chunk: the file is whole already
  if (offset != n.received)
    return Error::make(ErrorCode::sync_offset, "attachment " + sha256 + ": the chunk starts at " + std::to_string(offset) +
                                                   "; the server holds " + std::to_string(n.received) + " bytes");
  if (offset + static_cast<std::int64_t>(bytes.size()) > n.size)
    return Error::make(ErrorCode::sync_too_large, "attachment " + sha256 + ": the chunk ends past its size of " +
                                                      std::to_string(n.size) + " bytes");
  std::string part = partial_path(sha256);
  int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return os_error(part, "open the partial attachment");
  // Bytes past `received` are from a write whose answer never committed: drop them.
  bool ok = ::ftruncate(fd, offset) == 0 && write_all(fd, bytes, offset) && ::fsync(fd) == 0;
  Error err = ok ? Error{} : os_error(part, "write the partial attachment");
  ::close(fd);
  if (!ok) return err;
  n.received = offset + static_cast<std::int64_t>(bytes.size());
  bool mismatch = false;
  if (n.received == n.size) {
    auto h = sha256_file(part);
    if (!h) return h.error();
    if (*h != sha256) {
      ::unlink(part.c_str());
      n.received = 0;
      mismatch = true;
    } else {
      if (::rename(part.c_str(), final_path(sha256).c_str()) != 0) return os_error(part, "rename the attachment");
      if (Status st = sync_dir(dir_ + "/attachments"); !st) return st.error();
      n.complete = true;
    }
  }
  const char* what = "cannot record the attachment's progress";
  auto up = db_.cached("UPDATE attachments SET received = ?, complete = ? WHERE sha256 = ?", what);
  if (!up) return up.error();
  (*up)->bind(n.received, n.complete ? 1 : 0, sha256);
  if (Status st = db_.run(**up, what); !st) return st.error();
  if (mismatch)
    return Error::make(ErrorCode::sync_hash, "attachment " + sha256 + ": the bytes received do not hash to its name; "
                                                 "nothing was kept: upload it again from offset 0");
  return n;
}

}  // namespace khaosat::sync
