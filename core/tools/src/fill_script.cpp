#include "khaosat/tools/fill_script.hpp"

#include <algorithm>
#include <limits>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <ostream>

#include "khaosat/core/json.hpp"

namespace khaosat::tools {

using namespace khaosat::core;

using nlohmann::json;

namespace {

double elapsed_ms(std::chrono::steady_clock::time_point since) {
  auto d = std::chrono::steady_clock::now() - since;
  return std::round(std::chrono::duration<double, std::milli>(d).count() * 1000.0) / 1000.0;
}

}  // namespace

SessionEnvironment deterministic_environment(double now_ms) {
  SessionEnvironment env;
  env.now_ms = [now_ms] { return now_ms; };
  env.tz_offset_minutes = [](double) { return 0; };
  auto counter = std::make_shared<std::uint64_t>(0);
  env.uuid = [counter] {
    char buf[64];
    std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012llx",
                  static_cast<unsigned long long>(++*counter));
    return std::string(buf);
  };
  // mulberry32 seeded as the oracle's deterministic mode seeds Math.random, so random() and an
  // unseeded randomize() give the same sequence as ODK's engine in a conformance run.
  auto seed = std::make_shared<std::uint32_t>(0x9e3779b9u);
  env.random = [seed] {
    *seed += 0x6D2B79F5u;
    std::uint32_t t = *seed;
    t = (t ^ (t >> 15)) * (t | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    return static_cast<double>(t ^ (t >> 14)) / 4294967296.0;
  };
  // The platform's device properties, fixed to the oracle's values for the same reason.
  env.device_id = "oracle-device-id";
  env.username = "oracle";
  env.email = "oracle@example.org";
  env.phone_number = "+10000000000";
  return env;
}

namespace {

json violations_to_json(const std::vector<std::pair<std::string, Violation>>& vs) {
  json out = json::array();
  for (const auto& [ref, v] : vs) {
    out.push_back({{"ref", ref},
                   {"condition", to_string(v.condition)},
                   {"message", v.message.empty() ? json(nullptr) : json(v.message)}});
  }
  return out;
}

// The session's state after a step, as the snapshot shows it.
Snapshot take_snapshot(const FormSession& s, int step, const json& action, bool ok,
                       std::string error, double ms, bool with_xml, bool labels) {
  auto t0 = std::chrono::steady_clock::now();
  Snapshot snap;
  snap.step = step;
  snap.action = &action;
  snap.ok = ok;
  snap.error = std::move(error);
  snap.ms = ms;
  snap.nodes = s.nodes();
  snap.violations = s.violations();
  if (labels) snap.language = s.language();
  if (with_xml) snap.instance_xml = s.instance_xml();
  snap.snapshot_ms = elapsed_ms(t0);
  return snap;
}

std::string value_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string s;
    for (const auto& e : v) {
      if (!s.empty()) s += ' ';
      s += value_text(e);
    }
    return s;
  }
  if (v.is_boolean()) return v.get<bool>() ? "OK" : "";
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_number()) {
    json copy = v;
    return copy.dump();
  }
  if (v.is_null()) return "";
  return v.dump();
}

