// XPath 1.0 recursive-descent parser: tokens -> AST. Functions are resolved here, so an unknown
// function or a wrong argument count is a parse error.
#include <algorithm>
#include <cstdlib>
#include <utility>

#include "base/excerpt.hpp"
#include "xpath/ast.hpp"
#include "xpath/lexer.hpp"

namespace khaosat::core::xpath {
namespace detail {
namespace {

struct ParseFailure {
  ErrorCode code = ErrorCode::xpath_syntax;
  std::string what;
  std::size_t pos = std::string_view::npos;
};

class Parser {
 public:
  Parser(std::string_view src, std::vector<Token> toks) : src_(src), toks_(std::move(toks)) {}

  // Returns null and sets failure_ on error.
  AstPtr parse_all() {
    AstPtr e = expr();
    if (e && cur().kind != Tok::End) {
      fail_unexpected();
      return nullptr;
    }
    return e;
  }

  const ParseFailure& failure() const { return failure_; }

 private:
  const Token& cur() const { return toks_[i_]; }
  const Token& peek(std::size_t k = 1) const {
    return toks_[std::min(i_ + k, toks_.size() - 1)];
  }
  bool at(Tok k) const { return cur().kind == k; }
  bool accept(Tok k) {
    if (!at(k)) return false;
    ++i_;
    return true;
  }

  AstPtr fail_at(std::string what, std::uint32_t pos, ErrorCode code = ErrorCode::xpath_syntax) {
    if (failure_.what.empty()) {
      failure_.code = code;
      failure_.what = std::move(what);
      failure_.pos = pos;
    }
    return nullptr;
  }
  AstPtr fail_unexpected() {
    if (at(Tok::End)) return fail_at("unexpected end of expression", cur().pos);
    std::string tok(src_.substr(cur().pos, cur().end - cur().pos));
    return fail_at("unexpected '" + tok + "'", cur().pos);
  }
  bool expect(Tok k) {
    if (accept(k)) return true;
    fail_at(std::string("expected ") + token_name(k), cur().pos);
    return false;
  }

  static AstPtr node(ExprKind k, std::uint32_t begin) {
    auto a = std::make_unique<Ast>();
    a->kind = k;
    a->begin = begin;
    return a;
  }
  void close(Ast& a) const { a.end = i_ > 0 ? toks_[i_ - 1].end : 0; }

  // Appends "op r" to the chain `l` of one precedence level: the first operator makes the chain
  // node, later ones join it (see Ast::ops), so the tree does not deepen with the chain.
  AstPtr binary(ExprKind k, AstPtr l, AstPtr r, bool& chained) {
    if (!chained) {
      auto a = node(k, l->begin);
      a->depth = l->depth + 1;
      a->args.push_back(std::move(l));
      l = std::move(a);
      chained = true;
    }
    // The height kept up to date here, not by finish(): that would rescan the whole chain on
    // every term.
    l->depth = std::max(l->depth, r->depth + 1);
    if (l->depth > kMaxDepth) return fail_at("expression nested too deeply", r->begin);
    l->ops.push_back(k);
    l->args.push_back(std::move(r));
    close(*l);
    return l;
  }

  // Bad input must not exhaust the stack: the parser's recursion (real nesting: parentheses,
  // predicates, function arguments, unary minus) and the height of the tree it builds are both
  // bounded. Operator chains do not nest (see binary()), so neither limit counts their length.
  static constexpr int kMaxNesting = 200;
  static constexpr std::uint32_t kMaxDepth = 1000;

  // Sets the node's height from its children; fails when the tree gets too tall.
  AstPtr finish(AstPtr a) {
    std::uint32_t h = 0;
    for (const auto& c : a->args) h = std::max(h, c->depth);
    for (const auto& s : a->steps)
      for (const auto& p : s.predicates) h = std::max(h, p->depth);
    a->depth = h + 1;
    if (a->depth > kMaxDepth) return fail_at("expression nested too deeply", a->begin);
    return a;
  }

  struct NestingGuard {
    int& n;
    explicit NestingGuard(int& counter) : n(counter) { ++n; }
    ~NestingGuard() { --n; }
  };

  AstPtr expr() {
    NestingGuard g(nesting_);
    if (nesting_ > kMaxNesting) return fail_at("expression nested too deeply", cur().pos);
    return or_expr();
  }

  AstPtr or_expr() {
    AstPtr l = and_expr();
    bool chained = false;
    while (l && accept(Tok::Or)) {
      AstPtr r = and_expr();
      if (!r) return nullptr;
      l = binary(ExprKind::Or, std::move(l), std::move(r), chained);
    }
    return l;
  }

