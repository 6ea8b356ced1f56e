// The XForm loader's entry points and the document skeleton: XML parse, h:head / model, the
// primary instance, binds and the entity declaration. Body, itext, actions and secondary
// instances live in the sibling files named in loader_internal.hpp.
//
// [SECTION] LoadContext and shared helpers
// [SECTION] Primary instance
// [SECTION] Binds
// [SECTION] Entities and meta/instanceID
// [SECTION] Entry points
#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/text_encoding.hpp"
#include "xform/loader_internal.hpp"

namespace khaosat::core {

namespace xform_detail {

// -------------------------------------------------------------------------------------------
// [SECTION] LoadContext and shared helpers
// -------------------------------------------------------------------------------------------

void LoadContext::build_line_index() const {
  line_starts_.clear();
  line_starts_.push_back(0);  // no reserve by size: a compiled form is 2 lines of 40 MB
  const char* begin = xml.data();
  const char* end = begin + xml.size();
  for (const char* p = begin; p < end;) {
    const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    if (!nl) break;
    p = static_cast<const char*>(nl) + 1;
    line_starts_.push_back(static_cast<std::size_t>(p - begin));
  }
}

std::pair<int, int> LoadContext::line_col_of_offset(std::ptrdiff_t offset) const {
  if (line_starts_.empty()) build_line_index();
  if (offset < 0) return {0, 0};
  auto off = static_cast<std::size_t>(offset);
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), off);
  auto line = static_cast<int>(it - line_starts_.begin());
  auto col = static_cast<int>(off - *(it - 1)) + 1;
  return {line, col};
}

int LoadContext::line_of_offset(std::ptrdiff_t offset) const {
  return line_col_of_offset(offset).first;
}

int LoadContext::line_of(const pugi::xml_node& n) const { return line_of_offset(n.offset_debug()); }

Error LoadContext::error_at(ErrorCode code, const pugi::xml_node& n,
                            const std::string& what) const {
  std::string msg = what;
  if (int line = line_of(n); line > 0) msg += " (line " + std::to_string(line) + ")";
  if (!form.source.empty()) msg = form.source + ": " + msg;
  return Error::make(code, std::move(msg));
}

Result<xpath::ExprPtr> LoadContext::expr(std::string_view text, const std::string& where) {
  if (auto it = expr_cache.find(text); it != expr_cache.end()) return it->second;
  auto parsed = xpath::parse(text);
  if (!parsed.ok()) {
    // The parser's message quotes the expression (a bounded excerpt), so it is not repeated.
    std::string msg = where + ": invalid expression: " + parsed.error().message;
    if (!form.source.empty()) msg = form.source + ": " + msg;
    return Error::make(ErrorCode::form_expression, std::move(msg));
  }
  expr_cache.emplace(std::string(text), parsed.value());
  return parsed.value();
}

std::string_view local_name(std::string_view qname) { return split_qname(qname).second; }

std::string_view namespace_uri(pugi::xml_node n, std::string_view prefix) {
  if (prefix == "xml") return "http://www.w3.org/XML/1998/namespace";
  std::string attr = prefix.empty() ? std::string("xmlns") : "xmlns:" + std::string(prefix);
  for (; n; n = n.parent()) {
    if (n.type() != pugi::node_element) continue;
    if (auto a = n.attribute(attr.c_str())) return a.value();
  }
  return {};
}

std::string_view name_namespace(pugi::xml_node n, std::string_view qname, bool is_attribute) {
  auto [prefix, local] = split_qname(qname);
  (void)local;
  // Unprefixed attributes are in no namespace (XML Namespaces 1.0, section 6.2).
  if (prefix.empty() && is_attribute) return {};
  return namespace_uri(n, prefix);
}

bool is_element(pugi::xml_node n, std::string_view ns, std::string_view local) {
  if (n.type() != pugi::node_element) return false;
  std::string_view name = n.name();
  if (local_name(name) != local) return false;
  return name_namespace(n, name, false) == ns;
}

pugi::xml_attribute attribute_ns(pugi::xml_node n, std::string_view ns, std::string_view local) {
  for (auto a : n.attributes()) {
    std::string_view name = a.name();
    auto [prefix, loc] = split_qname(name);
    if (prefix.empty() || loc != local || prefix == "xmlns") continue;
    if (namespace_uri(n, prefix) == ns) return a;
  }
  return {};
}

