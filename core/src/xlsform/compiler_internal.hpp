// Private to the XLSForm compiler (compiler.hpp): the survey model it builds from the workbook
// and the Compiler that owns one compilation. The compiler is split by aspect:
//   compiler_survey.cpp       settings, choices and survey rows -> the Field tree (types,
//                             columns, parameters), structural mistakes;
//   compiler_generated.cpp    what pyxform adds: or_other questions, repeat counts, table-list,
//                             trigger setvalues, flat-group paths;
//   compiler_expressions.cpp  ${name} references and expression checks (positions in the
//                             designer's text), pulldata()/instance() needs, dynamic defaults;
//   compiler_writer.cpp       the Field tree -> pyxform-shaped XForm XML;
//   compiler_warnings.cpp     what pyxform warns about without refusing the form;
//   compiler.cpp              the entry points.
// A Compiler is used once, by one thread; it never throws on bad input, it collects errors.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "xlsform/compiler.hpp"
#include "xlsform/workbook.hpp"

namespace khaosat::core::xlsform::detail {

std::string lower(std::string_view s);
// The jr:// folder of a media column: "audio" -> "jr://audio/", "video" -> "jr://video/",
// images otherwise.
const char* media_prefix(const std::string& form);
std::string xml_escape(std::string_view s);
// xml_escape(s) appended to `out`.
void xml_escape_into(std::string& out, std::string_view s);
// What the XForm loader reads back from xml_escape(s) written as element text (`attribute`
// false) or as an attribute value (true): control characters XML cannot hold are U+FFFD, and
// the XML parser's end-of-line handling makes "\r\n" and "\r" one "\n" in text, and "\r\n",
// "\r", "\n" and "\t" one space each in an attribute. For the parts of a FormDef the compiler
// builds itself (Compiler::direct_itext_), so that they equal the loader's.
std::string xml_read_back(std::string_view s, bool attribute);
// An XML element/attribute name as the writer needs it (at most one "prefix:").
bool is_xml_name(std::string_view s);

// A header split into its base name and language: "label::English (en)" -> {"label", "English
// (en)"}; pyxform also accepts a single ':' ("label:English (en)"). Media columns keep their
// "media::" prefix dropped ("media::image::fr" -> {"image", "fr"}); "bind::x", "body::x" and
// "instance::x" keep their prefix in `base` and the attribute name in `attr`.
struct Column {
  std::string base, lang, attr;
};
Column split_header(std::string_view header);

// One translatable cell: its text and the sheet column it came from (for messages).
struct Cell {
  std::string text;
  std::size_t col = 0;
};
using Texts = std::map<std::string, Cell>;  // language ("" = unqualified) -> cell

// Reads the cells of one sheet row by column base name.
struct RowReader {
  const Sheet& sheet;
  std::vector<Column> cols;

