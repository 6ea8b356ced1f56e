// Helpers shared by the XLSForm compiler suites (tests/core/xlsform_*_test.cpp): markdown
// workbooks compiled to XForm XML, to an error message, or to a running session. Each REQUIREs
// the outcome it promises, so a test reads as the form and its expectations.
#pragma once

#include <memory>
#include <string>

#include "khaosat/core/form_session.hpp"

namespace khaosat::test {

// The XForm XML of a markdown XLSForm (REQUIREs that it converts).
std::string xlsform_xml(const std::string& md);

// The message of the compile (or load) failure of a markdown XLSForm (REQUIREs that it fails).
// Attachments load blank: a form compiled from text has no folder.
std::string compile_error(const std::string& md);

// A session on a markdown XLSForm, compiled, planned and started with fixed_env() (REQUIREs
// success). Attachments load blank.
std::unique_ptr<core::FormSession> xlsform_session(const std::string& md,
                                                   std::string language = "");

// Whether `text` contains `part`; prints `text` when it does not, to show what was there.
bool has(const std::string& text, const std::string& part);

}  // namespace khaosat::test
