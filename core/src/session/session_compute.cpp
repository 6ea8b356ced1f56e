// The recomputation engine: a queue of (computation, node) pairs run in the plan's topological
// order; each computation whose result changes what other expressions can see enqueues the
// computations that depend on it (FormPlan's trigger index).
#include <algorithm>
#include <utility>

#include "session/codec.hpp"
#include "session/session_impl.hpp"

namespace khaosat::core {

void FormSessionImpl::enqueue(int comp, int state) {
  NodeState& s = states_[state];
  const CompKind k = plan_.comps[comp].kind;
  if (k == CompKind::Choices) mark_choices_stale(comp);
  if (evaluate_only_ && (k == CompKind::Readonly || k == CompKind::Required || k == CompKind::Constraint)) return;
  int kind = static_cast<int>(k);
  if (s.queued[kind] || !s.live) return;
  s.queued[kind] = true;
  queue_.emplace(plan_.comps[comp].topo, state);
}

void FormSessionImpl::enqueue_all(int first_state) {
  for (int s = first_state; s < static_cast<int>(states_.size()); ++s) {
    const NodeDef& d = plan_.defs[states_[s].def];
    for (int c : d.comp)
      if (c >= 0) enqueue(c, s);
  }
}

void FormSessionImpl::trigger_def(int def) {
  for (int c : plan_.defs[def].triggers) {
    // Even when the computation is queued already: another select may have evaluated the
    // shared list since, before this change.
    mark_choices_stale(c);
    // Every node of the computation is queued already and none has run since: a second change
    // in the same wave (the next of 10,000 new repeat instances) adds nothing. Without this,
    // n changes would each walk n nodes.
    if (pending_all_[static_cast<std::size_t>(c)]) continue;
    for (int s : by_def_[plan_.comps[c].def]) enqueue(c, s);
    pending_all_[static_cast<std::size_t>(c)] = 1;
  }
}

void FormSessionImpl::trigger_subtree(int def) {
  // Instances added or removed: whatever reads the repeat or anything below it.
  const std::string& path = plan_.defs[def].path;
  for (int dd = 0; dd < static_cast<int>(plan_.defs.size()); ++dd) {
    const std::string& p = plan_.defs[dd].path;
    if (p.compare(0, path.size(), path) == 0 && (p.size() == path.size() || p[path.size()] == '/'))
      trigger_def(dd);
  }
}

void FormSessionImpl::changed(int state) {
  ++change_count_;
  trigger_def(states_[state].def);
  for (int c : plan_.defs[states_[state].def].self_triggers) enqueue(c, state);
}

bool FormSessionImpl::evaluate_bool(const xpath::Expr& e, int state) {
  Node* n = states_[state].node;
  xpath::Context ctx{n, 1, 1, n, this};
  try {
    return xpath::evaluate(e, ctx).to_boolean();
  } catch (const xpath::EvalError& err) {
    if (eval_error_.empty())
      eval_error_ = ref_of(state) + ": " + err.what() + " in '" + xpath::source(e) + "'";
    return false;
  }
}

std::string FormSessionImpl::evaluate_string(const xpath::Expr& e, int state) {
  Node* n = states_[state].node;
  xpath::Context ctx{n, 1, 1, n, this};
  try {
    return xpath::evaluate(e, ctx).to_string();
  } catch (const xpath::EvalError& err) {
    if (eval_error_.empty())
      eval_error_ = ref_of(state) + ": " + err.what() + " in '" + xpath::source(e) + "'";
    return {};
  }
}

std::vector<std::string> split_space(std::string_view v) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && std::isspace(static_cast<unsigned char>(v[i]))) ++i;
    std::size_t j = i;
    while (j < v.size() && !std::isspace(static_cast<unsigned char>(v[j]))) ++j;
    if (j > i) out.emplace_back(v.substr(i, j - i));
    i = j;
  }
  return out;
}

