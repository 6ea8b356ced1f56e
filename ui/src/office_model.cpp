// Reading the office endpoints' answers (office_model.hpp).
#include "office_model.hpp"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "khaosat/core/json.hpp"
#include "khaosat/core/store_ids.hpp"
#include "value_format.hpp"

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
  // An optional string: `fallback` when absent (a key a newer server added), else as str().
  std::string str_or(const char* name, const std::string& fallback) {
    return problem || j.find(name) == j.end() ? fallback : str(name);
  }
  std::int64_t num(const char* name) {
    if (problem) return 0;
    auto it = j.find(name);
    if (it == j.end() || !it->is_number_integer()) return fail(name, "expected an integer"), 0;
    return it->get<std::int64_t>();
  }
  double amount(const char* name) {
    if (problem) return 0;
    auto it = j.find(name);
    if (it == j.end() || !it->is_number()) return fail(name, "expected a number"), 0;
    return it->get<double>();
  }
  bool flag(const char* name) {
    if (problem) return false;
    auto it = j.find(name);
    if (it == j.end() || !it->is_boolean()) return fail(name, "expected true or false"), false;
    return it->get<bool>();
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
  if (j->contains("form_version")) d.form_version = r.str("form_version");
  if (j->contains("xml")) d.xml = r.str("xml");
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
    o.conflict = d.str("conflict");
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
    o.conflict = d.str("conflict");
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

core::Result<OfficePlan> read_office_plan(std::string_view text) {
  auto j = parse(text);
  if (!j) return j.error();
  std::optional<core::Error> problem;
  Reader r{*j, "", problem};
  OfficePlan p;
  p.year = r.num("year");
  p.rules_version = r.str("rules_version");
  const json& sources = r.arr("sources");
  for (std::size_t i = 0; i < sources.size() && !problem; ++i) {
    std::string where = "sources[" + std::to_string(i) + "]";
    if (!sources[i].is_object()) {
      problem = bad(where, "not an object");
      break;
    }
    Reader x{sources[i], where, problem};
    p.sources.push_back({x.str("source"), x.amount("budget"), x.amount("funded_total"), x.num("cut_rank")});
  }
  const json& needs = r.arr("needs");
  for (std::size_t i = 0; i < needs.size() && !problem; ++i) {
    std::string where = "needs[" + std::to_string(i) + "]";
    if (!needs[i].is_object()) {
      problem = bad(where, "not an object");
      break;
    }
    Reader x{needs[i], where, problem};
    OfficePlanNeed n;
    n.id = x.str("id");
    n.submission = x.str("submission");
    n.form = x.str("form");
    n.applicant = x.str("applicant");
    n.commune = x.str("commune");
    n.activity = x.str("activity");
    n.activity_label = {x.str_or("activity_vi", n.activity), x.str_or("activity_en", n.activity)};
    n.source = x.str("source");
    n.amount = x.amount("amount");
    n.score = x.num("score");
    n.rank = x.num("rank");
    n.eligible = x.flag("eligible");
    n.duplicate_funded = x.flag("duplicate_funded");
    n.funded = x.flag("funded");
    std::string decision = x.str("decision");  // both languages; a server before why_vi/why_en sent only this
    n.decision = {x.str_or("decision_vi", decision), x.str_or("decision_en", decision)};
    const json& ex = x.arr("explanation");
    for (std::size_t k = 0; k < ex.size() && !problem; ++k) {
      std::string at = where + ".explanation[" + std::to_string(k) + "]";
      if (!ex[k].is_object()) {
        problem = bad(at, "not an object");
        break;
      }
      Reader e{ex[k], at, problem};
      OfficePlanPoints pts;
      pts.criterion = e.str("criterion");
      pts.points = e.num("points");
      std::string why = e.str("why");
      pts.why = {e.str_or("why_vi", why), e.str_or("why_en", why)};
      n.explanation.push_back(std::move(pts));
    }
    if (auto o = needs[i].find("override"); o != needs[i].end() && !problem) {
      if (!o->is_object()) {
        problem = bad(where + ".override", "not an object");
        break;
      }
      Reader e{*o, where + ".override", problem};
      n.override_action = e.str("action");
      n.override_reason = e.str("reason");
      n.override_by = e.str("by");
    }
    p.needs.push_back(std::move(n));
  }
  if (problem) return *problem;
  return p;
}

std::string office_plan_body(int year, const std::vector<std::pair<std::string, double>>& budget) {
  json b = json::object();
  for (const auto& [source, amount] : budget) b[source] = amount;
  return json{{"year", year}, {"budget", b}}.dump();
}

std::string office_plan_override_body(const std::string& need_id, const std::string& action, const std::string& reason) {
  return json{{"need_id", need_id}, {"action", action}, {"reason", reason}}.dump();
}

std::string office_review_body(const std::string& form_id, const std::string& instance_id, const std::string& state,
                               const std::string& comment) {
  return json{{"form_id", form_id}, {"instance_id", instance_id}, {"state", state}, {"comment", comment}}.dump();
}

std::string office_merge_body(const std::string& keep, const std::string& merged, const std::string& reason) {
  return json{{"keep", keep}, {"merged", merged}, {"reason", reason}}.dump();
}

std::string office_distinct_body(const std::vector<std::string>& records, const std::string& reason) {
  return json{{"records", records}, {"reason", reason}}.dump();
}

std::string office_resolve_body(const std::string& conflict, const std::string& keep, const std::string& reason) {
  return json{{"conflict", conflict}, {"keep", keep}, {"reason", reason}}.dump();
}

namespace {
// "products[2]/prod_name" -> "products/prod_name": a node's ref as the server's answer paths are.
std::string without_positions(std::string_view ref) {
  std::string out;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    if (ref[i] == '[') {
      auto close = ref.find(']', i);
      if (close == std::string_view::npos) break;
      i = close;
      continue;
    }
    out += ref[i];
  }
  return out;
}
}  // namespace

