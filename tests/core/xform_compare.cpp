// See xform_compare.hpp.
#include "xform_compare.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <pugixml.hpp>
#include <regex>
#include <set>
#include <string_view>
#include <vector>

namespace khaosat::test {

namespace {

// One element, canonical: qualified name with a fixed prefix per namespace, attributes sorted,
// children as elements and non-empty text pieces in order.
struct CNode {
  std::string name;                          // "" for a text piece
  std::map<std::string, std::string> attrs;  // canonical name -> normalised value
  std::string text;                          // text pieces only
  std::vector<CNode> children;
  bool keyed = false;  // children matched by key_of(), not by position
};

const std::map<std::string, std::string>& known_prefixes() {
  static const std::map<std::string, std::string> m = {
      {"http://www.w3.org/2002/xforms", ""},
      {"http://www.w3.org/1999/xhtml", "h:"},
      {"http://openrosa.org/javarosa", "jr:"},
      {"http://www.opendatakit.org/xforms", "odk:"},
      {"http://openrosa.org/xforms", "orx:"},
      {"http://www.w3.org/2001/xml-events", "ev:"},
      {"http://www.w3.org/2001/XMLSchema", "xsd:"},
  };
  return m;
}

using Scope = std::map<std::string, std::string>;  // prefix ("" default) -> uri

std::string canonical_name(std::string_view qname, const Scope& scope, bool attribute) {
  auto colon = qname.find(':');
  std::string prefix = colon == std::string_view::npos ? "" : std::string(qname.substr(0, colon));
  std::string local(colon == std::string_view::npos ? qname : qname.substr(colon + 1));
  if (attribute && prefix.empty()) return local;  // unprefixed attributes have no namespace
  auto it = scope.find(prefix);
  if (it == scope.end()) return std::string(qname);
  auto k = known_prefixes().find(it->second);
  if (k != known_prefixes().end()) return k->second + local;
  return "{" + it->second + "}" + local;
}

std::string collapse(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// Whitespace removed outside '...' and "..." literals.
std::string squeeze_expression(std::string_view s) {
  std::string out;
  char quote = 0;
  for (char c : s) {
    if (quote) {
      out += c;
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
      out += c;
    }
  }
  return out;
}

bool is_expression_attribute(const std::string& name) {
  static const std::set<std::string> names = {
      "nodeset", "ref", "relevant", "constraint", "calculate", "required", "readonly",
      "value", "jr:count", "jr:constraintMsg", "jr:requiredMsg"};
  return names.count(name) > 0;
}

// pyxform's generated names end in a row number, which depends on how the source counts rows.
std::string generated_ids(std::string s) {
  static const std::regex re("(generated_table_list_label_|reserved_name_for_field_list_labels_)[0-9]+");
  return std::regex_replace(s, re, "$1#");
}

CNode canonicalise(const pugi::xml_node& el, Scope scope) {
  for (auto a : el.attributes()) {
    std::string_view n = a.name();
    if (n == "xmlns") scope[""] = a.value();
    else if (n.starts_with("xmlns:")) scope[std::string(n.substr(6))] = a.value();
  }
  CNode c;
  c.name = generated_ids(canonical_name(el.name(), scope, false));
  for (auto a : el.attributes()) {
    std::string_view n = a.name();
    if (n == "xmlns" || n.starts_with("xmlns:")) continue;
    std::string name = canonical_name(n, scope, true);
    std::string v = generated_ids(a.value());
    c.attrs[name] = is_expression_attribute(name) ? squeeze_expression(v) : collapse(v);
  }
  for (auto ch : el.children()) {
    if (ch.type() == pugi::node_element) {
      c.children.push_back(canonicalise(ch, scope));
    } else if (ch.type() == pugi::node_pcdata || ch.type() == pugi::node_cdata) {
      std::string t = collapse(ch.value());
      if (!t.empty()) c.children.push_back(CNode{"", {}, t, {}});
    }
  }
  return c;
}

std::string key_of(const CNode& n) {
  for (const char* k : {"nodeset", "id", "lang", "form", "ref", "event"}) {
    auto it = n.attrs.find(k);
    if (it != n.attrs.end()) return n.name + "|" + it->second;
  }
  return n.name + "|" + (n.name.empty() ? n.text : "");
}

void sort_children(CNode& n) {
  std::stable_sort(n.children.begin(), n.children.end(),
                   [](const CNode& a, const CNode& b) { return key_of(a) < key_of(b); });
}

// Sorts where order carries no meaning (see the header).
void normalise_order(CNode& n, bool in_secondary_item) {
  bool model = n.name == "model";
  bool item = in_secondary_item && n.name == "item";
  if (model || n.name == "itext" || n.name == "translation" || n.name == "text" || item) {
    sort_children(n);
    n.keyed = true;
  }
  for (auto& ch : n.children) {
    bool secondary = in_secondary_item ||
                     (n.name == "model" && ch.name == "instance" && ch.attrs.count("id"));
    normalise_order(ch, secondary);
  }
}

std::string label_of(const CNode& n) {
  if (n.name.empty()) return "text()";
  for (const char* k : {"nodeset", "ref", "id", "lang", "form"}) {
    auto it = n.attrs.find(k);
    if (it != n.attrs.end()) return n.name + "[@" + k + "='" + it->second + "']";
  }
  return n.name;
}

std::optional<std::string> compare(const CNode& e, const CNode& a, const std::string& path) {
  if (e.name != a.name) return path + ": expected <" + e.name + ">, got <" + a.name + ">";
  if (e.name.empty()) {
    if (e.text != a.text) return path + ": expected text '" + e.text + "', got '" + a.text + "'";
    return std::nullopt;
  }
  for (const auto& [k, v] : e.attrs) {
    auto it = a.attrs.find(k);
    if (it == a.attrs.end()) return path + "/@" + k + ": missing (expected '" + v + "')";
    if (it->second != v)
      return path + "/@" + k + ": expected '" + v + "', got '" + it->second + "'";
  }
  for (const auto& [k, v] : a.attrs)
    if (!e.attrs.count(k)) return path + "/@" + k + ": unexpected (value '" + v + "')";
  if (e.keyed) {  // the first key missing on either side, then pairs in key order
    std::multiset<std::string> ek, ak;
    for (const auto& c : e.children) ek.insert(key_of(c));
    for (const auto& c : a.children) ak.insert(key_of(c));
    for (const auto& c : e.children)
      if (ak.count(key_of(c)) < ek.count(key_of(c)))
        return path + ": missing child " + label_of(c);
    for (const auto& c : a.children)
      if (ek.count(key_of(c)) < ak.count(key_of(c)))
        return path + ": unexpected child " + label_of(c);
  }
  std::size_t n = std::min(e.children.size(), a.children.size());
  for (std::size_t i = 0; i < n; ++i)
    if (auto d = compare(e.children[i], a.children[i], path + "/" + label_of(e.children[i])))
      return d;
  if (e.children.size() > n)
    return path + ": missing child " + label_of(e.children[n]);
  if (a.children.size() > n)
    return path + ": unexpected child " + label_of(a.children[n]);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> xform_difference(const std::string& expected,
                                            const std::string& actual) {
  pugi::xml_document de, da;
  auto re = de.load_string(expected.c_str());
  if (!re) return std::string("expected document does not parse: ") + re.description();
  auto ra = da.load_string(actual.c_str());
  if (!ra) return std::string("actual document does not parse: ") + ra.description();
  CNode ce = canonicalise(de.document_element(), {});
  CNode ca = canonicalise(da.document_element(), {});
  normalise_order(ce, false);
  normalise_order(ca, false);
  return compare(ce, ca, "/" + ce.name);
}

}  // namespace khaosat::test
