// The XLSForm compiler, writer aspect (compiler_internal.hpp): the Field tree written as ODK
// XForm XML in the shape pyxform gives it — primary instance, secondary instances (every
// choice list a select uses, pulldata() CSVs, *_from_file attachments), itext, binds, model
// actions, submission, body.
//
// [SECTION] Itext
// [SECTION] Instance
// [SECTION] Binds and actions
// [SECTION] Body
// [SECTION] Document
#include <algorithm>
#include <set>

#include "xform/loader_internal.hpp"
#include "xlsform/compiler_internal.hpp"

namespace khaosat::core::xlsform::detail {

const char* media_prefix(const std::string& form) {
  if (form == "audio") return "jr://audio/";
  if (form == "video") return "jr://video/";
  return "jr://images/";
}

namespace {

std::string truthy(const std::string& v) {
  std::string l = lower(v);
  if (l == "yes" || l == "true" || l == "true()" || l == "1") return "true()";
  if (l == "no" || l == "false" || l == "false()" || l == "0") return "false()";
  return v;
}

std::string attr(std::string_view name, std::string_view value) {
  std::string out;
  out.reserve(name.size() + value.size() + 4);
  out += ' ';
  out += name;
  out += "=\"";
  xml_escape_into(out, value);
  out += '"';
  return out;
}

bool translated(const Texts& t) {
  return std::any_of(t.begin(), t.end(), [](const auto& kv) { return !kv.first.empty(); });
}

bool in_repeat(const Field& f) {
  for (const Field* p = f.parent; p; p = p->parent)
    if (p->kind == Kind::Repeat) return true;
  return false;
}

bool is_decimal_text(const std::string& s) {
  return s.find_first_of(".eE") != std::string::npos;
}

}  // namespace

class XFormWriter {
 public:
  explicit XFormWriter(Compiler& c) : c_(c) {}
  std::string write();

 private:
  // -------------------------------------------------------------------------------------------
  // [SECTION] Itext
  // -------------------------------------------------------------------------------------------

  using Attrs = std::vector<std::pair<std::string, std::string>>;

  // One text's values per language: its form ("" for the plain text) and its content, as XML
  // for the document, or as the loader's text parts when the compiler builds the translations
  // itself (Compiler::direct_itext_).
  struct Value {
    std::string form;
    std::string xml;
    std::vector<TextPart> parts;
  };
  using Values = std::vector<Value>;

  // The cell for `lang`: its own, or the unqualified one for the default language.
  const Cell* cell_for(const Texts& t, const std::string& lang) const {
    auto it = t.find(lang);
    if (it == t.end() && lang == c_.default_lang_) it = t.find("");
    return it == t.end() ? nullptr : &it->second;
  }

  // Label text as XML: text escaped, each ${x} as <output value="..."/>.
  std::string text_xml(const Field* f, const Cell& cell) {
    if (!f) return xml_escape(cell.text);
    Expanded e = c_.expand(*f, cell.text, cell.col);
    std::string out;
    std::size_t i = 0;
    for (const auto& [begin, end] : e.refs) {
      out += xml_escape(std::string_view(e.text).substr(i, begin - i));
      out += "<output value=\"" + xml_escape(e.text.substr(begin, end - begin)) + "\"/>";
      i = end;
    }
    out += xml_escape(std::string_view(e.text).substr(i));
    return out;
  }

  // text_xml's content as the loader reads it back (load_text_parts): literal text and one part
  // per <output value>, its expression taken from the compiler's trees or parsed here once.
  std::vector<TextPart> text_parts(const Field* f, const Cell& cell) {
    std::vector<TextPart> out;
    auto literal = [&out](std::string_view s) {
      if (!s.empty()) out.push_back(TextPart{xml_read_back(s, false), nullptr});
    };
    if (!f) {
      literal(cell.text);
      return out;
    }
    Expanded e = c_.expand(*f, cell.text, cell.col);
    std::string_view text(e.text);
    std::size_t i = 0;
    for (const auto& [begin, end] : e.refs) {
      literal(text.substr(i, begin - i));
      out.push_back(TextPart{{}, output_expr(xml_read_back(text.substr(begin, end - begin), true))});
      i = end;
    }
    literal(text.substr(i));
    return out;
  }

  xpath::ExprPtr output_expr(std::string text) {
    if (auto it = c_.parsed_.find(text); it != c_.parsed_.end()) return it->second;
    auto parsed = xpath::parse(text);
    if (!parsed.ok()) {
      c_.direct_failed_ = true;
      return nullptr;
    }
    c_.parsed_.emplace(std::move(text), parsed.value());
    return parsed.value();
  }

  Value literal_value(std::string form, const std::string& text) {
    Value v{std::move(form), {}, {}};
    if (!c_.direct_) v.xml = xml_escape(text);
    else if (!text.empty()) v.parts.push_back(TextPart{xml_read_back(text, false), nullptr});
    return v;
  }

