#include "session/form_plan.hpp"

#include <algorithm>
#include <functional>
#include <queue>
#include <set>

namespace khaosat::core {

std::string strip_predicates(std::string_view ref) {
  std::string out;
  out.reserve(ref.size());
  int depth = 0;
  for (char c : ref) {
    if (c == '[') ++depth;
    else if (c == ']') depth = std::max(0, depth - 1);
    else if (depth == 0) out += c;
  }
  return out;
}

namespace {

DataType data_type_of(const Bind* b) {
  if (!b || b->type.empty()) return DataType::String;
  const std::string& t = b->type;
  if (t == "int" || t == "integer" || t == "long" || t == "short") return DataType::Int;
  if (t == "decimal" || t == "double" || t == "float") return DataType::Decimal;
  // select, select1, rank, odk:rank, unknown types: strings, as ODK's engine
  return parse_data_type(t).value_or(DataType::String);
}

// A dependency without its kind marker (xpath::dependencies): the path it names, and whether it
// reads values (at or below the path) or only which nodes are there.
struct DepPath {
  std::string path;  // "/" for the document
  bool values = true;
  bool anything_below = false;  // the analysis could not follow the path exactly
  bool self = false;            // the node the expression runs at, only (kDependencySelf)
};

DepPath parse_dependency(std::string_view dep) {
  auto ends = [&](std::string_view suffix) {
    return dep.size() >= suffix.size() &&
           dep.compare(dep.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  DepPath out;
  if (ends(xpath::kDependencySelf)) {
    dep.remove_suffix(xpath::kDependencySelf.size());
    out.self = true;
  } else if (ends(xpath::kDependencyNodesOnly)) {
    dep.remove_suffix(xpath::kDependencyNodesOnly.size());
    out.values = false;
  } else if (ends(xpath::kDependencySubtree)) {
    dep.remove_suffix(xpath::kDependencySubtree.size());
    out.anything_below = true;
  }
  out.path = dep.empty() ? "/" : std::string(dep);
  return out;
}

bool constant_true(const xpath::ExprPtr& e) {
  if (!e) return false;
  std::string s = xpath::source(*e);
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == ' '; }), s.end());
  return s == "true()" || s == "1" || s == "1=1";
}

class Builder {
 public:
  explicit Builder(const FormDef& f) : form_(f), plan_(std::make_shared<FormPlan>()) {}

  Result<std::shared_ptr<const FormPlan>> build() {
    const Node* root = form_.instance ? form_.instance->root() : nullptr;
    if (!root) return Error::make(ErrorCode::form_structure, "the primary instance has no root element");
    // About one path per node of the template (fewer with repeat instances): the index is
    // sized once instead of rehashed all along a 100,000-question form.
    plan_->by_path.reserve(form_.instance->node_count());
    plan_->defs.reserve(form_.instance->node_count());
    add_def(root, -1, "/" + std::string(root->name));
    add_attribute_defs();
    for (const Bind& b : form_.binds) {
      int d = plan_->def_of(b.nodeset);
      if (d >= 0) plan_->defs[d].bind = &b;  // a later bind for the same nodeset wins
    }
    index_controls(form_.body);
    for (NodeDef& d : plan_->defs) classify(d);
    add_computations();
    if (auto st = check_instance_references(); !st) return st.error();
    if (auto st = sort_topologically(); !st) return st.error();
    build_triggers();
    // Languages as ODK's engine lists them: the default first, then the others in form order.
    for (const Translation& t : form_.translations)
      if (t.is_default && plan_->default_language.empty()) plan_->default_language = t.lang;
    if (!plan_->default_language.empty()) plan_->languages.push_back(plan_->default_language);
    for (const Translation& t : form_.translations)
      if (t.lang != plan_->default_language) plan_->languages.push_back(t.lang);
    if (plan_->default_language.empty() && !plan_->languages.empty())
      plan_->default_language = plan_->languages.front();
    return std::shared_ptr<const FormPlan>(plan_);
  }

 private:
  // "/data/g" + "/" + "q" in one allocation.
  static std::string child_path(const std::string& path, std::string_view name) {
    std::string out;
    out.reserve(path.size() + 1 + name.size());
    out.append(path).append(1, '/').append(name);
    return out;
  }

