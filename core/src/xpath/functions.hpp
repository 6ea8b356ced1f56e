// Private to the XPath engine: the hooks that build the function table, and small helpers the
// core library (functions_core.cpp) and the ODK library (functions_odk*.cpp) both use.
//
// The table is built lazily on the first find_function()/register_functions() call:
// register_core_functions() runs first, then register_odk_functions(), so an ODK entry with the
// same name as a core one (e.g. the date-aware `number`) replaces it. Nothing depends on the
// order of static initialisation across translation units.
#pragma once

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "xpath/functions_odk.hpp"
#include "xpath/xpath.hpp"

namespace khaosat::core::xpath::detail {

// Defined in functions_core.cpp: registers the XPath 1.0 core functions, instance(), current().
void register_core_functions();
// Defined in functions_odk.cpp (the ODK library): registers the ODK XForms functions.
void register_odk_functions();

// Argument conversions (XPath 1.0 function-call conversions, numbers as ODK reads them).
inline std::string arg_string(const std::vector<Value>& args, std::size_t i) {
  return args[i].to_string();
}
// The argument as a number: a date string or node is days since 1970-01-01, a blank node NaN.
inline double arg_number(const std::vector<Value>& args, std::size_t i, const Context& ctx) {
  return odk::date_aware_number(args[i], *ctx.env);
}
inline bool arg_boolean(const std::vector<Value>& args, std::size_t i) {
  return args[i].to_boolean();
}
// The argument as a node-set; throws EvalError naming `fn` when it is not one.
const NodeSet& arg_nodes(const std::vector<Value>& args, std::size_t i, const char* fn);

// A node's string-value; for a leaf, an attribute or a text node a view of its value (no copy),
// otherwise the concatenation, built in `buf`.
std::string_view node_text(const Node* n, std::string& buf);

// XPath whitespace: space, tab, CR, LF.
inline bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Sorts a node-set into document order and removes duplicates (Tree::ensure_order() is called
// for every tree involved; nodes of different trees order by tree address, stable per run).
void sort_document_order(NodeSet& nodes);

}  // namespace khaosat::core::xpath::detail
