// Static analysis of parsed expressions: dependencies(), as_path_text(), is_volatile(),
// reads_language(), reads_context(), reads_current(), draws_random(), source().
//
// dependencies() names, for each location path in the expression, the absolute path of the
// nodes it reads with predicates stripped, and how it reads them (see xpath.hpp): for their
// values (a plain path), or only for which nodes there are (kDependencyNodesOnly: count(),
// position(), ...). Steps the analysis cannot follow exactly (descendant axes, wildcards,
// sideways axes) stop the path at the deepest prefix that still contains every node the step
// can reach, marked kDependencySubtree: "this node or anything below it".
#include <algorithm>
#include <optional>

#include "xpath/ast.hpp"

namespace khaosat::core::xpath {
namespace detail {
namespace {

bool is_call(const Ast& a, std::string_view name) {
  return a.kind == ExprKind::Call && a.fn && std::string_view(a.fn->name) == name;
}

// instance('id') with a literal id: "instance('id')"; otherwise empty.
std::string instance_prefix(const Ast& a) {
  if (!is_call(a, "instance") || a.args.size() != 1 || a.args[0]->kind != ExprKind::String)
    return {};
  return "instance('" + a.args[0]->text + "')";
}

// Path text of the parent of `p` ("" is the document; an instance prefix is never cut).
std::string parent_path(const std::string& p) {
  std::size_t floor = 0;
  if (p.rfind("instance(", 0) == 0) floor = p.find(')') + 1;
  std::size_t slash = p.rfind('/');
  if (slash == std::string::npos || slash < floor) return p;
  return p.substr(0, slash);
}

// The first element level of `p` ("/data/a/b" -> "/data", "instance('x')/root/y" ->
// "instance('x')/root").
std::string top_path(const std::string& p) {
  std::size_t from = 0;
  if (p.rfind("instance(", 0) == 0) from = p.find(')') + 1;
  std::size_t first = p.find('/', from);
  if (first == std::string::npos) return p;
  std::size_t second = p.find('/', first + 1);
  return second == std::string::npos ? p : p.substr(0, second);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string strip_subtree(std::string p) {
  if (ends_with(p, kDependencySubtree)) p.resize(p.size() - kDependencySubtree.size());
  if (ends_with(p, kDependencySelf)) p.resize(p.size() - kDependencySelf.size());
  return p;
}

// How an expression uses the nodes a path selects.
enum class Use : std::uint8_t {
  Value,  // their string values: for a group, the text of everything below it
  Nodes,  // only which nodes they are: count(), position(), name(), a context to step from
};

// What argument `i` of a call is used for. Anything not listed is a value: that is the safe
// answer (a value dependency re-runs on more changes, never on fewer).
Use argument_use(const Ast& call, std::size_t i) {
  if (is_call(call, "count") || is_call(call, "position") || is_call(call, "name") ||
      is_call(call, "local-name") || is_call(call, "namespace-uri"))
    return Use::Nodes;
  // indexed-repeat(value, repeat1, index1, repeat2, index2, ...): the repeats only pick instances.
  if (is_call(call, "indexed-repeat") && i % 2 == 1) return Use::Nodes;
  return Use::Value;
}

// Functions that read the context node's string value when called without an argument.
bool reads_context_value(const Ast& call) {
  return call.args.empty() && (is_call(call, "string") || is_call(call, "string-length") ||
                               is_call(call, "normalize-space") || is_call(call, "number"));
}

class Deps {
 public:
  explicit Deps(std::string current) : current_(std::move(current)) {}

  // The expression's own context: a path that starts there and only takes self steps reads
  // the context node alone (kDependencySelf). Predicates and filters step from other contexts,
  // passed as other strings, so the address tells the context node from another node at the
  // same path (the "." in /data/r/q[. = 'x'] is any q, not the one the expression runs at).
  void set_self_context(const std::string* ctx) { self_ctx_ = ctx; }

  void expr(const Ast& a, const std::string& ctx, Use use = Use::Value) {
    if (auto p = designate(a, ctx, use)) add(*p, use);
  }

  std::vector<std::string> take() { return std::move(out_); }

 private:
  void add(std::string p, Use use) {
    if (p.empty()) p = "/";
    // Only which node it is: the node itself is there while the expression runs at it.
    if (use == Use::Nodes && ends_with(p, kDependencySelf)) p = strip_subtree(p);
    // A subtree dependency covers both uses; an exact one read only for its nodes says so.
    if (use == Use::Nodes && !ends_with(p, kDependencySubtree)) p += kDependencyNodesOnly;
    if (std::find(out_.begin(), out_.end(), p) == out_.end()) out_.push_back(std::move(p));
  }

  // The path `a` designates (predicates stripped), or nullopt when it designates no nameable
  // nodes. Records the dependencies of everything inside `a` except that path itself; `use` is
  // what the caller does with the nodes `a` selects, passed on to the operands of a union.
  std::optional<std::string> designate(const Ast& a, const std::string& ctx, Use use) {
    switch (a.kind) {
      case ExprKind::Path: return path(a, ctx, use);
      case ExprKind::Filter: {
        std::optional<std::string> base = designate(*a.args[0], ctx, use);
        if (base) base = strip_subtree(*base);
        for (std::size_t i = 1; i < a.args.size(); ++i) expr(*a.args[i], base.value_or(ctx));
        return base;
      }
      case ExprKind::Union:
        for (const auto& arg : a.args) expr(*arg, ctx, use);
        return std::nullopt;
      case ExprKind::Call: {
        if (is_call(a, "current")) return current_ + std::string(kDependencySelf);
        std::string inst = instance_prefix(a);
        if (!inst.empty()) return inst;
        if (reads_context_value(a))
          add(&ctx == self_ctx_ ? ctx + std::string(kDependencySelf) : ctx, Use::Value);
        for (std::size_t i = 0; i < a.args.size(); ++i) expr(*a.args[i], ctx, argument_use(a, i));
        return std::nullopt;
      }
      default:
        for (const auto& arg : a.args) expr(*arg, ctx);
        return std::nullopt;
    }
  }

  std::optional<std::string> path(const Ast& a, const std::string& ctx, Use use) {
    std::optional<std::string> base;
    switch (a.start) {
      case PathStart::Context: base = ctx; break;
      case PathStart::Root: base = std::string(); break;
      case PathStart::Expr:
        // With steps after it, the start only gives the nodes to step from.
        base = designate(*a.args[0], ctx, a.steps.empty() ? use : Use::Nodes);
        if (base) base = strip_subtree(*base);
        break;
    }
    bool exact = base.has_value();
    bool self = a.start == PathStart::Context && &ctx == self_ctx_;
    std::string p = base.value_or(ctx);
    for (const Step& s : a.steps) {
      if (exact) exact = step(s, p);
      if (s.axis != Axis::Self || !s.predicates.empty()) self = false;
      for (const auto& pred : s.predicates) expr(*pred, p);
    }
    if (!base) return std::nullopt;
    if (self && exact) return p + std::string(kDependencySelf);
    // A path that could not be followed exactly reads anything below where it stopped: mark it
    // with "/**" so that changes to values below trigger it (see xpath.hpp).
    if (!exact) p += kDependencySubtree;
    return p;
  }

  // Advances `p` over one step. Returns false when the step cannot be followed exactly; `p` is
  // then left at a prefix containing everything the step reaches.
  static bool step(const Step& s, std::string& p) {
    bool named = s.test == TestKind::Name;
    switch (s.axis) {
      case Axis::Child:
        if (!named) return false;
        p += "/" + s.name;
        return true;
      case Axis::Attribute:
        if (!named) return false;
        p += "/@" + s.name;
        return true;
      case Axis::Self:
        return s.test == TestKind::Node || named;
      case Axis::Parent:
        p = parent_path(p);
        return s.test == TestKind::Node || named;
      case Axis::FollowingSibling:
      case Axis::PrecedingSibling:
        p = parent_path(p);
        return false;
      case Axis::Ancestor:
      case Axis::AncestorOrSelf:
      case Axis::Following:
      case Axis::Preceding:
        p = top_path(p);
        return false;
      case Axis::Descendant:
      case Axis::DescendantOrSelf:
      case Axis::Namespace:
        return false;
    }
    return false;
  }

  std::string current_;
  const std::string* self_ctx_ = nullptr;
  std::vector<std::string> out_;
};

std::string test_text(const Step& s) {
  switch (s.test) {
    case TestKind::Name: return s.name;
    case TestKind::PrefixAny: return s.name + ":*";
    case TestKind::Any: return "*";
    case TestKind::Node: return "node()";
    case TestKind::Text: return "text()";
    case TestKind::Comment: return "comment()";
    case TestKind::PI:
      return s.name.empty() ? "processing-instruction()"
                            : "processing-instruction('" + s.name + "')";
  }
  return {};
}

const char* axis_text(Axis a) {
  switch (a) {
    case Axis::Child: return "child";
    case Axis::Descendant: return "descendant";
    case Axis::Parent: return "parent";
    case Axis::Ancestor: return "ancestor";
    case Axis::FollowingSibling: return "following-sibling";
    case Axis::PrecedingSibling: return "preceding-sibling";
    case Axis::Following: return "following";
    case Axis::Preceding: return "preceding";
    case Axis::Attribute: return "attribute";
    case Axis::Namespace: return "namespace";
    case Axis::Self: return "self";
    case Axis::DescendantOrSelf: return "descendant-or-self";
    case Axis::AncestorOrSelf: return "ancestor-or-self";
  }
  return "child";
}

std::string step_text(const Step& s, const std::string& src) {
  std::string t;
  bool plain = s.predicates.empty();
  if (s.axis == Axis::Self && s.test == TestKind::Node && plain) return ".";
  if (s.axis == Axis::Parent && s.test == TestKind::Node && plain) return "..";
  if (s.axis == Axis::DescendantOrSelf && s.test == TestKind::Node && plain) return "";
  if (s.abbreviated) return "/" + test_text(s);
  if (s.axis == Axis::Child) t = test_text(s);
  else if (s.axis == Axis::Attribute) t = "@" + test_text(s);
  else t = std::string(axis_text(s.axis)) + "::" + test_text(s);
  for (const auto& p : s.predicates) t += "[" + src.substr(p->begin, p->end - p->begin) + "]";
  return t;
}

// Text of a path's starting expression when it is one as_path_text() accepts.
std::optional<std::string> start_text(const Ast& a, const std::string& src) {
  if (a.kind == ExprKind::Call && (is_call(a, "current") || !instance_prefix(a).empty()))
    return src.substr(a.begin, a.end - a.begin);
  if (a.kind == ExprKind::Filter) {
    auto t = start_text(*a.args[0], src);
    if (!t) return std::nullopt;
    for (std::size_t i = 1; i < a.args.size(); ++i)
      *t += "[" + src.substr(a.args[i]->begin, a.args[i]->end - a.args[i]->begin) + "]";
    return t;
  }
  return std::nullopt;
}

// Functions that read the context node, its position or the context size without being given
// them: without arguments (string(), name(), position() ...), or always (lang(), once()).
bool reads_implicit_context(const Ast& call) {
  if (is_call(call, "lang") || is_call(call, "once") || is_call(call, "last")) return true;
  if (!call.args.empty()) return false;
  for (const char* name : {"string", "string-length", "normalize-space", "number", "name",
                           "local-name", "namespace-uri", "position"})
    if (is_call(call, name)) return true;
  return false;
}

// See reads_context(): `outer` is true while `a` runs in the expression's own context (not in a
// predicate's, which steps from other nodes); `current_only` asks about current() alone.
bool reads_context_at(const Ast& a, bool outer, bool current_only) {
  if (is_call(a, "current")) return true;
  if (!current_only && outer) {
    if (a.kind == ExprKind::Path && a.start == PathStart::Context) return true;
    if (a.kind == ExprKind::Call && reads_implicit_context(a)) return true;
  }
  for (std::size_t i = 0; i < a.args.size(); ++i) {
    // A filter's parts after the first are its predicates.
    const bool arg_outer = outer && !(a.kind == ExprKind::Filter && i > 0);
    if (reads_context_at(*a.args[i], arg_outer, current_only)) return true;
  }
  for (const Step& s : a.steps)
    for (const auto& p : s.predicates)
      if (reads_context_at(*p, false, current_only)) return true;
  return false;
}

bool draws_random_at(const Ast& a) {
  if (a.kind == ExprKind::Call && a.fn &&
      (a.fn->volatile_result || (is_call(a, "randomize") && a.args.size() < 2)))
    return true;
  for (const auto& c : a.args)
    if (draws_random_at(*c)) return true;
  for (const Step& s : a.steps)
    for (const auto& p : s.predicates)
      if (draws_random_at(*p)) return true;
  return false;
}

}  // namespace
}  // namespace detail

std::vector<std::string> dependencies(const Expr& e, std::string_view context_path) {
  std::string ctx(context_path);
  detail::Deps d(ctx);
  d.set_self_context(&ctx);
  d.expr(*e.root, ctx);
  return d.take();
}

bool is_volatile(const Expr& e) { return e.is_volatile; }

bool reads_language(const Expr& e) { return e.reads_language; }

bool reads_context(const Expr& e) { return detail::reads_context_at(*e.root, true, false); }

bool reads_current(const Expr& e) { return detail::reads_context_at(*e.root, true, true); }

bool draws_random(const Expr& e) { return detail::draws_random_at(*e.root); }

const std::string& source(const Expr& e) { return e.source; }

std::string as_path_text(const Expr& e) {
  using namespace detail;
  const Ast& a = *e.root;
  if (a.kind != ExprKind::Path) {
    auto t = start_text(a, e.source);
    return t ? *t : std::string();
  }
  std::string out;
  if (a.start == PathStart::Expr) {
    auto t = start_text(*a.args[0], e.source);
    if (!t) return {};
    out = *t;
  } else if (a.start == PathStart::Root && a.steps.empty()) {
    return "/";
  }
  bool first = a.start == PathStart::Context;
  for (const Step& s : a.steps) {
    if (!first) out += '/';
    first = false;
    out += step_text(s, e.source);
  }
  return out;
}

}  // namespace khaosat::core::xpath
