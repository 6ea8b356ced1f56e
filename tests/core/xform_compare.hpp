// A semantic comparison of two ODK XForm documents, for checking the XLSForm compiler against
// pyxform's expected outputs: both are parsed and compared as trees, not as text.
//
// Normalised away: attribute order; namespace prefixes (names compare by namespace URI, shown
// with the usual prefixes h:, jr:, odk:, orx:); whitespace (runs collapse to one space, text is
// trimmed, and expression attributes — nodeset, ref, relevant, calculate, ... — lose all
// whitespace outside string literals, so pyxform's " /data/x " equals "/data/x"); the order of
// the model's children (itext, instances, binds, actions, submission), of translations, of
// texts in a translation, of values in a text, and of the fields inside a choice item.
// Kept: the order of the primary instance, of choices and of the body, every attribute and text.
#pragma once

#include <optional>
#include <string>

namespace khaosat::test {

// The first difference between the two documents, as "PATH: what" (PATH like
// "/h:html/h:head/model/bind[@nodeset='/data/a']/@relevant"), or nullopt when equivalent.
// A document that does not parse is a difference too.
std::optional<std::string> xform_difference(const std::string& expected,
                                            const std::string& actual);

}  // namespace khaosat::test
