// Edits that wait for their predecessor (issue 10 §2; docs/sync-protocol.md, "Edits wait for
// their predecessor"; docs/server-storage.md, schema 4): what both storage backends share. An
// edit (a submission with a deprecated_id) whose predecessor the server does not hold is
// acknowledged but kept in `waiting_submissions`, where no export, office view or registry
// ingest sees it; the push that brings its predecessor releases it, in the same transaction.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "khaosat/sync/server_storage.hpp"

namespace khaosat::sync {

// The `waiting_submissions` table (schema 4), the same SQL for both backends.
std::string waiting_table_sql();

// A held edit's columns besides its keys: the record as pushed (a one-record push batch, JSON,
// attachments and entity reference included), the registry edit the server derived from it
// (the same form, or "" when none) and the pushing device's scope (a JSON array of communes,
// or "" for everywhere).
struct HeldEdit {
  std::string record, entity, scope;
};
HeldEdit held_edit(const std::string& device_id, const CheckedRecord& c);

// The verdict of a held edit: accepted (the device does not send it again), saying it waits.
RecordResult held_verdict(const PushRecord& rec);
// The verdict of an edit pushed again under the id of a held one: a duplicate when the hash is
// the held one's, else rejected (the held version stays; another one is refused until it is
// released and can be compared as any stored submission is).
RecordResult verdict_against_held(const PushRecord& rec, const std::string& sha256, const std::string& held_sha256);

// A held edit read back, owning what its checked() points into (do not move it after).
struct ReleasedEdit {
  PushRecord record;
  std::optional<PushRecord> entity;
  Scope scope;
  std::string sha256;
  CheckedRecord checked() const;
};
// Reads a held edit back for its release at `now`. The derived entity edit of an edit whose
// device named no stamp of its own was stamped by the server when the edit arrived, before its
// predecessor's: it is stamped again at `now` (counter `order` + 1, after the predecessor's
// derivation at counter 0), so the registry takes the edit after the version it replaces.
// sync.storage naming `where` when the stored JSON is unreadable.
Result<ReleasedEdit> released_edit(const std::string& sha256, const HeldEdit& held, const std::string& where,
                                   std::int64_t now, std::uint32_t order);

}  // namespace khaosat::sync
