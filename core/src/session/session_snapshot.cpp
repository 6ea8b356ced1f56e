// Snapshots, labels and validation: read-only views of the session.
#include <algorithm>

#include "session/session_impl.hpp"

namespace khaosat::core {

bool FormSessionImpl::effective_readonly(int state) const {
  for (int s = state; s >= 0; s = states_[s].parent)
    if (states_[s].self_readonly) return true;
  return false;
}

std::string FormSessionImpl::message_text(const std::string& literal,
                                          const std::string& itext_id, int state) const {
  if (!itext_id.empty() && translation_) {
    auto it = translation_->texts.find(itext_id);
    // A <text id="..."> without any <value> has no forms: it gives the literal.
    if (it != translation_->texts.end() && !it->second.empty()) {
      auto f = it->second.find("");
      if (f == it->second.end()) f = it->second.begin();
      Text t;
      t.parts = f->second;
      return text_of(t, state);
    }
  }
  return literal;
}

std::string FormSessionImpl::text_of(const Text& t, int state) const {
  const std::vector<TextPart>* parts = &t.parts;
  std::string id = t.itext_id;
  auto* self = const_cast<FormSessionImpl*>(this);
  if (t.itext_expr) id = self->evaluate_string(*t.itext_expr, state);
  if (!id.empty() && translation_) {
    auto it = translation_->texts.find(id);
    if (it != translation_->texts.end()) {
      auto f = it->second.find("");
      if (f == it->second.end()) f = it->second.find("short");
      if (f != it->second.end()) parts = &f->second;
    }
  }
  std::string out;
  for (const TextPart& p : *parts) {
    if (p.expr) out += self->evaluate_string(*p.expr, state);
    else out += p.literal;
  }
  return out;
}

std::optional<Violation> FormSessionImpl::violation_of(int state) const {
  const NodeState& s = states_[state];
  const NodeDef& d = plan_.defs[s.def];
  if (!d.leaf || !s.relevant || !d.bind) return std::nullopt;
  const std::string& v = s.node->value;
  if (!v.empty() && d.bind->constraint && !s.constraint_ok)
    return Violation{ViolationCondition::Constraint,
                     message_text(d.bind->constraint_msg, d.bind->constraint_msg_itext, state)};
  if (v.empty() && d.bind->required && s.required)
    return Violation{ViolationCondition::Required,
                     message_text(d.bind->required_msg, d.bind->required_msg_itext, state)};
  return std::nullopt;
}

std::string FormSessionImpl::text_form(const Text& t, int state, const std::string& form) const {
  if (!translation_) return {};
  std::string id = t.itext_id;
  auto* self = const_cast<FormSessionImpl*>(this);
  if (t.itext_expr) id = self->evaluate_string(*t.itext_expr, state);
  if (id.empty()) return {};
  auto it = translation_->texts.find(id);
  if (it == translation_->texts.end()) return {};
  auto f = it->second.find(form);
  if (f == it->second.end()) return {};
  std::string out;
  for (const TextPart& p : f->second) out += p.expr ? self->evaluate_string(*p.expr, state) : p.literal;
  return out;
}

namespace {

MediaType media_type_of(const Control& c) {
  const std::string& accept = c.mediatype.empty() ? c.accept : c.mediatype;
  auto starts = [&accept](std::string_view p) { return accept.rfind(p, 0) == 0; };
  if (starts("image")) return MediaType::Image;
  if (starts("audio")) return MediaType::Audio;
  if (starts("video")) return MediaType::Video;
  return MediaType::File;
}

}  // namespace

void FormSessionImpl::fill_control(NodeSnapshot& n, const Control& c, int state) const {
  n.label = text_of(c.label, state);
  n.hint = text_of(c.hint, state);
  n.guidance = text_form(c.hint, state, "guidance");
  n.media.image = text_form(c.label, state, "image");
  n.media.audio = text_form(c.label, state, "audio");
  n.media.video = text_form(c.label, state, "video");
  n.appearance = c.appearance;
  if (c.type == ControlType::Range) {
    n.range_start = c.range_start;
    n.range_end = c.range_end;
    n.range_step = c.range_step;
  }
  if (c.type == ControlType::Upload) {
    n.media_type = media_type_of(c);
    n.accept = c.mediatype.empty() ? c.accept : c.mediatype;
  }
}

void FormSessionImpl::emit_snapshot(int state, const std::string& ref, bool parent_readonly,
                                    std::vector<NodeSnapshot>& out) const {
  auto* self = const_cast<FormSessionImpl*>(this);
  const NodeState& s = states_[state];
  const NodeDef& d = plan_.defs[s.def];
  bool readonly = parent_readonly || s.self_readonly;
  NodeSnapshot n;
  n.id = s.id;
  n.ref = ref;
  n.type = d.type;
  n.relevant = s.relevant;
  n.required = s.required;
  n.readonly = readonly;
  if (d.leaf) {
    n.leaf = true;
    n.data_type = d.data_type;
    n.value = s.node->value;
    if (d.has_choices()) {
      n.has_choices = true;
      n.choices = d.control && d.control->itemset ? itemset_choices(s) : self->evaluate_choices(state);
    }
    auto v = violation_of(state);
    n.valid = !v.has_value();
    n.violation = std::move(v);
  }
  const Control* c = d.control ? d.control : d.repeat;
  if (c) fill_control(n, *c, state);
  if (n.media_type == MediaType::Image && d.bind) n.max_pixels = d.bind->max_pixels;
  out.push_back(std::move(n));
  if (d.leaf) return;
  std::size_t cursor = 0;
  for (int cd : d.children) {
    const NodeDef& child = plan_.defs[cd];
    if (child.attribute) continue;  // attributes are not nodes of the snapshot (ODK's engine)
    if (child.is_repeat) {
      std::vector<int> inst = repeat_instances(state, cd);
      NodeSnapshot r;
      const std::uint64_t key = range_key(state, cd);
      if (auto id = range_ids_.find(key); id != range_ids_.end()) r.id = id->second;
      if (auto w = count_warnings_.find(key); w != count_warnings_.end()) r.warning = w->second;
      r.ref = ref + "/" + child.name;
      r.type = NodeType::Repeat;
      // The range carries the repeat's bind too (relevant even with no instances), evaluated
      // at the range: a stand-in node whose parent is this node, as for jr:count.
      r.relevant = s.relevant && self->range_relevant(state, cd);
      r.required = self->range_required(state, cd);  // shown only: a repeat makes no violation
      r.readonly = readonly;
      r.count = static_cast<int>(inst.size());
      r.controlled = child.repeat && (child.repeat->repeat_count || child.repeat->no_add_remove);
      if (child.repeat) r.label = text_of(child.repeat->label, state);
      out.push_back(std::move(r));
      for (std::size_t k = 0; k < inst.size(); ++k)
        emit_snapshot(inst[k], ref + "/" + child.name + "[" + std::to_string(k + 1) + "]",
                      readonly, out);
      continue;
    }
    // The instance's children are in the order of the defs, so the search starts after the
    // previous match: linear in the number of children, not quadratic (a flat group of 100,000
    // questions), and still correct when the order differs (a restored instance).
    const auto& kids = s.node->children;
    for (std::size_t i = 0; i < kids.size(); ++i) {
      const std::size_t at = (cursor + i) % kids.size();
      if (kids[at]->name == child.name) {
        emit_snapshot(kids[at]->tag, ref + "/" + child.name, readonly, out);
        cursor = at + 1;
        break;
      }
    }
  }
}

bool FormSessionImpl::range_flag(int parent_state, int def, const xpath::Expr* expr, bool absent) {
  if (!expr) return absent;
  Node* range = range_node(parent_state, def);
  xpath::Context ctx{range, 1, 1, range, this};
  try {
    return xpath::evaluate(*expr, ctx).to_boolean();
  } catch (const xpath::EvalError&) {
    return false;
  }
}

bool FormSessionImpl::range_relevant(int parent_state, int def) {
  const NodeDef& d = plan_.defs[def];
  return range_flag(parent_state, def, d.bind ? d.bind->relevant.get() : nullptr, true);
}

bool FormSessionImpl::range_required(int parent_state, int def) {
  const NodeDef& d = plan_.defs[def];
  return range_flag(parent_state, def, d.bind ? d.bind->required.get() : nullptr, false);
}

std::vector<NodeSnapshot> FormSessionImpl::nodes() const {
  std::vector<NodeSnapshot> out;
  out.reserve(states_.size() + 8);
  emit_snapshot(0, "/" + plan_.defs[0].name, false, out);
  return out;
}

std::vector<std::pair<std::string, std::string>> FormSessionImpl::warnings() const {
  std::vector<std::pair<std::string, std::string>> out;
  if (count_warnings_.empty()) return out;  // the only warnings a snapshot carries
  for (NodeSnapshot& n : nodes())
    if (!n.warning.empty()) out.emplace_back(std::move(n.ref), std::move(n.warning));
  return out;
}

std::optional<NodeSnapshot> FormSessionImpl::node_snapshot(std::string_view ref) const {
  // A leaf (a question, a calculate): its snapshot alone, as nodes() makes it, instead of every
  // node's (labels, choices, violations) to keep one: the entity derivation reads a few answers
  // of every submission the server ingests this way. A ref that names a same-name sibling
  // ("/data/q[2]" outside a repeat: nodes() shows the first) takes the whole walk below.
  if (int s = find_state(ref); s >= 0) {
    const NodeDef& d = plan_.defs[states_[s].def];
    std::string canonical = ref_of(s);
    if (d.leaf && !d.attribute && states_[s].live &&
        (canonical == ref || ref.find('[') == std::string_view::npos)) {
      const int parent = states_[s].parent;
      std::vector<NodeSnapshot> one;
      emit_snapshot(s, canonical, parent >= 0 && effective_readonly(parent), one);
      return std::move(one.front());
    }
  }
  std::vector<NodeSnapshot> all = nodes();
  auto find = [&all](std::string_view r) -> std::optional<NodeSnapshot> {
    for (NodeSnapshot& n : all)
      if (n.ref == r) return std::move(n);
    return std::nullopt;
  };
  if (auto n = find(ref)) return n;
  // Refs may omit [1].
  int s = find_state(ref);
  if (s < 0) return std::nullopt;
  return find(ref_of(s));
}

std::optional<NodeSnapshot> FormSessionImpl::node_snapshot(NodeId id) const {
  for (NodeSnapshot& n : nodes())
    if (n.id == id) return std::move(n);
  return std::nullopt;
}

std::vector<std::pair<std::string, Violation>> FormSessionImpl::violations() const {
  std::vector<std::pair<std::string, Violation>> out;
  for (const NodeSnapshot& n : nodes())
    if (n.violation) out.emplace_back(n.ref, *n.violation);
  return out;
}

std::vector<FormSession::Prompt> FormSessionImpl::pages() const {
  // One page per relevant question; a field-list group is one page with all its questions;
  // after the instances of a user-counted repeat, the "add another?" prompt.
  using Prompt = FormSession::Prompt;
  std::vector<Prompt> out;
  std::vector<NodeSnapshot> all = nodes();
  std::string open_group;
  std::vector<const NodeSnapshot*> open_repeats;  // innermost last
  auto close_repeats = [&](const std::string& ref) {
    while (!open_repeats.empty()) {
      const NodeSnapshot& r = *open_repeats.back();
      if (ref.rfind(r.ref + "[", 0) == 0) break;  // still inside its instances
      out.push_back({Prompt::Kind::AddRepeat, r.ref, {}, r.count});
      open_repeats.pop_back();
    }
  };
  for (const NodeSnapshot& n : all) {
    close_repeats(n.ref);
    if (!n.relevant) continue;
    if (!open_group.empty() && n.ref.rfind(open_group + "/", 0) == 0) {
      if (n.leaf && n.type != NodeType::Model) out.back().refs.push_back(n.ref);
      continue;
    }
    open_group.clear();
    if (n.type == NodeType::Repeat) {
      if (!n.controlled && !n.readonly) open_repeats.push_back(&n);
      continue;
    }
    if ((n.type == NodeType::Group || n.type == NodeType::RepeatInstance) &&
        n.appearance.find("field-list") != std::string::npos) {
      open_group = n.ref;
      out.push_back({Prompt::Kind::FieldList, n.ref, {}, 0});
      continue;
    }
    if (n.leaf && n.type != NodeType::Model)
      out.push_back({Prompt::Kind::Question, n.ref, {n.ref}, 0});
  }
  close_repeats("");
  return out;
}

}  // namespace khaosat::core
