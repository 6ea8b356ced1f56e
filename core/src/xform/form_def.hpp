// FormDef: a compiled form, the single model both readers (the XForm loader and, later, the
// XLSForm compiler) produce and the FormSession runs.
//
// A FormDef is immutable once loaded and may be shared by many sessions (each session copies
// the primary instance template into a tree of its own). All paths are absolute instance paths
// without predicates ("/data/group/rep/q"); expressions are parsed once, here.
#pragma once

#include <map>
#include <unordered_map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "khaosat/core/env.hpp"
#include "model/tree.hpp"
#include "xpath/xpath.hpp"

namespace khaosat::core {

// A bind: the model item properties for every node its nodeset selects.
struct Bind {
  std::string nodeset;     // absolute path, predicates stripped: "/data/a"
  std::string type;        // XForms/XSD type without prefix: "string", "int", "decimal", "date",
                           // "dateTime", "time", "boolean", "select", "select1", "geopoint",
                           // "geotrace", "geoshape", "binary", "barcode", "rank"...; "" = string
  xpath::ExprPtr relevant, required, readonly, constraint, calculate;  // null when absent
  std::string constraint_msg;       // literal text, or "" (see constraint_msg_itext)
  std::string constraint_msg_itext; // itext id when the message is jr:itext('id')
  std::string required_msg;
  std::string required_msg_itext;
  std::string preload;         // jr:preload ("uid", "timestamp", "property", "date"...)
  std::string preload_params;  // jr:preloadParams ("start", "end", "deviceid"...)
  int max_pixels = 0;          // orx:max-pixels of an image: its longer side at most; 0 = any
  int line = 0;                // source position, for messages
};

// Label/hint text: literal text with <output value="..."/> parts, or an itext reference.
struct TextPart {
  std::string literal;          // used when expr is null
  xpath::ExprPtr expr;          // an <output value=".."/>, evaluated at the control's node
};
struct Text {
  std::string itext_id;           // jr:itext('id') reference, when the label is translated
  xpath::ExprPtr itext_expr;      // jr:itext(path) with a dynamic id (rare), else null
  std::vector<TextPart> parts;    // inline text
  bool empty() const { return itext_id.empty() && !itext_expr && parts.empty(); }
};

struct Item {  // a static <item> of a select
  std::string value;
  Text label;
};

struct Itemset {  // <itemset nodeset="..."> with <value ref> and <label ref>
  xpath::ExprPtr nodeset;        // evaluated at the select's node; may use current()
  xpath::ExprPtr value;          // relative to each item node
  xpath::ExprPtr label;          // relative to each item node; for jr:itext(...) labels
  bool label_is_itext = false;   // label ref was jr:itext(expr): expr gives an itext id
  std::string nodeset_text;      // source, for messages
};

enum class ControlType { Input, Select1, Select, Range, Rank, Trigger, Upload, Group, Repeat };

const char* to_string(ControlType t);

// An action (setvalue / odk:setgeopoint) triggered by an event.
struct Action {
  enum class Kind { SetValue, SetGeopoint };
  Kind kind = Kind::SetValue;
  std::vector<std::string> events;  // "odk-instance-first-load", "odk-new-repeat",
                                    // "xforms-value-changed", "odk-instance-load" ...
  std::string ref;                  // absolute target path
  xpath::ExprPtr value;             // value="expr" (null: use `literal`)
  std::string literal;              // text content of <setvalue>
  std::string trigger_ref;          // for xforms-value-changed: the control's absolute ref
};

struct Control {
  ControlType type = ControlType::Group;
  std::string ref;         // absolute instance path ("" for a group without ref)
  Text label, hint;
  std::string appearance;
  std::string accept;      // accept="..." as written (an upload without mediatype), or ""
  // select1 / select / rank
  std::vector<Item> items;
  std::optional<Itemset> itemset;
  // range
  std::string range_start, range_end, range_step;
  // upload
  std::string mediatype;
  // repeat
  xpath::ExprPtr repeat_count;  // jr:count, null when the user controls the repeat
  bool no_add_remove = false;   // jr:noAddRemove="true()"
  // group / repeat children, in body order
  std::vector<Control> children;
  int line = 0;
};

// A secondary instance (<instance id="..."> other than the first).
struct SecondaryInstance {
  std::string id;
  std::string src;                 // "" when inline
  std::shared_ptr<Tree> tree;      // loaded data (inline, or from the attachment)
};

struct Translation {
  std::string lang;  // as written: "English (en)"
  bool is_default = false;
  // text id -> form ("" for the default long form, "short", "image", "audio", "video",
  // "guidance") -> text parts (plain text and <output> parts)
  std::unordered_map<std::string, std::map<std::string, std::vector<TextPart>>> texts;
};

// A question whose value a submission saves to an entity property (a bind with
// entities:saveto="property").
struct EntitySaveTo {
  std::string path;      // the question's bind nodeset: "/data/species"
  std::string property;  // the entity property: "species"
};

// The entity a submission creates or updates (ODK XForms Entities spec,
// https://getodk.github.io/xforms-spec/entities): the <meta><entity> element of the primary
// instance and the binds that fill it. Kept for the sync issue, which turns finalized
// submissions into registry records; docs/xlsform.md "Entities" shows the XML.
struct EntityDecl {
  std::string path;             // the element: "/data/meta/entity"
  std::string dataset;
  std::string create, update;   // the attributes as written ("1", or "" when absent)
  std::string entity_id, label; // the attribute / element text as written
  std::string version;          // entities:entities-version on the model
  // The expressions of the binds on the entity, as written ("" when there is none):
  std::string create_if, update_if;  // calculate of @create / @update
  std::string id_calculate;          // calculate of @id: the id of the entity an update targets
  std::string label_calculate;       // calculate of label
  bool id_is_new_uuid = false;       // a setvalue of uuid() on @id at first load (creation)
  std::vector<EntitySaveTo> save_to; // in bind order
  bool creates() const { return create == "1"; }
  bool updates() const { return update == "1"; }
};

struct FormPlan;  // the session's analysis of a form (node table, dependency DAG); see
                  // session/form_plan.hpp. Built once by load_form, shared by every session.

struct FormDef {
  std::string title;
  std::string id;        // primary instance root's id attribute
  std::string version;   // primary instance root's version attribute
  std::string source;    // file path the form came from
  std::shared_ptr<const Tree> instance;   // the primary instance template (with jr:template
                                          // repeat instances still in place). Like ODK Web
                                          // Forms, the loader adds meta/instanceID (and a bind
                                          // with jr:preload="uid") when the form has none.
  std::string root_name;                  // primary instance root element name
  std::map<std::string, std::string> namespaces;  // prefix -> URI declared on the form
  std::vector<Bind> binds;
  std::vector<SecondaryInstance> secondary;
  std::vector<Translation> translations;  // itext, in document order
  std::vector<Action> actions;
  Control body;                           // the <h:body> as a Group with children
  std::optional<EntityDecl> entity;
  std::shared_ptr<const FormPlan> plan;   // set by load_form() before the form is shared
  // Things ODK accepts but that are probably mistakes (a bind or a body control naming no node
  // of the primary instance, a bind without nodeset): one message each, with the line.
  std::vector<std::string> warnings;
  // Attachments a secondary instance names that were not found and were loaded as empty
  // instances (LoadOptions::missing_blank): each has its warning at warnings[warning], which
  // the XLSForm compiler rewrites in the workbook's terms (the survey row needing the file).
  struct MissingAttachment {
    std::string id, src, looked;  // instance id, jr:// src, every path tried (", "-separated)
    std::size_t warning = 0;
  };
  std::vector<MissingAttachment> missing_attachments;
  // A parsed expression -> where it was written, for error messages.
  std::string default_language() const;
};

// Loader options: where jr://file and jr://file-csv attachments are looked up.
struct LoadOptions {
  std::vector<std::string> media_dirs;  // searched in order after the form's own directory
  bool missing_blank = false;           // a missing attachment becomes an empty instance
  Env* env = nullptr;                   // files are read through it; null: Env::default_env()
  bool beside_path = true;              // the path's folder is searched first (false: only media_dirs)
  Env& files() const { return env ? *env : Env::default_env(); }
};

// Load an ODK XForm from XML text / from a file. Errors name the element, attribute and line.
Result<std::shared_ptr<const FormDef>> load_xform(std::string_view xml, const std::string& path,
                                                   const LoadOptions& opts);
Result<std::shared_ptr<const FormDef>> load_xform_file(const std::string& path,
                                                        const LoadOptions& opts);

// Expressions already parsed, by their exact text: what a compiler that checked them hands the
// loader, so that no expression of a form is parsed twice.
using ParsedExpressions = std::unordered_map<std::string, xpath::ExprPtr, StringHash, std::equal_to<>>;

// Parts of the model a compiler built itself instead of writing them into the XML it hands
// load_compiled_xform (the XLSForm compiler when nobody asks for the XML: compiler.hpp). Each
// part given stands for that part of the document, which the XML then leaves out: `binds` for
// the model's <bind>s (in document order), `translations` for <itext>, `body` for the controls
// of <h:body> with `body_actions` for the actions inside them (in body order, after the
// model's). They must be what the loader would have read from the XML
// (tests/core/xlsform_direct_test.cpp compares the two on every fixture).
struct BuiltModel {
  std::optional<std::vector<Bind>> binds;
  std::optional<std::vector<Translation>> translations;
  std::optional<std::vector<Control>> body;
  std::vector<Action> body_actions;
};

// load_xform for the text a compiler has just written (the XLSForm compiler, compiler.hpp): the
// loader takes `xml` and parses it in place (the XML parser's nodes point into it instead of
// into a copy of the whole text), and takes an expression's tree from `parsed` when its text is
// there instead of parsing it again. Same FormDef, same errors and warnings as
// load_xform(xml, path, opts). The ASTs in `parsed` must be xpath::parse's of their keys.
//
// `built` parts are checked as the XML's would be. Where the loader would have more to say
// about them than it can without the XML (a bind on no node of the primary instance is a
// warning naming its line; an entity declaration reads its binds from the XML), it refuses
// them: the result is an error and *refused is set, and the caller loads the whole XML instead.
Result<std::shared_ptr<const FormDef>> load_compiled_xform(std::string xml, const std::string& path,
                                                            const LoadOptions& opts,
                                                            ParsedExpressions parsed,
                                                            BuiltModel built = {},
                                                            bool* refused = nullptr);

}  // namespace khaosat::core
