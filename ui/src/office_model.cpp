// Reading the office endpoints' answers (office_model.hpp).
#include "office_model.hpp"

#include <nlohmann/json.hpp>

#include "khaosat/core/json.hpp"

namespace khaosat::ui {

namespace {

using nlohmann::json;

core::Error bad(const std::string& where, const std::string& what) {
  return core::Error::make(core::ErrorCode::sync_request, "the server's answer: " + where + ": " + what);
}

// Reads members by name with their types checked; the first problem is kept.
struct Reader {
  const json& j;
  std::string where;
  std::optional<core::Error>& problem;

  std::string str(const char* name, bool nullable = false) {
    if (problem) return "";
    auto it = j.find(name);
    if (it == j.end()) return fail(name, "missing"), "";
    if (nullable && it->is_null()) return "";
    if (!it->is_string()) return fail(name, "expected a string"), "";
    return it->get<std::string>();
  }
  std::int64_t num(const char* name) {
    if (problem) return 0;
    auto it = j.find(name);
    if (it == j.end() || !it->is_number_integer()) return fail(name, "expected an integer"), 0;
    return it->get<std::int64_t>();
  }
  const json& arr(const char* name) {
    static const json empty = json::array();
    if (problem) return empty;
    auto it = j.find(name);
    if (it == j.end() || !it->is_array()) return fail(name, "expected an array"), empty;
    return *it;
  }
  void fail(const char* name, const char* what) { problem = bad(where + "." + name, what); }
};

core::Result<json> parse(std::string_view text) {
  auto j = core::parse_json(text);
  if (!j) return bad("body", j.error().message);
  if (!j->is_object()) return bad("body", "not a JSON object");
  return j;
}

OfficeSubmission submission_of(const json& s, const std::string& where, std::optional<core::Error>& problem) {
  OfficeSubmission o;
  if (!s.is_object()) {
    problem = bad(where, "not an object");
    return o;
  }
  Reader r{s, where, problem};
  o.instance_id = r.str("instance_id");
  o.form_id = r.str("form_id");
  o.device_id = r.str("device_id");
  o.commune = r.str("commune");
  o.name = r.str("name");
  o.state = r.str("state");
  o.comment = r.str("comment");
  o.reviewed_by = r.str("reviewed_by");
  o.received_at = r.num("received_at");
  o.reviewed_at = r.num("reviewed_at");
  o.deprecated_id = r.str("deprecated_id", true);
  o.replaced_by = r.str("replaced_by", true);
  return o;
}

std::vector<std::string> strings(const json& a, const std::string& where, std::optional<core::Error>& problem) {
  std::vector<std::string> out;
  for (const auto& v : a) {
    if (!v.is_string()) {
      problem = bad(where, "expected strings");
      break;
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

core::Result<std::vector<OfficeSubmission>> read_office_submissions(std::string_view text) {
  auto j = parse(text);
  if (!j) return j.error();
  std::optional<core::Error> problem;
  Reader r{*j, "", problem};
  std::vector<OfficeSubmission> out;
  const json& list = r.arr("submissions");
  for (std::size_t i = 0; i < list.size() && !problem; ++i)
    out.push_back(submission_of(list[i], "submissions[" + std::to_string(i) + "]", problem));
  if (problem) return *problem;
  return out;
}

core::Result<OfficeDetail> read_office_detail(std::string_view text) {
  auto j = parse(text);
  if (!j) return j.error();
  std::optional<core::Error> problem;
  OfficeDetail d;
  d.summary = submission_of(*j, "", problem);
  Reader r{*j, "", problem};
  const json& answers = r.arr("answers");
  for (std::size_t i = 0; i < answers.size() && !problem; ++i) {
    Reader a{answers[i], "answers[" + std::to_string(i) + "]", problem};
    if (!answers[i].is_object()) problem = bad(a.where, "not an object");
    std::string path = a.str("path"), value = a.str("value");
    d.answers.emplace_back(std::move(path), std::move(value));
  }
  const json& reviews = r.arr("reviews");
  for (std::size_t i = 0; i < reviews.size() && !problem; ++i) {
    Reader v{reviews[i], "reviews[" + std::to_string(i) + "]", problem};
    if (!reviews[i].is_object()) problem = bad(v.where, "not an object");
    OfficeReview o;
    o.state = v.str("state");
    o.comment = v.str("comment");
    o.by = v.str("by");
    o.at = v.num("at");
    d.reviews.push_back(std::move(o));
  }
  if (problem) return *problem;
  return d;
}

core::Result<OfficeQueue> read_office_queue(std::string_view text) {
  auto j = parse(text);
  if (!j) return j.error();
  std::optional<core::Error> problem;
  Reader r{*j, "", problem};
  OfficeQueue q;
  const json& dups = r.arr("duplicates");
  for (std::size_t i = 0; i < dups.size() && !problem; ++i) {
    std::string where = "duplicates[" + std::to_string(i) + "]";
    if (!dups[i].is_object()) {
      problem = bad(where, "not an object");
      break;
    }
    Reader d{dups[i], where, problem};
    OfficeDuplicate o;
    o.registry = d.str("registry");
    o.reason = d.str("reason");
    o.record_ids = strings(d.arr("records"), where + ".records", problem);
    o.names = strings(d.arr("names"), where + ".names", problem);
    q.duplicates.push_back(std::move(o));
  }
  const json& conflicts = r.arr("conflicts");
  for (std::size_t i = 0; i < conflicts.size() && !problem; ++i) {
    std::string where = "conflicts[" + std::to_string(i) + "]";
    const json& c = conflicts[i];
    if (!c.is_object() || !c.contains("kept") || !c["kept"].is_object() || !c.contains("other") || !c["other"].is_object()) {
      problem = bad(where, "expected an object with 'kept' and 'other' objects");
      break;
    }
    Reader d{c, where, problem}, kept{c["kept"], where + ".kept", problem}, other{c["other"], where + ".other", problem};
    OfficeRegistryConflict o;
    o.registry = d.str("registry");
    o.record_id = d.str("record_id");
    o.property = d.str("property");
    o.device_id = d.str("device_id");
    o.name = c.contains("name") ? d.str("name") : "";
    o.kept = kept.str("value");
    o.other = other.str("value");
    q.conflicts.push_back(std::move(o));
  }
  const json& subs = r.arr("submission_conflicts");
  for (std::size_t i = 0; i < subs.size() && !problem; ++i) {
    std::string where = "submission_conflicts[" + std::to_string(i) + "]";
    if (!subs[i].is_object()) {
      problem = bad(where, "not an object");
      break;
    }
    const json& c = subs[i];
    if (!c.contains("stored") || !c["stored"].is_object() || !c.contains("other") || !c["other"].is_object()) {
      problem = bad(where, "expected 'stored' and 'other' objects");
      break;
    }
    Reader d{c, where, problem}, stored{c["stored"], where + ".stored", problem}, other{c["other"], where + ".other", problem};
    OfficeSubmissionConflict o;
    o.instance_id = d.str("instance_id");
    o.form_id = d.str("form_id");
    o.commune = d.str("commune");
    o.stored_device_id = stored.str("device_id");
    o.stored_at = stored.num("received_at");
    o.other_device_id = other.str("device_id");
    o.other_at = other.num("received_at");
    q.submission_conflicts.push_back(std::move(o));
  }
  if (problem) return *problem;
  return q;
}

std::string office_review_body(const std::string& form_id, const std::string& instance_id, const std::string& state,
                               const std::string& comment) {
  return json{{"form_id", form_id}, {"instance_id", instance_id}, {"state", state}, {"comment", comment}}.dump();
}

}  // namespace khaosat::ui
