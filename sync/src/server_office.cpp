// The office endpoints of SyncServer (server.hpp; docs/sync-protocol.md, "Office"): what the
// app's office view reads and decides on the office PC. Roles: an admin reads and reviews, a
// viewer only reads, officers and cooperatives are refused; everything is limited to the
// device's communes (an admin enrolled without communes sees the whole province).
//
//   GET  /v1/office/submissions?form_id=F[&commune=C]   a form's submissions with their review
//   GET  /v1/office/submission?form_id=F&instance_id=I  one submission: answers, XML, review trail
//   POST /v1/office/review                              records a review (admin)
//   GET  /v1/office/queue                               duplicates and conflicts to decide
//   POST /v1/office/queue/merge|distinct|resolve        records a queue decision (admin), as
//                                                       khaosat-server queue merge|distinct|resolve
//   POST /v1/office/plan                                the year's plan within a budget, as
//                                                       khaosat-server plan --format json
//   POST /v1/office/plan/override                       pins or excludes a need (admin), as
//                                                       khaosat-server plan-override
#include <algorithm>
#include <map>
#include <pugixml.hpp>
#include <set>

#include "khaosat/core/instance_name.hpp"
#include "khaosat/office/duplicates.hpp"
#include "khaosat/sync/office_plan.hpp"
#include "khaosat/sync/queue_actions.hpp"
#include "khaosat/sync/server.hpp"
#include "storage_common.hpp"

namespace khaosat::sync {

using nlohmann::json;

namespace {

Response fail(int status, ErrorCode c, std::string message) {
  return error_response(status, Error::make(c, std::move(message)));
}
Response fail(const Error& e) { return error_response(http_status_of(e.code), e); }

// A JSON answer's text, gzip-compressed when the request accepts it (a queue, a form's list or
// a plan can be long).
Response json_text_ok(const Request& req, std::string text) {
  Response r;
  r.headers["content-type"] = "application/json";
  r.body = std::move(text);
  auto enc = req.headers.find("accept-encoding");
  if (enc != req.headers.end() && enc->second.find("gzip") != std::string::npos) {
    r.body = gzip(r.body);
    r.headers["content-encoding"] = "gzip";
  }
  return r;
}

Response json_ok(const Request& req, const json& j) {
  return json_text_ok(req, j.dump(-1, ' ', false, json::error_handler_t::replace));
}

Scope scope_of(const DeviceInfo& d) { return Scope{d.role == "admin" && d.communes.empty(), d.communes}; }

// Who made a review or a queue decision, as the trail records it: "NAME (DEVICE_ID)".
std::string decided_by(const DeviceInfo& d) {
  return (d.name.empty() ? std::string("device") : d.name) + " (" + d.device_id + ")";
}

std::string trimmed(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
}

// What a submission's XML says for the office's lists: its commune (the first element named
// `commune`, as the server's scope check reads it), its instanceName, and every answer as a
// path below the root and its text (leaf elements only, meta left out), in document order.
struct Parsed {
  std::string commune, name;
  std::vector<std::pair<std::string, std::string>> answers;
};

void leaves(pugi::xml_node n, const std::string& path, Parsed& out) {
  bool has_child_element = false;
  for (pugi::xml_node c : n.children())
    if (c.type() == pugi::node_element) {
      has_child_element = true;
      std::string name = c.name();
      if (path.empty() && (name == "meta" || name == "orx:meta")) continue;
      leaves(c, path.empty() ? name : path + "/" + name, out);
    }
  if (!has_child_element && !path.empty()) out.answers.emplace_back(path, trimmed(n.text().as_string()));
}

Parsed parse(const std::string& xml, bool answers) {
  Parsed p;
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default)) return p;
  pugi::xml_node root = doc.document_element();
  pugi::xml_node commune = root.find_node([](pugi::xml_node n) {
    return n.type() == pugi::node_element && std::string_view(n.name()) == "commune";
  });
  p.commune = trimmed(commune.text().as_string());
  pugi::xml_node meta = root.child("meta");
  if (!meta) meta = root.child("orx:meta");
  p.name = core::tidy_instance_name(meta.child("instanceName").text().as_string());
  if (answers) leaves(root, "", p);
  return p;
}