  AstPtr and_expr() {
    AstPtr l = equality();
    bool chained = false;
    while (l && accept(Tok::And)) {
      AstPtr r = equality();
      if (!r) return nullptr;
      l = binary(ExprKind::And, std::move(l), std::move(r), chained);
    }
    return l;
  }

  AstPtr equality() {
    AstPtr l = relational();
    bool chained = false;
    while (l && (at(Tok::Eq) || at(Tok::Ne))) {
      ExprKind k = at(Tok::Eq) ? ExprKind::Eq : ExprKind::Ne;
      ++i_;
      AstPtr r = relational();
      if (!r) return nullptr;
      l = binary(k, std::move(l), std::move(r), chained);
    }
    return l;
  }

  AstPtr relational() {
    AstPtr l = additive();
    bool chained = false;
    while (l) {
      ExprKind k;
      switch (cur().kind) {
        case Tok::Lt: k = ExprKind::Lt; break;
        case Tok::Le: k = ExprKind::Le; break;
        case Tok::Gt: k = ExprKind::Gt; break;
        case Tok::Ge: k = ExprKind::Ge; break;
        default: return l;
      }
      ++i_;
      AstPtr r = additive();
      if (!r) return nullptr;
      l = binary(k, std::move(l), std::move(r), chained);
    }
    return l;
  }

  AstPtr additive() {
    AstPtr l = multiplicative();
    bool chained = false;
    while (l && (at(Tok::Plus) || at(Tok::Minus))) {
      ExprKind k = at(Tok::Plus) ? ExprKind::Add : ExprKind::Sub;
      ++i_;
      AstPtr r = multiplicative();
      if (!r) return nullptr;
      l = binary(k, std::move(l), std::move(r), chained);
    }
    return l;
  }

  AstPtr multiplicative() {
    AstPtr l = unary();
    bool chained = false;
    while (l) {
      ExprKind k;
      switch (cur().kind) {
        case Tok::Multiply: k = ExprKind::Mul; break;
        case Tok::Div: k = ExprKind::Div; break;
        case Tok::Mod: k = ExprKind::Mod; break;
        default: return l;
      }
      ++i_;
      AstPtr r = unary();
      if (!r) return nullptr;
      l = binary(k, std::move(l), std::move(r), chained);
    }
    return l;
  }

  AstPtr unary() {
    if (at(Tok::Minus)) {
      NestingGuard g(nesting_);
      if (nesting_ > kMaxNesting) return fail_at("expression nested too deeply", cur().pos);
      std::uint32_t b = cur().pos;
      ++i_;
      AstPtr operand = unary();
      if (!operand) return nullptr;
      auto a = node(ExprKind::Neg, b);
      a->args.push_back(std::move(operand));
      close(*a);
      return finish(std::move(a));
    }
    return union_expr();
  }

  AstPtr union_expr() {
    AstPtr l = path_expr();
    bool chained = false;
    while (l && accept(Tok::Pipe)) {
      AstPtr r = path_expr();
      if (!r) return nullptr;
      l = binary(ExprKind::Union, std::move(l), std::move(r), chained);
    }
    return l;
  }

  static bool starts_primary(Tok k) {
    return k == Tok::Variable || k == Tok::LParen || k == Tok::Literal || k == Tok::Number ||
           k == Tok::FunctionName;
  }
  static bool starts_step(Tok k) {
    return k == Tok::NameTest || k == Tok::NodeType || k == Tok::AxisName || k == Tok::At ||
           k == Tok::Dot || k == Tok::DotDot;
  }

  AstPtr path_expr() {
    std::uint32_t b = cur().pos;
    if (starts_primary(cur().kind)) {
      AstPtr f = filter_expr();
      if (!f) return nullptr;
      if (!at(Tok::Slash) && !at(Tok::DoubleSlash)) return f;
      auto p = node(ExprKind::Path, b);
      p->start = PathStart::Expr;
      p->args.push_back(std::move(f));
      if (!relative_steps(*p)) return nullptr;
      close(*p);
      return finish(std::move(p));
    }
    auto p = node(ExprKind::Path, b);
    if (at(Tok::Slash)) {
      ++i_;
      p->start = PathStart::Root;
      // "/" alone is the root; a step may follow.
      if (starts_step(cur().kind)) {
        if (!step(*p)) return nullptr;
        if (!relative_steps(*p)) return nullptr;
      }
    } else if (at(Tok::DoubleSlash)) {
      ++i_;
      p->start = PathStart::Root;
      add_descendant_or_self(*p);
      if (!step(*p)) return nullptr;
      fold_double_slash(*p);
      if (!relative_steps(*p)) return nullptr;
    } else if (starts_step(cur().kind)) {
      p->start = PathStart::Context;
      if (!step(*p)) return nullptr;
      if (!relative_steps(*p)) return nullptr;
    } else {
      return fail_unexpected();
    }
    close(*p);
    return finish(std::move(p));
  }

