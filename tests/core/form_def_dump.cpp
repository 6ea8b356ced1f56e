#include "form_def_dump.hpp"

#include <algorithm>
#include <sstream>
#include <vector>

namespace khaosat::test {

using namespace khaosat::core;

namespace {

// Text quoted so that control characters and line ends show.
std::string q(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string ex(const xpath::ExprPtr& e) { return e ? "{" + xpath::source(*e) + "}" : "null"; }

class Dumper {
 public:
  std::string str() const { return out_.str(); }

  void line(int depth, const std::string& text) { out_ << std::string(depth * 2, ' ') << text << "\n"; }

  void node(int depth, const Node* n) {
    std::string s = "<" + std::string(n->name) + "> ns=" + q(n->ns);
    if (n->children.empty()) s += " value=" + q(n->value);
    line(depth, s);
    for (const Node* a : n->attributes)
      line(depth + 1, "@" + std::string(a->name) + " ns=" + q(a->ns) + " = " + q(a->value));
    for (const Node* c : n->children) node(depth + 1, c);
  }

  void tree(int depth, const std::shared_ptr<const Tree>& t) {
    if (!t) {
      line(depth, "tree: null");
      return;
    }
    const Node* doc = t->document();
    line(depth, "tree: " + std::to_string(doc->children.size()) + " root(s)");
    for (const Node* c : doc->children) node(depth + 1, c);
  }

  void parts(int depth, const std::vector<TextPart>& ps) {
    for (const TextPart& p : ps)
      line(depth, p.expr ? "output " + ex(p.expr) + (p.literal.empty() ? "" : " literal=" + q(p.literal))
                         : "literal " + q(p.literal));
  }

  void text(int depth, const std::string& what, const Text& t) {
    if (t.empty()) return;
    line(depth, what + ": itext_id=" + q(t.itext_id) + " itext_expr=" + ex(t.itext_expr) +
                    " parts=" + std::to_string(t.parts.size()));
    parts(depth + 1, t.parts);
  }

  void bind(const Bind& b) {
    line(1, "bind " + q(b.nodeset));
    line(2, "type=" + q(b.type) + " relevant=" + ex(b.relevant) + " required=" + ex(b.required) +
                " readonly=" + ex(b.readonly) + " constraint=" + ex(b.constraint) +
                " calculate=" + ex(b.calculate));
    line(2, "constraint_msg=" + q(b.constraint_msg) + " itext=" + q(b.constraint_msg_itext) +
                " required_msg=" + q(b.required_msg) + " itext=" + q(b.required_msg_itext));
    line(2, "preload=" + q(b.preload) + " params=" + q(b.preload_params) +
                " max_pixels=" + std::to_string(b.max_pixels));
  }

  void control(int depth, const Control& c) {
    line(depth, std::string(to_string(c.type)) + " ref=" + q(c.ref) + " appearance=" + q(c.appearance) + " accept=" + q(c.accept) +
                    " mediatype=" + q(c.mediatype));
    text(depth + 1, "label", c.label);
    text(depth + 1, "hint", c.hint);
    if (!c.range_start.empty() || !c.range_end.empty() || !c.range_step.empty())
      line(depth + 1, "range " + q(c.range_start) + " " + q(c.range_end) + " " + q(c.range_step));
    if (c.repeat_count || c.no_add_remove)
      line(depth + 1, "repeat count=" + ex(c.repeat_count) +
                          " no_add_remove=" + (c.no_add_remove ? "true" : "false"));
    for (const Item& i : c.items) {
      line(depth + 1, "item value=" + q(i.value));
      text(depth + 2, "label", i.label);
    }
    if (c.itemset)
      line(depth + 1, "itemset nodeset=" + ex(c.itemset->nodeset) + " value=" + ex(c.itemset->value) +
                          " label=" + ex(c.itemset->label) +
                          " label_is_itext=" + (c.itemset->label_is_itext ? "true" : "false") +
                          " text=" + q(c.itemset->nodeset_text));
    for (const Control& ch : c.children) control(depth + 1, ch);
  }

 private:
  std::ostringstream out_;
};

}  // namespace

std::string dump_form_def(const FormDef& def) {
  Dumper d;
  d.line(0, "title " + q(def.title));
  d.line(0, "id " + q(def.id) + " version " + q(def.version) + " root " + q(def.root_name));
  for (const auto& [prefix, uri] : def.namespaces) d.line(0, "xmlns:" + prefix + " " + q(uri));
  d.line(0, "instance");
  d.tree(1, def.instance);
  for (const SecondaryInstance& s : def.secondary) {
    d.line(0, "secondary " + q(s.id) + " src=" + q(s.src));
    d.tree(1, s.tree);
  }
  d.line(0, "binds " + std::to_string(def.binds.size()));
  for (const Bind& b : def.binds) d.bind(b);
  d.line(0, "translations " + std::to_string(def.translations.size()));
  for (const Translation& t : def.translations) {
    d.line(1, "translation " + q(t.lang) + (t.is_default ? " default" : "") + " texts " +
                  std::to_string(t.texts.size()));
    std::vector<const std::string*> ids;
    ids.reserve(t.texts.size());
    for (const auto& kv : t.texts) ids.push_back(&kv.first);
    std::sort(ids.begin(), ids.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
    for (const std::string* id : ids) {
      d.line(2, "text " + q(*id));
      for (const auto& [form, ps] : t.texts.at(*id)) {
        d.line(3, "form " + q(form));
        d.parts(4, ps);
      }
    }
  }
  d.line(0, "actions " + std::to_string(def.actions.size()));
  for (const Action& a : def.actions) {
    std::string events;
    for (const std::string& e : a.events) events += (events.empty() ? "" : " ") + e;
    d.line(1, std::string(a.kind == Action::Kind::SetValue ? "setvalue" : "setgeopoint") +
                  " events=" + q(events) + " ref=" + q(a.ref) + " value=" + ex(a.value) +
                  " literal=" + q(a.literal) + " trigger=" + q(a.trigger_ref));
  }
  d.line(0, "body");
  d.control(1, def.body);
  if (def.entity) {
    const EntityDecl& e = *def.entity;
    d.line(0, "entity " + q(e.path) + " dataset=" + q(e.dataset) + " create=" + q(e.create) +
                  " update=" + q(e.update) + " id=" + q(e.entity_id) + " label=" + q(e.label) +
                  " version=" + q(e.version));
    d.line(1, "create_if=" + q(e.create_if) + " update_if=" + q(e.update_if) + " id_calculate=" +
                  q(e.id_calculate) + " label_calculate=" + q(e.label_calculate) +
                  " id_is_new_uuid=" + (e.id_is_new_uuid ? "true" : "false"));
    for (const EntitySaveTo& s : e.save_to) d.line(1, "save_to " + q(s.path) + " " + q(s.property));
  }
  d.line(0, "warnings " + std::to_string(def.warnings.size()));
  for (const std::string& w : def.warnings) d.line(1, q(w));
  for (const auto& m : def.missing_attachments)
    d.line(0, "missing " + q(m.id) + " " + q(m.src) + " looked=" + q(m.looked) +
                  " warning=" + std::to_string(m.warning));
  return d.str();
}

std::string first_dump_difference(const std::string& expected, const std::string& actual) {
  if (expected == actual) return {};
  auto lines = [](const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  };
  auto a = lines(expected), b = lines(actual);
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  std::string msg = "first difference at line " + std::to_string(i + 1) + "\n";
  std::size_t from = i >= 3 ? i - 3 : 0;
  for (std::size_t k = from; k < i; ++k) msg += "    " + a[k] + "\n";
  for (std::size_t k = i; k < std::min(a.size(), i + 3); ++k) msg += "  - " + a[k] + "\n";
  for (std::size_t k = i; k < std::min(b.size(), i + 3); ++k) msg += "  + " + b[k] + "\n";
  return msg;
}

}  // namespace khaosat::test
