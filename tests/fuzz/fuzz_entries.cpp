// The fuzz targets' entry points (see fuzz_entries.hpp).
//
// [SECTION] Input reading and interesting values
// [SECTION] fuzz_xpath
// [SECTION] fuzz_xform
// [SECTION] fuzz_xlsform
// [SECTION] fuzz_session_script
// [SECTION] fuzz_restore
// [SECTION] fuzz_xlsx
// [SECTION] fuzz_geojson
#include "fuzz/fuzz_entries.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "khaosat/tools/fill_script.hpp"
#include "khaosat/core/form_session.hpp"
#include "support/xml_tree_builder.hpp"
#include "xform/external_data.hpp"
#include "xlsform/compiler.hpp"
#include "xlsform/workbook.hpp"
#include "xpath/xpath.hpp"

namespace khaosat::fuzz {

using core::ErrorCode;
using core::Form;
using core::FormSession;
using nlohmann::json;

namespace {

// [SECTION] Input reading and interesting values

// Values that reach the edges of the type coercions, date parsing, selects and geo functions.
constexpr std::array<const char*, 28> kValues = {
    "", "0", "1", "-1", "1.5", "17.9", "1e9", "1e309", "-1e-7", "NaN", "Infinity", "-0",
    "99999999999999999999", "2020-01-01", "2020-02-30", "1970-01-01T00:00:00Z", "12:00:00",
    "2020-01-01T10:00:00.123+07:00", "a b c", "1 2 3 4", "0 0 0 0;1 1 1 1;0 0 0 0", "yes",
    "true", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", " ", "<x>&amp;</x>", "option1", "-90 -180"};

// Reads the input front to back; past the end every read gives 0 / "".
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool done() const { return in_.empty(); }
  std::uint8_t byte() {
    if (in_.empty()) return 0;
    auto b = static_cast<std::uint8_t>(in_.front());
    in_.remove_prefix(1);
    return b;
  }
  std::string bytes(std::size_t n) {
    std::string s(in_.substr(0, n));
    in_.remove_prefix(s.size());
    return s;
  }
  // An interesting value (one byte below 64 names it) or up to 31 raw bytes.
  std::string value() {
    std::uint8_t b = byte();
    if (b < 64) return kValues[b % kValues.size()];
    return bytes(b % 32);
  }

 private:
  std::string_view in_;
};

core::SessionEnvironment fixed_env() {
  core::SessionEnvironment env;
  env.now_ms = [] { return 1700000000000.0; };
  env.tz_offset_minutes = [](double) { return 120; };
  env.uuid = [] { return std::string("00000000-0000-4000-8000-000000000001"); };
  env.random = [] { return 0.25; };
  return env;
}

// [SECTION] fuzz_xpath

constexpr const char* kPrimary = R"(<data xmlns="http://www.w3.org/2002/xforms" xmlns:orx="http://openrosa.org/xforms" id="p">
  <a>1</a><b>2</b><s> 12 </s><e/><t>abc</t><d>2020-02-29</d><dt>2020-01-01T10:00:00Z</dt>
  <geo>0 0 0 0;0 1 0 0;1 1 0 0;0 0 0 0</geo><sel>a b c</sel>
  <rep><n>x</n><v>1</v></rep><rep><n>y</n><v>2</v></rep><rep><n>z</n><v>3</v></rep>
  <g attr="hello" xml:lang="en-GB"><h>5</h><i>6</i></g>
  <orx:meta><orx:instanceID>uuid:1</orx:instanceID></orx:meta>
</data>)";

constexpr const char* kCities = R"(<root>
  <item><name>a</name><label>A</label><pop>10</pop></item>
  <item><name>b</name><label>B</label><pop>20</pop></item>
</root>)";

class XPathEnv final : public core::xpath::Environment {
 public:
  XPathEnv() : main_(test::parse_tree(kPrimary)), cities_(test::parse_tree(kCities)) {}

