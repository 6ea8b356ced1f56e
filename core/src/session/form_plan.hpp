// FormPlan: what a session needs to know about a form, worked out once per form.
//
// - The node table: one NodeDef per distinct element path of the primary instance template
//   ("/data/rep/q"), with its bind, its body control, its snapshot type and data type, and the
//   template element new repeat instances are cloned from.
// - The computations: every bind expression (relevant, readonly, required, calculate,
//   constraint) and itemset, each with its static dependencies, in one topological order
//   (the dependency DAG). A calculation cycle is a load error naming the cycle.
// - The trigger index: for each NodeDef, the computations to re-run when a node of that
//   definition changes value or relevance, so an answer recomputes only what depends on it.
//
// Immutable after build_plan(); shared by every session of the form.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "khaosat/core/form_session.hpp"
#include "khaosat/core/result.hpp"
#include "xform/form_def.hpp"

namespace khaosat::core {

enum class CompKind : int { Relevant = 0, Readonly, Required, Calculate, Constraint, Choices };
inline constexpr int kCompKinds = 6;

struct NodeDef {
  int parent = -1;
  std::string path;             // "/data/rep/q"
  std::string name;             // element name as written
  std::vector<int> children;    // child definitions, template order
  const Bind* bind = nullptr;
  const Control* control = nullptr;  // the body control bound to this path, if any
  NodeType type = NodeType::Model;      // snapshot type: root, group, repeat-instance, input...
  DataType data_type = DataType::String;  // leaves
  bool has_choices() const { return core::has_choices(type); }
  bool leaf = false;
  bool is_repeat = false;       // elements at this path are repeat instances
  // An attribute a bind or an action writes ("/data/meta/entity/@id"): a leaf of its element,
  // computed and serialized, but not a node of the snapshot (as in ODK's engine).
  bool attribute = false;
  const Control* repeat = nullptr;  // the <repeat> control, when is_repeat
  const Node* template_node = nullptr;  // element in FormDef::instance new instances copy
  int comp[kCompKinds] = {-1, -1, -1, -1, -1, -1};  // computation per kind, or -1
  std::vector<int> triggers;    // computations to re-run when a node of this def changes
  // Computations of this (leaf) def that read only their own node (kDependencySelf): re-run
  // at the node that changed, not at every node of the def.
  std::vector<int> self_triggers;
  bool constant_readonly = false;  // readonly is true() (a note when it's an input)
};

struct Computation {
  int def = -1;
  CompKind kind = CompKind::Calculate;
  const xpath::Expr* expr = nullptr;  // for Choices: the itemset nodeset
  int topo = 0;                       // position in the topological order
  std::vector<std::string> deps;  // xpath::dependencies()
  // Choices only: the itemset's shared list, or -1. Itemsets of the same text (nodeset, value
  // and label refs) that read nothing of the select they run at (xpath::reads_context) and draw
  // no random numbers give the same choices at every select: the session evaluates them once
  // and every such select holds the one list (FormSessionImpl::fresh_choices).
  int shared_list = -1;
};

struct FormPlan {
  std::vector<NodeDef> defs;  // defs[0] is the instance root
  std::unordered_map<std::string, int> by_path;
  std::vector<Computation> comps;
  int shared_lists = 0;  // how many Computation::shared_list ids there are
  std::vector<std::string> languages;
  std::string default_language;
  // The definition of an instance path, or -1. A std::string is looked up as it is (a copy of
  // each path looked up was a malloc per node at session start and in the plan).
  int def_of(const std::string& path) const {
    auto it = by_path.find(path);
    return it == by_path.end() ? -1 : it->second;
  }
  int def_of(std::string_view path) const { return def_of(std::string(path)); }
};

// Builds the plan; fails on a calculation cycle or a body/model mismatch ODK cannot run.
Result<std::shared_ptr<const FormPlan>> build_plan(const FormDef& form);

// The message for a computation that never settles or a cycle of computations.
std::string describe_computation(const FormPlan& plan, int comp);

// "/data/rep[2]/q" -> "/data/rep/q"
std::string strip_predicates(std::string_view ref);

}  // namespace khaosat::core
