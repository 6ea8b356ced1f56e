// XPath 1.0 with the ODK XForms function library: values, the parsed expression (AST), the
// evaluation context, the function table, and static dependency analysis.
//
// Expressions are parsed once (parse()) into an immutable AST shared by every evaluation.
// evaluate() never mutates the trees it reads. Runtime failures that ODK reports as errors
// (an invalid regex, instance('x') naming no instance, a wrong argument) throw EvalError; the
// session catches it at its boundary and turns it into an Error. Parse errors and unknown
// functions / wrong arity are reported by parse() as Errors naming the expression and position.
//
// Thread-safety: a parsed Expr is immutable and may be shared; evaluation is not thread-safe
// with respect to the trees it reads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "khaosat/core/result.hpp"
#include "model/tree.hpp"

namespace khaosat::core::xpath {

using NodeSet = std::vector<Node*>;

// An XPath value: boolean, number, string or node-set. Node-sets are kept in document order
// without duplicates whenever they come out of a path or union.
//
// A number may also carry its own string and boolean forms: ODK's date values. today(), now(),
// date(), date-time() and number('2020-01-01T12:00:00Z') give a number of days since
// 1970-01-01 that compares and computes as a number (is_number() is true) but converts to
// string as the date ("2020-01-01") -- or, for number() of a date, as the whole days
// ("18262" while the number is 18262.5) -- and to boolean as ODK says (see Value::date()).
class Value {
 public:
  enum class Type : std::uint8_t { Boolean, Number, String, NodeSet };

  Value() : type_(Type::String) {}
  static Value boolean(bool b) { Value v; v.type_ = Type::Boolean; v.b_ = b; return v; }
  static Value number(double d) { Value v; v.type_ = Type::Number; v.d_ = d; return v; }
  static Value string(std::string s) { Value v; v.type_ = Type::String; v.s_ = std::move(s); return v; }
  static Value nodes(NodeSet ns) { Value v; v.type_ = Type::NodeSet; v.n_ = std::move(ns); return v; }
  // A date value (ODK's DateTimeLikeEvaluation): the number `days`, shown as `text`, true or
  // false as `truth`. An unreadable date is date(NaN, "Invalid Date", false).
  static Value date(double days, std::string text, bool truth) {
    Value v = number(days);
    v.dated_ = true;
    v.s_ = std::move(text);
    v.b_ = truth;
    return v;
  }

  Type type() const { return type_; }
  bool is_nodeset() const { return type_ == Type::NodeSet; }
  bool is_number() const { return type_ == Type::Number; }
  bool is_string() const { return type_ == Type::String; }
  bool is_boolean() const { return type_ == Type::Boolean; }
  bool is_date() const { return dated_; }  // a number made by Value::date()

  // XPath 1.0 conversions (boolean(), number(), string()). to_number() does not read dates
  // (it has no time zone): the evaluator converts strings and nodes with ODK's date-aware
  // rules instead ('2020-01-01' is 18262 there), see detail::odk::date_aware_number(). Like
  // ODK, a node whose text is empty or only whitespace converts to NaN.
  bool to_boolean() const;
  double to_number() const;
  std::string to_string() const;

  const NodeSet& node_set() const { return n_; }  // empty unless is_nodeset()
  NodeSet& node_set() { return n_; }
  const std::string& raw_string() const { return s_; }  // only when is_string()
  bool raw_boolean() const { return b_; }
  double raw_number() const { return d_; }

