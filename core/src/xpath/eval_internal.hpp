// Private to the XPath evaluator: the pieces eval.cpp and eval_compare.cpp share.
#pragma once

#include "xpath/ast.hpp"

namespace khaosat::core::xpath::detail {

// The comparison operators (=, !=, <, <=, >, >=) as ODK makes them (see eval_compare.cpp);
// `env` gives the time zone of dates without an offset.
bool compare(ExprKind op, const Value& l, const Value& r, Environment& env);
// A location path's node-set, in document order.
NodeSet eval_path(const Ast& a, const Context& ctx);
// Filters `nodes` (in axis order) by one predicate: a number keeps the node at that proximity
// position, anything else is converted to boolean.
void apply_predicate(NodeSet& nodes, const Ast& pred, const Context& ctx);

}  // namespace khaosat::core::xpath::detail