// The parameter `name` of the query: missing or empty is a 400 naming it.
Result<std::string> required(const Request& r, const char* name, const char* usage) {
  auto it = r.query.find(name);
  if (it == r.query.end() || it->second.empty())
    return Error::make(ErrorCode::sync_request, std::string(name) + ": missing (" + usage + ")");
  if (it->second.size() > 200) return Error::make(ErrorCode::sync_request, std::string(name) + ": longer than 200 bytes");
  return it->second;
}

// The latest review of each submission.
Result<std::map<std::string, Review>> latest_reviews(ServerStorage& storage) {
  auto all = storage.reviews();
  if (!all) return all.error();
  std::map<std::string, Review> out;
  for (auto& r : *all) out[r.instance_id] = std::move(r);
  return out;
}

json summary(const StoredSubmission& s, const Parsed& p, const std::map<std::string, Review>& reviews,
             const std::map<std::string, std::string>& replaced_by) {
  json j = {{"instance_id", s.instance_id}, {"form_id", s.form_id},   {"form_version", s.form_version},
            {"device_id", s.device_id},     {"commune", p.commune},   {"name", p.name},
            {"received_at", s.received_at}, {"state", "received"},    {"comment", ""},
            {"reviewed_by", ""},            {"reviewed_at", 0},
            {"deprecated_id", s.deprecated_id ? json(*s.deprecated_id) : json(nullptr)},
            {"replaced_by", nullptr}};
  if (auto it = replaced_by.find(s.instance_id); it != replaced_by.end()) j["replaced_by"] = it->second;
  if (auto it = reviews.find(s.instance_id); it != reviews.end()) {
    j["state"] = it->second.state;
    j["comment"] = it->second.comment;
    j["reviewed_by"] = it->second.by;
    j["reviewed_at"] = it->second.at;
  }
  return j;
}

std::map<std::string, std::string> replacements(const std::vector<StoredSubmission>& subs) {
  std::map<std::string, std::string> out;
  for (const auto& s : subs)
    if (s.deprecated_id) out[*s.deprecated_id] = s.instance_id;
  return out;
}

// The submission `instance_id` of `form_id` in the device's scope, or 404 (one outside the
// scope is answered as unknown: its existence is not the device's to learn).
Result<StoredSubmission> find_submission(ServerStorage& storage, const std::string& form_id,
                                         const std::string& instance_id, const Scope& scope,
                                         std::vector<StoredSubmission>* all = nullptr) {
  auto subs = storage.submissions(form_id);
  if (!subs) return subs.error();
  for (auto& s : *subs)
    if (s.instance_id == instance_id && scope.allows(parse(s.xml, false).commune)) {
      StoredSubmission found = s;
      if (all) *all = std::move(subs).value();
      return found;
    }
  return Error::make(ErrorCode::sync_not_found, "no submission '" + instance_id.substr(0, 100) + "' of form '" +
                                                    form_id.substr(0, 100) + "' in this device's communes (" +
                                                    scope.describe() + ")");
}

// POST /v1/office/plan/override {"need_id", "action": "pin" | "exclude", "reason"} (admin): the
// override recorded as `khaosat-server plan-override` records it, by the device; the need's
// submission must be one of forms A, B or C in the device's communes.
Response plan_override(ServerStorage& storage, const Request& r, const DeviceInfo& d, std::int64_t now) {
  auto body = json_body(r);
  if (!body) return fail(body.error());
  const json& j = *body;
  if (!j.is_object()) return fail(400, ErrorCode::sync_request, "the body is not a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "need_id" && it.key() != "action" && it.key() != "reason")
      return fail(400, ErrorCode::sync_request, it.key() + ": unknown member (need_id, action, reason)");
  for (const char* m : {"need_id", "action", "reason"})
    if (!j.contains(m) || !j[m].is_string()) return fail(400, ErrorCode::sync_request, std::string(m) + ": expected a string");
  auto o = plan_override_of(j["need_id"], j["action"], j["reason"], decided_by(d), now);
  if (!o) return fail(400, ErrorCode::sync_request, o.error().message);
  const std::string instance_id = o->need_id.substr(0, o->need_id.find('#'));
  const Scope scope = scope_of(d);
  bool found = false;
  for (const char* form : {"lc_establishment", "lc_craft_village", "lc_coop_needs"})
    if (!found) found = find_submission(storage, form, instance_id, scope).ok();
  if (!found)
    return fail(404, ErrorCode::sync_not_found, "no submission '" + instance_id.substr(0, 100) + "' of forms A, B or C in this "
                                                "device's communes (" + scope.describe() + ")");
  if (Status st = storage.add_plan_override(*o); !st) return fail(st.error());
  return json_ok(r, {{"need_id", o->need_id}, {"action", o->action}, {"reason", o->reason}, {"by", o->by}, {"at", o->at}});
}

}  // namespace

