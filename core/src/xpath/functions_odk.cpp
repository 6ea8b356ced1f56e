// The ODK XForms function library: registers every aspect's table (string, math, date,
// select, geo) on top of the XPath 1.0 core. Entries named like core ones (number, round)
// replace them, because register_odk_functions() runs after register_core_functions().
//
// Spec: https://getodk.github.io/xforms-spec/#xpath-functions; behaviour follows ODK Web Forms.
#include "xpath/functions.hpp"
#include "xpath/functions_odk.hpp"

namespace khaosat::core::xpath::detail {

void register_odk_functions() {
  for (const auto table : {odk::string_functions(), odk::math_functions(), odk::date_functions(),
                           odk::select_functions(), odk::geo_functions()}) {
    register_functions(table.data(), table.size());
  }
}

}  // namespace khaosat::core::xpath::detail