int text_nesting_depth(std::string_view xml, int limit) {
  // Runs after pugixml accepted the document, so the markup is well formed: count start and end
  // tags, stepping over comments, CDATA, processing instructions and quoted attribute values
  // (which may hold '>' or '<', e.g. relevant=". > 5").
  const char* p = xml.data();
  const char* end = p + xml.size();
  int depth = 0, max = 0;
  auto skip_past = [&](const char* from, std::string_view terminator) {
    std::string_view rest(from, static_cast<std::size_t>(end - from));
    std::size_t at = rest.find(terminator);
    return at == std::string_view::npos ? end : from + at + terminator.size();
  };
  while (p < end) {
    const void* lt = std::memchr(p, '<', static_cast<std::size_t>(end - p));
    if (!lt) break;
    p = static_cast<const char*>(lt) + 1;
    if (p >= end) break;
    if (*p == '/') {
      --depth;
      p = skip_past(p, ">");
      continue;
    }
    if (*p == '?') { p = skip_past(p, "?>"); continue; }
    if (*p == '!') {
      std::string_view rest(p, static_cast<std::size_t>(end - p));
      if (rest.starts_with("!--")) p = skip_past(p, "-->");
      else if (rest.starts_with("![CDATA[")) p = skip_past(p, "]]>");
      else p = skip_past(p, ">");  // <!DOCTYPE ...> (without an internal subset)
      continue;
    }
    // A start tag: find its '>' outside quotes; "/>" closes it at once.
    // Jumps from quote to quote with memchr: a form is mostly start tags with attributes.
    const char* q = p;
    while (q < end) {
      const char* gt = static_cast<const char*>(std::memchr(q, '>', static_cast<std::size_t>(end - q)));
      if (!gt) gt = end;
      const char* dq = static_cast<const char*>(std::memchr(q, '"', static_cast<std::size_t>(gt - q)));
      const char* sq = static_cast<const char*>(std::memchr(q, '\'', static_cast<std::size_t>((dq ? dq : gt) - q)));
      const char* open = sq ? sq : dq;
      if (!open) {
        q = gt;
        break;
      }
      const char* close = static_cast<const char*>(
          std::memchr(open + 1, *open, static_cast<std::size_t>(end - open - 1)));
      q = close ? close + 1 : end;
    }
    bool self_closing = q > p && q < end && q[-1] == '/';
    if (!self_closing && ++depth > max) {
      max = depth;
      if (max >= limit) return max;
    }
    p = q < end ? q + 1 : end;
  }
  return max;
}

int nesting_depth(pugi::xml_node n, int limit) {
  int depth = 0, max = 0;
  pugi::xml_node cur = n.first_child();
  while (cur && cur != n) {
    if (cur.type() == pugi::node_element) max = std::max(max, depth + 1);
    if (max >= limit) return max;
    if (cur.first_child()) {
      cur = cur.first_child();
      ++depth;
      continue;
    }
    while (cur != n && !cur.next_sibling()) {
      cur = cur.parent();
      --depth;
    }
    if (cur != n) cur = cur.next_sibling();
  }
  return max;
}

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

bool is_blank(std::string_view s) { return trim(s).empty(); }

std::string direct_text(pugi::xml_node n) {
  std::string out = n.value();  // the leading text, embedded (kXmlParseOptions)
  for (auto c : n.children())
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  return out;
}

bool split_itext_call(std::string_view text, std::string& id, std::string& dynamic) {
  std::string_view t = trim(text);
  if (!t.starts_with("jr:itext")) return false;
  t = trim(t.substr(8));
  if (t.size() < 2 || t.front() != '(' || t.back() != ')') return false;
  std::string_view inner = trim(t.substr(1, t.size() - 2));
  if (inner.size() >= 2 && (inner.front() == '\'' || inner.front() == '"') &&
      inner.back() == inner.front() &&
      inner.substr(1, inner.size() - 2).find(inner.front()) == std::string_view::npos) {
    id = inner.substr(1, inner.size() - 2);
    dynamic.clear();
  } else {
    id.clear();
    dynamic = inner;
  }
  return true;
}