// Applies one step; returns an error message ("" on success).
std::string step_error(FormSession& s, const json& step) {
  auto fail = [](const Error& e) { return e.message; };
  if (!step.is_object()) return "a step must be a JSON object";
  if (step.contains("set") || step.contains("answer")) {
    const json& ref = step.contains("set") ? step["set"] : step["answer"];
    if (!ref.is_string()) return "'set' needs a reference string";
    // The oracle's step format: a select's value is an array or a space-separated string.
    std::string r = ref.get<std::string>();
    json value = step.value("value", json(""));
    auto node = s.node(r);
    if (node && has_choices(node->type)) {
      std::vector<std::string> values;
      if (value.is_array()) {
        for (const json& v : value) values.push_back(value_text(v));
      } else {
        std::string text = value_text(value);
        std::size_t i = 0;
        while (i < text.size()) {
          while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
          std::size_t j = i;
          while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
          if (j > i) values.push_back(text.substr(i, j - i));
          i = j;
        }
      }
      Status st = s.answer_values(r, values);
      return st ? "" : fail(st.error());
    }
    Status st = s.answer(r, value_text(value));
    return st ? "" : fail(st.error());
  }
  // An optional integer field of a step; false (with `error` set) when it is not an integer.
  auto int_field = [&step](const char* name, int fallback, int& out, std::string& error) {
    if (!step.contains(name)) {
      out = fallback;
      return true;
    }
    // Read without narrowing: 2147483648 or 4294967297 is refused, not wrapped to another int.
    const json& v = step[name];
    constexpr auto lo = std::numeric_limits<int>::min(), hi = std::numeric_limits<int>::max();
    bool in_range = v.is_number_unsigned()  ? v.get<std::uint64_t>() <= std::uint64_t{hi}
                    : v.is_number_integer() ? v.get<std::int64_t>() >= lo && v.get<std::int64_t>() <= hi
                                            : false;
    if (!in_range) {
      error = std::string("'") + name + "' must be an integer from " + std::to_string(lo) +
              " to " + std::to_string(hi) + ", not " + v.dump();
      return false;
    }
    out = static_cast<int>(v.get<std::int64_t>());
    return true;
  };
  std::string field_error;
  if (step.contains("add_repeat")) {
    if (!step["add_repeat"].is_string()) return "'add_repeat' needs a reference string";
    int count = 1, after = -1;
    if (!int_field("count", 1, count, field_error) || !int_field("after", -1, after, field_error))
      return field_error;
    Status st = s.add_repeat(step["add_repeat"].get<std::string>(), count, after);
    return st ? "" : fail(st.error());
  }
  if (step.contains("remove_repeat")) {
    if (!step["remove_repeat"].is_string()) return "'remove_repeat' needs a reference string";
    std::string ref = step["remove_repeat"].get<std::string>();
    int index = 0;
    if (!int_field("index", 0, index, field_error)) return field_error;
    if (step.contains("index")) ref += "[" + std::to_string(index) + "]";
    Status st = s.remove_repeat(ref);
    return st ? "" : fail(st.error());
  }
  if (step.contains("set_language")) {
    Status st = s.set_language(value_text(step["set_language"]));
    return st ? "" : fail(st.error());
  }
  if (step.contains("noop")) return "";
  return "unknown step: " + step.dump();
}

}  // namespace

std::optional<double> parse_iso8601(std::string_view t) {
  int y, mo, d, h = 0, mi = 0, consumed = 0;
  double sec = 0;
  std::string s(t);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3) return std::nullopt;
  std::size_t pos = static_cast<std::size_t>(consumed);
  int offset_min = 0;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
    int c2 = 0;
    if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d%n", &h, &mi, &c2) != 2) return std::nullopt;
    pos += 1 + static_cast<std::size_t>(c2);
    if (pos < s.size() && s[pos] == ':') {
      int c3 = 0;
      if (std::sscanf(s.c_str() + pos + 1, "%lf%n", &sec, &c3) != 1) return std::nullopt;
      pos += 1 + static_cast<std::size_t>(c3);
    }
    if (pos < s.size()) {
      if (s[pos] == 'Z') {
        ++pos;
      } else if (s[pos] == '+' || s[pos] == '-') {
        int oh = 0, om = 0;
        int sign = s[pos] == '-' ? -1 : 1;
        if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) < 1) return std::nullopt;
        offset_min = sign * (oh * 60 + om);
        pos = s.size();
      }
    }
  }
  if (pos != s.size()) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec >= 61) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  double secs = static_cast<double>(timegm(&tm)) + sec - offset_min * 60.0;
  return secs * 1000.0;
}

json node_to_json(const NodeSnapshot& n, bool labels) {
  json j = {{"ref", n.ref}, {"type", to_string(n.type)}};
  if (n.leaf) j["dataType"] = to_string(n.data_type);
  j["relevant"] = n.relevant;
  j["required"] = n.required;
  j["readonly"] = n.readonly;
  if (n.type == NodeType::Repeat) {
    if (n.controlled) j["controlled"] = true;
    j["count"] = n.count;
  }
  if (labels) {
    if (!n.label.empty()) j["label"] = n.label;
    if (!n.hint.empty()) j["hint"] = n.hint;
  }
  if (n.leaf) {
    j["value"] = n.value;
    if (n.has_choices) {
      json cs = json::array();
      for (const Choice& c : n.choices) cs.push_back(c.value);
      j["choices"] = std::move(cs);
      if (labels) {
        json ls = json::array();
        for (const Choice& c : n.choices) ls.push_back(c.label);
        j["choiceLabels"] = std::move(ls);
      }
    }
    j["valid"] = n.valid;
    if (n.violation) {
      j["violation"] = {{"condition", to_string(n.violation->condition)},
                        {"message", n.violation->message.empty() ? json(nullptr)
                                                                 : json(n.violation->message)}};
    } else {
      j["violation"] = nullptr;
    }
  }
  return j;
}

