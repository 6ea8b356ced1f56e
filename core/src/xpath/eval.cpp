// The evaluator: operators, function calls, location paths and the thirteen axes.
//
// [SECTION] document order
// [SECTION] axes and node tests
// [SECTION] steps, predicates, paths
// [SECTION] expressions
//
// Comparisons live in eval_compare.cpp. Paths avoid copying node-sets: each step reuses the
// scratch vectors of the path being evaluated, and a child step with a plain name test and no
// predicate takes a direct loop over the children.
#include <algorithm>
#include <cmath>
#include <memory>
#include <functional>

#include "xpath/ast.hpp"
#include "xpath/eval_internal.hpp"
#include "xpath/functions_odk.hpp"

namespace khaosat::core::xpath {
namespace detail {

// [SECTION] document order

namespace {

bool doc_before(const Node* a, const Node* b) {
  if (a->tree != b->tree) return std::less<const Tree*>{}(a->tree, b->tree);
  return a->order < b->order;
}

void ensure_orders(const NodeSet& nodes) {
  Tree* last = nullptr;
  for (const Node* n : nodes) {
    if (n->tree != last) {
      last = n->tree;
      if (last) last->ensure_order();
    }
  }
}

}  // namespace

void sort_document_order(NodeSet& nodes) {
  if (nodes.size() < 2) return;
  ensure_orders(nodes);
  bool sorted = true;
  for (std::size_t i = 1; i < nodes.size() && sorted; ++i)
    sorted = doc_before(nodes[i - 1], nodes[i]);
  if (sorted) return;
  std::sort(nodes.begin(), nodes.end(), doc_before);
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
}

// [SECTION] axes and node tests

namespace {

bool is_namespace_decl(const Node* a) {
  return a->name == "xmlns" || a->name.compare(0, 6, "xmlns:") == 0;
}

// Does `n` pass the step's node test? `principal` is the axis's principal node type.
bool matches(const Step& s, const Node* n, NodeKind principal) {
  switch (s.test) {
    case TestKind::Node: return true;
    case TestKind::Text: return n->kind == NodeKind::Text;
    case TestKind::Comment:
    case TestKind::PI: return false;  // the tree keeps neither
    case TestKind::Any: return n->kind == principal;
    case TestKind::PrefixAny:
      return n->kind == principal && n->name.size() > s.name.size() &&
             n->name[s.name.size()] == ':' && n->name.compare(0, s.name.size(), s.name) == 0;
    case TestKind::Name:
      return n->kind == principal &&
             (n->name == s.name || (!s.local.empty() && n->local == s.local));
  }
  return false;
}

// Whether a node test can match a text node (so leaves' text() children must be visited).
bool wants_text(const Step& s) {
  return !s.elements_only && (s.test == TestKind::Node || s.test == TestKind::Text);
}

// The text() child of a leaf element with a non-empty value, materialised on demand.
Node* text_child(Node* n) {
  if (n->kind != NodeKind::Element || !n->children.empty() || n->value.empty() || !n->tree)
    return nullptr;
  return n->tree->text_node(n);
}

struct AxisWalker {
  const Step& step;
  NodeKind principal;
  bool text;
  NodeSet& out;

