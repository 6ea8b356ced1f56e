// khaosat_conformance: compares our engine with the goldens recorded from ODK's reference
// engine (scripts/conformance-golden), form by form, with the same rules as
// shared/tools/odk-compare: per node matched by ref, type / relevant / required / readonly /
// value / choices / valid / violation.condition; two UUID values are equal; preloaded device
// properties under /meta are equal.
//
// usage: khaosat_conformance FIXTURES_DIR GOLDEN_DIR STEPS_DIR [SUBDIR] [--sources DIR]
// Goldens are JSON, optionally gzip-compressed (.json.gz). A form may be an XLSForm source: our
// engine loads it through the compiler, the golden was recorded on our converted XForm.
// --sources DIR: for the golden of an XForm NAME.xml, our engine loads the workbook
// DIR/NAME.xlsx instead, through our compiler (goldens without one are skipped): ODK's
// preview-service corpus, whose goldens are ODK's engine on pyxform's XForm of each workbook.
// The form is then named by the workbook's path under FIXTURES_DIR (known-differences.txt).
// Prints one line per (form, script) and closes with "N passed, M failed"; exit 1 on failure.
// Differences listed in GOLDEN_DIR/../known-differences.txt, each for one field of one node of one
// form, are reported as KNOWN (see docs/conformance.md for why each differs); a form whose only
// differences are listed counts as neither passed nor failed, any other difference fails it, and
// a listed difference that no longer occurs fails too.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>
#include <zlib.h>

#include "khaosat/core/json.hpp"
#include "khaosat/tools/fill_script.hpp"

namespace fs = std::filesystem;
namespace core = khaosat::core;
namespace tools = khaosat::tools;
using nlohmann::json;

