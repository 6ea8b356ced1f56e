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

  // One text's values per language: (form, xml) with form "" for the plain text.
  using Values = std::vector<std::pair<std::string, std::string>>;

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

  // Stores `label` (+ media) under `id` in every language. Returns false when there is nothing.
  bool add_itext(const std::string& id, const Texts& label, const Media* media, const Field* f,
                 const char* form = "") {
    bool any = !label.empty();
    if (media) any = any || !media->empty();
    if (!any) return false;
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
            v.emplace_back(m, xml_escape(media_prefix(m) + cell->text));
            used_langs_[l] = true;
          }
      if (label.empty()) continue;
      const Cell* cell = cell_for(label, lang);
      v.emplace_back(form, cell ? text_xml(f, *cell) : "-");
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

  std::string message_attr(const Field& f, const Texts& t, const char* name) {
    if (t.empty()) return "";
    if (c_.itext_ && translated(t)) {
      std::string id = f.path + ":" + name;
      add_itext(id, t, nullptr, &f);
      return attr(name, "jr:itext('" + id + "')");
    }
    return attr(name, t.begin()->second.text);
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
        for (const auto& [form, xml] : itext_[t][l]) {
          x += "<value";
          if (!form.empty()) x += attr("form", form);
          x += '>';
          x += xml;
          x += "</value>";
        }
        x += "</text>";
      }
      x += "</translation>";
    }
    x += "</itext>";
  }

  // -------------------------------------------------------------------------------------------
  // [SECTION] Instance
  // -------------------------------------------------------------------------------------------

  void write_instance(const Field& f, std::string& x, bool template_copy) {
    std::string attrs;
    if (!template_copy)  // pyxform leaves the repeat template bare
      for (const auto& [k, v] : f.instance_attrs) attrs += attr(k, refs(f, v, "instance"));
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

  std::string bind_expr(const Field& f, const char* name, const std::string& v,
                        std::string_view col) {
    return v.empty() ? "" : attr(name, c_.expr(f, v, col));
  }

  // relevant, and for a question in flat groups (which have no node to carry it) theirs too.
  std::string relevant_attr(const Field& f) {
    std::vector<std::string> parts;
    for (const Field* p = f.parent; p && p->flat; p = p->parent)
      if (!p->relevant.empty()) parts.insert(parts.begin(), c_.expr(*p, p->relevant, "relevant"));
    if (!f.relevant.empty()) parts.push_back(c_.expr(f, f.relevant, "relevant"));
    if (parts.empty() || f.flat) return "";
    if (parts.size() == 1) return attr("relevant", parts.front());
    std::string all;
    for (const auto& p : parts) all += (all.empty() ? "(" : " and (") + p + ")";
    return attr("relevant", all);
  }

  void write_bind(const Field& f) {
    std::string b;
    const TypeInfo* ti = f.info;
    if (ti && *ti->bind_type) {
      std::string type = ti->bind_type;
      if (f.type == "range")
        for (const char* k : {"start", "end", "step"})
          if (f.params.count(k) && is_decimal_text(f.params.at(k))) type = "decimal";
      b += attr("type", type);
    }
    if (!f.other_of.empty()) {
      b += attr("relevant", f.relevant);  // pyxform's literal "selected(../x, 'other')"
    } else {
      b += relevant_attr(f);
    }
    b += bind_expr(f, "required", truthy(f.required), "required");
    b += bind_expr(f, "constraint", f.constraint, "constraint");
    if (f.type == "phone number" && f.constraint.empty()) b += attr("constraint", "regex(., '^\\d*$')");
    if (!triggered_targets_.count(&f))
      b += bind_expr(f, "calculate", f.calculation, f.count_of ? "repeat_count" : "calculation");
    std::string ro = f.type == "note" ? "true()" : truthy(f.read_only);
    b += bind_expr(f, "readonly", ro, "read_only");
    b += message_attr(f, f.constraint_msg, "jr:constraintMsg");
    b += message_attr(f, f.required_msg, "jr:requiredMsg");
    if (ti && *ti->preload) b += attr("jr:preload", ti->preload) + attr("jr:preloadParams", ti->preload_params);
    if (f.type == "image" && f.params.count("max-pixels"))
      b += attr("orx:max-pixels", f.params.at("max-pixels"));
    if (f.type == "audio" && f.params.count("quality")) b += attr("odk:quality", f.params.at("quality"));
    if (f.params.count("allow-mock-accuracy"))
      b += attr("odk:allow-mock-accuracy", f.params.at("allow-mock-accuracy"));
    if (f.type == "audit")
      for (const auto& [k, v] : f.params) b += attr("odk:" + k, v);
    for (const auto& [k, v] : f.bind_attrs) b += attr(k, refs(f, v, "bind"));
    if ((!b.empty() || f.kind == Kind::Leaf) && !f.flat) binds_ += "<bind" + attr("nodeset", f.path) + b + "/>";
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
    for (const Field* t : f.triggered) triggered_targets_.insert(t);
    for (const auto& ch : f.children) collect_triggers(*ch);
  }

  // -------------------------------------------------------------------------------------------
  // [SECTION] Body
  // -------------------------------------------------------------------------------------------

  std::string body_attrs(const Field& f) {
    std::string a;
    if (!f.appearance.empty()) a += attr("appearance", f.appearance);
    if (!f.autoplay.empty()) a += attr("autoplay", f.autoplay);
    for (const auto& [k, v] : f.body_attrs) a += attr(k, refs(f, v, "body"));
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

  void write_itemset(const Field& f) {
    std::string id = list_instance_id(f);
    std::string nodeset = "instance('" + id + "')/root/item";
    if (!f.choice_filter.empty()) nodeset += "[" + c_.choice_filter(f) + "]";
    if (f.params.count("randomize") && truthy(f.params.at("randomize")) == "true()") {
      std::string seed;
      if (f.params.count("seed")) seed = ", " + c_.expr(f, f.params.at("seed"), "parameters");
      nodeset = "randomize(" + nodeset + seed + ")";
    }
    // pyxform's defaults: name/label, but id/title for a GeoJSON file (its features' fields).
    std::string value = "name", label = "label";
    if (f.type.ends_with("_from_file") && f.list.ends_with(".geojson")) value = "id", label = "title";
    if (f.params.count("value")) value = f.params.at("value");
    if (f.params.count("label")) label = f.params.at("label");
    bool itext = !f.type.ends_with("_from_file") && list_uses_itext(f.list);
    body_ += "<itemset" + attr("nodeset", nodeset) + "><value" + attr("ref", value) + "/>" +
             (itext ? std::string("<label ref=\"jr:itext(itextId)\"/>") : "<label" + attr("ref", label) + "/>") +
             "</itemset>";
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
  // ${} outputs.
  bool list_uses_itext(const std::string& list) {
    const auto& choices = c_.lists_[list].choices;
    return c_.itext_ && std::any_of(choices.begin(), choices.end(), [](const Choice& ch) {
             return translated(ch.label) || !ch.media.empty() ||
                    std::any_of(ch.label.begin(), ch.label.end(), [](const auto& kv) {
                      return kv.second.text.find("${") != std::string::npos;
                    });
           });
  }

  void write_control_actions(const Field& f) {
    for (const Field* t : f.triggered)
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
      if (!f.repeat_count.empty())
        body_ += attr("jr:count", c_.expr(f, f.repeat_count, "repeat_count"));
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
      auto p = [&](const char* k, const char* d) { return f.params.count(k) ? f.params.at(k) : d; };
      extra += attr("start", p("start", "1")) + attr("end", p("end", "10")) + attr("step", p("step", "1"));
    }
    if (f.params.count("capture-accuracy"))
      extra += attr("accuracyThreshold", f.params.at("capture-accuracy"));
    if (f.params.count("warning-accuracy"))
      extra += attr("unacceptableAccuracyThreshold", f.params.at("warning-accuracy"));
    if (f.type == "image" && f.params.count("app")) extra += attr("intent", f.params.at("app"));
    // pyxform's select_*_external: a text input whose query Collect answers from itemsets.csv.
    if (f.type.ends_with("_external"))
      extra += attr("query", "instance('" + f.list + "')/root/item" +
                                 (f.choice_filter.empty() ? "" : "[" + c_.choice_filter(f) + "]"));
    body_ += "<" + el + attr("ref", f.path) + extra + a + ">";
    body_ += text_el("label", f, f.label, &f.media);
    body_ += text_el("hint", f, f.hint, nullptr, &f.guidance);
    if (f.type == "osm") write_osm_tags(f);
    else if (!f.list.empty() && !f.type.ends_with("_external")) write_itemset(f);
    write_control_actions(f);
    body_ += "</" + el + ">";
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
  std::unordered_set<const Field*> triggered_targets_;
  std::string binds_, body_, model_actions_;
};

std::string XFormWriter::write() {
  const Settings& s = c_.settings_;
  const std::string& root = s.root_name;
  collect_triggers(c_.root_);
  // Body first: it decides which lists and attachments become secondary instances.
  for (const auto& ch : c_.root_.children) write_body(*ch);
  for (const auto& ch : c_.root_.children) write_bind(*ch);
  for (const auto& ch : c_.meta_->children) write_bind(*ch);
  if (!s.omit_instance_id)
    binds_ += "<bind" + attr("nodeset", c_.meta_->path + "/instanceID") +
              " type=\"string\" readonly=\"true()\" jr:preload=\"uid\"/>";
  if (!s.instance_name.empty()) {
    // Checked like any expression, its mistakes placed in the settings sheet.
    Field ctx;
    ctx.row = s.row;
    ctx.sheet = c_.wb_.sheet("settings");
    ctx.parent = &c_.root_;
    ctx.path = c_.meta_->path + "/instanceName";
    binds_ += "<bind" + attr("nodeset", ctx.path) + " type=\"string\"" +
              attr("calculate", c_.expr(ctx, s.instance_name, "instance_name")) + "/>";
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
  write_itext(x);
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
