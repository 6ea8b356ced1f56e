// Possible duplicate registry records (duplicates.hpp).
#include "khaosat/office/duplicates.hpp"

#include <map>
#include <tuple>

#include "khaosat/core/store_ids.hpp"

namespace khaosat::office {

namespace {

std::string property(const core::PulledRecord& r, const char* key) {
  for (const auto& [k, p] : r.properties)
    if (k == key) return p.value;
  return "";
}

std::string digits(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c >= '0' && c <= '9') out += c;
  return out;
}

std::string phone_key(const std::string& s) {
  std::string d = digits(s);
  if (d.size() > 9 && d.compare(0, 2, "84") == 0) d = "0" + d.substr(2);
  return d;
}

}  // namespace

std::vector<DuplicateGroup> possible_duplicates(const std::vector<core::PulledRecord>& records) {
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<std::string>> groups;
  for (const auto& r : records) {
    std::string reg(core::to_string(r.registry));
    std::string name = core::fold_for_search(property(r, "name")), commune = property(r, "commune");
    if (!name.empty() && !commune.empty()) groups[{reg, "name+commune", name + "|" + commune}].push_back(r.record_id);
    if (std::string t = digits(property(r, "tax_code")); !t.empty()) groups[{reg, "tax_code", t}].push_back(r.record_id);
    if (std::string p = phone_key(property(r, "phone")); !p.empty()) groups[{reg, "phone", p}].push_back(r.record_id);
  }
  std::vector<DuplicateGroup> out;
  for (auto& [k, ids] : groups)
    if (ids.size() > 1) out.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), std::move(ids)});
  return out;
}

}  // namespace khaosat::office