  int add_def(const Node* el, int parent, const std::string& path) {
    // One lookup: the path's definition, added now if it is new.
    int index = static_cast<int>(plan_->defs.size());
    if (auto [it, added] = plan_->by_path.try_emplace(path, index); !added) {
      int existing = it->second;
      NodeDef& d = plan_->defs[existing];
      if (el->attribute("jr:template") != nullptr) d.template_node = el;
      // Children that only this copy has still get definitions.
      for (const Node* c : el->children) add_def(c, existing, child_path(path, c->name));
      return existing;
    }
    plan_->defs.emplace_back();
    {
      NodeDef& d = plan_->defs.back();
      d.parent = parent;
      d.path = path;
      d.name = el->name;
      d.template_node = el;
    }
    if (parent >= 0) plan_->defs[parent].children.push_back(index);
    for (const Node* c : el->children) add_def(c, index, child_path(path, c->name));
    return index;
  }

  // Attributes that binds or actions write (the entity's @create, @update, @id, @baseVersion
  // ... in meta/entity, as ODK's engine computes them): a definition each, a leaf child of its
  // element's definition. Other attributes are left as written, as before.
  void add_attribute_defs() {
    auto add = [this](const std::string& path) {
      std::size_t at = path.rfind("/@");
      if (at == std::string::npos || plan_->def_of(path) >= 0) return;
      std::string name = path.substr(at + 1);  // "@id"
      int parent = plan_->def_of(path.substr(0, at));
      if (parent < 0 || name.find('/') != std::string::npos) return;
      int index = static_cast<int>(plan_->defs.size());
      NodeDef& d = plan_->defs.emplace_back();
      plan_->by_path.emplace(path, index);
      d.parent = parent;
      d.path = path;
      d.name = std::move(name);
      d.attribute = true;
      d.template_node = plan_->defs[parent].template_node;
      plan_->defs[parent].children.push_back(index);
    };
    for (const Bind& b : form_.binds) add(b.nodeset);
    for (const Action& a : form_.actions) add(a.ref);
  }

  void index_controls(const Control& c) {
    if (!c.ref.empty()) {
      int d = plan_->def_of(c.ref);
      if (d >= 0) {
        NodeDef& def = plan_->defs[d];
        if (c.type == ControlType::Repeat) {
          def.is_repeat = true;
          def.repeat = &c;
        } else if (!def.control || def.control->type == ControlType::Group) {
          def.control = &c;
        }
      }
    }
    for (const Control& child : c.children) index_controls(child);
  }

  void classify(NodeDef& d) {
    d.data_type = data_type_of(d.bind);
    d.constant_readonly = d.bind && constant_true(d.bind->readonly);
    if (d.parent < 0) {
      d.type = NodeType::Root;
      return;
    }
    if (d.is_repeat) {
      d.type = NodeType::RepeatInstance;
      return;
    }
    // An element with element children is a group; its attributes do not make it one.
    for (int c : d.children)
      if (!plan_->defs[c].attribute) {
        d.type = NodeType::Group;
        return;
      }
    d.leaf = true;
    if (!d.control || d.control->type == ControlType::Group) {
      d.type = NodeType::Model;
      return;
    }
    const Control& c = *d.control;
    switch (c.type) {
      case ControlType::Input:
        d.type = (d.constant_readonly && (!c.label.empty() || !c.hint.empty())) ? NodeType::Note : NodeType::Input;
        break;
      case ControlType::Select1: d.type = NodeType::Select1; break;
      case ControlType::Select: d.type = NodeType::Select; break;
      case ControlType::Range: d.type = NodeType::Range; break;
      case ControlType::Rank: d.type = NodeType::Rank; break;
      case ControlType::Trigger: d.type = NodeType::Trigger; break;
      case ControlType::Upload: d.type = NodeType::Upload; break;
      default: d.type = NodeType::Model; break;
    }
  }

  void add_comp(int def, CompKind kind, const xpath::Expr* expr, const std::string& ctx) {
    if (!expr) return;
    Computation c;
    c.def = def;
    c.kind = kind;
    c.expr = expr;
    c.deps = xpath::dependencies(*expr, ctx);
    plan_->defs[def].comp[static_cast<int>(kind)] = static_cast<int>(plan_->comps.size());
    plan_->comps.push_back(std::move(c));
  }

