// What a form says about its own fields, read from its XForm XML (as the server publishes it):
// each leaf's label in the form's Vietnamese (or English) translation (the default language, else the first),
// its bind type, the choices of a select (value -> Vietnamese label), which groups are repeats,
// and the order of the fields in the primary instance. For exports and reports, which show
// Vietnamese headers and choice labels instead of field names and codes.
//
// Fields are keyed by their path below the instance root ("a1/est_name", "a7/needs/need_type").
// Pure values; read_form_labels keeps no state. Thread-safety: plain values.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "khaosat/core/result.hpp"

namespace khaosat::office {

struct FormField {
  std::string path;       // below the root: "a1/est_name"
  std::string name;       // the last step: "est_name"
  std::string label;      // Vietnamese label ("" when the form has none)
  std::string type;       // the bind's type without prefix: string, int, decimal, date, dateTime, geopoint, ... ("" = string)
  std::string repeat;     // path of the innermost repeat holding it ("" = top level)
  std::map<std::string, std::string> choices;  // value -> Vietnamese label (selects only)
};

struct FormLabels {
  std::string form_id, title;
  std::vector<FormField> fields;        // leaves in instance order (meta included)
  std::vector<std::string> repeats;     // repeat paths in instance order
  std::map<std::string, std::string> group_labels;  // group/repeat path -> label
  std::map<std::string, std::size_t> index;        // path -> position in fields
  const FormField* field(const std::string& path) const;
  // The Vietnamese label of a choice value of field `path`, or the value itself.
  std::string choice(const std::string& path, const std::string& value) const;
};

// plan.input naming `form_id` when the XML does not parse or has no primary instance. `lang`
// ("vi" or "en") picks the translation the labels come from (the default one when the form has
// no such language).
core::Result<FormLabels> read_form_labels(const std::string& form_id, const std::string& xform_xml,
                                          const std::string& lang = "vi");

}  // namespace khaosat::office
