// Possible duplicate registry records (duplicates.hpp).
#include "khaosat/office/duplicates.hpp"

#include <algorithm>
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
    if (!r.merged_into.empty()) continue;
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

bool judged_distinct(const DuplicateGroup& group, const std::vector<DistinctMark>& marks) {
  std::vector<const DistinctMark*> same;
  for (const auto& m : marks)
    if (m.reason == group.reason && m.key == group.key) same.push_back(&m);
  auto has = [](const DistinctMark& m, const std::string& id) {
    return std::find(m.record_ids.begin(), m.record_ids.end(), id) != m.record_ids.end();
  };
  const auto& ids = group.record_ids;
  for (std::size_t i = 0; i < ids.size(); ++i)
    for (std::size_t j = i + 1; j < ids.size(); ++j)
      if (std::none_of(same.begin(), same.end(), [&](const DistinctMark* m) { return has(*m, ids[i]) && has(*m, ids[j]); }))
        return false;
  return true;
}

std::vector<DuplicateGroup> open_duplicates(std::vector<DuplicateGroup> groups, const std::vector<DistinctMark>& marks) {
  groups.erase(std::remove_if(groups.begin(), groups.end(), [&](const DuplicateGroup& g) { return judged_distinct(g, marks); }),
               groups.end());
  return groups;
}

}  // namespace khaosat::office
