#include "store/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace khaosat::core::store {

namespace {

Error os_error(const std::string& path, std::string_view what, int err) {
  std::string code = (err == ENOSPC || err == EFBIG || err == EDQUOT) ? "store.full" : "store.io";
  if (err == EACCES || err == EROFS || err == EPERM) code = "store.readonly";
  return Error::make(code, path + ": " + std::string(what) + ": " + std::strerror(err));
}

}  // namespace

Result<std::string> read_whole_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return os_error(path, "cannot read the file", errno);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return os_error(path, "cannot read the file", err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

Status fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return os_error(dir, "cannot open the folder to sync it", errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return os_error(dir, "cannot sync the folder", err);
  return ok_status();
}

Status write_file_durably(const std::string& dir, const std::string& name, std::string_view bytes) {
  static std::atomic<unsigned> counter{0};
  std::string temp = dir + "/" + std::string(kTempPrefix) + std::to_string(::getpid()) + "-" +
                     std::to_string(counter++) + "-" + name.substr(0, 16);
  std::string final_path = dir + "/" + name;
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return os_error(temp, "cannot create the file", errno);
  auto fail = [&](std::string_view what, int err) {
    ::close(fd);
    ::unlink(temp.c_str());
    return os_error(final_path, what, err);
  };
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write the file", errno);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot sync the file", errno);
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return os_error(final_path, "cannot close the file", err);
  }
  if (::rename(temp.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return os_error(final_path, "cannot rename the file into place", err);
  }
  return fsync_dir(dir);
}

}  // namespace khaosat::core::store
