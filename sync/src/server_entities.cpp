// SyncServer: registry records from submissions (ODK Entities). A pushed submission whose form
// declares an entity creates or updates a registry record on the server too, so that a registry
// exists even for devices that did not apply it; the device's own edit (an earlier outbox record,
// stamped with the HLC the submission names) and this derivation are one version
// (docs/sync-protocol.md, "Registries from submissions").
#include "khaosat/core/form_info.hpp"
#include "khaosat/core/store_ids.hpp"
#include "khaosat/sync/server.hpp"

namespace khaosat::sync {

std::optional<core::Form> SyncServer::entity_form(const std::string& form_id, const std::string& version) {
  auto key = std::make_pair(form_id, version);
  {
    std::lock_guard lock(forms_mutex_);
    if (auto it = entity_forms_.find(key); it != entity_forms_.end()) return it->second;
  }
  auto published = storage_.published_form(form_id, version);
  if (!published || !*published) return std::nullopt;
  // Media are not needed for the entity: its id, label and properties are the submission's own
  // answers. A form whose label reads a secondary instance sees it empty here.
  core::FormLoadOptions options;
  options.missing_blank = true;
  options.beside_path = false;  // the name is the published file's, not a folder of the server's
  auto form = core::load_form_xml((*published)->form.bytes, (*published)->form.name, options);
  if (!form) return std::nullopt;
  core::Form kept = core::entity_declaration(*form) ? *form : core::Form();
  std::lock_guard lock(forms_mutex_);
  entity_forms_.emplace(key, kept);
  return kept;
}

std::optional<PushRecord> SyncServer::derive_entity(const PushRecord& submission, const DeviceInfo& d) {
  auto form = entity_form(submission.form_id, submission.form_version);
  if (!form || !*form) return std::nullopt;
  auto write = core::entity_write(*form, submission.xml);
  if (!write || !*write) return std::nullopt;
  const core::EntityWrite& w = **write;
  auto registry = core::registry_from_dataset(w.dataset);
  if (!registry) return std::nullopt;
  if (d.role == "cooperative" && *registry != core::Registry::Cooperative) return std::nullopt;
  // The device's stamp when it applied this very entity; else the server's own, now, for the
  // pushing device (an HLC ends with a node id; the device's keeps it unique).
  std::string hlc;
  if (submission.entity && submission.entity->id == w.id &&
      submission.entity->registry == core::to_string(*registry))
    hlc = submission.entity->hlc;
  else
    hlc = core::Hlc{now(), 0, d.device_id}.to_string();
  PushRecord r;
  r.seq = submission.seq;
  r.kind = "registry";
  r.id = w.id;
  r.registry = core::to_string(*registry);
  r.create = !w.update;
  // As the device applies it (Store::finalize): the label is the name, an empty label on an
  // update leaves the name.
  if (!w.label.empty()) r.set.emplace_back("name", core::RegistryProperty{w.label, hlc});
  for (const auto& [k, v] : w.properties)
    if (k != "name") r.set.emplace_back(k, core::RegistryProperty{v, hlc});
  if (r.set.empty()) return std::nullopt;
  return r;
}

}  // namespace khaosat::sync
