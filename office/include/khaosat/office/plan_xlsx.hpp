// The plan as the XLSX workbook the office prints and signs (docs/office.md), through Debian's
// libxlsxwriter. Sheets: "Ngân sách" (per source: budget, funded total, cut rank), "Kế hoạch"
// (one row per need: eligible by source and rank, then the ineligible), "Giải thích" (each
// criterion's points for each need). Amounts and scores are numbers, not text. The file's
// creation time is fixed (1 January of the plan's year), so the same plan gives the same bytes.
#pragma once

#include <string>

#include "khaosat/office/plan.hpp"

namespace khaosat::office {

// Writes `path` (replacing it). io naming the path when libxlsxwriter cannot.
Status write_plan_xlsx(const Plan& plan, const std::string& path);

}  // namespace khaosat::office
