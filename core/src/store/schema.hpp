// The store's schema and its forward migrations (docs/storage.md, "Schema" and "Migrations").
//
// Migration k takes a database from user_version k to k+1; an upgrade runs every step it needs in
// one transaction that also sets user_version, so a crash mid-migration leaves the old version
// whole. A new database runs every migration from 0, so a file "made by version k" is what
// migrate(db, k) produces on an empty file; the files the released versions made are kept in
// tests/fixtures/store/ and upgraded by the tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "khaosat/core/result.hpp"
#include "khaosat/core/store_ids.hpp"
#include "store/sqlite.hpp"

namespace khaosat::core::store {

// PRAGMA application_id of a khaosat device database: "KHSD".
inline constexpr std::int32_t kApplicationId = 0x4b485344;
inline constexpr int kLatestVersion = 5;

// Takes the write lock (BEGIN IMMEDIATE, waiting up to the busy timeout), reads the version and
// application id again inside that transaction (another process may have created or upgraded
// the file since it was inspected) and migrates from what it finds to `to` (<= kLatestVersion),
// every step in that one transaction: all of them or none. Refuses a foreign or newer database,
// or a version whose schema is incomplete, without writing. `env` supplies the clock for rows a
// migration writes.
Status migrate(Db& db, int to, const StoreEnv& env);

// What open() checks before writing anything, read in one read transaction: the file is an
// SQLite database (quick_check ok), it is khaosat's (application_id, or a blank file), its
// version is not newer than ours. Fails for a file open() must refuse whatever the mode;
// otherwise returns the version and how its schema differs from what that version defines
// (schema_problems; open() refuses to write to such a file, check() reports them).
struct Inspection {
  int version = 0;
  std::vector<std::string> schema_problems;
};
Result<Inspection> inspect(Db& db);

// Every table, index, trigger and view that schema `version` defines, compared (by its SQL) with
// the database's: "table 'audit' is missing", "index 'x' is not as schema version 2 defines it".
// Objects the database has beyond those are not reported. Reads only.
Result<std::vector<std::string>> schema_differences(Db& db, int version);

}  // namespace khaosat::core::store
