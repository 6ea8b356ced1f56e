// The XForm loader, body aspect: <h:body> controls (input, select1, select, range, odk:rank,
// trigger, upload, group, repeat), their labels, hints, items and itemsets.
//
// Control references ("ref", "nodeset" or "bind") are resolved against the enclosing group or
// repeat reference (the primary instance root at the top) into absolute, predicate-free paths.
#include "xform/loader_internal.hpp"

namespace khaosat::core::xform_detail {

namespace {

struct ControlKind {
  const char* local;
  ControlType type;
};
constexpr ControlKind kControls[] = {
    {"input", ControlType::Input},     {"select1", ControlType::Select1},
    {"select", ControlType::Select},   {"range", ControlType::Range},
    {"rank", ControlType::Rank},       {"trigger", ControlType::Trigger},
    {"upload", ControlType::Upload},   {"group", ControlType::Group},
    {"repeat", ControlType::Repeat},
};

const ControlKind* control_kind(pugi::xml_node el) {
  std::string_view name = el.name();
  std::string_view local = local_name(name);
  for (const auto& k : kControls) {
    if (local != k.local) continue;
    // odk:rank is the only control outside the XForms namespace. ODK's engine matches it by
    // local name (JavaRosa's own test forms bind odk to ".../xforms/" with a trailing slash).
    return &k;
  }
  return nullptr;
}

std::string describe(pugi::xml_node el) {
  std::string s = "<";
  s += el.name();
  for (const char* attr : {"ref", "nodeset", "bind"})
    if (auto a = el.attribute(attr)) {
      s += ' ';
      s += attr;
      s += "=\"";
      s += a.value();
      s += '"';
    }
  s += '>';
  return s;
}

bool is_true_expr(std::string_view v) {
  v = trim(v);
  return v == "true()" || v == "true";
}

class BodyLoader {
 public:
  explicit BodyLoader(LoadContext& ctx) : ctx_(ctx) {}

  Status children(pugi::xml_node el, Control& parent, const std::string& context,
                  bool in_repeat);

 private:
  Status control(pugi::xml_node el, const ControlKind& kind, Control& out,
                 const std::string& context, bool in_repeat);
  Status reference(pugi::xml_node el, const std::string& context, std::string& out, bool& has_ref);
  Status text(pugi::xml_node el, Text& out, const std::string& where);
  Status items(pugi::xml_node el, Control& c, const std::string& where);
  Status itemset(pugi::xml_node el, Control& c, const std::string& where);

