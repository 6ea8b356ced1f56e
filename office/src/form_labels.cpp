// Reading a form's labels, types and choices from its XForm XML (form_labels.hpp).
#include "khaosat/office/form_labels.hpp"

#include "khaosat/office/plan.hpp"

#include <pugixml.hpp>

#include <set>
#include <string_view>

namespace khaosat::office {

namespace {

using Itext = std::map<std::string, std::string>;

bool local_is(const pugi::xml_node& n, std::string_view local) {
  std::string_view name = n.name();
  auto colon = name.find(':');
  return (colon == std::string_view::npos ? name : name.substr(colon + 1)) == local;
}

pugi::xml_node child_local(const pugi::xml_node& n, std::string_view local) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element && local_is(c, local)) return c;
  return {};
}

void find_all(const pugi::xml_node& n, std::string_view local, std::vector<pugi::xml_node>& out) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (local_is(c, local)) out.push_back(c);
    find_all(c, local, out);
  }
}

// The text of the translation in `lang` (vi: the language naming "(vi)" or "Việt"; en: "(en)" or
// "English"), else the default one, else the first. Only plain <value> forms (not image/audio).
Itext read_itext(const pugi::xml_node& model, const std::string& lang_code) {
  const std::string code = "(" + lang_code + ")";
  const char* word = lang_code == "vi" ? "Việt" : lang_code == "en" ? "English" : nullptr;
  Itext out;
  pugi::xml_node itext = child_local(model, "itext");
  if (!itext) return out;
  pugi::xml_node chosen, first, by_default;
  for (pugi::xml_node t = itext.first_child(); t; t = t.next_sibling()) {
    if (!local_is(t, "translation")) continue;
    std::string lang = t.attribute("lang").value();
    if (!chosen && (lang.find(code) != std::string::npos || (word && lang.find(word) != std::string::npos))) chosen = t;
    if (!first) first = t;
    if (!by_default && t.attribute("default")) by_default = t;
  }
  if (!chosen) chosen = by_default ? by_default : first;
  for (pugi::xml_node text = chosen.first_child(); text; text = text.next_sibling()) {
    if (!local_is(text, "text")) continue;
    for (pugi::xml_node v = text.first_child(); v; v = v.next_sibling()) {
      if (!local_is(v, "value") || v.attribute("form")) continue;
      out[text.attribute("id").value()] = v.text().get();
      break;
    }
  }
  return out;
}

// A <label> (inline text or jr:itext('id')) as text.
std::string label_text(const pugi::xml_node& label, const Itext& itext) {
  if (!label) return {};
  std::string ref = label.attribute("ref").value();
  const std::string prefix = "jr:itext('";
  if (ref.rfind(prefix, 0) == 0 && ref.size() > prefix.size() + 2) {
    auto it = itext.find(ref.substr(prefix.size(), ref.size() - prefix.size() - 2));
    return it == itext.end() ? std::string() : it->second;
  }
  std::string out;
  for (pugi::xml_node c = label.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  return out;
}

std::string strip_root(const std::string& abs, const std::string& root) {
  std::string prefix = "/" + root + "/";
  return abs.rfind(prefix, 0) == 0 ? abs.substr(prefix.size()) : std::string();
}

void walk_instance(const pugi::xml_node& n, const std::string& path, const std::set<std::string>& repeats,
                   const std::string& repeat, FormLabels& out, std::set<std::string>& seen) {
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    std::string p = path.empty() ? std::string(c.name()) : path + "/" + c.name();
    if (seen.count(p)) continue;  // a repeat's template and its instances: once
    seen.insert(p);
    bool has_children = false;
    for (pugi::xml_node g = c.first_child(); g; g = g.next_sibling())
      if (g.type() == pugi::node_element) has_children = true;
    if (repeats.count(p)) {
      out.repeats.push_back(p);
      walk_instance(c, p, repeats, p, out, seen);
    } else if (has_children) {
      walk_instance(c, p, repeats, repeat, out, seen);
    } else {
      FormField f;
      f.path = p;
      f.name = c.name();
      f.repeat = repeat;
      out.index[p] = out.fields.size();
      out.fields.push_back(std::move(f));
    }
  }
}

// read_form_labels over a parsed XForm (activity_labels reads two languages from one parse).
core::Result<FormLabels> labels_of(const std::string& form_id, const pugi::xml_document& doc, const std::string& lang);

// Parses `xform_xml` into `doc`; plan.input naming the form when it does not parse.
core::Status parse_xform(const std::string& form_id, const std::string& xform_xml, pugi::xml_document& doc) {
  if (!doc.load_buffer(xform_xml.data(), xform_xml.size(), pugi::parse_default, pugi::encoding_utf8))
    return core::Error::make(core::ErrorCode::plan_input, "form " + form_id + ": its XForm XML does not parse");
  return core::ok_status();
}

}  // namespace

const FormField* FormLabels::field(const std::string& path) const {
  auto it = index.find(path);
  return it == index.end() ? nullptr : &fields[it->second];
}

std::string FormLabels::choice(const std::string& path, const std::string& value) const {
  const FormField* f = field(path);
  if (!f) return value;
  auto it = f->choices.find(value);
  return it == f->choices.end() || it->second.empty() ? value : it->second;
}

core::Result<FormLabels> read_form_labels(const std::string& form_id, const std::string& xform_xml,
                                          const std::string& lang) {
  pugi::xml_document doc;
  if (core::Status st = parse_xform(form_id, xform_xml, doc); !st) return st.error();
  return labels_of(form_id, doc, lang);
}