json snapshot_to_json(const Snapshot& s, bool labels) {
  json nodes = json::array();
  for (const NodeSnapshot& n : s.nodes) nodes.push_back(node_to_json(n, labels));
  json snap = {{"step", s.step}, {"action", *s.action}, {"ok", s.ok}};
  if (s.step != 0) snap["error"] = s.error.empty() ? json(nullptr) : json(s.error);
  snap["ms"] = s.ms;
  snap["nodes"] = std::move(nodes);
  snap["violations"] = violations_to_json(s.violations);
  if (labels) snap["language"] = s.language;
  if (s.instance_xml) snap["instanceXML"] = *s.instance_xml;
  snap["snapshotMs"] = s.snapshot_ms;
  return snap;
}

Status apply_step(FormSession& session, const json& step) {
  std::string err = step_error(session, step);
  if (!err.empty()) return Error::make(ErrorCode::script_step, err);
  return ok_status();
}

Result<json> parse_script(std::string_view text) {
  auto parsed = parse_json(text);
  if (!parsed) return Error::make(ErrorCode::script, parsed.error().message);
  json j = std::move(parsed.value());
  if (!j.is_array()) return Error::make(ErrorCode::script, "a script must be a JSON array of steps");
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_object())
      return Error::make(ErrorCode::script, "step " + std::to_string(i + 1) + " is not a JSON object");
  }
  return j;
}

namespace {
json run_steps(const std::string& form_path, const json& steps, const FillOptions& options,
               const std::function<void(const Snapshot&)>& on_snapshot);
}  // namespace

json run_fill(const std::string& form_path, const json& steps, const FillOptions& options) {
  json snaps = json::array();
  json doc = run_fill(form_path, steps, options,
                      [&snaps](json&& snap) { snaps.push_back(std::move(snap)); });
  if (doc.value("ok", false)) doc["snapshots"] = std::move(snaps);
  return doc;
}

namespace {

// Where write_fill keeps the serialised snapshots until the document's end is known: an
// anonymous temporary file (deleted when closed), or memory when none can be made.
class SnapshotSpill {
 public:
  // A large buffer: a snapshot is written in one piece, 100,000 of them in a few thousand
  // write calls instead of one per 4 KiB.
  SnapshotSpill() : file_(std::tmpfile()) {
    if (file_) std::setvbuf(file_, nullptr, _IOFBF, std::size_t{1} << 20);
  }
  ~SnapshotSpill() {
    if (file_) std::fclose(file_);
  }
  SnapshotSpill(const SnapshotSpill&) = delete;
  SnapshotSpill& operator=(const SnapshotSpill&) = delete;

  void append(const std::string& text) {
    if (file_ && std::fwrite(text.data(), 1, text.size(), file_) == text.size()) return;
    if (file_) {  // the disk is full: keep what was written, then go on in memory
      move_to_memory();
    }
    memory_ += text;
  }
  // Copies everything appended to `out`.
  bool copy_to(std::ostream& out) {
    if (file_) {
      if (std::fflush(file_) != 0 || std::fseek(file_, 0, SEEK_SET) != 0) return false;
      char buf[1 << 16];
      for (std::size_t got; (got = std::fread(buf, 1, sizeof buf, file_)) > 0;)
        out.write(buf, static_cast<std::streamsize>(got));
      if (std::ferror(file_)) return false;
    }
    out << memory_;
    return static_cast<bool>(out);
  }

 private:
  void move_to_memory() {
    std::string kept;
    if (std::fflush(file_) == 0 && std::fseek(file_, 0, SEEK_SET) == 0) {
      char buf[1 << 16];
      for (std::size_t got; (got = std::fread(buf, 1, sizeof buf, file_)) > 0;) kept.append(buf, got);
    }
    std::fclose(file_);
    file_ = nullptr;
    memory_ = std::move(kept) + memory_;
  }
  std::FILE* file_;
  std::string memory_;
};

}  // namespace

