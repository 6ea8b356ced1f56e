#include "khaosat/core/form_info.hpp"

#include "xform/form_def.hpp"

namespace khaosat::core {

FormIdentity form_identity(const Form& form) {
  if (!form) return {};
  return FormIdentity{form->id, form->version, form->title};
}

std::optional<EntityDeclaration> entity_declaration(const Form& form) {
  if (!form || !form->entity) return std::nullopt;
  const EntityDecl& e = *form->entity;
  EntityDeclaration d;
  d.path = e.path;
  d.dataset = e.dataset;
  d.spec_version = e.version;
  d.creates = e.creates();
  d.updates = e.updates();
  d.create_if = e.create_if;
  d.update_if = e.update_if;
  d.id_calculate = e.id_calculate;
  d.label_calculate = e.label_calculate;
  for (const auto& s : e.save_to) d.save_to.push_back({s.path, s.property});
  return d;
}

}  // namespace khaosat::core
