// FormSession: building the instance, start/restore, answers and repeats. The computation engine
// is in session_compute.cpp, snapshots in session_snapshot.cpp, XML/JSON in session_serialize.cpp.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <span>

#include "khaosat/core/parse_number.hpp"
#include "session/codec.hpp"
#include "session/session_impl.hpp"

namespace khaosat::core {

// ---------------------------------------------------------------------------------------------
// FormSession (the public wrapper)

FormSession::FormSession(std::unique_ptr<FormSessionImpl> impl) : impl_(std::move(impl)) {}
FormSession::~FormSession() = default;

Result<std::unique_ptr<FormSession>> FormSession::start(Form form, SessionOptions options) {
  if (!form || !form->plan) return Error::make(ErrorCode::session, "the form is not loaded");
  auto impl = std::make_unique<FormSessionImpl>(std::move(form), std::move(options));
  if (Status st = impl->initialize(nullptr); !st) return st.error();
  return std::unique_ptr<FormSession>(new FormSession(std::move(impl)));
}

const Form& FormSession::form() const { return impl_->form(); }
std::vector<NodeSnapshot> FormSession::nodes() const { return impl_->nodes(); }
std::optional<NodeSnapshot> FormSession::node(std::string_view ref) const {
  return impl_->node_snapshot(ref);
}
std::optional<NodeSnapshot> FormSession::node(NodeId id) const { return impl_->node_snapshot(id); }
std::uint64_t FormSession::revision() const { return impl_->revision(); }
std::vector<std::pair<std::string, std::string>> FormSession::warnings() const {
  return impl_->warnings();
}
std::vector<std::pair<std::string, Violation>> FormSession::violations() const {
  return impl_->violations();
}
Status FormSession::answer(std::string_view ref, std::string_view value) {
  return impl_->answer(ref, value);
}
Status FormSession::answer_values(std::string_view ref, const std::vector<std::string>& values) {
  return impl_->answer_values(ref, values);
}
Status FormSession::add_repeat(std::string_view ref, int count, int after) {
  return impl_->add_repeat(ref, count, after);
}
Status FormSession::remove_repeat(std::string_view ref) { return impl_->remove_repeat(ref); }
std::vector<std::string> FormSession::languages() const { return impl_->form()->plan->languages; }
std::string FormSession::language() const { return impl_->language(); }
Status FormSession::set_language(std::string_view language) {
  return impl_->set_language(language);
}
std::vector<FormSession::Prompt> FormSession::pages() const { return impl_->pages(); }
std::string FormSession::instance_xml() const { return impl_->instance_xml(); }
std::string FormSession::instance_json() const { return impl_->instance_json(); }
std::vector<std::pair<std::string, Violation>> FormSession::validate() const {
  return impl_->violations();
}

Result<FormSession::Finalized> FormSession::finalize() { return impl_->finalize(); }
Result<std::string> FormSession::evaluate(std::string_view expression) {
  return impl_->evaluate_text(expression);
}

Result<std::string> FormSessionImpl::evaluate_text(std::string_view expression) {
  auto e = xpath::parse(expression);
  if (!e) return e.error();
  Node* n = states_.front().node;
  xpath::Context ctx{n, 1, 1, n, this};
  try {
    return xpath::evaluate(**e, ctx).to_string();
  } catch (const xpath::EvalError& err) {
    return Error::make(ErrorCode::xpath_eval, std::string(err.what()) + " in '" + std::string(expression) + "'");
  }
}

// ---------------------------------------------------------------------------------------------
// Construction

namespace {

// Every unset seam comes from one Env: the device's clock AND its time zone, so that today()
// on a phone in Vietnam is the local date, not UTC's, without the caller passing the offset.
SessionEnvironment fill_defaults(SessionEnvironment env) {
  Env* os = env.os ? env.os : &Env::default_env();
  env.os = os;
  if (!env.now_ms) env.now_ms = [os] { return static_cast<double>(os->now_ms()); };
  if (!env.tz_offset_minutes)
    env.tz_offset_minutes = [os](double ms) {
      return os->utc_offset_minutes(static_cast<std::int64_t>(std::floor(ms)));
    };
  if (!env.random) env.random = [os] { return os->random_unit(); };
  if (!env.uuid) env.uuid = [os] { return os->uuid_v4(); };
  return env;
}

}  // namespace

FormSessionImpl::FormSessionImpl(Form form, SessionOptions options)
    : form_(std::move(form)), plan_(*form_->plan), opts_(std::move(options)) {
  opts_.env = fill_defaults(std::move(opts_.env));
  by_def_.resize(plan_.defs.size());
  comp_by_topo_.resize(plan_.comps.size());
  pending_all_.assign(plan_.comps.size(), 0);
  shared_lists_.resize(static_cast<std::size_t>(plan_.shared_lists));
  for (int i = 0; i < static_cast<int>(plan_.comps.size()); ++i)
    comp_by_topo_[plan_.comps[i].topo] = i;
  value_changed_source_.assign(plan_.defs.size(), 0);
  for (const Action& a : form_->actions) {
    int def = plan_.def_of(a.trigger_ref);
    if (def >= 0 && std::find(a.events.begin(), a.events.end(), "xforms-value-changed") != a.events.end())
      value_changed_source_[static_cast<std::size_t>(def)] = 1;
  }
  lang_ = opts_.language.empty() ? plan_.default_language : opts_.language;
  for (const Translation& t : form_->translations)
    if (t.lang == lang_) translation_ = &t;
  if (!translation_) {
    lang_ = plan_.default_language;
    for (const Translation& t : form_->translations)
      if (t.lang == lang_) translation_ = &t;
  }
}

int FormSessionImpl::add_state(Node* n, int def, int parent) {
  int index = static_cast<int>(states_.size());
  NodeState& s = states_.emplace_back();
  s.node = n;
  s.def = def;
  s.parent = parent;
  s.id = ++next_id_;
  n->tag = index;
  by_def_[def].push_back(index);
  ++live_nodes_;
  ++revision_;
  // The repeat ranges below this node get their ids now, so they never change.
  for (int cd : plan_.defs[def].children)
    if (plan_.defs[cd].is_repeat) range_ids_[range_key(index, cd)] = ++next_id_;
  return index;
}

namespace {

bool controlled_repeat(const NodeDef& d) {
  return d.is_repeat && d.repeat && (d.repeat->repeat_count || d.repeat->no_add_remove);
}

// Copies a source element (from the template, a form-defined instance or a restored instance)
// into `tree`. Children are laid out in definition order; repeat children are instances.
struct Copier {
  Tree& tree;
  const FormPlan& plan;
  bool restoring;

