// The XLSForm compiler (see compiler.hpp): survey rows -> a field tree with every mistake
// collected, then pyxform-shaped XForm XML, then the XForm loader.
//
// [SECTION] Columns, languages and choices
// [SECTION] Survey rows -> field tree
// [SECTION] ${name} references
// [SECTION] XForm writer
// [SECTION] Entry points
#include "xlsform/compiler.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_map>
#include <vector>

#include "xpath/xpath.hpp"

namespace khaosat::core::xlsform {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// -------------------------------------------------------------------------------------------
// [SECTION] Columns, languages and choices
// -------------------------------------------------------------------------------------------

// A header split into its base name and language: "label::English (en)" -> {"label", "English
// (en)"}; pyxform also accepts a single ':' ("label:English (en)").
struct Column {
  std::string base, lang;
};

Column split_header(std::string_view h) {
  auto at = h.find("::");
  std::size_t skip = 2;
  if (at == std::string_view::npos) { at = h.find(':'); skip = 1; }
  if (at == std::string_view::npos) return {lower(h), ""};
  std::string base = lower(h.substr(0, at));
  std::string lang(h.substr(at + skip));
  while (!lang.empty() && lang.front() == ' ') lang.erase(lang.begin());
  return {base, lang};
}

bool is_translatable(const std::string& base) {
  return base == "label" || base == "hint" || base == "constraint_message" ||
         base == "required_message" || base == "constraint message" || base == "required message";
}

using Texts = std::map<std::string, std::string>;  // language ("" = unqualified) -> text

// Reads the cells of one sheet row by column base name.
struct RowReader {
  const Sheet& sheet;
  std::vector<Column> cols;

  explicit RowReader(const Sheet& s) : sheet(s) {
    for (const auto& h : s.headers) cols.push_back(split_header(h));
    for (auto& c : cols) {
      if (c.base == "constraint message") c.base = "constraint_message";
      if (c.base == "required message") c.base = "required_message";
      if (c.base == "value" && !has("name")) c.base = "name";
      if (c.base == "list name") c.base = "list_name";
    }
  }
  bool has(std::string_view base) const {
    return std::any_of(cols.begin(), cols.end(), [&](const Column& c) { return c.base == base; });
  }
  std::size_t index(std::string_view base) const {
    for (std::size_t i = 0; i < cols.size(); ++i)
      if (cols[i].base == base && cols[i].lang.empty()) return i;
    return std::string::npos;
  }
  std::string get(const Row& r, std::string_view base) const {
    auto i = index(base);
    return i < r.cells.size() ? r.cells[i] : std::string();
  }
  Texts texts(const Row& r, std::string_view base) const {
    Texts out;
    for (std::size_t i = 0; i < cols.size() && i < r.cells.size(); ++i)
      if (cols[i].base == base && !r.cells[i].empty()) out[cols[i].lang] = r.cells[i];
    return out;
  }
};

struct Choice {
  std::string name;
  Texts label;
  std::vector<std::pair<std::string, std::string>> extras;  // other columns, for choice_filter
};

struct ChoiceList {
  std::vector<Choice> choices;
};

// -------------------------------------------------------------------------------------------
// [SECTION] Survey rows -> field tree
// -------------------------------------------------------------------------------------------

enum class Kind { Leaf, Group, Repeat };

struct Field {
  Kind kind = Kind::Leaf;
  std::string type;   // normalised XLSForm type: "text", "select_one", "begin group" ...
  std::string list;   // choice list of a select
  std::string name, path;
  const Row* row = nullptr;
  Texts label, hint, constraint_msg, required_msg;
  std::string required, relevant, constraint, calculation, default_value, read_only, appearance,
      repeat_count, choice_filter;
  Field* parent = nullptr;
  std::vector<std::unique_ptr<Field>> children;
};

struct TypeInfo {
  const char* xlsform;
  const char* bind_type;
  const char* control;  // "input", "select1", "select", "trigger", "" (no body control)
};

const TypeInfo kTypes[] = {
    {"text", "string", "input"},         {"integer", "int", "input"},
    {"decimal", "decimal", "input"},     {"date", "date", "input"},
    {"time", "time", "input"},           {"datetime", "dateTime", "input"},
    {"note", "string", "input"},         {"calculate", "string", ""},
    {"select_one", "string", "select1"}, {"select_multiple", "string", "select"},
    {"geopoint", "geopoint", "input"},   {"acknowledge", "string", "trigger"},
    {"start", "dateTime", ""},           {"end", "dateTime", ""},
    {"today", "date", ""},               {"deviceid", "string", ""},
};

const TypeInfo* type_info(const std::string& t) {
  for (const TypeInfo& ti : kTypes)
    if (t == ti.xlsform) return &ti;
  return nullptr;
}

struct Compiler {
  Compiler(const Workbook& w, std::string path) : wb(w), source_path(std::move(path)) {}
  const Workbook& wb;
  std::string source_path;
  std::vector<std::string> errors;
  const Sheet* survey = nullptr;
  std::unique_ptr<RowReader> sr;
  Field root;
  std::unordered_map<std::string, Field*> by_name;
  std::map<std::string, ChoiceList> lists;
  std::vector<std::string> langs;  // empty: no itext; else default language first
  std::string title, form_id, version, default_lang, root_name = "data";
  std::vector<std::string> instances_needed;  // choice lists used with choice_filter

