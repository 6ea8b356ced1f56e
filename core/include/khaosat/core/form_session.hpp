// FormSession: the headless contract between a form and whoever fills it — the CLI, the app's
// screens and the tests all drive a form through this header and nothing else.
//
// A session owns one filled-in instance of one form. Every query returns a plain value snapshot
// (strings, bools, enums, vectors): nothing points into the session, so a UI may keep a
// snapshot as long as it likes and re-read a fresh one every frame. Mutating calls (answer,
// add_repeat, remove_repeat, set_language, a successful finalize) recompute only what depends on
// the change, then return.
//
// Caching: revision() is a counter that changes whenever anything a snapshot shows may have
// changed (a value, relevance, required, readonly, validity, choices, labels through a language
// switch, repeat counts) and stays the same otherwise (an answer of the value already there
// changes nothing). Reading it costs nothing, so an immediate-mode UI compares it every frame
// and rebuilds its caches only when it moved. NodeSnapshot::id names a node for as long as the
// node exists: inserting or removing repeat instances shifts refs ("/data/r[3]" becomes
// "/data/r[4]") but never ids, and an id is never reused within a session (a new session, or
// a restored one, numbers its nodes afresh).
//
// Errors: loading and restoring return Result; a mutating call that cannot be applied (no such
// node, a group or computed node, a readonly node, a bad repeat position, a character XML 1.0
// cannot carry) returns an Error and changes nothing. A value that fails a constraint is not an
// error: it is stored, and the node's snapshot reports valid=false with the violation, as ODK
// does. An answer to a non-relevant node is stored too, and shows once the node becomes
// relevant (ODK's behaviour). finalize() reports violations as a value, never as an Error.
//
// Answers must be text XML 1.0 can carry: valid UTF-8 without control characters other than
// tab, CR and LF (no NUL), without U+FFFE/U+FFFF. answer(), answer_values() and restore()
// refuse anything else, naming the node and the character ("U+0001 at position 4").
//
// Thread-safety: a session is not thread-safe; use one session from one thread. A loaded Form
// is immutable and may be shared by any number of sessions on any threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "khaosat/core/env.hpp"
#include "khaosat/core/result.hpp"

