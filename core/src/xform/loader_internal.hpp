// Private to the XForm loader (core/src/xform/loader*.cpp): the state of one load and the small
// helpers every aspect of the loader shares (line numbers, namespace lookup, path resolution,
// the per-load expression cache).
//
// The loader is split by aspect, all working on one LoadContext:
//   loader.cpp              entry points, document structure, primary instance, binds, entities
//   loader_body.cpp         <h:body> controls, labels, items, itemsets
//   loader_itext.cpp        <itext> translations and <output> text parts
//   loader_actions.cpp      <setvalue> / <odk:setgeopoint> in the model and in controls
//   secondary_instances.cpp <instance id=...>: inline, jr://file*, with csv.cpp / geojson.cpp
//
// A LoadContext lives for one load_xform call on one thread. Nothing here is thread-safe.
#pragma once

#include <pugixml.hpp>

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "xform/form_def.hpp"

namespace khaosat::core::xform_detail {

// Namespace URIs the loader gives meaning to. Prefixes are never trusted: attributes and elements
// are matched by the URI their prefix is bound to.
inline constexpr std::string_view kXformsNs = "http://www.w3.org/2002/xforms";
inline constexpr std::string_view kXhtmlNs = "http://www.w3.org/1999/xhtml";
inline constexpr std::string_view kJavaRosaNs = "http://openrosa.org/javarosa";
inline constexpr std::string_view kOdkNs = "http://www.opendatakit.org/xforms";
inline constexpr std::string_view kOpenRosaNs = "http://openrosa.org/xforms";
inline constexpr std::string_view kEntitiesNs = "http://www.opendatakit.org/xforms/entities";

// Early return of the error inside a Status / Result. The expression is evaluated once.
#define XFORM_TRY(expr)                                    \
  do {                                                       \
    auto xform_try_status_ = (expr);                       \
    if (!xform_try_status_.ok()) return xform_try_status_.error(); \
  } while (0)

struct LoadContext {
  LoadContext(std::string_view xml_text, FormDef& f, const LoadOptions& o)
      : xml(xml_text), form(f), opts(o) {}

  std::string_view xml;
  FormDef& form;
  const LoadOptions& opts;
  std::string form_dir;  // directory of the form file ("" when loaded from text without a path)

  std::string root_path;                          // "/data"
  std::unordered_set<std::string> instance_paths; // every element/attribute path of the primary
                                                  // instance, predicates-free: "/data/a/@x"
  std::unordered_map<std::string, std::string> bind_nodeset_by_id;  // <bind id> -> nodeset
  ParsedExpressions expr_cache;  // source text -> AST (seeded by load_compiled_xform)
  BuiltModel* built = nullptr;   // parts the compiler built (load_compiled_xform), or null
  bool refused = false;          // a built part could not be taken: load the whole XML instead
  // Marks the built parts refused; the error only stops the load (the caller loads the XML).
  Error refuse() {
    refused = true;
    return Error::make(ErrorCode::form_structure, "the compiler's built model was refused");
  }

  // 1-based line of a node, from its byte offset in the source.
  int line_of(const pugi::xml_node& n) const;
  int line_of_offset(std::ptrdiff_t offset) const;
  // Builds the line index now: before the text is parsed in place (which overwrites it).
  void index_lines() const {
    if (line_starts_.empty()) build_line_index();
  }
  std::pair<int, int> line_col_of_offset(std::ptrdiff_t offset) const;

  // Parse an expression once per distinct text. `where` names the element / attribute for the
  // error message: "<bind nodeset=\"/data/a\"> attribute 'relevant' (line 12)".
  Result<xpath::ExprPtr> expr(std::string_view text, const std::string& where);
  // The same, with the location made by `where()` only if the text has to be parsed (a compiled
  // form's expressions are in the cache already: no message is built for them).
  template <typename Where>
  Result<xpath::ExprPtr> expr_lazy(std::string_view text, Where&& where) {
    if (auto it = expr_cache.find(text); it != expr_cache.end()) return it->second;
    return expr(text, where());
  }

  // Errors that name a node: "<code>: <what> (line N)".
  Error error_at(ErrorCode code, const pugi::xml_node& n, const std::string& what) const;

