// Store: registries of establishments, cooperatives and craft villages. Each property carries
// the HLC of its last write (docs/storage.md, "Registries"); the name is also kept folded for
// diacritic-insensitive search.
#include <algorithm>
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
      "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (record_id) DO "
      "UPDATE SET name = excluded.name, name_folded = excluded.name_folded, "
      "properties = excluded.properties, updated_at = excluded.updated_at",
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
  if (int rc = (*up)->step(); rc != SQLITE_DONE) return s.db.error(what, rc);
  return ok_status();
}

}  // namespace

Result<RegistryRecord> Store::get_record(const std::string& record_id) {
  auto s = impl_->stmt("SELECT record_id, registry, name, properties, created_at, updated_at "
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

Result<RegistryRecord> Store::put_record(const RegistryEdit& edit) {
  StoreImpl& s = *impl_;
  bool create = edit.record_id.empty();
  RegistryRecord rec;
  if (create) {
    rec.record_id = s.uuid.next();
    rec.registry = edit.registry;
    rec.created_at = s.now();
  } else {
    auto existing = get_record(edit.record_id);
    if (!existing) return existing.error();
    if (existing->registry != edit.registry)
      return Error::make(ErrorCode::store_invalid, s.path + ": registry record '" + edit.record_id +
                                              "' is a " + to_string(existing->registry) +
                                              ", not a " + to_string(edit.registry));
    rec = std::move(existing.value());
  }
  std::string what = std::string("cannot ") + (create ? "create" : "edit") + " " +
                     to_string(edit.registry) + " '" + rec.record_id + "'";
  if (edit.set.empty())
    return Error::make(ErrorCode::store_invalid, s.path + ": " + what + ": no property to set");
  json changed = json::object();
  for (const auto& [key, value] : edit.set) {
    if (key.empty()) return Error::make(ErrorCode::store_invalid, s.path + ": " + what + ": an empty property name");
    Hlc h = s.hlc->tick();
    auto it = std::find_if(rec.properties.begin(), rec.properties.end(),
                           // Captured by name: clang before 16 cannot capture a structured
                           // binding, and scripts/fuzz builds with clang.
                           [&k = key](const auto& p) { return p.first == k; });
    RegistryProperty p{value, h.to_string()};
    changed[key] = {{"value", value}, {"hlc", p.hlc}};
    // The version this edit replaces here: the server tells a concurrent edit (made without
    // seeing the server's current version) from a sequential one by it (docs/sync-protocol.md).
    if (it != rec.properties.end()) changed[key]["base"] = it->second.hlc;
    if (it == rec.properties.end()) rec.properties.emplace_back(key, p);
    else it->second = p;
  }
  std::sort(rec.properties.begin(), rec.properties.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  auto name = std::find_if(rec.properties.begin(), rec.properties.end(),
                           [](const auto& p) { return p.first == "name"; });
  if (name == rec.properties.end() || name->second.value.empty())
    return Error::make(ErrorCode::store_invalid, s.path + ": " + what + ": a record needs a non-empty 'name'");
  rec.name = name->second.value;
  rec.updated_at = s.now();
  if (Status st = s.set_sync(StoreImpl::Sync::Full); !st) return st.error();
  Txn txn(s.db);
  if (Status st = txn.begin(what); !st) return st.error();
  if (Status st = write_record(s, rec, what); !st) return st.error();
  if (Status st = s.put_state("hlc.last", s.hlc->last().to_string()); !st) return st.error();
  json payload = {{"registry", to_string(rec.registry)}, {"record_id", rec.record_id},
                  {"create", create}, {"set", changed}};
  if (auto seq = s.append_outbox("registry", rec.record_id,
                                 payload.dump(-1, ' ', false, json::error_handler_t::replace));
      !seq)
    return seq.error();
  if (Status st = s.audit(create ? "registry.create" : "registry.edit", rec.record_id,
                          std::string(to_string(rec.registry)));
      !st)
    return st.error();
  if (Status st = txn.commit(what); !st) return st.error();
  return rec;
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
      "SELECT record_id, registry, name, properties, created_at, updated_at FROM registry_records "
      "WHERE registry = ?1";
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
  auto s = impl_->stmt("SELECT count(*) FROM registry_records WHERE registry = ?",
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
  auto sel = stmt("SELECT record_id, registry, name, properties, created_at, updated_at "
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
