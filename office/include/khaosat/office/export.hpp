// Exports of the server's submissions that the office opens without help (issue 12 §4,
// docs/office.md "Exports"): one XLSX workbook with a sheet per form and a sheet per repeat
// (linked to its parent row by key), Vietnamese headers from the form's labels with the field
// name, dates as Excel dates and numbers as numbers; and GeoJSON of the located establishments
// (form A) and craft villages (form B) for QGIS.
//
// The caller (platforms/server) reads the storage and gives plain values; nothing here opens a
// database. Output is deterministic for the same input. Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "khaosat/office/form_labels.hpp"
#include "khaosat/office/plan.hpp"

namespace khaosat::office {

// One stored submission, as the exports and reports need it.
struct SubmissionRow {
  std::string instance_id, form_id, form_version, device_id, xml;
  std::string state;             // the latest review: approved, rejected, has_issues, or "received"
  std::int64_t received_at = 0;  // ms since the epoch
};

// A form's labels and its current submissions (those no edit replaced), in the order to write.
struct FormData {
  FormLabels labels;
  std::vector<SubmissionRow> submissions;
};

// The rows of one sheet of the export: a form's top-level answers, or one repeat's instances.
// Each row maps a field path (form_labels.hpp) to its text; `key` identifies the row
// (the instance id, or "<parent key>/<repeat name>[n]" for a repeat instance), `parent` the row
// it belongs to ("" on the form's sheet).
struct ExportRow {
  std::string key, parent;
  const SubmissionRow* submission = nullptr;
  std::map<std::string, std::string> values;
};
struct ExportSheet {
  std::string repeat;            // "" = the form's own sheet, else the repeat's path
  std::vector<const FormField*> columns;
  std::vector<ExportRow> rows;
};
// The form's sheet first, then one per repeat in instance order. plan.input naming the instance
// when a submission's XML does not parse.
core::Result<std::vector<ExportSheet>> flatten(const FormData& form);

// Writes every form (sheet names: the form id, and "<form id>.<repeat>" cut to Excel's 31
// characters). `created` (seconds since the epoch) is the workbook's creation time, so the same
// data gives the same bytes. io naming the path when the file cannot be written.
Status write_export_xlsx(const std::vector<FormData>& forms, const std::string& path, std::int64_t created);

// GeoJSON FeatureCollection (RFC 7946: [longitude, latitude]) of every submission of forms A and
// B with a GPS point in range; properties: kind, form_id, instance_id, name, commune,
// commune_name, village, state. Submissions without a usable point are left out.
std::string export_geojson(const std::vector<FormData>& forms, const std::map<std::string, Commune>& communes);

// "lat lon [alt [accuracy]]" (an ODK geopoint) -> {lat, lon}, or false when it is not one.
bool parse_geopoint(const std::string& text, double& lat, double& lon);

}  // namespace khaosat::office