Response SyncServer::office(const Request& r, const DeviceInfo& d) {
  const std::string name = r.path.substr(std::string("/v1/office/").size());
  const bool decides = name == "queue/merge" || name == "queue/distinct" || name == "queue/resolve";
  const bool writes = name == "review" || decides || name == "plan/override";
  const bool plans = name == "plan" && !options_.plan_tables_dir.empty();  // reads, with a body
  if (name != "submissions" && name != "submission" && name != "queue" && !writes && !plans)
    return fail(404, ErrorCode::sync_not_found, "no endpoint '" + r.path.substr(0, 200) + "' (docs/sync-protocol.md, \"Office\")");
  const std::string method = writes || plans ? "POST" : "GET";
  if (r.method != method) return fail(405, ErrorCode::sync_method, r.path + " takes " + method);
  if (d.role != "admin" && !(d.role == "viewer" && !writes)) {
    std::string why = d.role == "viewer" ? " (viewers only read)" : " (the office's endpoints are for admin and viewer devices)";
    return fail(403, ErrorCode::sync_forbidden, "a" + std::string(d.role == "admin" || d.role == "officer" ? "n " : " ") +
                                                   d.role.substr(0, 40) + " device may not call " + method + " " + r.path + why);
  }
  if (name == "submissions") return office_submissions(r, d);
  if (name == "submission") return office_submission(r, d);
  if (name == "queue") return office_queue(r, d);
  if (decides) return office_decide(r, d);
  if (plans) return office_plan(r, d);
  if (name == "plan/override") return plan_override(storage_, r, d, now());
  return office_review(r, d);
}

Response SyncServer::office_submissions(const Request& r, const DeviceInfo& d) {
  auto form_id = required(r, "form_id", "GET /v1/office/submissions?form_id=FORM[&commune=CODE]");
  if (!form_id) return fail(form_id.error());
  std::string commune;
  if (auto it = r.query.find("commune"); it != r.query.end()) commune = it->second;
  auto subs = storage_.submissions(*form_id);
  if (!subs) return fail(subs.error());
  auto reviews = latest_reviews(storage_);
  if (!reviews) return fail(reviews.error());
  const Scope scope = scope_of(d);
  const auto replaced_by = replacements(*subs);
  json list = json::array();
  for (const auto& s : *subs) {
    Parsed p = parse(s.xml, false);
    if (!scope.allows(p.commune) || (!commune.empty() && p.commune != commune)) continue;
    list.push_back(summary(s, p, *reviews, replaced_by));
  }
  return json_ok(r, {{"form_id", *form_id}, {"submissions", std::move(list)}});
}

Response SyncServer::office_submission(const Request& r, const DeviceInfo& d) {
  const char* usage = "GET /v1/office/submission?form_id=FORM&instance_id=ID";
  auto form_id = required(r, "form_id", usage);
  if (!form_id) return fail(form_id.error());
  auto id = required(r, "instance_id", usage);
  if (!id) return fail(id.error());
  std::vector<StoredSubmission> all;
  auto s = find_submission(storage_, *form_id, *id, scope_of(d), &all);
  if (!s) return fail(s.error());
  auto trail = storage_.reviews();
  if (!trail) return fail(trail.error());
  std::map<std::string, Review> latest;
  json reviews = json::array();
  for (const auto& rv : *trail)
    if (rv.instance_id == *id) {
      latest[rv.instance_id] = rv;
      reviews.push_back({{"state", rv.state}, {"comment", rv.comment}, {"by", rv.by}, {"at", rv.at}});
    }
  Parsed p = parse(s->xml, true);
  json j = summary(*s, p, latest, replacements(all));
  json answers = json::array();
  for (const auto& [path, value] : p.answers) answers.push_back({{"path", path}, {"value", value}});
  j["answers"] = std::move(answers);
  j["reviews"] = std::move(reviews);
  j["xml"] = s->xml;
  return json_ok(r, j);
}

