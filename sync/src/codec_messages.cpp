// The protocol's messages to JSON and back (protocol.hpp, docs/sync-protocol.md). Writers omit
// optional members that are empty (bytes matter on a 2G link); readers are strict.
#include "json_reader.hpp"
#include "xml_templates.hpp"
#include "khaosat/core/store_ids.hpp"
#include "khaosat/sync/protocol.hpp"

namespace khaosat::sync {

using nlohmann::json;

const char* to_string(RecordStatus s) {
  switch (s) {
    case RecordStatus::Accepted: return "accepted";
    case RecordStatus::Duplicate: return "duplicate";
    case RecordStatus::Conflict: return "conflict";
    case RecordStatus::Rejected: return "rejected";
  }
  return "rejected";
}

std::optional<RecordStatus> record_status_from(std::string_view s) {
  for (RecordStatus r : {RecordStatus::Accepted, RecordStatus::Duplicate, RecordStatus::Conflict,
                         RecordStatus::Rejected})
    if (s == to_string(r)) return r;
  return std::nullopt;
}

namespace {

template <class T>
Result<T> done(ObjectReader& r, T value) {
  if (auto e = r.finish()) return *e;
  return value;
}

// `with_xml` false: a submission without its "xml" (the xml_templates layout writes it).
json record_json(const PushRecord& r, bool with_xml) {
  json j = {{"seq", r.seq}, {"kind", r.kind}};
  if (r.kind == "submission") {
    j["id"] = r.id;
    j["form_id"] = r.form_id;
    j["form_version"] = r.form_version;
    if (r.deprecated_id) j["deprecated_id"] = *r.deprecated_id;
    if (!r.attachments.empty()) {
      json a = json::array();
      for (const auto& x : r.attachments) a.push_back({{"name", x.name}, {"sha256", x.sha256}, {"size", x.size}});
      j["attachments"] = std::move(a);
    }
    if (r.entity) j["entity"] = {{"registry", r.entity->registry}, {"id", r.entity->id}, {"hlc", r.entity->hlc}};
    if (with_xml) j["xml"] = r.xml;
  } else if (r.kind == "registry") {
    j["id"] = r.id;
    j["registry"] = r.registry;
    j["create"] = r.create;
    json set = json::object();
    for (const auto& [k, p] : r.set) {
      set[k] = {{"value", p.value}, {"hlc", p.hlc}};
      if (auto b = r.base.find(k); b != r.base.end()) set[k]["base"] = b->second;
    }
    j["set"] = std::move(set);
  }
  return j;
}

// {"key": {"value": "...", "hlc": "..."}, ...} with valid HLCs.
// `base` (push only): each property's optional "base", the HLC of the version it replaced.
void read_properties(ObjectReader& parent, const json* obj, const std::string& member,
                     std::vector<std::pair<std::string, core::RegistryProperty>>& out,
                     std::map<std::string, std::string>* base = nullptr) {
  if (!obj) return;
  for (auto it = obj->begin(); it != obj->end() && !parent.failed(); ++it) {
    std::string where = member + "." + it.key();
    if (it.key().empty() || it.key().size() > kMaxIdBytes) {
      parent.fail(where, "a property name must have 1 to 1024 bytes");
      return;
    }
    ObjectReader p(*it, parent.path_of(where));
    core::RegistryProperty prop;
    prop.value = p.str("value", 1u << 20);
    prop.hlc = p.str("hlc");
    std::optional<std::string> replaced = base ? p.opt_str("base") : std::nullopt;
    if (auto e = p.finish()) {
      // The inner reader's message starts with the property's path: keep the rest whole
      // (": what", or ".member: what" for a member of the property).
      std::string rest = e->message.substr(parent.path_of(where).size());
      std::size_t colon = rest.find(": ");
      parent.fail(where + rest.substr(0, colon), rest.substr(colon + 2));
      return;
    }
    if (!core::Hlc::parse(prop.hlc)) {
      parent.fail(where + ".hlc", "'" + prop.hlc + "' is not a hybrid logical clock timestamp");
      return;
    }
    if (replaced) {
      if (!core::Hlc::parse(*replaced)) {
        parent.fail(where + ".base", "'" + *replaced + "' is not a hybrid logical clock timestamp");
        return;
      }
      (*base)[it.key()] = *replaced;
    }
    out.emplace_back(it.key(), std::move(prop));
  }
}

// `templates`: the batch's xml_templates (nullptr in the records layout, where a record naming
// one is refused as an unknown member).
Result<PushRecord> record_from(const json& j, const std::string& path, XmlTemplateReader* templates) {
  ObjectReader r(j, path);
  PushRecord rec;
  rec.seq = r.integer("seq", 1, INT64_MAX);
  rec.kind = r.str("kind", 64);
  if (rec.kind == "submission") {
    std::int64_t tpl = templates ? r.integer("xml_template", 0, INT64_MAX, false, -1) : -1;
    if (!templates && j.contains("xml_template"))
      r.fail("xml_template", "unknown member (the batch has no xml_templates)");
    std::optional<std::string> id = r.opt_str("id");
    if (!id && tpl < 0 && !r.failed()) r.fail("id", "missing (expected a string)");
    rec.form_id = r.str("form_id");
    rec.form_version = r.str("form_version");
    rec.deprecated_id = r.opt_str("deprecated_id");
    if (tpl < 0) rec.xml = r.str("xml", kMaxXmlBytes);
    else if (j.contains("xml") && !r.failed()) r.fail("xml", "a record names xml_template or holds xml, not both");
    if (tpl >= 0 && !r.failed()) {
      std::optional<std::string> id_value;
      auto xml = templates->take(tpl, path, id_value);
      if (!xml) return xml.error();
      rec.xml = std::move(xml).value();
      if (!id && !id_value)
        r.fail("id", "missing, and its template names no id_value (expected a string)");
      else if (!id && id_value->size() > kMaxIdBytes)
        r.fail("id", "its template's id value has more than 1024 bytes");
      if (!id) id = std::move(id_value);
    }
    if (id) rec.id = std::move(*id);
    if (const json* a = r.array("attachments", false)) {
      for (std::size_t i = 0; i < a->size() && !r.failed(); ++i) {
        ObjectReader x((*a)[i], r.path_of("attachments[" + std::to_string(i) + "]"));
        AttachmentRef ref;
        ref.name = x.str("name");
        ref.sha256 = x.str("sha256", 64);
        ref.size = x.integer("size", 0, kMaxAttachmentBytes);
        if (auto e = x.finish()) return *e;
        if (!is_sha256(ref.sha256))
          return Error::make(ErrorCode::sync_request, x.path_of("sha256") + ": not 64 lower-case hex digits");
        rec.attachments.push_back(std::move(ref));
      }
    }
    if (const json* e = r.object("entity", false); e && !r.failed()) {
      ObjectReader x(*e, r.path_of("entity"));
      PushRecord::EntityRef ref;
      ref.registry = x.str("registry", 64);
      ref.id = x.str("id");
      ref.hlc = x.str("hlc");
      if (auto err = x.finish()) return *err;
      if (!core::registry_from_string(ref.registry))
        return Error::make(ErrorCode::sync_request, x.path_of("registry") + ": unknown registry '" + ref.registry + "'");
      if (!core::Hlc::parse(ref.hlc))
        return Error::make(ErrorCode::sync_request,
                           x.path_of("hlc") + ": '" + ref.hlc + "' is not a hybrid logical clock timestamp");
      rec.entity = std::move(ref);
    }
    if (!r.failed() && rec.id.empty()) r.fail("id", "must not be empty");
  } else if (rec.kind == "registry") {
    rec.id = r.str("id");
    rec.registry = r.str("registry", 64);
    rec.create = r.boolean("create");
    read_properties(r, r.object("set"), "set", rec.set, &rec.base);
    if (!r.failed() && rec.id.empty()) r.fail("id", "must not be empty");
  }
  return done(r, std::move(rec));
}

}  // namespace

json to_json(const PushBatch& b, PushLayout layout) {
  std::vector<json> recs;
  recs.reserve(b.records.size());
  for (const auto& r : b.records) recs.push_back(record_json(r, layout != PushLayout::XmlTemplates));
  json out = {{"device_id", b.device_id}, {"first_seq", b.first_seq}, {"last_seq", b.last_seq}};
  if (layout == PushLayout::XmlTemplates) {
    json templates;
    encode_xml_templates(b.records, recs, templates);
    out[kXmlTemplatesLayout] = std::move(templates);
  }
  out["records"] = std::move(recs);
  return out;
}

Result<PushBatch> push_batch_from(const json& j) {
  ObjectReader r(j, "");
  PushBatch b;
  b.device_id = r.str("device_id", 64);
  b.first_seq = r.integer("first_seq", 1, INT64_MAX);
  b.last_seq = r.integer("last_seq", 1, INT64_MAX);
  const json* recs = r.array("records");
  const json* templates = r.array(kXmlTemplatesLayout, false);
  if (auto e = r.finish()) return *e;
  if (b.last_seq < b.first_seq)
    return Error::make(ErrorCode::sync_request, "last_seq " + std::to_string(b.last_seq) +
                                                    " is before first_seq " + std::to_string(b.first_seq));
  if (recs->size() > kMaxPushRecords)
    return Error::make(ErrorCode::sync_too_large, "records: " + std::to_string(recs->size()) +
                                                      " records, more than the limit of " +
                                                      std::to_string(kMaxPushRecords) + " per batch");
  if (static_cast<std::uint64_t>(b.last_seq - b.first_seq) + 1 != recs->size())
    return Error::make(ErrorCode::sync_request,
                       "records: " + std::to_string(recs->size()) + " records for the range " +
                           std::to_string(b.first_seq) + ".." + std::to_string(b.last_seq));
  std::optional<XmlTemplateReader> reader;
  if (templates) {
    auto t = XmlTemplateReader::read(*templates);
    if (!t) return t.error();
    reader = std::move(t).value();
  }
  b.records.reserve(recs->size());
  for (std::size_t i = 0; i < recs->size(); ++i) {
    auto rec = record_from((*recs)[i], "records[" + std::to_string(i) + "]", reader ? &*reader : nullptr);
    if (!rec) return rec.error();
    if (rec->seq != b.first_seq + static_cast<std::int64_t>(i))
      return Error::make(ErrorCode::sync_request,
                         "records[" + std::to_string(i) + "].seq: " + std::to_string(rec->seq) +
                             " where the range needs " + std::to_string(b.first_seq + static_cast<std::int64_t>(i)));
    b.records.push_back(std::move(rec).value());
  }
  if (reader)
    if (auto e = reader->finish()) return *e;
  return b;
}

json to_json(const AttachmentNeed& n) {
  json j = {{"sha256", n.sha256}, {"size", n.size}, {"received", n.received}};
  if (n.complete) j["complete"] = true;
  return j;
}

Result<AttachmentNeed> attachment_need_from(const json& j, const std::string& where) {
  ObjectReader r(j, where);
  AttachmentNeed n;
  n.sha256 = r.str("sha256", 64);
  n.size = r.integer("size", 0, kMaxAttachmentBytes);
  n.received = r.integer("received", 0, kMaxAttachmentBytes);
  n.complete = r.boolean("complete", false, false);
  if (auto e = r.finish()) return *e;
  if (!is_sha256(n.sha256)) return Error::make(ErrorCode::sync_request, r.path_of("sha256") + ": not a sha256");
  return n;
}

json to_json(const PushAnswer& a) {
  json results = json::array();
  for (const auto& x : a.results) {
    json r = {{"seq", x.seq}, {"status", to_string(x.status)}};
    if (!x.reason.empty()) r["reason"] = x.reason;
    results.push_back(std::move(r));
  }
  json needed = json::array();
  for (const auto& n : a.attachments_needed) needed.push_back(to_json(n));
  json out = {{"device_id", a.device_id}, {"first_seq", a.first_seq}, {"last_seq", a.last_seq},
              {"replayed", a.replayed}, {"results", std::move(results)},
              {"attachments_needed", std::move(needed)}};
  if (a.clamped > 0) out["clock"] = {{"clamped", a.clamped}, {"ahead_ms", a.clock_ahead_ms}};
  return out;
}

Result<PushAnswer> push_answer_from(const json& j) {
  ObjectReader r(j, "");
  PushAnswer a;
  a.device_id = r.str("device_id", 64);
  a.first_seq = r.integer("first_seq", 1, INT64_MAX);
  a.last_seq = r.integer("last_seq", 1, INT64_MAX);
  a.replayed = r.boolean("replayed");
  const json* results = r.array("results");
  const json* needed = r.array("attachments_needed");
  if (const json* clock = r.object("clock", false)) {
    ObjectReader c(*clock, "clock");
    a.clamped = static_cast<int>(c.integer("clamped", 1, INT32_MAX));
    a.clock_ahead_ms = c.integer("ahead_ms", 0, INT64_MAX);
    if (auto e = c.finish()) return *e;
  }
  if (auto e = r.finish()) return *e;
  for (std::size_t i = 0; i < results->size(); ++i) {
    ObjectReader x((*results)[i], "results[" + std::to_string(i) + "]");
    RecordResult rr;
    rr.seq = x.integer("seq", 1, INT64_MAX);
    std::string status = x.str("status", 32);
    rr.reason = x.opt_str("reason", 1u << 16).value_or("");
    if (auto e = x.finish()) return *e;
    auto st = record_status_from(status);
    if (!st) return Error::make(ErrorCode::sync_request, x.path_of("status") + ": unknown status '" + status + "'");
    rr.status = *st;
    a.results.push_back(std::move(rr));
  }
  for (std::size_t i = 0; i < needed->size(); ++i) {
    auto n = attachment_need_from((*needed)[i], "attachments_needed[" + std::to_string(i) + "]");
    if (!n) return n.error();
    a.attachments_needed.push_back(std::move(n).value());
  }
  return a;
}

// --- Pull ---------------------------------------------------------------------------------

json to_json(const PullRequest& r) {
  json j = {{"cursor", r.cursor}, {"limit", r.limit}};
  json features = json::array();
  if (r.features.review) features.push_back("review");
  if (r.features.merged_into) features.push_back("merged_into");
  if (r.features.conflicts) features.push_back("conflicts");
  if (r.features.devices) features.push_back("devices");
  if (!features.empty()) j["features"] = std::move(features);
  return j;
}

Result<PullRequest> pull_request_from(const json& j) {
  ObjectReader r(j, "");
  PullRequest p;
  p.cursor = r.str("cursor", 256);
  p.limit = static_cast<int>(r.integer("limit", 1, kMaxPullLimit, false, 500));
  if (const json* features = r.array("features", false)) {
    if (features->size() > 64) r.fail("features", "more than 64 names");
    for (std::size_t i = 0; i < features->size() && !r.failed(); ++i) {
      const json& f = (*features)[i];
      if (!f.is_string()) {
        r.fail("features[" + std::to_string(i) + "]", "expected a string");
        break;
      }
      if (f == "review") p.features.review = true;
      else if (f == "merged_into") p.features.merged_into = true;
      else if (f == "conflicts") p.features.conflicts = true;
      else if (f == "devices") p.features.devices = true;
    }
  }
  return done(r, std::move(p));
}

json change_json(const core::PulledForm& f) {
  json media = json::array();
  for (const auto& m : f.media) media.push_back({{"name", m.name}, {"data", base64_encode(m.bytes)}});
  return {{"kind", "form"}, {"name", f.form.name}, {"xml", f.form.bytes}, {"media", std::move(media)}};
}

json change_json(const core::PulledRecord& r) {
  json props = json::object();
  for (const auto& [k, p] : r.properties) props[k] = {{"value", p.value}, {"hlc", p.hlc}};
  json j = {{"kind", "registry"}, {"registry", core::to_string(r.registry)}, {"id", r.record_id},
            {"properties", std::move(props)}};
  if (!r.merged_into.empty()) j["merged_into"] = r.merged_into;
  if (r.conflicts_known) {
    json cs = json::array();
    for (const auto& c : r.conflicts)
      cs.push_back({{"id", c.conflict_id}, {"property", c.property}, {"kept", c.kept_value}, {"other", c.other_value}});
    j["conflicts"] = std::move(cs);
  }
  return j;
}

json change_json(const core::PulledDecision& d) {
  json j = {{"kind", "decision"},
            {"instance_id", d.instance_id},
            {"state", d.review.empty() ? std::string(core::to_string(d.state)) : d.review}};
  if (!d.reason.empty()) j["reason"] = d.reason;
  return j;
}

json to_json(const PullAnswer& a, const PullFeatures& features) {
  json changes = json::array();
  for (const auto& f : a.page.forms) changes.push_back(change_json(f));
  for (const auto& r : a.page.records) {
    changes.push_back(change_json(r));
    if (!features.merged_into) changes.back().erase("merged_into");
    if (!features.conflicts) changes.back().erase("conflicts");
  }
  for (const auto& d : a.page.decisions)
    if (features.review || d.review.empty() || d.review == "rejected") changes.push_back(change_json(d));
  json j = {{"changes", std::move(changes)}, {"cursor", a.page.cursor}, {"more", a.more}};
  if (features.devices && !a.page.devices.empty()) {
    json devices = json::array();
    for (const auto& d : a.page.devices)
      devices.push_back({{"id", d.device_id}, {"name", d.name}, {"communes", d.communes}});
    j["devices"] = std::move(devices);
  }
  return j;
}

namespace {

Status change_from(const json& j, const std::string& path, core::PullPage& page) {
  ObjectReader r(j, path);
  std::string kind = r.str("kind", 32);
  if (kind == "form") {
    core::PulledForm f;
    f.form.name = r.str("name");
    f.form.bytes = r.str("xml", kMaxXmlBytes);
    if (const json* media = r.array("media")) {
      for (std::size_t i = 0; i < media->size() && !r.failed(); ++i) {
        ObjectReader m((*media)[i], r.path_of("media[" + std::to_string(i) + "]"));
        core::NamedBytes nb;
        nb.name = m.str("name");
        std::string data = m.str("data", kMaxInflatedBytes);
        if (auto e = m.finish()) return *e;
        auto bytes = base64_decode(data);
        if (!bytes) return Error::make(ErrorCode::sync_request, m.path_of("data") + ": not base64");
        nb.bytes = std::move(*bytes);
        f.media.push_back(std::move(nb));
      }
    }
    page.forms.push_back(std::move(f));
  } else if (kind == "registry") {
    core::PulledRecord rec;
    std::string registry = r.str("registry", 64);
    rec.record_id = r.str("id");
    read_properties(r, r.object("properties"), "properties", rec.properties);
    rec.merged_into = r.opt_str("merged_into").value_or("");
    if (const json* cs = r.array("conflicts", false)) {
      rec.conflicts_known = true;
      if (cs->size() > kMaxConflictsPerRecord) r.fail("conflicts", "more than " + std::to_string(kMaxConflictsPerRecord));
      for (std::size_t i = 0; i < cs->size() && !r.failed(); ++i) {
        ObjectReader c((*cs)[i], r.path_of("conflicts[" + std::to_string(i) + "]"));
        core::RecordConflict rc;
        rc.conflict_id = c.str("id", 64);
        rc.property = c.str("property", 256);
        rc.kept_value = c.str("kept", 1u << 16);
        rc.other_value = c.str("other", 1u << 16);
        if (auto e = c.finish()) return *e;
        rec.conflicts.push_back(std::move(rc));
      }
    }
    auto reg = core::registry_from_string(registry);
    if (!r.failed() && !reg) r.fail("registry", "unknown registry '" + registry + "'");
    if (reg) rec.registry = *reg;
    page.records.push_back(std::move(rec));
  } else if (kind == "decision") {
    core::PulledDecision d;
    d.instance_id = r.str("instance_id");
    std::string state = r.str("state", 32);
    d.reason = r.opt_str("reason", 1u << 16).value_or("");
    // Pulled decisions are the office's: a rejection is its review too.
    if (state == "rejected" || state == "approved" || state == "has_issues") {
      d.state = state == "rejected" ? core::SubmissionState::Rejected : core::SubmissionState::Sent;
      d.review = state;
    } else if (state == "sent") {
      d.state = core::SubmissionState::Sent;
    } else if (!r.failed()) {
      r.fail("state", "unknown decision '" + state + "'");
    }
    page.decisions.push_back(std::move(d));
  } else if (!r.failed()) {
    r.fail("kind", "unknown change kind '" + kind + "'");
  }
  if (auto e = r.finish()) return *e;
  return core::ok_status();
}

}  // namespace

Result<PullAnswer> pull_answer_from(const json& j) {
  ObjectReader r(j, "");
  PullAnswer a;
  const json* changes = r.array("changes");
  a.page.cursor = r.str("cursor", 256);
  a.more = r.boolean("more");
  if (const json* ds = r.array("devices", false)) {
    if (ds->size() > kMaxPullDevices) r.fail("devices", "more than " + std::to_string(kMaxPullDevices));
    for (std::size_t i = 0; i < ds->size() && !r.failed(); ++i) {
      ObjectReader d((*ds)[i], r.path_of("devices[" + std::to_string(i) + "]"));
      core::KnownDevice kd;
      kd.device_id = d.str("id", kMaxIdBytes);
      kd.name = d.str("name", 1024);
      if (const json* c = d.array("communes"))
        for (std::size_t k = 0; k < c->size() && !d.failed(); ++k) {
          if (!(*c)[k].is_string() || (*c)[k].get_ref<const std::string&>().size() > 256)
            d.fail("communes[" + std::to_string(k) + "]", "expected a string of at most 256 bytes");
          else kd.communes.push_back((*c)[k].get<std::string>());
        }
      if (!d.failed() && kd.device_id.empty()) d.fail("id", "empty");
      if (auto e = d.finish()) return *e;
      a.page.devices.push_back(std::move(kd));
    }
  }
  if (auto e = r.finish()) return *e;
  for (std::size_t i = 0; i < changes->size(); ++i)
    if (Status st = change_from((*changes)[i], "changes[" + std::to_string(i) + "]", a.page); !st)
      return st.error();
  return a;
}

// --- Enrollment ---------------------------------------------------------------------------

json to_json(const EnrollAnswer& a) {
  return {{"device_id", a.device_id}, {"token", a.token}, {"role", a.role}, {"communes", a.communes}};
}

Result<EnrollAnswer> enroll_answer_from(const json& j) {
  ObjectReader r(j, "");
  EnrollAnswer a;
  a.device_id = r.str("device_id", 64);
  a.token = r.str("token", 256);
  a.role = r.str("role", 32);
  if (const json* c = r.array("communes"))
    for (std::size_t i = 0; i < c->size() && !r.failed(); ++i) {
      if (!(*c)[i].is_string()) r.fail("communes[" + std::to_string(i) + "]", "expected a string");
      else a.communes.push_back((*c)[i].get<std::string>());
    }
  return done(r, std::move(a));
}

}  // namespace khaosat::sync
