#include "store/instance_meta.hpp"

#include <cstring>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "khaosat/core/json.hpp"

namespace khaosat::core::store {

namespace {

std::string_view local(std::string_view name) {
  auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child_local(pugi::xml_node n, std::string_view name) {
  for (pugi::xml_node c : n.children())
    if (c.type() == pugi::node_element && local(c.name()) == name) return c;
  return {};
}

Result<pugi::xml_node> parse(pugi::xml_document& doc, std::string_view xml) {
  pugi::xml_parse_result r = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default);
  if (!r)
    return Error::make(ErrorCode::store_instance, std::string("the instance is not valid XML: ") +
                                             r.description());
  return doc.document_element();
}

void set_text(pugi::xml_node n, const std::string& value) {
  while (n.first_child()) n.remove_child(n.first_child());
  n.append_child(pugi::node_pcdata).set_value(value.c_str());
}

}  // namespace

Result<InstanceMeta> read_meta(std::string_view xml) {
  pugi::xml_document doc;
  auto root = parse(doc, xml);
  if (!root) return root.error();
  InstanceMeta m;
  pugi::xml_node meta = child_local(*root, "meta");
  if (pugi::xml_node id = child_local(meta, "instanceID")) m.instance_id = id.text().get();
  if (pugi::xml_node dep = child_local(meta, "deprecatedID")) m.deprecated_id = dep.text().get();
  return m;
}

Result<std::string> rewrite_meta_xml(std::string_view xml, const std::string& instance_id,
                                     const std::optional<std::string>& deprecated_id) {
  pugi::xml_document doc;
  auto root = parse(doc, xml);
  if (!root) return root.error();
  pugi::xml_node meta = child_local(*root, "meta");
  pugi::xml_node id = child_local(meta, "instanceID");
  if (!meta || !id)
    return Error::make(ErrorCode::store_instance, "the instance has no meta/instanceID");
  set_text(id, instance_id);
  if (deprecated_id) {
    pugi::xml_node dep = child_local(meta, "deprecatedID");
    if (!dep) {
      std::string_view idname = id.name();
      std::string prefix(idname.substr(0, idname.size() - std::strlen("instanceID")));
      dep = meta.insert_child_after((prefix + "deprecatedID").c_str(), id);
    }
    set_text(dep, *deprecated_id);
  }
  struct Writer : pugi::xml_writer {
    std::string out;
    void write(const void* data, size_t size) override {
      out.append(static_cast<const char*>(data), size);
    }
  } w;
  doc.save(w, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
  return std::move(w.out);
}

Result<std::string> rewrite_meta_json(std::string_view text, const std::string& instance_id,
                                      const std::optional<std::string>& deprecated_id) {
  using nlohmann::json;
  auto parsed = parse_json(text, kMaxStoredJsonDepth);
  json doc = parsed ? std::move(parsed.value()) : json();
  if (!doc.is_object() || doc.size() != 1 || !doc.begin()->is_object())
    return Error::make(ErrorCode::store_instance, "the instance JSON is not one root object");
  json& root = *doc.begin();
  json* meta = nullptr;
  for (auto it = root.begin(); it != root.end(); ++it)
    if (local(it.key()) == "meta" && it->is_object()) meta = &*it;
  if (!meta) return Error::make(ErrorCode::store_instance, "the instance JSON has no meta object");
  std::string id_key = "instanceID";
  for (auto it = meta->begin(); it != meta->end(); ++it)
    if (local(it.key()) == "instanceID") id_key = it.key();
  (*meta)[id_key] = instance_id;
  if (deprecated_id)
    (*meta)[id_key.substr(0, id_key.size() - std::strlen("instanceID")) + "deprecatedID"] =
        *deprecated_id;
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace khaosat::core::store