  // add_itext's values put straight into the translations (Compiler::direct_), as the loader
  // reads write_itext's XML: every id in every language, a form given twice the last one.
  void add_built_itext(const std::string& id, const Texts& label, const Media* media,
                       const Field* f, const char* form) {
    if (built_tr_.empty()) {
      built_tr_.resize(c_.langs_.size());
      const std::size_t ids = itext_ids_estimate();
      for (std::size_t l = 0; l < c_.langs_.size(); ++l) {
        built_tr_[l].lang = xml_read_back(c_.langs_[l], true);
        built_tr_[l].is_default = c_.langs_[l] == c_.default_lang_;
        built_tr_[l].texts.reserve(ids);
      }
    }
    const std::string key = xml_read_back(id, true);
    for (std::size_t l = 0; l < c_.langs_.size(); ++l) {
      const std::string& lang = c_.langs_[l];
      auto& forms = built_tr_[l].texts[key];
      if (media)
        for (const auto& [m, texts] : *media)
          if (const Cell* cell = cell_for(texts, lang)) {
            forms[xml_read_back(m, true)] = literal_value("", media_prefix(m) + cell->text).parts;
            used_langs_[l] = true;
          }
      if (label.empty()) continue;
      const Cell* cell = cell_for(label, lang);
      forms[xml_read_back(form, true)] = cell ? text_parts(f, *cell) : literal_value("", "-").parts;
      if (cell) used_langs_[l] = true;
    }
  }

  // About how many itext ids the form has: a label and a hint or message per survey row, a
  // label per choice. The tables are sized once instead of rehashed as they grow (100,000
  // rows: 200,000 ids in each language's table).
  std::size_t itext_ids_estimate() const {
    std::size_t n = c_.survey_ ? 2 * c_.survey_->rows.size() : 0;
    for (const auto& [name, list] : c_.lists_) n += list.choices.size();
    return n;
  }

  // Stores `label` (+ media) under `id` in every language. Returns false when there is nothing.
  bool add_itext(const std::string& id, const Texts& label, const Media* media, const Field* f,
                 const char* form = "") {
    bool any = !label.empty();
    if (media) any = any || !media->empty();
    if (!any) return false;
    if (c_.direct_) {
      add_built_itext(id, label, media, f, form);
      return true;
    }
    if (itext_index_.empty()) {
      const std::size_t ids = itext_ids_estimate();
      itext_index_.reserve(ids);
      itext_order_.reserve(ids);
      itext_.reserve(ids);
    }
    auto [at, added] = itext_index_.try_emplace(id, itext_order_.size());
    if (added) {
      itext_order_.push_back(id);
      itext_.emplace_back(c_.langs_.size());
    }
    for (std::size_t l = 0; l < c_.langs_.size(); ++l) {
      const std::string& lang = c_.langs_[l];
      Values& v = itext_[at->second][l];
      if (media)
        for (const auto& [m, texts] : *media)
          if (const Cell* cell = cell_for(texts, lang)) {
            v.push_back(literal_value(m, media_prefix(m) + cell->text));
            used_langs_[l] = true;
          }
      if (label.empty()) continue;
      const Cell* cell = cell_for(label, lang);
      if (!cell) v.push_back(literal_value(form, "-"));
      else if (c_.direct_) v.push_back(Value{form, {}, text_parts(f, *cell)});
      else v.push_back(Value{form, text_xml(f, *cell), {}});
      if (cell) used_langs_[l] = true;
    }
    return true;
  }

  // A <label>/<hint> element: itext reference when translated or with media, else inline.
  std::string text_el(const char* el, const Field& f, const Texts& t, const Media* media,
                      const Texts* guidance = nullptr) {
    bool has_media = media && !media->empty();
    bool has_guidance = guidance && !guidance->empty();
    if (t.empty() && !has_media && !has_guidance) return "";
    if (c_.itext_ && (translated(t) || has_media || has_guidance)) {
      std::string id = f.path + ":" + el;
      add_itext(id, t, media, &f);
      if (has_guidance) add_itext(id, *guidance, nullptr, &f, "guidance");
      return std::string("<") + el + " ref=\"jr:itext('" + id + "')\"/>";
    }
    return std::string("<") + el + ">" + text_xml(&f, t.begin()->second) + "</" + el + ">";
  }

  // text_el's <label>/<hint> as BodyLoader::text reads it; the same calls in the same order.
  Text built_text(const char* el, const Field& f, const Texts& t, const Media* media,
                  const Texts* guidance = nullptr) {
    Text out;
    bool has_media = media && !media->empty();
    bool has_guidance = guidance && !guidance->empty();
    if (t.empty() && !has_media && !has_guidance) return out;
    if (c_.itext_ && (translated(t) || has_media || has_guidance)) {
      std::string id = f.path + ":" + el;
      add_itext(id, t, media, &f);
      if (has_guidance) add_itext(id, *guidance, nullptr, &f, "guidance");
      std::string ref = xml_read_back("jr:itext('" + id + "')", true), itext_id, dynamic;
      if (!xform_detail::split_itext_call(ref, itext_id, dynamic)) out.parts.push_back(TextPart{{}, output_expr(ref)});
      else if (!itext_id.empty()) out.itext_id = std::move(itext_id);
      else out.itext_expr = output_expr(dynamic);
      return out;
    }
    out.parts = text_parts(&f, t.begin()->second);
    return out;
  }

  void message_attr(Attrs& a, const Field& f, const Texts& t, const char* name) {
    if (t.empty()) return;
    if (c_.itext_ && translated(t)) {
      std::string id = f.path + ":" + name;
      add_itext(id, t, nullptr, &f);
      a.emplace_back(name, "jr:itext('" + id + "')");
      return;
    }
    a.emplace_back(name, t.begin()->second.text);
  }

