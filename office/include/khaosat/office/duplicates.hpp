// Possible duplicate registry records (issue 10 §2, issue 12 §3): records of one registry that
// look like one establishment, cooperative or craft village, for the office's queue
// (`khaosat-server queue`). A group per shared key:
//   - name+commune: the same diacritic-folded name (core::fold_for_search: no accents, lower
//     case, punctuation and runs of spaces as one space)
//     and the same "commune" property;
//   - tax_code: the same "tax_code", its digits only;
//   - phone: the same "phone", its digits only, a leading 84 read as 0.
// Empty keys group nothing. Records the office merged into another (merged_into set) take no
// part. Linear in the records: grouped by key, never compared pairwise.
// Records are never merged here: the office decides (merge or mark distinct) from the queue;
// open_duplicates leaves out the groups it marked distinct.
#pragma once

#include <string>
#include <vector>

#include "khaosat/core/store_types.hpp"

namespace khaosat::office {

struct DuplicateGroup {
  std::string registry;                 // establishment, cooperative or craft_village
  std::string reason;                   // name+commune, tax_code or phone
  std::string key;                      // the shared folded name|commune, digits
  std::vector<std::string> record_ids;  // two or more, in the order given
};

// Groups in a stable order: by registry, reason, key.
std::vector<DuplicateGroup> possible_duplicates(const std::vector<core::PulledRecord>& records);

// The office judged `record_ids` distinct although they share `key` under `reason` (a queue
// decision "distinct": docs/office.md "The queue").
struct DistinctMark {
  std::string reason, key;
  std::vector<std::string> record_ids;
};
// Whether every pair of the group's records is covered by a mark of the group's reason and key.
// A record that later joins the group (or leaves and comes back with another key that matches)
// is not covered, so the group shows again; edits that keep the key keep it hidden.
bool judged_distinct(const DuplicateGroup& group, const std::vector<DistinctMark>& marks);
// The groups not judged distinct, in their order.
std::vector<DuplicateGroup> open_duplicates(std::vector<DuplicateGroup> groups, const std::vector<DistinctMark>& marks);

}  // namespace khaosat::office