namespace {

core::Result<FormLabels> labels_of(const std::string& form_id, const pugi::xml_document& doc, const std::string& lang) {
  std::vector<pugi::xml_node> models, titles;
  find_all(doc, "model", models);
  if (models.empty()) return core::Error::make(core::ErrorCode::plan_input, "form " + form_id + ": no <model> in its XForm");
  pugi::xml_node model = models.front();
  pugi::xml_node primary;
  std::map<std::string, pugi::xml_node> secondary;
  for (pugi::xml_node c = model.first_child(); c; c = c.next_sibling()) {
    if (!local_is(c, "instance")) continue;
    std::string id = c.attribute("id").value();
    if (id.empty() && !primary) primary = c;
    else secondary[id] = c;
  }
  pugi::xml_node root;
  for (pugi::xml_node c = primary.first_child(); c && !root; c = c.next_sibling())
    if (c.type() == pugi::node_element) root = c;
  if (!root) return core::Error::make(core::ErrorCode::plan_input, "form " + form_id + ": no primary instance in its XForm");
  FormLabels out;
  out.form_id = root.attribute("id") ? root.attribute("id").value() : form_id;
  find_all(doc, "title", titles);
  if (!titles.empty()) out.title = titles.front().text().get();
  const std::string root_name = root.name();
  Itext itext = read_itext(model, lang);

  std::vector<pugi::xml_node> repeat_nodes;
  find_all(doc, "repeat", repeat_nodes);
  std::set<std::string> repeats;
  for (const auto& r : repeat_nodes) repeats.insert(strip_root(r.attribute("nodeset").value(), root_name));
  std::set<std::string> seen;
  walk_instance(root, "", repeats, "", out, seen);

  for (pugi::xml_node b = model.first_child(); b; b = b.next_sibling()) {
    if (!local_is(b, "bind")) continue;
    auto it = out.index.find(strip_root(b.attribute("nodeset").value(), root_name));
    if (it == out.index.end()) continue;
    std::string type = b.attribute("type").value();
    if (auto colon = type.find(':'); colon != std::string::npos) type = type.substr(colon + 1);
    out.fields[it->second].type = type;
  }

  // Body controls: labels of leaves, groups and repeats; choices of selects.
  std::vector<pugi::xml_node> body;
  find_all(doc, "body", body);
  std::vector<pugi::xml_node> controls;
  if (!body.empty()) find_all(body.front(), "label", controls);
  for (const auto& label : controls) {
    pugi::xml_node control = label.parent();
    if (local_is(control, "item")) continue;
    std::string ref = control.attribute("ref").value();
    if (ref.empty()) ref = control.attribute("nodeset").value();
    if (ref.empty() && local_is(control, "group"))
      if (pugi::xml_node r = child_local(control, "repeat")) ref = r.attribute("nodeset").value();
    std::string path = strip_root(ref, root_name);
    if (path.empty()) continue;
    std::string text = label_text(label, itext);
    auto it = out.index.find(path);
    if (it == out.index.end()) {
      if (!out.group_labels.count(path)) out.group_labels[path] = text;
      continue;
    }
    FormField& f = out.fields[it->second];
    f.label = text;
    // Inline items, or an itemset over a secondary instance.
    for (pugi::xml_node item = control.first_child(); item; item = item.next_sibling()) {
      if (local_is(item, "item")) {
        f.choices[child_local(item, "value").text().get()] = label_text(child_local(item, "label"), itext);
      } else if (local_is(item, "itemset")) {
        std::string nodeset = item.attribute("nodeset").value();
        const std::string pre = "instance('";
        if (nodeset.rfind(pre, 0) != 0) continue;
        std::string id = nodeset.substr(pre.size(), nodeset.find('\'', pre.size()) - pre.size());
        auto s = secondary.find(id);
        if (s == secondary.end()) continue;
        std::string value_ref = child_local(item, "value").attribute("ref").value();
        if (value_ref.empty()) value_ref = "name";
        std::vector<pugi::xml_node> items;
        find_all(s->second, "item", items);
        for (const auto& it2 : items) {
          std::string value = child_local(it2, value_ref).text().get();
          std::string text2;
          if (pugi::xml_node iid = child_local(it2, "itextId")) {
            auto t = itext.find(iid.text().get());
            if (t != itext.end()) text2 = t->second;
          } else if (pugi::xml_node l = child_local(it2, "label")) {
            text2 = l.text().get();
          }
          f.choices[value] = text2;
        }
      }
    }
  }
  return out;
}

}  // namespace

core::Result<std::map<std::string, Text>> activity_labels(const std::map<std::string, std::string>& xforms) {
  std::map<std::string, Text> out;
  for (const auto& [form_id, xml] : xforms) {
    pugi::xml_document doc;  // parsed once, read in both languages
    if (core::Status st = parse_xform(form_id, xml, doc); !st) return st.error();
    for (const char* lang : {"vi", "en"}) {
      auto labels = labels_of(form_id, doc, lang);
      if (!labels) return labels.error();
      for (const FormField& f : labels->fields) {
        // The activity of a row of the needs repeat (read_needs): need_type in A and B, support_type in C.
        bool in_needs = f.repeat == "needs" || (f.repeat.size() > 6 && f.repeat.compare(f.repeat.size() - 6, 6, "/needs") == 0);
        if (!in_needs || (f.name != "need_type" && f.name != "support_type")) continue;
        for (const auto& [code, text] : f.choices) {
          Text& t = out[code];
          std::string& slot = std::string_view(lang) == "vi" ? t.vi : t.en;
          if (slot.empty()) slot = text;
        }
      }
    }
  }
  return out;
}

}  // namespace khaosat::office