  // pyxform's translations: only the languages some itext text is written in (a workbook with
  // only language-suffixed columns gets no "default" translation of "-"), each text in every
  // one of them ("-" where a language lacks it).
  void write_itext(std::string& x) {
    if (c_.langs_.empty() || itext_order_.empty()) return;
    x += "<itext>";
    for (std::size_t l = 0; l < c_.langs_.size(); ++l) {
      const std::string& lang = c_.langs_[l];
      if (!used_langs_[l]) continue;
      x += "<translation" + attr("lang", lang) +
           (lang == c_.default_lang_ ? " default=\"true()\"" : "") + ">";
      for (std::size_t t = 0; t < itext_order_.size(); ++t) {
        x += "<text";
        x += attr("id", itext_order_[t]);
        x += '>';
        for (const Value& v : itext_[t][l]) {
          x += "<value";
          if (!v.form.empty()) x += attr("form", v.form);
          x += '>';
          x += v.xml;
          x += "</value>";
        }
        x += "</text>";
      }
      x += "</translation>";
    }
    x += "</itext>";
  }

  // write_itext's translations as the loader would read them (load_translation), built here:
  // the same languages, ids and forms (a form given twice: the last one), the values moved.
  void build_translations() {
    for (std::size_t l = 0; l < built_tr_.size(); ++l)
      if (used_langs_[l]) c_.translations_.push_back(std::move(built_tr_[l]));
  }

  // -------------------------------------------------------------------------------------------
  // [SECTION] Instance
  // -------------------------------------------------------------------------------------------

  void write_instance(const Field& f, std::string& x, bool template_copy) {
    std::string attrs;
    if (!template_copy)  // pyxform leaves the repeat template bare
      for (const auto& [k, v] : f.rare().instance_attrs) attrs += attr(k, refs(f, v, "instance"));
    if (f.kind == Kind::Leaf) {
      std::string value = f.dynamic_default ? "" : xml_escape(f.default_value);
      x += "<" + f.name + attrs + (value.empty() ? "/>" : ">" + value + "</" + f.name + ">");
      return;
    }
    if (f.flat) {
      write_children(f, x);
      return;
    }
    x += "<" + f.name + attrs + (template_copy ? " jr:template=\"\">" : ">");
    write_children(f, x);
    x += "</" + f.name + ">";
  }

  void write_children(const Field& f, std::string& x) {
    for (const auto& c : f.children) {
      if (c->kind == Kind::Repeat) write_instance(*c, x, true);
      write_instance(*c, x, false);
    }
  }

  std::string list_instance(const std::string& list) {
    std::string x = "<instance" + attr("id", list) + "><root>";
    const auto& choices = c_.lists_[list].choices;
    bool itext = list_uses_itext(list);
    for (std::size_t n = 0; n < choices.size(); ++n) {
      const Choice& ch = choices[n];
      x += "<item>";
      if (itext) {
        std::string id = list + "-" + std::to_string(n);
        // ${} in a choice label: an <output/> with the absolute path, errors on its own row.
        Field ctx;
        ctx.row = ch.row;
        ctx.sheet = c_.wb_.sheet("choices");
        ctx.parent = &c_.root_;
        add_itext(id, ch.label, &ch.media, ctx.sheet ? &ctx : nullptr);
        x += "<itextId>" + xml_escape(id) + "</itextId>";
      } else {
        x += "<label>" + xml_escape(ch.label.empty() ? "" : ch.label.begin()->second.text) +
             "</label>";
      }
      x += "<name>" + xml_escape(ch.name) + "</name>";
      for (const auto& [k, v] : ch.extras) x += "<" + k + ">" + xml_escape(v) + "</" + k + ">";
      x += "</item>";
    }
    return x + "</root></instance>";
  }

  // -------------------------------------------------------------------------------------------
  // [SECTION] Binds and actions
  // -------------------------------------------------------------------------------------------

  // ${} expanded without parsing: attribute columns (bind::x, body::x) hold any text.
  std::string refs(const Field& f, const std::string& v, std::string_view col) {
    return c_.expand(f, v, c_.column_index(col)).text;
  }

  void bind_expr(Attrs& a, const Field& f, const char* name, const std::string& v,
                 std::string_view col) {
    if (!v.empty()) a.emplace_back(name, c_.expr(f, v, col));
  }

  // relevant, and for a question in flat groups (which have no node to carry it) theirs too.
  void relevant_attr(Attrs& a, const Field& f) {
    std::vector<std::string> parts;
    for (const Field* p = f.parent; p && p->flat; p = p->parent)
      if (!p->relevant.empty()) parts.insert(parts.begin(), c_.expr(*p, p->relevant, "relevant"));
    if (!f.relevant.empty()) parts.push_back(c_.expr(f, f.relevant, "relevant"));
    if (parts.empty() || f.flat) return;
    if (parts.size() == 1) {
      a.emplace_back("relevant", std::move(parts.front()));
      return;
    }
    std::string all;
    for (const auto& p : parts) all += (all.empty() ? "(" : " and (") + p + ")";
    a.emplace_back("relevant", std::move(all));
  }