  Node* copy(const Node* src, int def, bool blank) {
    const NodeDef& d = plan.defs[def];
    // The plan outlives the session's tree (the session holds its form), so the element is
    // named with the definition's string instead of an interned copy.
    Node* n = tree.new_element_outliving(d.name, src ? src->ns : std::string_view{});
    n->tag = def;  // the element's definition, until adopt_subtree gives it its state
    const Node* attr_src = src ? src : d.template_node;
    for (const Node* a : attr_src->attributes) {
      if (a->name == "jr:template" || a->local == "template") continue;
      tree.add_attribute(n, tree.new_attribute(a->name, a->value, a->ns));
    }
    if (d.leaf) {
      n->value = (src && !blank) ? src->value : std::string();
      return n;
    }
    SourceChildren by_name(src);
    for (int cd : d.children) {
      const NodeDef& c = plan.defs[cd];
      if (c.attribute) continue;  // copied with the element's attributes above
      if (c.is_repeat) {
        if (controlled_repeat(c) && !restoring) continue;  // created from jr:count later
        for (const Node* e : by_name.all(c.name)) {
          if (!restoring && e->attribute("jr:template")) continue;
          tree.append_child(n, copy(e, cd, blank));
        }
        continue;
      }
      auto same = by_name.all(c.name);
      if (!same.empty()) tree.append_child(n, copy(same.front(), cd, blank));
      else tree.append_child(n, copy(nullptr, cd, true));
    }
    return n;
  }