namespace {

// Appends the next location step of `text` (starting at i) to `step`, skipping predicates.
// Returns false on something that is not part of a plain path.
bool read_step(std::string_view text, std::size_t& i, std::string& step) {
  step.clear();
  while (i < text.size() && text[i] != '/') {
    char c = text[i];
    if (c == '[') {
      int depth = 0;
      char quote = 0;
      for (; i < text.size(); ++i) {
        char d = text[i];
        if (quote) {
          if (d == quote) quote = 0;
        } else if (d == '\'' || d == '"') {
          quote = d;
        } else if (d == '[') {
          ++depth;
        } else if (d == ']' && --depth == 0) {
          break;
        }
      }
      if (i >= text.size()) return false;
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
      continue;
    }
    if (c == '(' || c == ')' || c == '|' || c == ',' || c == '=' || c == '\'' || c == '"' ||
        c == '$' || c == '<' || c == '>' || c == '+')
      return false;
    step += c;
    ++i;
  }
  return true;
}

}  // namespace

namespace {

// An absolute path of plain names ("/data/g/q": no predicate, '.', axis, '@' or space) is its
// own resolution: the common case (every bind and ref the XLSForm compiler writes) skips the
// step-by-step walk.
bool is_plain_absolute_path(std::string_view t) {
  if (t.size() < 2 || t.front() != '/' || t.back() == '/') return false;
  char prev = 0;
  for (char c : t) {
    auto u = static_cast<unsigned char>(c);
    bool name_char = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
                     u == '_' || u == '-' || u >= 0x80;
    if (c == '/' ? prev == '/' : !name_char) return false;
    prev = c;
  }
  return true;
}

}  // namespace

bool resolve_path(std::string_view text, std::string_view context, std::string& out) {
  std::string_view t = trim(text);
  if (t.empty()) return false;
  if (is_plain_absolute_path(t)) {
    out.assign(t);
    return true;
  }
  std::vector<std::string> steps;
  std::size_t i = 0;
  if (t.front() == '/') {
    if (t.starts_with("//")) return false;
    i = 1;
  } else {
    // current()/.. style references resolve like relative paths from the context.
    if (t.starts_with("current()")) {
      i = 9;
      if (i < t.size() && t[i] != '/') return false;
      if (i < t.size()) ++i;
    }
    std::size_t j = 1;
    while (j < context.size()) {
      auto k = context.find('/', j);
      if (k == std::string_view::npos) k = context.size();
      steps.emplace_back(context.substr(j, k - j));
      j = k + 1;
    }
  }
  std::string step;
  while (i <= t.size()) {
    if (!read_step(t, i, step)) return false;
    if (step == "..") {
      if (steps.empty()) return false;
      steps.pop_back();
    } else if (step == "." || step.empty()) {
      if (step.empty() && i < t.size()) return false;  // "a//b"
    } else {
      if (step.find("::") != std::string::npos && !step.starts_with("attribute::") &&
          !step.starts_with("child::"))
        return false;
      if (step.starts_with("child::")) step = step.substr(7);
      if (step.starts_with("attribute::")) step = "@" + step.substr(11);
      steps.push_back(step);
    }
    if (i >= t.size()) break;
    ++i;  // the '/'
  }
  out.clear();
  for (const auto& s : steps) {
    out += '/';
    out += s;
  }
  if (out.empty()) out = "/";
  return true;
}

// -------------------------------------------------------------------------------------------
// [SECTION] Primary instance
// -------------------------------------------------------------------------------------------

namespace {

std::string_view scope_lookup(const std::vector<std::pair<std::string, std::string>>& scope,
                              std::string_view prefix) {
  for (auto it = scope.rbegin(); it != scope.rend(); ++it)
    if (it->first == prefix) return it->second;
  if (prefix == "xml") return "http://www.w3.org/XML/1998/namespace";
  return {};
}

void collect_paths(const Node* n, std::string& path, std::unordered_set<std::string>& out) {
  std::size_t len = path.size();
  path += '/';
  path += n->name;
  out.insert(path);
  for (const Node* a : n->attributes) {
    std::size_t l2 = path.size();
    path += "/@";
    path += a->name;
    out.insert(path);
    path.resize(l2);
  }
  for (const Node* c : n->children) collect_paths(c, path, out);
  path.resize(len);
}

}  // namespace

