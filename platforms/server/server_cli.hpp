// The commands of `khaosat-server` (main.cpp dispatches; server_commands.cpp has all but serve).
// Each takes the parsed options and returns the exit status: 0 ok, 1 failure, 2 usage error.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "khaosat/core/parse_number.hpp"
#include "khaosat/sync/server_storage.hpp"

namespace khaosat::server_cli {

struct Args {
  std::string tls_cert, tls_key;  // serve over HTTPS
  std::string rate_burst, rate_per_minute;  // serve: the per-token rate limit
  std::string communes_file;      // enroll: the commune table --commune is checked against
  std::string data, database, listen, media, forms, role, name, form, registry, format = "json", revoke, out;
  std::vector<std::string> communes, positional;
  // The office commands (office_commands.cpp): review, plan-override, plan, demo-data.
  std::string state, comment, by, year, rules, reason, seed, count;
  std::string as_of;  // report: the date the report is "as of" (YYYY-MM-DD; default: today, UTC)
  std::vector<std::string> budget;
  bool pin = false, exclude = false, format_given = false;
  // The queue's actions (queue_actions.cpp): resolve --keep WHICH | --value TEXT; queue --all.
  std::string keep, value;
  bool value_given = false, all = false;
  bool json = false, help = false;
  std::vector<std::string> given;  // the options given, as typed (--data, -o, ...), for main's check
  std::string error;
};

int init(const Args& a);
int publish(const Args& a);
int enroll(const Args& a);
int devices(const Args& a);
int export_data(const Args& a);
int check(const Args& a);
int review(const Args& a);
int plan_override(const Args& a);
int plan(const Args& a);
int demo_data(const Args& a);
int queue(const Args& a);
int report(const Args& a);
// queue merge|distinct|resolve (queue_actions.cpp); queue() hands them over.
int queue_action(const Args& a);

// demo-data's registries with possible duplicates, two registry conflicts and one submission
// conflict (`resent`, pushed again by another device with other content): demo_queue.cpp.
core::Status demo_queue(sync::ServerStorage& storage, const std::vector<std::string>& devices,
                        const std::vector<std::string>& communes, std::uint64_t seed, std::int64_t now,
                        const sync::StoredSubmission& resent);

// Helpers shared by the commands.
int usage(const std::string& text, int status);
// What every command that opens the storage says of --database (appended to its help).
inline constexpr const char* kDatabaseHelp =
    "\n--database URL keeps the data in PostgreSQL (postgresql://USER[:PASSWORD]@HOST:PORT/DB, an\n"
    "empty database is set up at first use) instead of SQLite in DIR; attachment files stay in\n"
    "DIR/attachments. Several 'serve' processes may share one database. Without it: SQLite.\n";
int fail(const std::string& command, const std::string& message, int status = 1);
// The storage of --data (created when missing) or --database, or nullopt after printing why.
std::optional<std::unique_ptr<sync::ServerStorage>> open_storage(const Args& a, const std::string& command);

}  // namespace khaosat::server_cli
