// FormSessionImpl: the state of one filled-in form and the incremental recomputation engine.
//
// The instance is a Tree cloned from the form's template. Every element has a NodeState
// (Node::tag is its index). Node::value is what XPath sees: the stored value while the node is
// relevant, "" while it is not (ODK's engine masks non-relevant values the same way).
//
// Recomputation: a change to a node enqueues the computations its NodeDef triggers (see
// FormPlan), for every live node of the computation's definition; the queue runs in the plan's
// topological order, and each computation whose result changes enqueues what it triggers in turn.
// Sections:
//   session.cpp            building the instance, start/restore, answers, repeats
//   session_compute.cpp    the queue and each kind of computation
//   session_snapshot.cpp   snapshots, labels, validation
//   session_serialize.cpp  instance XML / JSON, restoring from XML
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <queue>
#include <unordered_map>
#include <string>
#include <vector>

#include "khaosat/core/form_session.hpp"
#include "session/form_plan.hpp"

namespace khaosat::core {

struct NodeState {
  Node* node = nullptr;
  NodeId id = 0;               // NodeSnapshot::id: never reused within the session
  int def = -1;
  int parent = -1;             // parent state, -1 for the root
  bool live = true;            // false once its repeat instance was removed
  bool self_relevant = true;   // the relevant expression's own result
  bool relevant = true;        // effective: self and every ancestor
  bool self_readonly = false;
  bool required = false;
  bool constraint_ok = true;
  std::string value;           // stored value (kept while non-relevant)
  // Itemset choices (selects with an itemset), never changed in place: selects whose itemset
  // gives the same list everywhere hold one list between them (FormPlan's shared_list); null
  // until first computed, which reads as no choices.
  std::shared_ptr<const std::vector<Choice>> choices;
  std::array<bool, kCompKinds> queued{};
  // Per computation kind: how many of its runs in the current run_queue() changed what other
  // expressions see (see kMaxChangesPerRun).
  std::array<std::uint16_t, kCompKinds> changes{};
};

// The whitespace-separated values of a select multiple or rank answer, in order.
std::vector<std::string> split_space(std::string_view v);

// A select's current itemset choices (none before its first computation).
const std::vector<Choice>& itemset_choices(const NodeState& s);

class FormSessionImpl : public xpath::Environment {
 public:
  FormSessionImpl(Form form, SessionOptions options);

  // Builds the instance from the template (or from a restored instance root) and runs every
  // computation. `restored` is null for a new instance.
  Status initialize(const Node* restored);
  // A saved instance (FormSession::restore). `evaluate_only`: for reading values and evaluating
  // expressions only (the server's entity derivation, entity_write of a submission's XML): the
  // readonly, required and constraint flags are never computed and itemset choices get no
  // labels (none of them changes a value or a relevance, so what evaluate() and a snapshot's
  // value and relevance show is the same); the session must not be validated, finalized or shown.
  static Result<std::unique_ptr<FormSessionImpl>> restore(Form form, std::string_view instance_xml,
                                                          SessionOptions options, bool evaluate_only);

  // --- Environment (XPath) ---
  Node* instance(std::string_view id) override;
  Node* primary_document() override { return tree_.document(); }
  double now_ms() override;
  int tz_offset_minutes(double epoch_ms) override;
  double random() override;
  std::string uuid() override;
  std::string itext(std::string_view id) override;
  std::string choice_name(std::string_view value, Node* select_node) override;
  std::string property(std::string_view name) override;

  // --- mutations ---
  Status answer(std::string_view ref, std::string_view value);
  Status answer_values(std::string_view ref, const std::vector<std::string>& values);
  Status add_repeat(std::string_view ref, int count, int after);
  Status remove_repeat(std::string_view ref);
  Status set_language(std::string_view lang);

  // --- queries ---
  std::vector<NodeSnapshot> nodes() const;
  std::vector<std::pair<std::string, std::string>> warnings() const;
  std::optional<NodeSnapshot> node_snapshot(std::string_view ref) const;
  std::optional<NodeSnapshot> node_snapshot(NodeId id) const;
  std::uint64_t revision() const { return revision_; }
  std::vector<std::pair<std::string, Violation>> violations() const;
  std::vector<FormSession::Prompt> pages() const;
  std::string instance_xml() const;
  std::string instance_json() const;

