// The XML tree the XPath engine evaluates over: the primary instance and every secondary
// instance are a Tree.
//
// Kept deliberately small. An element either has element children or is a leaf whose text is
// `value` (mixed content is flattened at load: text beside element children is dropped, as
// XForms instances never rely on it). Attributes are Nodes of kind Attribute in `attributes`.
// XPath's text() node of a leaf is materialised lazily (Tree::text_node) so that the data model
// stays complete without paying for text nodes nobody asks for.
//
// A Tree owns its nodes (an arena); removing a node detaches it and leaves the memory in the
// arena until the Tree dies, so Node* handles held by callers never dangle during a session.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace khaosat::core {

// Hashes a std::string key by its characters, so that an unordered container declared with it
// and std::equal_to<> is looked up by a string_view without copying it into a std::string.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

enum class NodeKind : std::uint8_t { Document, Element, Attribute, Text };

class Tree;

struct Node {
  // Names and namespace URIs are interned by the owning Tree (one copy per distinct string, not
  // one per node: a 1,000,000-item itemset has three distinct names), so a Node is small.
  std::string_view name;   // qualified name as written (e.g. "jr:template", "orx:meta"); "" for text
  std::string_view local;  // local part of name (a view into `name`)
  std::string_view ns;     // namespace URI ("" for none)
  std::string value;  // attribute value, text value, or a leaf element's text
  Node* parent = nullptr;
  std::vector<Node*> children;    // element children (text is in `value`)
  std::vector<Node*> attributes;  // attribute nodes
  Tree* tree = nullptr;           // owning tree
  Node* text = nullptr;           // lazily created text() child of a leaf element
  std::uint32_t order = 0;        // document order key; valid while Tree::order_dirty() is false
  std::int32_t tag = -1;          // owner-defined (the session stores its per-node state index)
  // Cached positions among siblings (see same_name_position); maintained by Tree.
  mutable std::int32_t run_pos = 0;
  NodeKind kind = NodeKind::Element;  // here, beside the flag, so the two pack into one word
  mutable bool child_pos_dirty = true;

  bool is_element() const { return kind == NodeKind::Element; }
  bool is_leaf() const { return kind == NodeKind::Element && children.empty(); }
  const Node* attribute(std::string_view qname) const;
  Node* attribute(std::string_view qname);
  // 1-based position in the run of contiguous same-named siblings it belongs to: the repeat
  // instance index in /data/rep[2], and ODK's position(node). O(1) after the first call following
  // a change to the parent's children (the parent's positions are recomputed in one pass).
  int same_name_position() const;
};

// XPath string-value: text for leaves, attributes and text nodes; the concatenation of the
// descendants' text for inner elements and the document.
std::string string_value(const Node* n);
void append_string_value(const Node* n, std::string& out);

class Tree {
 public:
  Tree();
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;

  Node* document() { return doc_; }
  const Node* document() const { return doc_; }
  // The document element (the instance root), or null for an empty tree.
  Node* root() const { return doc_->children.empty() ? nullptr : doc_->children.front(); }

  Node* new_element(std::string_view qname, std::string_view ns = {});
  // new_element with a name whose characters outlive this tree (a session's copy of its form's
  // template names its elements with the form plan's strings): the name is not interned, so no
  // hash and no copy per element. `ns` is interned as usual.
  Node* new_element_outliving(std::string_view qname, std::string_view ns = {});
  Node* new_attribute(std::string_view qname, std::string_view value, std::string_view ns = {});
  Node* text_node(Node* leaf);  // the leaf's text() node, created on first use

  void append_child(Node* parent, Node* child);
  void insert_child(Node* parent, std::size_t index, Node* child);
  void remove_child(Node* child);  // detaches; memory stays in the arena
  void add_attribute(Node* element, Node* attr);
  // Deep copy of `src` (from any tree) into this tree, detached.
  Node* clone(const Node* src);

  // Document order. Structural changes mark the order dirty; ensure_order() renumbers.
  void ensure_order();
  bool order_dirty() const { return order_dirty_; }
  std::size_t node_count() const { return nodes_.size(); }
  // A copy of `s` owned by this tree, shared by every node that names it (namespace URIs: one
  // per tree instead of one per node).
  std::string_view intern(std::string_view s);

  // The children of `parent` whose qualified name is `name`, in document order, from an index
  // built on first use; nullptr when `parent` has too few children for an index to pay (the
  // caller scans them). A flat form of 100,000 questions reads /data/q by this instead of
  // comparing 100,000 names. Valid until the next change to `parent`'s children. Safe to call
  // from several threads on a tree nobody changes (a form's shared secondary instances).
  const std::vector<Node*>* children_named(const Node* parent, std::string_view name) const;

 private:
  Node* alloc(NodeKind kind);
  std::deque<Node> nodes_;
  // Node-based, so views into it stay valid; looked up by string_view without a copy.
  std::unordered_set<std::string, StringHash, std::equal_to<>> strings_;
  Node* doc_;
  bool order_dirty_ = true;
  // children_named(): per large parent, name -> its children of that name. Dropped for a parent
  // when its children change (appending keeps it up to date).
  using ChildIndex = std::unordered_map<std::string_view, std::vector<Node*>>;
  mutable std::unordered_map<const Node*, ChildIndex> child_index_;
  mutable std::mutex child_index_mutex_;
  void child_added(Node* parent, Node* child, bool at_end);
};

// Split "prefix:local" into its parts; prefix is empty when there is none.
std::pair<std::string_view, std::string_view> split_qname(std::string_view qname);

}  // namespace khaosat::core
