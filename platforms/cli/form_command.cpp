// `khaosat form ...`: check and fill forms from the command line.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

#include "cli.hpp"
#include "output_file.hpp"
#include "khaosat/tools/fill_script.hpp"
#include "khaosat/core/form_session.hpp"
#include "khaosat/core/xlsform.hpp"
#include "khaosat/core/parse_number.hpp"

namespace khaosat::cli {
namespace {

using tools::FillOptions;

const char* kFormUsage =
    "usage: khaosat form SUBCOMMAND ...\n\n"
    "subcommands:\n"
    "  check FORM [--media DIR]... [--missing error|blank]\n"
    "      Load FORM and print a summary (id, version, languages, question count), or every\n"
    "      error found. Exit 0 when the form loads, 1 when it does not.\n"
    "  fill FORM [SCRIPT.json] [--media DIR]... [--missing error|blank] [--lang L]\n"
    "       [--now ISO8601] [--repeat N] [--labels] [--xml-each] [--compact] [--text]\n"
    "      Fill FORM with the steps of SCRIPT (a JSON array, the oracle's step format) and print\n"
    "      the snapshot document as JSON (the format of shared/tools/odk-oracle). --now fixes the\n"
    "      clock for today(), now() and timestamp preloads and makes uuids reproducible;\n"
    "      --missing blank treats a missing attachment as empty; --repeat N also loads the\n"
    "      form N more times and reports the timings; --labels adds labels, hints and choice\n"
    "      labels in the current language; --text prints the final answers for people instead\n"
    "      of JSON. Exit 1 when the form does not load.\n"
    "  convert FORM.xlsx|FORM.md|FORM.csv [-o FORM.xml] [--media DIR]...\n"
    "      Compile an XLSForm to ODK XForm XML, as pyxform's xls2xform does, and write it to\n"
    "      stdout (or to -o FILE). Every mistake in the form is reported on stderr, one line\n"
    "      each, naming sheet, row and column. Exit 0 when converted, 1 when the form has\n"
    "      mistakes or cannot be read or written.\n";

struct Parsed {
  std::vector<std::string> positional;
  FillOptions fill;
  bool compact = false;
  bool text = false;
  std::string output;  // convert -o
  std::vector<std::string> options;  // the options given, as written (for what a subcommand takes)
  std::string error;
};

// The options each subcommand takes: another one is a usage error, not silently ignored
// (`form check --lang Klingon` said "ok").
bool takes_option(const std::string& sub, const std::string& option) {
  if (option == "--media" || option == "--missing") return true;
  if (sub == "convert") return option == "-o" || option == "--output";
  return sub == "fill" && option != "-o" && option != "--output";
}

Parsed parse_args(const std::vector<std::string>& args) {
  Parsed p;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto next = [&](std::string& out) {
      if (i + 1 >= args.size()) {
        p.error = a + " needs a value";
        return false;
      }
      out = args[++i];
      return true;
    };
    std::string v;
    if (a.size() > 1 && a[0] == '-') p.options.push_back(a);
    if (a == "--media") {
      if (next(v)) p.fill.load.media_dirs.push_back(v);
    } else if (a == "--missing") {
      if (next(v)) {
        if (v == "blank") p.fill.load.missing_blank = true;
        else if (v != "error") p.error = "--missing takes 'error' or 'blank', not '" + v + "'";
      }
    } else if (a == "--lang") {
      if (next(v)) p.fill.language = v;
    } else if (a == "--now") {
      if (next(v)) {
        p.fill.now_ms = tools::parse_iso8601(v);
        if (!p.fill.now_ms) p.error = "--now: '" + v + "' is not an ISO 8601 date-time";
      }
    } else if (a == "--repeat") {
      if (next(v)) {
        auto n = core::parse_int(v, 0, 1000000);
        if (n) p.fill.repeat_loads = *n;
        else p.error = "--repeat needs a whole number from 0 to 1000000, not '" + v + "'";
      }
    } else if (a == "-o" || a == "--output") {
      next(p.output);
    } else if (a == "--xml-each") {
      p.fill.instance_xml_each = true;
    } else if (a == "--compact") {
      p.compact = true;
    } else if (a == "--labels") {
      p.fill.labels = true;
    } else if (a == "--text") {
      p.text = true;
      p.fill.labels = true;
    } else if (a.size() > 1 && a[0] == '-') {
      p.error = "unknown option '" + a + "'";
    } else {
      p.positional.push_back(a);
    }
    if (!p.error.empty()) break;
  }
  return p;
}

// What `form check` and `form convert` have built is kept until the process exits instead of
// being freed: freeing a 100,000-question form and its session node by node costs more than
// a tenth of the run, and the process ends right after (the system takes the memory back at
// once). Held through a static pointer, so it is reachable, not leaked, for leak checkers.
template <class T>
void keep_until_exit(T value) {
  static auto* kept = new std::vector<std::shared_ptr<void>>();
  kept->push_back(std::make_shared<T>(std::move(value)));
}

// `form check`'s verdict on a loaded form, shared with `form convert` so both say the same:
// the form's warnings (the compiler's and the loader's), then what only shows when the form
// runs (a repeat count the session caps). An error (on stderr) when no session can start:
// some cycles only show when the form runs (a value read through an ancestor).
std::optional<std::vector<std::string>> form_warnings(const std::string& path,
                                                      const core::Form& form) {
  auto session = core::FormSession::start(form);
  if (!session) {
    std::cerr << path << ": " << session.error().message << "\n";
    return std::nullopt;
  }
  std::vector<std::string> warnings = core::summarize(form).warnings;
  for (const auto& [ref, warning] : (*session)->warnings()) warnings.push_back(ref + ": " + warning);
  keep_until_exit(std::move(*session));
  return warnings;
}

int check(const Parsed& p) {
  if (p.positional.size() != 1) {
    std::cerr << "usage: khaosat form check FORM [--media DIR]...\n";
    return 2;
  }
  const std::string& path = p.positional[0];
  auto form = core::load_form(path, p.fill.load);
  if (!form) {
    // Loader messages already name the file.
    std::cerr << form.error().message << "\n";
    return 1;
  }
  auto warnings = form_warnings(path, *form);
  if (!warnings) return 1;
  core::FormSummary s = core::summarize(*form);
  s.warnings = std::move(*warnings);
  keep_until_exit(std::move(*form));
  std::cout << path << ": ok\n"
            << "  id:        " << s.id << "\n"
            << "  version:   " << (s.version.empty() ? "(none)" : s.version) << "\n"
            << "  title:     " << s.title << "\n"
            << "  languages: ";
  if (s.languages.empty()) std::cout << "(none)";
  for (std::size_t i = 0; i < s.languages.size(); ++i)
    std::cout << (i ? ", " : "") << s.languages[i]
              << (s.languages[i] == s.default_language ? " (default)" : "");
  std::cout << "\n  questions: " << s.question_count << "\n"
            << "  repeats:   " << s.repeat_count << "\n";
  for (const auto& w : s.warnings) std::cout << "  warning: " << w << "\n";
  return 0;
}

// The final state for people: each answered or computed question with its label, then the
// steps that failed, the open violations and the submission XML.
// `doc` is run_fill's document without its snapshots; `last` the final snapshot and `failed`
// those of the steps that failed (the only ones shown).
void print_text(const nlohmann::json& doc, const nlohmann::json& last,
                const std::vector<nlohmann::json>& failed) {
  std::cout << doc.value("form", "") << " (" << last.value("language", "") << ")\n\n";
  for (const auto& n : last["nodes"]) {
    std::string type = n.value("type", "");
    if (!n.value("relevant", true) || type == "root" || type == "repeat") continue;
    std::string ref = n.value("ref", "");
    std::size_t depth = static_cast<std::size_t>(std::count(ref.begin(), ref.end(), '/') - 2);
    std::string indent(depth * 2, ' ');
    std::string label = n.value("label", "");
    if (type == "group" || type == "repeat-instance") {
      std::cout << indent << "[" << ref << "] " << label << "\n";
      continue;
    }
    std::string value = n.value("value", "");
    if (n.contains("choiceLabels")) {  // show a select's labels, not its codes
      std::string shown;
      for (std::size_t i = 0; i < n["choices"].size(); ++i) {
        std::string v = n["choices"][i].get<std::string>();
        if ((" " + value + " ").find(" " + v + " ") == std::string::npos) continue;
        shown += (shown.empty() ? "" : ", ") + n["choiceLabels"][i].get<std::string>();
      }
      if (!shown.empty()) value = shown + " (" + value + ")";
    }
    if (type == "note") {  // a note is its text; a value only when it has one
      std::cout << indent << label << (value.empty() ? "" : " [" + value + "]");
    } else {
      std::cout << indent << (label.empty() ? ref : label) << ": " << value;
    }
    if (n.contains("violation") && n["violation"].is_object())
      std::cout << "   <- " << n["violation"].value("condition", "") << " "
                << (n["violation"]["message"].is_string()
                        ? n["violation"]["message"].get<std::string>() : std::string());
    std::cout << "\n";
  }
  for (const auto& s : failed)
    std::cout << "\nstep " << s["step"] << " failed: " << s["error"].get<std::string>() << "\n";
  // The submission's open violations, each with its message in the current language (the
  // messages are on the last snapshot's nodes).
  std::map<std::string, std::string> messages;
  for (const auto& n : last["nodes"])
    if (n.contains("violation") && n["violation"].is_object() &&
        n["violation"]["message"].is_string())
      messages[n.value("ref", "")] = n["violation"]["message"].get<std::string>();
  const auto& sub = doc["submission"];
  std::cout << "\nsubmission: " << sub.value("status", "") << "\n";
  for (const auto& v : sub["violations"]) {
    std::string ref = v.value("ref", "");
    auto m = messages.find(ref);
    std::cout << "  " << ref << ": " << v.value("condition", "")
              << (m != messages.end() && !m->second.empty() ? " (" + m->second + ")" : "") << "\n";
  }
  std::cout << "\n" << doc.value("instanceXML", "") << "\n";
}

int fill(const Parsed& p) {
  if (p.positional.empty() || p.positional.size() > 2) {
    std::cerr << "usage: khaosat form fill FORM [SCRIPT.json] [options]   (see --help)\n";
    return 2;
  }
  nlohmann::json steps = nlohmann::json::array();
  if (p.positional.size() == 2) {
    auto text = read_input(p.positional[1], core::kMaxScriptFileBytes);
    if (!text) {
      std::cerr << "khaosat form fill: cannot read the script: " << text.error().message << "\n";
      return 2;
    }
    auto parsed = tools::parse_script(*text);
    if (!parsed) {
      std::cerr << "khaosat form fill: " << p.positional[1] << ": " << parsed.error().message
                << "\n";
      return 2;
    }
    steps = std::move(parsed.value());
  }
  // One snapshot at a time: a script of a million steps must not hold a million snapshots.
  nlohmann::json doc;
  if (p.text) {
    nlohmann::json last;
    std::vector<nlohmann::json> failed;  // only their step and error are shown
    doc = tools::run_fill(p.positional[0], steps, p.fill, [&](nlohmann::json&& snap) {
      if (!snap.value("ok", true))
        failed.push_back({{"step", snap["step"]}, {"error", snap["error"]}});
      last = std::move(snap);
    });
    if (doc.value("ok", false)) {
      print_text(doc, last, failed);
      return 0;
    }
    std::cout << doc.dump(p.compact ? -1 : 1, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    // The document can be hundreds of megabytes (a million steps: 840 MB): written in 1 MiB
    // pieces, not in stdout's 4 KiB ones. Nothing has been printed to stdout yet.
    std::setvbuf(stdout, nullptr, _IOFBF, std::size_t{1} << 20);
    doc = tools::write_fill(std::cout, p.positional[0], steps, p.fill, p.compact ? -1 : 1);
  }
  if (!doc.value("ok", false)) {
    std::cerr << doc["error"].value("message", "") << "\n";
    return 1;
  }
  return 0;
}

int convert(const Parsed& p) {
  if (p.positional.size() != 1) {
    std::cerr << "usage: khaosat form convert FORM.xlsx|FORM.md|FORM.csv [-o FORM.xml]\n";
    return 2;
  }
  const std::string& path = p.positional[0];
  if (!core::is_xlsform_path(path)) {
    std::cerr << "khaosat form convert: " << path
              << ": not an XLSForm workbook (expected .xlsx, .xlsm, .xls, .md or .csv)\n";
    return 1;
  }
  // One read and one compilation give the XML, itemsets.csv and the loaded form. What we write
  // must load: the same check `form check` makes, with the same warnings. The form's
  // attachments are not needed to convert it (pyxform does not look for them; ODK Central
  // takes the form first and the media after): a missing one is a warning.
  core::FormLoadOptions lo = p.fill.load;
  lo.missing_blank = true;
  auto converted = core::convert_and_load_xlsform(path, lo);
  if (!converted) {
    std::cerr << converted.error().message << "\n";
    return 1;
  }
  auto warnings = form_warnings(path, converted->form);
  if (!warnings) return 1;
  for (const auto& w : *warnings) std::cerr << "warning: " << w << "\n";
  keep_until_exit(std::move(converted->form));
  // select_*_external: the external_choices sheet becomes itemsets.csv beside the XForm.
  const std::string& xml = converted->xml;
  const std::string* itemsets = &converted->itemsets_csv;
  if (p.output.empty() || p.output == "-") {
    if (!itemsets->empty())
      std::cerr << "warning: " << path << ": the external_choices sheet is written to "
                << "itemsets.csv only with -o FORM.xml (beside it)\n";
    std::cout << xml;
    return 0;
  }
  if (core::Status st = write_output(p.output, xml, {path}); !st) {
    std::cerr << "khaosat form convert: " << st.error().message << "\n";
    return 1;
  }
  if (!itemsets->empty()) {
    auto slash = p.output.find_last_of('/');
    std::string csv_path =
        (slash == std::string::npos ? std::string() : p.output.substr(0, slash + 1)) + "itemsets.csv";
    if (core::Status st = write_output(csv_path, *itemsets, {path}); !st) {
      std::cerr << "khaosat form convert: " << st.error().message << "\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace

int form_command(std::vector<std::string> args) {
  if (args.empty()) {
    std::cerr << kFormUsage;
    return 2;
  }
  std::string sub = args[0];
  args.erase(args.begin());
  bool help = sub == "-h" || sub == "--help";
  for (const auto& a : args) help = help || a == "-h" || a == "--help";
  if (help) {
    std::cout << kFormUsage;
    return 0;
  }
  Parsed p = parse_args(args);
  if (!p.error.empty()) {
    std::cerr << "khaosat form " << sub << ": " << p.error << "\n";
    return 2;
  }
  if (sub == "check" || sub == "fill" || sub == "convert")
    for (const auto& o : p.options)
      if (!takes_option(sub, o)) {
        std::cerr << "khaosat form " << sub << ": " << o << " is not an option of `form " << sub << "`"
                  << (sub != "fill" && takes_option("fill", o) ? " (it is one of `form fill`)" : "")
                  << "\n\n" << kFormUsage;
        return 2;
      }
  if (sub == "check") return check(p);
  if (sub == "fill") return fill(p);
  if (sub == "convert") return convert(p);
  std::cerr << "khaosat form: unknown subcommand '" << sub << "'\n\n" << kFormUsage;
  return 2;
}

}  // namespace khaosat::cli