  // A <bind nodeset=path> with `attrs` in this order: written, or built as the loader would read
  // it (Compiler::direct_).
  void emit_bind(const std::string& path, const Attrs& attrs) {
    if (c_.direct_) {
      c_.built_binds_.push_back(built_bind(path, attrs));
      return;
    }
    binds_ += "<bind";
    binds_ += attr("nodeset", path);
    for (const auto& [k, v] : attrs) binds_ += attr(k, v);
    binds_ += "/>";
  }

  // What the loader's load_bind makes of the <bind> emit_bind would write (every attribute read
  // back as the XML parser gives it). Where the loader would do more than read (a bind id, a
  // nodeset it cannot resolve, an expression that does not parse) the direct build gives up
  // (Compiler::direct_failed_) and the form is compiled the XML way.
  Bind built_bind(const std::string& path, const Attrs& attrs) {
    Bind b;
    auto get = [&attrs](std::string_view name) -> const std::string* {
      for (const auto& [k, v] : attrs)
        if (k == name) return &v;
      return nullptr;
    };
    if (get("id") || !xform_detail::resolve_path(xml_read_back(path, true), "", b.nodeset)) {
      c_.direct_failed_ = true;
      return b;
    }
    if (const std::string* t = get("type")) b.type = xform_detail::bind_type(xml_read_back(*t, true));
    struct Mip { const char* name; xpath::ExprPtr Bind::*field; };
    static const Mip kMips[] = {{"relevant", &Bind::relevant},   {"required", &Bind::required},
                                {"readonly", &Bind::readonly},   {"constraint", &Bind::constraint},
                                {"calculate", &Bind::calculate}};
    for (const Mip& m : kMips)
      if (const std::string* v = get(m.name)) b.*(m.field) = output_expr(xml_read_back(*v, true));
    auto message = [&](const char* name, std::string& literal, std::string& itext_id) {
      const std::string* v = get(name);
      if (!v) return;
      std::string text = xml_read_back(*v, true), id, dynamic;
      if (xform_detail::split_itext_call(text, id, dynamic) && !id.empty()) itext_id = std::move(id);
      else literal = std::move(text);
    };
    message("jr:constraintMsg", b.constraint_msg, b.constraint_msg_itext);
    message("jr:requiredMsg", b.required_msg, b.required_msg_itext);
    if (const std::string* v = get("jr:preload")) b.preload = xml_read_back(*v, true);
    if (const std::string* v = get("jr:preloadParams")) b.preload_params = xml_read_back(*v, true);
    if (const std::string* v = get("orx:max-pixels")) {
      int n = xform_detail::max_pixels_value(xml_read_back(*v, true));
      if (n >= 0) b.max_pixels = n;
      else c_.direct_failed_ = true;  // the loader's warning says what is wrong
    }
    return b;
  }

  void write_bind(const Field& f) {
    Attrs b;
    const TypeInfo* ti = f.info;
    if (ti && *ti->bind_type) {
      std::string type = ti->bind_type;
      if (f.type == "range")
        for (const char* k : {"start", "end", "step"})
          if (f.rare().params.count(k) && is_decimal_text(f.rare().params.at(k))) type = "decimal";
      b.emplace_back("type", std::move(type));
    }
    if (!f.rare().other_of.empty()) {
      b.emplace_back("relevant", f.relevant);  // pyxform's literal "selected(../x, 'other')"
    } else {
      relevant_attr(b, f);
    }
    bind_expr(b, f, "required", truthy(f.required), "required");
    bind_expr(b, f, "constraint", f.constraint, "constraint");
    if (f.type == "phone number" && f.constraint.empty()) b.emplace_back("constraint", "regex(., '^\\d*$')");
    if (!triggered_targets_.count(&f))
      bind_expr(b, f, "calculate", f.calculation, f.count_of ? "repeat_count" : "calculation");
    std::string ro = f.type == "note" ? "true()" : truthy(f.rare().read_only);
    bind_expr(b, f, "readonly", ro, "read_only");
    message_attr(b, f, f.rare().constraint_msg, "jr:constraintMsg");
    message_attr(b, f, f.rare().required_msg, "jr:requiredMsg");
    if (ti && *ti->preload) {
      b.emplace_back("jr:preload", ti->preload);
      b.emplace_back("jr:preloadParams", ti->preload_params);
    }
    if (f.type == "image" && f.rare().params.count("max-pixels"))
      b.emplace_back("orx:max-pixels", f.rare().params.at("max-pixels"));
    if (f.type == "audio" && f.rare().params.count("quality")) b.emplace_back("odk:quality", f.rare().params.at("quality"));
    if (f.rare().params.count("allow-mock-accuracy"))
      b.emplace_back("odk:allow-mock-accuracy", f.rare().params.at("allow-mock-accuracy"));
    if (f.type == "audit")
      for (const auto& [k, v] : f.rare().params) b.emplace_back("odk:" + k, v);
    // Attributes the designer names (bind::x) may be any the loader reads (an id, a namespace
    // the form redeclares): those forms are loaded from their XML.
    if (!f.rare().bind_attrs.empty() && c_.direct_) c_.direct_failed_ = true;
    for (const auto& [k, v] : f.rare().bind_attrs) b.emplace_back(k, refs(f, v, "bind"));
    if ((!b.empty() || f.kind == Kind::Leaf) && !f.flat) emit_bind(f.path, b);
    if (f.dynamic_default && !in_repeat(f)) {  // in a repeat: on the <repeat>, see write_body
      std::string set = "<setvalue event=\"odk-instance-first-load\"" + attr("ref", f.path) +
                        attr("value", c_.expr(f, f.default_value, "default")) + "/>";
      model_actions_ += set;
    }
    if (f.type == "start-geopoint")
      model_actions_ += "<odk:setgeopoint event=\"odk-instance-first-load\"" + attr("ref", f.path) + "/>";
    for (const auto& ch : f.children) write_bind(*ch);
  }

