// The XLSForm compiler's entry points (compiler.hpp). The work is split by aspect, see
// compiler_internal.hpp: survey reading, expressions, XForm writing.
#include "xlsform/compiler.hpp"

#include <algorithm>
#include <regex>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "base/excerpt.hpp"
#include "khaosat/core/xlsform.hpp"
#include "xlsform/compiler_internal.hpp"

namespace khaosat::core::xlsform {

namespace detail {

Compiler::Compiler(const Workbook& wb, std::string source_path)
    : wb_(wb), source_path_(std::move(source_path)) {}

// Two columns with the same header: which one the designer meant is unknowable (pyxform:
// "Duplicate column header").
void Compiler::check_headers(const Sheet* s) {
  if (!s) return;
  Row header{s->header_row, {}};
  for (std::size_t i = 0; i < s->headers.size(); ++i) {
    Column a = split_header(s->headers[i]);
    for (std::size_t j = 0; j < i; ++j) {
      Column b = split_header(s->headers[j]);
      if (a.base == b.base && lower(a.lang) == lower(b.lang) && lower(a.attr) == lower(b.attr)) {
        error(*s, header, i, "duplicate column header '" + s->headers[i] + "' (column " +
                                 s->column_letter(j) + " has it too); keep one");
        break;
      }
    }
  }
}

void Compiler::note_file(const Sheet& s, const Row& r, std::size_t col, const std::string& src,
                         const std::string& id) {
  if (file_seen_.insert(src).second) files_.push_back({src, id, s.where(r, col)});
}

void Compiler::note_file(const Field& f, std::string_view col_base, const std::string& src,
                         const std::string& id) {
  if (f.row) note_file(f.sheet ? *f.sheet : *survey_, *f.row, column_of(f, col_base), src, id);
}

void Compiler::note_media(const Sheet& s, const Row& r, const Media& media) {
  for (const auto& [form, texts] : media)
    for (const auto& [lang, cell] : texts)
      if (!cell.text.empty()) note_file(s, r, cell.col, media_prefix(form) + cell.text, "");
}

std::string Compiler::run() {
  // One entry per survey row in each: sized once instead of rehashed all along a big form.
  const std::size_t rows = survey_->rows.size();
  by_path_.reserve(rows);
  by_lower_path_.reserve(rows);
  by_name_.reserve(rows);
  parsed_.reserve(rows);
  check_headers(survey_);
  check_headers(wb_.sheet("choices"));
  check_headers(wb_.sheet("settings"));
  read_settings();
  read_choices();
  collect_languages();
  read_survey();
  read_entities();
  std::string xml = write_xform();  // also checks expressions and ${} references
  check_warnings();
  return xml;
}

}  // namespace detail

namespace {

// xlsform_to_xform; with `built`, the itext and the binds are built into it instead of written
// in the XML (Compiler::direct_). *direct_failed when that could not be done (the caller
// compiles again without).
Result<std::string> to_xform(const Workbook& wb, const std::string& source_path,
                             std::vector<std::string>* warnings, std::vector<NeededFile>* files,
                             ParsedExpressions* parsed, BuiltModel* built, bool* direct_failed);

}  // namespace

Result<std::string> xlsform_to_xform(const Workbook& wb, const std::string& source_path,
                                     std::vector<std::string>* warnings,
                                     std::vector<NeededFile>* files,
                                     ParsedExpressions* parsed) {
  return to_xform(wb, source_path, warnings, files, parsed, nullptr, nullptr);
}

namespace {

Result<std::string> to_xform(const Workbook& wb, const std::string& source_path,
                             std::vector<std::string>* warnings, std::vector<NeededFile>* files,
                             ParsedExpressions* parsed, BuiltModel* built, bool* direct_failed) {
  detail::Compiler c(wb, source_path);
  c.direct_ = built != nullptr;
  c.survey_ = wb.sheet("survey");
  // pyxform takes a workbook's only sheet as the survey, whatever its name.
  if (!c.survey_ && wb.sheets.size() == 1) c.survey_ = &wb.sheets.front();
  if (!c.survey_)
    return Error::make(ErrorCode::xlsform, source_path + ": the workbook has no 'survey' sheet");
  // Without a 'type' column no row is a question: the form would compile empty, silently.
  if (const Sheet& s = *c.survey_; s.column("type") == std::string::npos) {
    std::string has;
    for (const std::string& h : s.headers) has += (has.empty() ? "'" : ", '") + h + "'";
    return Error::make(ErrorCode::xlsform, source_path + ": " + s.name + " sheet" +
                       (s.headers.empty()
                            ? std::string(" is empty")
                            : ", row " + std::to_string(s.header_row) +
                                  " (the header row): there is no 'type' column (the headers "
                                  "are " + excerpt(has) + ")") +
                       "; the survey sheet needs a header row with 'type', 'name' and 'label'");
  }
  c.sr_ = std::make_unique<detail::RowReader>(*c.survey_);
  std::string xml = c.run();
  // One line per mistake, even when a cell is checked from several places.
  std::vector<std::string> errors;
  std::unordered_set<std::string_view> seen;  // a form with 100,000 mistakes: no scan per one
  for (const auto& e : c.errors())
    if (seen.insert(e).second) errors.push_back(e);
  if (!errors.empty()) {
    std::string msg = source_path + ": " +
                      (errors.size() == 1 ? errors.front()
                                          : std::to_string(errors.size()) + " errors:");
    if (errors.size() > 1)
      for (const auto& e : errors) msg += "\n  " + e;
    return Error::make(ErrorCode::xlsform, std::move(msg));
  }
  if (c.direct_failed_) {
    *direct_failed = true;
    return xml;
  }
  if (warnings) *warnings = c.warnings();
  if (files) *files = c.files();
  if (parsed) *parsed = std::move(c.parsed());
  if (built) {
    built->translations = std::move(c.translations_);
    built->binds = std::move(c.built_binds_);
    built->body = std::move(c.built_body_.children);
    built->body_actions = std::move(c.built_actions_);
  }
  return xml;
}

}  // namespace

SurveyNames survey_names(const Workbook& wb) {
  SurveyNames out;
  const Sheet* survey = wb.sheet("survey");
  if (!survey) return out;
  detail::RowReader rr(*survey);
  out.rows.reserve(survey->rows.size());
  for (const Row& r : survey->rows) out.rows.emplace_back(rr.get(r, "name"), r.number);
  return out;
}

Error locate_in_survey(const Workbook& wb, const std::string& source_path, const Error& e) {
  return locate_in_survey(survey_names(wb), source_path, e);
}

Error locate_in_survey(const SurveyNames& survey, const std::string& source_path, const Error& e) {
  static const std::regex kPath("(/[A-Za-z_][A-Za-z0-9_.-]*)+");
  std::string rows;
  if (!survey.rows.empty()) {
    // name -> its first row, built once: a message naming many paths costs one pass.
    std::unordered_map<std::string, int> row_of;
    for (const auto& [name, number] : survey.rows) row_of.emplace(name, number);
    std::unordered_set<std::string> seen;
    for (std::sregex_iterator it(e.message.begin(), e.message.end(), kPath), end; it != end; ++it) {
      std::string path = it->str();
      std::string name = path.substr(path.find_last_of('/') + 1);
      if (!seen.insert(name).second) continue;
      if (auto r = row_of.find(name); r != row_of.end())
        rows += (rows.empty() ? "" : ", ") + ("'" + name + "' (row " + std::to_string(r->second) + ")");
    }
  }
  std::string msg = source_path + ": " + e.message;
  if (!rows.empty()) msg += "\n  survey sheet: " + rows;
  return Error::make(e.code, std::move(msg));
}

namespace {

// The folders a form's files are looked up in: the workbook's own, then opts.media_dirs (as the
// loader does for attachments).
std::vector<std::string> media_folders(const std::string& source_path, const LoadOptions& opts) {
  std::vector<std::string> dirs;
  if (!source_path.empty()) {
    auto slash = source_path.find_last_of('/');
    dirs.push_back(slash == std::string::npos ? "." : slash == 0 ? "/" : source_path.substr(0, slash));
  }
  dirs.insert(dirs.end(), opts.media_dirs.begin(), opts.media_dirs.end());
  return dirs;
}

// A warning for each label or choice medium found in none of `dirs` (the form runs without
// it; the person filling it does not see it). Names that leave the folder are the loader's
// business when it is asked to show them, not looked up here.
void warn_missing_media(const std::vector<NeededFile>& files, const std::vector<std::string>& dirs,
                        Env& env, std::vector<std::string>& out) {
  for (const NeededFile& f : files) {
    if (!f.id.empty()) continue;
    std::string name = f.src.substr(f.src.find('/', 5) + 1);  // after jr://images/
    if (name.empty() || name.starts_with("/") || name.find("..") != std::string::npos) continue;
    std::string looked;
    bool found = false;
    for (const std::string& d : dirs) {
      std::string p = d + "/" + name;
      looked += (looked.empty() ? "" : ", ") + p;
      auto info = env.stat(p);
      if (info && info->kind != FileKind::Missing) found = true;
      if (found) break;
    }
    if (found) continue;
    out.push_back(f.where + ": the media file '" + name + "' (" + f.src + ") is not there (looked in: " +
                  (looked.empty() ? std::string("no folder: the form has no path") : looked) +
                  "); the form works without it, but nobody filling it will see or hear it");
  }
}

}  // namespace

namespace {

// What one compilation hands the loader.
struct Compiled {
  std::string xml;
  std::vector<std::string> warnings;
  std::vector<NeededFile> files;
  ParsedExpressions parsed;
  bool direct = false;  // the itext and the binds are in `built`, not in `xml`
  BuiltModel built;
};

// `direct`: the itext and the binds built into the model rather than written as XML and read
// back (when nobody asks for the XML: `form check`, `form fill`, the store). Same FormDef either
// way (tests/core/xlsform_direct_test.cpp compares them on every fixture).
Result<Compiled> compile(const Workbook& wb, const std::string& source_path, bool direct) {
  Compiled c;
  if (direct) {
    bool failed = false;
    auto xml = to_xform(wb, source_path, &c.warnings, &c.files, &c.parsed, &c.built, &failed);
    if (!failed) {
      if (!xml) return xml.error();
      c.xml = std::move(xml.value());
      c.direct = true;
      return c;
    }
    c = Compiled();
  }
  auto xml = xlsform_to_xform(wb, source_path, &c.warnings, &c.files, &c.parsed);
  if (!xml) return xml.error();
  c.xml = std::move(xml.value());
  return c;
}

// `refused`: set when the loader refused the built model (the caller compiles the XML way).
Result<std::shared_ptr<const FormDef>> load_compiled(Compiled c, const std::string& source_path,
                                                     const LoadOptions& opts, std::string* xml_out,
                                                     bool* refused);

}  // namespace

Result<std::shared_ptr<const FormDef>> compile_xlsform(const Workbook& wb,
                                                        const std::string& source_path,
                                                        const LoadOptions& opts,
                                                        std::string* xml_out) {
  auto c = compile(wb, source_path, xml_out == nullptr);
  if (!c) return c.error();
  bool refused = false;
  auto def = load_compiled(std::move(c.value()), source_path, opts, xml_out, &refused);
  if (!refused) return def;
  c = compile(wb, source_path, false);
  if (!c) return c.error();
  return load_compiled(std::move(c.value()), source_path, opts, xml_out, nullptr);
}

Result<std::shared_ptr<const FormDef>> compile_xlsform(Workbook&& wb,
                                                        const std::string& source_path,
                                                        const LoadOptions& opts,
                                                        std::string* xml_out) {
  auto c = compile(wb, source_path, xml_out == nullptr);
  { Workbook given_up = std::move(wb); }  // freed here, before the load
  if (!c) return c.error();
  // The compiler does not build what the loader would refuse (Compiler::direct_failed_), so
  // there is no compiling again here, where the workbook is gone: a refusal is a bug, told as one.
  bool refused = false;
  auto def = load_compiled(std::move(c.value()), source_path, opts, xml_out, &refused);
  if (refused)
    return Error::make(ErrorCode::xlsform, source_path + ": the compiled form's model was refused "
                       "by the loader (a bug: please report it); `khaosat form convert` writes "
                       "the XForm, which loads");
  return def;
}

namespace {

Result<std::shared_ptr<const FormDef>> load_compiled(Compiled c, const std::string& source_path,
                                                     const LoadOptions& opts, std::string* xml_out,
                                                     bool* refused) {
  std::vector<std::string>& warnings = c.warnings;
  const std::vector<NeededFile>& files = c.files;
  // Loaded with every missing attachment blank, so that each one is told in the workbook's
  // terms (the row that needs it), and all of them at once. The loader parses the text in
  // place: the caller's copy, if it wants one, is taken first.
  LoadOptions lo = opts;
  lo.missing_blank = true;
  std::string kept;
  if (xml_out) kept = c.xml;
  auto def = load_compiled_xform(std::move(c.xml), source_path, lo, std::move(c.parsed),
                                 c.direct ? std::move(c.built) : BuiltModel(), refused);
  if (!def) return def;
  if (xml_out) *xml_out = std::move(kept);
  // The loader's result is ours alone until we return it: completing it in place is safe.
  auto mut = std::const_pointer_cast<FormDef>(def.value());
  std::vector<std::string> missing;
  for (const FormDef::MissingAttachment& m : mut->missing_attachments) {
    auto need = std::find_if(files.begin(), files.end(),
                             [&](const NeededFile& f) { return f.id == m.id; });
    std::string file = m.src.substr(m.src.find('/', 5) + 1);
    std::string msg = (need != files.end() ? need->where : "instance '" + m.id + "'") +
                      ": the attachment '" + file + "' (" + m.src + ") is not there (looked in: " +
                      m.looked + ")";
    if (opts.missing_blank)
      mut->warnings[m.warning] = msg + "; it is needed to run the form (without it: an empty list)";
    else
      missing.push_back(msg + "; the form cannot run without it: put it beside the workbook, "
                              "or give the folder with --media");
  }
  if (!missing.empty()) {
    std::string msg = source_path + ": " + (missing.size() == 1 ? missing.front()
                                                                : std::to_string(missing.size()) +
                                                                      " attachments are missing:");
    if (missing.size() > 1)
      for (const auto& m : missing) msg += "\n  " + m;
    return Error::make(ErrorCode::form_attachment, std::move(msg));
  }
  warn_missing_media(files, media_folders(source_path, opts), opts.files(), warnings);
  mut->warnings.insert(mut->warnings.begin(), warnings.begin(), warnings.end());
  return def;
}

}  // namespace

bool is_xlsform_path(const std::string& path) {
  auto dot = path.find_last_of('.');
  if (dot == std::string::npos) return false;
  std::string ext = detail::lower(path.substr(dot));
  return ext == ".xlsx" || ext == ".xlsm" || ext == ".xls" || ext == ".md" || ext == ".csv";
}

}  // namespace khaosat::core::xlsform

