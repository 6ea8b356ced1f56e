// Serialization (instance XML as ODK submits it, instance JSON for khaosat sync), restoring a
// session from saved XML, and the XPath Environment the session provides.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "session/session_impl.hpp"

namespace khaosat::core {

namespace {

void escape_into(std::string& out, std::string_view s, bool attribute) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"':
        if (attribute) out += "&quot;";
        else out += c;
        break;
      default: out += c;
    }
  }
}

// Prefixed names used by the instance (elements and attributes) -> namespace URI, first use
// first. The default namespace and jr:template are not declared, as ODK's engine does.
void collect_prefixes(const Node* n, std::vector<std::pair<std::string, std::string>>& out) {
  auto note = [&](std::string_view name, std::string_view ns) {
    auto [prefix, local] = split_qname(name);
    if (prefix.empty() || prefix == "xmlns") return;
    for (const auto& p : out)
      if (p.first == prefix) return;
    out.emplace_back(std::string(prefix), std::string(ns));
  };
  note(n->name, n->ns);
  for (const Node* a : n->attributes)
    if (a->local != "template") note(a->name, a->ns);
  for (const Node* c : n->children) collect_prefixes(c, out);
}

}  // namespace

std::string FormSessionImpl::instance_xml() const {
  std::string out;
  out.reserve(4096);
  std::vector<std::pair<std::string, std::string>> prefixes;
  collect_prefixes(form_->instance->root(), prefixes);
  struct Writer {
    const FormSessionImpl& s;
    std::string& out;
    const std::vector<std::pair<std::string, std::string>>* decls;
    void write(const Node* n) {
      const NodeState& st = s.states_[n->tag];
      if (!st.relevant) return;
      out += '<';
      out += n->name;
      if (decls) {
        for (const auto& [p, uri] : *decls) {
          out += " xmlns:" + p + "=\"";
          escape_into(out, uri, true);
          out += '"';
        }
        decls = nullptr;
      }
      for (const Node* a : n->attributes) {
        out += ' ';
        out += a->name;
        out += "=\"";
        escape_into(out, a->value, true);
        out += '"';
      }
      const NodeDef& d = s.plan_.defs[st.def];
      if (d.leaf) {
        if (n->value.empty()) {
          out += "/>";
          return;
        }
        out += '>';
        escape_into(out, n->value, false);
      } else {
        std::size_t before = out.size();
        out += '>';
        std::size_t body = out.size();
        for (const Node* c : n->children) write(c);
        if (out.size() == body) {
          out.resize(before);
          out += "/>";
          return;
        }
      }
      out += "</";
      out += n->name;
      out += '>';
    }
  };
  Writer w{*this, out, &prefixes};
  if (tree_.root()) w.write(tree_.root());
  return out;
}