  void error(const Sheet& s, const Row& r, std::size_t col, const std::string& what) {
    errors.push_back(s.where(r, col) + ": " + what);
  }

  void read_settings() {
    form_id = source_path;
    if (auto slash = form_id.find_last_of('/'); slash != std::string::npos)
      form_id = form_id.substr(slash + 1);
    if (auto dot = form_id.find_last_of('.'); dot != std::string::npos) form_id.resize(dot);
    const Sheet* s = wb.sheet("settings");
    if (s && !s->rows.empty()) {
      RowReader rr(*s);
      const Row& r = s->rows.front();
      if (auto v = rr.get(r, "form_id"); !v.empty()) form_id = v;
      title = rr.get(r, "form_title");
      version = rr.get(r, "version");
      default_lang = rr.get(r, "default_language");
      if (auto v = rr.get(r, "name"); !v.empty()) root_name = v;
    }
    if (title.empty()) title = form_id;
  }

  void read_choices() {
    const Sheet* s = wb.sheet("choices");
    if (!s) return;
    RowReader rr(*s);
    for (const Row& r : s->rows) {
      std::string list = rr.get(r, "list_name");
      if (list.empty()) continue;
      Choice c;
      c.name = rr.get(r, "name");
      c.label = rr.texts(r, "label");
      for (std::size_t i = 0; i < rr.cols.size() && i < r.cells.size(); ++i) {
        const auto& col = rr.cols[i];
        if (col.base == "list_name" || col.base == "name" || col.base == "label" ||
            !col.lang.empty() || col.base.find(':') != std::string::npos)
          continue;
        c.extras.emplace_back(s->headers[i], r.cells[i]);
      }
      lists[list].choices.push_back(std::move(c));
    }
  }

  void collect_languages() {
    std::vector<std::string> found;
    auto scan = [&](const Sheet* s) {
      if (!s) return;
      for (const auto& h : s->headers) {
        Column c = split_header(h);
        if (is_translatable(c.base) && !c.lang.empty() &&
            std::find(found.begin(), found.end(), c.lang) == found.end())
          found.push_back(c.lang);
      }
    };
    scan(survey);
    scan(wb.sheet("choices"));
    if (found.empty() && default_lang.empty()) return;
    std::string def = default_lang.empty() ? "default" : default_lang;
    // "default" only exists when some text has no language.
    langs.push_back(def);
    for (const auto& l : found)
      if (l != def) langs.push_back(l);
  }