 private:
  Type type_;
  bool dated_ = false;  // Number only: s_ and b_ hold the string and boolean forms
  bool b_ = false;
  double d_ = 0;
  std::string s_;
  NodeSet n_;
};

// XPath number -> string as ODK (the reference engine, which uses JavaScript's rules) prints it:
// shortest round-trip digits, integers without a decimal point, "Infinity", "-Infinity", -0 as
// "0", NaN as "" (XPath 1.0 says "NaN"), and exponent notation for |x| >= 1e21 or < 1e-6
// ("1e+21", "1e-7"; XPath 1.0 says no exponent). Checked with the odk-oracle.
std::string number_to_string(double d);
// XPath string -> number as ODK does it: "" is NaN; otherwise JavaScript's Number(): surrounding
// whitespace allowed (whitespace only is 0), optional sign, decimal digits with optional '.' and
// exponent, "Infinity", 0x/0o/0b integers; anything else is NaN.
double string_to_number(std::string_view s);

class EvalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What an expression can ask of the form it runs in. The session implements it; tests may
// implement it directly. All methods have simple defaults so a test needs only what it uses.
class Environment {
 public:
  virtual ~Environment() = default;
  // instance('id'): the root element of a secondary instance, or null when there is none.
  // The XPath function instance('id') returns that element's PARENT (the instance's document
  // node), so that instance('id')/root/item selects the items.
  virtual Node* instance(std::string_view id) { (void)id; return nullptr; }
  // The primary instance's document node ("/" paths start here).
  virtual Node* primary_document() { return nullptr; }
  // Clock: milliseconds since the Unix epoch (UTC). now(), today(), timestamp preloads.
  virtual double now_ms();
  // Offset of local time from UTC in minutes at the given instant (for today() and formatting).
  virtual int tz_offset_minutes(double epoch_ms);
  // A pseudo-random number in [0, 1) for random(); deterministic engines override.
  virtual double random();
  // A new random UUID v4 string (for uuid()).
  virtual std::string uuid();
  // jr:itext(id) in the current language, or "" when unknown.
  virtual std::string itext(std::string_view id) { (void)id; return {}; }
  // jr:choice-name(value, node): the label of `value` among the choices of the select bound to
  // `select_node`, in the current language; "" when unknown.
  virtual std::string choice_name(std::string_view value, Node* select_node) {
    (void)value; (void)select_node; return {};
  }
  // Properties for preloads / pulldata: jr:preload="property" values (deviceid, username ...).
  virtual std::string property(std::string_view name) { (void)name; return {}; }
};

// The evaluation context of one (sub)expression.
struct Context {
  Node* node = nullptr;        // context node
  std::size_t position = 1;    // 1-based
  std::size_t size = 1;
  Node* current = nullptr;     // current(): the context node of the outermost expression
  Environment* env = nullptr;  // never null during evaluation
};

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

// A built-in function. `args` are already evaluated (the function may consume them).
using FunctionImpl = Value (*)(std::vector<Value>& args, const Context& ctx);

namespace detail {
struct Ast;
}

// The unevaluated arguments of one call, for a function that evaluates only the arguments it
// needs, as ODK does for if() and coalesce(): an error (or a cost) in an argument not taken
// never happens. Valid only during that call.
class LazyArgs {
 public:
  LazyArgs(const detail::Ast& call, const Context& ctx) : call_(call), ctx_(ctx) {}
  std::size_t size() const;
  // Evaluates argument i (0-based) in the call's context; may throw EvalError.
  Value eval(std::size_t i) const;

