// PgStorage: attachments. Their bytes are files in the data folder (storage_common.hpp,
// write_chunk), their state a row in `attachments`, locked (FOR UPDATE) while a chunk is written
// so two servers given chunks of one file take turns (docs/server-storage.md "PostgreSQL").
#include "pg_storage.hpp"

namespace khaosat::sync {

using pg::Txn;

Result<std::optional<AttachmentNeed>> PgStorage::attachment_state_locked(const std::string& sha256, bool for_update) {
  auto r = db_.exec(for_update ? "SELECT size, received, complete FROM attachments WHERE sha256 = $1 FOR UPDATE"
                               : "SELECT size, received, complete FROM attachments WHERE sha256 = $1",
                    "cannot read the attachments", {sha256});
  if (!r) return r.error();
  if (r->empty()) return std::optional<AttachmentNeed>();
  return std::optional<AttachmentNeed>(AttachmentNeed{sha256, r->integer(0, 0), r->integer(0, 1), r->integer(0, 2) != 0});
}

Result<std::optional<AttachmentNeed>> PgStorage::attachment_state(const std::string& sha256) {
  std::lock_guard lock(mutex_);
  return attachment_state_locked(sha256, false);
}

Result<std::optional<std::string>> PgStorage::attachment_path(const std::string& sha256) {
  auto st = attachment_state(sha256);
  if (!st) return st.error();
  if (!*st || !(*st)->complete) return std::optional<std::string>();
  return std::optional<std::string>(attachment_file(dir_, sha256));
}

Result<std::vector<AttachmentNeed>> PgStorage::attachments_needed(const std::string& device_id) {
  std::lock_guard lock(mutex_);
  auto r = db_.exec("SELECT DISTINCT a.sha256, a.size, a.received FROM attachments a "
                    "JOIN submission_attachments sa ON sa.sha256 = a.sha256 "
                    "JOIN submissions s ON s.instance_id = sa.instance_id "
                    "WHERE a.complete = 0 AND s.device_id = $1 "
                    "UNION SELECT a.sha256, a.size, a.received FROM waiting_submissions w "
                    "CROSS JOIN LATERAL jsonb_array_elements(COALESCE(w.record::jsonb -> 'records' -> 0 -> "
                    "'attachments', '[]'::jsonb)) j JOIN attachments a ON a.sha256 = j ->> 'sha256' "
                    "WHERE a.complete = 0 AND w.device_id = $1 ORDER BY 1", "cannot read the attachments", {device_id});
  if (!r) return r.error();
  std::vector<AttachmentNeed> out;
  for (int i = 0; i < r->size(); ++i) out.push_back({r->text(i, 0), r->integer(i, 1), r->integer(i, 2), false});
  return out;
}

Result<AttachmentNeed> PgStorage::append_attachment(const std::string& sha256, std::int64_t offset, std::string_view bytes) {
  std::lock_guard lock(mutex_);
  const char* what = "cannot record the attachment's progress";
  Txn txn(db_);
  if (Status st = txn.begin(what); !st) return st.error();
  auto state = attachment_state_locked(sha256, true);
  if (!state) return state.error();
  if (!*state) return Error::make(ErrorCode::sync_not_found, "no submission refers to attachment " + sha256);
  auto chunk = write_chunk(dir_, **state, offset, bytes);
  if (!chunk) return chunk.error();
  const AttachmentNeed& n = chunk->state;
  if (n.complete && (*state)->complete) return n;
  if (Status st = db_.run("UPDATE attachments SET received = $1, complete = $2 WHERE sha256 = $3", what,
                          {n.received, n.complete ? 1 : 0, sha256});
      !st)
    return st.error();
  if (Status st = txn.commit(what); !st) return st.error();
  if (chunk->hash_mismatch) return hash_error(sha256);
  return n;
}

}  // namespace khaosat::sync
