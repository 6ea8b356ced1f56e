// What the office's exports and reports read from the server's storage (office_data.cpp): the
// published forms with their labels, and each form's current submissions (not one a later edit
// replaced) with their review state. Shared by `export` and `report`.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "khaosat/office/export.hpp"
#include "khaosat/sync/server_storage.hpp"

namespace khaosat::server_cli {

// Every published form (its current version's labels), sorted by form id, or only `only_form`
// (sync.not_found naming it when it is not published). Submissions in the storage's order.
core::Result<std::vector<office::FormData>> load_form_data(sync::ServerStorage& storage, const std::string& only_form);

// The office's tables (docs/office.md "Changing the rules"): plan_rules.csv and communes.csv in
// the data folder DIR when the office has them there (init copies the shipped ones), else the
// shipped forms/ ones; an error naming the missing one when DIR has only one of the two, so that
// `plan`, `report`, `demo-data` and `serve` (the app's plan tab) always read the same pair.
core::Result<std::string> office_tables_dir(const std::string& data);
// Copies the shipped plan_rules.csv and communes.csv into DIR unless DIR has either already
// (an office's edits are never overwritten); the paths written go to `installed`.
core::Status install_office_tables(const std::string& data, std::vector<std::string>* installed = nullptr);
// The communes of the office's communes.csv (office_tables_dir): by name, and (when `order` is
// given) their names in the file's order.
core::Result<std::map<std::string, office::Commune>> load_communes(const std::string& data,
                                                                   std::vector<std::string>* order = nullptr);

// Writes an XLSX made by `write` (which gets a temporary path beside `out`) to `out` through
// cli::write_output: never over one of `inputs`, atomically by rename.
core::Status write_xlsx_output(const std::string& out, const std::vector<std::string>& inputs,
                               const std::function<core::Status(const std::string&)>& write);

}  // namespace khaosat::server_cli
