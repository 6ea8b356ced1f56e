// The XForm loader, itext aspect: <itext><translation lang><text id><value form> and the mixed
// literal / <output value=".."/> text of labels, hints and itext values.
#include "xform/loader_internal.hpp"

namespace khaosat::core::xform_detail {

Status load_text_parts(LoadContext& ctx, pugi::xml_node el, std::vector<TextPart>& out,
                       const std::string& where) {
  if (*el.value()) out.push_back(TextPart{el.value(), nullptr});  // embedded leading text
  for (auto c : el.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      if (!out.empty() && !out.back().expr) out.back().literal += c.value();
      else out.push_back(TextPart{c.value(), nullptr});
      continue;
    }
    if (c.type() != pugi::node_element || local_name(c.name()) != "output") continue;
    auto value = c.attribute("value");
    if (!value) value = c.attribute("ref");
    if (!value) continue;  // an <output/> without value shows nothing, as in ODK
    auto e = ctx.expr(value.value(), where + " <output value> (line " +
                                         std::to_string(ctx.line_of(c)) + ")");
    if (!e.ok()) return e.error();
    out.push_back(TextPart{{}, std::move(e.value())});
  }
  return ok_status();
}

namespace {

bool is_default_attr(pugi::xml_attribute a) {
  if (!a) return false;
  std::string_view v = trim(a.value());
  return v != "false()" && v != "false";
}

Status load_translation(LoadContext& ctx, pugi::xml_node tr) {
  Translation t;
  t.lang = tr.attribute("lang").value();
  t.is_default = is_default_attr(tr.attribute("default"));
  std::size_t count = 0;  // sized once: a big form's itext would be rehashed a dozen times
  for (auto text = tr.first_child(); text; text = text.next_sibling()) ++count;
  t.texts.reserve(count);
  for (auto text : tr.children()) {
    if (text.type() != pugi::node_element || local_name(text.name()) != "text") continue;
    auto id = text.attribute("id");
    if (!id)
      return ctx.error_at(ErrorCode::form_itext, text,
                          "<text> without id in <translation lang=\"" + t.lang + "\">");
    auto& forms = t.texts[id.value()];
    for (auto v : text.children()) {
      if (v.type() != pugi::node_element || local_name(v.name()) != "value") continue;
      std::string form = v.attribute("form").value();
      auto& parts = forms[form];
      parts.clear();  // a repeated form: the last one wins
      // The location is only needed to report a bad <output>: build it only when there is one.
      bool has_element = false;
      for (auto c : v.children()) has_element = has_element || c.type() == pugi::node_element;
      XFORM_TRY(load_text_parts(ctx, v, parts,
                                has_element ? "<text id=\"" + std::string(id.value()) +
                                                  "\"> in <translation lang=\"" + t.lang + "\">"
                                            : std::string()));
    }
  }
  ctx.form.translations.push_back(std::move(t));
  return ok_status();
}

}  // namespace

Status load_itext(LoadContext& ctx, pugi::xml_node model) {
  for (auto itext : model.children()) {
    if (itext.type() != pugi::node_element || local_name(itext.name()) != "itext") continue;
    for (auto tr : itext.children()) {
      if (tr.type() != pugi::node_element || local_name(tr.name()) != "translation") continue;
      XFORM_TRY(load_translation(ctx, tr));
    }
  }
  return ok_status();
}

}  // namespace khaosat::core::xform_detail