std::string FormSessionImpl::instance_json() const {
  using nlohmann::json;
  struct Writer {
    const FormSessionImpl& s;
    json write(const Node* n) {
      const NodeDef& d = s.plan_.defs[s.states_[n->tag].def];
      if (d.leaf) return n->value;
      json obj = json::object();
      for (const Node* c : n->children) {
        const NodeState& cs = s.states_[c->tag];
        if (!cs.relevant) continue;
        const NodeDef& cd = s.plan_.defs[cs.def];
        if (cd.is_repeat) {
          json& arr = obj[cd.name];
          if (!arr.is_array()) arr = json::array();
          arr.push_back(write(c));
        } else {
          obj[cd.name] = write(c);
        }
      }
      return obj;
    }
  };
  Writer w{*this};
  json doc = json::object();
  if (tree_.root()) doc[tree_.root()->name] = w.write(tree_.root());
  // Values are bytes as answered or computed (base64-decode can make any): invalid UTF-8 is
  // replaced (U+FFFD), never thrown as json's type_error.
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

// ---------------------------------------------------------------------------------------------
// Restore

namespace {

Node* import_element(Tree& t, const pugi::xml_node& e) {
  Node* n = t.new_element(e.name());
  for (const pugi::xml_attribute& a : e.attributes()) {
    std::string_view name = a.name();
    if (name == "xmlns" || name.rfind("xmlns:", 0) == 0) continue;
    t.add_attribute(n, t.new_attribute(name, a.value()));
  }
  bool has_elements = false;
  for (const pugi::xml_node& c : e.children())
    if (c.type() == pugi::node_element) {
      has_elements = true;
      t.append_child(n, import_element(t, c));
    }
  if (!has_elements) n->value = e.text().get();
  return n;
}

}  // namespace

Result<std::unique_ptr<FormSession>> FormSession::restore(Form form, std::string_view xml,
                                                          SessionOptions options) {
  auto impl = FormSessionImpl::restore(std::move(form), xml, std::move(options), false);
  if (!impl) return impl.error();
  return std::unique_ptr<FormSession>(new FormSession(std::move(impl).value()));
}

Result<std::unique_ptr<FormSessionImpl>> FormSessionImpl::restore(Form form, std::string_view xml,
                                                                  SessionOptions options, bool evaluate_only) {
  if (!form || !form->plan) return Error::make(ErrorCode::session, "the form is not loaded");
  pugi::xml_document doc;
  pugi::xml_parse_result r = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default);
  if (!r)
    return Error::make(ErrorCode::session_restore, std::string("the saved instance is not valid XML: ") +
                                              r.description() + " at offset " +
                                              std::to_string(r.offset));
  pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()) != form->root_name)
    return Error::make(ErrorCode::session_restore, "the saved instance's root is <" +
                                              std::string(root.name()) + ">, but form '" +
                                              form->id + "' expects <" + form->root_name + ">");
  std::string id = root.attribute("id").value();
  if (!id.empty() && id != form->id)
    return Error::make(ErrorCode::session_restore, "the saved instance belongs to form '" + id +
                                              "', not '" + form->id + "'");
  Tree restored;
  Node* n = import_element(restored, root);
  restored.append_child(restored.document(), n);
  auto impl = std::make_unique<FormSessionImpl>(std::move(form), std::move(options));
  impl->evaluate_only_ = evaluate_only;
  if (Status st = impl->initialize(n); !st) return st.error();
  return impl;
}

// ---------------------------------------------------------------------------------------------
// XPath environment

Node* FormSessionImpl::instance(std::string_view id) {
  for (const SecondaryInstance& si : form_->secondary) {
    if (si.id != id) continue;
    if (si.tree && si.tree->root()) return si.tree->root();
    // A declared instance with no data (a missing attachment loaded with --missing blank):
    // paths into it select nothing, as in ODK's engine, instead of failing.
    if (!empty_instance_.root())
      empty_instance_.append_child(empty_instance_.document(),
                                   empty_instance_.new_element("#empty"));
    return empty_instance_.root();
  }
  return nullptr;
}

double FormSessionImpl::now_ms() { return opts_.env.now_ms(); }
int FormSessionImpl::tz_offset_minutes(double epoch_ms) {
  return opts_.env.tz_offset_minutes(epoch_ms);
}
double FormSessionImpl::random() { return opts_.env.random(); }

std::string FormSessionImpl::uuid() {
  if (opts_.env.uuid) return opts_.env.uuid();
  return Environment::uuid();
}

std::string FormSessionImpl::itext(std::string_view id) {
  if (!translation_) return {};
  auto it = translation_->texts.find(std::string(id));
  if (it == translation_->texts.end()) return {};
  auto f = it->second.find("");
  if (f == it->second.end()) f = it->second.begin();
  if (f == it->second.end()) return {};  // <text id="..."> without any <value>
  std::string out;
  for (const TextPart& p : f->second) out += p.literal;
  return out;
}

std::string FormSessionImpl::choice_name(std::string_view value, Node* select_node) {
  if (!select_node || select_node->tag < 0 || select_node->tree != &tree_) return {};
  int s = select_node->tag;
  for (const Choice& c : evaluate_choices(s))
    if (c.value == value) return c.label;
  return {};
}

std::string FormSessionImpl::property(std::string_view name) {
  if (name == "deviceid") return opts_.env.device_id;
  if (name == "username") return opts_.env.username;
  if (name == "email") return opts_.env.email;
  if (name == "phonenumber") return opts_.env.phone_number;
  return {};
}

}  // namespace khaosat::core