  void collect_triggers(const Field& f) {
    for (const Field* t : f.rare().triggered) triggered_targets_.insert(t);
    for (const auto& ch : f.children) collect_triggers(*ch);
  }

  // -------------------------------------------------------------------------------------------
  // [SECTION] Body
  // -------------------------------------------------------------------------------------------

  std::string body_attrs(const Field& f) {
    std::string a;
    if (!f.appearance.empty()) a += attr("appearance", f.appearance);
    if (!f.rare().autoplay.empty()) a += attr("autoplay", f.rare().autoplay);
    for (const auto& [k, v] : f.rare().body_attrs) a += attr(k, refs(f, v, "body"));
    return a;
  }

  std::string list_instance_id(const Field& f) {
    if (!f.type.ends_with("_from_file")) {
      if (std::find(c_.list_instances_.begin(), c_.list_instances_.end(), f.list) ==
          c_.list_instances_.end())
        c_.list_instances_.push_back(f.list);
      return f.list;
    }
    std::string id = f.list.substr(0, f.list.find_last_of('.'));
    std::string ext = lower(f.list.substr(f.list.find_last_of('.') + 1));
    std::string src = (ext == "csv" ? "jr://file-csv/" : "jr://file/") + f.list;
    bool known = std::any_of(c_.external_instances_.begin(), c_.external_instances_.end(),
                             [&](const auto& e) { return e.first == id; });
    if (!known) c_.external_instances_.emplace_back(id, src);
    c_.note_file(f, "type", src, id);
    return id;
  }

  struct ItemsetSpec {
    std::string nodeset, value, label;
    bool itext = false;  // labels by jr:itext(itextId)
  };

  ItemsetSpec itemset_spec(const Field& f) {
    std::string id = list_instance_id(f);
    std::string nodeset = "instance('" + id + "')/root/item";
    if (!f.choice_filter.empty()) nodeset += "[" + c_.choice_filter(f) + "]";
    if (f.rare().params.count("randomize") && truthy(f.rare().params.at("randomize")) == "true()") {
      std::string seed;
      if (f.rare().params.count("seed")) seed = ", " + c_.expr(f, f.rare().params.at("seed"), "parameters");
      nodeset = "randomize(" + nodeset + seed + ")";
    }
    // pyxform's defaults: name/label, but id/title for a GeoJSON file (its features' fields).
    std::string value = "name", label = "label";
    if (f.type.ends_with("_from_file") && f.list.ends_with(".geojson")) value = "id", label = "title";
    if (f.rare().params.count("value")) value = f.rare().params.at("value");
    if (f.rare().params.count("label")) label = f.rare().params.at("label");
    bool itext = !f.type.ends_with("_from_file") && list_uses_itext(f.list);
    return {std::move(nodeset), std::move(value), std::move(label), itext};
  }

  void write_itemset(const Field& f) {
    ItemsetSpec s = itemset_spec(f);
    body_ += "<itemset" + attr("nodeset", s.nodeset) + "><value" + attr("ref", s.value) + "/>" +
             (s.itext ? std::string("<label ref=\"jr:itext(itextId)\"/>") : "<label" + attr("ref", s.label) + "/>") +
             "</itemset>";
  }

  // write_itemset's <itemset> as BodyLoader::itemset reads it.
  Itemset built_itemset(const Field& f) {
    ItemsetSpec s = itemset_spec(f);
    Itemset is;
    is.nodeset_text = xml_read_back(s.nodeset, true);
    is.nodeset = output_expr(is.nodeset_text);
    is.value = output_expr(xml_read_back(s.value, true));
    std::string label = s.itext ? std::string("jr:itext(itextId)") : xml_read_back(s.label, true);
    std::string id, dynamic;
    if (xform_detail::split_itext_call(label, id, dynamic)) {
      is.label_is_itext = true;
      label = id.empty() ? dynamic : "'" + id + "'";
    }
    is.label = output_expr(label);
    return is;
  }

  // pyxform's osm question: one <tag key="NAME"><label>LABEL</label></tag> per row of its list
  // in the osm sheet.
  void write_osm_tags(const Field& f) {
    const Sheet* s = c_.wb_.sheet("osm");
    if (!s) return;
    RowReader rr(*s);
    for (const Row& r : s->rows)
      if (rr.get(r, "list_name") == f.list)
        body_ += "<tag" + attr("key", rr.get(r, "name")) + "><label>" +
                 xml_escape(rr.get(r, "label")) + "</label></tag>";
  }