namespace {

// The stored value of a select as visible with the current choices: values not among the
// choices are hidden (but kept in storage, as ODK's engine does). A rank (ODK's RankControl)
// shows the listed values that are options, in the order given and each once, followed by every
// option not listed, in option order; a blank rank stays blank.
std::string filter_by_choices(const std::string& stored, const std::vector<Choice>& choices,
                              NodeType type) {
  if (stored.empty()) return stored;
  auto has = [&](std::string_view v) {
    for (const Choice& c : choices)
      if (c.value == v) return true;
    return false;
  };
  if (type == NodeType::Select1) return has(stored) ? stored : std::string();
  std::string out;
  std::vector<std::string_view> shown;
  auto show = [&](std::string_view v) {
    if (type == NodeType::Rank) {
      if (std::find(shown.begin(), shown.end(), v) != shown.end()) return;
      shown.push_back(v);
    }
    if (!out.empty()) out += ' ';
    out += v;
  };
  const std::vector<std::string> values = split_space(stored);  // `shown` points into it
  for (const std::string& v : values)
    if (has(v)) show(v);
  if (type == NodeType::Rank)
    for (const Choice& c : choices) show(c.value);
  return out;
}

}  // namespace

// Recomputes what XPath sees for a leaf (relevance mask, choice filter); signals a change.
static bool refresh_visible(FormSessionImpl&, NodeState& s, const NodeDef& d,
                            const std::vector<Choice>* static_choices) {
  std::string visible;
  if (s.relevant) {
    visible = s.value;
    if (d.has_choices()) {
      const std::vector<Choice>& cs =
          static_choices ? *static_choices : itemset_choices(s);
      visible = filter_by_choices(s.value, cs, d.type);
    }
  }
  if (visible == s.node->value) return false;
  s.node->value = std::move(visible);
  return true;
}

bool FormSessionImpl::write_value(int state, std::string v) {
  NodeState& s = states_[state];
  const NodeDef& d = plan_.defs[s.def];
  if (!d.leaf) return false;
  if (s.value != v) ++revision_;  // stored, even where not yet visible (non-relevant)
  s.value = std::move(v);
  std::vector<Choice> statics;
  const std::vector<Choice>* cs = nullptr;
  if (d.has_choices() && d.control &&
      !d.control->itemset) {
    statics = evaluate_choices(state, false);
    cs = &statics;
  }
  if (refresh_visible(*this, s, d, cs)) {
    changed(state);
    return true;
  }
  return false;
}

void FormSessionImpl::set_relevance(int state) {
  // Effective relevance of `state` from its own flag and its parent; then its subtree.
  std::vector<int> stack{state};
  while (!stack.empty()) {
    int x = stack.back();
    stack.pop_back();
    NodeState& s = states_[x];
    bool parent_rel = s.parent < 0 || states_[s.parent].relevant;
    bool rel = parent_rel && s.self_relevant;
    bool flipped = rel != s.relevant;
    if (flipped) ++revision_;
    s.relevant = rel;
    const NodeDef& d = plan_.defs[s.def];
    if (d.leaf) {
      std::vector<Choice> statics;
      const std::vector<Choice>* cs = nullptr;
      if (d.has_choices() && d.control &&
          !d.control->itemset) {
        statics = evaluate_choices(x, false);
        cs = &statics;
      }
      if (refresh_visible(*this, s, d, cs)) changed(x);
      if (flipped && rel) {
        int calc = d.comp[static_cast<int>(CompKind::Calculate)];
        if (calc >= 0) enqueue(calc, x);
      }
    }
    if (flipped || x == state) {
      for (Node* c : s.node->children)
        if (c->tag >= 0) stack.push_back(c->tag);
      for (Node* a : s.node->attributes)
        if (a->tag >= 0) stack.push_back(a->tag);
    }
  }
}

std::vector<Choice> FormSessionImpl::evaluate_choices(int state, bool labels) {
  const NodeDef& d = plan_.defs[states_[state].def];
  std::vector<Choice> out;
  if (!d.control) return out;
  const Control& c = *d.control;
  if (!c.itemset) {
    for (const Item& it : c.items)
      out.push_back({it.value, labels ? text_of(it.label, state) : std::string()});
    return out;
  }
  const Itemset& is = *c.itemset;
  Node* n = states_[state].node;
  xpath::Context ctx{n, 1, 1, n, this};
  try {
    xpath::Value items = xpath::evaluate(*is.nodeset, ctx);
    if (!items.is_nodeset()) return out;
    const auto& ns = items.node_set();
    out.reserve(ns.size());
    for (std::size_t i = 0; i < ns.size(); ++i) {
      xpath::Context ictx{ns[i], i + 1, ns.size(), n, this};
      Choice ch;
      ch.value = is.value ? xpath::evaluate(*is.value, ictx).to_string() : string_value(ns[i]);
      if (is.label && labels) {
        std::string l = xpath::evaluate(*is.label, ictx).to_string();
        ch.label = is.label_is_itext ? itext(l) : l;
      }
      out.push_back(std::move(ch));
    }
  } catch (const xpath::EvalError& err) {
    if (eval_error_.empty())
      eval_error_ = ref_of(state) + ": " + err.what() + " in itemset '" + is.nodeset_text + "'";
  }
  return out;
}