  // The survey rows as a tree; mistakes collected.
  void read_survey() {
    root.kind = Kind::Group;
    root.path = "/" + root_name;
    const Sheet& s = *survey;
    const RowReader& rr = *sr;
    const std::size_t type_col = rr.index("type"), name_col = rr.index("name");
    std::vector<Field*> open{&root};
    for (const Row& r : s.rows) {
      std::string raw = rr.get(r, "type");
      std::string t = lower(raw);
      for (std::size_t p; (p = t.find("  ")) != std::string::npos;) t.erase(p, 1);
      if (t.empty()) continue;
      if (t == "end group" || t == "end_group" || t == "end repeat" || t == "end_repeat") {
        Kind want = t.find("repeat") != std::string::npos ? Kind::Repeat : Kind::Group;
        if (open.size() < 2 || open.back()->kind != want) {
          error(s, r, type_col, "'" + raw + "' has no matching 'begin " +
                                    (want == Kind::Repeat ? "repeat" : "group") + "' above it");
          continue;
        }
        open.pop_back();
        continue;
      }
      auto f = std::make_unique<Field>();
      f->row = &r;
      f->name = rr.get(r, "name");
      if (t == "begin group" || t == "begin_group") {
        f->kind = Kind::Group;
      } else if (t == "begin repeat" || t == "begin_repeat") {
        f->kind = Kind::Repeat;
      } else {
        auto sp = t.find(' ');
        std::string head = t.substr(0, sp);
        if (head == "select one") head = "select_one";
        if ((head == "select_one" || head == "select_multiple")) {
          if (sp == std::string::npos) {
            error(s, r, type_col, "'" + raw + "' needs a choice list name ('" + head + " LIST')");
            continue;
          }
          f->list = std::string(raw.substr(raw.find_last_of(' ') + 1));
          if (!lists.count(f->list))
            error(s, r, type_col, "the choice list '" + f->list +
                                      "' is not in the choices sheet");
        } else if (sp != std::string::npos || !type_info(head)) {
          error(s, r, type_col, "unknown type '" + raw + "'");
          continue;
        }
        t = head;
      }
      f->type = t;
      if (f->name.empty()) {
        error(s, r, name_col == std::string::npos ? type_col : name_col,
              "a '" + raw + "' row needs a name");
        continue;
      }
      if (auto it = by_name.find(f->name); it != by_name.end()) {
        error(s, r, name_col, "the name '" + f->name + "' is already used in row " +
                                  std::to_string(it->second->row->number));
        continue;
      }
      f->label = rr.texts(r, "label");
      f->hint = rr.texts(r, "hint");
      f->constraint_msg = rr.texts(r, "constraint_message");
      f->required_msg = rr.texts(r, "required_message");
      f->required = rr.get(r, "required");
      f->relevant = rr.get(r, "relevant");
      f->constraint = rr.get(r, "constraint");
      f->calculation = rr.get(r, "calculation");
      f->default_value = rr.get(r, "default");
      f->read_only = rr.get(r, "read_only");
      f->appearance = rr.get(r, "appearance");
      f->repeat_count = rr.get(r, "repeat_count");
      f->choice_filter = rr.get(r, "choice_filter");
      Field* parent = open.back();
      f->parent = parent;
      f->path = parent->path + "/" + f->name;
      by_name[f->name] = f.get();
      Field* raw_ptr = f.get();
      parent->children.push_back(std::move(f));
      if (raw_ptr->kind != Kind::Leaf) open.push_back(raw_ptr);
    }
    for (std::size_t i = open.size(); i-- > 1;)
      error(s, *open[i]->row, type_col,
            std::string("'begin ") + (open[i]->kind == Kind::Repeat ? "repeat" : "group") + "' '" +
                open[i]->name + "' is never closed with 'end " +
                (open[i]->kind == Kind::Repeat ? "repeat" : "group") + "'");
  }

  // -----------------------------------------------------------------------------------------
  // [SECTION] ${name} references
  // -----------------------------------------------------------------------------------------

  static const Field* repeat_of(const Field* f) {
    for (const Field* p = f->parent; p; p = p->parent)
      if (p->kind == Kind::Repeat) return p;
    return nullptr;
  }

  static bool is_ancestor(const Field* a, const Field* f) {
    for (const Field* p = f; p; p = p->parent)
      if (p == a) return true;
    return false;
  }

  // The path pyxform writes for ${target} used at `ctx`: absolute, or relative ("../x") when
  // both are in the same repeat.
  static std::string ref_path(const Field& ctx, const Field& target) {
    const Field* rep = repeat_of(&target);
    if (!rep || !is_ancestor(rep, &ctx)) return target.path;
    std::vector<const Field*> a, b;
    for (const Field* p = &ctx; p; p = p->parent) a.insert(a.begin(), p);
    for (const Field* p = &target; p; p = p->parent) b.insert(b.begin(), p);
    std::size_t common = 0;
    while (common < a.size() && common < b.size() && a[common] == b[common]) ++common;
    std::string out;
    for (std::size_t i = common; i < a.size(); ++i) out += "../";
    for (std::size_t i = common; i < b.size(); ++i) out += b[i]->name + (i + 1 < b.size() ? "/" : "");
    return out;
  }