  void add_computations() {
    for (int i = 0; i < static_cast<int>(plan_->defs.size()); ++i) {
      NodeDef& d = plan_->defs[i];
      if (d.bind) {
        const Bind& b = *d.bind;
        add_comp(i, CompKind::Relevant, b.relevant.get(), d.path);
        add_comp(i, CompKind::Readonly, b.readonly.get(), d.path);
        add_comp(i, CompKind::Required, b.required.get(), d.path);
        if (d.leaf) add_comp(i, CompKind::Calculate, b.calculate.get(), d.path);
        if (d.leaf) add_comp(i, CompKind::Constraint, b.constraint.get(), d.path);
      }
      if (d.leaf && d.control && d.control->itemset) {
        const Itemset& is = *d.control->itemset;
        add_comp(i, CompKind::Choices, is.nodeset.get(), d.path);
        // The value and label refs are evaluated per item; what they read beyond the item is
        // rare, but a label may depend on the language only (handled by set_language).
      }
    }
    share_choice_lists();
  }

  // Computation::shared_list: itemsets that give the same choices wherever they run share one
  // id per distinct text.
  void share_choice_lists() {
    std::unordered_map<std::string, int> ids;
    for (Computation& c : plan_->comps) {
      if (c.kind != CompKind::Choices) continue;
      const Itemset& is = *plan_->defs[c.def].control->itemset;
      if (xpath::reads_context(*is.nodeset) || xpath::draws_random(*is.nodeset)) continue;
      std::string key = xpath::source(*is.nodeset);
      bool per_select = false;
      for (const xpath::ExprPtr& ref : {is.value, is.label}) {
        key += '\0';
        if (!ref) continue;
        per_select = per_select || xpath::reads_current(*ref) || xpath::draws_random(*ref);
        key += xpath::source(*ref);
      }
      if (per_select) continue;
      key += is.label_is_itext ? "\0itext" : "\0";
      c.shared_list = ids.try_emplace(std::move(key), static_cast<int>(ids.size())).first->second;
    }
    plan_->shared_lists = static_cast<int>(ids.size());
  }

  // Ordering edges: a computation comes after what produces what it reads — the calculation
  // or itemset at the path itself, and relevance at the path or above it (relevance blanks
  // values). What produces the values below a group is not ordered before a computation that
  // reads the group's text (string(/data/g), "/"): such a read often includes the reader itself
  // or what reads it (string-length(/data) in a calculate of /data/c), which ODK's engine
  // settles by re-running, and an edge would make it a false cycle. Ordering is an optimisation
  // only; the trigger index re-runs a computation whenever anything it reads changes, and the
  // session re-runs until values settle (and reports a cycle when they never do).
  // The producers for `dep`, found through the path index rather than by a scan.
  std::vector<int> producers_of(const std::string& dep_text) const {
    std::vector<int> out;
    const std::string dep = parse_dependency(dep_text).path;
    int d = plan_->def_of(dep);
    if (d >= 0) {
      for (CompKind k : {CompKind::Calculate, CompKind::Choices})
        if (int c = plan_->defs[d].comp[static_cast<int>(k)]; c >= 0) out.push_back(c);
    }
    // Relevance of the path and its ancestors; the deepest existing definition first.
    std::string prefix = dep;
    while (!prefix.empty()) {
      int a = plan_->def_of(prefix);
      if (a >= 0) {
        for (; a >= 0; a = plan_->defs[a].parent)
          if (int c = plan_->defs[a].comp[static_cast<int>(CompKind::Relevant)]; c >= 0)
            out.push_back(c);
        break;
      }
      std::size_t slash = prefix.rfind('/');
      if (slash == std::string::npos || slash == 0) break;
      prefix.resize(slash);
    }
    return out;
  }