  // Whether a choice list carries its labels through itext: translated, with media, or with
  // ${} outputs. Worked out once per list (its instance and each select over it ask: 2,000
  // selects over a 50,000-choice list scanned 10^8 choices).
  bool list_uses_itext(const std::string& list) {
    if (!c_.itext_) return false;
    auto [it, added] = list_itext_.try_emplace(list, false);
    if (!added) return it->second;
    const auto& choices = c_.lists_[list].choices;
    it->second = std::any_of(choices.begin(), choices.end(), [](const Choice& ch) {
      return translated(ch.label) || !ch.media.empty() ||
             std::any_of(ch.label.begin(), ch.label.end(), [](const auto& kv) {
               return kv.second.text.find("${") != std::string::npos;
             });
    });
    return it->second;
  }

  void write_control_actions(const Field& f) {
    for (const Field* t : f.rare().triggered)
      body_ += "<setvalue event=\"xforms-value-changed\"" + attr("ref", t->path) +
               (t->calculation.empty() ? "" : attr("value", c_.expr(*t, t->calculation, "calculation"))) +
               "/>";
  }

  void write_body(const Field& f) {
    std::string a = body_attrs(f);
    if (f.kind == Kind::Group) {
      body_ += "<group" + (f.flat ? std::string() : attr("ref", f.path)) + a + ">" +
               text_el("label", f, f.label, &f.media);
      for (const auto& ch : f.children) write_body(*ch);
      body_ += "</group>";
      return;
    }
    if (f.kind == Kind::Repeat) {
      body_ += "<group" + attr("ref", f.path) + ">" + text_el("label", f, f.label, &f.media);
      body_ += "<repeat" + attr("nodeset", f.path) + a;
      if (!f.rare().repeat_count.empty())
        body_ += attr("jr:count", c_.expr(f, f.rare().repeat_count, "repeat_count"));
      body_ += ">";
      for (const auto& ch : f.children) write_new_repeat_defaults(*ch);
      for (const auto& ch : f.children) write_body(*ch);
      body_ += "</repeat></group>";
      return;
    }
    const TypeInfo* ti = f.info;
    if (!ti || !*ti->control) return;
    std::string el = ti->control;
    std::string extra;
    if (*ti->mediatype) extra += attr("mediatype", ti->mediatype);
    if (f.type == "range") {
      auto p = [&](const char* k, const char* d) { return f.rare().params.count(k) ? f.rare().params.at(k) : d; };
      extra += attr("start", p("start", "1")) + attr("end", p("end", "10")) + attr("step", p("step", "1"));
    }
    if (f.rare().params.count("capture-accuracy"))
      extra += attr("accuracyThreshold", f.rare().params.at("capture-accuracy"));
    if (f.rare().params.count("warning-accuracy"))
      extra += attr("unacceptableAccuracyThreshold", f.rare().params.at("warning-accuracy"));
    if (f.type == "image" && f.rare().params.count("app")) extra += attr("intent", f.rare().params.at("app"));
    // pyxform's select_*_external: a text input whose query Collect answers from itemsets.csv.
    if (f.type.ends_with("_external"))
      extra += attr("query", "instance('" + f.list + "')/root/item" +
                                 (f.choice_filter.empty() ? "" : "[" + c_.choice_filter(f) + "]"));
    body_ += "<" + el + attr("ref", f.path) + extra + a + ">";
    body_ += text_el("label", f, f.label, &f.media);
    body_ += text_el("hint", f, f.hint, nullptr, &f.rare().guidance);
    if (f.type == "osm") write_osm_tags(f);
    else if (!f.list.empty() && !f.type.ends_with("_external")) write_itemset(f);
    write_control_actions(f);
    body_ += "</" + el + ">";
  }