  // `text` with each ${name} replaced through `emit(path)`; a ${name} naming nothing is an
  // error at (row, column).
  template <class Emit, class Plain>
  void expand(const std::string& text, const Field& ctx, std::string_view col, Emit emit,
              Plain plain) {
    std::size_t i = 0;
    while (i < text.size()) {
      auto at = text.find("${", i);
      auto close = at == std::string::npos ? at : text.find('}', at);
      if (close == std::string::npos) { plain(text.substr(i)); return; }
      plain(text.substr(i, at - i));
      std::string name = text.substr(at + 2, close - at - 2);
      auto it = by_name.find(name);
      if (it == by_name.end()) {
        error(*survey, *ctx.row, column_index(col),
              "${" + name + "} refers to nothing: no question is named '" + name + "'");
        emit(std::string("/") + root_name + "/" + name);
      } else {
        emit(ref_path(ctx, *it->second));
      }
      i = close + 1;
    }
  }

  std::size_t column_index(std::string_view col) const {
    auto i = sr->index(col);
    if (i != std::string::npos) return i;
    for (std::size_t j = 0; j < sr->cols.size(); ++j)
      if (sr->cols[j].base == col) return j;
    return std::string::npos;
  }

  // An expression column: ${} expanded and the result parsed, errors at the cell.
  std::string expr(const Field& f, const std::string& text, std::string_view col,
                   const std::string& prefix = "") {
    std::string out;
    expand(text, f, col, [&](const std::string& p) { out += (p.starts_with('/') ? "" : prefix) + p; },
           [&](std::string_view s) { out += s; });
    if (auto parsed = xpath::parse(out); !parsed.ok())
      error(*survey, *f.row, column_index(col),
            "invalid expression '" + text + "': " + parsed.error().message);
    return out;
  }

  // Label text as XML: text escaped, ${x} as <output value="..."/>.
  std::string text_xml(const Field& f, const std::string& text, std::string_view col) {
    std::string o;
    expand(text, f, col, [&](const std::string& p) { o += "<output value=\"" + xml_escape(p) + "\"/>"; },
           [&](std::string_view s) { o += xml_escape(s); });
    return o;
  }

  static std::string truthy(const std::string& v) {
    std::string l = lower(v);
    if (l == "yes" || l == "true" || l == "true()" || l == "1") return "true()";
    if (l == "no" || l == "false" || l == "false()" || l == "0" || l.empty()) return "";
    return v;
  }

  // -----------------------------------------------------------------------------------------
  // [SECTION] XForm writer
  // -----------------------------------------------------------------------------------------

  std::map<std::string, std::map<std::string, std::string>> itext;  // lang -> id -> xml
  std::vector<std::string> itext_order;
  std::string binds, body;

  // Stores the translations of `texts` under `id`; the unqualified text belongs to the default
  // language. Returns false (nothing stored) when there is no text.
  bool add_itext(const std::string& id, const Texts& texts, const Field* f, std::string_view col) {
    if (texts.empty()) return false;
    itext_order.push_back(id);
    for (const auto& lang : langs) {
      auto it = texts.find(lang);
      if (it == texts.end() && lang == langs.front()) it = texts.find("");
      std::string x = it == texts.end() ? "-" : (f ? text_xml(*f, it->second, col)
                                                   : xml_escape(it->second));
      itext[lang][id] = x;
    }
    return true;
  }

  // A <label>/<hint> element: itext reference or inline text.
  std::string label_el(const char* el, const Field& f, const Texts& t, const char* form) {
    if (t.empty()) return "";
    if (!langs.empty()) {
      std::string id = f.path + ":" + form;
      add_itext(id, t, &f, el);
      return std::string("<") + el + " ref=\"jr:itext('" + id + "')\"/>";
    }
    return std::string("<") + el + ">" + text_xml(f, t.begin()->second, el) + "</" + el + ">";
  }

  void message_attr(const Field& f, const Texts& t, const char* attr, const char* col) {
    if (t.empty()) return;
    if (!langs.empty()) {
      std::string id = f.path + ":" + attr;
      add_itext(id, t, &f, col);
      binds += std::string(" ") + attr + "=\"jr:itext('" + id + "')\"";
    } else {
      binds += std::string(" ") + attr + "=\"" + xml_escape(t.begin()->second) + "\"";
    }
  }

  void write_instance(const Field& f, std::string& x, bool template_copy) {
    if (f.kind == Kind::Leaf) {
      x += "<" + f.name + ">" + xml_escape(f.default_value) + "</" + f.name + ">";
      return;
    }
    x += "<" + f.name + (template_copy ? " jr:template=\"\">" : ">");
    for (const auto& c : f.children) {
      if (c->kind == Kind::Repeat) write_instance(*c, x, true);
      write_instance(*c, x, false);
    }
    x += "</" + f.name + ">";
  }

