// XLSForm conversion for tools: a workbook file (.xlsx, .xlsm, .xls, pyxform's .md or .csv) compiled
// to ODK XForm XML, the way pyxform's xls2xform does (docs/xlsform.md lists what is supported
// and where we differ). Loading an XLSForm for filling needs nothing from here: load_form
// (form_session.hpp) takes workbook paths directly.
//
// Pure function of the file's contents: thread-safe, never throws on bad input.
#pragma once

#include <string>
#include <string_view>

#include "khaosat/core/form_session.hpp"
#include "khaosat/core/result.hpp"

namespace khaosat::core {

// The XForm XML of the workbook at `path`. Errors: "io.*" (cannot read: env.hpp), "xlsform.format" (not
// a workbook extension), the readers' codes ("xlsx.*", "md", "csv"), and "xlsform": every
// mistake in the form, one line each naming sheet, row and column.
Result<std::string> convert_xlsform(const std::string& path);

// The same for a workbook in memory (received over the network, or from a database): `name`
// is its file name, whose extension decides the kind and which messages name.
Result<std::string> convert_xlsform_bytes(std::string_view bytes, const std::string& name);

// pyxform's itemsets.csv, for select_one_external / select_multiple_external: the workbook's
// external_choices sheet as CSV (its header row, then each row, RFC 4180 quoting), or "" when
// the workbook has no such sheet. ODK Collect reads it as a form attachment; `khaosat form
// convert -o FORM.xml` writes it beside FORM.xml, as xls2xform does.
Result<std::string> xlsform_itemsets_csv(const std::string& path);

// Everything `khaosat form convert` writes, from one read and one compilation of the workbook:
// the XForm XML, itemsets.csv ("" when none) and the form loaded from that XML with `options`
// exactly as load_form(path, options) would load it (same errors, same warnings).
struct XlsformConversion {
  std::string xml;
  std::string itemsets_csv;
  Form form;
};
Result<XlsformConversion> convert_and_load_xlsform(const std::string& path,
                                                   const FormLoadOptions& options = {});

// True when `path` has a workbook extension (.xlsx, .xlsm, .xls, .md, .csv; any case).
bool is_xlsform_path(const std::string& path);

}  // namespace khaosat::core
