// khaosat-server queue (server_cli.hpp; docs/office.md "The queue"): what waits for the
// office's decision: possible duplicate registry records, the registry conflicts sync met, and
// submissions pushed twice with other content. Open items only, or with --all the decided ones
// too and the decisions' trail. The actions (merge, distinct, resolve) are in queue_actions.cpp.
#include <ctime>
#include <map>
#include <set>
#include <iostream>

#include <nlohmann/json.hpp>

#include "khaosat/office/duplicates.hpp"
#include "office_data.hpp"
#include "queue_common.hpp"
#include "server_cli.hpp"

namespace khaosat::server_cli {

namespace {

using nlohmann::json;

std::string utc(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json version_json(const sync::SubmissionVersion& v) {
  return {{"sha256", v.sha256}, {"device_id", v.device_id}, {"received_at", v.received_at}};
}

// What a clerk needs to tell two records apart without an export: the name, the commune (its
// label from the office's commune table), the phone and the tax code, as the record holds them.
struct RecordSummary {
  std::string name, commune, phone, tax_code;
  std::string text() const {
    std::string out = name.empty() ? "(no name)" : name;
    if (!commune.empty()) out += " · " + commune;
    if (!phone.empty()) out += " · phone " + phone;
    if (!tax_code.empty()) out += " · tax code " + tax_code;
    return out;
  }
};

struct Queue {
  std::map<std::string, RecordSummary> summaries;  // by record id, for the duplicates' records
  std::vector<office::DuplicateGroup> groups;
  std::vector<bool> group_open;
  std::vector<sync::RegistryConflict> conflicts;
  std::vector<sync::SubmissionConflict> submissions;
  std::vector<sync::QueueDecision> decisions;
};

void print_json(const Queue& q, bool all) {
  json out = {{"duplicates", json::array()}, {"conflicts", json::array()}, {"submission_conflicts", json::array()}};
  for (std::size_t i = 0; i < q.groups.size(); ++i) {
    const auto& g = q.groups[i];
    if (!all && !q.group_open[i]) continue;
    json about = json::array();
    for (const auto& id : g.record_ids) {
      auto it = q.summaries.find(id);
      const RecordSummary r = it == q.summaries.end() ? RecordSummary{} : it->second;
      about.push_back({{"id", id}, {"name", r.name}, {"commune", r.commune}, {"phone", r.phone}, {"tax_code", r.tax_code}});
    }
    out["duplicates"].push_back({{"registry", g.registry}, {"reason", g.reason}, {"key", g.key},
                                 {"records", g.record_ids}, {"about", about}, {"open", bool(q.group_open[i])}});
  }
  for (const auto& c : q.conflicts) {
    if (!all && !c.open) continue;
    out["conflicts"].push_back({{"id", registry_conflict_id(c.id)}, {"record_id", c.record_id}, {"registry", c.registry},
                                {"property", c.property}, {"kept", {{"value", c.kept.value}, {"hlc", c.kept.hlc}}},
                                {"other", {{"value", c.other.value}, {"hlc", c.other.hlc}}},
                                {"device_id", c.device_id}, {"at", c.at}, {"open", c.open}});
  }
  for (const auto& c : q.submissions) {
    if (!all && !c.open) continue;
    out["submission_conflicts"].push_back({{"id", submission_conflict_id(c.id)}, {"instance_id", c.instance_id},
                                           {"form_id", c.form_id}, {"stored", version_json(c.stored)},
                                           {"other", version_json(c.other)}, {"open", c.open}});
  }
  if (all) {
    out["decisions"] = json::array();
    for (const auto& d : q.decisions) {
      json j = {{"id", d.id}, {"kind", d.kind}, {"records", d.records}, {"choice", d.choice}, {"value", d.value},
                {"reason", d.reason}, {"by", d.by}, {"at", d.at}};
      if (d.kind == "registry_conflict") j["conflict"] = registry_conflict_id(d.conflict_id);
      if (d.kind == "submission_conflict") j["conflict"] = submission_conflict_id(d.conflict_id);
      out["decisions"].push_back(std::move(j));
    }
  }
  std::cout << out.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

void print_text(const Queue& q, bool all) {
  auto count = [all](const auto& items, auto open) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < items.size(); ++i) n += all || open(i);
    return n;
  };
  const char* done = "  [decided]";
  std::cout << "possible duplicates: " << count(q.groups, [&](std::size_t i) { return q.group_open[i]; }) << "\n";
  for (std::size_t i = 0; i < q.groups.size(); ++i) {
    const auto& g = q.groups[i];
    if (!all && !q.group_open[i]) continue;
    std::cout << "  " << g.registry << " " << g.reason << " '" << g.key << "':";
    for (const auto& id : g.record_ids) std::cout << " " << id;
    std::cout << (q.group_open[i] ? "" : done) << "\n";
    for (const auto& id : g.record_ids) {
      auto it = q.summaries.find(id);
      std::cout << "      " << id << "  " << (it == q.summaries.end() ? RecordSummary{} : it->second).text() << "\n";
    }
  }
  std::cout << "registry conflicts: " << count(q.conflicts, [&](std::size_t i) { return q.conflicts[i].open; }) << "\n";
  for (const auto& c : q.conflicts) {
    if (!all && !c.open) continue;
    std::cout << "  " << registry_conflict_id(c.id) << " " << c.registry << " " << c.record_id << " " << c.property
              << ": kept '" << c.kept.value << "', other '" << c.other.value << "' (device " << c.device_id << ")"
              << (c.open ? "" : done) << "\n";
  }
  std::cout << "submission conflicts: " << count(q.submissions, [&](std::size_t i) { return q.submissions[i].open; })
            << "\n";
  for (const auto& c : q.submissions) {
    if (!all && !c.open) continue;
    std::cout << "  " << submission_conflict_id(c.id) << " " << c.form_id << " " << c.instance_id << ": stored "
              << c.stored.sha256.substr(0, 12) << " from " << c.stored.device_id << " at " << utc(c.stored.received_at)
              << ", other " << c.other.sha256.substr(0, 12) << " from " << c.other.device_id << " at "
              << utc(c.other.received_at) << (c.open ? "" : done) << "\n";
  }
  if (!all) return;
  std::cout << "decisions: " << q.decisions.size() << "\n";
  for (const auto& d : q.decisions) {
    std::cout << "  " << d.id << " " << utc(d.at) << " " << d.by << ": " << d.kind;
    if (d.kind == "registry_conflict") std::cout << " " << registry_conflict_id(d.conflict_id);
    if (d.kind == "submission_conflict") std::cout << " " << submission_conflict_id(d.conflict_id);
    for (const auto& r : d.records) std::cout << " " << r;
    if (!d.choice.empty()) std::cout << " " << d.choice;
    if (!d.value.empty()) std::cout << " '" << d.value << "'";
    if (!d.reason.empty()) std::cout << " (" << d.reason << ")";
    std::cout << "\n";
  }
}

}  // namespace

int queue(const Args& a) {
  if (!a.positional.empty() && a.positional[0] != "list") return queue_action(a);
  std::string help =
      std::string("usage: khaosat-server queue [list] --data DIR [--database URL] [--json] [--all]\n"
                  "       khaosat-server queue merge|distinct|resolve ... (see 'queue merge --help')\n\n"
                  "The office's queue: possible duplicate registry records (the same diacritic-folded\n"
                  "name in the same commune, the same tax code, or the same phone, within one registry;\n"
                  "records merged into another take no part), the registry conflicts sync met (two edits\n"
                  "of one property made without seeing each other: the value kept and the other, with\n"
                  "their versions and the device; ids r<N>), and the submission conflicts (an instance\n"
                  "pushed again with other content: both versions' sha256, device and time; ids s<N>).\n"
                  "Open items only; --all adds the decided ones (marked) and every decision made (who,\n"
                  "when, why). Prints a readable list, or with --json one object {\"duplicates\": [...],\n"
                  "\"conflicts\": [...], \"submission_conflicts\": [...]} (and \"decisions\" with --all),\n"
                  "each item with \"open\". Exit 0, also when the queue is empty.\n\n"
                  "Decide with:\n"
                  "  queue merge KEEP_ID MERGED_ID --by NAME [--reason TEXT]\n"
                  "  queue distinct ID ID... --by NAME [--reason TEXT]\n"
                  "  queue resolve CONFLICT_ID (--keep kept|other | --keep stored|other | --value TEXT)\n"
                  "                --by NAME [--reason TEXT]\n") +
      kDatabaseHelp;
  if (a.help) return usage(help, 0);
  if (a.positional.size() > 1) return usage(help, 2);
  auto storage = open_storage(a, "queue");
  if (!storage) return 1;
  Queue q;
  auto records = all_records(**storage);
  if (!records) return fail("queue", records.error().message);
  auto decisions = (*storage)->queue_decisions();
  if (!decisions) return fail("queue", decisions.error().message);
  q.decisions = std::move(decisions).value();
  auto marks = distinct_marks(q.decisions);
  q.groups = office::possible_duplicates(*records);
  for (const auto& g : q.groups) q.group_open.push_back(!office::judged_distinct(g, marks));
  // Commune labels when the commune table reads (a code is shown as it is otherwise).
  std::map<std::string, office::Commune> communes;
  if (auto c = load_communes(a.data)) communes = std::move(c).value();
  std::set<std::string> wanted;
  for (const auto& g : q.groups) wanted.insert(g.record_ids.begin(), g.record_ids.end());
  for (const auto& r : *records) {
    if (!wanted.count(r.record_id)) continue;
    RecordSummary& sum = q.summaries[r.record_id];
    for (const auto& [key, p] : r.properties) {
      if (key == "name") sum.name = p.value;
      else if (key == "phone") sum.phone = p.value;
      else if (key == "tax_code") sum.tax_code = p.value;
      else if (key == "commune") {
        auto it = communes.find(p.value);
        sum.commune = it == communes.end() || it->second.label_vi.empty() ? p.value : it->second.label_vi;
      }
    }
  }
  auto conflicts = (*storage)->registry_conflicts();
  if (!conflicts) return fail("queue", conflicts.error().message);
  q.conflicts = std::move(conflicts).value();
  auto subs = (*storage)->submission_conflicts();
  if (!subs) return fail("queue", subs.error().message);
  q.submissions = std::move(subs).value();
  if (a.json) print_json(q, a.all);
  else print_text(q, a.all);
  return 0;
}

}  // namespace khaosat::server_cli