  void take(Node* n) {
    if (matches(step, n, principal)) out.push_back(n);
  }
  void children(Node* n) {
    if (text)
      if (Node* t = text_child(n)) take(t);
    for (Node* c : n->children) take(c);
  }
  void descendants(Node* n) {
    if (text)
      if (Node* t = text_child(n)) take(t);
    for (Node* c : n->children) {
      take(c);
      descendants(c);
    }
  }
  // Subtree of `n` (n first) in reverse document order, appended.
  void subtree_reversed(Node* n) {
    for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) subtree_reversed(*it);
    if (text)
      if (Node* t = text_child(n)) take(t);
    take(n);
  }
};

std::size_t index_in_parent(const Node* n) {
  const auto& sib = n->parent->children;
  return static_cast<std::size_t>(std::find(sib.begin(), sib.end(), n) - sib.begin());
}

bool is_child_of_parent(const Node* n) {
  return n->parent && n->kind == NodeKind::Element;
}

// Appends the nodes on `s.axis` from `n` that pass the node test, in axis order (reverse
// document order for reverse axes).
void collect_axis(const Step& s, Node* n, NodeSet& out) {
  NodeKind principal = s.axis == Axis::Attribute ? NodeKind::Attribute : NodeKind::Element;
  AxisWalker w{s, principal, wants_text(s), out};
  switch (s.axis) {
    case Axis::Child:
      w.children(n);
      return;
    case Axis::Descendant:
      w.descendants(n);
      return;
    case Axis::DescendantOrSelf:
      w.take(n);
      w.descendants(n);
      return;
    case Axis::Self:
      w.take(n);
      return;
    case Axis::Parent:
      if (n->parent) w.take(n->parent);
      return;
    case Axis::Ancestor:
      for (Node* p = n->parent; p; p = p->parent) w.take(p);
      return;
    case Axis::AncestorOrSelf:
      for (Node* p = n; p; p = p->parent) w.take(p);
      return;
    case Axis::Attribute:
      if (n->kind == NodeKind::Element)
        for (Node* a : n->attributes)
          if (!is_namespace_decl(a)) w.take(a);
      return;
    case Axis::Namespace:
      return;
    case Axis::FollowingSibling:
      if (is_child_of_parent(n)) {
        const auto& sib = n->parent->children;
        for (std::size_t i = index_in_parent(n) + 1; i < sib.size(); ++i) w.take(sib[i]);
      }
      return;
    case Axis::PrecedingSibling:
      if (is_child_of_parent(n)) {
        const auto& sib = n->parent->children;
        for (std::size_t i = index_in_parent(n); i-- > 0;) w.take(sib[i]);
      }
      return;
    case Axis::Following: {
      Node* x = n;
      // An attribute or text node is followed by its parent's content.
      if (n->kind == NodeKind::Attribute) {
        if (!n->parent) return;
        w.descendants(n->parent);
        x = n->parent;
      } else if (n->kind == NodeKind::Text) {
        x = n->parent;
      }
      for (; x && x->parent; x = x->parent) {
        if (x->kind != NodeKind::Element) continue;
        const auto& sib = x->parent->children;
        for (std::size_t i = index_in_parent(x) + 1; i < sib.size(); ++i) {
          w.take(sib[i]);
          w.descendants(sib[i]);
        }
      }
      return;
    }
    case Axis::Preceding: {
      Node* x = n;
      if (n->kind == NodeKind::Attribute || n->kind == NodeKind::Text) x = n->parent;
      for (; x && x->parent; x = x->parent) {
        const auto& sib = x->parent->children;
        for (std::size_t i = index_in_parent(x); i-- > 0;) w.subtree_reversed(sib[i]);
      }
      return;
    }
  }
}

}  // namespace

// [SECTION] steps, predicates, paths

namespace {

// True when an expression's value does not depend on the context node, position or size, so a
// predicate may evaluate it once for all the nodes it filters. current() is fixed for a whole
// evaluation; paths from the root or from instance('x') do not read the context; functions that
// read the context node implicitly (zero-argument string(), name(), ...) or that are volatile
// (random(), now()) are excluded.
bool context_free(const Ast& a) {
  switch (a.kind) {
    case ExprKind::Number:
    case ExprKind::String:
      return true;
    case ExprKind::Variable:
      return false;
    case ExprKind::Path:
      if (a.start == PathStart::Root) return true;
      return a.start == PathStart::Expr && context_free(*a.args[0]);
    case ExprKind::Call: {
      if (!a.fn || a.fn->volatile_result) return false;
      std::string_view name = a.fn->name;
      if (a.args.empty()) return name == "true" || name == "false" || name == "pi" || name == "current";
      if (name == "once" || name == "position" || name == "last" || name == "lang") return false;
      for (const AstPtr& x : a.args)
        if (!context_free(*x)) return false;
      return true;
    }
    case ExprKind::Filter:
      return context_free(*a.args[0]);
    default:
      for (const AstPtr& x : a.args)
        if (!context_free(*x)) return false;
      return true;
  }
}

bool is_comparison(ExprKind k) {
  return k == ExprKind::Eq || k == ExprKind::Ne || k == ExprKind::Lt || k == ExprKind::Le ||
         k == ExprKind::Gt || k == ExprKind::Ge;
}

}  // namespace

namespace {

bool is_child_name(const Ast& a) {
  return a.kind == ExprKind::Path && a.start == PathStart::Context && a.steps.size() == 1 &&
         a.steps[0].axis == Axis::Child && a.steps[0].test == TestKind::Name &&
         a.steps[0].local.empty() && a.steps[0].predicates.empty();
}

// A predicate made of and/or over comparisons whose one side does not depend on the context
// (item[country = /data/country and city = /data/city]), prepared once per application: the
// context-free sides are evaluated once, and a plain child name is read into a reused
// node-set. Itemset filters over large secondary instances spend most of their time here.
class FastPredicate {
 public:
  // Null when the predicate has another shape; the caller then evaluates it generally.
  static std::unique_ptr<FastPredicate> make(const Ast& pred, const Context& ctx) {
    auto fp = std::unique_ptr<FastPredicate>(new FastPredicate(ctx));
    if (!fp->compile(pred)) return nullptr;
    return fp;
  }

