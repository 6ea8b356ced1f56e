// The office's queue decisions over either storage (storage_queue.hpp).
#include "storage_queue.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <set>

#include "khaosat/core/store_ids.hpp"
#include "storage_common.hpp"

namespace khaosat::sync {

namespace {

Error request(const std::string& m) { return Error::make(ErrorCode::sync_request, m); }

std::string registry_name(const core::PulledRecord& r) { return std::string(core::to_string(r.registry)); }

Result<core::PulledRecord> live_record(QueueTables& t, const std::string& id, const char* role) {
  if (id.empty()) return request(std::string(role) + ": a record id is needed");
  auto r = t.record(id);
  if (!r) return r.error();
  if (!*r) return Error::make(ErrorCode::sync_not_found, std::string(role) + ": no registry record '" + id + "'");
  if (!(*r)->merged_into.empty())
    return request(std::string(role) + ": record " + id + " was merged into " + (*r)->merged_into +
                   " already; use that record");
  return std::move(**r);
}

Status apply_merge(QueueTables& t, QueueDecision& d, std::int64_t now) {
  if (d.records.size() != 2) return request("merge: two records are needed, the one kept and the one merged into it");
  if (!d.choice.empty() || !d.value.empty()) return request("merge: takes no choice or value");
  const std::string &keep_id = d.records[0], &gone_id = d.records[1];
  if (keep_id == gone_id) return request("merge: record " + keep_id + " cannot be merged into itself");
  auto keep = live_record(t, keep_id, "the record kept");
  if (!keep) return keep.error();
  auto gone = live_record(t, gone_id, "the record merged");
  if (!gone) return gone.error();
  if (keep->registry != gone->registry)
    return request("merge: record " + gone_id + " is a " + registry_name(*gone) + " and " + keep_id + " a " +
                   registry_name(*keep) + "; only records of one registry can be merged");
  if (Status st = t.set_merged(gone_id, keep_id, now); !st) return st;
  gone->merged_into = keep_id;
  return t.log_record(*gone, now);
}

const char* const kMatches[] = {"name+commune", "tax_code", "phone"};

Status apply_distinct(QueueTables& t, QueueDecision& d) {
  std::set<std::string> unique(d.records.begin(), d.records.end());
  if (unique.size() != d.records.size()) return request("distinct: a record is named twice");
  if (d.records.size() < 2) return request("distinct: two or more records are needed");
  if (std::find(std::begin(kMatches), std::end(kMatches), d.choice) == std::end(kMatches))
    return request("distinct: the match '" + d.choice + "' is not one of name+commune, tax_code, phone");
  if (d.value.empty()) return request("distinct: the match's key is needed");
  std::optional<core::Registry> registry;
  for (const auto& id : d.records) {
    auto r = live_record(t, id, "distinct");
    if (!r) return r.error();
    if (registry && *registry != r->registry)
      return request("distinct: record " + id + " is a " + registry_name(*r) + "; the others are " +
                     std::string(core::to_string(*registry)) + " records");
    registry = r->registry;
  }
  return core::ok_status();
}

Status already(const std::optional<QueueDecision>& prior, const std::string& what) {
  if (!prior) return core::ok_status();
  return request(what + " was resolved already (decision " + std::to_string(prior->id) + " by " + prior->by + ": " +
                 prior->choice + ")");
}

Status apply_registry_conflict(QueueTables& t, QueueDecision& d, std::int64_t now) {
  std::string what = "registry conflict " + std::to_string(d.conflict_id);
  auto c = t.registry_conflict(d.conflict_id);
  if (!c) return c.error();
  if (!*c) return Error::make(ErrorCode::sync_not_found, "no " + what);
  auto prior = t.decision_for(d.kind, d.conflict_id);
  if (!prior) return prior.error();
  if (Status st = already(*prior, what); !st) return st;
  if (d.choice == "kept") {
    if (!d.value.empty()) return request(what + ": give --keep or --value, not both");
    d.value = (*c)->kept.value;
  } else if (d.choice == "other") {
    if (!d.value.empty()) return request(what + ": give --keep or --value, not both");
    d.value = (*c)->other.value;
  } else if (d.choice != "value") {
    return request(what + ": keep 'kept' or 'other', or give a value (choice '" + d.choice + "')");
  }
  auto rec = t.record((*c)->record_id);
  if (!rec) return rec.error();
  if (!*rec) return Error::make(ErrorCode::sync_storage, what + ": its record " + (*c)->record_id + " is missing");
  auto& props = (*rec)->properties;
  auto it = std::find_if(props.begin(), props.end(), [&](const auto& p) { return p.first == (*c)->property; });
  std::string current = it == props.end() ? "" : it->second.hlc;
  core::RegistryProperty chosen{d.value, server_hlc(current, now)};
  if (it == props.end()) {
    props.emplace_back((*c)->property, chosen);
    std::sort(props.begin(), props.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  } else {
    it->second = chosen;
  }
  if (Status st = t.write_properties(**rec, now); !st) return st;
  return t.log_record(**rec, now);
}

Status apply_submission_conflict(QueueTables& t, QueueDecision& d) {
  std::string what = "submission conflict " + std::to_string(d.conflict_id);
  if (!d.value.empty()) return request(what + ": takes no value, only stored or other");
  auto c = t.submission_conflict(d.conflict_id);
  if (!c) return c.error();
  if (!*c) return Error::make(ErrorCode::sync_not_found, "no " + what);
  auto prior = t.decision_for(d.kind, d.conflict_id);
  if (!prior) return prior.error();
  if (Status st = already(*prior, what); !st) return st;
  auto stored = t.stored_submission((*c)->instance_id);
  if (!stored) return stored.error();
  if (d.choice == "stored") {
    d.value = stored->sha256;
    return core::ok_status();
  }
  if (d.choice != "other") return request(what + ": keep 'stored' or 'other' (choice '" + d.choice + "')");
  d.value = (*c)->sha256;
  return t.swap_submission(d.conflict_id, *stored, **c);
}

}  // namespace

Result<QueueDecision> apply_decision(QueueTables& t, QueueDecision d, std::int64_t now) {
  if (d.by.empty()) return request("queue decision: who decides is needed (--by NAME)");
  Status st = core::ok_status();
  if (d.kind == "merge") {
    st = apply_merge(t, d, now);
  } else if (d.kind == "distinct") {
    st = apply_distinct(t, d);
  } else if (d.kind == "registry_conflict" || d.kind == "submission_conflict") {
    if (!d.records.empty()) return request(d.kind + ": takes a conflict id, not records");
    st = d.kind == "registry_conflict" ? apply_registry_conflict(t, d, now) : apply_submission_conflict(t, d);
  } else {
    return request("queue decision '" + d.kind + "': merge, distinct, registry_conflict or submission_conflict");
  }
  if (!st) return st.error();
  auto id = t.insert_decision(d);
  if (!id) return id.error();
  d.id = *id;
  return d;
}

Result<std::vector<std::string>> submissions_about(QueueTables& t, const std::string& record_id) {
  auto first = t.record(record_id);
  if (!first) return first.error();
  if (!*first) return Error::make(ErrorCode::sync_not_found, "no registry record '" + record_id + "'");
  // The record and every record merged into it, at any depth (a merged record cannot be a
  // survivor, so this is a tree; `seen` guards all the same).
  std::set<std::string> seen{record_id};
  std::vector<std::string> todo{record_id};
  std::vector<QueueTables::Mention> found;
  while (!todo.empty()) {
    std::string id = todo.back();
    todo.pop_back();
    auto m = t.mentioning(id);
    if (!m) return m.error();
    for (auto& x : *m)
      if (entity_id_of(x.xml) == id) found.push_back(std::move(x));
    auto children = t.merged_into(id);
    if (!children) return children.error();
    for (auto& c : *children)
      if (seen.insert(c).second) todo.push_back(c);
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  std::vector<std::string> out;
  for (const auto& f : found) out.push_back(f.instance_id);
  return out;
}

std::string queue_tables_sql(std::string_view key) {
  std::string sql = R"sql(
ALTER TABLE registry ADD COLUMN merged_into TEXT;
CREATE INDEX registry_by_merged_into ON registry (merged_into);
CREATE TABLE queue_decisions (
  id          $KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('merge', 'distinct', 'registry_conflict', 'submission_conflict')),
  records     TEXT NOT NULL,
  conflict_id BIGINT NOT NULL,
  choice      TEXT NOT NULL,
  value       TEXT NOT NULL,
  reason      TEXT NOT NULL,
  by_name     TEXT NOT NULL,
  at          BIGINT NOT NULL
);
CREATE INDEX queue_decisions_by_conflict ON queue_decisions (kind, conflict_id);
)sql";
  for (auto at = sql.find("$KEY"); at != std::string::npos; at = sql.find("$KEY", at)) sql.replace(at, 4, key);
  return sql;
}

std::string records_text(const std::vector<std::string>& ids) { return nlohmann::json(ids).dump(); }

std::string entity_id_of(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default)) return "";
  return doc.document_element().child("meta").child("entity").attribute("id").value();
}

std::string server_hlc(const std::string& current, std::int64_t now) {
  core::Hlc h{now, 0, "server"};
  if (auto cur = core::Hlc::parse(current); cur && !(*cur < h)) {
    h.wall_ms = cur->wall_ms;
    h.counter = cur->counter + 1;
    if (h.counter > 0xffff) {  // the text form has four hex digits of counter
      h.wall_ms += 1;
      h.counter = 0;
    }
  }
  return h.to_string();
}

}  // namespace khaosat::sync