void build_tree(Tree& tree, Node* parent, pugi::xml_node el,
                std::vector<std::pair<std::string, std::string>>& ns_scope) {
  std::size_t scope_size = ns_scope.size();
  for (auto a : el.attributes()) {
    std::string_view name = a.name();
    if (name == "xmlns") ns_scope.emplace_back("", a.value());
    else if (name.starts_with("xmlns:")) ns_scope.emplace_back(std::string(name.substr(6)), a.value());
  }
  std::string_view qname = el.name();
  Node* node = tree.new_element(qname, scope_lookup(ns_scope, split_qname(qname).first));
  for (auto a : el.attributes()) {
    std::string_view name = a.name();
    if (name == "xmlns" || name.starts_with("xmlns:")) continue;
    auto prefix = split_qname(name).first;
    tree.add_attribute(node, tree.new_attribute(name, a.value(),
                                                prefix.empty() ? std::string_view{}
                                                               : scope_lookup(ns_scope, prefix)));
  }
  bool has_elements = false;
  for (auto c : el.children())
    if (c.type() == pugi::node_element) { has_elements = true; break; }
  if (!has_elements) node->value = el.value();  // the leading text, embedded (kXmlParseOptions)
  for (auto c : el.children()) {
    if (c.type() == pugi::node_element) build_tree(tree, node, c, ns_scope);
    else if (!has_elements && (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata))
      node->value += c.value();
  }
  tree.append_child(parent, node);
  ns_scope.resize(scope_size);
}

// Namespace declarations in scope at `n` (from its ancestors, outermost first), plus its own.
std::vector<std::pair<std::string, std::string>> namespace_scope_at(pugi::xml_node n) {
  std::vector<pugi::xml_node> chain;
  for (auto p = n.parent(); p && p.type() == pugi::node_element; p = p.parent()) chain.push_back(p);
  std::vector<std::pair<std::string, std::string>> scope;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    for (auto a : it->attributes()) {
      std::string_view name = a.name();
      if (name == "xmlns") scope.emplace_back("", a.value());
      else if (name.starts_with("xmlns:")) scope.emplace_back(std::string(name.substr(6)), a.value());
    }
  }
  return scope;
}

namespace {

Status load_primary_instance(LoadContext& ctx, pugi::xml_node instance) {
  pugi::xml_node root;
  for (auto c : instance.children())
    if (c.type() == pugi::node_element) { root = c; break; }
  if (!root)
    return ctx.error_at(ErrorCode::form_structure, instance,
                        "the primary <instance> has no root element");
  auto tree = std::make_shared<Tree>();
  auto scope = namespace_scope_at(root);
  build_tree(*tree, tree->document(), root, scope);
  Node* r = tree->root();
  ctx.form.root_name = r->name;
  ctx.root_path = "/" + std::string(r->name);
  if (const Node* id = r->attribute("id")) ctx.form.id = id->value;
  if (ctx.form.id.empty())
    return ctx.error_at(ErrorCode::form_structure, root,
                        "the primary instance root <" + std::string(r->name) +
                            "> has no id attribute: a form needs an id to file its submissions "
                            "under (add id=\"your_form_id\")");
  if (const Node* v = r->attribute("version")) ctx.form.version = v->value;
  std::string path;
  ctx.instance_paths.reserve(tree->node_count());  // sized once: no rehash of 100,000 paths
  collect_paths(r, path, ctx.instance_paths);
  ctx.form.instance = std::move(tree);
  return ok_status();
}

}  // namespace

// -------------------------------------------------------------------------------------------
// [SECTION] Binds
// -------------------------------------------------------------------------------------------

std::string bind_type(std::string_view written) {
  std::string t(local_name(trim(written)));
  if (t == "integer") t = "int";
  return t;
}

