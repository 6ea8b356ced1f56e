// Reading forms and submissions for the office's exports and reports (office_data.hpp).
#include "office_data.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "output_file.hpp"

#ifndef KHAOSAT_FORMS_DIR
#define KHAOSAT_FORMS_DIR "forms"
#endif

namespace khaosat::server_cli {

namespace {
namespace fs = std::filesystem;
constexpr const char* kOfficeTables[] = {"plan_rules.csv", "communes.csv"};
}  // namespace

core::Result<std::string> office_tables_dir(const std::string& data) {
  if (data.empty()) return std::string(KHAOSAT_FORMS_DIR);
  std::error_code ec;
  std::vector<std::string> have, missing;
  for (const char* name : kOfficeTables) (fs::exists(fs::path(data) / name, ec) ? have : missing).push_back(name);
  if (have.empty()) return std::string(KHAOSAT_FORMS_DIR);
  if (!missing.empty())
    return core::Error::make(core::ErrorCode::plan_input,
                             data + " has the office's " + have[0] + " but not " + missing[0] +
                                 ": the plan reads both from one place (copy " + missing[0] + " from " +
                                 KHAOSAT_FORMS_DIR + " into " + data + ", or remove " + have[0] + " to use the shipped tables)");
  return data;
}

core::Status install_office_tables(const std::string& data, std::vector<std::string>* installed) {
  std::error_code ec;
  for (const char* name : kOfficeTables) if (fs::exists(fs::path(data) / name, ec)) return core::ok_status();
  for (const char* name : kOfficeTables) {
    auto bytes = cli::read_input(std::string(KHAOSAT_FORMS_DIR) + "/" + name, 1u << 22);
    if (!bytes) return bytes.error();
    const std::string to = (fs::path(data) / name).string();
    if (core::Status st = cli::write_output(to, *bytes, {}); !st) return st;
    if (installed) installed->push_back(to);
  }
  return core::ok_status();
}

core::Result<std::map<std::string, office::Commune>> load_communes(const std::string& data, std::vector<std::string>* order) {
  auto dir = office_tables_dir(data);
  if (!dir) return dir.error();
  std::string path = *dir + "/communes.csv";
  auto text = cli::read_input(path, 1u << 20);
  if (!text) return text.error();
  auto communes = office::parse_communes(*text, path);
  if (!communes) return communes.error();
  if (order) {
    std::istringstream lines(*text);
    std::string line;
    std::getline(lines, line);  // the header
    while (std::getline(lines, line)) {
      std::string name = line.substr(0, line.find(','));
      if (communes->count(name)) order->push_back(name);
    }
  }
  return communes;
}

core::Result<std::vector<office::FormData>> load_form_data(sync::ServerStorage& storage, const std::string& only_form) {
  // The forms' XForm bytes: list_forms() leaves them out, and a fresh device's first pull page
  // carries every current form (docs/sync-protocol.md, pull). No device id: no decisions.
  auto page = storage.pull("", "", 1);
  if (!page) return page.error();
  std::vector<office::FormData> out;
  for (const auto& f : page->page.forms) {
    auto labels = office::read_form_labels(f.form.name, f.form.bytes);
    if (!labels) return labels.error();
    if (!only_form.empty() && labels->form_id != only_form) continue;
    out.push_back({std::move(labels).value(), {}});
  }
  if (!only_form.empty() && out.empty())
    return core::Error::make(core::ErrorCode::sync_not_found, "form '" + only_form + "' is not published here");
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.labels.form_id < b.labels.form_id; });
  auto reviews = storage.reviews();
  if (!reviews) return reviews.error();
  std::map<std::string, std::string> state;
  for (const auto& r : *reviews) state[r.instance_id] = r.state;
  for (auto& form : out) {
    auto subs = storage.submissions(form.labels.form_id);
    if (!subs) return subs.error();
    std::set<std::string> replaced;
    for (const auto& s : *subs)
      if (s.deprecated_id) replaced.insert(*s.deprecated_id);
    for (auto& s : *subs) {
      if (replaced.count(s.instance_id)) continue;
      auto it = state.find(s.instance_id);
      form.submissions.push_back({s.instance_id, s.form_id, s.form_version, s.device_id, std::move(s.xml),
                                  it == state.end() ? "received" : it->second, s.received_at});
    }
  }
  return out;
}

core::Status write_xlsx_output(const std::string& out, const std::vector<std::string>& inputs,
                               const std::function<core::Status(const std::string&)>& write) {
  std::string tmp = out + ".tmp-" + std::to_string(::getpid()) + ".xlsx";
  core::Status st = write(tmp);
  if (st) {
    std::ifstream in(tmp, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    st = cli::write_output(out, bytes.str(), inputs);
  }
  ::unlink(tmp.c_str());
  return st;
}

}  // namespace khaosat::server_cli