  core::Node* instance(std::string_view id) override {
    return id == "cities" ? cities_->root() : nullptr;
  }
  core::Node* primary_document() override { return main_->document(); }
  double now_ms() override { return 1700000000000.0; }
  int tz_offset_minutes(double) override { return -300; }
  double random() override { return 0.5; }
  std::string uuid() override { return "00000000-0000-4000-8000-000000000001"; }
  std::string itext(std::string_view id) override { return "itext:" + std::string(id); }
  std::string choice_name(std::string_view value, core::Node*) override {
    return "label:" + std::string(value);
  }
  std::string property(std::string_view name) override { return "prop:" + std::string(name); }

  core::Node* at(std::string_view path) { return test::find_node(*main_, path); }

 private:
  std::unique_ptr<core::Tree> main_, cities_;
};

}  // namespace

void run_xpath(std::string_view input) {
  auto parsed = core::xpath::parse(input);
  if (!parsed) return;
  const core::xpath::Expr& expr = **parsed;
  (void)core::xpath::dependencies(expr, "/data/rep/n");
  (void)core::xpath::is_volatile(expr);
  (void)core::xpath::as_path_text(expr);
  (void)core::xpath::source(expr);

  // A fresh environment per input: evaluation never mutates the trees, but a fresh one keeps a
  // bug that does from leaking into the next input.
  XPathEnv env;
  for (const char* where : {"/data", "/data/rep[2]/n", "/data/g"}) {
    core::xpath::Context ctx;
    ctx.node = env.at(where);
    ctx.current = ctx.node;
    ctx.env = &env;
    try {
      core::xpath::Value v = core::xpath::evaluate(expr, ctx);
      (void)v.to_string();
      (void)v.to_number();
      (void)v.to_boolean();
    } catch (const core::xpath::EvalError&) {
      // the documented way an expression fails at run time
    }
  }
}

// [SECTION] fuzz_xform

namespace {

constexpr std::size_t kMaxLeaves = 64;  // bounds the work per input, so timeouts mean a bug

void answer_leaves(FormSession& s, std::string_view input) {
  std::size_t seed = std::hash<std::string_view>{}(input);
  std::string tail(input.substr(input.size() > 24 ? input.size() - 24 : 0));
  std::size_t answered = 0;
  for (const core::NodeSnapshot& n : s.nodes()) {
    if (!n.leaf) continue;
    if (++answered > kMaxLeaves) break;
    std::string choice = n.choices.empty() ? "" : n.choices[seed % n.choices.size()].value;
    for (const std::string& v :
         {std::string(kValues[(seed + answered) % kValues.size()]), choice, tail}) {
      (void)s.answer(n.ref, v);
    }
  }
}

void exercise_repeats(FormSession& s) {
  for (const core::NodeSnapshot& n : s.nodes()) {
    if (n.type != core::NodeType::Repeat) continue;
    if (s.add_repeat(n.ref, 1, -1)) (void)s.remove_repeat(n.ref + "[1]");
    return;  // one repeat is enough per input
  }
}

}  // namespace

void run_xform(std::string_view input) {
  core::FormLoadOptions load;
  load.missing_blank = true;  // attachments never resolve: the form path names no directory
  auto form = core::load_form_xml(input, "/nonexistent-khaosat-fuzz/form.xml", load);
  if (!form) return;
  (void)core::summarize(*form);
  core::SessionOptions options;
  options.env = fixed_env();
  auto session = FormSession::start(*form, options);
  if (!session) return;
  FormSession& s = **session;
  (void)s.nodes();
  (void)s.instance_xml();
  for (const std::string& lang : s.languages()) (void)s.set_language(lang);
  answer_leaves(s, input);
  exercise_repeats(s);
  (void)s.pages();
  (void)s.violations();
  (void)s.instance_json();
  std::string xml = s.instance_xml();
  auto restored = FormSession::restore(*form, xml, options);
  if (restored) (void)(*restored)->nodes();
  (void)s.finalize();
}

// [SECTION] fuzz_xlsform