namespace {

bool same_choices(const std::vector<Choice>& a, const std::vector<Choice>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].value != b[i].value || a[i].label != b[i].label) return false;
  return true;
}

}  // namespace

const std::vector<Choice>& itemset_choices(const NodeState& s) {
  static const std::vector<Choice> kNone;
  return s.choices ? *s.choices : kNone;
}

void FormSessionImpl::mark_choices_stale(int comp) {
  const int list = plan_.comps[comp].shared_list;
  if (list >= 0) shared_lists_[static_cast<std::size_t>(list)].stale = true;
}

std::shared_ptr<const std::vector<Choice>> FormSessionImpl::fresh_choices(int comp, int state) {
  // Evaluate-only (restore()): the choices' values hide or show a select's value; their labels
  // only a snapshot shows, and jr:choice-name() evaluates its own.
  const int list = plan_.comps[comp].shared_list;
  if (list < 0)
    return std::make_shared<const std::vector<Choice>>(evaluate_choices(state, !evaluate_only_));
  SharedList& shared = shared_lists_[static_cast<std::size_t>(list)];
  if (shared.stale) {
    // An error in the itemset is reported once, naming the first select that evaluates it (as
    // when each select evaluated its own, only the first error of an update was kept).
    std::vector<Choice> cs = evaluate_choices(state, !evaluate_only_);
    if (!shared.list || !same_choices(cs, *shared.list))
      shared.list = std::make_shared<const std::vector<Choice>>(std::move(cs));
    shared.stale = false;
  }
  return shared.list;
}

void FormSessionImpl::compute(int comp, int state) {
  const Computation& c = plan_.comps[comp];
  NodeState& s = states_[state];
  if (!s.live) return;
  switch (c.kind) {
    case CompKind::Relevant: {
      bool v = evaluate_bool(*c.expr, state);
      if (v != s.self_relevant) {
        ++change_count_;  // a flip re-runs calculations below even when no value shows it
        s.self_relevant = v;
        set_relevance(state);
      }
      break;
    }
    case CompKind::Readonly: set_flag(s.self_readonly, evaluate_bool(*c.expr, state)); break;
    case CompKind::Required: set_flag(s.required, evaluate_bool(*c.expr, state)); break;
    case CompKind::Constraint: set_flag(s.constraint_ok, evaluate_bool(*c.expr, state)); break;
    case CompKind::Calculate: {
      if (!s.relevant) break;
      std::string v = evaluate_string(*c.expr, state);
      // A calculation that reads itself can double its value on every re-run (join(' ', ., .)),
      // exhausting memory long before kMaxChangesPerRun: a too-long result is an error and the
      // value stays as it was, so the re-runs settle.
      if (v.size() > kMaxCalculatedBytes) {
        if (eval_error_.empty())
          eval_error_ = ref_of(state) + ": the calculation gives " + std::to_string(v.size()) +
                        " bytes; a calculated value may hold at most " +
                        std::to_string(kMaxCalculatedBytes) + " in '" + xpath::source(*c.expr) + "'";
        break;
      }
      v = normalize_for(state, v);
      if ((v != states_[state].value || states_[state].node->value != v) && write_value(state, v) &&
          !initializing_)
        fire_value_changed(state);
      break;
    }
    case CompKind::Choices: {
      std::shared_ptr<const std::vector<Choice>> cs = fresh_choices(comp, state);
      NodeState& st = states_[state];
      if (cs == st.choices) break;
      const bool same = same_choices(*cs, itemset_choices(st));
      st.choices = std::move(cs);  // the same choices too: one list held instead of two
      if (!same) {
        ++revision_;
        if (refresh_visible(*this, st, plan_.defs[st.def], nullptr)) changed(state);
      }
      break;
    }
  }
}

