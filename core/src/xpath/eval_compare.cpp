// Comparisons (XPath 1.0 section 3.4): node-sets compare existentially; otherwise booleans,
// then numbers, then strings decide the type for = and !=, and <, <=, >, >= compare numbers.
#include <cmath>
#include <string_view>

#include "xpath/eval_internal.hpp"

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

bool cmp_strings(ExprKind op, std::string_view l, std::string_view r) {
  if (op == ExprKind::Eq) return l == r;
  if (op == ExprKind::Ne) return l != r;
  return cmp_numbers(op, string_to_number(l), string_to_number(r));
}

// A node's string-value without copying for the common case of a leaf.
std::string_view node_text(const Node* n, std::string& buf) {
  if ((n->kind == NodeKind::Element && n->children.empty()) || n->kind == NodeKind::Attribute)
    return n->value;
  buf.clear();
  append_string_value(n, buf);
  return buf;
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

bool nodes_vs_nodes(ExprKind op, const NodeSet& l, const NodeSet& r) {
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
  for (const Node* b : r) rn.push_back(string_to_number(node_text(b, rb)));
  for (const Node* a : l) {
    double x = string_to_number(node_text(a, lb));
    for (double y : rn)
      if (cmp_numbers(op, x, y)) return true;
  }
  return false;
}

// node-set (on the left) against a non-node-set value.
bool nodes_vs_value(ExprKind op, const NodeSet& l, const Value& r) {
  if (r.is_boolean()) {
    bool lb = !l.empty();
    if (is_equality(op)) return cmp_numbers(op, lb, r.raw_boolean());
    return cmp_numbers(op, lb ? 1 : 0, r.raw_boolean() ? 1 : 0);
  }
  std::string buf;
  if (r.is_number()) {
    double y = r.raw_number();
    for (const Node* a : l)
      if (cmp_numbers(op, string_to_number(node_text(a, buf)), y)) return true;
    return false;
  }
  const std::string& y = r.raw_string();
  if (is_equality(op)) {
    for (const Node* a : l)
      if (cmp_strings(op, node_text(a, buf), y)) return true;
    return false;
  }
  double yn = string_to_number(y);
  for (const Node* a : l)
    if (cmp_numbers(op, string_to_number(node_text(a, buf)), yn)) return true;
  return false;
}

}  // namespace

bool compare(ExprKind op, const Value& l, const Value& r) {
  if (l.is_nodeset() && r.is_nodeset()) return nodes_vs_nodes(op, l.node_set(), r.node_set());
  if (l.is_nodeset()) return nodes_vs_value(op, l.node_set(), r);
  if (r.is_nodeset()) return nodes_vs_value(mirrored(op), r.node_set(), l);
  if (is_equality(op)) {
    if (l.is_boolean() || r.is_boolean())
      return cmp_numbers(op, l.to_boolean(), r.to_boolean());
    if (l.is_number() || r.is_number()) return cmp_numbers(op, l.to_number(), r.to_number());
    return cmp_strings(op, l.raw_string(), r.raw_string());
  }
  return cmp_numbers(op, l.to_number(), r.to_number());
}

}  // namespace khaosat::core::xpath::detail