  // instance('id') with a literal id must name a secondary instance the form declares: ODK's
  // engines only find out when the expression first runs, often in the field.
  Status check_instance_references() const {
    std::set<std::string> declared;
    for (const SecondaryInstance& si : form_.secondary) declared.insert(si.id);
    std::vector<std::string> problems;
    std::set<std::pair<int, std::string>> seen;  // (computation, id) reported once
    for (int i = 0; i < static_cast<int>(plan_->comps.size()); ++i) {
      for (const std::string& dep : plan_->comps[i].deps) {
        if (dep.rfind("instance('", 0) != 0) continue;
        std::size_t close = dep.find("')", 10);
        if (close == std::string::npos) continue;
        std::string id = dep.substr(10, close - 10);
        if (declared.count(id) || !seen.emplace(i, id).second) continue;
        problems.push_back(describe_computation(*plan_, i) + ": instance('" + id +
                           "') names no secondary instance of this form");
      }
    }
    if (problems.empty()) return ok_status();
    std::string known;
    for (const std::string& id : declared) known += (known.empty() ? "" : ", ") + id;
    std::string msg = problems.size() == 1 ? problems.front()
                                           : std::to_string(problems.size()) + " errors:";
    if (problems.size() > 1)
      for (const std::string& p : problems) msg += "\n  " + p;
    msg += known.empty() ? " (the form declares none)" : " (declared: " + known + ")";
    return Error::make(ErrorCode::form_reference, msg);
  }

  Status sort_topologically() {
    const int n = static_cast<int>(plan_->comps.size());
    std::vector<std::vector<int>> out(n);
    std::vector<int> indeg(n, 0);
    for (int i = 0; i < n; ++i) {
      const Computation& c = plan_->comps[i];
      std::vector<int> from;
      for (const std::string& dep : c.deps) {
        if (dep.rfind("instance(", 0) == 0) continue;  // secondary instances never change
        for (int p : producers_of(dep)) {
          // A computation that reads what it writes (calculate="coalesce(., 'x')") is not a
          // static cycle: like ODK's engine, the session re-runs it until it settles and
          // reports a cycle only when it never does (calculate="../a + 1").
          if (p != i) from.push_back(p);
        }
      }
      std::sort(from.begin(), from.end());
      from.erase(std::unique(from.begin(), from.end()), from.end());
      for (int p : from) {
        out[p].push_back(i);
        ++indeg[i];
      }
    }
    // Kahn's algorithm; ties in form order so the order is stable.
    std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
    for (int i = 0; i < n; ++i)
      if (indeg[i] == 0) ready.push(i);
    int next = 0;
    while (!ready.empty()) {
      int i = ready.top();
      ready.pop();
      plan_->comps[i].topo = next++;
      for (int j : out[i])
        if (--indeg[j] == 0) ready.push(j);
    }
    if (next == n) return ok_status();
    std::vector<int> left;
    for (int i = 0; i < n; ++i)
      if (indeg[i] > 0) left.push_back(i);
    return cycle_error(find_cycle(left, out, indeg));
  }

  std::vector<int> find_cycle(const std::vector<int>& left, const std::vector<std::vector<int>>& out,
                              const std::vector<int>& indeg) {
    // Walk forward inside the unsorted set until a node repeats.
    std::vector<int> seen_at(plan_->comps.size(), -1);
    std::vector<int> path;
    int cur = left.front();
    while (seen_at[cur] < 0) {
      seen_at[cur] = static_cast<int>(path.size());
      path.push_back(cur);
      int nxt = -1;
      for (int j : out[cur])
        if (indeg[j] > 0) { nxt = j; break; }
      if (nxt < 0) break;
      cur = nxt;
    }
    if (seen_at[cur] >= 0) return std::vector<int>(path.begin() + seen_at[cur], path.end());
    return path;
  }

  Status cycle_error(const std::vector<int>& cycle) {
    std::string msg = "calculation cycle: ";
    for (std::size_t k = 0; k < cycle.size(); ++k) {
      if (k) msg += " -> ";
      msg += describe_computation(*plan_, cycle[k]);
    }
    return Error::make(ErrorCode::form_cycle, msg);
  }