  static void add_descendant_or_self(Ast& p) {
    Step s;
    s.axis = Axis::DescendantOrSelf;
    s.test = TestKind::Node;
    p.steps.push_back(std::move(s));
  }

  // "//x" is descendant-or-self::node()/child::x. Without predicates on x that is exactly
  // descendant::x, which skips a pass over every node; with predicates (positions count per
  // parent) the two steps stay, but text nodes can be left out of the first (they have no
  // children), so leaves need not materialise them.
  static void fold_double_slash(Ast& p) {
    std::size_t n = p.steps.size();
    Step& dos = p.steps[n - 2];
    Step& next = p.steps[n - 1];
    if (next.axis != Axis::Child) return;
    if (!next.predicates.empty()) {
      dos.elements_only = true;
      return;
    }
    next.axis = Axis::Descendant;
    next.abbreviated = true;
    p.steps.erase(p.steps.begin() + static_cast<std::ptrdiff_t>(n - 2));
  }

  // ( ('/' | '//') Step )*
  bool relative_steps(Ast& p) {
    while (at(Tok::Slash) || at(Tok::DoubleSlash)) {
      bool dbl = at(Tok::DoubleSlash);
      if (dbl) add_descendant_or_self(p);
      ++i_;
      if (!step(p)) return false;
      if (dbl) fold_double_slash(p);
    }
    return true;
  }

  bool step(Ast& p) {
    Step s;
    if (accept(Tok::Dot)) {
      s.axis = Axis::Self;
      s.test = TestKind::Node;
      p.steps.push_back(std::move(s));
      return true;
    }
    if (accept(Tok::DotDot)) {
      s.axis = Axis::Parent;
      s.test = TestKind::Node;
      p.steps.push_back(std::move(s));
      return true;
    }
    if (accept(Tok::At)) {
      s.axis = Axis::Attribute;
    } else if (at(Tok::AxisName)) {
      if (!axis_from_name(cur().text, s.axis)) {
        fail_at("unknown axis '" + cur().text + "'", cur().pos);
        return false;
      }
      ++i_;
      if (!expect(Tok::ColonColon)) return false;
    }
    if (!node_test(s)) return false;
    while (at(Tok::LBracket)) {
      AstPtr pred = predicate();
      if (!pred) return false;
      s.predicates.push_back(std::move(pred));
    }
    p.steps.push_back(std::move(s));
    return true;
  }

  static bool axis_from_name(const std::string& n, Axis& a) {
    static const std::pair<const char*, Axis> kAxes[] = {
        {"child", Axis::Child},
        {"descendant", Axis::Descendant},
        {"parent", Axis::Parent},
        {"ancestor", Axis::Ancestor},
        {"following-sibling", Axis::FollowingSibling},
        {"preceding-sibling", Axis::PrecedingSibling},
        {"following", Axis::Following},
        {"preceding", Axis::Preceding},
        {"attribute", Axis::Attribute},
        {"namespace", Axis::Namespace},
        {"self", Axis::Self},
        {"descendant-or-self", Axis::DescendantOrSelf},
        {"ancestor-or-self", Axis::AncestorOrSelf},
    };
    for (const auto& [name, axis] : kAxes) {
      if (n == name) {
        a = axis;
        return true;
      }
    }
    return false;
  }

  bool node_test(Step& s) {
    if (at(Tok::NameTest)) {
      const std::string& t = cur().text;
      if (t == "*") {
        s.test = TestKind::Any;
      } else if (t.size() > 2 && t.compare(t.size() - 2, 2, ":*") == 0) {
        s.test = TestKind::PrefixAny;
        s.name = t.substr(0, t.size() - 2);
      } else {
        s.test = TestKind::Name;
        s.name = t;
        auto colon = t.find(':');
        if (colon != std::string::npos) s.local = t.substr(colon + 1);
      }
      ++i_;
      return true;
    }
    if (at(Tok::NodeType)) {
      const std::string& t = cur().text;
      s.test = t == "node" ? TestKind::Node
               : t == "text" ? TestKind::Text
               : t == "comment" ? TestKind::Comment
                                : TestKind::PI;
      ++i_;
      if (!expect(Tok::LParen)) return false;
      if (s.test == TestKind::PI && at(Tok::Literal)) {
        s.name = cur().text;
        ++i_;
      }
      return expect(Tok::RParen);
    }
    fail_at("expected a node test", cur().pos);
    return false;
  }