namespace {

const std::regex kUuid(
    "^(uuid:)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
const std::regex kPreloaded("/meta/(deviceID|username|phonenumber|email|simserial|subscriberid)$",
                            std::regex::icase);
const char* kFields[] = {"type", "relevant", "required", "readonly", "value",
                         "choices", "valid", "violation"};

json norm_field(const json& node, const std::string& field) {
  if (!node.contains(field)) return nullptr;
  const json& v = node[field];
  if (field == "violation") return v.is_object() ? v.value("condition", json(nullptr)) : json(nullptr);
  if (field == "choices" && v.is_array()) {
    json out = json::array();
    for (const json& c : v) out.push_back(c.is_object() ? c.value("value", json(nullptr)) : c);
    return out;
  }
  return v;
}

bool same_value(const std::string& ref, const json& a, const json& b) {
  if (a == b) return true;
  if (a.is_string() && b.is_string()) {
    std::string sa = a.get<std::string>(), sb = b.get<std::string>();
    if (std::regex_match(sa, kUuid) && std::regex_match(sb, kUuid)) return true;
    std::string plain = std::regex_replace(ref, std::regex("\\[\\d+\\]"), "");
    if (std::regex_search(plain, kPreloaded)) return true;
  }
  return false;
}

// One difference: the node (its ref with positions dropped, "" for the whole form) and field it
// is about, and the line printed for it.
struct Diff {
  std::string node, field, text;
};

std::string plain_ref(const std::string& ref) {
  return std::regex_replace(ref, std::regex("\\[\\d+\\]"), "");
}

std::vector<Diff> diff_docs(const json& oracle, const json& ours) {
  std::vector<Diff> out;
  bool ok_o = oracle.value("ok", false), ok_u = ours.value("ok", false);
  if (ok_o != ok_u) {
    out.push_back({"", "load", std::string("load: oracle ok=") + (ok_o ? "true" : "false") +
                                   " ours ok=" + (ok_u ? "true" : "false") +
                                   (ok_u ? "" : " (" + ours["error"].value("message", "") + ")")});
    return out;
  }
  if (!ok_o) return out;
  const json& so = oracle["snapshots"];
  const json& su = ours["snapshots"];
  if (so.size() != su.size())
    out.push_back({"", "snapshots", "snapshots: oracle has " + std::to_string(so.size()) +
                                        ", ours " + std::to_string(su.size())});
  for (std::size_t i = 0; i < std::min(so.size(), su.size()); ++i) {
    std::string step = so[i]["step"].dump();
    std::map<std::string, const json*> mine;
    for (const json& n : su[i]["nodes"]) {
      std::string t = n.value("type", "");
      if (t != "root" && t != "attribute") mine[n.value("ref", "")] = &n;
    }
    std::set<std::string> seen;
    for (const json& n : so[i]["nodes"]) {
      std::string t = n.value("type", "");
      if (t == "root" || t == "attribute") continue;
      std::string ref = n.value("ref", "");
      seen.insert(ref);
      auto it = mine.find(ref);
      if (it == mine.end()) {
        out.push_back({plain_ref(ref), "node", "step " + step + ": " + ref + ": missing in ours"});
        continue;
      }
      for (const char* f : kFields) {
        if (!n.contains(f)) continue;
        json a = norm_field(n, f), b = norm_field(*it->second, f);
        if (std::string(f) == "value" && same_value(ref, a, b)) continue;
        if (a != b)
          out.push_back({plain_ref(ref), f, "step " + step + ": " + ref + ": " + f + ": oracle " +
                                                a.dump() + " ours " + b.dump()});
      }
    }
    for (const auto& [ref, _] : mine)
      if (!seen.count(ref))
        out.push_back({plain_ref(ref), "node", "step " + step + ": " + ref + ": extra in ours"});
  }
  return out;
}

// known-differences.txt: "FORM-PATH NODE FIELD REASON", one difference a line. NODE is a ref
// with repeat positions dropped (/data/r/q), FIELD one of kFields; the exemption covers exactly
// that field of that node in that form, so any other difference in the form still fails.
struct Known {
  std::string reason;
  bool seen = false;
};
using KnownMap = std::map<std::tuple<std::string, std::string, std::string>, Known>;

std::optional<json> read_json(const fs::path& p) {
  std::string text;
  if (p.extension() == ".gz") {
    gzFile f = gzopen(p.c_str(), "rb");
    if (!f) return std::nullopt;
    char buf[1 << 16];
    int n;
    while ((n = gzread(f, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    gzclose(f);
  } else {
    std::ifstream in(p);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  auto j = core::parse_json(text, core::kMaxStoredJsonDepth);
  if (!j) return std::nullopt;
  return std::move(j.value());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: khaosat_conformance FIXTURES_DIR GOLDEN_DIR STEPS_DIR [SUBDIR]\n";
    return 2;
  }
  fs::path fixtures = argv[1], golden = argv[2], steps_dir = argv[3];
  std::string subdir;
  std::optional<fs::path> sources;
  for (int i = 4; i < argc; ++i) {
    if (std::string(argv[i]) == "--sources" && i + 1 < argc) sources = argv[++i];
    else subdir = argv[i];
  }
  KnownMap known;
  if (std::ifstream k(golden.parent_path() / "known-differences.txt"); k) {
    std::string line;
    for (int number = 1; std::getline(k, line); ++number) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream in(line);
      std::string form, node, field, reason;
      in >> form >> node >> field;
      std::getline(in >> std::ws, reason);
      if (field.empty() || reason.empty()) {
        std::cerr << "known-differences.txt:" << number
                  << ": expected FORM-PATH NODE FIELD REASON, got '" << line << "'\n";
        return 2;
      }
      known[{form, node, field}] = {reason};
    }
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(golden / subdir))
    if (e.is_regular_file() && (e.path().extension() == ".json" || e.path().extension() == ".gz"))
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  tools::FillOptions opts;
  opts.now_ms = tools::parse_iso8601("2020-01-01T12:00:00Z");
  opts.load.missing_blank = true;
  int passed = 0, failed = 0, known_count = 0;
  std::set<std::string> ran;  // forms compared in this run
  for (const fs::path& g : files) {
    // form.xml.json[.gz] / form.xml.seed1.json[.gz] / form.xml.script-NAME.json[.gz] (a script
    // written by hand, golden-xforms/)
    std::string rel = fs::relative(g, golden).string();
    std::string form_rel = rel.substr(0, rel.rfind(".json"));
    std::string script_rel;
    std::smatch m;
    // Forms are XForms (.xml) or XLSForm sources (.xlsx, .md, .csv: golden-xlsform/, whose
    // goldens the oracle recorded on the XForm `khaosat form convert` wrote for the source).
    if (std::regex_match(form_rel, m,
                         std::regex("(.*\\.(xml|xlsx|md|csv))\\.(seed\\d+|script-[A-Za-z0-9_-]+)$"))) {
      // Copy the matches out before form_rel, which they point into, changes.
      std::string form = m[1], seed = m[3];
      form_rel = form;
      script_rel = form + "." + seed + ".steps.json";
    }
    auto oracle = read_json(g);
    json steps = json::array();
    if (!script_rel.empty()) {
      auto s = read_json(steps_dir / script_rel);
      if (!s) {
        std::cout << "FAIL  " << rel << "\n      cannot read script " << script_rel << "\n";
        ++failed;
        continue;
      }
      steps = *s;
    }
    if (!oracle) {
      std::cout << "FAIL  " << rel << "\n      cannot read golden\n";
      ++failed;
      continue;
    }
    fs::path form_path = fixtures / form_rel;
    const fs::path xform_dir = form_path.parent_path();
    if (sources) {  // the workbook pyxform converted, not its XForm
      fs::path workbook = *sources / fs::path(form_rel).filename().replace_extension(".xlsx");
      if (!fs::exists(workbook)) continue;
      form_path = workbook;
      rel = fs::relative(workbook, fixtures).string() + " (" + rel + ")";
      form_rel = fs::relative(workbook, fixtures).string();
    }
    tools::FillOptions form_opts = opts;
    if (sources)  // the attachments are beside pyxform's XForm
      form_opts.load.media_dirs.push_back(xform_dir.string());
    json ours = tools::run_fill(form_path.string(), steps, form_opts);
    std::vector<Diff> diffs = diff_docs(*oracle, ours);
    bool lenient = !oracle->value("ok", false) && ours.value("ok", false);
    if (lenient) {
      std::cout << "PASS  " << rel << " (oracle rejects, ours loads)\n";
      ++passed;
      continue;
    }
    // Each difference listed for this node and field is known; any other fails the form.
    std::vector<std::string> unexplained;
    std::set<std::string> reasons;
    for (const Diff& d : diffs) {
      auto kn = known.find({form_rel, d.node, d.field});
      if (kn == known.end()) {
        unexplained.push_back(d.text);
        continue;
      }
      kn->second.seen = true;
      reasons.insert(d.node + " " + d.field + ": " + kn->second.reason);
    }
    if (!unexplained.empty()) {
      std::cout << "FAIL  " << rel << "\n";
      for (std::size_t i = 0; i < unexplained.size() && i < 8; ++i)
        std::cout << "      " << unexplained[i] << "\n";
      if (unexplained.size() > 8) std::cout << "      (" << unexplained.size() - 8 << " more)\n";
      ++failed;
    } else if (!reasons.empty()) {
      std::cout << "KNOWN " << rel << "\n";
      for (const auto& r : reasons) std::cout << "      " << r << "\n";
      ++known_count;
    } else {
      std::cout << "PASS  " << rel << "\n";
      ++passed;
    }
    ran.insert(form_rel);
  }
  // A listed difference that no longer occurs is stale: the list must say what is true.
  for (const auto& [key, k] : known) {
    const auto& [form, node, field] = key;
    if (ran.count(form) && !k.seen) {
      std::cout << "FAIL  known-differences.txt: " << form << " " << node << " " << field
                << " no longer differs; remove the line\n";
      ++failed;
    }
  }
  if (known_count) std::cout << known_count << " known differences (docs/conformance.md)\n";
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