  explicit RowReader(const Sheet& s);
  bool has(std::string_view base) const;
  std::size_t index(std::string_view base) const;  // first unqualified column, or npos
  std::string get(const Row& r, std::string_view base) const;
  Texts texts(const Row& r, std::string_view base) const;
};

// The media forms of a label ("image", "audio", "video", "big-image") -> translations.
using Media = std::map<std::string, Texts>;

struct Choice {
  const Row* row = nullptr;
  std::string name;
  Texts label;
  Media media;
  std::vector<std::pair<std::string, std::string>> extras;  // other columns, for choice_filter
  bool generated = false;  // added by the compiler (or_other's "other"), not in the sheet
};

struct ChoiceList {
  std::vector<Choice> choices;
  std::vector<std::string> columns;  // every column of the choices sheet (for choice_filter)
  std::unordered_map<std::string, int> row_of_name;  // name -> its first row (duplicate check)
};

enum class Kind { Leaf, Group, Repeat };

// How an XLSForm type is written: bind type, body control and what else it needs.
struct TypeInfo {
  const char* name;       // canonical XLSForm name
  const char* bind_type;  // "" for none
  const char* control;    // "input", "select1", "select", "odk:rank", "range", "upload",
                          // "trigger", or "" (no body control)
  const char* mediatype = "";
  const char* preload = "";
  const char* preload_params = "";
  bool meta = false;      // lives in the meta group (audit)
  bool no_node = false;   // no instance node at all (csv-external, xml-external)
};
const TypeInfo* type_info(const std::string& canonical);
// The canonical name of a type word (aliases resolved), or "" when unknown.
std::string canonical_type(const std::string& lowered);

struct Field;

// Fields live in their Compiler's FieldArena (below): a FieldPtr owns its Field's lifetime, not
// its memory. A 100,000-row survey is 100,000 Fields of about 600 bytes each, which glibc's free
// coalesced one by one (issue 9, docs/limits.md).
struct FieldDestroy {
  void operator()(Field* f) const;
};
using FieldPtr = std::unique_ptr<Field, FieldDestroy>;

// What few survey rows have, kept out of Field itself (issue 9: a 1,120-byte Field per row was a
// quarter of a 100,000-row survey's peak memory, and every byte of peak memory costs time in
// fresh pages; docs/limits.md). Allocated by the first write (Field::rare_mut), read through
// Field::rare(), which gives an empty one for a Field without.
struct FieldRare {
  Texts guidance, constraint_msg, required_msg;
  std::string read_only, repeat_count, trigger, parameters, autoplay;
  std::map<std::string, std::string> params;  // parsed parameters column
  std::vector<std::pair<std::string, std::string>> bind_attrs, body_attrs, instance_attrs;
  std::string other_of;            // generated "_other" text question: the select's path
  std::vector<const Field*> triggered;  // questions whose calculation this one triggers
  // pyxform's legacy "begin loop over LIST": the list, and the rows up to "end loop", which
  // are repeated once per choice (compiler_generated.cpp, expand_loop).
  std::string loop_list;
  std::vector<const Row*> loop_rows;
};

struct Field {
  Kind kind = Kind::Leaf;
  const TypeInfo* info = nullptr;  // leaves only
  std::string type;                // canonical type, "begin group" / "begin repeat" for groups
  std::string list;                // choice list of a select / rank, or the file of *_from_file
  bool or_other = false;
  std::string name, path;
  const Row* row = nullptr;
  const Sheet* sheet = nullptr;    // where `row` is: the survey sheet unless set
  Texts label, hint;
  Media media;
  std::string required, relevant, constraint, calculation, default_value, appearance,
      choice_filter;
  const Field* count_of = nullptr;  // generated NAME_count calculate: its repeat
  bool dynamic_default = false;
  bool flat = false;               // a group without its own instance node (settings "flat")
  Field* parent = nullptr;
  std::vector<FieldPtr> children;

  const FieldRare& rare() const {
    static const FieldRare kNone;
    return rare_ ? *rare_ : kNone;
  }
  FieldRare& rare_mut() {
    if (!rare_) rare_ = std::make_unique<FieldRare>();
    return *rare_;
  }

 private:
  std::unique_ptr<FieldRare> rare_;
};

// One per survey row, all alive while the model is built: what a new member costs is paid
// 100,000 times in a large form's peak memory (1,120 bytes before FieldRare; 592 with
// libstdc++ on x86-64). Put what few rows have in FieldRare.
static_assert(sizeof(Field) <= 640, "Field is one per survey row: keep it small (FieldRare)");

inline void FieldDestroy::operator()(Field* f) const { f->~Field(); }

// Memory for a compilation's Fields, in blocks of 64: what make() returns stays valid until the
// arena is destroyed, which must come after every FieldPtr it gave (the Compiler declares it
// before its Fields). Not thread-safe (one Compiler, one thread).
class FieldArena {
 public:
  FieldArena() = default;
  FieldArena(const FieldArena&) = delete;
  FieldArena& operator=(const FieldArena&) = delete;
  FieldPtr make() {
    if (used_ == kPerBlock) {
      blocks_.push_back(std::unique_ptr<Block>(new Block));  // not zeroed: make() constructs
      used_ = 0;
    }
    return FieldPtr(new (blocks_.back()->bytes + sizeof(Field) * used_++) Field());
  }