namespace {

std::string bind_where(const Bind& b, const char* attr) {
  return "<bind nodeset=\"" + b.nodeset + "\"> attribute '" + attr + "' (line " +
         std::to_string(b.line) + ")";
}

// A message attribute: literal text, or jr:itext('id').
void message_attr(pugi::xml_attribute a, std::string& literal, std::string& itext_id) {
  if (!a) return;
  std::string id, dynamic;
  if (split_itext_call(a.value(), id, dynamic) && !id.empty()) itext_id = id;
  else literal = a.value();
}

Status load_bind(LoadContext& ctx, pugi::xml_node el) {
  Bind b;
  b.line = ctx.line_of(el);
  auto nodeset = el.attribute("nodeset");
  if (!nodeset) {
    ctx.form.warnings.push_back("<bind> without nodeset ignored (line " + std::to_string(b.line) +
                                ")");
    return ok_status();
  }
  if (!resolve_path(nodeset.value(), ctx.root_path, b.nodeset))
    return ctx.error_at(ErrorCode::form_bind, el,
                        std::string("<bind> nodeset '") + nodeset.value() +
                            "' is not a location path");
  if (!ctx.instance_paths.count(b.nodeset)) {
    // ODK (both JavaRosa and Web Forms) ignores such a bind rather than rejecting the form.
    ctx.form.warnings.push_back("<bind nodeset=\"" + std::string(nodeset.value()) +
                                "\"> (line " + std::to_string(b.line) +
                                ") matches no node of the primary instance");
  }
  b.type = bind_type(el.attribute("type").value());
  struct Mip { const char* name; xpath::ExprPtr Bind::*field; };
  static const Mip kMips[] = {{"relevant", &Bind::relevant},   {"required", &Bind::required},
                              {"readonly", &Bind::readonly},   {"constraint", &Bind::constraint},
                              {"calculate", &Bind::calculate}};
  for (const Mip& m : kMips) {
    auto a = el.attribute(m.name);
    if (!a) continue;
    auto e = ctx.expr_lazy(a.value(), [&] { return bind_where(b, m.name); });
    if (!e.ok()) return e.error();
    b.*(m.field) = std::move(e.value());
  }
  message_attr(attribute_ns(el, kJavaRosaNs, "constraintMsg"), b.constraint_msg,
               b.constraint_msg_itext);
  message_attr(attribute_ns(el, kJavaRosaNs, "requiredMsg"), b.required_msg,
               b.required_msg_itext);
  b.preload = attribute_ns(el, kJavaRosaNs, "preload").value();
  b.preload_params = attribute_ns(el, kJavaRosaNs, "preloadParams").value();
  if (auto mp = attribute_ns(el, kOpenRosaNs, "max-pixels")) {
    int v = max_pixels_value(mp.value());
    if (v >= 0) b.max_pixels = v;
    else ctx.form.warnings.push_back(bind_where(b, "orx:max-pixels") + " is not a whole number of pixels: '" +
                                     mp.value() + "'; ignored");
  }
  if (auto id = el.attribute("id")) ctx.bind_nodeset_by_id.emplace(id.value(), b.nodeset);
  ctx.form.binds.push_back(std::move(b));
  return ok_status();
}

// -------------------------------------------------------------------------------------------
// [SECTION] Entities and meta/instanceID
// -------------------------------------------------------------------------------------------

Node* child_named(Node* n, std::string_view local) {
  for (Node* c : n->children)
    if (c->local == local) return c;
  return nullptr;
}

// The binds that fill the entity (calculates on @create, @update, @id and label, the setvalue
// of a new id) and the questions saved to its properties (entities:saveto), read from the XML
// so that the namespace of saveto is resolved where it is written.
void read_entity_binds(pugi::xml_node model, EntityDecl& d) {
  for (auto el : model.children()) {
    if (el.type() != pugi::node_element) continue;
    std::string_view local = local_name(el.name());
    std::string nodeset = el.attribute(local == "bind" ? "nodeset" : "ref").value();
    if (local == "setvalue") {
      std::string_view value = el.attribute("value").value();
      if (nodeset == d.path + "/@id" && value.find("uuid(") != std::string_view::npos)
        d.id_is_new_uuid = true;
      continue;
    }
    if (local != "bind") continue;
    std::string calculate = el.attribute("calculate").value();
    if (nodeset == d.path + "/@create") d.create_if = calculate;
    else if (nodeset == d.path + "/@update") d.update_if = calculate;
    else if (nodeset == d.path + "/@id") d.id_calculate = calculate;
    else if (nodeset == d.path + "/label") d.label_calculate = calculate;
    if (auto saveto = attribute_ns(el, kEntitiesNs, "saveto"))
      d.save_to.push_back({nodeset, saveto.value()});
  }
}

Status load_entity(LoadContext& ctx, pugi::xml_node model) {
  Node* root = const_cast<Tree&>(*ctx.form.instance).root();
  Node* meta = child_named(root, "meta");
  Node* entity = meta ? child_named(meta, "entity") : nullptr;
  auto version = attribute_ns(model, kEntitiesNs, "entities-version");
  if (!entity) return ok_status();
  if (ctx.built && ctx.built->binds) return ctx.refuse();  // its binds are read from the XML
  EntityDecl d;
  for (const Node* a : entity->attributes) {
    if (a->local == "dataset") d.dataset = a->value;
    else if (a->local == "create") d.create = a->value;
    else if (a->local == "update") d.update = a->value;
    else if (a->local == "id") d.entity_id = a->value;
  }
  if (Node* label = child_named(entity, "label")) d.label = string_value(label);
  d.version = version.value();
  d.path = "/" + std::string(root->local) + "/" + std::string(meta->local) + "/" + std::string(entity->local);
  read_entity_binds(model, d);
  ctx.form.entity = std::move(d);
  return ok_status();
}

// The compiler's binds (BuiltModel), checked as load_bind checks the XML's: one on no node of
// the primary instance would be a warning naming its line, which a built bind does not have.
Status take_built_binds(LoadContext& ctx) {
  for (const Bind& b : *ctx.built->binds)
    if (!ctx.instance_paths.count(b.nodeset)) return ctx.refuse();
  ctx.form.binds = std::move(*ctx.built->binds);
  return ok_status();
}

// Like ODK Web Forms, a primary instance without meta/instanceID gets one, bound to
// jr:preload="uid", so that every submission carries an instance id.
void ensure_instance_id(LoadContext& ctx) {
  Tree& tree = const_cast<Tree&>(*ctx.form.instance);
  Node* root = tree.root();
  Node* meta = nullptr;
  for (Node* c : root->children)
    if (c->local == "meta" && (c->ns == kOpenRosaNs || c->ns == kXformsNs || c->ns.empty())) {
      meta = c;
      break;
    }
  if (meta && child_named(meta, "instanceID")) return;
  if (!meta) {
    // Qualified with the prefix the form declares for the OpenRosa namespace, if any.
    std::string name = "meta";
    for (const auto& [prefix, uri] : ctx.form.namespaces)
      if (uri == kOpenRosaNs && !prefix.empty()) { name = prefix + ":meta"; break; }
    meta = tree.new_element(name, kOpenRosaNs);
    tree.append_child(root, meta);
  }
  auto prefix = split_qname(meta->name).first;
  std::string name = prefix.empty() ? "instanceID" : std::string(prefix) + ":instanceID";
  Node* iid = tree.new_element(name, meta->ns);
  tree.append_child(meta, iid);
  Bind b;
  b.nodeset = ctx.root_path + "/" + std::string(meta->name) + "/" + name;
  b.preload = "uid";
  ctx.instance_paths.insert(ctx.root_path + "/" + std::string(meta->name));
  ctx.instance_paths.insert(b.nodeset);
  ctx.form.binds.push_back(std::move(b));
}

void record_namespaces(FormDef& form, pugi::xml_node n) {
  for (auto a : n.attributes()) {
    std::string_view name = a.name();
    if (name == "xmlns") form.namespaces.emplace("", a.value());
    else if (name.starts_with("xmlns:")) form.namespaces.emplace(std::string(name.substr(6)), a.value());
  }
}

pugi::xml_node child_local(pugi::xml_node n, std::string_view local) {
  for (auto c : n.children())
    if (c.type() == pugi::node_element && local_name(c.name()) == local) return c;
  return {};
}

// The compiler's body (BuiltModel), checked as BodyLoader checks the XML's: a control or an
// action on no node of the primary instance would be a warning naming its line.
bool built_refs_known(const LoadContext& ctx, const Control& c) {
  if (!c.ref.empty() && !ctx.instance_paths.count(c.ref)) return false;
  return std::all_of(c.children.begin(), c.children.end(),
                     [&](const Control& ch) { return built_refs_known(ctx, ch); });
}

Status take_built_body(LoadContext& ctx) {
  BuiltModel& built = *ctx.built;
  for (const Control& c : *built.body)
    if (!built_refs_known(ctx, c)) return ctx.refuse();
  for (const Action& a : built.body_actions)
    if (!ctx.instance_paths.count(a.ref)) return ctx.refuse();
  ctx.form.body.children = std::move(*built.body);
  for (Action& a : built.body_actions) ctx.form.actions.push_back(std::move(a));
  return ok_status();
}

// -------------------------------------------------------------------------------------------
// [SECTION] Entry points
// -------------------------------------------------------------------------------------------

Status load_document(LoadContext& ctx, const pugi::xml_document& doc) {
  FormDef& form = ctx.form;
  pugi::xml_node html = doc.document_element();
  if (local_name(html.name()) != "html")
    return ctx.error_at(ErrorCode::form_structure, html,
                        std::string("the root element is <") + html.name() +
                            ">, expected <h:html>");
  record_namespaces(form, html);
  pugi::xml_node head = child_local(html, "head");
  if (!head) return ctx.error_at(ErrorCode::form_structure, html, "missing <h:head> in <h:html>");
  record_namespaces(form, head);
  form.title = direct_text(child_local(head, "title"));
  pugi::xml_node model = child_local(head, "model");
  if (!model) return ctx.error_at(ErrorCode::form_structure, head, "missing <model> in <h:head>");
  record_namespaces(form, model);

  std::vector<pugi::xml_node> instances;
  for (auto c : model.children())
    if (c.type() == pugi::node_element && local_name(c.name()) == "instance") instances.push_back(c);
  if (instances.empty())
    return ctx.error_at(ErrorCode::form_structure, model, "missing primary <instance> in <model>");
  XFORM_TRY(load_primary_instance(ctx, instances.front()));
  record_namespaces(form, instances.front());
  if (auto r = instances.front().first_child(); r) record_namespaces(form, r);
  instances.erase(instances.begin());
  XFORM_TRY(load_secondary_instances(ctx, instances));

  // From here on a mistake does not stop the load: every bind, the itext, the actions and the
  // body are read, and all the errors found are reported together.
  std::vector<Error> errors;
  auto keep = [&errors](Status st) {
    if (!st.ok()) errors.push_back(st.error());
  };
  if (ctx.built && ctx.built->binds) {
    XFORM_TRY(take_built_binds(ctx));
  } else {
    // Sized once (and one more for ensure_instance_id's): a Bind is 344 bytes, and a vector
    // grown by doubling held up to twice the binds' size, at a large form's peak (issue 9).
    auto is_bind = [](pugi::xml_node c) {
      return c.type() == pugi::node_element && local_name(c.name()) == "bind";
    };
    std::size_t n = 1;
    for (auto c : model.children()) n += is_bind(c);
    form.binds.reserve(form.binds.size() + n);
    for (auto c : model.children())
      if (is_bind(c)) keep(load_bind(ctx, c));
  }
  ensure_instance_id(ctx);
  XFORM_TRY(load_entity(ctx, model));
  if (ctx.built && ctx.built->translations) form.translations = std::move(*ctx.built->translations);
  else keep(load_itext(ctx, model));
  keep(load_model_actions(ctx, model));

  form.body.type = ControlType::Group;
  form.body.ref.clear();
  if (ctx.built && ctx.built->body) {
    XFORM_TRY(take_built_body(ctx));
  } else if (pugi::xml_node body = child_local(html, "body")) {
    form.body.line = ctx.line_of(body);
    keep(load_body(ctx, body));
  }
  if (errors.size() == 1) return errors.front();
  if (!errors.empty()) {
    std::string msg = std::to_string(errors.size()) + " errors:";
    for (const Error& e : errors) msg += "\n  " + e.message;
    return Error::make(errors.front().code, std::move(msg));
  }
  return ok_status();
}

}  // namespace
}  // namespace xform_detail

