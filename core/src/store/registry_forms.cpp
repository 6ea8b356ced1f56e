// Store: starting a form from a registry record (the entity flow of docs/storage.md, "Registries
// from submissions"): the form's record_id question names the record, the questions that save
// to its properties are filled with their current values.
#include <cctype>
#include <pugixml.hpp>

#include "khaosat/core/form_info.hpp"
#include "khaosat/core/store.hpp"
#include "store/store_impl.hpp"

namespace khaosat::core {

namespace {

// The instance with the element at `ref` ("/data/record_id") holding `value`; false when there
// is no such element.
bool set_element(std::string& xml, std::string_view ref, const std::string& value) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return false;
  pugi::xml_node n = doc;
  std::size_t i = 0;
  while (i < ref.size() && n) {
    std::size_t j = ref.find('/', i + 1);
    if (j == std::string_view::npos) j = ref.size();
    std::string step(ref.substr(i + 1, j - i - 1));
    n = n.child(step.c_str());
    i = j;
  }
  if (!n || n == doc) return false;
  n.text().set(value.c_str());
  struct Writer : pugi::xml_writer {
    std::string out;
    void write(const void* data, size_t size) override { out.append(static_cast<const char*>(data), size); }
  } w;
  doc.save(w, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
  xml = std::move(w.out);
  return true;
}

// The question a label made of one reference names (" /data/est_name "), else "".
std::string single_ref(const std::string& expr) {
  std::size_t b = expr.find_first_not_of(' '), e = expr.find_last_not_of(' ');
  if (b == std::string::npos) return "";
  std::string t = expr.substr(b, e - b + 1);
  if (t.empty() || t[0] != '/') return "";
  for (char c : t)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '.' || c == ':'))
      return "";
  return t;
}

}  // namespace

Result<std::unique_ptr<FormSession>> Store::start_from_record(const Form& form, const std::string& record_id,
                                                              SessionOptions options) {
  StoreImpl& s = *impl_;
  auto key = s.installed_key(form);
  if (!key) return key.error();
  auto rec = get_record(record_id);
  if (!rec) return rec.error();
  // A record the office merged into another: the survey is about the survivor (a chain of merges
  // is followed; a cycle, which no office decision makes, is refused rather than followed).
  for (int hops = 0; !rec->merged_into.empty(); ++hops) {
    if (hops == 16)
      return Error::make(ErrorCode::store_corrupt, s.path + ": registry record '" + record_id +
                                                       "' is merged into a chain of more than 16 records");
    rec = get_record(rec->merged_into);
    if (!rec) return rec.error();
  }
  std::string what = s.path + ": cannot start form '" + key->form_id + "' from " + to_string(rec->registry) +
                     " '" + rec->record_id + "'";
  auto decl = entity_declaration(form);
  if (!decl)
    return Error::make(ErrorCode::store_invalid, what + ": the form declares no entity (an entities sheet)");
  if (registry_from_dataset(decl->dataset) != rec->registry)
    return Error::make(ErrorCode::store_invalid, what + ": the form fills the entity list '" + decl->dataset +
                                                     "', not the " + dataset_of(rec->registry) + " the record is in");
  auto session = FormSession::start(form, options);
  if (!session) return session.error();
  std::string record_ref;
  for (const auto& n : (*session)->nodes())
    if (n.leaf && n.ref.size() > 10 && n.ref.compare(n.ref.size() - 10, 10, "/record_id") == 0) {
      record_ref = n.ref;
      break;
    }
  std::string xml = (*session)->instance_xml();
  if (record_ref.empty() || !set_element(xml, record_ref, rec->record_id))
    return Error::make(ErrorCode::store_invalid,
                       what + ": the form has no 'record_id' question for its entity's id (docs/forms.md)");
  auto restored = FormSession::restore(form, xml, options);
  if (!restored) return restored.error();
  FormSession& f = **restored;
  // Current values; one that no longer fits (a choice the form dropped) is left blank by the
  // session, as an answer would be.
  auto value_of = [&](const std::string& property) -> const std::string* {
    for (const auto& [k, p] : rec->properties)
      if (k == property) return &p.value;
    return nullptr;
  };
  for (const auto& st : decl->save_to) {
    auto n = f.node(st.ref);
    if (!n || n->readonly || n->type == NodeType::Model) continue;  // computed, not answered
    if (const std::string* v = value_of(st.property))
      if (Status a = f.answer(st.ref, *v); !a) return Error::make(a.error().code, what + ": " + a.error().message);
  }
  if (std::string label_ref = single_ref(decl->label_calculate); !label_ref.empty() && f.node(label_ref))
    if (Status a = f.answer(label_ref, rec->name); !a) return Error::make(a.error().code, what + ": " + a.error().message);
  return std::move(restored).value();
}

}  // namespace khaosat::core