 private:
  static constexpr std::size_t kPerBlock = 64;
  struct Block {
    alignas(Field) std::byte bytes[sizeof(Field) * kPerBlock];
  };
  std::vector<std::unique_ptr<Block>> blocks_;
  std::size_t used_ = kPerBlock;
};

// A copy of a loop's row for one choice: "%(name)s" and "%(label)s" in its texts and
// expressions replaced by the choice's name and label (compiler_generated.cpp).
void substitute_loop_choice(Field& f, const Choice& c);

struct Settings {
  std::string title, form_id, version, default_lang, root_name = "data", instance_name,
      public_key, submission_url, style, auto_send, auto_delete, namespaces;
  bool flat = false;  // pyxform's "flat": groups get no instance node
  bool omit_instance_id = false;
  bool allow_choice_duplicates = false;
  const Row* row = nullptr;
};

// An expression expanded from the designer's text: ${name} replaced by paths; `origin[i]` is
// the index in the original text that output character i came from (empty when the text had
// no ${}: each character comes from the same index; origin_at() reads both).
struct Expanded {
  std::string text;
  std::vector<std::size_t> origin;
  std::size_t origin_at(std::size_t i) const { return origin.empty() ? i : origin[i]; }
  std::vector<std::pair<std::size_t, std::size_t>> refs;  // [begin, end) of each expanded ${}
};

// The entities sheet's one row (compiler_entities.cpp): the entity list a submission creates
// or updates an entity of, and the expressions (designer's text) that fill it.
struct EntitySpec {
  const Sheet* sheet = nullptr;
  const Row* row = nullptr;
  std::string dataset, label, entity_id, create_if, update_if;
};

// Where the entities sheet's columns are (npos when absent).
struct EntityColumns {
  std::size_t list_name = std::string::npos, label = std::string::npos,
              entity_id = std::string::npos, create_if = std::string::npos,
              update_if = std::string::npos;
};

class Compiler {
 public:
  Compiler(const Workbook& wb, std::string source_path);
  // The XForm XML; errors() is non-empty when the workbook had mistakes.
  std::string run();
  const std::vector<std::string>& errors() const { return errors_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  const std::vector<NeededFile>& files() const { return files_; }
  // Every expression expr() parsed without error, by its text as written in the XML.
  ParsedExpressions& parsed() { return parsed_; }

  // [compiler.cpp]
  void check_headers(const Sheet* s);

  // [compiler_survey.cpp]
  void read_settings();
  void read_choices();
  void collect_languages();
  void read_survey();

  // [compiler_expressions.cpp]
  // `text` with ${name} replaced by ref paths (pyxform's " /data/x " spacing); `wrap` prefixes
  // relative paths (choice filters use "current()/"). When `expression` (an XPath cell, not
  // label text), a relative path inside a predicate starts at current(). A ${name} naming
  // nothing is an error at (field's row, col).
  Expanded expand(const Field& ctx, const std::string& text, std::size_t col,
                  std::string_view rel_prefix = "", bool expression = false);
  // An expression cell: expanded, parsed and scanned for pulldata()/instance() needs. Errors
  // name the character in the designer's text.
  std::string expr(const Field& f, const std::string& text, std::string_view col_base,
                   std::string_view rel_prefix = "");
  std::string choice_filter(const Field& f);
  // The error for ${name} naming several elements (same_name_).
  static std::string ambiguous_name(const std::string& name,
                                    const std::vector<const Field*>& fields);
  // Every instance('name') must name a choice list or external data (checked once all of the
  // form's attachments are known).
  void check_instance_refs();
  static bool is_dynamic_default(const std::string& text);

  // [compiler_writer.cpp]
  std::string write_xform();

  // [compiler_warnings.cpp] (after write_xform: needs every instance('list') use)
  void check_warnings();
  void check_translations(const Sheet* s);
  void warning(const Sheet& s, const Row& r, std::size_t col, const std::string& what);

  // [compiler_entities.cpp] The entities sheet and the survey's save_to column: read_entities
  // checks both (after read_survey) and adds entities:saveto to the questions' bind attributes;
  // the writer asks for the rest of the entity's XML (each "" when the form has no entity).
  void read_entities();
  std::string entity_namespace_attr() const;  // xmlns:entities on <h:html>
  std::string entity_model_attr() const;      // entities:entities-version on <model>
  std::string entity_meta_xml() const;        // <entity .../> inside <meta>
  std::string entity_binds_xml();             // binds on meta/entity, then its setvalue

  // A file the form names (an attachment of a secondary instance, or label media), first
  // need only: `id` is the secondary instance's id ("" for media). Recorded for
  // needed_files() (compiler.hpp).
  void note_file(const Sheet& s, const Row& r, std::size_t col, const std::string& src,
                 const std::string& id);
  void note_file(const Field& f, std::string_view col_base, const std::string& src,
                 const std::string& id);
  void note_media(const Sheet& s, const Row& r, const Media& media);

  // Shared.
  void error(const Sheet& s, const Row& r, std::size_t col, const std::string& what);
  void field_error(const Field& f, std::string_view col_base, const std::string& what);
  std::size_t column_index(std::string_view base) const;
  std::size_t column_of(const Field& f, std::string_view base) const;

  const Workbook& wb_;
  std::string source_path_;
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
  std::unordered_set<std::string> warning_seen_;  // warnings_ once each, without a scan per one
  const Sheet* survey_ = nullptr;
  std::unique_ptr<RowReader> sr_;
  Settings settings_;
  FieldArena field_arena_;  // before every Field: they are destroyed first
  Field root_;
  Field meta_holder_;           // /root/meta: audit goes here (instanceID is written directly)
  Field* meta_ = nullptr;
  std::unordered_map<std::string, Field*> by_name_;  // the first element of each name
  // Names used by elements of more than one row, and those elements (pyxform allows the same
  // name in different groups; ${name} naming one is an error).
  std::unordered_map<std::string, std::vector<const Field*>> same_name_;
  std::map<std::string, ChoiceList> lists_;
  std::vector<std::string> langs_;             // translations; the default one first if any
  std::string default_lang_;                   // where unqualified text goes
  bool itext_ = false;                         // labels go through itext (languages or media)
  bool translated_ = false;  // a translatable column names a language (pyxform: not default only)
  std::vector<std::string> list_instances_;    // choice lists written as secondary instances
  std::vector<std::pair<std::string, std::string>> external_instances_;  // id -> src
  std::vector<std::string> setvalues_;         // model-level actions
  std::optional<EntitySpec> entity_;           // the entities sheet's declaration, if any
  std::vector<NeededFile> files_;              // note_file(), in form order
  std::unordered_set<std::string> file_seen_;  // their srcs
  ParsedExpressions parsed_;                   // expr()'s trees, by expanded text
  // The itext, the binds and the body built here as the FormDef's (xform/form_def.hpp, BuiltModel)
  // instead of written as XML for the loader to read back (compile_xlsform without xml_out:
  // `form check`, `form fill`, the store): the writer leaves <itext> and <bind>s out of the XML
  // and fills translations_ and built_binds_. direct_failed_ when the loader would have more to
  // say than reading them (an expression that does not parse, a bind id, an entity): the
  // compilation is then done again the XML way, so that the loader reports it as it always has.
  bool direct_ = false;
  bool direct_failed_ = false;
  std::vector<Translation> translations_;
  std::vector<Bind> built_binds_;
  Control built_body_;                  // the body's controls (its children)
  std::vector<Action> built_actions_;   // the body's actions, in body order

 private:
  void add_field(FieldPtr f, std::vector<Field*>& open);
  bool check_name(const Field& f, const Field& parent);
  std::unordered_map<std::string, const Field*> by_path_;        // instance path -> element
  std::unordered_map<std::string, const Field*> by_lower_path_;  // the same, lower case
  std::unordered_map<std::string, const Field*> repeat_names_;
  FieldPtr make_field(const Row& r, const std::string& raw_type);
  bool resolve_type(Field& f, const Row& r, const std::string& raw);
  bool sheet_has_list(const char* sheet, const std::string& list) const;
  void read_columns(Field& f, const Row& r);
  void parse_parameters(Field& f);
  void add_or_other(Field& select, std::vector<Field*>& open);
  // One survey row into the tree under open.back(); `loop` is the choice whose copy of a loop's
  // rows this row belongs to (nullptr outside loops).
  void survey_row(const Row& r, std::vector<Field*>& open, const Choice* loop);
  void expand_loop(Field& loop, std::vector<Field*>& open);
  std::size_t loop_floor_ = 0;  // while a loop's rows are copied: the depth of the choice's group
  int loop_copies_ = 0;  // > 0 while a loop's rows are copied: their names repeat, by design
  void link_triggers(Field& f);
  void expand_table_lists(Field& group);
  void add_repeat_count(Field& repeat, std::vector<Field*>& open);
  static std::string child_path(const Field& parent, const std::string& name);
  void note_instance_need(const Field& f, std::string_view col_base, const std::string& kind,
                          const std::string& name);
  struct InstanceRef {
    const Field* field;
    std::string col_base, name;
  };
  std::vector<InstanceRef> instance_refs_;
  // [compiler_entities.cpp]
  void read_entity_row(const Sheet& sheet, const Row& r, const EntityColumns& cols);
  bool attaches_list(const std::string& dataset) const;
  void check_save_to();
};

}  // namespace khaosat::core::xlsform::detail