  // write_body's controls as BodyLoader reads them (Compiler::direct_), into `parent`; their
  // actions (BodyLoader's load_body_action) into c_.built_actions_. The same calls in the same
  // order as write_body, so that errors, itext ids and secondary instances come out the same.
  void build_body(const Field& f, Control& parent) {
    std::string a = body_attrs(f);
    // Attributes the designer names (body::x) may be any the loader reads (accept, a second
    // appearance): those forms are loaded from their XML.
    if (!f.rare().body_attrs.empty()) c_.direct_failed_ = true;
    auto appearance = [&](Control& c) { c.appearance = xml_read_back(f.appearance, true); };
    if (f.kind == Kind::Group) {
      Control g;
      g.type = ControlType::Group;
      if (!f.flat) g.ref = built_ref(f.path);
      appearance(g);
      g.label = built_text("label", f, f.label, &f.media);
      for (const auto& ch : f.children) build_body(*ch, g);
      parent.children.push_back(std::move(g));
      return;
    }
    if (f.kind == Kind::Repeat) {
      Control g;
      g.type = ControlType::Group;
      g.ref = built_ref(f.path);
      g.label = built_text("label", f, f.label, &f.media);
      Control r;
      r.type = ControlType::Repeat;
      r.ref = g.ref;
      appearance(r);
      if (!f.rare().repeat_count.empty())
        r.repeat_count = output_expr(xml_read_back(c_.expr(f, f.rare().repeat_count, "repeat_count"), true));
      for (const auto& ch : f.children) build_new_repeat_defaults(*ch);
      for (const auto& ch : f.children) build_body(*ch, r);
      g.children.push_back(std::move(r));
      parent.children.push_back(std::move(g));
      return;
    }
    const TypeInfo* ti = f.info;
    if (!ti || !*ti->control) return;
    Control c;
    std::string_view control = ti->control;
    control = control.substr(control.find(':') == std::string_view::npos ? 0 : control.find(':') + 1);
    static const std::pair<std::string_view, ControlType> kTypes[] = {
        {"input", ControlType::Input},   {"select1", ControlType::Select1},
        {"select", ControlType::Select}, {"range", ControlType::Range},
        {"rank", ControlType::Rank},     {"trigger", ControlType::Trigger},
        {"upload", ControlType::Upload}};
    auto kind = std::find_if(std::begin(kTypes), std::end(kTypes),
                             [&](const auto& k) { return k.first == control; });
    if (kind == std::end(kTypes)) {
      c_.direct_failed_ = true;
      return;
    }
    c.type = kind->second;
    c.ref = built_ref(f.path);
    if (c.type == ControlType::Upload) c.mediatype = xml_read_back(ti->mediatype, true);
    if (f.type == "range") {
      auto p = [&](const char* k, const char* d) { return f.rare().params.count(k) ? f.rare().params.at(k) : d; };
      c.range_start = xml_read_back(p("start", "1"), true);
      c.range_end = xml_read_back(p("end", "10"), true);
      c.range_step = xml_read_back(p("step", "1"), true);
      // Not numbers: the loader's error, from the XML.
      for (const std::string* v : {&c.range_start, &c.range_end, &c.range_step})
        if (!xform_detail::is_range_bound(*v)) c_.direct_failed_ = true;
    } else if (c.type == ControlType::Range) {
      c_.direct_failed_ = true;  // a range control without its bounds: the loader's error
    }
    if (f.type.ends_with("_external") && !f.choice_filter.empty()) c_.choice_filter(f);
    appearance(c);
    c.label = built_text("label", f, f.label, &f.media);
    c.hint = built_text("hint", f, f.hint, nullptr, &f.rare().guidance);
    if (f.type != "osm" && !f.list.empty() && !f.type.ends_with("_external"))
      c.itemset = built_itemset(f);
    for (const Field* t : f.rare().triggered) {
      Action act;
      act.events = {"xforms-value-changed"};
      act.ref = built_ref(t->path);
      if (!t->calculation.empty()) {
        std::string value = xml_read_back(c_.expr(*t, t->calculation, "calculation"), true);
        if (!xform_detail::is_blank(value)) act.value = output_expr(value);
      }
      act.trigger_ref = c.ref;
      c_.built_actions_.push_back(std::move(act));
    }
    parent.children.push_back(std::move(c));
  }

  // A ref as the loader resolves it; one it could not resolve is its error, from the XML.
  std::string built_ref(const std::string& path) {
    std::string out;
    if (!xform_detail::resolve_path(xml_read_back(path, true), "", out)) c_.direct_failed_ = true;
    return out;
  }

  // write_new_repeat_defaults's setvalues as actions.
  void build_new_repeat_defaults(const Field& f) {
    if (f.kind == Kind::Leaf && f.dynamic_default) {
      Action act;
      act.events = {"odk-instance-first-load", "odk-new-repeat"};
      act.ref = built_ref(f.path);
      std::string value = xml_read_back(c_.expr(f, f.default_value, "default"), true);
      if (!xform_detail::is_blank(value)) act.value = output_expr(value);
      c_.built_actions_.push_back(std::move(act));
    }
    if (f.kind == Kind::Group)
      for (const auto& ch : f.children) build_new_repeat_defaults(*ch);
  }

  // Dynamic defaults inside a repeat: one setvalue on the <repeat>, for the instances there at
  // first load and each new one, as pyxform writes it.
  void write_new_repeat_defaults(const Field& f) {
    if (f.kind == Kind::Leaf && f.dynamic_default)
      body_ += "<setvalue event=\"odk-instance-first-load odk-new-repeat\"" + attr("ref", f.path) +
               attr("value", c_.expr(f, f.default_value, "default")) + "/>";
    if (f.kind == Kind::Group)
      for (const auto& ch : f.children) write_new_repeat_defaults(*ch);
  }

  // -------------------------------------------------------------------------------------------
  // [SECTION] Document
  // -------------------------------------------------------------------------------------------

  std::string namespaces() {
    std::string x;
    std::string ns = c_.settings_.namespaces;
    std::size_t i = 0;
    while (i < ns.size()) {
      auto eq = ns.find('=', i);
      if (eq == std::string::npos) break;
      auto q1 = ns.find('"', eq);
      auto q2 = q1 == std::string::npos ? q1 : ns.find('"', q1 + 1);
      if (q2 == std::string::npos) break;
      std::string prefix = ns.substr(i, eq - i);
      while (!prefix.empty() && prefix.front() == ' ') prefix.erase(prefix.begin());
      x += attr("xmlns:" + prefix, ns.substr(q1 + 1, q2 - q1 - 1));
      i = q2 + 1;
    }
    return x;
  }

  std::string submission() {
    const Settings& s = c_.settings_;
    if (s.submission_url.empty() && s.public_key.empty() && s.auto_send.empty() &&
        s.auto_delete.empty())
      return "";
    std::string x = "<submission";
    if (!s.submission_url.empty()) x += attr("action", s.submission_url);
    if (!s.public_key.empty()) x += attr("base64RsaPublicKey", s.public_key);
    if (!s.auto_send.empty()) x += attr("orx:auto-send", s.auto_send);
    if (!s.auto_delete.empty()) x += attr("orx:auto-delete", s.auto_delete);
    return x + " method=\"post\"/>";
  }