  const Form& form() const { return form_; }
  const std::string& language() const { return lang_; }
  // Finalize: end preloads applied only when the instance is valid (see FormSession).
  Result<FormSession::Finalized> finalize();
  // FormSession::evaluate: `expression` at the root element.
  Result<std::string> evaluate_text(std::string_view expression);
  static const xpath::Expr& now_expr();
  static const xpath::Expr& today_expr();

 private:
  // building
  int add_state(Node* n, int def, int parent);
  // States for `n` (of definition `def`) and every node below it, all made by Copier::copy
  // (session.cpp), which leaves each element's definition in its tag.
  void adopt_subtree(Node* n, int def, int parent_state, bool first_load);
  Node* instantiate(int def);  // a fresh copy of a repeat instance (or subtree) from the template
  void apply_defaults(int state);
  void run_preloads(int state, bool first_load);
  void run_actions(const std::string& event, int scope_state);
  // computing
  void enqueue(int comp, int state);
  void enqueue_all(int state_root);           // every computation of a subtree
  void trigger_def(int def);      // dependents of a change at a def
  void trigger_subtree(int def);  // dependents of instances added to or removed from a repeat
  void changed(int state);                    // value/relevance visible change at a node
  Status run_queue();
  Status stop_runaway(int comp, int state);  // a computation that never settles: clear, report
  void compute(int comp, int state);
  void set_relevance(int state);              // recompute effective relevance of a subtree
  bool write_value(int state, std::string v); // stores (normalised) v; true when it changed
  void set_flag(bool& flag, bool v) {
    if (flag != v) ++revision_;
    flag = v;
  }
  // The one check every answer and every restored value passes: text XML 1.0 can carry.
  Status check_storable(int state, std::string_view v) const;
  Status check_restored(int state) const;  // a restored subtree, node by node
  int writable_leaf(std::string_view ref, Status& error) const;
  Status commit_answer(int state, std::string v);
  // Runs the xforms-value-changed actions of the control at `state` (their targets
  // contextualised to its repeat instances). Called whenever that value changes after load: by
  // an answer, a calculation or another such action, as ODK's engine does (JavaRosa runs them
  // for answers only; docs/odk-engine-behaviour.md §5). `depth` bounds chains of actions that
  // set each other's sources.
  void fire_value_changed(int state, int depth = 0);
  std::string normalize_for(int state, std::string_view v) const;
  void update_controlled_repeats();
  // A repeat range as an XPath context: a detached stand-in element whose parent is the
  // repeat's parent node (ODK evaluates jr:count and the range's relevance there).
  Node* range_node(int parent_state, int def);
  // Repeat instances: where to insert, and removing one with its subtree.
  static std::size_t child_index(const Node* parent, const Node* child);
  std::size_t first_slot(int parent_state, int def) const;
  void detach_instance(int state);
  bool range_relevant(int parent_state, int def);
  bool range_required(int parent_state, int def);
  // The repeat's bind expression evaluated at its range (range_node); `absent` when none.
  bool range_flag(int parent_state, int def, const xpath::Expr* expr, bool absent);
  std::vector<Choice> evaluate_choices(int state, bool labels = true);
  // The itemset choices of the Choices computation `comp` at `state`, as they are now: a shared
  // list evaluated once for every select holding it, until what it reads changes
  // (mark_choices_stale), or this select's own.
  std::shared_ptr<const std::vector<Choice>> fresh_choices(int comp, int state);
  // What the computation reads has changed (it is being triggered): its shared list, if any,
  // must be evaluated again before a select takes it.
  void mark_choices_stale(int comp);
  bool evaluate_bool(const xpath::Expr& e, int state);
  std::string evaluate_string(const xpath::Expr& e, int state);
  // lookup
  int find_state(std::string_view ref) const;   // "/data/rep[2]/q" -> state, -1
  std::string ref_of(int state) const;
  int repeat_position(int state) const;
  std::vector<int> repeat_instances(int parent_state, int def) const;
  std::string text_of(const Text& t, int state) const;
  bool effective_readonly(int state) const;
  void emit_snapshot(int state, const std::string& ref, bool parent_readonly,
                     std::vector<NodeSnapshot>& out) const;
  std::optional<Violation> violation_of(int state) const;
  std::string message_text(const std::string& literal, const std::string& itext_id,
                           int state) const;
  // An itext form ("image", "guidance"...) of a label's text id, outputs filled in; "" when
  // the label is not translated or has no such form.
  std::string text_form(const Text& t, int state, const std::string& form) const;
  void fill_control(NodeSnapshot& n, const Control& c, int state) const;
  static std::uint64_t range_key(int parent_state, int def) {
    return (static_cast<std::uint64_t>(parent_state) << 32) | static_cast<std::uint32_t>(def);
  }

