// load_form: XForm loader + the session plan, and the form summary.
#include "khaosat/core/form_session.hpp"
#include "khaosat/core/xlsform.hpp"
#include "session/form_plan.hpp"
#include "xlsform/compiler.hpp"

namespace khaosat::core {

namespace {

// The one place the public options become the loader's: every path (.xml file, XML text,
// workbook) loads with the same options.
LoadOptions loader_options(const FormLoadOptions& options) {
  LoadOptions lo;
  lo.media_dirs = options.media_dirs;
  lo.missing_blank = options.missing_blank;
  lo.beside_path = options.beside_path;
  lo.env = options.env;
  return lo;
}

// The loaded form completed with its dependency plan (built once). `locate` rewrites a plan
// error (a calculation cycle, a reference) in the source's terms; identity for XForms.
template <typename Locate>
Result<Form> finish(Result<std::shared_ptr<const FormDef>> loaded, Locate&& locate) {
  if (!loaded) return loaded.error();
  // The loader's result is ours alone until we return it: completing it in place is safe.
  auto def = std::const_pointer_cast<FormDef>(loaded.value());
  auto plan = build_plan(*def);
  if (!plan) return locate(plan.error());
  def->plan = plan.value();
  return Form(def);
}

Result<Form> finish(Result<std::shared_ptr<const FormDef>> loaded) {
  return finish(std::move(loaded), [](const Error& e) { return e; });
}

}  // namespace

Result<Form> load_form(const std::string& path, const FormLoadOptions& options) {
  const LoadOptions lo = loader_options(options);
  if (xlsform::is_xlsform_path(path)) {
    auto wb = xlsform::read_workbook(path, lo.files());
    if (!wb) return wb.error();
    // Only the workbook knows the survey rows a plan error's paths come from: they are kept,
    // the rest of the workbook is freed before the compiled form is loaded.
    auto names = xlsform::survey_names(wb.value());
    return finish(xlsform::compile_xlsform(std::move(wb.value()), path, lo), [&](const Error& e) {
      return xlsform::locate_in_survey(names, path, e);
    });
  }
  return finish(load_xform_file(path, lo));
}

Result<XlsformConversion> convert_and_load_xlsform(const std::string& path,
                                                   const FormLoadOptions& options) {
  if (!xlsform::is_xlsform_path(path))
    return Error::make(ErrorCode::xlsform_format,
                       path + ": not an XLSForm workbook (expected .xlsx, .xlsm, .xls, .md or .csv)");
  const LoadOptions lo = loader_options(options);
  auto wb = xlsform::read_workbook(path, lo.files());
  if (!wb) return wb.error();
  XlsformConversion out;
  out.itemsets_csv = xlsform::itemsets_csv(wb.value());
  auto names = xlsform::survey_names(wb.value());
  auto form = finish(xlsform::compile_xlsform(std::move(wb.value()), path, lo, &out.xml),
                     [&](const Error& e) { return xlsform::locate_in_survey(names, path, e); });
  if (!form) return form.error();
  out.form = std::move(form.value());
  return out;
}

Result<Form> load_form_xml(std::string_view xml, const std::string& path,
                           const FormLoadOptions& options) {
  return finish(load_xform(xml, path, loader_options(options)));
}

FormSummary summarize(const Form& form) {
  FormSummary s;
  s.id = form->id;
  s.version = form->version;
  s.title = form->title;
  s.languages = form->plan->languages;
  s.default_language = form->plan->default_language;
  s.secondary_instances = static_cast<int>(form->secondary.size());
  s.warnings = form->warnings;
  for (const NodeDef& d : form->plan->defs) {
    if (d.is_repeat) ++s.repeat_count;
    if (d.leaf && d.type != NodeType::Model && d.type != NodeType::Note) ++s.question_count;
  }
  return s;
}

}  // namespace khaosat::core
