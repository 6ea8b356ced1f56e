// Possible duplicate registry records (issue 10 §2, issue 12 §3): records of one registry that
// look like one establishment, cooperative or craft village, for the office's queue
// (`khaosat-server queue`). A group per shared key:
//   - name+commune: the same diacritic-folded name (core::fold_for_search: no accents, lower
//     case, punctuation and runs of spaces as one space)
//     and the same "commune" property;
//   - tax_code: the same "tax_code", its digits only;
//   - phone: the same "phone", its digits only, a leading 84 read as 0.
// Empty keys group nothing. Linear in the records: grouped by key, never compared pairwise.
// Records are never merged here: the office decides (merge or mark distinct) from the queue.
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

}  // namespace khaosat::office
