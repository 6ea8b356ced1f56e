// SqliteStorage: attachments by sha256, uploaded in resumable chunks to a partial file and made
// visible (renamed to attachments/<sha256>) only after the whole file hashed to its name
// (docs/sync-protocol.md, "Attachments"; docs/server-storage.md, "Files").
#include "sqlite_storage.hpp"
#include "storage_common.hpp"

namespace khaosat::sync {

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
                      "WHERE a.complete = 0 AND s.device_id = ? "
                      "UNION SELECT a.sha256, a.size, a.received FROM waiting_submissions w, "
                      "json_each(w.record, '$.records[0].attachments') j "
                      "JOIN attachments a ON a.sha256 = json_extract(j.value, '$.sha256') "
                      "WHERE a.complete = 0 AND w.device_id = ? ORDER BY 1", "cannot read the attachments");
  if (!s) return s.error();
  (*s)->bind(device_id, device_id);
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
  auto chunk = write_chunk(dir_, **state, offset, bytes);
  if (!chunk) return chunk.error();
  const AttachmentNeed& n = chunk->state;
  if (n.complete && (*state)->complete) return n;
  const char* what = "cannot record the attachment's progress";
  auto up = db_.cached("UPDATE attachments SET received = ?, complete = ? WHERE sha256 = ?", what);
  if (!up) return up.error();
  (*up)->bind(n.received, n.complete ? 1 : 0, sha256);
  if (Status st = db_.run(**up, what); !st) return st.error();
  if (chunk->hash_mismatch) return hash_error(sha256);
  return n;
}

}  // namespace khaosat::sync