  void write_bind(const Field& f) {
    const TypeInfo* ti = f.kind == Kind::Leaf ? type_info(f.type) : nullptr;
    binds += "<bind nodeset=\"" + f.path + "\"";
    if (ti) binds += std::string(" type=\"") + ti->bind_type + "\"";
    auto attr = [&](const char* name, const std::string& v, std::string_view col) {
      if (!v.empty()) binds += std::string(" ") + name + "=\"" + xml_escape(expr(f, v, col)) + "\"";
    };
    attr("relevant", f.relevant, "relevant");
    attr("required", truthy(f.required), "required");
    attr("constraint", f.constraint, "constraint");
    attr("calculate", f.calculation, "calculation");
    std::string ro = f.type == "note" ? "true()" : truthy(f.read_only);
    attr("readonly", ro, "read_only");
    message_attr(f, f.constraint_msg, "jr:constraintMsg", "constraint_message");
    message_attr(f, f.required_msg, "jr:requiredMsg", "required_message");
    if (f.type == "start" || f.type == "end")
      binds += " jr:preload=\"timestamp\" jr:preloadParams=\"" + f.type + "\"";
    if (f.type == "today") binds += " jr:preload=\"date\" jr:preloadParams=\"today\"";
    if (f.type == "deviceid") binds += " jr:preload=\"property\" jr:preloadParams=\"deviceid\"";
    binds += "/>";
    for (const auto& c : f.children) write_bind(*c);
  }

  std::string choice_label(const std::string& id, const Choice& c) {
    if (!langs.empty()) {
      add_itext(id, c.label, nullptr, "label");
      return "<label ref=\"jr:itext('" + id + "')\"/>";
    }
    return "<label>" + xml_escape(c.label.empty() ? "" : c.label.begin()->second) + "</label>";
  }

  void write_select(const Field& f) {
    auto it = lists.find(f.list);
    if (it == lists.end()) return;
    if (!f.choice_filter.empty()) {
      if (std::find(instances_needed.begin(), instances_needed.end(), f.list) ==
          instances_needed.end())
        instances_needed.push_back(f.list);
      std::string filter = expr(f, f.choice_filter, "choice_filter", "current()/");
      body += "<itemset nodeset=\"instance('" + xml_escape(f.list) + "')/root/item[" +
              xml_escape(filter) + "]\"><value ref=\"name\"/>" +
              (langs.empty() ? "<label ref=\"label\"/>" : "<label ref=\"jr:itext(itextId)\"/>") +
              "</itemset>";
      return;
    }
    for (const Choice& c : it->second.choices)
      body += "<item>" + choice_label(f.path + "/" + c.name + ":label", c) + "<value>" +
              xml_escape(c.name) + "</value></item>";
  }

  void write_body(const Field& f) {
    std::string app = f.appearance.empty() ? "" : " appearance=\"" + xml_escape(f.appearance) + "\"";
    if (f.kind == Kind::Group) {
      body += "<group ref=\"" + f.path + "\"" + app + ">" + label_el("label", f, f.label, "label");
      for (const auto& c : f.children) write_body(*c);
      body += "</group>";
      return;
    }
    if (f.kind == Kind::Repeat) {
      body += "<group ref=\"" + f.path + "\">" + label_el("label", f, f.label, "label");
      body += "<repeat nodeset=\"" + f.path + "\"" + app;
      if (!f.repeat_count.empty())
        body += " jr:count=\"" + xml_escape(expr(f, f.repeat_count, "repeat_count")) + "\"";
      body += ">";
      for (const auto& c : f.children) write_body(*c);
      body += "</repeat></group>";
      return;
    }
    const TypeInfo* ti = type_info(f.type);
    if (!ti || !*ti->control) return;
    body += std::string("<") + ti->control + " ref=\"" + f.path + "\"" + app + ">";
    body += label_el("label", f, f.label, "label") + label_el("hint", f, f.hint, "hint");
    if (f.list.size()) write_select(f);
    body += std::string("</") + ti->control + ">";
  }

