// Store: registries of establishments, cooperatives and craft villages. Each property carries
// the HLC of its last write (docs/storage.md, "Registries"); the name is also kept folded for
// diacritic-insensitive search.
#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>

#include "khaosat/core/json.hpp"
#include "khaosat/core/store.hpp"
#include "store/store_impl.hpp"

namespace khaosat::core {

using nlohmann::json;
using store::Reset;
using store::Txn;

namespace {

// properties column: {"key": {"value": "...", "hlc": "..."}, ...}
RegistryRecord read_record(store::Stmt& s) {
  RegistryRecord r;
  r.record_id = s.text(0);
  r.registry = registry_from_string(s.text(1)).value_or(Registry::Establishment);
  r.name = s.text(2);
  auto parsed = parse_json(s.text(3), kMaxStoredJsonDepth);
  json props = parsed ? std::move(parsed.value()) : json();
  // Written by put_record; read defensively all the same (json's value() would throw on a
  // member of another type).
  auto text = [](const json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (props.is_object())
    for (auto it = props.begin(); it != props.end(); ++it)
      if (it->is_object())
        r.properties.emplace_back(it.key(), RegistryProperty{text(*it, "value"), text(*it, "hlc")});
  r.created_at = s.integer(4);
  r.updated_at = s.integer(5);
  r.merged_into = s.optional_text(6).value_or("");
  return r;
}

json to_json(const RegistryRecord& r) {
  json props = json::object();
  for (const auto& [k, p] : r.properties) props[k] = {{"value", p.value}, {"hlc", p.hlc}};
  return props;
}

// Within a transaction: inserts the record or replaces its name, properties and update time.
Status write_record(StoreImpl& s, const RegistryRecord& rec, const std::string& what) {
  auto up = s.stmt(
      "INSERT INTO registry_records (record_id, registry, name, name_folded, properties, "
      "created_at, updated_at, merged_into) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (record_id) "
      "DO UPDATE SET name = excluded.name, name_folded = excluded.name_folded, "
      "properties = excluded.properties, updated_at = excluded.updated_at, merged_into = excluded.merged_into",
      what);
  if (!up) return up.error();
  Reset r(*up);
  (*up)->bind(1, rec.record_id);
  (*up)->bind(2, std::string_view(to_string(rec.registry)));
  (*up)->bind(3, rec.name);
  (*up)->bind(4, fold_for_search(rec.name));
  (*up)->bind(5, to_json(rec).dump(-1, ' ', false, json::error_handler_t::replace));
  (*up)->bind(6, rec.created_at);
  (*up)->bind(7, rec.updated_at);
  if (rec.merged_into.empty()) (*up)->bind_null(8);
  else (*up)->bind(8, rec.merged_into);
  if (int rc = (*up)->step(); rc != SQLITE_DONE) return s.db.error(what, rc);
  return ok_status();
}

// The record's open conflicts become the pulled ones (the server sends the whole list).
Status replace_conflicts(StoreImpl& s, const PulledRecord& pulled, const std::string& what) {
  auto del = s.stmt("DELETE FROM record_conflicts WHERE record_id = ?", what);
  if (!del) return del.error();
  {
    Reset r(*del);
    (*del)->bind(1, pulled.record_id);
    if (int rc = (*del)->step(); rc != SQLITE_DONE) return s.db.error(what, rc);
  }
  auto ins = s.stmt("INSERT OR REPLACE INTO record_conflicts (record_id, conflict_id, property, kept_value, "
                    "other_value) VALUES (?, ?, ?, ?, ?)", what);
  if (!ins) return ins.error();
  for (const RecordConflict& c : pulled.conflicts) {
    if (c.conflict_id.empty() || c.property.empty())
      return Error::make(ErrorCode::store_invalid, s.path + ": " + what + ": a conflict without an id or property");
    Reset r(*ins);
    (*ins)->bind(1, pulled.record_id);
    (*ins)->bind(2, c.conflict_id);
    (*ins)->bind(3, c.property);
    (*ins)->bind(4, c.kept_value);
    (*ins)->bind(5, c.other_value);
    if (int rc = (*ins)->step(); rc != SQLITE_DONE) return s.db.error(what, rc);
  }
  return ok_status();
}

}  // namespace

Result<std::vector<RecordConflict>> Store::record_conflicts(const std::string& record_id) {
  const std::string what = "cannot read the conflicts of registry record '" + record_id + "'";
  auto s = impl_->stmt("SELECT conflict_id, property, kept_value, other_value FROM record_conflicts "
                       "WHERE record_id = ? ORDER BY property, length(conflict_id), conflict_id", what);
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, record_id);
  std::vector<RecordConflict> out;
  int rc;
  while ((rc = (*s)->step()) == SQLITE_ROW)
    out.push_back({(*s)->text(0), (*s)->text(1), (*s)->text(2), (*s)->text(3)});
  if (rc != SQLITE_DONE) return impl_->db.error(what, rc);
  return out;
}

Result<RegistryRecord> Store::get_record(const std::string& record_id) {
  auto s = impl_->stmt("SELECT record_id, registry, name, properties, created_at, updated_at, merged_into "
                       "FROM registry_records WHERE record_id = ?",
                       "cannot read a registry record");
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, record_id);
  int rc = (*s)->step();
  if (rc == SQLITE_DONE) return impl_->not_found("registry record", record_id);
  if (rc != SQLITE_ROW) return impl_->db.error("cannot read registry record '" + record_id + "'", rc);
  return read_record(**s);
}

