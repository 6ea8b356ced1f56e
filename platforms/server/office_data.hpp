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

// forms/communes.csv: the communes by name, and (when `order` is given) their names in the
// file's order.
core::Result<std::map<std::string, office::Commune>> load_communes(std::vector<std::string>* order = nullptr);

// Writes an XLSX made by `write` (which gets a temporary path beside `out`) to `out` through
// cli::write_output: never over one of `inputs`, atomically by rename.
core::Status write_xlsx_output(const std::string& out, const std::vector<std::string>& inputs,
                               const std::function<core::Status(const std::string&)>& write);

}  // namespace khaosat::server_cli
