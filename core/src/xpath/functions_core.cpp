// The function table, and the XPath 1.0 core functions plus instance(), current() and
// indexed-repeat().
//
// [SECTION] registry
// [SECTION] helpers (UTF-16 positions, as ODK's JavaScript engine counts them)
// [SECTION] node-set functions
// [SECTION] string functions
// [SECTION] boolean and number functions
// [SECTION] XForms functions
// [SECTION] the table
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "xpath/functions.hpp"

namespace khaosat::core::xpath {

// [SECTION] registry

namespace {

using Table = std::map<std::string, FunctionSpec, std::less<>>;

Table& table() {
  static Table t;
  return t;
}

// Set while the built-in libraries register, so their register_functions() calls do not try to
// build the table again. thread_local and constant-initialised: no static-init order issue.
thread_local bool g_registering_builtins = false;

void ensure_builtins() {
  if (g_registering_builtins) return;
  static const bool done = [] {
    g_registering_builtins = true;
    detail::register_core_functions();
    detail::register_odk_functions();
    g_registering_builtins = false;
    return true;
  }();
  (void)done;
}

}  // namespace

void register_functions(const FunctionSpec* specs, std::size_t count) {
  ensure_builtins();
  Table& t = table();
  for (std::size_t i = 0; i < count; ++i) t.insert_or_assign(specs[i].name, specs[i]);
}

const FunctionSpec* find_function(std::string_view name) {
  ensure_builtins();
  const Table& t = table();
  if (auto it = t.find(name); it != t.end()) return &it->second;
  auto colon = name.find(':');
  if (colon != std::string_view::npos) {
    if (auto it = t.find(name.substr(colon + 1)); it != t.end()) return &it->second;
  }
  return nullptr;
}

namespace detail {

const NodeSet& arg_nodes(const std::vector<Value>& args, std::size_t i, const char* fn) {
  if (!args[i].is_nodeset())
    throw EvalError(std::string(fn) + "() needs a node-set as argument " + std::to_string(i + 1));
  return args[i].node_set();
}

namespace {

// [SECTION] helpers

// UTF-8 code point boundaries with their UTF-16 lengths: ODK counts string positions in UTF-16
// code units (string-length of an emoji is 2).
struct CodePoint {
  std::size_t byte;   // offset of the first byte
  std::size_t bytes;  // length in bytes
  int units;          // UTF-16 code units (1 or 2)
};

std::vector<CodePoint> code_points(std::string_view s) {
  std::vector<CodePoint> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    if (i + len > s.size()) len = 1;
    out.push_back({i, len, len == 4 ? 2 : 1});
    i += len;
  }
  return out;
}

std::size_t utf16_length(std::string_view s) {
  std::size_t n = 0;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) != 0x80) n += (c >> 3) == 0x1E ? 2 : 1;
  }
  return n;
}

std::string context_string(const Context& ctx) {
  return ctx.node ? string_value(ctx.node) : std::string();
}

const Node* first_or_context(std::vector<Value>& args, const Context& ctx, const char* fn) {
  if (args.empty()) return ctx.node;
  const NodeSet& ns = arg_nodes(args, 0, fn);
  return ns.empty() ? nullptr : ns.front();
}

// [SECTION] node-set functions

Value fn_last(std::vector<Value>&, const Context& ctx) {
  return Value::number(static_cast<double>(ctx.size));
}
Value fn_position(std::vector<Value>&, const Context& ctx) {
  return Value::number(static_cast<double>(ctx.position));
}
Value fn_count(std::vector<Value>& a, const Context&) {
  return Value::number(static_cast<double>(arg_nodes(a, 0, "count").size()));
}
Value fn_id(std::vector<Value>&, const Context&) { return Value::nodes({}); }

std::string node_name(const Node* n) {
  if (!n || n->kind == NodeKind::Document || n->kind == NodeKind::Text) return {};
  return std::string(n->name);
}
Value fn_local_name(std::vector<Value>& a, const Context& ctx) {
  const Node* n = first_or_context(a, ctx, "local-name");
  if (!n || n->kind == NodeKind::Document || n->kind == NodeKind::Text) return Value::string({});
  return Value::string(std::string(n->local));
}
Value fn_name(std::vector<Value>& a, const Context& ctx) {
  return Value::string(node_name(first_or_context(a, ctx, "name")));
}
Value fn_namespace_uri(std::vector<Value>& a, const Context& ctx) {
  const Node* n = first_or_context(a, ctx, "namespace-uri");
  return Value::string(n ? std::string(n->ns) : std::string());
}