  bool test(Node* n, std::size_t position) { return eval_at(root_, n, position); }

 private:
  struct Term {
    ExprKind kind = ExprKind::And;  // And, Or, or a comparison
    int left = -1, right = -1;  // And / Or: term indices
    bool fixed_left = false;  // comparison: which side is fixed
    Value fixed;              // comparison: the context-free side's value
    const Ast* varying = nullptr;
    bool child_name = false;
    bool use_texts = false;          // Eq against strings: compare texts directly
    std::vector<std::string> texts;  // the fixed side's distinct texts
  };

  explicit FastPredicate(const Context& ctx) : ctx_(ctx) { reused_ = Value::nodes({}); }

  bool compile(const Ast& a) {
    root_ = add(a);
    return root_ >= 0;
  }

  int add(const Ast& a) {
    if (terms_.size() > 16) return -1;
    if (a.kind == ExprKind::And || a.kind == ExprKind::Or) {
      // A chain "x and y and z" becomes binary terms ((x and y) and z).
      int l = add(*a.args[0]);
      for (std::size_t i = 1; l >= 0 && i < a.args.size(); ++i) {
        int index = static_cast<int>(terms_.size());
        Term t;
        t.kind = a.kind;
        terms_.push_back(std::move(t));
        int r = add(*a.args[i]);
        if (r < 0) return -1;
        terms_[static_cast<std::size_t>(index)].left = l;
        terms_[static_cast<std::size_t>(index)].right = r;
        l = index;
      }
      return l;
    }
    if (!is_comparison(a.kind) || a.args.size() != 2) return -1;
    bool fl = context_free(*a.args[0]);
    bool fr = !fl && context_free(*a.args[1]);
    if (!fl && !fr) return -1;
    Term t;
    t.kind = a.kind;
    t.fixed_left = fl;
    Context c{nullptr, 0, 1, ctx_.current, ctx_.env};
    t.fixed = eval(*a.args[fl ? 0 : 1], c);
    t.varying = a.args[fl ? 1 : 0].get();
    t.child_name = is_child_name(*t.varying);
    // name = <node-set or string>: equality of strings, so keep the distinct texts and test
    // each child's text against them (XPath: some pair of string-values is equal).
    if (t.child_name && a.kind == ExprKind::Eq && (t.fixed.is_nodeset() || t.fixed.is_string())) {
      t.use_texts = true;
      if (t.fixed.is_string()) {
        t.texts.push_back(t.fixed.raw_string());
      } else {
        for (const Node* n : t.fixed.node_set()) {
          std::string v = string_value(n);
          if (std::find(t.texts.begin(), t.texts.end(), v) == t.texts.end())
            t.texts.push_back(std::move(v));
        }
      }
    }
    terms_.push_back(std::move(t));
    return static_cast<int>(terms_.size()) - 1;
  }

