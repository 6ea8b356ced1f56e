// Comparisons (=, !=, <, <=, >, >=) as ODK's engine makes them, which is XPath 1.0 section 3.4
// with ODK's number conversion and one difference for booleans:
//   * node-set against node-set: some pair of nodes compares true; = and != compare the nodes'
//     strings, the others their numbers;
//   * node-set against a boolean: = and != compare the node-set's boolean, but <, <=, >, >=
//     compare each node's number with the boolean's 0 or 1 (XPath 1.0 would use the node-set's
//     boolean; ODK and JavaRosa both compare numbers);
//   * node-set against a number or string: some node compares true, = and != against a string
//     comparing strings, everything else numbers;
//   * otherwise: = and != compare booleans if either side is one, else numbers if either side is
//     one (ODK's date values are numbers), else strings; the others compare numbers.
// Numbers are ODK's: strings and nodes that read as dates are days since 1970-01-01, a node
// that is blank is NaN (see detail::odk::date_aware_number).
#include <cmath>
#include <string_view>
#include <vector>

#include "xpath/eval_internal.hpp"
#include "xpath/functions_odk.hpp"

namespace khaosat::core::xpath::detail {
namespace {

bool is_equality(ExprKind op) { return op == ExprKind::Eq || op == ExprKind::Ne; }

bool cmp_numbers(ExprKind op, double l, double r) {
  switch (op) {
    case ExprKind::Eq: return l == r;
    case ExprKind::Ne: return l != r;
    case ExprKind::Lt: return l < r;
    case ExprKind::Le: return l <= r;
    case ExprKind::Gt: return l > r;
    case ExprKind::Ge: return l >= r;
    default: return false;
  }
}

// = or != only.
bool cmp_strings(ExprKind op, std::string_view l, std::string_view r) {
  return op == ExprKind::Eq ? l == r : l != r;
}

ExprKind mirrored(ExprKind op) {
  switch (op) {
    case ExprKind::Lt: return ExprKind::Gt;
    case ExprKind::Le: return ExprKind::Ge;
    case ExprKind::Gt: return ExprKind::Lt;
    case ExprKind::Ge: return ExprKind::Le;
    default: return op;
  }
}

bool nodes_vs_nodes(ExprKind op, const NodeSet& l, const NodeSet& r, Environment& env) {
  if (l.empty() || r.empty()) return false;
  std::string lb, rb;
  if (is_equality(op)) {
    for (const Node* a : l) {
      std::string_view as = node_text(a, lb);
      for (const Node* b : r)
        if (cmp_strings(op, as, node_text(b, rb))) return true;
    }
    return false;
  }
  std::vector<double> rn;
  rn.reserve(r.size());
  for (const Node* b : r) rn.push_back(odk::node_number(b, env));
  for (const Node* a : l) {
    double x = odk::node_number(a, env);
    for (double y : rn)
      if (cmp_numbers(op, x, y)) return true;
  }
  return false;
}

// node-set (on the left) against a non-node-set value.
bool nodes_vs_value(ExprKind op, const NodeSet& l, const Value& r, Environment& env) {
  if (is_equality(op) && r.is_boolean()) return cmp_numbers(op, !l.empty(), r.raw_boolean());
  if (is_equality(op) && r.is_string()) {
    std::string buf;
    for (const Node* a : l)
      if (cmp_strings(op, node_text(a, buf), r.raw_string())) return true;
    return false;
  }
  const double y = odk::date_aware_number(r, env);
  for (const Node* a : l)
    if (cmp_numbers(op, odk::node_number(a, env), y)) return true;
  return false;
}

}  // namespace

bool compare(ExprKind op, const Value& l, const Value& r, Environment& env) {
  if (l.is_nodeset() && r.is_nodeset()) return nodes_vs_nodes(op, l.node_set(), r.node_set(), env);
  if (l.is_nodeset()) return nodes_vs_value(op, l.node_set(), r, env);
  if (r.is_nodeset()) return nodes_vs_value(mirrored(op), r.node_set(), l, env);
  if (is_equality(op)) {
    if (l.is_boolean() || r.is_boolean())
      return cmp_numbers(op, l.to_boolean(), r.to_boolean());
    if (!l.is_number() && !r.is_number()) return cmp_strings(op, l.raw_string(), r.raw_string());
  }
  return cmp_numbers(op, odk::date_aware_number(l, env), odk::date_aware_number(r, env));
}

}  // namespace khaosat::core::xpath::detail
