// load_form: XForm loader + the session plan, and the form summary.
#include "khaosat/core/form_session.hpp"
#include "session/form_plan.hpp"
#include "xlsform/compiler.hpp"

namespace khaosat::core {

namespace {

Result<Form> finish(Result<std::shared_ptr<const FormDef>> loaded) {
  if (!loaded) return loaded.error();
  // The loader's result is ours alone until we return it: completing it in place is safe.
  auto def = std::const_pointer_cast<FormDef>(loaded.value());
  auto plan = build_plan(*def);
  if (!plan) return plan.error();
  def->plan = plan.value();
  return Form(def);
}

}  // namespace

Result<Form> load_form(const std::string& path, const FormLoadOptions& options) {
  LoadOptions lo;
  lo.media_dirs = options.media_dirs;
  lo.missing_blank = options.missing_blank;
  if (xlsform::is_xlsform_path(path)) return finish(xlsform::load_xlsform(path));
  return finish(load_xform_file(path, lo));
}

Result<Form> load_form_xml(std::string_view xml, const std::string& path,
                           const FormLoadOptions& options) {
  LoadOptions lo;
  lo.media_dirs = options.media_dirs;
  lo.missing_blank = options.missing_blank;
  return finish(load_xform(xml, path, lo));
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
    if (d.leaf && d.type != "model" && d.type != "note") ++s.question_count;
  }
  return s;
}

}  // namespace khaosat::core