namespace {

// An edit of a record ready to be written: the record as it will be, and the outbox's "set".
struct StagedEdit {
  RegistryRecord rec;
  json changed = json::object();
  bool create = false;
  std::string what;  // "cannot create establishment '<id>'", for messages
};

// Applies `set` to `existing` (or to a new record `record_id` of `registry`), each property
// stamped by `stamp()`. Refuses an empty property name and a record left without a name.
Result<StagedEdit> stage_edit(StoreImpl& s, std::optional<RegistryRecord> existing, Registry registry,
                              const std::string& record_id,
                              const std::vector<std::pair<std::string, std::string>>& set,
                              const std::function<Hlc()>& stamp) {
  StagedEdit e;
  e.create = !existing;
  if (existing) {
    e.rec = std::move(*existing);
  } else {
    e.rec.record_id = record_id;
    e.rec.registry = registry;
    e.rec.created_at = s.now();
  }
  e.what = std::string("cannot ") + (e.create ? "create" : "edit") + " " + to_string(registry) + " '" +
           e.rec.record_id + "'";
  if (set.empty())
    return Error::make(ErrorCode::store_invalid, s.path + ": " + e.what + ": no property to set");
  for (const auto& [key, value] : set) {
    if (key.empty()) return Error::make(ErrorCode::store_invalid, s.path + ": " + e.what + ": an empty property name");
    Hlc h = stamp();
    auto it = std::find_if(e.rec.properties.begin(), e.rec.properties.end(),
                           // Captured by name: clang before 16 cannot capture a structured
                           // binding, and scripts/fuzz builds with clang.
                           [&k = key](const auto& p) { return p.first == k; });
    RegistryProperty p{value, h.to_string()};
    e.changed[key] = {{"value", value}, {"hlc", p.hlc}};
    // The version this edit replaces here: the server tells a concurrent edit (made without
    // seeing the server's current version) from a sequential one by it (docs/sync-protocol.md).
    if (it != e.rec.properties.end()) e.changed[key]["base"] = it->second.hlc;
    if (it == e.rec.properties.end()) e.rec.properties.emplace_back(key, p);
    else it->second = p;
  }
  std::sort(e.rec.properties.begin(), e.rec.properties.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  auto name = std::find_if(e.rec.properties.begin(), e.rec.properties.end(),
                           [](const auto& p) { return p.first == "name"; });
  if (name == e.rec.properties.end() || name->second.value.empty())
    return Error::make(ErrorCode::store_invalid, s.path + ": " + e.what + ": a record needs a non-empty 'name'");
  e.rec.name = name->second.value;
  e.rec.updated_at = s.now();
  return e;
}

// Within a transaction: the record, the clock's last HLC, the outbox entry (with the
// submission it came from, `source`, when it came from one) and the audit row.
Status write_edit(StoreImpl& s, const StagedEdit& e, const std::string& source) {
  if (Status st = write_record(s, e.rec, e.what); !st) return st;
  if (Status st = s.put_state("hlc.last", s.hlc->last().to_string()); !st) return st;
  json payload = {{"registry", to_string(e.rec.registry)}, {"record_id", e.rec.record_id},
                  {"create", e.create}, {"set", e.changed}};
  if (!source.empty()) payload["source"] = source;
  if (auto seq = s.append_outbox("registry", e.rec.record_id,
                                 payload.dump(-1, ' ', false, json::error_handler_t::replace));
      !seq)
    return seq.error();
  return s.audit(e.create ? "registry.create" : "registry.edit", e.rec.record_id,
                 source.empty() ? std::string(to_string(e.rec.registry))
                                : std::string(to_string(e.rec.registry)) + " from " + source);
}

}  // namespace

Result<RegistryRecord> Store::put_record(const RegistryEdit& edit) {
  StoreImpl& s = *impl_;
  std::optional<RegistryRecord> existing;
  if (!edit.record_id.empty()) {
    auto found = get_record(edit.record_id);
    if (!found) return found.error();
    if (found->registry != edit.registry)
      return Error::make(ErrorCode::store_invalid, s.path + ": registry record '" + edit.record_id +
                                              "' is a " + to_string(found->registry) +
                                              ", not a " + to_string(edit.registry));
    existing = std::move(found).value();
  }
  auto staged = stage_edit(s, std::move(existing), edit.registry, edit.record_id.empty() ? s.uuid.next() : edit.record_id,
                           edit.set, [&] { return s.hlc->tick(); });
  if (!staged) return staged.error();
  const std::string& what = staged->what;
  if (Status st = s.set_sync(StoreImpl::Sync::Full); !st) return st.error();
  Txn txn(s.db);
  if (Status st = txn.begin(what); !st) return st.error();
  if (Status st = write_edit(s, *staged, ""); !st) return st.error();
  if (Status st = txn.commit(what); !st) return st.error();
  return std::move(staged->rec);
}

Result<std::optional<StoreImpl::EntityApplied>> StoreImpl::apply_entity(const EntityWrite& w,
                                                                       const std::string& instance_id) {
  using Out = std::optional<EntityApplied>;
  auto registry = registry_from_dataset(w.dataset);
  if (!registry) return Out();  // an entity list of another application: not a registry here
  std::string what = "cannot apply the entity of submission '" + instance_id + "'";
  std::optional<RegistryRecord> existing;
  auto sel = stmt("SELECT record_id, registry, name, properties, created_at, updated_at, merged_into "
                  "FROM registry_records WHERE record_id = ?", what);
  if (!sel) return sel.error();
  {
    Reset r(*sel);
    (*sel)->bind(1, w.id);
    int rc = (*sel)->step();
    if (rc == SQLITE_ROW) existing = read_record(**sel);
    else if (rc != SQLITE_DONE) return db.error(what, rc);
  }
  if (existing && existing->registry != *registry)
    return Error::make(ErrorCode::entity_invalid, path + ": " + what + ": record '" + w.id + "' is a " +
                                                      to_string(existing->registry) + ", not a " +
                                                      to_string(*registry));
  if (!existing && w.label.empty())
    return Error::make(ErrorCode::entity_invalid,
                       path + ": " + what + ": a new " + to_string(*registry) +
                           " needs a name, and the form's entity label is empty. Nothing was stored.");
  // The label is the record's name; an empty label on an update leaves the name as it is.
  std::vector<std::pair<std::string, std::string>> set;
  if (!w.label.empty()) set.emplace_back("name", w.label);
  for (const auto& p : w.properties)
    if (p.first != "name") set.push_back(p);
  // One HLC for the whole entity: the server, deriving the same entity from the submission,
  // stamps it with the same one (sent with the submission), so both are one version.
  Hlc stamp = hlc->tick();
  auto staged = stage_edit(*this, std::move(existing), *registry, w.id, set, [&] { return stamp; });
  if (!staged) return staged.error();
  if (Status st = write_edit(*this, *staged, instance_id); !st) return st.error();
  return Out(EntityApplied{*registry, w.id, stamp.to_string()});
}

Result<std::vector<RegistryRecord>> Store::search_records(Registry registry, const std::string& query,
                                                          int limit) {
  std::string folded = fold_for_search(query);
  std::vector<std::string> words;
  for (std::size_t i = 0; i < folded.size();) {
    std::size_t j = folded.find(' ', i);
    if (j == std::string::npos) j = folded.size();
    if (j > i) words.push_back(folded.substr(i, j - i));
    i = j + 1;
  }
  // One instr() per word: every word must occur in the folded name. Names that start with the
  // whole query come first. (A full scan of the registry's index entries: 10,000 names take a
  // few ms, docs/storage.md.)
  std::string sql =
      "SELECT record_id, registry, name, properties, created_at, updated_at, merged_into FROM registry_records "
      "WHERE registry = ?1 AND merged_into IS NULL";
  for (std::size_t i = 0; i < words.size(); ++i)
    sql += " AND instr(name_folded, ?" + std::to_string(i + 4) + ") > 0";
  sql += " ORDER BY substr(name_folded, 1, length(?2)) = ?2 DESC, name_folded, record_id LIMIT ?3";
  auto s = impl_->db.prepare(sql, "cannot search the registry");
  if (!s) return s.error();
  s->bind(1, std::string_view(to_string(registry)));
  s->bind(2, folded);
  s->bind(3, static_cast<std::int64_t>(limit));
  for (std::size_t i = 0; i < words.size(); ++i) s->bind(static_cast<int>(i + 4), words[i]);
  std::vector<RegistryRecord> out;
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) out.push_back(read_record(*s));
  if (rc != SQLITE_DONE) return impl_->db.error("cannot search the registry", rc);
  return out;
}