Response SyncServer::office_review(const Request& r, const DeviceInfo& d) {
  auto body = json_body(r);
  if (!body) return fail(body.error());
  const json& j = *body;
  if (!j.is_object()) return fail(400, ErrorCode::sync_request, "the body is not a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "form_id" && it.key() != "instance_id" && it.key() != "state" && it.key() != "comment")
      return fail(400, ErrorCode::sync_request, it.key() + ": unknown member (form_id, instance_id, state, comment)");
  for (const char* m : {"form_id", "instance_id", "state"})
    if (!j.contains(m) || !j[m].is_string() || j[m].get<std::string>().empty())
      return fail(400, ErrorCode::sync_request, std::string(m) + ": missing (expected a non-empty string)");
  if (j.contains("comment") && !j["comment"].is_string())
    return fail(400, ErrorCode::sync_request, "comment: expected a string");
  Review review{j["instance_id"], j["state"], j.value("comment", ""), "", now()};
  if (review.state != "approved" && review.state != "rejected" && review.state != "has_issues")
    return fail(400, ErrorCode::sync_request, "state: '" + review.state.substr(0, 40) +
                                                  "' is not a review state (approved, rejected or has_issues)");
  if (review.comment.size() > 4000) return fail(400, ErrorCode::sync_request, "comment: longer than 4,000 bytes");
  if (review.state == "rejected" && trimmed(review.comment).empty())
    return fail(400, ErrorCode::sync_request, "comment: a rejection needs a reason (the officer sees it)");
  auto s = find_submission(storage_, j["form_id"], review.instance_id, scope_of(d));
  if (!s) return fail(s.error());
  review.by = decided_by(d);
  if (Status st = storage_.add_review(review); !st) return fail(st.error());
  return json_ok(r, {{"instance_id", review.instance_id}, {"state", review.state}, {"comment", review.comment},
                  {"by", review.by}, {"at", review.at}});
}

Response SyncServer::office_queue(const Request& r, const DeviceInfo& d) {
  const Scope scope = scope_of(d);
  std::vector<core::PulledRecord> records;
  std::map<std::string, std::pair<std::string, std::string>> about;  // record id -> name, commune
  for (core::Registry reg : {core::Registry::Establishment, core::Registry::Cooperative, core::Registry::CraftVillage}) {
    auto got = storage_.registry(reg);
    if (!got) return fail(got.error());
    for (auto& st : *got) {
      std::string commune = commune_of(st.record), name;
      for (const auto& [k, p] : st.record.properties)
        if (k == "name") name = p.value;
      about[st.record.record_id] = {name, commune};
      if (scope.allows(commune)) records.push_back(std::move(st.record));
    }
  }
  json out = {{"duplicates", json::array()}, {"conflicts", json::array()}, {"submission_conflicts", json::array()}};
  // Groups the office marked distinct are decided: left out (office::open_duplicates).
  auto decisions = storage_.queue_decisions();
  if (!decisions) return fail(decisions.error());
  std::vector<office::DistinctMark> marks;
  for (const auto& q : *decisions)
    if (q.kind == "distinct") marks.push_back({q.choice, q.value, q.records});
  for (const auto& g : office::open_duplicates(office::possible_duplicates(records), marks)) {
    json names = json::array();
    for (const auto& id : g.record_ids) names.push_back(about[id].first);
    out["duplicates"].push_back({{"registry", g.registry}, {"reason", g.reason}, {"key", g.key},
                                 {"records", g.record_ids}, {"names", std::move(names)}});
  }
  auto conflicts = storage_.registry_conflicts();
  if (!conflicts) return fail(conflicts.error());
  for (const auto& c : *conflicts) {
    if (!c.open || !scope.allows(about[c.record_id].second)) continue;
    out["conflicts"].push_back({{"id", c.id}, {"conflict", registry_conflict_id(c.id)}, {"record_id", c.record_id}, {"registry", c.registry}, {"property", c.property},
                                {"name", about[c.record_id].first},
                                {"kept", {{"value", c.kept.value}, {"hlc", c.kept.hlc}}},
                                {"other", {{"value", c.other.value}, {"hlc", c.other.hlc}}},
                                {"device_id", c.device_id}, {"at", c.at}});
  }
  auto sub_conflicts = storage_.submission_conflicts();
  if (!sub_conflicts) return fail(sub_conflicts.error());
  std::map<std::string, std::vector<StoredSubmission>> by_form;  // the stored versions, for their commune
  for (const auto& c : *sub_conflicts) {
    if (!c.open) continue;
    if (!by_form.count(c.form_id)) {
      auto subs = storage_.submissions(c.form_id);
      if (!subs) return fail(subs.error());
      by_form[c.form_id] = std::move(subs).value();
    }
    std::string commune;
    for (const auto& s : by_form[c.form_id])
      if (s.instance_id == c.instance_id) commune = parse(s.xml, false).commune;
    if (!scope.allows(commune)) continue;
    out["submission_conflicts"].push_back(
        {{"id", c.id}, {"conflict", submission_conflict_id(c.id)}, {"instance_id", c.instance_id}, {"form_id", c.form_id}, {"commune", commune},
         {"stored", {{"sha256", c.stored.sha256}, {"device_id", c.stored.device_id}, {"received_at", c.stored.received_at}}},
         {"other", {{"sha256", c.other.sha256}, {"device_id", c.other.device_id}, {"received_at", c.other.received_at}}}});
  }
  return json_ok(r, out);
}

Response SyncServer::office_decide(const Request& r, const DeviceInfo& d) {
  const std::string action = r.path.substr(std::string("/v1/office/queue/").size());
  auto body = json_body(r);
  if (!body) return fail(body.error());
  const json& j = *body;
  if (!j.is_object()) return fail(400, ErrorCode::sync_request, "the body is not a JSON object");
  const std::vector<std::string> members = action == "merge"      ? std::vector<std::string>{"keep", "merged", "reason"}
                                           : action == "distinct" ? std::vector<std::string>{"records", "reason"}
                                                                  : std::vector<std::string>{"conflict", "keep", "value", "reason"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (std::find(members.begin(), members.end(), it.key()) == members.end()) {
      std::string list;
      for (const auto& m : members) list += (list.empty() ? "" : ", ") + m;
      return fail(400, ErrorCode::sync_request, it.key().substr(0, 40) + ": unknown member (" + list + ")");
    }
  // A string member: nullopt when absent; an Error when present but not a string (or empty).
  auto text = [&j](const char* m, bool required) -> Result<std::optional<std::string>> {
    if (!j.contains(m)) {
      if (required) return Error::make(ErrorCode::sync_request, std::string(m) + ": missing (expected a non-empty string)");
      return std::optional<std::string>();
    }
    if (!j[m].is_string()) return Error::make(ErrorCode::sync_request, std::string(m) + ": expected a string");
    if (j[m].get<std::string>().size() > 4000) return Error::make(ErrorCode::sync_request, std::string(m) + ": longer than 4,000 bytes");
    return std::optional<std::string>(j[m].get<std::string>());
  };
  auto reason = text("reason", false);
  if (!reason) return fail(reason.error());

  const Scope scope = scope_of(d);
  auto records = all_registry_records(storage_);
  if (!records) return fail(records.error());
  // A record outside the device's communes is answered as unknown (find_submission's rule).
  auto in_scope = [&](const std::string& id) -> Status {
    for (const auto& rec : *records)
      if (rec.record_id == id && scope.allows(commune_of(rec))) return core::ok_status();
    return Error::make(ErrorCode::sync_not_found,
                       "no registry record '" + id.substr(0, 100) + "' in this device's communes (" + scope.describe() + ")");
  };
  std::vector<QueueDecision> decisions;
  if (action == "merge") {
    auto keep = text("keep", true), merged = text("merged", true);
    if (!keep || !merged) return fail(!keep ? keep.error() : merged.error());
    for (const auto& id : {**keep, **merged})
      if (Status st = in_scope(id); !st) return fail(st.error());
    decisions.push_back(merge_decision(**keep, **merged));
  } else if (action == "distinct") {
    if (!j.contains("records") || !j["records"].is_array() || j["records"].size() < 2 || j["records"].size() > 100)
      return fail(400, ErrorCode::sync_request, "records: expected an array of 2 to 100 record ids");
    std::vector<std::string> ids;
    for (const auto& v : j["records"]) {
      if (!v.is_string() || v.get<std::string>().empty())
        return fail(400, ErrorCode::sync_request, "records: expected non-empty strings");
      ids.push_back(v.get<std::string>());
      if (Status st = in_scope(ids.back()); !st) return fail(st.error());
    }
    auto trail = storage_.queue_decisions();
    if (!trail) return fail(trail.error());
    auto made = distinct_decisions(*records, ids, *trail);
    if (!made) return fail(made.error());
    decisions = std::move(made).value();
  } else {
    auto conflict = text("conflict", true), keep = text("keep", false), value = text("value", false);
    for (const auto* m : {&conflict, &keep, &value})
      if (!*m) return fail(m->error());
    auto made = resolve_decision(**conflict, keep->value_or(""), *value);
    if (!made) return fail(made.error());
    // The conflict's commune: its record's, or its submission's.
    std::optional<std::string> commune;
    if (made->kind == "registry_conflict") {
      auto all = storage_.registry_conflicts();
      if (!all) return fail(all.error());
      for (const auto& c : *all)
        if (c.id == made->conflict_id) {
          commune = "";
          for (const auto& rec : *records)
            if (rec.record_id == c.record_id) commune = commune_of(rec);
        }
    } else {
      auto all = storage_.submission_conflicts();
      if (!all) return fail(all.error());
      for (const auto& c : *all)
        if (c.id == made->conflict_id) {
          auto s = find_submission(storage_, c.form_id, c.instance_id, scope);
          commune = s ? parse(s->xml, false).commune : std::string("\x01");  // \x01: outside the scope
        }
    }
    if (commune && !scope.allows(*commune))
      return fail(404, ErrorCode::sync_not_found, "no conflict '" + **conflict + "' in this device's communes (" +
                                                      scope.describe() + ")");
    decisions.push_back(std::move(made).value());
  }
  json out = json::array();
  for (auto& decision : decisions) {
    decision.by = decided_by(d);
    decision.reason = reason->value_or("");
    decision.at = now();
    auto done = storage_.record_decision(decision);
    if (!done) return fail(done.error());
    json one = {{"id", done->id},         {"kind", done->kind},     {"records", done->records}, {"choice", done->choice},
                {"value", done->value},   {"reason", done->reason}, {"by", done->by},           {"at", done->at}};
    if (done->kind == "registry_conflict") one["conflict"] = registry_conflict_id(done->conflict_id);
    if (done->kind == "submission_conflict") one["conflict"] = submission_conflict_id(done->conflict_id);
    out.push_back(std::move(one));
  }
  return json_ok(r, {{"decisions", std::move(out)}});
}

Response SyncServer::office_plan(const Request& r, const DeviceInfo& d) {
  auto body = json_body(r);
  if (!body) return fail(body.error());
  const json& j = *body;
  if (!j.is_object()) return fail(400, ErrorCode::sync_request, "the body is not a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "year" && it.key() != "budget")
      return fail(400, ErrorCode::sync_request, it.key() + ": unknown member (year, budget)");
  if (!j.contains("year") || !j["year"].is_number_integer() || j["year"].get<std::int64_t>() < 2000 ||
      j["year"].get<std::int64_t>() > 2100)
    return fail(400, ErrorCode::sync_request, "year: expected a year from 2000 to 2100");
  if (!j.contains("budget") || !j["budget"].is_object())
    return fail(400, ErrorCode::sync_request, "budget: expected an object {SOURCE: AMOUNT} (national, provincial, other)");
  std::map<std::string, double> budget;
  for (auto it = j["budget"].begin(); it != j["budget"].end(); ++it) {
    if (!office::is_source(it.key()))
      return fail(400, ErrorCode::sync_request, "budget." + it.key().substr(0, 40) +
                                                    ": not a funding source (national, provincial or other)");
    if (!it.value().is_number() || !(it.value().get<double>() >= 0) || it.value().get<double>() > 1e12)
      return fail(400, ErrorCode::sync_request, "budget." + it.key() + ": expected an amount in million VND, 0 or more");
    budget[it.key()] = it.value().get<double>();
  }
  const std::string& dir = options_.plan_tables_dir;
  auto tables = read_plan_tables(dir + "/plan_rules.csv", dir + "/communes.csv");
  if (!tables) return fail(500, ErrorCode::sync_storage, "the server's plan tables: " + tables.error().message);
  const Scope scope = scope_of(d);
  auto plan = plan_from_storage(storage_, static_cast<int>(j["year"].get<std::int64_t>()), budget, *tables, &scope);
  if (!plan) return fail(plan.error());
  return json_text_ok(r, office::plan_json(*plan));  // the bytes `khaosat-server plan --format json` writes
}

}  // namespace khaosat::sync