  // A source element's children grouped by name, in document order: each child definition
  // finds its elements without scanning every sibling (a flat form of 100,000 questions
  // would otherwise cost 100,000 x 100,000 name comparisons).
  class SourceChildren {
   public:
    explicit SourceChildren(const Node* src) {
      if (!src) return;
      order_.reserve(src->children.size());
      for (const Node* e : src->children) order_.push_back(e);
      std::stable_sort(order_.begin(), order_.end(),
                       [](const Node* a, const Node* b) { return a->name < b->name; });
    }
    // The children named `name`, in document order.
    std::span<const Node* const> all(const std::string& name) const {
      auto lo = std::lower_bound(order_.begin(), order_.end(), name,
                                 [](const Node* e, const std::string& n) { return e->name < n; });
      auto hi = lo;
      while (hi != order_.end() && (*hi)->name == name) ++hi;
      return {lo, hi};
    }

   private:
    std::vector<const Node*> order_;
  };
};

}  // namespace

void FormSessionImpl::adopt_subtree(Node* n, int def, int parent_state, bool first_load) {
  int s = add_state(n, def, parent_state);
  const NodeDef& d = plan_.defs[def];
  for (Node* a : n->attributes) {  // the attributes binds and actions write
    int ad = d.children.empty() ? -1 : plan_.def_of(d.path + "/@" + std::string(a->name));
    if (ad < 0) continue;
    int as = add_state(a, ad, s);
    states_[as].value = normalize_for(as, a->value);
    a->value = states_[as].value;
  }
  if (d.leaf) {
    states_[s].value = normalize_for(s, n->value);
    n->value = states_[s].value;
    run_preloads(s, first_load);
    return;
  }
  // Every element below came from Copier::copy, which left its definition in the tag: no
  // lookup of each child's path (100,000 of them in a large form).
  for (Node* c : n->children) {
    assert(c->tag >= 0 && plan_.defs[c->tag].parent == def);
    adopt_subtree(c, c->tag, s, first_load);
  }
}

// Preload expressions, parsed once for every session.
const xpath::Expr& FormSessionImpl::now_expr() {
  static const xpath::ExprPtr e = xpath::parse("now()").value();
  return *e;
}
const xpath::Expr& FormSessionImpl::today_expr() {
  static const xpath::ExprPtr e = xpath::parse("today()").value();
  return *e;
}

Status FormSessionImpl::initialize(const Node* restored) {
  initializing_ = true;
  const Node* template_root = form_->instance->root();
  Copier copier{tree_, plan_, restored != nullptr};
  Node* root = copier.copy(restored ? restored : template_root, 0, false);
  tree_.append_child(tree_.document(), root);
  adopt_subtree(root, 0, -1, restored == nullptr);
  if (restored)
    if (Status st = check_restored(0); !st) return st;

  // Every computation runs once, in topological order.
  for (int s = 0; s < static_cast<int>(states_.size()); ++s) set_relevance(s);
  enqueue_all(0);
  if (Status st = run_queue(); !st) return st;
  update_controlled_repeats();
  if (!restored) run_actions("odk-instance-first-load", 0);
  run_actions("odk-instance-load", 0);
  if (Status st = run_queue(); !st) return st;
  update_controlled_repeats();
  initializing_ = false;
  if (!eval_error_.empty()) return Error::make(ErrorCode::form_expression, eval_error_);
  return ok_status();
}

std::string FormSessionImpl::normalize_for(int state, std::string_view v) const {
  const NodeDef& d = plan_.defs[states_[state].def];
  if (d.type == NodeType::Trigger) {
    std::string lower(v);
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    return lower == "ok" ? "OK" : "";
  }
  std::string out = normalize_value(to_string(d.data_type), v);
  if (d.type == NodeType::Range && !out.empty() && d.control &&
      !within_range(out, normalize_value(to_string(d.data_type), d.control->range_start),
                    normalize_value(to_string(d.data_type), d.control->range_end)))
    return "";
  return out;
}

void FormSessionImpl::run_preloads(int state, bool first_load) {
  const NodeDef& d = plan_.defs[states_[state].def];
  if (!d.bind || d.bind->preload.empty()) return;
  const std::string& p = d.bind->preload;
  const std::string& param = d.bind->preload_params;
  // New repeat instances get no preloads; a restored instance keeps its values.
  if (!first_load) return;
  std::string v;
  if (p == "uid") {
    v = "uuid:" + uuid();
  } else if (p == "timestamp" && param == "start") {
    v = evaluate_string(now_expr(), state);
  } else if (p == "date" && param == "today") {
    v = evaluate_string(today_expr(), state);
  } else if (p == "property") {
    v = property(param);
  }
  if (!v.empty()) {
    states_[state].value = normalize_for(state, v);
    states_[state].node->value = states_[state].value;
  }
}

Result<FormSession::Finalized> FormSessionImpl::finalize() {
  FormSession::Finalized out;
  out.violations = violations();
  if (!out.violations.empty()) return out;  // nothing applied, nothing changed
  // End preloads, remembering what they replace so that a failure can put it back.
  const std::uint64_t revision_before = revision_;
  std::vector<std::pair<int, std::string>> replaced;
  for (int s = 0; s < static_cast<int>(states_.size()); ++s) {
    const NodeState& st = states_[s];
    if (!st.live) continue;
    const NodeDef& d = plan_.defs[st.def];
    if (d.bind && d.bind->preload == "timestamp" && d.bind->preload_params == "end") {
      replaced.emplace_back(s, st.value);
      write_value(s, evaluate_string(now_expr(), s));
    }
  }
  Status st = run_queue();
  update_controlled_repeats();
  if (st) out.violations = violations();
  if (!st || !out.violations.empty()) {
    for (auto& [s, v] : replaced) write_value(s, std::move(v));
    (void)run_queue();
    update_controlled_repeats();
    revision_ = revision_before;
    if (!st) return st.error();
    return out;
  }
  out.finalized = true;
  out.instance_xml = instance_xml();
  return out;
}

void FormSessionImpl::run_actions(const std::string& event, int scope_state) {
  // scope_state: only targets inside this subtree (the root for load events).
  for (const Action& a : form_->actions) {
    if (std::find(a.events.begin(), a.events.end(), event) == a.events.end()) continue;
    std::string geopoint;
    if (a.kind == Action::Kind::SetGeopoint) {
      geopoint = opts_.env.geopoint ? opts_.env.geopoint() : std::string();
      if (geopoint.empty()) continue;  // no location fix: nothing to write
    }
    int def = plan_.def_of(a.ref);
    if (def < 0) continue;
    for (int s : by_def_[def]) {
      if (!states_[s].live) continue;
      bool inside = false;
      for (int p = s; p >= 0; p = states_[p].parent)
        if (p == scope_state) { inside = true; break; }
      if (!inside || !states_[s].relevant) continue;
      std::string v = a.kind == Action::Kind::SetGeopoint ? geopoint
                      : a.value                             ? evaluate_string(*a.value, s)
                                                            : a.literal;
      write_value(s, normalize_for(s, v));
      int calc = plan_.defs[def].comp[static_cast<int>(CompKind::Calculate)];
      if (calc >= 0) enqueue(calc, s);  // a calculate on the same node wins
      // Settle before the next action, so it sees computed values (ODK runs each action once
      // the form is attached and every calculation is current).
      (void)run_queue();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Lookup

int FormSessionImpl::find_state(std::string_view ref) const {
  // "/data/rep[2]/q": walk from the root matching names and positions ([1] when omitted).
  if (ref.empty() || ref[0] != '/' || states_.empty()) return -1;
  std::size_t i = 1;
  const Node* cur = nullptr;
  while (i <= ref.size()) {
    std::size_t j = ref.find('/', i);
    if (j == std::string_view::npos) j = ref.size();
    std::string_view step = ref.substr(i, j - i);
    int pos = 1;
    std::size_t br = step.find('[');
    if (br != std::string_view::npos) {
      // "[2]" and nothing after it: "[2x]", "[]" or a position past int's range finds nothing.
      if (step.back() != ']') return -1;
      auto n = parse_int(step.substr(br + 1, step.size() - br - 2), 1);
      if (!n) return -1;
      pos = *n;
      step = step.substr(0, br);
    }
    if (!cur) {
      const Node* root = tree_.root();
      if (!root || root->name != step || pos != 1) return -1;
      cur = root;
    } else {
      const Node* found = nullptr;
      int k = 0;
      for (const Node* c : cur->children)
        if (c->name == step && ++k == pos) { found = c; break; }
      if (!found) return -1;
      cur = found;
    }
    i = j + 1;
  }
  return cur ? cur->tag : -1;
}

int FormSessionImpl::repeat_position(int state) const {
  return states_[state].node->same_name_position();
}

std::string FormSessionImpl::ref_of(int state) const {
  std::vector<int> chain;
  for (int s = state; s >= 0; s = states_[s].parent) chain.push_back(s);
  std::string ref;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const NodeDef& d = plan_.defs[states_[*it].def];
    ref += "/" + d.name;
    if (d.is_repeat) ref += "[" + std::to_string(repeat_position(*it)) + "]";
  }
  return ref;
}

std::vector<int> FormSessionImpl::repeat_instances(int parent_state, int def) const {
  std::vector<int> out;
  const std::string& name = plan_.defs[def].name;
  for (const Node* c : states_[parent_state].node->children)
    if (c->name == name) out.push_back(c->tag);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Mutations

// Field data must survive as XML: a submission with a NUL or an ESC in it is not well-formed,
// and the server (or ODK Central) would refuse it long after the person who typed it left.
// Every answer and every restored value comes through here, so nothing else has to check.
Status FormSessionImpl::check_storable(int state, std::string_view v) const {
  auto problem = unstorable_character(v);
  if (!problem) return ok_status();
  return Error::make(ErrorCode::session_value, ref_of(state) + ": the value has " + *problem +
                                          ", which XML 1.0 cannot carry; remove it");
}

Status FormSessionImpl::check_restored(int state) const {
  // Every stored value and every attribute of the restored instance (a damaged draft).
  for (int s = state; s < static_cast<int>(states_.size()); ++s) {
    if (Status st = check_storable(s, states_[s].value); !st) return st;
    for (const Node* a : states_[s].node->attributes)
      if (auto problem = unstorable_character(a->value))
        return Error::make(ErrorCode::session_value, ref_of(s) + "/@" + std::string(a->name) + ": the value has " +
                                                *problem + ", which XML 1.0 cannot carry");
  }
  return ok_status();
}

int FormSessionImpl::writable_leaf(std::string_view ref, Status& error) const {
  int s = find_state(ref);
  if (s < 0) {
    error = Error::make(ErrorCode::session_ref, "no node '" + std::string(ref) + "' in the form");
    return -1;
  }
  const NodeDef& d = plan_.defs[states_[s].def];
  if (!d.leaf) {
    error = Error::make(ErrorCode::session_ref, std::string(ref) + " is a " + std::string(to_string(d.type)) + ", not a question");
    return -1;
  }
  if (d.type == NodeType::Model) {
    error = Error::make(ErrorCode::session_model,
                        std::string(ref) + " has no control: it is computed, not answered");
    return -1;
  }
  // ODK's engine refuses writes to a node that is readonly, by its own bind or inherited.
  if (effective_readonly(s)) {
    error = Error::make(ErrorCode::session_readonly, "Cannot write to readonly field: " + ref_of(s));
    return -1;
  }
  return s;
}

Status FormSessionImpl::answer(std::string_view ref, std::string_view value) {
  Status error = ok_status();
  int s = writable_leaf(ref, error);
  if (s < 0) return error;
  if (Status st = check_storable(s, value); !st) return st;
  const NodeDef& d = plan_.defs[states_[s].def];
  if (d.type == NodeType::Select1) return answer_values(ref, {std::string(value)});
  if (d.has_choices()) return answer_values(ref, split_space(value));
  return commit_answer(s, normalize_for(s, value));
}

Status FormSessionImpl::answer_values(std::string_view ref, const std::vector<std::string>& wanted) {
  Status error = ok_status();
  int s = writable_leaf(ref, error);
  if (s < 0) return error;
  const NodeDef& d = plan_.defs[states_[s].def];
  std::string joined;
  for (const std::string& w : wanted) joined += (joined.empty() ? "" : " ") + w;
  if (Status st = check_storable(s, joined); !st) return st;
  if (!d.has_choices())
    return Error::make(ErrorCode::session_ref,
                       std::string(ref) + " is a " + std::string(to_string(d.type)) + ", not a select");
  std::vector<Choice> statics;
  if (!d.control || !d.control->itemset) statics = evaluate_choices(s, false);
  const std::vector<Choice>& choices =
      d.control && d.control->itemset ? itemset_choices(states_[s]) : statics;
  std::string out;
  if (d.type == NodeType::Rank) {
    for (const Choice& c : choices)
      if (std::find(wanted.begin(), wanted.end(), c.value) == wanted.end())
        return Error::make(ErrorCode::session_rank,
                           "a rank must list every option; '" + c.value + "' is missing");
    for (const std::string& w : wanted) out += (out.empty() ? "" : " ") + w;
  } else {
    for (const Choice& c : choices)
      if (std::find(wanted.begin(), wanted.end(), c.value) != wanted.end()) {
        out += (out.empty() ? "" : " ") + c.value;
        if (d.type == NodeType::Select1) break;
      }
  }
  return commit_answer(s, out);
}

Status FormSessionImpl::commit_answer(int s, std::string v) {
  if (write_value(s, std::move(v))) fire_value_changed(s);
  Status st = run_queue();
  update_controlled_repeats();
  return st;
}

Status FormSessionImpl::add_repeat(std::string_view ref, int count, int after) {
  std::string path = strip_predicates(ref);
  int def = plan_.def_of(path);
  if (def < 0 || !plan_.defs[def].is_repeat)
    return Error::make(ErrorCode::session_ref, "'" + std::string(ref) + "' is not a repeat");
  const NodeDef& d = plan_.defs[def];
  if (controlled_repeat(d))
    return Error::make(ErrorCode::session_repeat, "'" + std::string(ref) +
                                             "' is controlled by the form (jr:count or "
                                             "jr:noAddRemove): its count cannot be changed");
  // The parent instance: the ref minus its last step.
  std::string r(ref);
  std::size_t slash = r.rfind('/');
  int parent = find_state(r.substr(0, slash));
  if (parent < 0) return Error::make(ErrorCode::session_ref, "no parent node for '" + r + "'");
  if (count < 1)
    return Error::make(ErrorCode::session_repeat, "cannot add " + std::to_string(count) +
                                             " instances to " + r + ": the count must be at least 1");
  for (int k = 0; k < count; ++k) {
    if (live_nodes_ >= kMaxLiveNodes)
      return Error::make(ErrorCode::session_repeat, "cannot add to " + r + ": the instance may hold at most " +
                                               std::to_string(kMaxLiveNodes) + " nodes");
    std::vector<int> existing = repeat_instances(parent, def);
    int at = after < 0 ? static_cast<int>(existing.size()) : after + k;
    if (at > static_cast<int>(existing.size()))
      return Error::make(ErrorCode::session_repeat, "position " + std::to_string(after) +
                                               " is past the last instance of " + r);
    Copier copier{tree_, plan_, false};
    bool implicit = !d.template_node->attribute("jr:template");
    Node* n = copier.copy(d.template_node, def, implicit);
    // Insert after the at-th instance, or where the repeat's elements belong.
    Node* pn = states_[parent].node;
    std::size_t index = at > 0 ? child_index(pn, states_[existing[at - 1]].node) + 1
                        : !existing.empty() ? child_index(pn, states_[existing[0]].node)
                                            : first_slot(parent, def);
    tree_.insert_child(pn, index, n);
    int first_new = static_cast<int>(states_.size());
    adopt_subtree(n, def, parent, false);
    for (int s = first_new; s < static_cast<int>(states_.size()); ++s) set_relevance(s);
    enqueue_all(first_new);
    trigger_subtree(def);
    if (Status st = run_queue(); !st) return st;
    run_actions("odk-new-repeat", first_new);
    if (Status st = run_queue(); !st) return st;
  }
  update_controlled_repeats();
  return ok_status();
}

Status FormSessionImpl::remove_repeat(std::string_view ref) {
  int s = find_state(ref);
  if (s < 0) return Error::make(ErrorCode::session_ref, "no repeat instance '" + std::string(ref) + "'");
  const NodeDef& d = plan_.defs[states_[s].def];
  if (!d.is_repeat) return Error::make(ErrorCode::session_ref, std::string(ref) + " is not a repeat instance");
  if (controlled_repeat(d))
    return Error::make(ErrorCode::session_repeat, "'" + std::string(ref) +
                                             "' belongs to a repeat the form controls");
  detach_instance(s);
  trigger_subtree(states_[s].def);
  Status st = run_queue();
  update_controlled_repeats();
  return st;
}

std::size_t FormSessionImpl::child_index(const Node* parent, const Node* child) {
  auto it = std::find(parent->children.begin(), parent->children.end(), child);
  return static_cast<std::size_t>(it - parent->children.begin());
}

std::size_t FormSessionImpl::first_slot(int parent_state, int def) const {
  // Where a repeat with no instances gets its first one: after the siblings whose definitions
  // come before the repeat's in the form.
  const auto& order = plan_.defs[states_[parent_state].def].children;
  auto mine = std::find(order.begin(), order.end(), def) - order.begin();
  std::size_t index = 0;
  for (const Node* c : states_[parent_state].node->children) {
    int cd = c->tag >= 0 ? states_[c->tag].def : -1;
    if (std::find(order.begin(), order.end(), cd) - order.begin() < mine) ++index;
  }
  return index;
}

void FormSessionImpl::detach_instance(int state) {
  std::vector<int> stack{state};
  while (!stack.empty()) {
    int x = stack.back();
    stack.pop_back();
    states_[x].live = false;
    --live_nodes_;
    for (Node* c : states_[x].node->children) stack.push_back(c->tag);
    for (Node* a : states_[x].node->attributes)
      if (a->tag >= 0) stack.push_back(a->tag);
  }
  tree_.remove_child(states_[state].node);
  ++revision_;
}

Node* FormSessionImpl::range_node(int parent_state, int def) {
  Node*& range = range_nodes_[{parent_state, def}];
  if (!range) {
    range = tree_.new_element(plan_.defs[def].name);
    range->parent = states_[parent_state].node;
  }
  return range;
}

void FormSessionImpl::update_controlled_repeats() {
  for (int round = 0; round < 8; ++round) {
    bool changed_any = false;
    for (int def = 0; def < static_cast<int>(plan_.defs.size()); ++def) {
      const NodeDef& d = plan_.defs[def];
      if (!controlled_repeat(d)) continue;
      // Form-defined instances of this repeat (template excluded), in form order.
      std::vector<const Node*> defined;
      const Node* tparent = d.template_node->parent;
      for (const Node* c : tparent->children)
        if (c->name == d.name && !c->attribute("jr:template")) defined.push_back(c);
      for (int ps : by_def_[d.parent]) {
        if (!states_[ps].live) continue;
        std::vector<int> existing = repeat_instances(ps, def);
        long want;
        if (d.repeat->repeat_count) {
          // ODK evaluates jr:count at the repeat range, a node whose parent is the repeat's
          // parent: a detached stand-in element gives relative paths and current() that
          // context without making it visible to any other expression.
          Node* range = range_node(ps, def);
          double n;
          try {
            xpath::Context c{range, 1, 1, range, this};
            n = xpath::evaluate(*d.repeat->repeat_count, c).to_number();
          } catch (const xpath::EvalError& e) {
            eval_error_ = e.what();
            continue;
          }
          if (std::isnan(n)) continue;  // keep the previous count
          // Capped, and clamped while still a double: casting 1e300 or Infinity is undefined.
          // The cap is said on the repeat's snapshot (and by `form check`), never silent.
          want = n <= 0 ? 0 : n >= kMaxRepeatCount ? kMaxRepeatCount : static_cast<long>(n);
          const std::uint64_t key = range_key(ps, def);
          if (n > kMaxRepeatCount) {
            char asked[64];
            std::snprintf(asked, sizeof asked, "%.15g", n);
            std::string w = "jr:count asks for " + std::string(asked) +
                            " instances; a repeat holds at most " +
                            std::to_string(kMaxRepeatCount) + ", so it has " +
                            std::to_string(kMaxRepeatCount);
            std::string& slot = count_warnings_[key];
            if (slot != w) ++revision_;
            slot = std::move(w);
          } else if (count_warnings_.erase(key)) {
            ++revision_;
          }
        } else {
          want = std::max<long>(static_cast<long>(defined.size()), 1);
        }
        long have = static_cast<long>(existing.size());
        if (want == have) continue;
        changed_any = true;
        Node* pn = states_[ps].node;
        if (want > have) {
          std::size_t index = existing.empty()
                                  ? first_slot(ps, def)
                                  : child_index(pn, states_[existing.back()].node) + 1;
          for (long k = have; k < want; ++k) {
            if (live_nodes_ >= kMaxLiveNodes) {
              if (eval_error_.empty())
                eval_error_ = ref_of(ps) + "/" + d.name + ": jr:count asks for " +
                              std::to_string(want) + " instances; stopped at " +
                              std::to_string(k) + ": the instance may hold at most " +
                              std::to_string(kMaxLiveNodes) + " nodes";
              break;
            }
            Copier copier{tree_, plan_, false};
            // Instance k copies the k-th instance written in the form, else the template
            // (blanked when the template is only the first instance's structure).
            bool from_form = k < static_cast<long>(defined.size());
            const Node* src = from_form ? defined[static_cast<std::size_t>(k)] : d.template_node;
            bool blank = !from_form && !src->attribute("jr:template");
            Node* n = copier.copy(src, def, blank);
            tree_.insert_child(pn, index++, n);
            int first_new = static_cast<int>(states_.size());
            adopt_subtree(n, def, ps, initializing_);
            for (int s = first_new; s < static_cast<int>(states_.size()); ++s) set_relevance(s);
            enqueue_all(first_new);
            if (!initializing_) run_actions("odk-new-repeat", first_new);
          }
        } else {
          for (long k = have - 1; k >= want; --k) {
            detach_instance(existing[static_cast<std::size_t>(k)]);
          }
        }
        trigger_subtree(def);
      }
    }
    if (!changed_any) break;
    (void)run_queue();
  }
}

Status FormSessionImpl::set_language(std::string_view lang) {
  for (const Translation& t : form_->translations) {
    if (t.lang == lang) {
      if (translation_ != &t) ++revision_;  // every label may change
      translation_ = &t;
      lang_ = t.lang;
      // Itemset labels follow the language, and so does every computation calling jr:itext()
      // or jr:choice-name(): ODK's engine re-runs them (a calculate of jr:choice-name(/data/s,
      // '/data/s') stores the label in the new language).
      for (int s = 0; s < static_cast<int>(states_.size()); ++s) {
        if (!states_[s].live) continue;
        for (int c : plan_.defs[states_[s].def].comp) {
          if (c < 0) continue;
          const Computation& comp = plan_.comps[c];
          if (comp.kind == CompKind::Choices || (comp.expr && xpath::reads_language(*comp.expr)))
            enqueue(c, s);
        }
      }
      return run_queue();
    }
  }
  std::string known;
  for (const Translation& t : form_->translations) known += (known.empty() ? "" : ", ") + t.lang;
  return Error::make(ErrorCode::session_language, "the form has no language '" + std::string(lang) +
                                             "'" + (known.empty() ? " (it has no translations)" : " (it has: " + known + ")"));
}

}  // namespace khaosat::core
