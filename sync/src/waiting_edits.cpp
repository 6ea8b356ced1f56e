// Edits that wait for their predecessor: the shared parts of both backends (waiting_edits.hpp).
#include "waiting_edits.hpp"

#include "khaosat/core/json.hpp"
#include "khaosat/core/store_ids.hpp"
#include "storage_common.hpp"

namespace khaosat::sync {

using nlohmann::json;

std::string waiting_table_sql() {
  return R"sql(
CREATE TABLE waiting_submissions (
  instance_id   TEXT PRIMARY KEY,
  deprecated_id TEXT NOT NULL,
  form_id       TEXT NOT NULL,
  device_id     TEXT NOT NULL,
  seq           BIGINT NOT NULL,
  sha256        TEXT NOT NULL,
  record        TEXT NOT NULL,
  entity        TEXT,
  scope         TEXT,
  received_at   BIGINT NOT NULL
);
CREATE INDEX waiting_by_predecessor ON waiting_submissions (deprecated_id);
)sql";
}

namespace {

std::string one_record_batch(const std::string& device_id, const PushRecord& r) {
  return to_json(PushBatch{device_id, r.seq, r.seq, {r}}).dump();
}

Result<PushRecord> record_of(const std::string& text, const std::string& where) {
  auto j = core::parse_json(text);
  Result<PushBatch> b = Error::make(ErrorCode::sync_storage, "not JSON");
  if (j) b = push_batch_from(*j);
  if (!b || b->records.size() != 1)
    return Error::make(ErrorCode::sync_storage, where + ": a waiting edit is unreadable" +
                                                    (b ? std::string() : " (" + b.error().message + ")"));
  return std::move(b->records.front());
}

}  // namespace

HeldEdit held_edit(const std::string& device_id, const CheckedRecord& c) {
  HeldEdit h;
  h.record = one_record_batch(device_id, *c.record);
  if (c.entity) h.entity = one_record_batch(device_id, *c.entity);
  if (c.scope && !c.scope->everywhere) h.scope = json(c.scope->communes).dump();
  return h;
}

RecordResult held_verdict(const PushRecord& rec) {
  RecordResult r = verdict(rec.seq, RecordStatus::Accepted,
                           "waits for instance " + rec.deprecated_id.value_or("") +
                               ", which it edits: kept aside until that arrives");
  r.held = true;
  return r;
}

RecordResult verdict_against_held(const PushRecord& rec, const std::string& sha256, const std::string& held_sha256) {
  if (sha256 == held_sha256) return verdict(rec.seq, RecordStatus::Duplicate);
  return verdict(rec.seq, RecordStatus::Rejected,
                 "instance " + rec.id + " waits for its predecessor with sha256 " + held_sha256 +
                     "; another version (" + sha256 + ") is refused until that one is released");
}

CheckedRecord ReleasedEdit::checked() const {
  CheckedRecord c;
  c.record = &record;
  c.sha256 = sha256;
  c.scope = &scope;
  c.entity = entity;
  return c;
}

Result<ReleasedEdit> released_edit(const std::string& sha256, const HeldEdit& held, const std::string& where,
                                   std::int64_t now, std::uint32_t order) {
  ReleasedEdit out;
  out.sha256 = sha256;
  auto rec = record_of(held.record, where);
  if (!rec) return rec.error();
  out.record = std::move(rec).value();
  if (!held.entity.empty()) {
    auto e = record_of(held.entity, where);
    if (!e) return e.error();
    out.entity = std::move(e).value();
    const auto& ref = out.record.entity;
    bool device_stamp = ref && ref->id == out.entity->id && ref->registry == out.entity->registry;
    if (!device_stamp)
      for (auto& [key, p] : out.entity->set)
        if (auto h = core::Hlc::parse(p.hlc)) p.hlc = core::Hlc{now, order + 1, h->node}.to_string();
  }
  if (held.scope.empty()) out.scope.everywhere = true;
  else out.scope.communes = string_list(held.scope);
  return out;
}

}  // namespace khaosat::sync