json write_fill(std::ostream& out, const std::string& form_path, const json& steps,
                const FillOptions& options, int indent) {
  constexpr auto kReplace = json::error_handler_t::replace;
  SnapshotSpill spill;
  bool first = true;
  // An element of the top-level "snapshots" array, as dump() prints it at depth 2.
  const std::string pad(indent > 0 ? static_cast<std::size_t>(2 * indent) : 0, ' ');
  std::string item;
  json doc = run_steps(form_path, steps, options, [&](const Snapshot& snap) {
    item.assign(first ? "" : (indent >= 0 ? ",\n" : ","));
    first = false;
    item += pad;
    append_snapshot(item, snap, options.labels, indent, 2);
    spill.append(item);
  });
  if (!doc.value("ok", false)) {
    out << doc.dump(indent, ' ', false, kReplace) << "\n";
    return doc;
  }
  // The document's keys are sorted, so "snapshots" follows "instanceXML" (known only at the
  // end): print the rest with an empty array and put the snapshots where it is. Only the
  // top-level key can read "snapshots": [] with bare quotes (inside strings they are escaped).
  doc["snapshots"] = json::array();
  std::string rest = doc.dump(indent, ' ', false, kReplace);
  const std::string empty = indent >= 0 ? "\"snapshots\": []" : "\"snapshots\":[]";
  std::size_t at = rest.find(empty);
  doc.erase("snapshots");
  if (at == std::string::npos) {  // cannot happen: the key was just set
    out << rest << "\n";
    return doc;
  }
  out.write(rest.data(), static_cast<std::streamsize>(at + empty.size() - 1));
  if (indent >= 0) out << "\n";
  if (!first) spill.copy_to(out);
  if (indent >= 0) out << "\n" << std::string(static_cast<std::size_t>(indent), ' ');
  out << rest.substr(at + empty.size() - 1) << "\n";
  return doc;
}

json run_fill(const std::string& form_path, const json& steps, const FillOptions& options,
              const std::function<void(json&&)>& on_snapshot) {
  return run_steps(form_path, steps, options, [&](const Snapshot& snap) {
    on_snapshot(snapshot_to_json(snap, options.labels));
  });
}

namespace {

// run_fill's run, handing each snapshot over as it is taken.
json run_steps(const std::string& form_path, const json& steps, const FillOptions& options,
               const std::function<void(const Snapshot&)>& on_snapshot) {
  json doc = {{"form", form_path}, {"engine", "khaosat@0.1.0"}};
  SessionOptions sopts;
  if (options.now_ms) sopts.env = deterministic_environment(*options.now_ms);

  auto t0 = std::chrono::steady_clock::now();
  Result<Form> form = load_form(form_path, options.load);
  Result<std::unique_ptr<FormSession>> session =
      form ? FormSession::start(*form, sopts) : Result<std::unique_ptr<FormSession>>(form.error());
  double load_ms = elapsed_ms(t0);
  if (!session) {
    doc["ok"] = false;
    doc["error"] = {{"message", session.error().message}, {"code", session.error().code_name()}};
    return doc;
  }
  json repeats = nullptr;
  if (options.repeat_loads > 0) {
    std::vector<double> times;
    for (int i = 0; i < options.repeat_loads; ++i) {
      auto t1 = std::chrono::steady_clock::now();
      Result<Form> f = load_form(form_path, options.load);
      if (f) {
        SessionOptions o2;
        if (options.now_ms) o2.env = deterministic_environment(*options.now_ms);
        auto s2 = FormSession::start(*f, o2);
        (void)s2;
      }
      times.push_back(elapsed_ms(t1));
    }
    std::vector<double> sorted = times;
    std::sort(sorted.begin(), sorted.end());
    repeats = {{"all", times},
               {"min", sorted.front()},
               {"median", sorted[sorted.size() / 2]},
               {"max", sorted.back()}};
  }
  FormSession& s = **session;
  // A language the form does not have is the caller's mistake, not a state to snapshot: the
  // run stops as when the form does not load, and the message lists the form's languages.
  if (!options.language.empty()) {
    if (Status st = s.set_language(options.language); !st) {
      doc["ok"] = false;
      doc["error"] = {{"message", st.error().message}, {"code", st.error().code_name()}};
      return doc;
    }
  }
  doc["ok"] = true;
  doc["error"] = nullptr;
  doc["languages"] = s.languages();
  if (doc["languages"].empty()) doc["languages"] = json::array({""});
  const json load = "load";
  on_snapshot(take_snapshot(s, 0, load, true, "", load_ms, options.instance_xml_each, options.labels));
  auto steps_t0 = std::chrono::steady_clock::now();
  int i = 0;
  for (const json& step : steps) {
    ++i;
    auto ts = std::chrono::steady_clock::now();
    std::string err = step_error(s, step);
    double ms = elapsed_ms(ts);
    const bool ok = err.empty();
    on_snapshot(take_snapshot(s, i, step, ok, std::move(err), ms, options.instance_xml_each,
                              options.labels));
  }
  doc["timings"] = {{"loadMs", load_ms},
                    {"loadRepeatsMs", repeats},
                    {"stepsTotalMs", elapsed_ms(steps_t0)}};
  doc["instanceXML"] = s.instance_xml();
  auto vs = s.validate();
  doc["submission"] = {{"status", vs.empty() ? "ready" : "pending"},
                       {"violations", violations_to_json(vs)}};
  return doc;
}

}  // namespace

}  // namespace khaosat::tools
