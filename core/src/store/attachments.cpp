// Store: attachment content (one file per sha256 in the media folder) and orphan cleanup.
#include "khaosat/core/store.hpp"
#include "store/files.hpp"
#include "store/store_impl.hpp"

namespace khaosat::core {

using store::Reset;
using store::Txn;

Result<AttachmentRecord> StoreImpl::write_content(const AttachmentInput& file) {
  // Streamed: a 200 MB video is copied and hashed 1 MiB at a time (store/files.hpp).
  auto content = file.path.empty() ? store::store_bytes(os(), file.bytes, media_dir)
                                   : store::copy_into(os(), file.path, media_dir);
  if (!content) {
    if (!file.path.empty() && is_file_error(content.error().code))
      return Error::make(ErrorCode::store_attachment, path + ": cannot store attachment '" + file.name +
                                                 "': " + content.error().message);
    return content.error();
  }
  return AttachmentRecord{content->sha256, content->size, content_path(content->sha256)};
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
  auto names = s.os().list_dir(s.media_dir);
  if (!names) return store::store_error(names.error());
  std::vector<std::string> doomed;
  for (const std::string& name : *names) {
    std::string p = s.media_dir + "/" + name;
    auto info = s.os().stat(p);
    if (!info) return store::store_error(info.error());
    if (info->kind != FileKind::Regular) continue;  // forms/ holds form media
    if (name.starts_with(store::kTempPrefix)) {
      doomed.push_back(p);
      ++rep.temp_files;
      rep.bytes += static_cast<std::int64_t>(info->size);
      continue;
    }
    Reset r(*known);
    (*known)->bind(1, name);
    int rc = (*known)->step();
    if (rc == SQLITE_ROW) continue;
    if (rc != SQLITE_DONE) return s.db.error(what, rc);
    doomed.push_back(p);
    ++rep.orphan_files;
    rep.bytes += static_cast<std::int64_t>(info->size);
  }
  for (const auto& p : doomed)
    if (Status st = s.os().remove(p); !st) return store::store_error(st.error());
  if (!doomed.empty())
    if (Status st = s.os().sync_dir(s.media_dir); !st) return store::store_error(st.error());
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