  AstPtr predicate() {
    ++i_;  // '['
    AstPtr e = expr();
    if (!e) return nullptr;
    if (!expect(Tok::RBracket)) return nullptr;
    return e;
  }

  AstPtr filter_expr() {
    std::uint32_t b = cur().pos;
    AstPtr prim = primary();
    if (!prim || !at(Tok::LBracket)) return prim;
    auto f = node(ExprKind::Filter, b);
    f->args.push_back(std::move(prim));
    while (at(Tok::LBracket)) {
      AstPtr pred = predicate();
      if (!pred) return nullptr;
      f->args.push_back(std::move(pred));
    }
    close(*f);
    return finish(std::move(f));
  }

  AstPtr primary() {
    const Token& t = cur();
    switch (t.kind) {
      case Tok::Variable: {
        auto a = node(ExprKind::Variable, t.pos);
        a->text = t.text;
        ++i_;
        close(*a);
        return a;
      }
      case Tok::Literal: {
        auto a = node(ExprKind::String, t.pos);
        a->text = t.text;
        ++i_;
        close(*a);
        return a;
      }
      case Tok::Number: {
        auto a = node(ExprKind::Number, t.pos);
        a->number = t.number;
        ++i_;
        close(*a);
        return a;
      }
      case Tok::LParen: {
        ++i_;
        AstPtr e = expr();
        if (!e) return nullptr;
        if (!expect(Tok::RParen)) return nullptr;
        return e;
      }
      case Tok::FunctionName:
        return call();
      default:
        return fail_unexpected();
    }
  }

  AstPtr call() {
    const Token& name_tok = cur();
    auto a = node(ExprKind::Call, name_tok.pos);
    a->text = name_tok.text;
    ++i_;
    if (!expect(Tok::LParen)) return nullptr;
    if (!at(Tok::RParen)) {
      while (true) {
        AstPtr arg = expr();
        if (!arg) return nullptr;
        a->args.push_back(std::move(arg));
        if (accept(Tok::Comma)) continue;
        break;
      }
    }
    if (!expect(Tok::RParen)) return nullptr;
    close(*a);
    const FunctionSpec* fn = find_function(a->text);
    if (!fn) return fail_at("unknown function '" + a->text + "'", a->begin, ErrorCode::xpath_function);
    int n = static_cast<int>(a->args.size());
    if (n < fn->min_args || (fn->max_args >= 0 && n > fn->max_args)) {
      return fail_at("'" + a->text + "' takes " + arity_text(*fn) + ", not " + std::to_string(n),
                     a->begin, ErrorCode::xpath_function);
    }
    a->fn = fn;
    return finish(std::move(a));
  }

  static std::string arity_text(const FunctionSpec& f) {
    auto args = [](int k) { return std::to_string(k) + (k == 1 ? " argument" : " arguments"); };
    if (f.max_args < 0) return "at least " + args(f.min_args);
    if (f.min_args == f.max_args) return args(f.min_args);
    return std::to_string(f.min_args) + " to " + args(f.max_args);
  }

  std::string_view src_;
  std::vector<Token> toks_;
  std::size_t i_ = 0;
  int nesting_ = 0;
  ParseFailure failure_;
};

// True when `a` or anything below it calls a function for which `flag` is set.
bool any_call(const Ast& a, bool FunctionSpec::*flag) {
  if (a.kind == ExprKind::Call && a.fn && a.fn->*flag) return true;
  for (const auto& c : a.args)
    if (any_call(*c, flag)) return true;
  for (const auto& s : a.steps)
    for (const auto& p : s.predicates)
      if (any_call(*p, flag)) return true;
  return false;
}

}  // namespace
}  // namespace detail

Result<ExprPtr> parse(std::string_view text, SyntaxError* syntax) {
  auto failed = [&](ErrorCode code, const std::string& what, std::size_t pos) {
    if (syntax) *syntax = SyntaxError{what, pos};
    return Error::make(code, what + " at position " + std::to_string(pos + 1) + " in '" +
                                 excerpt(text, pos) + "'");
  };
  detail::LexResult lexed = detail::tokenize(text);
  if (!lexed.error.empty()) return failed(ErrorCode::xpath_syntax, lexed.error, lexed.error_pos);
  detail::Parser p(text, std::move(lexed.tokens));
  detail::AstPtr root = p.parse_all();
  if (!root) return failed(p.failure().code, p.failure().what, p.failure().pos);
  auto e = std::make_shared<Expr>();
  e->source = std::string(text);
  e->is_volatile = detail::any_call(*root, &FunctionSpec::volatile_result);
  e->reads_language = detail::any_call(*root, &FunctionSpec::reads_language);
  e->root = std::move(root);
  return ExprPtr(std::move(e));
}

}  // namespace khaosat::core::xpath
