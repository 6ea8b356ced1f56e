// Private to the XPath engine: the parsed form of an expression.
//
// The AST is a tree of Ast nodes owned through unique_ptr; an Expr (the public handle) owns the
// root and the source text. Everything here is immutable once parse() returns, so a parsed
// expression can be shared by every evaluation and every thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "xpath/functions.hpp"
#include "xpath/xpath.hpp"

namespace khaosat::core::xpath {

namespace detail {

enum class ExprKind : std::uint8_t {
  Number, String, Variable,
  Or, And, Eq, Ne, Lt, Le, Gt, Ge, Add, Sub, Mul, Div, Mod, Neg, Union,
  Call,    // fn, args
  Filter,  // args[0] = primary, args[1..] = predicates
  Path,    // start (+ args[0] when start == Expr), steps
};

enum class Axis : std::uint8_t {
  Child, Descendant, Parent, Ancestor, FollowingSibling, PrecedingSibling, Following, Preceding,
  Attribute, Namespace, Self, DescendantOrSelf, AncestorOrSelf,
};

inline bool is_reverse(Axis a) {
  return a == Axis::Parent || a == Axis::Ancestor || a == Axis::AncestorOrSelf ||
         a == Axis::Preceding || a == Axis::PrecedingSibling;
}

enum class TestKind : std::uint8_t {
  Name,       // name (qualified as written), local = local part when prefixed
  PrefixAny,  // prefix:*  (name = prefix)
  Any,        // *
  Node,       // node()
  Text,       // text()
  Comment,    // comment()
  PI,         // processing-instruction('target'?)  (name = target)
};

struct Ast;
using AstPtr = std::unique_ptr<Ast>;

struct Step {
  Axis axis = Axis::Child;
  TestKind test = TestKind::Node;
  std::string name;
  std::string local;  // Name tests with a prefix: the local part; else empty
  std::vector<AstPtr> predicates;
  bool abbreviated = false;    // a descendant step written "//name"
  bool elements_only = false;  // "//" before a child step: text nodes cannot contribute
};

enum class PathStart : std::uint8_t { Context, Root, Expr };

struct Ast {
  ExprKind kind = ExprKind::Number;
  PathStart start = PathStart::Context;  // Path only
  double number = 0;                     // Number literal
  std::string text;                      // String literal, variable name, function name
  const FunctionSpec* fn = nullptr;      // Call
  std::vector<AstPtr> args;              // operands / call arguments / filter parts
  // Binary operators: a chain of one precedence level ("a + b - c", "x or y or z") is one node,
  // so a flat chain of thousands of terms is not thousands of levels deep. ops[i] joins the
  // result so far with args[i + 1], left to right; kind is ops[0].
  std::vector<ExprKind> ops;
  std::vector<Step> steps;               // Path
  std::uint32_t depth = 1;               // height of this subtree (bounded by the parser)
  std::uint32_t begin = 0;               // source span [begin, end) in bytes
  std::uint32_t end = 0;
};

// Evaluates a sub-expression; the entry point evaluate() forwards here.
Value eval(const Ast& a, const Context& ctx);

}  // namespace detail

struct Expr {
  std::string source;
  detail::AstPtr root;
  bool is_volatile = false;
  bool reads_language = false;  // calls jr:itext() or jr:choice-name() (see xpath.hpp)
};

}  // namespace khaosat::core::xpath