void run_xlsform(std::string_view input) {
  namespace x = core::xlsform;
  x::ReadLimits limits;
  limits.max_cells = 20'000;
  limits.max_grid_cells = 200'000;
  auto wb = x::read_markdown(input, "fuzz.md", limits);
  if (!wb) return;
  auto xml = x::xlsform_to_xform(wb.value(), "fuzz.md");
  if (!xml) return;
  core::FormLoadOptions load;
  load.missing_blank = true;
  auto form = core::load_form_xml(xml.value(), "/nonexistent-khaosat-fuzz/form.xml", load);
  // A calculation cycle is the designer's mistake, found when the dependency graph is built
  // (form_plan); anything else the loader refuses in XML we wrote is a compiler bug.
  if (!form && form.error().code == ErrorCode::form_cycle) return;
  if (!form) {
    // We wrote it; our own loader must take it (or the compiler should have said why not).
    std::fprintf(stderr, "compiled XForm refused: %s\n%s\n", form.error().message.c_str(),
                 xml.value().c_str());
    std::abort();
  }
  run_xform(xml.value());
}

// [SECTION] fuzz_session_script

namespace {

constexpr std::array<const char*, 14> kScriptForms = {
    "repeats/13-repeat-count.xml",
    "repeats/12-NestedRepeat.xml",
    "repeats/08-complex-repeats.xml",
    "repeats/06-jr-test-add-repeat-calc.xml",
    "select/2-dynamic-selects-itemsets.xml",
    "computations/6-relevant-calculate-group.xml",
    "validation/1-validation.xml",
    "itext/01-itext-basic.xml",
    "date-and-time/date-and-time.xml",
    "value-types/numeric-value-types.xml",
    "rank/2-rank-with-choice-filter.xml",
    "test-scenario/two-secondary-instances-alt.xml",
    "xpath-fns/variadic-distance.xml",
    "geolocation/geoshape.xml",
};

struct ScriptForm {
  std::string path;
  std::vector<std::string> refs;     // every node's ref at the start
  std::vector<std::string> repeats;  // refs of the repeats
  std::vector<std::string> languages;
};

// The forms' node references, read once: a binary step names a node by an index into them.
const std::vector<ScriptForm>& script_forms() {
  static const std::vector<ScriptForm> forms = [] {
    std::vector<ScriptForm> out;
    for (const char* rel : kScriptForms) {
      ScriptForm f;
      f.path = std::string(KHAOSAT_TESTS_DIR) + "/fixtures/odk-web-forms/" + rel;
      if (auto form = core::load_form(f.path)) {
        if (auto s = FormSession::start(*form)) {
          for (const core::NodeSnapshot& n : (*s)->nodes()) {
            f.refs.push_back(n.ref);
            if (n.type == core::NodeType::Repeat) f.repeats.push_back(n.ref);
          }
          f.languages = (*s)->languages();
        }
      }
      if (f.refs.empty()) f.refs.push_back("/data");
      if (f.repeats.empty()) f.repeats.push_back(f.refs.back());
      out.push_back(std::move(f));
    }
    return out;
  }();
  return forms;
}

// Binary steps: an op byte, then the op's operands. At most 24 steps per input.
json decode_steps(Reader& r, const ScriptForm& f) {
  json steps = json::array();
  for (int i = 0; i < 24 && !r.done(); ++i) {
    std::uint8_t op = r.byte();
    const std::string& ref = f.refs[r.byte() % f.refs.size()];
    switch (op % 7) {
      case 0:
      case 1:
        steps.push_back({{"set", ref}, {"value", r.value()}});
        break;
      case 2: {  // a value of another JSON type
        std::uint8_t b = r.byte();
        json v = b % 4 == 0   ? json(static_cast<std::int8_t>(r.byte()))
                 : b % 4 == 1 ? json(b > 128)
                 : b % 4 == 2 ? json::array({r.value(), r.value()})
                              : json(static_cast<double>(r.byte()) / 7.0);
        steps.push_back({{"answer", ref}, {"value", v}});
        break;
      }
      case 3:
        steps.push_back({{"add_repeat", f.repeats[r.byte() % f.repeats.size()]},
                         {"count", static_cast<std::int8_t>(r.byte()) % 6},
                         {"after", static_cast<std::int8_t>(r.byte()) % 6}});
        break;
      case 4:
        steps.push_back({{"remove_repeat", f.repeats[r.byte() % f.repeats.size()]},
                         {"index", static_cast<std::int8_t>(r.byte()) % 6}});
        break;
      case 5: {
        std::uint8_t b = r.byte();
        std::string lang = !f.languages.empty() && b < 200
                               ? f.languages[b % f.languages.size()]
                               : r.value();
        steps.push_back({{"set_language", lang}});
        break;
      }
      default:
        steps.push_back({{"set", ref + "[" + std::to_string(r.byte() % 5) + "]"},
                         {"value", r.value()}});
        break;
    }
  }
  return steps;
}

}  // namespace

