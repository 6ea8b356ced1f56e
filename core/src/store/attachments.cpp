// Store: attachment content (one file per sha256 in the media folder) and orphan cleanup.
#include <filesystem>

#include "khaosat/core/store.hpp"
#include "store/files.hpp"
#include "store/store_impl.hpp"

namespace khaosat::core {

using store::Reset;
using store::Txn;
namespace fs = std::filesystem;

Result<AttachmentRecord> StoreImpl::write_content(const AttachmentInput& file) {
  std::string bytes;
  if (!file.path.empty()) {
    auto read = store::read_whole_file(file.path);
    if (!read) return read.error();
    bytes = std::move(read.value());
  } else {
    bytes = file.bytes;
  }
  AttachmentRecord a;
  a.sha256 = sha256_hex(bytes);
  a.size = static_cast<std::int64_t>(bytes.size());
  a.path = content_path(a.sha256);
  // Stored once: a file under its final name was fsynced before its rename, so it is whole.
  std::error_code ec;
  auto size = fs::file_size(a.path, ec);
  if (!ec && size == bytes.size()) return a;
  if (Status st = store::write_file_durably(media_dir, a.sha256, bytes); !st) return st.error();
  return a;
}

Status StoreImpl::record_content(const AttachmentRecord& a) {
  auto s = stmt("INSERT OR IGNORE INTO attachments (sha256, size, created_at) VALUES (?, ?, ?)",
                "cannot record an attachment");
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, a.sha256);
  (*s)->bind(2, a.size);
  (*s)->bind(3, now());
  int rc = (*s)->step();
  if (rc != SQLITE_DONE) return db.error("cannot record attachment " + a.sha256, rc);
  return ok_status();
}

Result<AttachmentRecord> Store::get_attachment(const std::string& sha256) {
  auto s = impl_->stmt("SELECT size FROM attachments WHERE sha256 = ?", "cannot read attachments");
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, sha256);
  int rc = (*s)->step();
  if (rc == SQLITE_DONE) return impl_->not_found("attachment", sha256);
  if (rc != SQLITE_ROW) return impl_->db.error("cannot read attachments", rc);
  return AttachmentRecord{sha256, (*s)->integer(0), impl_->content_path(sha256)};
}

Result<CleanupReport> Store::clean_orphans() {
  StoreImpl& s = *impl_;
  const char* what = "cannot clean up attachments";
  CleanupReport rep;
  // Rows first, in a transaction: after it, no row names a file that is about to go.
  if (Status st = s.set_sync(StoreImpl::Sync::Full); !st) return st.error();
  {
    Txn txn(s.db);
    if (Status st = txn.begin(what); !st) return st.error();
    if (Status st = s.db.exec(
            "DELETE FROM attachments WHERE sha256 NOT IN (SELECT sha256 FROM draft_attachments) "
            "AND sha256 NOT IN (SELECT sha256 FROM submission_attachments)",
            what);
        !st)
      return st.error();
    if (Status st = txn.commit(what); !st) return st.error();
  }
  auto known = s.stmt("SELECT 1 FROM attachments WHERE sha256 = ?", what);
  if (!known) return known.error();
  std::error_code ec;
  std::vector<fs::path> doomed;
  for (const auto& entry : fs::directory_iterator(s.media_dir, ec)) {
    if (!entry.is_regular_file()) continue;  // forms/ holds form media
    std::string name = entry.path().filename().string();
    if (name.starts_with(store::kTempPrefix)) {
      doomed.push_back(entry.path());
      ++rep.temp_files;
      continue;
    }
    Reset r(*known);
    (*known)->bind(1, name);
    int rc = (*known)->step();
    if (rc == SQLITE_ROW) continue;
    if (rc != SQLITE_DONE) return s.db.error(what, rc);
    doomed.push_back(entry.path());
    ++rep.orphan_files;
  }
  if (ec) return Error::make("store.io", s.media_dir + ": cannot list the media folder: " + ec.message());
  for (const auto& p : doomed) {
    std::error_code e2;
    rep.bytes += static_cast<std::int64_t>(fs::file_size(p, e2));
    fs::remove(p, e2);
    if (e2) return Error::make("store.io", p.string() + ": cannot delete: " + e2.message());
  }
  if (rep.orphan_files + rep.temp_files > 0) {
    Txn txn(s.db);
    if (Status st = txn.begin(what); !st) return st.error();
    if (Status st = s.audit("attachments.clean", "",
                            std::to_string(rep.orphan_files) + " orphan, " +
                                std::to_string(rep.temp_files) + " temporary");
        !st)
      return st.error();
    if (Status st = txn.commit(what); !st) return st.error();
  }
  return rep;
}

}  // namespace khaosat::core
