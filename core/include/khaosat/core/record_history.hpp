// A registry record's history as this device knows it: which writes created and changed it,
// when, on which device and from which submission, with each field's value before and after
// (docs/storage.md, "A record's history"). Read from what the store already keeps; no table of
// its own.
//
// Thread-safety: as the Store it reads (one thread at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "khaosat/core/store.hpp"

namespace khaosat::core {

// One change to a registry record. This device's own writes come from its outbox, which keeps
// every one of them (a submission's entity, or put_record); a version pulled from the server is
// known only while it is still the property's current value (the store keeps no older pulled
// versions). Conflicts are not kept on a device: the server records them for the office.
struct RecordChange {
  std::int64_t at = 0;      // ms UTC: when this device wrote it, or the pulled version's HLC time
  bool local = false;       // written on this device (else pulled from the server)
  bool create = false;      // this device created the record with it
  std::string device;       // the HLC node that wrote it: a device id
  std::string source;       // the submission (instance id) it came from, "" = none or not known
  std::string form_id, form_version;  // that submission's form, when this device holds it
  struct Field {
    std::string key;
    std::optional<std::string> old_value;  // the value before, in this history; nullopt = none
    std::string new_value;
    bool changed() const { return !old_value || *old_value != new_value; }
  };
  std::vector<Field> fields;  // every property it set, by key
};

// The changes to `record_id`, oldest first (by HLC, the order the registry merges them in); a
// field's old value is its value in the change before. An Error when the record is not in the
// store (store.not_found) or the store cannot be read.
Result<std::vector<RecordChange>> record_history(Store& store, const std::string& record_id);

}  // namespace khaosat::core