  bool eval_at(int i, Node* n, std::size_t position) {
    Term& t = terms_[static_cast<std::size_t>(i)];
    if (t.kind == ExprKind::And) return eval_at(t.left, n, position) && eval_at(t.right, n, position);
    if (t.kind == ExprKind::Or) return eval_at(t.left, n, position) || eval_at(t.right, n, position);
    if (t.use_texts) {
      const std::string& name = t.varying->steps[0].name;
      for (const Node* ch : n->children) {
        if (ch->name != name) continue;
        if (ch->children.empty()) {
          for (const std::string& text : t.texts)
            if (ch->value == text) return true;
        } else {
          std::string v = string_value(ch);
          for (const std::string& text : t.texts)
            if (v == text) return true;
        }
      }
      return false;
    }
    if (t.child_name) {
      NodeSet& ns = reused_.node_set();
      ns.clear();
      for (Node* ch : n->children)
        if (ch->name == t.varying->steps[0].name) ns.push_back(ch);
      return t.fixed_left ? compare(t.kind, t.fixed, reused_, *ctx_.env)
                          : compare(t.kind, reused_, t.fixed, *ctx_.env);
    }
    Context c{n, position, size_, ctx_.current, ctx_.env};
    Value v = eval(*t.varying, c);
    return t.fixed_left ? compare(t.kind, t.fixed, v, *ctx_.env)
                        : compare(t.kind, v, t.fixed, *ctx_.env);
  }

 public:
  std::size_t size_ = 0;