const char* to_string(ControlType t) {
  switch (t) {
    case ControlType::Input: return "input";
    case ControlType::Select1: return "select1";
    case ControlType::Select: return "select";
    case ControlType::Range: return "range";
    case ControlType::Rank: return "rank";
    case ControlType::Trigger: return "trigger";
    case ControlType::Upload: return "upload";
    case ControlType::Group: return "group";
    case ControlType::Repeat: return "repeat";
  }
  return "?";
}

std::string FormDef::default_language() const {
  for (const auto& t : translations)
    if (t.is_default) return t.lang;
  return translations.empty() ? std::string() : translations.front().lang;
}

namespace {

// load_xform, or load_compiled_xform when `in_place` (the text's owner, whose buffer pugixml
// may overwrite) is given, with `parsed` seeding the expression cache.
Result<std::shared_ptr<const FormDef>> load_text(std::string_view xml, std::string* in_place,
                                                 const std::string& path, const LoadOptions& opts,
                                                 ParsedExpressions parsed, BuiltModel* built,
                                                 bool* refused) {
  using namespace xform_detail;
  auto form = std::make_shared<FormDef>();
  form->source = path;
  LoadContext ctx(xml, *form, opts);
  ctx.expr_cache = std::move(parsed);
  ctx.built = built;
  if (!path.empty() && opts.beside_path) {
    auto slash = path.find_last_of('/');
    ctx.form_dir = slash == std::string::npos ? "." : path.substr(0, slash);
    if (ctx.form_dir.empty()) ctx.form_dir = "/";
  }
  // A UTF-16 file would otherwise be misread as UTF-8 ("Could not determine tag type").
  if (auto text = utf8_text(xml, ErrorCode::xml); !text)
    return Error::make(ErrorCode::xml, (path.empty() ? std::string() : path + ": ") + text.error().message);
  // Whatever reads the text itself does so before an in-place parse changes it. The depth is
  // only reported once pugixml has accepted the document (an XML error comes first).
  int depth = -1;
  if (in_place) {
    ctx.index_lines();
    depth = text_nesting_depth(xml, kMaxDepth + 1);
  }
  pugi::xml_document doc;
  auto parsed_doc = in_place ? doc.load_buffer_inplace(in_place->data(), in_place->size(),
                                                       kXmlParseOptions, pugi::encoding_utf8)
                             : doc.load_buffer(xml.data(), xml.size(), kXmlParseOptions,
                                               pugi::encoding_utf8);
  if (!parsed_doc) {
    auto [line, col] = ctx.line_col_of_offset(parsed_doc.offset);
    std::string msg = std::string("XML error: ") + parsed_doc.description() + " at line " +
                      std::to_string(line) + ", column " + std::to_string(col);
    if (!path.empty()) msg = path + ": " + msg;
    return Error::make(ErrorCode::xml, std::move(msg));
  }
  if (!doc.document_element()) return Error::make(ErrorCode::xml, "the document has no root element");
  if (depth < 0) depth = text_nesting_depth(xml, kMaxDepth + 1);
  if (depth > kMaxDepth)
    return Error::make(ErrorCode::form_structure, (path.empty() ? std::string() : path + ": ") +
                                             "elements are nested more than " +
                                             std::to_string(kMaxDepth) + " levels deep");
  if (auto st = load_document(ctx, doc); !st.ok()) {
    if (refused) *refused = ctx.refused;
    return st.error();
  }
  return std::shared_ptr<const FormDef>(std::move(form));
}

}  // namespace

Result<std::shared_ptr<const FormDef>> load_xform(std::string_view xml, const std::string& path,
                                                   const LoadOptions& opts) {
  return load_text(xml, nullptr, path, opts, {}, nullptr, nullptr);
}

Result<std::shared_ptr<const FormDef>> load_compiled_xform(std::string xml, const std::string& path,
                                                            const LoadOptions& opts,
                                                            ParsedExpressions parsed,
                                                            BuiltModel built, bool* refused) {
  return load_text(xml, &xml, path, opts, std::move(parsed), &built, refused);
}

Result<std::shared_ptr<const FormDef>> load_xform_file(const std::string& path,
                                                        const LoadOptions& opts) {
  auto text = opts.files().read_file(path, kMaxFormFileBytes);
  if (!text) return text.error();
  return load_xform(*text, path, opts);
}

}  // namespace khaosat::core