Result<std::int64_t> Store::count_records(Registry registry) {
  auto s = impl_->stmt("SELECT count(*) FROM registry_records WHERE registry = ? AND merged_into IS NULL",
                       "cannot count registry records");
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, std::string_view(to_string(registry)));
  int rc = (*s)->step();
  if (rc != SQLITE_ROW) return impl_->db.error("cannot count registry records", rc);
  return (*s)->integer(0);
}

Status StoreImpl::merge_pulled(const PulledRecord& pulled) {
  std::string what = std::string("cannot apply pulled ") + to_string(pulled.registry) + " '" +
                     pulled.record_id + "'";
  if (pulled.record_id.empty())
    return Error::make(ErrorCode::store_invalid, path + ": " + what + ": no record id");
  auto sel = stmt("SELECT record_id, registry, name, properties, created_at, updated_at, merged_into "
                  "FROM registry_records WHERE record_id = ?", what);
  if (!sel) return sel.error();
  RegistryRecord rec;
  bool exists = false;
  {
    Reset r(*sel);
    (*sel)->bind(1, pulled.record_id);
    int rc = (*sel)->step();
    if (rc == SQLITE_ROW) {
      rec = read_record(**sel);
      exists = true;
    } else if (rc != SQLITE_DONE) {
      return db.error(what, rc);
    }
  }
  if (!exists) {
    rec.record_id = pulled.record_id;
    rec.registry = pulled.registry;
    rec.created_at = now();
  }
  bool changed = !exists;
  // Once merged, a record stays merged: a page without the member (a change from before the
  // merge, replayed) leaves it as it is.
  if (!pulled.merged_into.empty() && pulled.merged_into != rec.merged_into) {
    rec.merged_into = pulled.merged_into;
    changed = true;
  }
  for (const auto& [key, p] : pulled.properties) {
    auto remote = Hlc::parse(p.hlc);
    if (!remote) return Error::make(ErrorCode::store_invalid, path + ": " + what + ": property '" +
                                                              key + "' has no valid HLC '" + p.hlc + "'");
    hlc->observe(*remote);
    auto it = std::find_if(rec.properties.begin(), rec.properties.end(),
                           [&k = key](const auto& q) { return q.first == k; });
    if (it == rec.properties.end()) {
      rec.properties.emplace_back(key, p);
      changed = true;
      continue;
    }
    auto local = Hlc::parse(it->second.hlc);
    // This device's own edit, re-stamped by the server (its clock was too far ahead): take the
    // server's version, or a later edit from elsewhere would lose to the wrong clock here.
    bool restamped = local && local->node == remote->node && it->second.value == p.value && !(*local == *remote);
    if (!local || *local < *remote || restamped) {
      it->second = p;
      changed = true;
    }
  }
  if (pulled.conflicts_known)
    if (Status st = replace_conflicts(*this, pulled, what); !st) return st;
  if (!changed) return ok_status();
  std::sort(rec.properties.begin(), rec.properties.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  auto name = std::find_if(rec.properties.begin(), rec.properties.end(),
                           [](const auto& q) { return q.first == "name"; });
  rec.name = name == rec.properties.end() ? std::string() : name->second.value;
  rec.updated_at = now();
  if (Status st = write_record(*this, rec, what); !st) return st;
  return put_state("hlc.last", hlc->last().to_string());
}

}  // namespace khaosat::core