namespace khaosat::core {

struct FormDef;  // the compiled form (internal)
using Form = std::shared_ptr<const FormDef>;

struct FormLoadOptions {
  std::vector<std::string> media_dirs;  // where jr://file attachments are looked up (after the
                                        // form's own directory); a jr:// path never leaves them
  bool missing_blank = false;           // a missing attachment loads as an empty instance
  Env* env = nullptr;                   // the form and its attachments are read through it
                                        // (bounded: env.hpp); null: Env::default_env()
  bool beside_path = true;              // load_form_xml: look in the path's folder first; false
                                        // when the path only names the form in messages (a form
                                        // from a database): then only media_dirs are searched
};

// Loads an ODK XForm (.xml) from disk and checks it completely (expressions, references,
// calculation cycles). The message of a failure names the element, attribute and line.
Result<Form> load_form(const std::string& path, const FormLoadOptions& options = {});
Result<Form> load_form_xml(std::string_view xml, const std::string& path,
                           const FormLoadOptions& options = {});

struct FormSummary {
  std::string id, version, title;
  std::vector<std::string> warnings;   // what the form does that ODK ignores (e.g. dead binds)
  std::vector<std::string> languages;  // itext languages, form order; default first if marked
  std::string default_language;
  int question_count = 0;              // body controls that take an answer (not groups/notes)
  int repeat_count = 0;                // repeat definitions
  int secondary_instances = 0;
};
FormSummary summarize(const Form& form);

// The platform seams a session uses. Each unset one comes from `os` (Env::default_env() when
// null): its clock, the device's time zone (so today() is the local date), random UUIDs.
struct SessionEnvironment {
  Env* os = nullptr;
  std::function<double()> now_ms;              // ms since the Unix epoch, UTC
  std::function<int(double)> tz_offset_minutes;  // local offset at an instant (minutes east)
  std::function<std::string()> uuid;           // a fresh UUID (no "uuid:" prefix)
  std::function<double()> random;              // [0, 1)
  // The device's location for odk:setgeopoint actions, as "lat lon altitude accuracy"; unset
  // or returning "" when there is no fix (the action then leaves the value unchanged).
  std::function<std::string()> geopoint;
  std::string device_id = "khaosat";           // jr:preload="property" values
  std::string username, email, phone_number;
};

// What a node is, as ODK's engine reports it. to_string() gives ODK's names ("root", "group",
// "repeat", "repeat-instance", "input", "select1", "select", "note", "trigger", "range",
// "rank", "upload", "model"); parse_node_type() reads them back.
enum class NodeType {
  Root, Group, Repeat, RepeatInstance, Input, Select1, Select, Note, Trigger, Range, Rank,
  Upload, Model,
};
std::string_view to_string(NodeType type);
std::optional<NodeType> parse_node_type(std::string_view text);
// select1, select and rank: the nodes that have choices.
bool has_choices(NodeType type);

// The data type of a leaf (the bind's type, normalized as ODK's engine does: "integer" is Int,
// "select1" a String...). to_string() gives "string", "int", "decimal", "date", "time",
// "dateTime", "boolean", "geopoint", "geotrace", "geoshape", "binary", "barcode", "intent".
enum class DataType {
  String, Int, Decimal, Date, Time, DateTime, Boolean, Geopoint, Geotrace, Geoshape, Binary,
  Barcode, Intent,
};
std::string_view to_string(DataType type);
std::optional<DataType> parse_data_type(std::string_view text);

// Why a node is invalid: to_string() gives "constraint" / "required".
enum class ViolationCondition { Constraint, Required };
std::string_view to_string(ViolationCondition condition);
std::optional<ViolationCondition> parse_violation_condition(std::string_view text);

// What an upload control takes, from its mediatype / accept attribute ("image/*" -> Image,
// "audio/*" -> Audio, "video/*" -> Video, anything else -> File). None for other controls.
enum class MediaType { None, Image, Audio, Video, File };
std::string_view to_string(MediaType type);  // "", "image", "audio", "video", "file"

struct Violation {
  ViolationCondition condition = ViolationCondition::Required;
  std::string message;    // the form's message in the current language, or "" when none
};

struct Choice {
  std::string value;
  std::string label;  // in the current language
};

// Media a label points to, in the current language: itext forms "image", "audio", "video"
// (jr://images/a.png ...), "" when the label has none.
struct MediaLabels {
  std::string image, audio, video;
  bool empty() const { return image.empty() && audio.empty() && video.empty(); }
};

// A node's identity for as long as it exists in the session (see the opening comment).
using NodeId = std::uint64_t;

// One node of the instance, as ODK's engine reports it.
struct NodeSnapshot {
  NodeId id = 0;          // stable across repeat insertions and removals, never reused
  std::string ref;        // "/data/rep[2]/q"
  NodeType type = NodeType::Model;
  DataType data_type = DataType::String;  // meaningful for leaves only
  bool leaf = false;
  bool relevant = true, required = false, readonly = false;
  std::string value;      // as serialized in the instance
  bool has_choices = false;
  std::vector<Choice> choices;  // static items or the itemset (secondary instances too), with
                                // labels in the current language
  bool valid = true;
  std::optional<Violation> violation;
  int count = 0;           // repeat: number of instances
  bool controlled = false; // repeat: jr:count / jr:noAddRemove decides the count
  // repeat: why the count is not what the form asked (jr:count above the cap), else "".
  std::string warning;
  // Everything the control renders, in the current language with outputs filled in.
  std::string label, hint;
  std::string guidance;   // the guidance hint (itext form "guidance"), "" when none
  MediaLabels media;      // image/audio/video of the label
  std::string appearance;
  std::string range_start, range_end, range_step;  // range: as written in the form
  MediaType media_type = MediaType::None;          // upload: what it takes
  std::string accept;                               // upload: mediatype/accept as written
  int max_pixels = 0;  // upload of an image: its bind's orx:max-pixels (longer side), 0 = any
};

struct SessionOptions {
  SessionEnvironment env;
  std::string language;  // "" = the form's default
};

class FormSessionImpl;

class FormSession {
 public:
  // Starts a new, empty instance: defaults, preloads and odk-instance-first-load actions applied.
  static Result<std::unique_ptr<FormSession>> start(Form form, SessionOptions options = {});
  // Restores a saved instance (submission XML as produced by instance_xml()); values, repeat
  // instances and meta are taken from the XML, then computations run (odk-instance-load).
  static Result<std::unique_ptr<FormSession>> restore(Form form, std::string_view instance_xml,
                                                      SessionOptions options = {});
  ~FormSession();
  FormSession(const FormSession&) = delete;
  FormSession& operator=(const FormSession&) = delete;

