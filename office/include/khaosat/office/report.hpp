// The office's reports of a year (issue 12 §4, docs/office.md "Reports"): establishments by
// commune, sector and legal form; the OCOP register with certificates expiring within 6 months;
// craft villages with the criteria met and missing; the support ledger; survey coverage of every
// commune; and the data-quality queue. Computed once (make_report) into plain tables, then
// written as one XLSX workbook (a sheet per report) and as one self-contained HTML page.
//
// "As of" is a date the caller gives (the server's clock by default, `--as-of` to fix it): the
// OCOP certificates expiring within 6 months and the devices not synced for 14 days are counted
// from it. Nothing here reads a clock, so the same input gives the same bytes.
// Thread-safety: plain values and functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "khaosat/office/duplicates.hpp"
#include "khaosat/office/export.hpp"
#include "khaosat/office/plan.hpp"

namespace khaosat::office {

struct DeviceSeen {
  std::string device_id, name;
  std::int64_t last_seen = 0;  // ms since the epoch; 0 = never synced
  bool revoked = false;
};

struct ReportInput {
  int year = 0;
  int as_of_year = 0, as_of_month = 0, as_of_day = 0;   // the report's date (UTC)
  std::vector<FormData> forms;                          // published forms and current submissions
  std::map<std::string, Commune> communes;              // forms/communes.csv
  std::vector<std::string> commune_order;               // its names in file order
  std::vector<DeviceSeen> devices;
  std::vector<DuplicateGroup> registry_duplicates;      // from the registries (duplicates.hpp)
};

// A cell: text, or a number (shown with `decimals`), or an ISO date (YYYY-MM-DD).
struct Cell {
  std::string text;
  std::optional<double> number;
  bool date = false;
  int decimals = 0;
  static Cell of(std::string t) { return Cell{std::move(t), std::nullopt, false, 0}; }
  static Cell num(double v, int decimals = 0) { return Cell{{}, v, false, decimals}; }
  static Cell day(std::string iso) { return Cell{std::move(iso), std::nullopt, true, 0}; }
};

struct Chart {
  std::string title;                                  // Vietnamese / English
  std::vector<std::pair<std::string, double>> bars;   // label, value, in the order to draw
};

struct Table {
  std::string id;                     // establishments, ocop, villages, ledger, coverage, quality
  std::string sheet;                  // the XLSX sheet name (Vietnamese, <= 31 characters)
  std::string title_vi, title_en, note;
  std::vector<std::string> columns;   // "Xã/phường (commune)"
  std::vector<std::vector<Cell>> rows;
  bool total_row = false;             // the last row is a total
  std::vector<Chart> charts;
};

struct MapPoint {
  double lat = 0, lon = 0;
  std::string kind;                   // establishment or craft_village
  std::string name, commune;          // commune: its Vietnamese name
};

// One commune on the map: where its located records are (the mean of their GPS points) and what
// it holds, from the year's submissions not rejected. Only communes with a located record.
struct CommuneMarker {
  std::string code, name;             // name: the Vietnamese one, without "Xã " / "Phường "
  double lat = 0, lon = 0;
  int located = 0;                    // the located records of forms A and B the mean is over
  int establishments = 0, villages = 0, needs = 0;  // A and B submissions, needs of A, B and C (n_needs)
};

struct Report {
  int year = 0;
  std::string as_of;                  // YYYY-MM-DD
  std::vector<std::pair<std::string, std::string>> summary;  // headline figures: label, value
  std::vector<Table> tables;          // in the order above
  std::vector<MapPoint> points;       // the located submissions of forms A and B (real GPS only)
  std::vector<CommuneMarker> markers; // by commune code
};

// The year's submissions: survey date (A, B) or registration date (C) in `year`. Statistics
// leave out rejected submissions; coverage and the quality queue show every one.
Report make_report(const ReportInput& input);

// One sheet per table, charts left to the HTML. Creation time: the as-of date. io naming the
// path when it cannot be written.
Status write_report_xlsx(const Report& report, const std::string& path);

// One HTML page, self-contained (inline CSS and SVG, no script, no external file), Vietnamese
// first, printable on A4 with a page break before each report.
std::string report_html(const Report& report);

}  // namespace khaosat::office