  LoadContext& ctx_;
};

Status BodyLoader::reference(pugi::xml_node el, const std::string& context, std::string& out,
                             bool& has_ref) {
  has_ref = false;
  pugi::xml_attribute a = el.attribute("ref");
  if (!a) a = el.attribute("nodeset");
  if (a) {
    has_ref = true;
    if (!resolve_path(a.value(), context, out))
      return ctx_.error_at(ErrorCode::form_body, el,
                           describe(el) + ": reference '" + a.value() +
                               "' is not a location path");
  } else if (auto b = el.attribute("bind")) {
    has_ref = true;
    auto it = ctx_.bind_nodeset_by_id.find(b.value());
    if (it == ctx_.bind_nodeset_by_id.end())
      return ctx_.error_at(ErrorCode::form_body, el,
                           describe(el) + ": no <bind> has id '" + b.value() + "'");
    out = it->second;
  }
  if (has_ref && !ctx_.instance_paths.count(out)) {
    // ODK Web Forms drops such a control and loads the form; we keep the form loadable too.
    ctx_.form.warnings.push_back(describe(el) + " (line " + std::to_string(ctx_.line_of(el)) +
                                 ") references '" + out +
                                 "', which is not a node of the primary instance");
  }
  return ok_status();
}

Status BodyLoader::text(pugi::xml_node el, Text& out, const std::string& where) {
  if (auto ref = el.attribute("ref")) {
    std::string id, dynamic;
    auto w = [&] {  // built only for an error: most labels are jr:itext('id')
      return where + " <" + el.name() + " ref> (line " + std::to_string(ctx_.line_of(el)) + ")";
    };
    if (split_itext_call(ref.value(), id, dynamic)) {
      if (!id.empty()) {
        out.itext_id = std::move(id);
        return ok_status();
      }
      auto e = ctx_.expr_lazy(dynamic, w);
      if (!e.ok()) return e.error();
      out.itext_expr = std::move(e.value());
      return ok_status();
    }
    // <label ref="/data/x"/>: the text is the value the expression gives.
    auto e = ctx_.expr_lazy(ref.value(), w);
    if (!e.ok()) return e.error();
    out.parts.push_back(TextPart{{}, std::move(e.value())});
    return ok_status();
  }
  return load_text_parts(ctx_, el, out.parts, where + " <" + std::string(el.name()) + ">");
}

Status BodyLoader::items(pugi::xml_node item, Control& c, const std::string& where) {
  Item it;
  pugi::xml_node value;
  for (auto ch : item.children()) {
    if (ch.type() != pugi::node_element) continue;
    std::string_view local = local_name(ch.name());
    if (local == "value") value = ch;
    else if (local == "label") XFORM_TRY(text(ch, it.label, where + " <item>"));
  }
  if (!value) return ctx_.error_at(ErrorCode::form_body, item, where + ": <item> has no <value>");
  it.value = direct_text(value);
  c.items.push_back(std::move(it));
  return ok_status();
}

Status BodyLoader::itemset(pugi::xml_node el, Control& c, const std::string& where) {
  Itemset is;
  auto ns = el.attribute("nodeset");
  if (!ns) ns = el.attribute("ref");
  std::string w = where + " <itemset> (line " + std::to_string(ctx_.line_of(el)) + ")";
  if (!ns) return ctx_.error_at(ErrorCode::form_body, el, where + ": <itemset> has no nodeset");
  is.nodeset_text = ns.value();
  auto n = ctx_.expr(is.nodeset_text, w + " attribute 'nodeset'");
  if (!n.ok()) return n.error();
  is.nodeset = std::move(n.value());
  for (auto ch : el.children()) {
    if (ch.type() != pugi::node_element) continue;
    std::string_view local = local_name(ch.name());
    if (local != "value" && local != "label") continue;
    auto ref = ch.attribute("ref");
    if (!ref)
      return ctx_.error_at(ErrorCode::form_body, ch,
                           where + ": <itemset> <" + std::string(local) + "> has no ref");
    std::string expr_text = ref.value();
    if (local == "label") {
      std::string id, dynamic;
      if (split_itext_call(expr_text, id, dynamic)) {
        is.label_is_itext = true;
        expr_text = id.empty() ? dynamic : "'" + id + "'";
      }
    }
    auto e = ctx_.expr(expr_text, w + " <" + std::string(local) + " ref>");
    if (!e.ok()) return e.error();
    (local == "value" ? is.value : is.label) = std::move(e.value());
  }
  if (!is.value) return ctx_.error_at(ErrorCode::form_body, el, where + ": <itemset> has no <value ref>");
  c.itemset = std::move(is);
  return ok_status();
}

Status BodyLoader::control(pugi::xml_node el, const ControlKind& kind, Control& c,
                           const std::string& context, bool in_repeat) {
  c.type = kind.type;
  c.line = ctx_.line_of(el);
  c.accept = el.attribute("accept").value();
  c.appearance = el.attribute("appearance").value();
  bool has_ref = false;
  XFORM_TRY(reference(el, context, c.ref, has_ref));
  std::string where = describe(el) + " (line " + std::to_string(c.line) + ")";
  if (!has_ref && kind.type != ControlType::Group)
    return ctx_.error_at(ErrorCode::form_body, el, describe(el) + " has no ref, nodeset or bind attribute");

  switch (kind.type) {
    case ControlType::Range:
      for (auto [attr, field] : {std::pair{"start", &Control::range_start},
                                 std::pair{"end", &Control::range_end},
                                 std::pair{"step", &Control::range_step}}) {
        auto a = el.attribute(attr);
        if (!a)
          return ctx_.error_at(ErrorCode::form_body, el, describe(el) + " has no '" + attr + "' attribute");
        if (!is_range_bound(a.value()))
          return ctx_.error_at(ErrorCode::form_body, el,
                               describe(el) + " attribute '" + attr + "' is not a number: '" +
                                   a.value() + "'");
        c.*field = a.value();
      }
      break;
    case ControlType::Upload:
      c.mediatype = el.attribute("mediatype").value();
      break;
    case ControlType::Repeat:
      if (auto count = attribute_ns(el, kJavaRosaNs, "count")) {
        auto e = ctx_.expr(count.value(), where + " attribute 'jr:count'");
        if (!e.ok()) return e.error();
        c.repeat_count = std::move(e.value());
      }
      c.no_add_remove = is_true_expr(attribute_ns(el, kJavaRosaNs, "noAddRemove").value());
      break;
    default:
      break;
  }

  bool is_container = kind.type == ControlType::Group || kind.type == ControlType::Repeat;
  for (auto ch : el.children()) {
    if (ch.type() != pugi::node_element) continue;
    std::string_view local = local_name(ch.name());
    if (local == "label") XFORM_TRY(text(ch, c.label, where));
    else if (local == "hint") XFORM_TRY(text(ch, c.hint, where));
    else if (local == "item" && !is_container) XFORM_TRY(items(ch, c, where));
    else if (local == "itemset" && !is_container) XFORM_TRY(itemset(ch, c, where));
    else if (is_action_element(ch) && !is_container)
      XFORM_TRY(load_body_action(ctx_, ch, c.ref, c.ref, in_repeat));
  }
  if (is_container) {
    const std::string& inner = c.ref.empty() ? context : c.ref;
    XFORM_TRY(children(el, c, inner, in_repeat || kind.type == ControlType::Repeat));
  }
  return ok_status();
}

Status BodyLoader::children(pugi::xml_node el, Control& parent, const std::string& context,
                            bool in_repeat) {
  // Sized once: a Control is 552 bytes, and a vector grown by doubling held up to twice the
  // controls' size (issue 9).
  std::size_t n = 0;
  for (auto ch : el.children()) n += ch.type() == pugi::node_element && control_kind(ch);
  parent.children.reserve(parent.children.size() + n);
  for (auto ch : el.children()) {
    if (ch.type() != pugi::node_element) continue;
    if (const ControlKind* kind = control_kind(ch)) {
      Control c;
      XFORM_TRY(control(ch, *kind, c, context, in_repeat));
      parent.children.push_back(std::move(c));
      continue;
    }
    std::string_view local = local_name(ch.name());
    if (local == "label" || local == "hint") continue;  // the parent's, read by control()
    if (is_action_element(ch)) {
      XFORM_TRY(load_body_action(ctx_, ch, parent.ref, context, in_repeat));
      continue;
    }
    // Anything else (an XHTML wrapper, an unknown element): look inside for controls.
    XFORM_TRY(children(ch, parent, context, in_repeat));
  }
  return ok_status();
}

}  // namespace

// ODK's range bounds: an optional '-', digits, and an optional fraction ("-2", "0.5").
bool is_range_bound(std::string_view v) {
  std::size_t i = 0;
  if (i < v.size() && v[i] == '-') ++i;
  auto digits = [&] {
    std::size_t start = i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
    return i > start;
  };
  if (!digits()) return false;
  if (i < v.size() && v[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  return i == v.size();
}

int max_pixels_value(std::string_view v) {
  if (v.empty() || v.size() > 10 || v.find_first_not_of("0123456789") != std::string_view::npos) return -1;
  long long n = std::stoll(std::string(v));
  return n <= 1000000000 ? static_cast<int>(n) : -1;
}

Status load_body(LoadContext& ctx, pugi::xml_node body) {
  BodyLoader loader(ctx);
  return loader.children(body, ctx.form.body, ctx.root_path, false);
}

}  // namespace khaosat::core::xform_detail
