// The XForm loader, actions aspect: <setvalue> and <odk:setgeopoint>, in the model (triggered by
// form events) and inside body controls (triggered by the control's value change, or by a new
// repeat instance when nested in a repeat).
#include <algorithm>

#include "xform/loader_internal.hpp"

namespace khaosat::core::xform_detail {

namespace {

// The events ODK's reference engine accepts; anything else makes the form invalid there.
constexpr std::string_view kKnownEvents[] = {
    "odk-instance-load", "odk-instance-first-load", "odk-new-repeat", "xforms-revalidate",
    "xforms-value-changed"};

bool known_event(std::string_view e) {
  for (auto k : kKnownEvents)
    if (k == e) return true;
  return false;
}

std::vector<std::string> split_events(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    std::size_t b = i;
    while (i < s.size() && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    if (i > b) out.emplace_back(s.substr(b, i - b));
  }
  return out;
}

std::string describe_action(pugi::xml_node el) {
  std::string s = "<";
  s += el.name();
  for (const char* attr : {"event", "ref", "bind"})
    if (auto a = el.attribute(attr)) {
      s += ' ';
      s += attr;
      s += "=\"";
      s += a.value();
      s += '"';
    }
  return s + ">";
}

Status load_action(LoadContext& ctx, pugi::xml_node el, const std::string& context,
                   const std::string& trigger_ref, std::vector<std::string> default_events,
                   bool in_model) {
  Action a;
  a.kind = local_name(el.name()) == "setgeopoint" ? Action::Kind::SetGeopoint
                                                  : Action::Kind::SetValue;
  std::string what = describe_action(el);
  if (auto ev = el.attribute("event")) a.events = split_events(ev.value());
  else a.events = std::move(default_events);
  if (a.events.empty()) {
    ctx.form.warnings.push_back(what + " (line " + std::to_string(ctx.line_of(el)) +
                                ") has no event and is ignored");
    return ok_status();
  }
  for (const auto& e : a.events) {
    if (!known_event(e))
      return ctx.error_at(ErrorCode::form_action, el, what + ": unsupported event '" + e + "'");
    if (in_model && e == "odk-new-repeat")
      return ctx.error_at(ErrorCode::form_action, el,
                          what + ": the 'odk-new-repeat' event is only allowed on an action "
                                 "inside a <repeat> in the body, not in the model");
  }
  if (auto ref = el.attribute("ref")) {
    if (!resolve_path(ref.value(), context, a.ref))
      return ctx.error_at(ErrorCode::form_action, el,
                          what + ": ref '" + ref.value() + "' is not a location path");
  } else if (auto bind = el.attribute("bind")) {
    auto it = ctx.bind_nodeset_by_id.find(bind.value());
    if (it == ctx.bind_nodeset_by_id.end())
      return ctx.error_at(ErrorCode::form_action, el, what + ": no <bind> has id '" + bind.value() + "'");
    a.ref = it->second;
  } else {
    return ctx.error_at(ErrorCode::form_action, el, what + " has neither a ref nor a bind attribute");
  }
  if (!ctx.instance_paths.count(a.ref))
    ctx.form.warnings.push_back(what + " (line " + std::to_string(ctx.line_of(el)) +
                                ") targets '" + a.ref +
                                "', which is not a node of the primary instance");
  if (a.kind == Action::Kind::SetValue) {
    if (auto value = el.attribute("value")) {
      if (!is_blank(value.value())) {
        auto e = ctx.expr(value.value(), what + " attribute 'value' (line " +
                                             std::to_string(ctx.line_of(el)) + ")");
        if (!e.ok()) return e.error();
        a.value = std::move(e.value());
      }
    } else {
      a.literal = direct_text(el);
    }
  }
  if (std::find(a.events.begin(), a.events.end(), "xforms-value-changed") != a.events.end())
    a.trigger_ref = trigger_ref;
  ctx.form.actions.push_back(std::move(a));
  return ok_status();
}

}  // namespace

bool is_action_element(pugi::xml_node el) {
  if (el.type() != pugi::node_element) return false;
  std::string_view name = el.name();
  std::string_view local = local_name(name);
  if (local == "setvalue") {
    auto ns = name_namespace(el, name, false);
    return ns == kXformsNs || ns.empty();
  }
  return local == "setgeopoint" && name_namespace(el, name, false) == kOdkNs;
}

Status load_model_actions(LoadContext& ctx, pugi::xml_node model) {
  for (auto el : model.children())
    if (is_action_element(el))
      XFORM_TRY(load_action(ctx, el, ctx.root_path, std::string(), {}, true));
  return ok_status();
}

Status load_body_action(LoadContext& ctx, pugi::xml_node el, const std::string& control_ref,
                        const std::string& context, bool in_repeat) {
  (void)in_repeat;  // the event attribute says which event; ODK has no default for a repeat
  return load_action(ctx, el, context.empty() ? ctx.root_path : context, control_ref,
                     {"xforms-value-changed"}, false);
}

}  // namespace khaosat::core::xform_detail
