// The XLSForm compiler: a Workbook (workbook.hpp) of survey / choices / settings sheets turned
// into the FormDef the session runs (xform/form_def.hpp), following the XLSForm spec and
// pyxform's behaviour (docs/xlsform.md lists what is supported and where we differ).
//
// How: the survey is checked row by row, then written as ODK XForm XML exactly as pyxform would
// write it (instance, binds, itext, inline secondary instances for choice_filter, body) and that
// XML is loaded by the XForm loader; the XML is what `khaosat form convert` writes. When nobody
// asks for the XML (compile_xlsform without xml_out), the itext, the binds and the body are
// built as the FormDef's parts instead of written and read back (BuiltModel, form_def.hpp), and
// only the instances and the model's actions go through XML: the same FormDef, which
// tests/core/xlsform_direct_test.cpp checks on every fixture. The loader gets the text to parse
// in place and the trees of the expressions the compiler parsed to check them
// (load_compiled_xform): nothing is parsed twice.
//
// Errors: every mistake in the workbook is reported at once, one line each, naming sheet, row
// and column ("survey sheet, row 7, column 'type' (B): unknown type 'txt'"), in one Error with
// code "xlsform". Pure functions: thread-safe, no global state, never throw on bad input.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "khaosat/core/result.hpp"
#include "xform/form_def.hpp"
#include "xlsform/workbook.hpp"

namespace khaosat::core::xlsform {

// A file the converted form names, with the cell that needs it: an attachment a secondary
// instance loads (pulldata(), *_from_file, csv-/xml-external: the form cannot run without it)
// or the media of a label or choice (jr://images/..., jr://audio/..., jr://video/...: shown,
// not needed to run). pyxform does not look for either; ODK Central takes them after the form.
struct NeededFile {
  std::string src;       // "jr://file-csv/support_limits.csv", "jr://images/a.png"
  std::string id;        // the secondary instance's id; "" for label media
  std::string where;     // "survey sheet, row 4, column 'type' (B)"
};

// The ODK XForm XML of `wb`, or every mistake found. `source_path` is used for messages and for
// the default form_id (the file name without extension). `warnings`, when given, receives what
// pyxform would warn about (each naming sheet, row and column); they never refuse the form.
// `files`, when given, receives every file the form names (not looked for here). `parsed`, when
// given, receives the tree of every expression the compiler parsed to check it, by its text in
// the XML (for load_compiled_xform, so that the loader does not parse them again).
Result<std::string> xlsform_to_xform(const Workbook& wb, const std::string& source_path,
                                     std::vector<std::string>* warnings = nullptr,
                                     std::vector<NeededFile>* files = nullptr,
                                     ParsedExpressions* parsed = nullptr);

// xlsform_to_xform, then the XForm loader with `opts`, exactly as for an .xml form at
// `source_path`: attachments (pulldata() CSVs, *_from_file, csv-/xml-external) are looked up in
// source_path's folder, then in opts.media_dirs; a missing one is an error naming the survey
// row that needs it and where it looked, unless opts.missing_blank (then a warning, and an
// empty instance). Missing label media is only a warning (the form runs without it). The
// compiler's warnings come first in FormDef::warnings. The FormDef has no plan yet (load_form
// adds it). `xml_out`, when given, receives the XForm XML the FormDef was loaded from.
Result<std::shared_ptr<const FormDef>> compile_xlsform(const Workbook& wb,
                                                        const std::string& source_path,
                                                        const LoadOptions& opts,
                                                        std::string* xml_out = nullptr);

// compile_xlsform of a workbook the caller gives up: its cells are freed as soon as the form is
// compiled, before the XForm is loaded (the cells of a 100,000-row survey are about 50 MB the
// load need not carry). `wb` is left empty. Same result as compile_xlsform(const Workbook&...).
Result<std::shared_ptr<const FormDef>> compile_xlsform(Workbook&& wb,
                                                        const std::string& source_path,
                                                        const LoadOptions& opts,
                                                        std::string* xml_out = nullptr);

// pyxform's itemsets.csv of `wb` (xlsform_itemsets_csv in khaosat/core/xlsform.hpp).
std::string itemsets_csv(const Workbook& wb);

// The survey sheet's rows by question name (each name's first row), all locate_in_survey needs
// of a workbook: kept when the workbook itself is given up (compile_xlsform(Workbook&&...)).
struct SurveyNames {
  std::vector<std::pair<std::string, int>> rows;  // (name, row number), in sheet order
};
SurveyNames survey_names(const Workbook& wb);

// A mistake only the engine finds once the form is loaded (a calculation cycle, found when the
// dependency plan is built) told in the workbook's terms: the file, and the survey row of each
// question the message names ("survey sheet: 'a' (row 4), 'b' (row 5)").
Error locate_in_survey(const SurveyNames& survey, const std::string& source_path, const Error& e);
Error locate_in_survey(const Workbook& wb, const std::string& source_path, const Error& e);

// True when `path` names a workbook read_workbook understands (.xlsx, .xlsm, .xls, .md, .csv).
bool is_xlsform_path(const std::string& path);

}  // namespace khaosat::core::xlsform
