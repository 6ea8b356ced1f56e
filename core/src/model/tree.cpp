#include "model/tree.hpp"

#include <algorithm>
#include <cassert>

namespace khaosat::core {

std::pair<std::string_view, std::string_view> split_qname(std::string_view qname) {
  auto colon = qname.find(':');
  if (colon == std::string_view::npos) return {std::string_view{}, qname};
  return {qname.substr(0, colon), qname.substr(colon + 1)};
}

const Node* Node::attribute(std::string_view qname) const {
  for (const Node* a : attributes)
    if (a->name == qname) return a;
  return nullptr;
}

Node* Node::attribute(std::string_view qname) {
  for (Node* a : attributes)
    if (a->name == qname) return a;
  return nullptr;
}

int Node::same_name_position() const {
  if (!parent || kind != NodeKind::Element) return 1;
  if (parent->child_pos_dirty) {
    const Node* prev = nullptr;
    for (const Node* c : parent->children) {
      c->run_pos = (prev && prev->name == c->name) ? prev->run_pos + 1 : 1;
      prev = c;
    }
    parent->child_pos_dirty = false;
  }
  return run_pos;
}

void append_string_value(const Node* n, std::string& out) {
  switch (n->kind) {
    case NodeKind::Attribute:
      out += n->value;
      return;
    case NodeKind::Text:
      out += n->parent ? n->parent->value : n->value;
      return;
    case NodeKind::Element:
      if (n->children.empty()) {
        out += n->value;
        return;
      }
      [[fallthrough]];
    case NodeKind::Document:
      for (const Node* c : n->children) append_string_value(c, out);
      return;
  }
}

std::string string_value(const Node* n) {
  if (n->kind == NodeKind::Element && n->children.empty()) return n->value;
  std::string s;
  append_string_value(n, s);
  return s;
}

Tree::Tree() {
  doc_ = alloc(NodeKind::Document);
  doc_->name = "#document";
}

std::string_view Tree::intern(std::string_view s) {
  if (s.empty()) return {};
  auto it = strings_.find(s);
  if (it == strings_.end()) it = strings_.emplace(s).first;
  return *it;
}

Node* Tree::alloc(NodeKind kind) {
  Node& n = nodes_.emplace_back();
  n.kind = kind;
  n.tree = this;
  return &n;
}

Node* Tree::new_element(std::string_view qname, std::string_view ns) {
  Node* n = alloc(NodeKind::Element);
  n->name = intern(qname);
  n->local = split_qname(n->name).second;
  n->ns = intern(ns);
  return n;
}

Node* Tree::new_element_outliving(std::string_view qname, std::string_view ns) {
  Node* n = alloc(NodeKind::Element);
  n->name = qname;
  n->local = split_qname(n->name).second;
  n->ns = intern(ns);
  return n;
}

Node* Tree::new_attribute(std::string_view qname, std::string_view value, std::string_view ns) {
  Node* n = alloc(NodeKind::Attribute);
  n->name = intern(qname);
  n->local = split_qname(n->name).second;
  n->ns = intern(ns);
  n->value = value;
  return n;
}

Node* Tree::text_node(Node* leaf) {
  assert(leaf->kind == NodeKind::Element);
  if (!leaf->text) {
    leaf->text = alloc(NodeKind::Text);
    leaf->text->parent = leaf;
    order_dirty_ = true;
  }
  return leaf->text;
}

namespace {
// Parents with fewer children are scanned: an index would cost more than it saves.
constexpr std::size_t kIndexedChildren = 32;
}  // namespace

void Tree::child_added(Node* parent, Node* child, bool at_end) {
  // A tree being changed has no other reader (see the header): the empty check needs no lock,
  // and loading a form pays nothing for the index until something asks for it.
  if (child_index_.empty()) return;
  std::lock_guard lock(child_index_mutex_);
  auto it = child_index_.find(parent);
  if (it == child_index_.end()) return;
  if (at_end) it->second[child->name].push_back(child);
  else child_index_.erase(it);  // rebuilt on next use, in the new order
}

const std::vector<Node*>* Tree::children_named(const Node* parent, std::string_view name) const {
  if (parent->children.size() < kIndexedChildren) return nullptr;
  std::lock_guard lock(child_index_mutex_);
  auto [it, fresh] = child_index_.try_emplace(parent);
  if (fresh)
    for (Node* c : parent->children) it->second[c->name].push_back(c);
  static const std::vector<Node*> kNone;
  auto found = it->second.find(name);
  return found == it->second.end() ? &kNone : &found->second;
}

void Tree::append_child(Node* parent, Node* child) {
  parent->child_pos_dirty = true;
  child->parent = parent;
  parent->children.push_back(child);
  order_dirty_ = true;
  child_added(parent, child, true);
}

void Tree::insert_child(Node* parent, std::size_t index, Node* child) {
  parent->child_pos_dirty = true;
  child->parent = parent;
  index = std::min(index, parent->children.size());
  bool at_end = index == parent->children.size();
  parent->children.insert(parent->children.begin() + static_cast<std::ptrdiff_t>(index), child);
  order_dirty_ = true;
  child_added(parent, child, at_end);
}

void Tree::remove_child(Node* child) {
  Node* p = child->parent;
  if (!p) return;
  p->child_pos_dirty = true;
  auto& v = p->children;
  v.erase(std::remove(v.begin(), v.end(), child), v.end());
  child->parent = nullptr;
  order_dirty_ = true;
  if (child_index_.empty()) return;
  std::lock_guard lock(child_index_mutex_);
  child_index_.erase(p);
}

void Tree::add_attribute(Node* element, Node* attr) {
  attr->parent = element;
  element->attributes.push_back(attr);
  order_dirty_ = true;
}

Node* Tree::clone(const Node* src) {
  Node* n = alloc(src->kind);
  n->name = src->tree == this ? src->name : intern(src->name);
  n->local = split_qname(n->name).second;
  n->ns = src->tree == this ? src->ns : intern(src->ns);
  n->value = src->value;
  n->tag = src->tag;
  for (const Node* a : src->attributes) add_attribute(n, clone(a));
  for (const Node* c : src->children) append_child(n, clone(c));
  order_dirty_ = true;
  return n;
}

void Tree::ensure_order() {
  if (!order_dirty_) return;
  std::uint32_t next = 0;
  // Iterative pre-order walk: element, its attributes, its text node, then its children.
  std::vector<Node*> stack{doc_};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    n->order = next++;
    for (Node* a : n->attributes) a->order = next++;
    if (n->text) n->text->order = next++;
    for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) stack.push_back(*it);
  }
  order_dirty_ = false;
}

}  // namespace khaosat::core
