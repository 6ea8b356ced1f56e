#include "support/xml_tree_builder.hpp"

#include <pugixml.hpp>
#include <string>

namespace khaosat::test {
namespace {

std::string resolve_ns(pugi::xml_node el, std::string_view qname) {
  auto colon = qname.find(':');
  std::string attr = colon == std::string_view::npos
                         ? std::string("xmlns")
                         : "xmlns:" + std::string(qname.substr(0, colon));
  for (pugi::xml_node n = el; n; n = n.parent())
    if (auto a = n.attribute(attr.c_str())) return a.value();
  return {};
}

void build(core::Tree& tree, core::Node* parent, pugi::xml_node el) {
  core::Node* n = tree.new_element(el.name(), resolve_ns(el, el.name()));
  tree.append_child(parent, n);
  for (pugi::xml_attribute a : el.attributes()) {
    std::string_view name = a.name();
    if (name == "xmlns" || name.rfind("xmlns:", 0) == 0) continue;
    std::string ns = name.find(':') == std::string_view::npos ? "" : resolve_ns(el, name);
    tree.add_attribute(n, tree.new_attribute(name, a.value(), ns));
  }
  bool has_elements = false;
  for (pugi::xml_node c : el.children())
    if (c.type() == pugi::node_element) has_elements = true;
  if (has_elements) {
    for (pugi::xml_node c : el.children())
      if (c.type() == pugi::node_element) build(tree, n, c);
  } else {
    for (pugi::xml_node c : el.children())
      if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) n->value += c.value();
  }
}

}  // namespace

std::unique_ptr<core::Tree> parse_tree(std::string_view xml, std::string* error) {
  auto tree = std::make_unique<core::Tree>();
  pugi::xml_document doc;
  pugi::xml_parse_result r = doc.load_buffer(xml.data(), xml.size());
  if (!r) {
    if (error) *error = r.description();
    return nullptr;
  }
  build(*tree, tree->document(), doc.document_element());
  tree->ensure_order();
  return tree;
}

core::Node* find_node(core::Tree& tree, std::string_view path) {
  core::Node* cur = tree.document();
  while (!path.empty() && cur) {
    if (path.front() == '/') path.remove_prefix(1);
    std::string_view seg = path.substr(0, path.find('/'));
    path.remove_prefix(seg.size());
    int index = 1;
    if (auto b = seg.find('['); b != std::string_view::npos) {
      index = std::stoi(std::string(seg.substr(b + 1)));
      seg = seg.substr(0, b);
    }
    core::Node* next = nullptr;
    for (core::Node* c : cur->children)
      if (c->name == seg && --index == 0) {
        next = c;
        break;
      }
    cur = next;
  }
  return cur;
}

}  // namespace khaosat::test