 private:
  const Context& ctx_;
  std::vector<Term> terms_;
  Value reused_;
  int root_ = -1;  // the term of the whole predicate
};

}  // namespace

void apply_predicate(NodeSet& nodes, const Ast& pred, const Context& ctx) {
  if (nodes.empty()) return;
  if (nodes.size() > 1 && (is_comparison(pred.kind) || pred.kind == ExprKind::And ||
                           pred.kind == ExprKind::Or)) {
    if (auto fp = FastPredicate::make(pred, ctx)) {
      fp->size_ = nodes.size();
      std::size_t kept = 0;
      for (std::size_t i = 0; i < nodes.size(); ++i)
        if (fp->test(nodes[i], i + 1)) nodes[kept++] = nodes[i];
      nodes.resize(kept);
      return;
    }
  }
  if (pred.kind == ExprKind::Number) {
    double k = pred.number;
    if (k >= 1 && k <= static_cast<double>(nodes.size()) && k == std::floor(k)) {
      Node* keep = nodes[static_cast<std::size_t>(k) - 1];
      nodes.assign(1, keep);
    } else {
      nodes.clear();
    }
    return;
  }
  std::size_t size = nodes.size();
  std::size_t kept = 0;
  Context c{nullptr, 0, size, ctx.current, ctx.env};
  for (std::size_t i = 0; i < size; ++i) {
    c.node = nodes[i];
    c.position = i + 1;
    Value v = eval(pred, c);
    bool keep = v.is_number() ? v.raw_number() == static_cast<double>(i + 1) : v.to_boolean();
    if (keep) nodes[kept++] = nodes[i];
  }
  nodes.resize(kept);
}

namespace {

// The fast path: child::name without predicates.
void child_name_step(const Step& s, const NodeSet& in, NodeSet& out) {
  for (Node* n : in) {
    // An unprefixed name: the tree's index of a large element's children by name.
    if (s.local.empty() && n->tree)
      if (const auto* named = n->tree->children_named(n, s.name)) {
        out.insert(out.end(), named->begin(), named->end());
        continue;
      }
    for (Node* c : n->children)
      if (c->name == s.name || (!s.local.empty() && c->local == s.local)) out.push_back(c);
  }
}

void apply_step(const Step& s, const NodeSet& in, NodeSet& out, const Context& ctx) {
  out.clear();
  if (s.axis == Axis::Child && s.test == TestKind::Name && s.predicates.empty()) {
    child_name_step(s, in, out);
  } else if (s.predicates.empty()) {
    for (Node* n : in) collect_axis(s, n, out);
  } else {
    NodeSet scratch;
    for (Node* n : in) {
      scratch.clear();
      collect_axis(s, n, scratch);
      for (const auto& p : s.predicates) apply_predicate(scratch, *p, ctx);
      out.insert(out.end(), scratch.begin(), scratch.end());
    }
  }
  // One context node and a forward axis already give document order without duplicates.
  if (in.size() == 1 && !is_reverse(s.axis)) return;
  if (in.size() == 1 && out.size() > 1) {
    std::reverse(out.begin(), out.end());
    return;
  }
  sort_document_order(out);
}

Node* document_of(Node* n) {
  while (n && n->parent) n = n->parent;
  return n;
}

}  // namespace

NodeSet eval_path(const Ast& a, const Context& ctx) {
  NodeSet cur;
  switch (a.start) {
    case PathStart::Context:
      if (ctx.node) cur.push_back(ctx.node);
      break;
    case PathStart::Root: {
      // In XForms "/" is the primary instance's root, also inside a predicate running over a
      // secondary instance (instance('c')/root/item[p = /data/p]). Without a primary document
      // (a bare Environment) it is the context node's own document.
      Node* d = ctx.env ? ctx.env->primary_document() : nullptr;
      if (!d) d = document_of(ctx.node);
      if (d) cur.push_back(d);
      break;
    }
    case PathStart::Expr: {
      Value v = eval(*a.args[0], ctx);
      if (!v.is_nodeset())
        throw EvalError("a path step needs a node-set on its left, not a " +
                        std::string(v.is_number() ? "number" : v.is_string() ? "string" : "boolean"));
      cur = std::move(v.node_set());
      break;
    }
  }
  NodeSet next;
  for (const Step& s : a.steps) {
    if (cur.empty()) break;
    apply_step(s, cur, next, ctx);
    cur.swap(next);
  }
  return cur;
}

// [SECTION] expressions

namespace {

const char* type_name(const Value& v) {
  switch (v.type()) {
    case Value::Type::Boolean: return "boolean";
    case Value::Type::Number: return "number";
    case Value::Type::String: return "string";
    case Value::Type::NodeSet: return "node-set";
  }
  return "value";
}

// A chain "a | b | c" (one node, see Ast::ops): every operand, then one sort.
Value eval_union(const Ast& a, const Context& ctx) {
  Value l = eval(*a.args[0], ctx);
  NodeSet& out = l.node_set();
  for (std::size_t i = 1; i < a.args.size(); ++i) {
    Value r = eval(*a.args[i], ctx);
    if (!l.is_nodeset() || !r.is_nodeset())
      throw EvalError(std::string("'|' joins node-sets, not a ") +
                      type_name(l.is_nodeset() ? r : l));
    const NodeSet& add = r.node_set();
    out.insert(out.end(), add.begin(), add.end());
  }
  sort_document_order(out);
  return l;
}

Value eval_call(const Ast& a, const Context& ctx) {
  if (a.fn->lazy_impl) return a.fn->lazy_impl(LazyArgs(a, ctx), ctx);
  std::vector<Value> args;
  args.reserve(a.args.size());
  for (const auto& arg : a.args) args.push_back(eval(*arg, ctx));
  return a.fn->impl(args, ctx);
}

Value eval_filter(const Ast& a, const Context& ctx) {
  Value v = eval(*a.args[0], ctx);
  if (!v.is_nodeset())
    throw EvalError(std::string("a predicate filters a node-set, not a ") + type_name(v));
  for (std::size_t i = 1; i < a.args.size(); ++i) apply_predicate(v.node_set(), *a.args[i], ctx);
  return v;
}

// ODK's conversion of an operand to a number: dates read as days, blank nodes as NaN.
double number_of(const Value& v, const Context& ctx) {
  return odk::date_aware_number(v, *ctx.env);
}

double arith(ExprKind op, double l, double r) {
  switch (op) {
    case ExprKind::Add: return l + r;
    case ExprKind::Sub: return l - r;
    case ExprKind::Mul: return l * r;
    case ExprKind::Div: return l / r;  // IEEE: x/0 is +-Infinity, 0/0 is NaN
    case ExprKind::Mod: return std::fmod(l, r);
    default: return std::nan("");
  }
}

// A chain "a + b - c" (one node, see Ast::ops), left to right. ODK evaluates the right operand
// only when the left one is a number, so a NaN ends the chain.
Value eval_arith(const Ast& a, const Context& ctx) {
  double l = number_of(eval(*a.args[0], ctx), ctx);
  for (std::size_t i = 1; i < a.args.size() && !std::isnan(l); ++i)
    l = arith(a.ops[i - 1], l, number_of(eval(*a.args[i], ctx), ctx));
  return Value::number(l);
}

// "a or b or c", "a and b and c": left to right, stopping at the first operand that decides.
Value eval_logical(const Ast& a, const Context& ctx) {
  const bool is_or = a.kind == ExprKind::Or;
  for (const AstPtr& arg : a.args)
    if (eval(*arg, ctx).to_boolean() == is_or) return Value::boolean(is_or);
  return Value::boolean(!is_or);
}

// "a = b != c": left to right, each comparison's boolean compared with the next operand.
Value eval_comparison(const Ast& a, const Context& ctx) {
  Value l = eval(*a.args[0], ctx);
  for (std::size_t i = 1; i < a.args.size(); ++i)
    l = Value::boolean(compare(a.ops[i - 1], l, eval(*a.args[i], ctx), *ctx.env));
  return l;
}

}  // namespace

Value eval(const Ast& a, const Context& ctx) {
  switch (a.kind) {
    case ExprKind::Number: return Value::number(a.number);
    case ExprKind::String: return Value::string(a.text);
    case ExprKind::Variable: throw EvalError("variables are not supported: $" + a.text);
    case ExprKind::Or:
    case ExprKind::And:
      return eval_logical(a, ctx);
    case ExprKind::Eq: case ExprKind::Ne: case ExprKind::Lt: case ExprKind::Le:
    case ExprKind::Gt: case ExprKind::Ge:
      return eval_comparison(a, ctx);
    case ExprKind::Add: case ExprKind::Sub: case ExprKind::Mul: case ExprKind::Div:
    case ExprKind::Mod:
      return eval_arith(a, ctx);
    case ExprKind::Neg: return Value::number(-number_of(eval(*a.args[0], ctx), ctx));
    case ExprKind::Union: return eval_union(a, ctx);
    case ExprKind::Call: return eval_call(a, ctx);
    case ExprKind::Filter: return eval_filter(a, ctx);
    case ExprKind::Path: return Value::nodes(eval_path(a, ctx));
  }
  return {};
}

}  // namespace detail

std::size_t LazyArgs::size() const { return call_.args.size(); }
Value LazyArgs::eval(std::size_t i) const { return detail::eval(*call_.args[i], ctx_); }

Value evaluate(const Expr& e, const Context& ctx) {
  Context c = ctx;
  if (!c.current) c.current = c.node;
  if (!c.env) {
    static Environment defaults;  // stateless: the system clock and zone
    c.env = &defaults;
  }
  return detail::eval(*e.root, c);
}

}  // namespace khaosat::core::xpath