// sum(x): the sum of the numbers of x's nodes (of x itself when it is not a node-set, as ODK
// allows); NaN as soon as one of them is not a number. An empty node-set sums to 0, as XPath 1.0
// and JavaRosa say: ODK's engine 0.22 gives NaN there, a bug it has since fixed
// (getodk/web-forms#878).
Value fn_sum(std::vector<Value>& a, const Context& ctx) {
  if (!a[0].is_nodeset()) return Value::number(arg_number(a, 0, ctx));
  double s = 0;
  for (const Node* n : a[0].node_set()) {
    s += odk::node_number(n, *ctx.env);
    if (std::isnan(s)) break;
  }
  return Value::number(s);
}

// [SECTION] string functions

Value fn_string(std::vector<Value>& a, const Context& ctx) {
  return Value::string(a.empty() ? context_string(ctx) : a[0].to_string());
}

// ODK: a node-set argument contributes every node's value, not just the first one's.
Value fn_concat(std::vector<Value>& a, const Context&) {
  std::string out;
  for (const Value& v : a) {
    if (v.is_nodeset()) {
      for (const Node* n : v.node_set()) append_string_value(n, out);
    } else {
      out += v.to_string();
    }
  }
  return Value::string(std::move(out));
}

Value fn_starts_with(std::vector<Value>& a, const Context&) {
  std::string s = a[0].to_string(), p = a[1].to_string();
  return Value::boolean(s.compare(0, p.size(), p) == 0 && s.size() >= p.size());
}
Value fn_contains(std::vector<Value>& a, const Context&) {
  return Value::boolean(a[0].to_string().find(a[1].to_string()) != std::string::npos);
}
Value fn_substring_before(std::vector<Value>& a, const Context&) {
  std::string s = a[0].to_string(), p = a[1].to_string();
  auto i = s.find(p);
  return Value::string(i == std::string::npos ? std::string() : s.substr(0, i));
}
Value fn_substring_after(std::vector<Value>& a, const Context&) {
  std::string s = a[0].to_string(), p = a[1].to_string();
  auto i = s.find(p);
  return Value::string(i == std::string::npos ? std::string() : s.substr(i + p.size()));
}


// substring(s, start, len?): the characters at positions p (1-based, in UTF-16 units) with
// round(start) <= p < round(start) + round(len), XPath 1.0's rules including NaN and Infinity.
// One ODK quirk is kept: a negative length does not give "" but, like JavaScript's
// String.prototype.substring, swaps the bounds: substring('12345', 4, -2) is "23" in ODK.
Value fn_substring(std::vector<Value>& a, const Context& ctx) {
  std::string s = a[0].to_string();
  double from = std::floor(arg_number(a, 1, ctx) + 0.5) - 1;  // 0-based
  double to = a.size() > 2 ? from + std::floor(arg_number(a, 2, ctx) + 0.5)
                           : std::numeric_limits<double>::infinity();
  if (std::isnan(from) || std::isnan(to)) return Value::string({});
  if (from > to) std::swap(from, to);
  std::string out;
  double unit = 0;
  for (const CodePoint& cp : code_points(s)) {
    if (unit >= from && unit < to) out.append(s, cp.byte, cp.bytes);
    unit += cp.units;
  }
  return Value::string(std::move(out));
}

Value fn_string_length(std::vector<Value>& a, const Context& ctx) {
  std::string s = a.empty() ? context_string(ctx) : a[0].to_string();
  return Value::number(static_cast<double>(utf16_length(s)));
}

Value fn_normalize_space(std::vector<Value>& a, const Context& ctx) {
  std::string s = a.empty() ? context_string(ctx) : a[0].to_string();
  std::string out;
  bool pending_space = false;
  for (char c : s) {
    if (is_xml_space(c)) {
      pending_space = !out.empty();
    } else {
      if (pending_space) out += ' ';
      pending_space = false;
      out += c;
    }
  }
  return Value::string(std::move(out));
}

Value fn_translate(std::vector<Value>& a, const Context&) {
  std::string s = a[0].to_string(), from = a[1].to_string(), to = a[2].to_string();
  auto from_cp = code_points(from), to_cp = code_points(to);
  std::string out;
  for (const CodePoint& cp : code_points(s)) {
    std::string_view ch(s.data() + cp.byte, cp.bytes);
    std::size_t k = 0;
    while (k < from_cp.size() && std::string_view(from.data() + from_cp[k].byte, from_cp[k].bytes) != ch)
      ++k;
    if (k == from_cp.size()) {
      out += ch;
    } else if (k < to_cp.size()) {
      out.append(to, to_cp[k].byte, to_cp[k].bytes);
    }
  }
  return Value::string(std::move(out));
}

// [SECTION] boolean and number functions

Value fn_boolean(std::vector<Value>& a, const Context&) { return Value::boolean(a[0].to_boolean()); }
Value fn_not(std::vector<Value>& a, const Context&) { return Value::boolean(!a[0].to_boolean()); }
Value fn_true(std::vector<Value>&, const Context&) { return Value::boolean(true); }
Value fn_false(std::vector<Value>&, const Context&) { return Value::boolean(false); }

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