// [SECTION] fuzz_restore

void run_restore(std::string_view input) {
  if (input.empty()) return;
  static const std::vector<core::Form> forms = [] {
    std::vector<core::Form> out;
    for (const ScriptForm& f : script_forms())
      if (auto form = core::load_form(f.path)) out.push_back(*form);
    return out;
  }();
  if (forms.empty()) return;
  const core::Form& form = forms[static_cast<std::uint8_t>(input.front()) % forms.size()];
  input.remove_prefix(1);
  core::SessionOptions options;
  options.env = fixed_env();
  auto session = FormSession::restore(form, input, options);
  if (!session) return;
  FormSession& s = **session;
  (void)s.nodes();
  (void)s.pages();
  auto reopen = [&](const std::string& xml, const char* when) {
    auto again = FormSession::restore(form, xml, options);
    if (again) return;
    std::fprintf(stderr, "the session's own XML (%s) does not restore: %s\n%s\n", when,
                 again.error().message.c_str(), xml.c_str());
    std::abort();
  };
  reopen(s.instance_xml(), "as restored");
  answer_leaves(s, input);
  (void)s.instance_json();
  auto done = s.finalize();
  reopen(done && done->finalized ? done->instance_xml : s.instance_xml(), "after answers");
}

// [SECTION] fuzz_session_script (entry point)

void run_session_script(std::string_view input) {
  if (input.empty()) return;
  const auto& forms = script_forms();
  const ScriptForm& form = forms[static_cast<std::uint8_t>(input.front()) % forms.size()];
  input.remove_prefix(1);

  json steps;
  if (!input.empty() && input.front() == '[') {
    auto parsed = tools::parse_script(input);
    if (!parsed) return;
    steps = std::move(*parsed);
  } else {
    Reader r(input);
    steps = decode_steps(r, form);
  }
  tools::FillOptions options;
  options.now_ms = 1700000000000.0;
  options.labels = true;
  json doc = tools::run_fill(form.path, steps, options);
  // As the CLI prints it (invalid UTF-8 replaced, not thrown).
  (void)doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

// [SECTION] fuzz_xlsx

void run_xlsx(std::string_view input) {
  namespace x = core::xlsform;
  x::ReadLimits limits;
  limits.max_part_bytes = 16u << 20;
  limits.max_total_bytes = 32u << 20;
  limits.max_xml_elements = 400'000;
  limits.max_cells = 100'000;
  limits.max_grid_cells = 1'000'000;
  (void)x::read_xlsx_bytes(input, "fuzz.xlsx", limits);
  (void)x::read_markdown(input, "fuzz.md", limits);
  (void)x::read_csv(input, "fuzz.csv", limits);
}

// [SECTION] fuzz_geojson

void run_geojson(std::string_view input) {
  core::Tree tree;
  if (!core::xform_detail::geojson_to_tree(input, "fuzz.geojson", tree)) return;
  // Every item's geometry and properties, as an itemset would read them.
  std::size_t chars = 0;
  for (const core::Node* item : tree.root()->children)
    for (const core::Node* field : item->children) chars += field->name.size() + field->value.size();
  (void)chars;
}

}  // namespace khaosat::fuzz
