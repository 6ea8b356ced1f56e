#include "khaosat/core/submission_table.hpp"

#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "khaosat/core/json.hpp"
#include "khaosat/core/store.hpp"

namespace khaosat::core {
namespace {

using json = nlohmann::json;
using Cells = std::vector<std::pair<std::string, std::string>>;

// Flattens an instance below its root into (path, value) in document order. The instance JSON
// says which elements are repeats (arrays), so repeat instances are numbered from 1 even when
// there is one. Recursion follows the instance's depth, which the form bounds (docs/limits.md).
void flatten(const pugi::xml_node& x, const json& j, const std::string& prefix, Cells& out) {
  static const json kNull;
  std::map<std::string, std::size_t, std::less<>> seen;
  bool has_elements = false;
  for (pugi::xml_node c = x.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    has_elements = true;
    std::string name = c.name();
    std::string path = prefix.empty() ? name : prefix + "/" + name;
    const json* sub = nullptr;
    if (j.is_object()) {
      auto it = j.find(name);
      if (it != j.end()) sub = &*it;
    }
    if (sub && sub->is_array()) {
      std::size_t k = seen[name]++;
      path += "[" + std::to_string(k + 1) + "]";
      sub = k < sub->size() ? &(*sub)[k] : nullptr;
    }
    flatten(c, sub ? *sub : kNull, path, out);
  }
  if (!has_elements && !prefix.empty()) out.emplace_back(prefix, x.text().get());
}

void write_csv_field(std::ostream& out, const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) {
    out << v;
    return;
  }
  out << '"';
  for (char c : v) {
    if (c == '"') out << '"';
    out << c;
  }
  out << '"';
}

}  // namespace

std::string iso8601_utc(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

SubmissionTable::SubmissionTable()
    : columns_{"instance_id", "form_id", "form_version", "state", "finalized_at", "deprecated_id"} {
  for (std::size_t i = 0; i < columns_.size(); ++i) index_.emplace(columns_[i], i);
}

Status SubmissionTable::add(const SubmissionRecord& s) {
  auto bad = [&](const std::string& what) {
    return Error::make(ErrorCode::store_instance, "submission " + s.instance_id + ": " + what);
  };
  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_buffer(s.instance_xml.data(), s.instance_xml.size());
  if (!parsed || !doc.document_element())
    return bad(std::string("its instance XML does not parse: ") + parsed.description());
  auto json_parsed = parse_json(s.instance_json, kMaxStoredJsonDepth);
  if (!json_parsed) return bad("its instance JSON does not parse: " + json_parsed.error().message);
  const json& data = *json_parsed;
  if (!data.is_object() || data.size() != 1)
    return bad("its instance JSON is not one object with the root element");
  Cells cells;
  flatten(doc.document_element(), data.begin().value(), "", cells);

  std::vector<std::string> row = {s.instance_id, s.form_id, s.form_version, to_string(s.state),
                                  iso8601_utc(s.finalized_at), s.deprecated_id.value_or("")};
  row.resize(columns_.size());
  for (auto& [path, value] : cells) {
    auto [it, added] = index_.emplace(path, columns_.size());
    if (added) {
      columns_.push_back(path);
      row.resize(columns_.size());
    }
    row[it->second] = std::move(value);
  }
  rows_.push_back(std::move(row));
  return ok_status();
}

const std::string& SubmissionTable::cell(std::size_t row, std::size_t column) const {
  static const std::string kEmpty;
  const auto& r = rows_.at(row);
  return column < r.size() ? r[column] : kEmpty;
}

void SubmissionTable::write_csv(std::ostream& out) const {
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (i) out << ',';
    write_csv_field(out, columns_[i]);
  }
  out << "\r\n";
  for (std::size_t r = 0; r < rows_.size(); ++r) {
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i) out << ',';
      write_csv_field(out, cell(r, i));
    }
    out << "\r\n";
  }
}

}  // namespace khaosat::core