Value fn_lang(std::vector<Value>& a, const Context& ctx) {
  std::string want = a[0].to_string();
  for (const Node* n = ctx.node; n; n = n->parent) {
    const Node* attr = n->kind == NodeKind::Element ? n->attribute("xml:lang") : nullptr;
    if (!attr) continue;
    const std::string& have = attr->value;
    if (have.size() < want.size()) return Value::boolean(false);
    for (std::size_t i = 0; i < want.size(); ++i)
      if (ascii_lower(have[i]) != ascii_lower(want[i])) return Value::boolean(false);
    return Value::boolean(have.size() == want.size() || have[want.size()] == '-');
  }
  return Value::boolean(false);
}

// number() and round() are ODK's (functions_odk_math.cpp), which replace XPath 1.0's.
Value fn_floor(std::vector<Value>& a, const Context& ctx) {
  return Value::number(std::floor(arg_number(a, 0, ctx)));
}
Value fn_ceiling(std::vector<Value>& a, const Context& ctx) {
  return Value::number(std::ceil(arg_number(a, 0, ctx)));
}

// [SECTION] XForms functions

// instance('id'): the DOCUMENT node of the secondary instance (the parent of the root element
// Environment::instance() returns), so that instance('id')/root/item selects the items, as in
// every ODK form.
Value fn_instance(std::vector<Value>& a, const Context& ctx) {
  std::string id = a[0].to_string();
  Node* root = ctx.env ? ctx.env->instance(id) : nullptr;
  if (!root) throw EvalError("no instance named '" + id + "'");
  return Value::nodes({root->parent ? root->parent : root});
}

Value fn_current(std::vector<Value>&, const Context& ctx) {
  if (!ctx.current) return Value::nodes({});
  return Value::nodes({ctx.current});
}

bool has_ancestor_or_self(const Node* n, const Node* anc) {
  for (; n; n = n->parent)
    if (n == anc) return true;
  return false;
}

// indexed-repeat(nodes, repeat1, index1 [, repeat2, index2 [, repeat3, index3]]): picks the
// index1-th repeat1 instance, then the index2-th repeat2 instance inside it, and so on, and
// returns the nodes of the first argument that lie inside the last one picked.
Value fn_indexed_repeat(std::vector<Value>& a, const Context& ctx) {
  if (a.size() % 2 == 0)
    throw EvalError("indexed-repeat() takes a node-set and pairs of repeat and index");
  const NodeSet& target = arg_nodes(a, 0, "indexed-repeat");
  const Node* picked = nullptr;
  for (std::size_t i = 1; i + 1 < a.size(); i += 2) {
    const NodeSet& reps = arg_nodes(a, i, "indexed-repeat");
    double index = arg_number(a, i + 1, ctx);
    std::size_t seen = 0;
    const Node* found = nullptr;
    for (const Node* r : reps) {
      if (picked && !has_ancestor_or_self(r, picked)) continue;
      if (static_cast<double>(++seen) == index) {
        found = r;
        break;
      }
    }
    if (!found) return Value::nodes({});
    picked = found;
  }
  NodeSet out;
  for (Node* n : target)
    if (has_ancestor_or_self(n, picked)) out.push_back(n);
  return Value::nodes(std::move(out));
}

// [SECTION] the table

const FunctionSpec kCore[] = {
    {"last", 0, 0, fn_last},
    {"position", 0, 0, fn_position},
    {"count", 1, 1, fn_count},
    {"id", 1, 1, fn_id},
    {"local-name", 0, 1, fn_local_name},
    {"namespace-uri", 0, 1, fn_namespace_uri},
    {"name", 0, 1, fn_name},
    {"string", 0, 1, fn_string},
    {"concat", 0, -1, fn_concat},
    {"starts-with", 2, 2, fn_starts_with},
    {"contains", 2, 2, fn_contains},
    {"substring-before", 2, 2, fn_substring_before},
    {"substring-after", 2, 2, fn_substring_after},
    {"substring", 2, 3, fn_substring},
    {"string-length", 0, 1, fn_string_length},
    {"normalize-space", 0, 1, fn_normalize_space},
    {"translate", 3, 3, fn_translate},
    {"boolean", 1, 1, fn_boolean},
    {"not", 1, 1, fn_not},
    {"true", 0, 0, fn_true},
    {"false", 0, 0, fn_false},
    {"lang", 1, 1, fn_lang},
    {"sum", 1, 1, fn_sum},
    {"floor", 1, 1, fn_floor},
    {"ceiling", 1, 1, fn_ceiling},
    {"instance", 1, 1, fn_instance},
    {"current", 0, 0, fn_current},
    {"indexed-repeat", 3, 7, fn_indexed_repeat},
};

}  // namespace

void register_core_functions() { register_functions(kCore, std::size(kCore)); }

}  // namespace detail
}  // namespace khaosat::core::xpath
