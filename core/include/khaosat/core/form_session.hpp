// FormSession: the headless contract between a form and whoever fills it — the CLI, the app's
// screens and the tests all drive a form through this header and nothing else.
//
// A session owns one filled-in instance of one form. Every query returns a plain value snapshot
// (strings, bools, vectors): nothing points into the session, so a UI may keep a snapshot as
// long as it likes and re-read a fresh one every frame. Mutating calls (answer, add_repeat,
// remove_repeat, set_language) recompute only what depends on the change, then return.
//
// Errors: loading and restoring return Result; a mutating call that cannot be applied (no such
// node, a group or computed node, a readonly node, a bad repeat position) returns an Error and
// changes nothing. A value that fails a constraint is not an error: it is stored, and the
// node's snapshot reports valid=false with the violation, as ODK does. An answer to a
// non-relevant node is stored too, and shows once the node becomes relevant (ODK's behaviour).
//
// Thread-safety: a session is not thread-safe; use one session from one thread. A loaded Form
// is immutable and may be shared by any number of sessions on any threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
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

struct Violation {
  std::string condition;  // "constraint" or "required"
  std::string message;    // the form's message in the current language, or "" when none
};

struct Choice {
  std::string value;
  std::string label;  // in the current language
};

// One node of the instance, as ODK's engine reports it.
struct NodeSnapshot {
  std::string ref;        // "/data/rep[2]/q"
  std::string type;       // root, group, repeat, repeat-instance, input, select1, select, note,
                          // trigger, range, rank, upload, model
  std::string data_type;  // for leaves: string, int, decimal, date, time, dateTime, geopoint...
  bool leaf = false;
  bool relevant = true, required = false, readonly = false;
  std::string value;      // as serialized in the instance
  bool has_choices = false;
  std::vector<Choice> choices;
  bool valid = true;
  std::optional<Violation> violation;
  int count = 0;           // repeat: number of instances
  bool controlled = false; // repeat: jr:count decides the count
  std::string label, hint; // current language, outputs filled in
  std::string appearance;
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

  // Navigation over visible prompts: one question, or one field-list group page, at a time.
  struct Prompt {
    std::string ref;              // the question, or the field-list group
    std::vector<std::string> refs;  // the questions on this page
  };
  std::vector<Prompt> pages() const;

  // Serialization. Non-relevant nodes are left out, as ODK does.
  std::string instance_xml() const;
  std::string instance_json() const;  // {"/data/q": "v", ...} nested as the instance is

  // Validation: every relevant required-and-empty or constraint-violating node.
  std::vector<std::pair<std::string, Violation>> validate() const;
  // Finalize: validates; on success fills end-of-form preloads (timestamp end) and returns the
  // submission XML. A failing validation is an Error listing the violations.
  Result<std::string> finalize();

 private:
  explicit FormSession(std::unique_ptr<FormSessionImpl> impl);
  std::unique_ptr<FormSessionImpl> impl_;
};

}  // namespace khaosat::core
