// khaosat-server queue merge|distinct|resolve (server_cli.hpp; docs/office.md "The queue"):
// the office's decisions on the queue, each recorded append-only with who, when and why
// (ServerStorage::record_decision checks and applies them). The decisions are read as the office
// endpoints read them (khaosat/sync/queue_actions.hpp).
#include <chrono>
#include <iostream>
#include <optional>

#include "khaosat/sync/queue_actions.hpp"
#include "queue_common.hpp"
#include "server_cli.hpp"

namespace khaosat::server_cli {

namespace {

constexpr const char* kMergeHelp =
    "usage: khaosat-server queue merge --data DIR KEEP_ID MERGED_ID --by NAME [--reason TEXT]\n\n"
    "Merges registry record MERGED_ID into KEEP_ID (one registry). Nothing is deleted: the merged\n"
    "record keeps its properties and history and is marked merged into KEEP_ID; its submissions\n"
    "count as KEEP_ID's. Devices learn it at their next sync (the merged record leaves their lists\n"
    "and search; opening it opens KEEP_ID). Refused: a record into itself, into a merged record, a\n"
    "merged record again, unknown ids, records of two registries.\n";
constexpr const char* kDistinctHelp =
    "usage: khaosat-server queue distinct --data DIR ID ID... --by NAME [--reason TEXT]\n\n"
    "Marks the records distinct: each possible-duplicate group that holds them all (a shared\n"
    "folded name+commune, tax code or phone) leaves the queue. The mark is for that match: if\n"
    "another record comes to share it, or one of them changes the field and comes to match again\n"
    "with another key, the group shows again. Refused when the records share no match.\n";
constexpr const char* kResolveHelp =
    "usage: khaosat-server queue resolve --data DIR CONFLICT_ID (--keep WHICH | --value TEXT)\n"
    "                                    --by NAME [--reason TEXT]\n\n"
    "Resolves a conflict of the queue (ids as 'queue' prints them):\n"
    "  r<N>, a registry conflict: --keep kept (the value the record holds), --keep other, or\n"
    "        --value TEXT (the office's own). The value becomes a new edit stamped by the server,\n"
    "        which every device gets at its next sync.\n"
    "  s<N>, a submission conflict: --keep stored or --keep other (the version pushed later);\n"
    "        the kept version is the submission exports and the plan read; both stay readable.\n"
    "A conflict is resolved once.\n";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int record(sync::ServerStorage& storage, const char* command, const sync::QueueDecision& d) {
  auto done = storage.record_decision(d);
  if (!done) return fail(command, done.error().message + " (" + std::string(done.error().code_name()) + ")");
  std::cout << "khaosat-server " << command << ": decision " << done->id << ": " << done->kind;
  for (const auto& r : done->records) std::cout << " " << r;
  if (!done->choice.empty()) std::cout << " " << done->choice;
  if (!done->value.empty()) std::cout << " '" << done->value << "'";
  std::cout << "\n";
  return 0;
}

sync::QueueDecision decision(const Args& a, const char* kind) {
  sync::QueueDecision d;
  d.kind = kind;
  d.by = a.by;
  d.reason = a.reason;
  d.at = now_ms();
  return d;
}

int merge(const Args& a) {
  if (a.help) return usage(kMergeHelp, 0);
  if (a.positional.size() != 3) return usage(kMergeHelp, 2);
  if (a.by.empty()) return fail("queue merge", "--by NAME is required (who decides is recorded)", 2);
  auto d = decision(a, "merge");
  d.records = sync::merge_decision(a.positional[1], a.positional[2]).records;
  auto storage = open_storage(a, "queue merge");
  if (!storage) return 1;
  return record(**storage, "queue merge", d);
}

int distinct(const Args& a) {
  const char* command = "queue distinct";
  if (a.help) return usage(kDistinctHelp, 0);
  if (a.positional.size() < 3) return usage(kDistinctHelp, 2);
  if (a.by.empty()) return fail(command, "--by NAME is required (who decides is recorded)", 2);
  std::vector<std::string> ids(a.positional.begin() + 1, a.positional.end());
  auto storage = open_storage(a, command);
  if (!storage) return 1;
  auto records = all_records(**storage);
  if (!records) return fail(command, records.error().message);
  auto trail = (*storage)->queue_decisions();
  if (!trail) return fail(command, trail.error().message);
  auto decisions = sync::distinct_decisions(*records, ids, *trail);
  if (!decisions) return fail(command, decisions.error().message + " (" + std::string(decisions.error().code_name()) + ")");
  for (auto& d : *decisions) {
    sync::QueueDecision full = decision(a, "distinct");
    full.records = std::move(d.records);
    full.choice = std::move(d.choice);
    full.value = std::move(d.value);
    if (int st = record(**storage, command, full); st != 0) return st;
  }
  return 0;
}

int resolve(const Args& a) {
  const char* command = "queue resolve";
  if (a.help) return usage(kResolveHelp, 0);
  if (a.positional.size() != 2) return usage(kResolveHelp, 2);
  if (a.by.empty()) return fail(command, "--by NAME is required (who decides is recorded)", 2);
  if (a.keep.empty() == !a.value_given) return fail(command, "give --keep WHICH or --value TEXT (one of them)", 2);
  auto d = sync::resolve_decision(a.positional[1], a.keep, a.value_given ? std::optional(a.value) : std::nullopt);
  if (!d) return fail(command, d.error().message, 2);
  sync::QueueDecision full = decision(a, d->kind.c_str());
  full.conflict_id = d->conflict_id;
  full.choice = d->choice;
  full.value = d->value;
  auto storage = open_storage(a, command);
  if (!storage) return 1;
  return record(**storage, command, full);
}

}  // namespace

int queue_action(const Args& a) {
  const std::string& what = a.positional[0];
  if (what == "merge") return merge(a);
  if (what == "distinct") return distinct(a);
  if (what == "resolve") return resolve(a);
  return fail("queue", "unknown action '" + what + "': list, merge, distinct or resolve (see --help)", 2);
}

}  // namespace khaosat::server_cli