  const Form& form() const;

  // Every node in primary-instance document order (ODK's snapshot order).
  std::vector<NodeSnapshot> nodes() const;
  std::optional<NodeSnapshot> node(std::string_view ref) const;
  // The node with this id, nullopt once it is gone (its repeat instance removed).
  std::optional<NodeSnapshot> node(NodeId id) const;
  // Changes whenever anything a snapshot shows may have changed (see the opening comment).
  std::uint64_t revision() const;
  // The nodes whose snapshot carries a warning (NodeSnapshot::warning) as (ref, warning), in
  // document order: what nodes() would show, without building every snapshot when none has one.
  std::vector<std::pair<std::string, std::string>> warnings() const;
  // The root-level list of current violations (relevant nodes only), document order.
  std::vector<std::pair<std::string, Violation>> violations() const;

  // Sets a value the way a user would: coerced by the node's data type as ODK does (an int
  // "17.9" becomes "17"; a select value not among the choices is dropped). For a select,
  // `value` is a space-separated list. ref may omit [1] positions.
  Status answer(std::string_view ref, std::string_view value);
  // Selects, select1s and ranks: the chosen values as a list. Values not among the current
  // choices are dropped; a select1 keeps the first remaining one in choice order; a rank must
  // list every option (ODK's selectValues / setValues).
  Status answer_values(std::string_view ref, const std::vector<std::string>& values);
  // Adds `count` instances to an uncontrolled repeat, after position `after` (1-based; 0 =
  // at the start; -1 = at the end).
  Status add_repeat(std::string_view ref, int count = 1, int after = -1);
  // Removes the repeat instance named by ref ("/data/rep[2]").
  Status remove_repeat(std::string_view ref);

  std::vector<std::string> languages() const;
  std::string language() const;
  Status set_language(std::string_view language);

  // Navigation over visible prompts, in form order: one question, or one field-list group
  // page, at a time; and after the instances of each relevant repeat whose count the user
  // decides (no jr:count, no jr:noAddRemove), the question ODK Collect asks there: "add
  // another?". Its ref is the repeat itself ("/data/hh[1]/members", where add_repeat(ref)
  // adds one), refs is empty, and count says how many instances there are now (0 before the
  // first). A repeat inside a field-list page gets no prompt (the page shows it whole).
  struct Prompt {
    enum class Kind { Question, FieldList, AddRepeat };
    Kind kind = Kind::Question;
    std::string ref;                // the question, the field-list group, or the repeat
    std::vector<std::string> refs;  // the questions on this page (empty for AddRepeat)
    int count = 0;                  // AddRepeat: instances so far
  };
  std::vector<Prompt> pages() const;

  // Serialization. Non-relevant nodes are left out, as ODK does.
  std::string instance_xml() const;
  std::string instance_json() const;  // {"/data/q": "v", ...} nested as the instance is

  // Validation: every relevant required-and-empty or constraint-violating node.
  std::vector<std::pair<std::string, Violation>> validate() const;

  // Finalize: one semantics. When the instance is valid, fills end-of-form preloads (timestamp
  // end), then returns finalized=true with the submission XML. When it is not, returns
  // finalized=false with the violations and changes nothing: the instance is byte-identical
  // before and after, and no end preload has been applied. (Should an end preload itself make
  // the instance invalid, its value is put back and that is reported the same way.) An Error
  // only for a real failure: a computation that fails while the preloads are applied.
  struct Finalized {
    bool finalized = false;
    std::string instance_xml;                                   // when finalized
    std::vector<std::pair<std::string, Violation>> violations;  // when not
  };
  Result<Finalized> finalize();

  // Evaluates an XPath expression at the instance's root element, as a calculate bound there
  // would, and returns its string value (a boolean is "true" / "false"). Reads the instance,
  // changes nothing. For what the form computes outside the instance's elements, such as the
  // binds of an entity declaration (form_info.hpp, entity_write). An Error (xpath.syntax,
  // xpath.eval) names the expression.
  Result<std::string> evaluate(std::string_view expression);

 private:
  explicit FormSession(std::unique_ptr<FormSessionImpl> impl);
  std::unique_ptr<FormSessionImpl> impl_;
};

}  // namespace khaosat::core