std::vector<OfficeAnswer> label_answers(const core::Form* form, const std::string& language, const std::string& xml,
                                        const std::vector<std::pair<std::string, std::string>>& answers) {
  std::map<std::string, std::vector<core::NodeSnapshot>> nodes;  // by path below the root, document order
  std::map<std::string, int> order;  // a path's first node's position in document order
  if (form && *form) {
    core::SessionOptions so;
    so.language = language;
    auto session = core::FormSession::restore(*form, xml, so);
    if (!session) session = core::FormSession::start(*form, so);  // labels without the outputs filled in
    if (session) {
      std::string root;
      for (auto& n : (*session)->nodes()) {
        if (n.type == core::NodeType::Root) root = n.ref + "/";
        else if (n.leaf && !root.empty() && n.ref.compare(0, root.size(), root) == 0) {
          std::string path = without_positions(std::string_view(n.ref).substr(root.size()));
          order.emplace(path, static_cast<int>(order.size()));
          nodes[path].push_back(std::move(n));
        }
      }
    }
  }
  std::vector<OfficeAnswer> out;
  std::map<std::string, std::size_t> seen;
  for (const auto& [path, value] : answers) {
    auto slash = path.rfind('/');
    OfficeAnswer a{path, slash == std::string::npos ? path : path.substr(slash + 1), value, true};
    auto it = nodes.find(path);
    if (it != nodes.end()) {
      a.order = order[path];
      std::size_t k = seen[path]++;
      const core::NodeSnapshot& n = it->second[std::min(k, it->second.size() - 1)];
      if (!n.label.empty()) a.label = n.label, a.technical = false;
      if (!n.has_choices) {
        a.value = value_for_people(n.data_type, value);  // as the officer's own screens show it
      } else if (n.type == core::NodeType::Select1 && !value.empty()) {
        a.value = choice_label(n.choices, value);  // one value, spaces and all (a text where a code was)
      } else if (n.has_choices && !value.empty()) {
        std::string shown;
        for (std::size_t b = value.find_first_not_of(' '); b != std::string::npos;) {
          std::size_t e = std::min(value.find(' ', b), value.size());
          std::string v = value.substr(b, e - b), label = v;
          for (const auto& c : n.choices)
            if (c.value == v && !c.label.empty()) label = c.label;
          shown += (shown.empty() ? "" : ", ") + label;
          b = value.find_first_not_of(' ', e);
        }
        a.value = shown;
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<core::Choice> question_choices(const core::Form& form, const std::string& language, std::string_view name) {
  core::SessionOptions so;
  so.language = language;
  auto session = core::FormSession::start(form, so);
  if (!session) return {};
  for (auto& n : (*session)->nodes()) {
    if (!n.leaf || !n.has_choices) continue;
    auto slash = n.ref.rfind('/');
    if (std::string_view(n.ref).substr(slash == std::string::npos ? 0 : slash + 1) == name) return std::move(n.choices);
  }
  return {};
}

std::string device_name(const std::string& by) {
  auto open = by.rfind(" (");
  if (open == std::string::npos || open == 0 || by.empty() || by.back() != ')') return by;
  return by.substr(0, open);
}

std::string choice_label(const std::vector<core::Choice>& choices, const std::string& value) {
  for (const auto& c : choices)
    if (c.value == value && !c.label.empty()) return c.label;
  return value;
}

std::vector<const core::Choice*> match_choices(const std::vector<core::Choice>& choices, std::string_view typed) {
  std::string want = core::fold_for_search(typed);
  std::vector<const core::Choice*> out;
  for (const auto& c : choices)
    if (core::fold_for_search(c.label).find(want) != std::string::npos) out.push_back(&c);
  return out;
}

}  // namespace khaosat::ui