  Compiler& c_;
  // The itext texts in the order first added: their ids, and per id the values in each of
  // c_.langs_ (same index).
  std::vector<std::string> itext_order_;
  std::vector<std::vector<Values>> itext_;
  std::unordered_map<std::string, std::size_t> itext_index_;  // id -> index in itext_order_
  std::vector<bool> used_langs_ = std::vector<bool>(c_.langs_.size(), false);  // some text of
                                                   // itext_ is really written in c_.langs_[i]
  std::vector<Translation> built_tr_;  // add_built_itext's, one per c_.langs_ (direct_)
  std::unordered_set<const Field*> triggered_targets_;
  std::unordered_map<std::string, bool> list_itext_;  // list_uses_itext's answer per list
  std::string binds_, body_, model_actions_;
};

std::string XFormWriter::write() {
  const Settings& s = c_.settings_;
  const std::string& root = s.root_name;
  // What the loader would refuse to take built (BuiltModel): an entity (its binds are read from
  // the XML; a survey group named meta may hold one too), namespaces the settings redeclare.
  if (c_.direct_ && (c_.entity_ || !s.namespaces.empty() ||
                     std::any_of(c_.root_.children.begin(), c_.root_.children.end(),
                                 [](const FieldPtr& f) { return f->name == "meta"; })))
    c_.direct_failed_ = true;
  collect_triggers(c_.root_);
  if (c_.direct_) c_.built_binds_.reserve(c_.survey_->rows.size() + c_.meta_->children.size() + 2);
  // Body first: it decides which lists and attachments become secondary instances.
  if (c_.direct_)
    for (const auto& ch : c_.root_.children) build_body(*ch, c_.built_body_);
  else
    for (const auto& ch : c_.root_.children) write_body(*ch);
  for (const auto& ch : c_.root_.children) write_bind(*ch);
  for (const auto& ch : c_.meta_->children) write_bind(*ch);
  if (!s.omit_instance_id)
    emit_bind(c_.meta_->path + "/instanceID",
              {{"type", "string"}, {"readonly", "true()"}, {"jr:preload", "uid"}});
  if (!s.instance_name.empty()) {
    // Checked like any expression, its mistakes placed in the settings sheet.
    Field ctx;
    ctx.row = s.row;
    ctx.sheet = c_.wb_.sheet("settings");
    ctx.parent = &c_.root_;
    ctx.path = c_.meta_->path + "/instanceName";
    emit_bind(ctx.path, {{"type", "string"}, {"calculate", c_.expr(ctx, s.instance_name, "instance_name")}});
  }
  binds_ += c_.entity_binds_xml();
  std::string inst;
  write_children(c_.root_, inst);
  std::string meta;
  for (const auto& ch : c_.meta_->children) write_instance(*ch, meta, false);
  if (!s.omit_instance_id) meta += "<instanceID/>";
  if (!s.instance_name.empty()) meta += "<instanceName/>";
  meta += c_.entity_meta_xml();
  if (!meta.empty()) inst += "<meta>" + meta + "</meta>";
  c_.check_instance_refs();
  std::string secondary;
  for (std::size_t i = 0; i < c_.list_instances_.size(); ++i)
    secondary += list_instance(c_.list_instances_[i]);
  for (const auto& [id, src] : c_.external_instances_)
    secondary += "<instance" + attr("id", id) + attr("src", src) + "/>";
  std::string x =
      "<?xml version=\"1.0\"?>\n<h:html xmlns=\"http://www.w3.org/2002/xforms\" "
      "xmlns:ev=\"http://www.w3.org/2001/xml-events\" xmlns:h=\"http://www.w3.org/1999/xhtml\" "
      "xmlns:jr=\"http://openrosa.org/javarosa\" xmlns:odk=\"http://www.opendatakit.org/xforms\" "
      "xmlns:orx=\"http://openrosa.org/xforms\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"" +
      namespaces() + c_.entity_namespace_attr() + "><h:head><h:title>" + xml_escape(s.title) +
      "</h:title><model" + c_.entity_model_attr() +
      " odk:xforms-version=\"1.0.0\">";
  // The big parts are appended to the one document, never joined into temporaries first (the
  // XML of a 100,000-row survey is 40 MB: each temporary was a copy of most of it).
  if (c_.direct_) build_translations();
  else write_itext(x);
  x.reserve(x.size() + inst.size() + secondary.size() + binds_.size() + model_actions_.size() +
            body_.size() + 1024);
  x += "<instance><" + root + attr("id", s.form_id) +
       (s.version.empty() ? "" : attr("version", s.version)) + ">";
  x += inst;
  x += "</" + root + "></instance>";
  x += secondary;
  x += binds_;
  x += model_actions_;
  x += submission() + "</model></h:head>";
  x += "<h:body" + (s.style.empty() ? std::string() : attr("class", s.style)) + ">";
  x += body_;
  x += "</h:body></h:html>\n";
  return x;
}

std::string Compiler::write_xform() { return XFormWriter(*this).write(); }

}  // namespace khaosat::core::xlsform::detail