 private:
  mutable std::vector<std::size_t> line_starts_;  // built on first use
  void build_line_index() const;
};

// --- namespaces ---------------------------------------------------------------------------

// The URI bound to `prefix` ("" = the default namespace) in scope at `n`, or "".
std::string_view namespace_uri(pugi::xml_node n, std::string_view prefix);
// The namespace URI of an element or attribute name as written at `n`.
std::string_view name_namespace(pugi::xml_node n, std::string_view qname, bool is_attribute);
// The local part of a qualified name.
std::string_view local_name(std::string_view qname);
// True when `n` is an element with this local name in this namespace.
bool is_element(pugi::xml_node n, std::string_view ns, std::string_view local);
// The attribute with this namespace URI and local name, or an empty attribute.
pugi::xml_attribute attribute_ns(pugi::xml_node n, std::string_view ns, std::string_view local);
// An attribute without prefix (XForms attributes such as nodeset, ref, type).
inline pugi::xml_attribute plain_attribute(pugi::xml_node n, const char* name) {
  return n.attribute(name);
}

// The deepest element nesting under `n`, counted without recursion; stops counting at `limit`.
// The loader's tree walks are recursive, so documents nested deeper than kMaxDepth are
// rejected up front rather than risking the stack.
inline constexpr int kMaxDepth = 512;
int nesting_depth(pugi::xml_node n, int limit);
// The same bound read from the text of a document pugixml has accepted, without walking its
// nodes (a linear scan for tags; the DOM walk costs more than the parse on big forms).
int text_nesting_depth(std::string_view xml, int limit);

// --- text helpers --------------------------------------------------------------------------

std::string_view trim(std::string_view s);
bool is_blank(std::string_view s);
// The concatenated PCDATA/CDATA children of `n` (not descendants).
std::string direct_text(pugi::xml_node n);

// How forms and XML attachments are parsed. Whitespace-only text is kept (a leaf's value may be
// spaces). An element's leading text is embedded in the element (its value()) instead of a
// text child node, which saves a 64-byte node per leaf: a 1,000,000-item itemset parses in about
// 250 MB less. Whatever reads text reads value() first, then the text children (direct_text,
// load_text_parts, build_tree).
inline constexpr unsigned kXmlParseOptions =
    pugi::parse_default | pugi::parse_ws_pcdata | pugi::parse_embed_pcdata;
// If `text` is jr:itext('id') / jr:itext("id") returns the id; if it is jr:itext(expr) returns
// the inner expression in `dynamic`. Returns false when `text` is not a jr:itext call.
bool split_itext_call(std::string_view text, std::string& id, std::string& dynamic);
// A bind's type attribute as the FormDef keeps it: without prefix, "integer" as "int".
std::string bind_type(std::string_view written);

// --- paths ---------------------------------------------------------------------------------

// Resolve a location path as written in a nodeset/ref against an absolute context path:
// predicates stripped, "." and ".." folded, "./a" and "a" made absolute. Returns false when the
// text is not a plain location path (a function call, a union ...).
bool resolve_path(std::string_view text, std::string_view context, std::string& out);
// ODK's range bounds: an optional '-', digits, and an optional fraction ("-2", "0.5"); what the
// loader accepts for a range's start, end and step (the XLSForm compiler's direct build too).
bool is_range_bound(std::string_view v);
// An image bind's orx:max-pixels as the FormDef keeps it: whole digits up to 1,000,000,000
// ("0" keeps 0, no limit); -1 when the text is anything else (the loader warns and ignores it,
// the XLSForm compiler's direct build leaves such a form to the loader).
int max_pixels_value(std::string_view v);

// --- the loader's aspects ----------------------------------------------------------------------

Status load_itext(LoadContext& ctx, pugi::xml_node model);
Status load_secondary_instances(LoadContext& ctx, const std::vector<pugi::xml_node>& instances);
Status load_body(LoadContext& ctx, pugi::xml_node body);
Status load_model_actions(LoadContext& ctx, pugi::xml_node model);
// An action element (<setvalue>, <odk:setgeopoint>) inside a body control whose absolute ref is
// `control_ref`; `context` is the evaluation context for its relative ref.
Status load_body_action(LoadContext& ctx, pugi::xml_node el, const std::string& control_ref,
                        const std::string& context, bool in_repeat);
bool is_action_element(pugi::xml_node el);
// Text parts of a mixed-content element (<label>, itext <value>): literal text and <output/>.
Status load_text_parts(LoadContext& ctx, pugi::xml_node el, std::vector<TextPart>& out,
                       const std::string& where);

// Convert a parsed XML subtree into a Tree (instances and external XML attachments).
// Whitespace-only text beside child elements is dropped; leaf text is kept as written.
void build_tree(Tree& tree, Node* parent, pugi::xml_node el,
                std::vector<std::pair<std::string, std::string>>& ns_scope);
// The namespace declarations in scope at `n` from its ancestors (outermost first), the starting
// scope for build_tree.
std::vector<std::pair<std::string, std::string>> namespace_scope_at(pugi::xml_node n);

}  // namespace khaosat::core::xform_detail
