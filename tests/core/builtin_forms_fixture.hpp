// Test fixture for the built-in Lai Châu forms (forms/*.md, docs/forms.md): loads a form from the
// source tree through the public load_form (so the XLSForm compiler is part of what is tested),
// starts a session on a fixed clock and gives short helpers for answering and for reading values,
// relevance, labels and violation messages in the current language.
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "khaosat/core/form_session.hpp"

namespace khaosat::test {

inline constexpr const char* kVi = "Tiếng Việt (vi)";
inline constexpr const char* kEn = "English (en)";

// The session's clock: 26 November 2026, 10:00 in Lai Châu (03:00 UTC). The tests' dates and
// years (certificate ages, "this year") are relative to it.
inline constexpr const char* kSurveyNow = "2026-11-26T03:00:00Z";

// forms/<file> in the source tree.
std::string builtin_form_path(std::string_view file);

// Rows of a table, each as header -> cell.
using TableRows = std::vector<std::map<std::string, std::string>>;
// forms/<file>, an office table (CSV) read with the engine's CSV reader. REQUIREs it reads.
TableRows read_table(std::string_view file);
// The rows of choice list `list` in the choices sheet of forms/<form>, in order. REQUIREs the form
// reads as a workbook.
TableRows choice_rows(std::string_view form, std::string_view list);
// The whole text of forms/<file>.
std::string form_text(std::string_view file);

struct BuiltinForm {
  // Loads `path` (a built-in form or an edited copy of one) and starts a session at `now`, in the
  // form's default language, loading with `load`. REQUIREs that both succeed.
  explicit BuiltinForm(const std::string& path, const char* now = kSurveyNow,
                       const core::FormLoadOptions& load = {});

  core::NodeSnapshot at(std::string_view ref) const;  // REQUIREs the node exists
  std::string value(std::string_view ref) const { return at(ref).value; }
  bool relevant(std::string_view ref) const { return at(ref).relevant; }
  std::string label(std::string_view ref) const { return at(ref).label; }
  // The violation's message ("" when the node is valid) and its condition.
  std::string message(std::string_view ref) const;
  std::string condition(std::string_view ref) const;
  // The label of the chosen option of a select_one ("" when none is chosen).
  std::string chosen(std::string_view ref) const;
  // The values of a select's current choices, space-separated.
  std::string choices(std::string_view ref) const;
  // answer() that REQUIREs success.
  void set(std::string_view ref, std::string_view value);
  // One OCOP product row (forms A and C): name, group, sub-group and stars ("" leaves stars out).
  void ocop_product(const std::string& row, std::string_view name, std::string_view group,
                    std::string_view sub_group, std::string_view stars);
  void lang(std::string_view language);

  core::Form form;
  std::unique_ptr<core::FormSession> s;
};

}  // namespace khaosat::test
