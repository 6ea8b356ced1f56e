// A canonical text dump of a FormDef (xform/form_def.hpp): everything a session reads of it,
// one line per item, so that two producers of a FormDef (the XForm loader reading the
// compiler's XML, and the XLSForm compiler building parts of the model itself) can be compared
// on whole forms and their first difference shown.
//
// Covered: title, id, version, root name, namespaces; the primary instance and every secondary
// instance (names, namespaces, attributes, values, in order); binds (every field, in order);
// translations (languages in order, texts by id, forms, literal and <output> parts); model
// actions; the body (every control field, items, itemsets, repeats, recursively); the entity
// declaration; warnings and missing attachments. Expressions are shown by their source text
// (an expression's tree is xpath::parse of it). Unordered containers are dumped sorted. Not
// covered: the plan (built from the rest by load_form), `source`, and the `line` of binds and
// controls: a position in the XML that was read, which for a compiled form is text nobody
// sees and which the direct build does not write (no message outside the loader's own reads
// it; the loader's warnings, which do, are compared whole).
#pragma once

#include <string>

#include "xform/form_def.hpp"

namespace khaosat::test {

std::string dump_form_def(const core::FormDef& def);

// The first line where two dumps differ, with a few lines of context from each, or "" when
// they are equal.
std::string first_dump_difference(const std::string& expected, const std::string& actual);

}  // namespace khaosat::test
