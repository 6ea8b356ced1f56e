// The year's submissions parsed once for the reports (report.cpp, report_tables.cpp). Private
// to khaosat_office.
#pragma once

#include <pugixml.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "khaosat/office/report.hpp"

namespace khaosat::office::report_data {

// One submission of form A, B or C with its parsed instance.
struct Sub {
  const SubmissionRow* row = nullptr;
  const FormLabels* labels = nullptr;
  char form = 0;                         // 'A', 'B' or 'C'
  std::unique_ptr<pugi::xml_document> doc;
  // The text of the first element named `name` (field names are unique in a form), or "".
  std::string get(const char* name) const;
  // Every element named `name` (a repeat's instances).
  std::vector<pugi::xml_node> all(const char* name) const;
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