 private:
  const detail::Ast& call_;
  const Context& ctx_;
};
using LazyFunctionImpl = Value (*)(const LazyArgs& args, const Context& ctx);

struct FunctionSpec {
  const char* name;   // as called: "concat", "jr:choice-name", "format-date"
  int min_args;
  int max_args;       // -1: any number
  FunctionImpl impl;  // null when lazy_impl is set
  bool volatile_result = false;  // now(), random(), uuid(): never cached, never constant-folded
  LazyFunctionImpl lazy_impl = nullptr;  // set: called instead of impl, arguments unevaluated
  // jr:itext(), jr:choice-name(): the result depends on the session's current language, so
  // expressions calling it must run again when the language changes.
  bool reads_language = false;
};

// The function table: XPath 1.0 core functions plus the ODK library. Lookup accepts the name as
// written ("jr:choice-name") and, for prefixed names, also the local part.
const FunctionSpec* find_function(std::string_view name);
// Registers functions (the core table registers itself; the ODK library adds to it). An entry
// with the name of an existing one replaces it. Register before parsing on other threads: the
// table itself is not locked.
void register_functions(const FunctionSpec* specs, std::size_t count);

// Why and where an expression did not parse, for callers that point at the spot in their own
// terms (the XLSForm compiler maps the position back to the designer's text).
struct SyntaxError {
  std::string what;                          // "expected ')'", "unknown function 'foo'"
  std::size_t pos = std::string_view::npos;  // byte offset into the text; npos when none
};

// Parse once. Errors name the 1-based position and quote the expression -- all of it when it
// is short, else a bounded excerpt around the position (base/excerpt.hpp), once:
//   "expected ')' at position 12 in 'concat(a, b'"
//   "unknown function 'foo' at position 1 in 'foo(1)'"
//   "'substr' takes 2 to 3 arguments, not 1 at position 1 in '...'"
// When `syntax` is given, a failure also fills it in.
Result<ExprPtr> parse(std::string_view text, SyntaxError* syntax = nullptr);

// Evaluate against a context. Throws EvalError on a runtime failure (see the header comment).
Value evaluate(const Expr& e, const Context& ctx);
inline Value evaluate(const ExprPtr& e, const Context& ctx) { return evaluate(*e, ctx); }

// Static dependencies: the absolute instance paths an expression reads, predicates stripped,
// resolved against `context_path` (the absolute path of the node the expression runs at, e.g.
// "/data/rep/q"). A path into a secondary instance comes back as "instance('id')/root/item..."
// Relative paths and ".."/"." are resolved; current() is resolved to `context_path` too, and so
// is the context node that string(), string-length(), normalize-space() and number() read when
// called without an argument. Each path comes in one of three forms:
// - "/data/g": the expression reads the nodes' values. The value of a group, a repeat instance
//   or the document ("/") is the text of everything below it, so a change anywhere below
//   matters (string(/data/g), a calculate of "/").
// - "/data/rep" + kDependencyNodesOnly ("/data/rep#nodes"): it reads only which nodes there are
//   (count(), position(), name(), the repeats of indexed-repeat()), not their values, so only
//   instances added or removed there matter. This keeps count(/data/rep) and position(..) from
//   re-running on every answer inside a repeat.
// - "/data" + kDependencySubtree ("/data/**"): a path the analysis cannot follow exactly (a
//   descendant axis, a wildcard, a sideways axis), reported by its deepest known prefix: the
//   expression may read anything below it ("/data//x" -> "/data/**").
// - "/data/rep/q" + kDependencySelf ("/data/rep/q#self"): it reads the value of the node it runs
//   at, and only that node (".", current(), string() without an argument): a change at another
//   node of the same path ("/data/rep[7]/q" for an expression at "/data/rep[3]/q") does not
//   matter. This keeps coalesce(., 'x') in a repeat of n instances from re-running n times on
//   each of the n changes.
inline constexpr std::string_view kDependencySubtree = "/**";
inline constexpr std::string_view kDependencyNodesOnly = "#nodes";
inline constexpr std::string_view kDependencySelf = "#self";
std::vector<std::string> dependencies(const Expr& e, std::string_view context_path);

// True when the expression's value can change without any instance change (now(), random() ...).
bool is_volatile(const Expr& e);

// True when the expression calls a function whose result depends on the session's language
// (jr:itext, jr:choice-name): it must run again after a language switch.
bool reads_language(const Expr& e);

// True when the expression's result can depend on the node it runs at (or its position and
// the context size): current() anywhere; outside predicates, a relative path or a function that
// reads the context without being given it (string(), name(), position(), last(), lang(),
// once() ...). An expression for which it is false gives the same result at every node, for the
// same instance data: an itemset's nodeset shared by several selects (session_compute.cpp).
bool reads_context(const Expr& e);
// True when the expression calls current() (an itemset's value and label refs run at each item,
// with the select as current()).
bool reads_current(const Expr& e);
// True when the expression draws random numbers: a volatile function (random(), uuid(), now())
// or randomize() without a seed. Two evaluations may differ with nothing changed.
bool draws_random(const Expr& e);

// The source text the expression was parsed from.
const std::string& source(const Expr& e);

// If the expression is a plain location path (e.g. "/data/a", "../b", "instance('x')/root/item")
// returns it normalized as text; otherwise empty. Used for refs and itemset nodesets.
std::string as_path_text(const Expr& e);

}  // namespace khaosat::core::xpath
