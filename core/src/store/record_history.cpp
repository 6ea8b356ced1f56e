// record_history (record_history.hpp): a registry record's changes from the device store's
// outbox (this device's writes: each property's value and HLC, and the submission it came
// from) and the record's current properties (versions pulled from the server).
#include "khaosat/core/record_history.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "khaosat/core/json.hpp"
#include "khaosat/core/store_ids.hpp"

namespace khaosat::core {

using nlohmann::json;

namespace {

std::string text_of(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A change and the HLC that orders it among the others (its smallest property version).
struct Staged {
  RecordChange change;
  Hlc order;
  std::vector<std::string> hlcs;  // change.fields[i]'s version
};

// A registry outbox entry's change (docs/storage.md, the outbox: {"registry", "record_id",
// "create", "set": {key: {"value", "hlc", "base"}}, "source"}); nullopt when it sets nothing
// readable.
std::optional<Staged> from_outbox(const OutboxEntry& e) {
  auto payload = parse_json(e.payload, kMaxStoredJsonDepth);
  if (!payload || !payload->is_object()) return std::nullopt;
  auto set = payload->find("set");
  if (set == payload->end() || !set->is_object()) return std::nullopt;
  Staged st;
  st.change.at = e.created_at;
  st.change.local = true;
  st.change.source = text_of(*payload, "source");
  auto create = payload->find("create");
  st.change.create = create != payload->end() && create->is_boolean() && create->get<bool>();
  for (auto it = set->begin(); it != set->end(); ++it) {
    if (!it->is_object()) continue;
    std::string version = text_of(*it, "hlc");
    auto hlc = Hlc::parse(version);
    if (!hlc) continue;
    if (st.change.fields.empty() || *hlc < st.order) st.order = *hlc;
    if (st.change.fields.empty()) st.change.device = hlc->node;
    st.change.fields.push_back({it.key(), std::nullopt, text_of(*it, "value")});
    st.hlcs.push_back(version);
  }
  if (st.change.fields.empty()) return std::nullopt;
  return st;
}

}  // namespace

Result<std::vector<RecordChange>> record_history(Store& store, const std::string& record_id) {
  auto record = store.get_record(record_id);
  if (!record) return record.error();
  std::vector<Staged> staged;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> written;  // key -> (hlc, value)
  std::vector<std::string> own_nodes;
  // This device's writes: its outbox keeps every one (acknowledged entries stay), read a page
  // at a time.
  constexpr int kPage = 500;
  for (std::int64_t after = 0;;) {
    auto page = store.list_outbox(after, kPage);
    if (!page) return page.error();
    for (const auto& e : *page) {
      after = e.seq;
      if (e.kind != "registry" || e.subject != record_id) continue;
      auto st = from_outbox(e);
      if (!st) continue;
      if (std::find(own_nodes.begin(), own_nodes.end(), st->change.device) == own_nodes.end())
        own_nodes.push_back(st->change.device);
      for (std::size_t i = 0; i < st->hlcs.size(); ++i)
        written[st->change.fields[i].key].emplace_back(st->hlcs[i], st->change.fields[i].new_value);
      staged.push_back(std::move(*st));
    }
    if (static_cast<int>(page->size()) < kPage) break;
  }
  // Versions from the server: the record's current properties no write here made, one change
  // per HLC (a submission's entity stamps all its properties with one). A version of this
  // device's node holding the value it last wrote is its own edit re-stamped by the server.
  std::map<std::string, Staged> pulled;  // by HLC
  for (const auto& [key, prop] : record->properties) {
    auto hlc = Hlc::parse(prop.hlc);
    if (!hlc) continue;
    const auto& mine = written[key];
    bool own = std::any_of(mine.begin(), mine.end(), [&h = prop.hlc](const auto& w) { return w.first == h; });
    bool restamped = !mine.empty() && mine.back().second == prop.value &&
                     std::find(own_nodes.begin(), own_nodes.end(), hlc->node) != own_nodes.end();
    if (own || restamped) continue;
    Staged& st = pulled[prop.hlc];
    st.order = *hlc;
    st.change.at = hlc->wall_ms;
    st.change.device = hlc->node;
    st.change.fields.push_back({key, std::nullopt, prop.value});
  }
  for (auto& entry : pulled) staged.push_back(std::move(entry.second));
  std::stable_sort(staged.begin(), staged.end(), [](const Staged& a, const Staged& b) { return a.order < b.order; });
  // Each field's old value: its value in the change before.
  std::map<std::string, std::string> value;
  std::vector<RecordChange> out;
  for (auto& st : staged) {
    for (auto& f : st.change.fields) {
      if (auto it = value.find(f.key); it != value.end()) f.old_value = it->second;
      value[f.key] = f.new_value;
    }
    if (!st.change.source.empty())
      if (auto sub = store.get_submission(st.change.source)) {
        st.change.form_id = sub->form_id;
        st.change.form_version = sub->form_version;
      }
    out.push_back(std::move(st.change));
  }
  return out;
}

}  // namespace khaosat::core
