// The office's queue decisions (ServerStorage::record_decision, submissions_about), written once
// for both storages: the checks and what each decision changes, over the few reads and writes a
// backend supplies (QueueTables: SqliteStorage and PgStorage implement it inside the call's
// transaction). docs/server-storage.md "Schema 3", docs/office.md "The queue".
//
// Not thread-safe by itself: the backend calls it holding its own lock, inside one transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "khaosat/sync/server_storage.hpp"

namespace khaosat::sync {

// What the queue reads and writes, per backend, inside the caller's transaction.
class QueueTables {
 public:
  virtual ~QueueTables() = default;
  struct StoredConflictRow {  // a submission_conflicts row, or the submissions row it disputes
    std::string instance_id, sha256, device_id, xml;
    std::int64_t seq = 0, received_at = 0;
  };
  struct Mention {  // a submission whose XML holds a record id somewhere
    std::int64_t order = 0;  // the order received (SQLite rowid, PostgreSQL arrival)
    std::string instance_id, xml;
  };
  // A registry record with its merged_into, or nullopt.
  virtual Result<std::optional<core::PulledRecord>> record(const std::string& record_id) = 0;
  // The records marked merged into `record_id`.
  virtual Result<std::vector<std::string>> merged_into(const std::string& record_id) = 0;
  virtual Status set_merged(const std::string& record_id, const std::string& survivor, std::int64_t now) = 0;
  virtual Status write_properties(const core::PulledRecord& record, std::int64_t now) = 0;
  // Appends a registry change (the whole record, as push does) to the change log.
  virtual Status log_record(const core::PulledRecord& record, std::int64_t now) = 0;
  virtual Result<std::optional<RegistryConflict>> registry_conflict(std::int64_t id) = 0;
  virtual Result<std::optional<StoredConflictRow>> submission_conflict(std::int64_t id) = 0;
  virtual Result<StoredConflictRow> stored_submission(const std::string& instance_id) = 0;
  // Swaps the version in submissions with conflict row `id`'s (both stay readable).
  virtual Status swap_submission(std::int64_t id, const StoredConflictRow& stored, const StoredConflictRow& other) = 0;
  // The decision already recorded for a conflict of `kind`, or nullopt.
  virtual Result<std::optional<QueueDecision>> decision_for(const std::string& kind, std::int64_t conflict_id) = 0;
  // Appends the decision; returns its id.
  virtual Result<std::int64_t> insert_decision(const QueueDecision& d) = 0;
  // Submissions whose XML contains `text` (a prefilter: the caller checks the entity id).
  virtual Result<std::vector<Mention>> mentioning(const std::string& text) = 0;
};

// Checks `d` and applies it through `t`; returns it as recorded. `now`: the server's clock (ms),
// which stamps a resolved registry value's HLC.
Result<QueueDecision> apply_decision(QueueTables& t, QueueDecision d, std::int64_t now);
// ServerStorage::submissions_about over `t`.
Result<std::vector<std::string>> submissions_about(QueueTables& t, const std::string& record_id);

// The queue's tables of schema 3: `registry.merged_into` and the append-only `queue_decisions`;
// `key` as in office_tables_sql. Run in a new database after the office tables, and in a
// version-2 one when opened.
std::string queue_tables_sql(std::string_view key);
// A queue_decisions row's `records` column: a JSON array of record ids, and back.
std::string records_text(const std::vector<std::string>& ids);

// The entity id an instance names (meta/entity/@id), "" when none or the XML is unreadable.
std::string entity_id_of(std::string_view xml);
// An HLC after `current` (a property's version, "" when none) and at least `now`, node
// "server": the version of a value the office chose.
std::string server_hlc(const std::string& current, std::int64_t now);

}  // namespace khaosat::sync
