// Big forms grow linearly. Each case builds a hostile input of thousands of rows and runs it
// under the deadline guard (support/deadline.hpp). Linear work is kept to seconds of CPU in the
// ASan Debug build (no body, each expression text parsed once), while the quadratic steps these
// cases guard against are amplified where they bite: relevance expressions that read the same
// path 16 times, 16 attribute dependencies per question, repeated session starts and
// conversions. A quadratic step that comes back costs 10^8 to 10^9 comparisons here: a gross
// regression ends the suite with exit 124 (under ASan the gap to linear is about tenfold at
// these sizes, so a mild one may pass). The figures themselves are measured by
// `scripts/bench scale`, never asserted here.
#include <doctest/doctest.h>

#include <chrono>
#include <sstream>
#include <string>

#include "khaosat/tools/fill_script.hpp"
#include "khaosat/core/form_session.hpp"
#include "support/deadline.hpp"
#include "support/scoped_dir.hpp"
#include "support/session_fixture.hpp"
#include "xform/form_def.hpp"
#include "xlsform/compiler.hpp"
#include "xlsform/workbook.hpp"

using namespace khaosat::core;
using namespace khaosat::tools;
using khaosat::test::ScopedDir;
using khaosat::test::within;
using nlohmann::json;

namespace {

constexpr std::chrono::seconds kLimit{120};
constexpr int kRows = 5000;       // questions of the XForm cases
constexpr int kChoices = 20000;   // choices of the XLSForm case
constexpr int kTerms = 16;  // terms per relevance expression
constexpr int kRuns = 2;    // session starts
constexpr int kConversions = 8;

// `term` (with K for the term's number) joined kTerms times with " or ".
std::string terms(const std::string& term) {
  std::string out;
  for (int k = 0; k < kTerms; ++k) {
    std::string t = term;
    for (std::size_t at; (at = t.find('K')) != std::string::npos;) t.replace(at, 1, std::to_string(k));
    out += (k ? " or " : "") + t;
  }
  return out;
}

// A flat XForm: /data/s and kRows leaves q0..q(N-1), each with a bind whose relevance is
// `relevant` (the same text for all: parsed once). No body but /data/s: the leaves are model
// nodes.
std::string flat_xform(const std::string& relevant, const std::string& root_attributes) {
  std::string inst = "<data id=\"flat\"" + root_attributes + "><s/>", binds;
  for (int i = 0; i < kRows; ++i) {
    std::string q = "q" + std::to_string(i);
    inst += "<" + q + "/>";
    binds += "<bind nodeset=\"/data/" + q + "\" relevant=\"" + relevant + "\"/>";
  }
  return khaosat::test::xform(inst + "</data>", binds, "<input ref=\"/data/s\"/>");
}

struct Started {
  std::string error;  // "" when every session started and took the answer
  int relevant_before = 0;  // sessions where the last question was relevant at start
  bool last_relevant_after = false;
};

// Loads `xml`, starts kRuns sessions and reads the last question's relevance in each; in the
// last one answers /data/s with `answer` and reads it again. All on the guarded thread.
Started start_and_answer(const std::string& xml, const std::string& answer,
                         const std::string& what) {
  return within(kLimit, what, [xml, answer] {
    Started out;
    auto form = load_form_xml(xml, "flat.xml");
    if (!form) {
      out.error = form.error().message;
      return out;
    }
    const std::string last = "/data/q" + std::to_string(kRows - 1);
    for (int run = 0; run < kRuns; ++run) {
      auto s = FormSession::start(*form, SessionOptions{khaosat::test::fixed_env(), ""});
      if (!s) {
        out.error = s.error().message;
        return out;
      }
      out.relevant_before += (*s)->node(last)->relevant ? 1 : 0;
      if (run + 1 < kRuns) continue;
      if (Status st = (*s)->answer("/data/s", answer); !st) out.error = st.error().message;
      out.last_relevant_after = (*s)->node(last)->relevant;
    }
    return out;
  });
}

}  // namespace

// Session start copied each child of /data by scanning all its siblings, and every read of
// /data/s compared the name of every child of /data.
TEST_CASE("scale: 5,000 questions relevant on one answer start and recompute linearly") {
  Started r = start_and_answer(flat_xform(terms("/data/s = 'yesK'"), ""), "yes3",
                               "5,000 questions reading /data/s");
  REQUIRE(r.error == "");
  CHECK(r.relevant_before == 0);
  CHECK(r.last_relevant_after);
}

// A dependency with no definition of its own (an attribute) was matched against every
// definition of the form, for each dependency of each of the 5,000 questions.
TEST_CASE("scale: 5,000 questions reading attributes of the root plan linearly") {
  std::string attrs;
  for (int k = 0; k < kTerms; ++k) attrs += " a" + std::to_string(k) + "=\"\"";
  Started r = start_and_answer(flat_xform(terms("/data/@aK = 'x'"), attrs), "x",
                               "5,000 questions reading attributes");
  REQUIRE(r.error == "");
  CHECK(r.relevant_before == 0);
  CHECK_FALSE(r.last_relevant_after);
}

