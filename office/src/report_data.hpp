// The year's submissions parsed once for the reports (report.cpp, report_tables.cpp). Private
// to khaosat_office.
#pragma once

#include <map>
#include <unordered_map>
#include <string>
#include <vector>

#include "khaosat/office/report.hpp"

namespace khaosat::office::report_data {

// The leaves of one repeat instance: name -> text.
using Fields = std::map<std::string, std::string>;
const std::string& at(const Fields& f, const char* name);  // "" when absent

// One submission of form A, B or C: what the reports read of its instance, extracted once (the
// parsed XML is not kept: 10,000 pugixml documents would hold 30 KB pages each).
struct Sub {
  const SubmissionRow* row = nullptr;
  const FormLabels* labels = nullptr;
  char form = 0;                         // 'A', 'B' or 'C'
  std::unordered_map<std::string, std::string> fields;  // each leaf name's first text
  std::vector<Fields> ocop_products, received;          // the repeats the reports list
  // The text of the first element named `name` (field names are unique in a form), or "".
  const std::string& get(const char* name) const;
  // The instances of the repeat `name` (ocop_products or received).
  const std::vector<Fields>& all(const char* name) const;
  bool rejected() const { return row->state == "rejected"; }
  // The applicant's name: establishment, "craft – village", or cooperative.
  std::string name() const;
};

struct Data {
  const ReportInput* input = nullptr;
  std::vector<Sub> subs;                 // of the year, in form then storage order
  std::map<std::string, const FormLabels*> labels;  // form letter -> labels
  // A choice's Vietnamese label for the field `name` of form `form` (the value when unknown).
  std::string choice(char form, const std::string& name, const std::string& value) const;
  // A field's Vietnamese label (its name when the form has none).
  std::string label(char form, const std::string& name) const;
  std::string commune(const std::string& code) const;  // Vietnamese name, or the code
};

Data load(const ReportInput& input);

// Report tables (report_tables.cpp).
Table establishments(const Data& d);
Table ocop(const Data& d);
Table villages(const Data& d);
Table ledger(const Data& d);
Table coverage(const Data& d);
Table quality(const Data& d);

}  // namespace khaosat::office::report_data
