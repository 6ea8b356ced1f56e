// What a loaded form declares about itself, for code that stores, syncs or lists forms without
// filling them (the device store, the sync client and server, the app's form list): its identity
// and the entity it creates or updates (ODK XForms Entities, https://getodk.github.io/xforms-spec/entities).
//
// Pure functions of an immutable Form: thread-safe; nothing here points into the form.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "khaosat/core/form_session.hpp"

namespace khaosat::core {

struct FormIdentity {
  std::string id;       // the primary instance root's id attribute
  std::string version;  // its version attribute ("" when none)
  std::string title;    // h:title
};
FormIdentity form_identity(const Form& form);

// The entity declaration of a form: the <meta><entity> element and the binds around it, as the
// form writes them. The values a filled instance gives them (the entity id, create/update, the
// label, the properties) are read from the session's instance, where the engine computes them.
struct EntityDeclaration {
  struct SaveTo {
    std::string ref;       // the question: "/data/name"
    std::string property;  // the entity property it saves to: "name"
  };
  std::string path;              // the element: "/data/meta/entity"
  std::string dataset;           // the entity list: "establishments"
  std::string spec_version;      // entities:entities-version on the model ("2024.1.0")
  bool creates = false;          // create="1" as written
  bool updates = false;          // update="1" as written
  std::string create_if, update_if;  // the calculate of @create / @update ("" when none)
  std::string id_calculate;          // the calculate of @id (the entity an update targets)
  std::string label_calculate;       // the calculate of the label
  std::vector<SaveTo> save_to;       // in bind order
};
// nullopt when the form declares no entity.
std::optional<EntityDeclaration> entity_declaration(const Form& form);

// What a filled instance does to its entity list: the declaration evaluated against the
// instance (docs/storage.md, "Registries from submissions"). The same values on the device at
// finalize and on the server at ingest, since both evaluate the same instance.
struct EntityWrite {
  std::string dataset;
  std::string id;       // the entity's id (@id's calculate): the record created or updated
  bool update = false;  // update the entity `id`; false: create it
  std::string label;    // the label's calculate: the registry record's name
  // save_to property -> the question's value, in bind order; a question that is not relevant
  // (absent from the submission) is left out, so the property keeps its value.
  std::vector<std::pair<std::string, std::string>> properties;
};
// nullopt when the form declares no entity, or neither its create nor its update condition
// holds. Conditions: create_if / update_if when the form has them, else the create="1" /
// update="1" written; both holding means update (ODK's designers keep them exclusive). An
// Error (entity.invalid) when an expression fails, or the entity would have no id.
Result<std::optional<EntityWrite>> entity_write(FormSession& session);
// The same for a submission's instance XML (the server: ingest of a submission whose device
// did not apply it), restored into a session of `form`.
Result<std::optional<EntityWrite>> entity_write(const Form& form, std::string_view instance_xml);

}  // namespace khaosat::core