// Each choice was compared with every earlier one of its list, and each warning (here: a
// choice without a label) with every earlier warning.
TEST_CASE("scale: a list of 20,000 unlabelled choices converts linearly, duplicates found") {
  std::string md = "| survey | type | name | label |\n| | select_one big | pick | Pick |\n"
                   "| choices | list_name | name | label |\n";
  for (int i = 0; i < kChoices; ++i) md += "| | big | c" + std::to_string(i) + " | |\n";
  struct Converted {
    std::string error, xml, dup_error;
    std::size_t warnings = 0;
  };
  Converted c = within(kLimit, "20,000 choices", [md] {
    Converted out;
    auto wb = xlsform::read_markdown(md, "big.md");
    auto dup = xlsform::read_markdown(md + "| | big | c0 | Again |\n", "dup.md");
    if (!wb || !dup) {
      out.error = "cannot read the markdown";
      return out;
    }
    for (int run = 0; run < kConversions; ++run) {
      std::vector<std::string> warnings;
      auto xml = xlsform::xlsform_to_xform(*wb, "big.md", &warnings);
      if (!xml) {
        out.error = xml.error().message;
        return out;
      }
      out.xml = std::move(*xml);
      out.warnings = warnings.size();
    }
    auto d = xlsform::xlsform_to_xform(*dup, "dup.md");
    if (!d) out.dup_error = d.error().message;
    return out;
  });
  REQUIRE(c.error == "");
  CHECK(c.xml.find("<name>c" + std::to_string(kChoices - 1) + "</name>") != std::string::npos);
  CHECK(c.warnings == static_cast<std::size_t>(kChoices));  // one per choice, each once
  // Line 4 holds c0: the duplicate at the end names it.
  CHECK(c.dup_error.find("already has the name 'c0' (row 4)") != std::string::npos);
}

// Whether a list's labels go through itext was worked out by scanning every choice of the
// list for each select over it: selects x choices. The survey's label is translated (so the form
// uses itext) and the list's labels are not, nor do they hold ${}, so nothing stops the scan
// early; each label is 200 bytes of '$' and letters for the "${" search to walk.
TEST_CASE("scale: 2,000 selects over one 50,000-choice list convert and build linearly") {
  constexpr int kSelects = 2000, kListChoices = 50000;
  std::string filler;
  for (int k = 0; k < 100; ++k) filler += "$x";
  std::string md = "| survey | type | name | label::English (en) |\n";
  for (int i = 0; i < kSelects; ++i)
    md += "| | select_one big | s" + std::to_string(i) + " | Select " + std::to_string(i) + " |\n";
  md += "| choices | list_name | name | label |\n";
  for (int i = 0; i < kListChoices; ++i)
    md += "| | big | c" + std::to_string(i) + " | " + filler + std::to_string(i) + " |\n";
  struct Built {
    std::string error, xml;
    int plain_itemsets = 0;  // selects built with an itemset whose labels are not itext
  };
  Built b = within(kLimit, "2,000 selects over 50,000 choices", [md] {
    Built out;
    auto wb = xlsform::read_markdown(md, "selects.md");
    if (!wb) {
      out.error = wb.error().message;
      return out;
    }
    // Both ways: the XML written (form convert) and the model built directly (form check).
    auto converted = xlsform::compile_xlsform(*wb, "selects.md", LoadOptions{}, &out.xml);
    auto direct = xlsform::compile_xlsform(*wb, "selects.md", LoadOptions{});
    if (!converted || !direct) {
      out.error = !converted ? converted.error().message : direct.error().message;
      return out;
    }
    for (const Control& c : (*direct)->body.children)
      out.plain_itemsets += c.itemset && !c.itemset->label_is_itext;
    return out;
  });
  REQUIRE(b.error == "");
  // The list's labels are plain (no itext) in the instance and in each select's itemset.
  CHECK(b.xml.find("<label>" + filler + "49999</label>") != std::string::npos);
  CHECK(b.xml.find("<itextId>") == std::string::npos);
  CHECK(b.xml.find("<label ref=\"label\"/>") != std::string::npos);
  CHECK(b.plain_itemsets == kSelects);
}

TEST_CASE("scale: write_fill prints run_fill's document byte for byte, one snapshot at a time") {
  ScopedDir dir;
  std::string path = dir.write(
      "fill.xml",
      khaosat::test::xform(
          R"X(<data id="fill"><a/><b/></data>)X",
          R"X(<bind nodeset="/data/a" type="int" constraint=". &lt; 5" jr:constraintMsg="small"/>)X"
          R"X(<bind nodeset="/data/b" type="string" calculate="concat('x', /data/a)"/>)X",
          R"X(<input ref="/data/a"><label>A "quoted" é</label></input>)X"));
  json steps = json::array();
  for (int i = 0; i < 300; ++i) steps.push_back({{"set", "/data/a"}, {"value", i % 7}});
  steps.push_back({{"set", "/data/nope"}, {"value", "1"}});  // a failing step is kept
  steps.push_back({{"noop", true}, {"note", "tab\there \u00e9"}});
  FillOptions o;
  o.now_ms = khaosat::test::kFixedNowMs;
  o.labels = true;
  o.instance_xml_each = true;
  for (int indent : {1, -1}) {
    json doc = run_fill(path, steps, o);
    REQUIRE(doc["snapshots"].size() == steps.size() + 1);
    std::string expected =
        doc.dump(indent, ' ', false, json::error_handler_t::replace) + "\n";
    std::ostringstream out;
    json rest = write_fill(out, path, steps, o, indent);
    CHECK(rest.value("ok", false));
    CHECK_FALSE(rest.contains("snapshots"));
    // Timings differ from run to run: compare with them zeroed on both sides.
    CHECK(khaosat::test::zero_timings(out.str()) == khaosat::test::zero_timings(expected));
  }
  // A form that does not load: the document without snapshots, as before.
  std::ostringstream out;
  json rest = write_fill(out, (dir.path() / "none.xml").string(), steps, o, 1);
  CHECK_FALSE(rest.value("ok", true));
  CHECK(out.str() == run_fill((dir.path() / "none.xml").string(), steps, o)
                             .dump(1, ' ', false, json::error_handler_t::replace) + "\n");
}
