// StoreImpl: the state behind khaosat::core::Store and the helpers its aspects share. The Store's
// calls are implemented one aspect per file: store.cpp (open, sync state, outbox, audit,
// check), forms.cpp, drafts.cpp, submissions.cpp, attachments.cpp, registry.cpp.
#pragma once

#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>

#include "khaosat/core/form_info.hpp"
#include "khaosat/core/store.hpp"
#include "store/files.hpp"
#include "store/sqlite.hpp"

namespace khaosat::core {

class StoreImpl {
 public:
  store::Db db;
  std::string path, media_dir;
  StoreOptions options;
  Uuid7Generator uuid{options.env};
  std::optional<HlcClock> hlc;  // created at open, from the device id and the persisted last HLC
  std::string device_id;
  enum class Sync { Unset, Normal, Full };
  Sync sync = Sync::Unset;
  std::map<std::string, Form> forms;  // loaded forms by "<sha256 of the definition>"

  // The installed form's id and version for a session's form; an Error naming them when the
  // form is not installed in this store.
  struct FormKey {
    std::string form_id, version;
  };
  Result<FormKey> installed_key(const Form& form);
  std::set<std::pair<std::string, std::string>> installed;  // (form_id, version) seen installed

  std::int64_t now() const { return options.env.now_ms(); }
  Env& os() const { return *options.env.os; }  // set by Store::open (never null after it)

  // PRAGMA synchronous for the next transaction: FULL for what must survive power loss,
  // NORMAL for autosaves (docs/storage.md, "Durability").
  Status set_sync(Sync mode);

  // Within an open transaction: the audit row and the outbox entry of a change.
  Status audit(std::string_view action, std::string_view subject, std::string_view detail = "");
  Result<std::int64_t> append_outbox(std::string_view kind, std::string_view subject,
                                     std::string_view payload);
  Result<std::optional<std::string>> get_state(std::string_view key);
  Status put_state(std::string_view key, std::string_view value);

  // A cached statement, or the Error naming `what`.
  Result<store::Stmt*> stmt(const char* sql, std::string_view what) {
    return db.prepare_cached(sql, what);
  }
  Error not_found(std::string_view what, std::string_view id) const {
    return Error::make(ErrorCode::store_not_found, path + ": no " + std::string(what) + " '" +
                                              std::string(id) + "'");
  }

  // Attachments (attachments.cpp): writes the content file durably when it is not there yet
  // (streamed through a temp name, fsync, rename, fsync the folder). No database change.
  Result<AttachmentRecord> write_content(const AttachmentInput& file);
  // Within a transaction: the attachments row for written content (no-op when present).
  Status record_content(const AttachmentRecord& a);
  std::string content_path(std::string_view sha256) const { return media_dir + "/" + std::string(sha256); }

  // Registries (registry.cpp), within an open transaction: merges a pulled record per property
  // by HLC (the greater wins; the clock observes it), creating it when absent. No outbox entry.
  Status merge_pulled(const PulledRecord& pulled);
  // Within the finalize transaction (docs/storage.md, "Registries from submissions"): creates
  // or updates the record the submission `instance_id`'s entity names, every property it sets
  // stamped with one HLC, and appends the registry outbox entry (with "source") before the
  // submission's. nullopt when the entity list is not a registry this store keeps.
  struct EntityApplied {
    Registry registry = Registry::Establishment;
    std::string record_id, hlc;
  };
  Result<std::optional<EntityApplied>> apply_entity(const EntityWrite& w, const std::string& instance_id);

  // Submissions (submissions.cpp): attachment links of a draft or a submission.
  Result<std::vector<std::pair<std::string, std::string>>> links(const char* sql,
                                                                 const std::string& id);
};

// sha256 of `bytes` as 64 lower-case hex digits (the ODK digest() implementation).
std::string sha256_hex(std::string_view bytes);

}  // namespace khaosat::core