void FormSessionImpl::fire_value_changed(int s, int depth) {
  const NodeDef& d = plan_.defs[states_[s].def];
  if (!value_changed_source_[static_cast<std::size_t>(states_[s].def)]) return;
  if (depth >= kMaxValueChangedDepth) {
    if (eval_error_.empty()) {
      eval_error_ = ref_of(s) + ": xforms-value-changed actions set each other's questions more than " +
                    std::to_string(kMaxValueChangedDepth) + " times in a row";
      eval_error_code_ = ErrorCode::form_action_loop;
    }
    return;
  }
  const std::string here = ref_of(s);
  for (const Action& a : form_->actions) {
    if (a.trigger_ref != d.path) continue;
    if (std::find(a.events.begin(), a.events.end(), "xforms-value-changed") == a.events.end())
      continue;
    // Contextualise repeat paths of the target to this node's instances.
    std::string target = a.ref;
    std::size_t pos = 0;
    while ((pos = here.find('[', pos)) != std::string::npos) {
      std::string unbound = strip_predicates(here.substr(0, pos)) + "/";
      std::size_t close = here.find(']', pos);
      std::string bound = here.substr(0, close + 1) + "/";
      if (target.rfind(unbound, 0) == 0) target = bound + target.substr(unbound.size());
      pos = close;
    }
    int t = find_state(target);
    if (t < 0) continue;
    std::string nv;
    if (a.kind == Action::Kind::SetGeopoint) {
      nv = opts_.env.geopoint ? opts_.env.geopoint() : std::string();
      if (nv.empty()) continue;
    } else {
      nv = a.value ? evaluate_string(*a.value, t) : a.literal;
    }
    if (write_value(t, normalize_for(t, nv))) fire_value_changed(t, depth + 1);
  }
}

Status FormSessionImpl::run_queue() {
  while (!queue_.empty()) {
    auto [topo, state] = queue_.top();
    queue_.pop();
    int comp = comp_by_topo_[topo];
    const int kind = static_cast<int>(plan_.comps[comp].kind);
    pending_all_[static_cast<std::size_t>(comp)] = 0;
    states_[state].queued[kind] = false;
    const std::uint64_t before = change_count_;
    compute(comp, state);
    if (change_count_ == before) continue;
    // It changed what others see, which may queue it again: allow it to settle, not to spin.
    std::uint16_t& n = states_[state].changes[kind];
    if (n == 0) changed_states_.push_back(state);
    if (++n > kMaxChangesPerRun) return stop_runaway(comp, state);
  }
  for (int s : changed_states_) states_[s].changes = {};
  changed_states_.clear();
  if (!eval_error_.empty() && !initializing_) {
    std::string e = std::move(eval_error_);
    eval_error_.clear();
    return Error::make(std::exchange(eval_error_code_, ErrorCode::xpath_eval), e);
  }
  return ok_status();
}

Status FormSessionImpl::stop_runaway(int comp, int state) {
  // Name the computation that kept changing, then those it reads that read it in turn (for
  // c = "/" and e = concat(/data/c, 'x'): c, then e) — the cycle a person has to break.
  const NodeDef& def = plan_.defs[plan_.comps[comp].def];
  const std::string ref = ref_of(state);
  std::string msg = "calculation cycle: " + describe_computation(plan_, comp) +
                    (ref == def.path ? "" : " at " + ref);
  int partners = 0;
  for (int other : def.triggers) {  // the computations that read `comp`'s node
    const Computation& o = plan_.comps[other];
    if (other == comp || o.kind == CompKind::Readonly || o.kind == CompKind::Required ||
        o.kind == CompKind::Constraint)
      continue;  // these change nothing another expression reads
    const auto& back = plan_.defs[o.def].triggers;
    if (!std::binary_search(back.begin(), back.end(), comp)) continue;
    if (++partners > 4) {
      msg += " -> ...";
      break;
    }
    msg += " -> " + describe_computation(plan_, other);
  }
  msg += " never settles: its value changed " + std::to_string(kMaxChangesPerRun) +
         " times in one update";
  queue_ = {};
  for (NodeState& s : states_) {
    s.queued = {};
    s.changes = {};
  }
  changed_states_.clear();
  std::fill(pending_all_.begin(), pending_all_.end(), 0);
  // At load the error must outlive runs whose status is not returned (controlled repeats);
  // later it is returned here and must not be reported again by the next answer.
  if (initializing_) eval_error_ = msg;
  else eval_error_.clear();
  return Error::make(ErrorCode::form_cycle, msg);
}

}  // namespace khaosat::core