  std::string secondary_instance(const std::string& list) {
    std::string x = "<instance id=\"" + xml_escape(list) + "\"><root>";
    int n = 0;
    for (const Choice& c : lists[list].choices) {
      x += "<item><name>" + xml_escape(c.name) + "</name>";
      if (langs.empty()) {
        x += "<label>" + xml_escape(c.label.empty() ? "" : c.label.begin()->second) + "</label>";
      } else {
        std::string id = list + "-" + std::to_string(n);
        add_itext(id, c.label, nullptr, "label");
        x += "<itextId>" + xml_escape(id) + "</itextId>";
      }
      for (const auto& [k, v] : c.extras) x += "<" + k + ">" + xml_escape(v) + "</" + k + ">";
      x += "</item>";
      ++n;
    }
    return x + "</root></instance>";
  }

  std::string write_xform() {
    for (const auto& c : root.children) write_bind(*c);
    binds += "<bind nodeset=\"/" + root_name + "/meta/instanceID\" type=\"string\" "
             "readonly=\"true()\" jr:preload=\"uid\"/>";
    for (const auto& c : root.children) write_body(*c);
    std::string inst;
    for (const auto& c : root.children) {
      if (c->kind == Kind::Repeat) write_instance(*c, inst, true);
      write_instance(*c, inst, false);
    }
    std::string secondary;
    for (const auto& l : instances_needed) secondary += secondary_instance(l);
    std::string x =
        "<?xml version=\"1.0\"?>\n<h:html xmlns=\"http://www.w3.org/2002/xforms\" "
        "xmlns:h=\"http://www.w3.org/1999/xhtml\" xmlns:jr=\"http://openrosa.org/javarosa\" "
        "xmlns:odk=\"http://www.opendatakit.org/xforms\" xmlns:orx=\"http://openrosa.org/xforms\" "
        "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"><h:head><h:title>" +
        xml_escape(title) + "</h:title><model odk:xforms-version=\"1.0.0\">";
    if (!langs.empty()) {
      x += "<itext>";
      for (const auto& lang : langs) {
        x += "<translation lang=\"" + xml_escape(lang) + "\"" +
             (lang == langs.front() ? " default=\"true()\"" : "") + ">";
        for (const auto& id : itext_order)
          x += "<text id=\"" + xml_escape(id) + "\"><value>" + itext[lang][id] + "</value></text>";
        x += "</translation>";
      }
      x += "</itext>";
    }
    x += "<instance><" + root_name + " id=\"" + xml_escape(form_id) + "\"" +
         (version.empty() ? "" : " version=\"" + xml_escape(version) + "\"") + ">" + inst +
         "<meta><instanceID/></meta></" + root_name + "></instance>" + secondary + binds +
         "</model></h:head><h:body>" + body + "</h:body></h:html>\n";
    return x;
  }
};

}  // namespace

// -------------------------------------------------------------------------------------------
// [SECTION] Entry points
// -------------------------------------------------------------------------------------------

Result<std::string> xlsform_to_xform(const Workbook& wb, const std::string& source_path) {
  Compiler c(wb, source_path);
  c.survey = wb.sheet("survey");
  if (!c.survey)
    return Error::make("xlsform", source_path + ": the workbook has no 'survey' sheet");
  c.sr = std::make_unique<RowReader>(*c.survey);
  c.read_settings();
  c.read_choices();
  c.collect_languages();
  c.read_survey();
  std::string xml;
  xml = c.write_xform();  // also checks expressions and ${} references
  if (!c.errors.empty()) {
    std::string msg = source_path + ": " +
                      (c.errors.size() == 1 ? c.errors.front()
                                            : std::to_string(c.errors.size()) + " errors:");
    if (c.errors.size() > 1)
      for (const auto& e : c.errors) msg += "\n  " + e;
    return Error::make("xlsform", std::move(msg));
  }
  return xml;
}

Result<std::shared_ptr<const FormDef>> compile_xlsform(const Workbook& wb,
                                                        const std::string& source_path) {
  auto xml = xlsform_to_xform(wb, source_path);
  if (!xml) return xml.error();
  LoadOptions lo;
  lo.missing_blank = true;
  return load_xform(xml.value(), source_path, lo);
}

Result<std::shared_ptr<const FormDef>> load_xlsform(const std::string& path) {
  auto wb = read_workbook(path);
  if (!wb) return wb.error();
  return compile_xlsform(wb.value(), path);
}

bool is_xlsform_path(const std::string& path) {
  auto dot = path.find_last_of('.');
  if (dot == std::string::npos) return false;
  std::string ext = lower(path.substr(dot));
  return ext == ".xlsx" || ext == ".xlsm" || ext == ".md" || ext == ".csv";
}

}  // namespace khaosat::core::xlsform
