// Scripted form filling: load a form, run a script of steps, and describe every state as a
// "snapshot document" in exactly the JSON format of ODK's reference engine run by
// shared/tools/odk-oracle (see its README.md), so the two engines can be compared node by node.
//
// khaosat_tools (core/tools), not part of the core's public surface: the CLI (`khaosat form
// fill`, `data add`), the conformance suite, the fuzz targets and benchmarks use it; the app and
// the server drive FormSession directly.
//
// Used by `khaosat form fill` and by the conformance suite. Pure function of its inputs plus
// the clock in the options; not thread-safe only in the sense that it uses no shared state.
#pragma once

#include <functional>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "khaosat/core/form_session.hpp"
#include "khaosat/core/result.hpp"

namespace khaosat::tools {

using core::FormLoadOptions;
using core::FormSession;
using core::NodeSnapshot;
using core::Result;
using core::SessionEnvironment;
using core::Status;

struct FillOptions {
  FormLoadOptions load;
  std::string language;              // switch language before the first snapshot; one the form
                                     // does not have makes the run fail (ok:false)
  std::optional<double> now_ms;      // fixed clock (also makes uuids and random() reproducible)
  int repeat_loads = 0;              // also load N more times and report their timings
  bool instance_xml_each = false;    // add instanceXML to every snapshot
  bool labels = false;               // add label/hint, choice labels and the language
};

// Parses a step script: a JSON array of steps as the oracle accepts them
// ({"set"|"answer": REF, "value": V}, {"add_repeat": REF, "count", "after"},
//  {"remove_repeat": REF, "index"}, {"set_language": L}, {"noop": true}).
Result<nlohmann::json> parse_script(std::string_view text);

// Applies one step of a script to a session, as run_fill does (`khaosat data add` fills a
// session this way before storing it). An Error with the step's problem when it cannot apply.
Status apply_step(FormSession& session, const nlohmann::json& step);

// Runs the form with the steps and returns the snapshot document. A form that does not load
// gives {"ok": false, "error": {"message": ...}}; a failing step is recorded with ok:false and
// the script goes on, as the oracle does.
nlohmann::json run_fill(const std::string& form_path, const nlohmann::json& steps,
                        const FillOptions& options);

// The same run, handing each snapshot to `on_snapshot` as it is taken instead of keeping it:
// the returned document has no "snapshots". A script of a million steps is not held as a
// million snapshot trees.
nlohmann::json run_fill(const std::string& form_path, const nlohmann::json& steps,
                        const FillOptions& options,
                        const std::function<void(nlohmann::json&&)>& on_snapshot);

// Runs as run_fill and writes its document to `out`, byte for byte as
// run_fill(...).dump(indent, ' ', false, error_handler_t::replace) followed by "\n" would
// (indent -1: one line), holding one snapshot at a time: the keys are sorted, so the
// snapshots come after "instanceXML", known only at the end; until then they wait serialised
// in an anonymous temporary file (in memory when none can be made). Returns the document
// without "snapshots" (its "ok" and "error" say how the run went).
nlohmann::json write_fill(std::ostream& out, const std::string& form_path,
                          const nlohmann::json& steps, const FillOptions& options, int indent);

// The reproducible platform of a conformance run, matching the oracle's --deterministic mode:
// the clock fixed at `now_ms` (UTC), counter UUIDs ("00000000-0000-4000-8000-000000000001"...),
// random() from mulberry32 with the oracle's seed, and the oracle's device properties.
SessionEnvironment deterministic_environment(double now_ms);

// Parses an ISO 8601 date-time ("2020-01-01T12:00:00Z", "...+07:00", "2020-01-01") into ms
// since the epoch; nullopt when it is not one.
std::optional<double> parse_iso8601(std::string_view text);

// The snapshot of one node as the oracle prints it.
nlohmann::json node_to_json(const NodeSnapshot& n, bool labels = false);

// One snapshot of the oracle format as taken from a session: an element of run_fill's
// "snapshots".
struct Snapshot {
  int step = 0;                         // 0: the state after loading
  const nlohmann::json* action = nullptr;  // the step as given ("load" for step 0); never null
  bool ok = true;
  std::string error;                    // the step's error; "" prints null (step 0 has none)
  double ms = 0;                        // how long the step took
  std::vector<NodeSnapshot> nodes;
  std::vector<std::pair<std::string, core::Violation>> violations;
  std::string language;                 // shown with labels only
  std::optional<std::string> instance_xml;  // with FillOptions::instance_xml_each
  double snapshot_ms = 0;               // how long taking the snapshot took
};

// The snapshot as a JSON tree (what run_fill's callback receives).
nlohmann::json snapshot_to_json(const Snapshot& s, bool labels);

// Appends the snapshot's JSON text to `out`: the same bytes as
// snapshot_to_json(s, labels).dump(indent, ' ', false, error_handler_t::replace) printed as a
// value nested `depth` levels deep (write_fill's snapshots stand at depth 2), written straight
// out instead of building the tree (snapshot_text.cpp).
void append_snapshot(std::string& out, const Snapshot& s, bool labels, int indent, int depth);

}  // namespace khaosat::tools