namespace khaosat::core {

Result<std::string> convert_xlsform(const std::string& path) {
  auto wb = xlsform::read_workbook(path);
  if (!wb) return wb.error();
  return xlsform::xlsform_to_xform(wb.value(), path);
}

Result<std::string> convert_xlsform_bytes(std::string_view bytes, const std::string& name) {
  auto wb = xlsform::read_workbook_bytes(bytes, name);
  if (!wb) return wb.error();
  return xlsform::xlsform_to_xform(wb.value(), name);
}

Result<std::string> xlsform_itemsets_csv(const std::string& path) {
  auto wb = xlsform::read_workbook(path);
  if (!wb) return wb.error();
  return xlsform::itemsets_csv(wb.value());
}

bool is_xlsform_path(const std::string& path) { return xlsform::is_xlsform_path(path); }

}  // namespace khaosat::core

namespace khaosat::core::xlsform {

std::string itemsets_csv(const Workbook& wb) {
  const Sheet* s = wb.sheet("external_choices");
  if (!s) return std::string();
  auto field = [](const std::string& v) {
    if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
    std::string q = "\"";
    for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + field(cells[i]);
    return out + "\n";
  };
  std::string csv = line(s->headers);
  for (const Row& r : s->rows) csv += line(r.cells);
  return csv;
}

}  // namespace khaosat::core::xlsform
