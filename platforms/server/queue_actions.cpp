// khaosat-server queue merge|distinct|resolve (server_cli.hpp; docs/office.md "The queue"):
// the office's decisions on the queue, each recorded append-only with who, when and why
// (ServerStorage::record_decision checks and applies them).
#include <algorithm>
#include <chrono>
#include <iostream>

#include "khaosat/core/parse_number.hpp"
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
  d.records = {a.positional[1], a.positional[2]};
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
  for (const auto& id : ids)
    if (std::none_of(records->begin(), records->end(), [&](const auto& r) { return r.record_id == id; }))
      return fail(command, "no registry record '" + id + "' (sync.not_found)");
  std::vector<office::DuplicateGroup> matched;
  for (auto& g : office::possible_duplicates(*records))
    if (std::all_of(ids.begin(), ids.end(), [&](const std::string& id) {
          return std::find(g.record_ids.begin(), g.record_ids.end(), id) != g.record_ids.end();
        }))
      matched.push_back(std::move(g));
  if (matched.empty()) {
    std::string list;
    for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
    return fail(command, "records " + list + " are not a possible duplicate: they share no folded name+commune, "
                         "tax code or phone (merged records take no part)");
  }
  for (const auto& g : matched) {
    auto d = decision(a, "distinct");
    d.records = ids;
    d.choice = g.reason;
    d.value = g.key;
    if (int st = record(**storage, command, d); st != 0) return st;
  }
  return 0;
}

int resolve(const Args& a) {
  const char* command = "queue resolve";
  if (a.help) return usage(kResolveHelp, 0);
  if (a.positional.size() != 2) return usage(kResolveHelp, 2);
  if (a.by.empty()) return fail(command, "--by NAME is required (who decides is recorded)", 2);
  if (a.keep.empty() == !a.value_given) return fail(command, "give --keep WHICH or --value TEXT (one of them)", 2);
  const std::string& id = a.positional[1];
  auto n = id.size() > 1 ? core::parse_int64(id.substr(1)) : std::nullopt;
  if (!n || *n <= 0 || (id[0] != 'r' && id[0] != 's'))
    return fail(command, "'" + id + "' is not a conflict id: r<N> (registry) or s<N> (submission), as 'queue' prints them", 2);
  bool registry = id[0] == 'r';
  auto d = decision(a, registry ? "registry_conflict" : "submission_conflict");
  d.conflict_id = *n;
  if (registry) {
    if (a.value_given) {
      d.choice = "value";
      d.value = a.value;
    } else if (a.keep == "kept" || a.keep == "other") {
      d.choice = a.keep;
    } else {
      return fail(command, "a registry conflict takes --keep kept or --keep other (or --value TEXT), not '" + a.keep + "'", 2);
    }
  } else {
    if (a.value_given) return fail(command, "a submission conflict takes --keep stored or --keep other, not --value", 2);
    if (a.keep != "stored" && a.keep != "other")
      return fail(command, "a submission conflict takes --keep stored or --keep other, not '" + a.keep + "'", 2);
    d.choice = a.keep;
  }
  auto storage = open_storage(a, command);
  if (!storage) return 1;
  return record(**storage, command, d);
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
