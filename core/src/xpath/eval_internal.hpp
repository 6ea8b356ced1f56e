// Private to the XPath evaluator: the pieces eval.cpp and eval_compare.cpp share.
#pragma once

#include "xpath/ast.hpp"

namespace khaosat::core::xpath::detail {

// The comparison operators (=, !=, <, <=, >, >=) with XPath 1.0 section 3.4's rules.
bool compare(ExprKind op, const Value& l, const Value& r);
// A location path's node-set, in document order.
NodeSet eval_path(const Ast& a, const Context& ctx);
// Filters `nodes` (in axis order) by one predicate: a number keeps the node at that proximity
// position, anything else is converted to boolean.
void apply_predicate(NodeSet& nodes, const Ast& pred, const Context& ctx);

}  // namespace khaosat::core::xpath::detail