  // Trigger index: a change at a definition re-runs every computation that reads a value at or
  // above it. A dependency on values marks the subtree of its definition (the text of a group
  // is everything below it), found as a range of the definitions' pre-order; one on which nodes
  // there are (count(/data/rep), position(..)) marks its definition only, where repeat changes
  // are reported; a dependency with no definition of its own (an attribute, a name the template
  // lacks, "/") marks what its path prefix covers.
  void build_triggers() {
    const int n = static_cast<int>(plan_->defs.size());
    std::vector<int> order, first(n), last(n);
    order.reserve(n);
    std::vector<std::pair<int, bool>> stack{{0, false}};
    while (!stack.empty()) {
      auto [d, done] = stack.back();
      stack.pop_back();
      if (done) {
        last[d] = static_cast<int>(order.size());
        continue;
      }
      first[d] = static_cast<int>(order.size());
      order.push_back(d);
      stack.push_back({d, true});
      const auto& kids = plan_->defs[d].children;
      for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.push_back({*it, false});
    }
    // The definitions by path, sorted: those a path prefix covers are two ranges of it, found
    // by binary search (a scan of every definition per dependency would make 100,000 questions
    // that read an attribute cost 100,000 x 100,000).
    std::vector<std::pair<std::string_view, int>> by_sorted_path;
    by_sorted_path.reserve(n);
    for (int k = 0; k < n; ++k) by_sorted_path.emplace_back(plan_->defs[k].path, k);
    std::sort(by_sorted_path.begin(), by_sorted_path.end());
    for (int ci = 0; ci < static_cast<int>(plan_->comps.size()); ++ci) {
      for (const std::string& dep : plan_->comps[ci].deps) {
        if (dep.rfind("instance(", 0) == 0) continue;
        const DepPath dp = parse_dependency(dep);
        const std::string& path = dp.path;
        int d = plan_->def_of(path);
        // Its own leaf's value: a change there re-runs it at that node only, not at every node
        // of the path (the other instances of a repeat). A group's own value is the text below
        // it, changed from other nodes: that stays an ordinary dependency.
        if (dp.self && d >= 0 && d == plan_->comps[ci].def && plan_->defs[d].leaf) {
          plan_->defs[d].self_triggers.push_back(ci);
          continue;
        }
        if (d >= 0 && !dp.values) {
          plan_->defs[d].triggers.push_back(ci);
          continue;
        }
        if (d >= 0) {
          for (int k = first[d]; k < last[d]; ++k) plan_->defs[order[k]].triggers.push_back(ci);
          continue;
        }
        // No definition at the path (an attribute, a name the template lacks, "/"): what the
        // path prefix covers.
        for (int k : covered_by(path, by_sorted_path)) plan_->defs[k].triggers.push_back(ci);
      }
    }
    for (NodeDef& d : plan_->defs) {
      for (auto* t : {&d.triggers, &d.self_triggers}) {
        std::sort(t->begin(), t->end());
        t->erase(std::unique(t->begin(), t->end()), t->end());
      }
      // Already re-run at every node of the definition: nothing to add at one node.
      std::erase_if(d.self_triggers, [&d](int c) {
        return std::binary_search(d.triggers.begin(), d.triggers.end(), c);
      });
    }
  }

  // The definitions whose path is `prefix` or below it (`prefix` "/": every one), from `sorted` (every
  // definition's path, sorted): the exact path, then the contiguous run starting "prefix/".
  static std::vector<int> covered_by(const std::string& prefix,
                                     const std::vector<std::pair<std::string_view, int>>& sorted) {
    std::vector<int> out;
    auto from = [&](std::string_view start) {
      return std::lower_bound(sorted.begin(), sorted.end(), std::pair{start, -1});
    };
    if (prefix != "/")
      if (auto it = from(prefix); it != sorted.end() && it->first == prefix)
        out.push_back(it->second);
    const std::string below = prefix == "/" ? prefix : prefix + "/";
    for (auto it = from(below); it != sorted.end() && it->first.starts_with(below); ++it)
      out.push_back(it->second);
    return out;
  }

  const FormDef& form_;
  std::shared_ptr<FormPlan> plan_;
};

}  // namespace

std::string describe_computation(const FormPlan& plan, int comp) {
  static const char* names[] = {"relevant", "readonly", "required", "calculate", "constraint",
                                "itemset"};
  const Computation& c = plan.comps[comp];
  return plan.defs[c.def].path + " (" + names[static_cast<int>(c.kind)] + "=\"" +
         xpath::source(*c.expr) + "\")";
}

Result<std::shared_ptr<const FormPlan>> build_plan(const FormDef& form) {
  return Builder(form).build();
}

}  // namespace khaosat::core
