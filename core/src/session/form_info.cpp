#include "khaosat/core/form_info.hpp"

#include "session/session_impl.hpp"
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

namespace khaosat::core {

namespace {

Error entity_error(const EntityDeclaration& d, const std::string& what) {
  return Error::make(ErrorCode::entity_invalid, "the form's entity (list '" + d.dataset + "', " + d.path +
                                                    "): " + what);
}

// What entity_write reads of a session: FormSession's evaluate() and node(), or the same of a
// FormSessionImpl restored to evaluate only (ImplReader).
struct ImplReader {
  FormSessionImpl& impl;
  Result<std::string> evaluate(std::string_view expression) { return impl.evaluate_text(expression); }
  std::optional<NodeSnapshot> node(std::string_view ref) const { return impl.node_snapshot(ref); }
};

template <class Session>
Result<std::optional<EntityWrite>> write_of(const std::optional<EntityDeclaration>& d, Session& session) {
  if (!d) return std::optional<EntityWrite>();
  auto text = [&](const std::string& expr, const char* what) -> Result<std::string> {
    auto v = session.evaluate(expr);
    if (!v) return entity_error(*d, std::string(what) + ": " + v.error().message);
    return v;
  };
  auto holds = [&](const std::string& expr, bool written, const char* what) -> Result<bool> {
    if (expr.empty()) return written;
    auto v = text(expr, what);
    if (!v) return v.error();
    return *v == "true" || *v == "1";
  };
  auto update = holds(d->update_if, d->updates, "update condition");
  if (!update) return update.error();
  auto create = holds(d->create_if, d->creates, "create condition");
  if (!create) return create.error();
  if (!*update && !*create) return std::optional<EntityWrite>();
  EntityWrite w;
  w.dataset = d->dataset;
  w.update = *update;
  // The id: the form's @id calculate; else the attribute as the instance holds it; else, for a
  // new entity, the submission's own id (so the device and the server derive the same one).
  for (const std::string& expr : {d->id_calculate, d->path + "/@id"}) {
    if (expr.empty()) continue;
    auto id = text(expr, "id");
    if (!id) return id.error();
    if (!id->empty()) {
      w.id = std::move(id).value();
      break;
    }
  }
  if (w.id.empty() && !w.update) {
    std::string meta = d->path.substr(0, d->path.rfind('/'));
    auto iid = text(meta + "/instanceID", "instance id");
    if (!iid) return iid.error();
    w.id = iid->rfind("uuid:", 0) == 0 ? iid->substr(5) : *iid;
  }
  if (w.id.empty())
    return entity_error(*d, std::string("its id is empty") +
                                (d->id_calculate.empty() ? "" : " ('" + d->id_calculate + "')") +
                                ", so there is no entity to " + (w.update ? "update" : "create"));
  auto label = text(d->label_calculate.empty() ? d->path + "/label" : d->label_calculate, "label");
  if (!label) return label.error();
  w.label = std::move(label).value();
  for (const auto& s : d->save_to) {
    auto n = session.node(s.ref);
    if (n && n->relevant) w.properties.emplace_back(s.property, n->value);
  }
  return std::optional<EntityWrite>(std::move(w));
}

}  // namespace

Result<std::optional<EntityWrite>> entity_write(FormSession& session) {
  return write_of(entity_declaration(session.form()), session);
}

Result<std::optional<EntityWrite>> entity_write(const Form& form, std::string_view instance_xml) {
  auto d = entity_declaration(form);
  if (!d) return std::optional<EntityWrite>();
  // The declaration reads values and relevance only: no readonly, required or constraint flag
  // is computed for it (FormSessionImpl::restore, evaluate_only).
  auto impl = FormSessionImpl::restore(form, instance_xml, {}, true);
  if (!impl) return impl.error();
  ImplReader reader{**impl};
  return write_of(d, reader);
}

}  // namespace khaosat::core
