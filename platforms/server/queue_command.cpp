// khaosat-server queue (server_cli.hpp; docs/office.md "The queue"): what waits for the
// office's decision: possible duplicate registry records and the registry conflicts sync met.
#include <iostream>

#include <nlohmann/json.hpp>

#include "khaosat/office/duplicates.hpp"
#include "server_cli.hpp"

namespace khaosat::server_cli {

int queue(const Args& a) {
  std::string help =
      std::string("usage: khaosat-server queue --data DIR [--database URL] [--json]\n\n"
                  "The office's queue: possible duplicate registry records (the same diacritic-folded\n"
                  "name in the same commune, the same tax code, or the same phone, within one registry)\n"
                  "and the registry conflicts sync met (two edits of one property made without seeing\n"
                  "each other: the value kept and the other, with their versions and the device).\n"
                  "Prints a readable list, or with --json one object {\"duplicates\": [...],\n"
                  "\"conflicts\": [...]}. Exit 0, also when the queue is empty.\n") +
      kDatabaseHelp;
  if (a.help) return usage(help, 0);
  if (!a.positional.empty()) return usage(help, 2);
  auto storage = open_storage(a, "queue");
  if (!storage) return 1;
  std::vector<core::PulledRecord> records;
  for (core::Registry r : {core::Registry::Establishment, core::Registry::Cooperative, core::Registry::CraftVillage}) {
    auto got = (*storage)->registry(r);
    if (!got) return fail("queue", got.error().message);
    for (auto& s : *got) records.push_back(std::move(s.record));
  }
  auto groups = office::possible_duplicates(records);
  auto conflicts = (*storage)->registry_conflicts();
  if (!conflicts) return fail("queue", conflicts.error().message);
  if (a.json) {
    nlohmann::json out = {{"duplicates", nlohmann::json::array()}, {"conflicts", nlohmann::json::array()}};
    for (const auto& g : groups)
      out["duplicates"].push_back({{"registry", g.registry}, {"reason", g.reason}, {"key", g.key}, {"records", g.record_ids}});
    for (const auto& c : *conflicts)
      out["conflicts"].push_back({{"record_id", c.record_id}, {"registry", c.registry}, {"property", c.property},
                                  {"kept", {{"value", c.kept.value}, {"hlc", c.kept.hlc}}},
                                  {"other", {{"value", c.other.value}, {"hlc", c.other.hlc}}},
                                  {"device_id", c.device_id}, {"at", c.at}});
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  std::cout << "possible duplicates: " << groups.size() << "\n";
  for (const auto& g : groups) {
    std::cout << "  " << g.registry << " " << g.reason << " '" << g.key << "':";
    for (const auto& id : g.record_ids) std::cout << " " << id;
    std::cout << "\n";
  }
  std::cout << "registry conflicts: " << conflicts->size() << "\n";
  for (const auto& c : *conflicts)
    std::cout << "  " << c.registry << " " << c.record_id << " " << c.property << ": kept '" << c.kept.value
              << "', other '" << c.other.value << "' (device " << c.device_id << ")\n";
  return 0;
}

}  // namespace khaosat::server_cli