  Form form_;
  const FormPlan& plan_;
  SessionOptions opts_;
  Tree tree_;
  std::vector<NodeState> states_;
  // Per FormPlan shared_list id: the list its selects hold, and whether something it reads has
  // changed since it was evaluated.
  struct SharedList {
    std::shared_ptr<const std::vector<Choice>> list;
    bool stale = true;
  };
  std::vector<SharedList> shared_lists_;
  std::vector<std::vector<int>> by_def_;  // states per definition (may include dead ones)
  std::string lang_;
  const Translation* translation_ = nullptr;
  using QueueItem = std::pair<int, int>;  // (topo, state) — min-heap
  std::priority_queue<QueueItem, std::vector<QueueItem>, std::greater<QueueItem>> queue_;
  std::vector<int> comp_by_topo_;
  std::vector<char> pending_all_;  // per computation: every node queued, none run since
  std::string eval_error_;
  // The code eval_error_ is returned with: xpath_eval (an expression failed while it ran) unless
  // the failure is a runaway chain of xforms-value-changed actions (form_action_loop).
  ErrorCode eval_error_code_ = ErrorCode::xpath_eval;
  // Every visible change (changed(), a relevance flip) counts here; run_queue() compares the
  // count around each computation to see whether it changed anything.
  std::uint64_t change_count_ = 0;
  std::vector<int> changed_states_;  // states whose `changes` are not all zero
  // Live instance nodes, and their bound: jr:count and add_repeat stop growing the instance
  // there (nested counted repeats could otherwise ask for 10000 x 10000 instances).
  std::size_t live_nodes_ = 0;
  static constexpr std::size_t kMaxLiveNodes = 100000;
  static constexpr std::size_t kMaxCalculatedBytes = std::size_t{4} << 20;  // see compute()
  std::map<std::pair<int, int>, Node*> range_nodes_;
  Tree empty_instance_;  // stands in for declared instances that have no data  // (parent state, repeat def) -> jr:count context
  // The hard bound on re-evaluation: one computation at one node may change what others see
  // at most this many times in one run_queue(). Without cycles a computation runs once per
  // change of what it reads, in topological order, so a few times at most; a computation that
  // reads its own value (coalesce(., 'x')) or, through an ancestor, a value that depends on it
  // (string-length(/data) in /data/c) re-runs until it settles, as in ODK's engine. One that
  // never settles (concat(., 'x'), a calculate of "/") would loop forever: past the bound it is
  // a "calculation cycle" error instead.
  static constexpr std::uint16_t kMaxChangesPerRun = 1000;
  bool initializing_ = false;
  bool evaluate_only_ = false;  // see restore(): no readonly, required, constraint, choice labels
  std::vector<char> value_changed_source_;  // per def: a control with xforms-value-changed actions
  static constexpr int kMaxValueChangedDepth = 16;
  // Identity and change tracking for UIs (FormSession::revision, NodeSnapshot::id).
  NodeId next_id_ = 0;
  std::unordered_map<std::uint64_t, NodeId> range_ids_;  // range_key -> id of the repeat node
  std::uint64_t revision_ = 0;
  // jr:count above kMaxRepeatCount at a repeat range (range_key): what the snapshot says.
  std::unordered_map<std::uint64_t, std::string> count_warnings_;
  static constexpr long kMaxRepeatCount = 10000;
  friend class FormSession;
};

}  // namespace khaosat::core
