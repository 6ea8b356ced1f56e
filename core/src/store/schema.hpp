// The store's schema and its forward migrations (docs/storage.md, "Schema" and "Migrations").
//
// migrations()[k] takes a database from user_version k to k+1 inside one transaction that also
// sets user_version, so a crash mid-migration leaves the old version whole. A new database runs
// every migration from 0, so a file "made by version k" is exactly what migrate(db, 0, k)
// produces: that is how the tests build every earlier version and upgrade it.
#pragma once

#include <cstdint>

#include "khaosat/core/result.hpp"
#include "khaosat/core/store_ids.hpp"
#include "store/sqlite.hpp"

namespace khaosat::core::store {

// PRAGMA application_id of a khaosat device database: "KHSD".
inline constexpr std::int32_t kApplicationId = 0x4b485344;
inline constexpr int kLatestVersion = 2;

// Migrates from `from` to `to` (from < to <= kLatestVersion), one transaction per step.
// `env` supplies the clock for rows a migration writes (audit backfill).
Status migrate(Db& db, int from, int to, const StoreEnv& env);

// Reads and checks what open() must check before writing anything: the file is an SQLite
// database (quick_check ok), it is khaosat's (application_id, or a blank file), its version is
// not newer than ours. Returns user_version.
Result<int> inspect(Db& db);

}  // namespace khaosat::core::store
