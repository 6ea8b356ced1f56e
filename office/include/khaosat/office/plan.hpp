// The provincial office's annual khuyến công plan (issue 12 §2, docs/office.md): every support
// need of the year's approved submissions of forms A, B and C, scored by a rules table the office
// edits (forms/plan_rules.csv), ranked in a deterministic order, and funded in rank order within
// each funding source's budget (million VND), with a cut line per source, overrides on top, and
// for each need the points each criterion gave and why.
//
// Pure values and functions: no storage, no clock, no I/O except the file readers named below.
// The same needs, rules, budget and overrides give the same plan, byte for byte (plan_json).
// Thread-safety: plain values; the functions keep no state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "khaosat/core/result.hpp"

namespace khaosat::office {

using core::Result;
using core::Status;

// A text in both of the app's languages. The plan's bilingual outputs (plan_json's "why" and
// "decision", the XLSX) show joined(); the app shows the one of its language.
struct Text {
  std::string vi, en;
  bool empty() const { return vi.empty() && en.empty(); }
  std::string joined() const;  // "vi / en", or one of them when they are equal or the other is empty
};

// The funding sources a need asks for (form code list `funding_source`).
inline constexpr const char* kSources[] = {"national", "provincial", "other"};
bool is_source(std::string_view s);
// A source's name as the XLSX the office signs shows it ("Khuyến công địa phương"); the code
// itself for one outside kSources.
std::string source_label_vi(std::string_view source);

// One criterion the rules table may give points for. The keys are fixed here (the code knows how
// to test each); the points, labels and sources are the office's (forms/plan_rules.csv).
//   area.highland_border  commune is highland, border or in an ethnic-minority area (TT 46/2012
//                         Art. 2's first area priority; the key kept its first name)
//   area.poor_30a         commune of a poor district (Resolution 30a; the second)
//   area.ntm              new-rural commune
//   area.difficult        economically difficult commune
//     Areas are a priority order: only the highest area criterion that applies counts.
//   sector.local_materials  > 50 % raw materials from the province
//   sector.workers_50       >= 50 workers
//   sector.export           export contract
//   sector.ocop_3star       an OCOP product rated >= 3 stars
//   sector.outstanding      an outstanding rural industrial product title
//   counterpart.per_10pct   points per full 10 % of (counterpart / (counterpart + requested))
//   own_rank.first          points for the applicant's own rank 1 ...
//   own_rank.step           ... less this much per rank after it, never below 0
//   support_received        added (usually negative) when khuyến công support was received before
struct Rules {
  std::string version;                          // required, shown in the plan
  std::map<std::string, std::int64_t> points;   // criterion key -> points (absent = 0)
  std::map<std::string, std::string> label_vi, label_en, source;
  // Tie-breaks after the score, in order (then always the need id, so the order is total):
  // area_desc, sector_desc, counterpart_desc, own_rank_asc, amount_asc, amount_desc, submission_asc.
  std::vector<std::string> tiebreaks;
};

// Parses the rules table (CSV with header key,value,label_vi,label_en,source). plan.input names
// the line of an unknown key, a value that is not an integer, a missing version or a bad tie-break.
Result<Rules> parse_rules(std::string_view csv, const std::string& name);
const std::vector<std::string>& criterion_keys();

// Where the weights break TT 46/2012 Art. 2's priority order (areas, highest first, then sector
// and establishment priorities, counterpart funds, the applicant's own rank, support received):
// one line per criterion whose points do not outweigh everything below it together, naming it.
// Empty when the order holds (the shipped table). The plan is still made: the weights are the
// office's; khaosat-server plan prints these as warnings.
std::vector<std::string> order_warnings(const Rules& rules);

// The area attributes of one commune (forms/communes.csv), in TT 46/2012 Art. 2's order. Each
// attribute column holds `yes`, `no` or `unknown` (blank, or no such column, reads as unknown):
// an unknown attribute is false here and named in `unknown`, so the plan can say that it did not
// score it rather than take it for "no". Every member has a default, so a test may name only
// the ones it sets (designated initializers).
struct Commune {
  std::string name{}, label_vi{};
  bool highland = false, border = false, ethnic_minority = false, poor_30a = false, ntm = false, difficult = false;
  std::string highland_source{}, border_source{}, ethnic_minority_source{}, poor_30a_source{}, ntm_source{},
      difficult_source{};
  // Of the attribute names (kCommuneAttributes), in that order.
  std::vector<std::string> unknown{};
  bool is_unknown(std::string_view attribute) const;
};
// The attribute columns of communes.csv, in TT 46/2012 Art. 2's order (each with `_source`,
// `_date` and `_status` columns beside it).
inline constexpr const char* kCommuneAttributes[] = {"highland", "border", "ethnic_minority", "poor_30a", "ntm",
                                                     "difficult"};
// plan.input names the line and column of a value other than yes, no, unknown or blank.
Result<std::map<std::string, Commune>> parse_communes(std::string_view csv, const std::string& name);

// One support need, as read from a submission's needs repeat (needs.cpp) or made by a test.
struct Need {
  std::string id;            // "<instance id>#<n>", n = the need's position in its repeat, from 1
  std::string submission;    // the instance id
  std::string form;          // A, B or C
  std::string applicant;     // the establishment, village or cooperative named in the submission
  std::string commune;       // commune code (communes.csv name)
  std::string activity;      // support_activity code
  std::string source;        // funding_source code ("" when not given)
  double amount = 0;         // requested, million VND
  double counterpart = 0;    // million VND
  std::int64_t own_rank = 0; // the applicant's own rank (1 = first); 0 = not given
  // Facts the criteria test (empty optional = not recorded on this form).
  std::optional<double> local_material_pct;
  std::optional<std::int64_t> workers;
  bool export_contract = false, ocop_3star = false, outstanding = false, support_received = false;
  // Not eligible: listed apart, never funded; the reason is shown.
  Text ineligible;           // empty = eligible
  bool duplicate_funded = false;  // the item has other state funding (a kind of ineligible)
};

// An office override, from the review trail (ServerStorage::plan_overrides).
struct Override {
  std::string need_id, action;   // action: "pin" (fund first) or "exclude" (never fund)
  std::string reason, by;
  std::int64_t at = 0;           // ms since the epoch
};

struct Points {
  std::string criterion;
  std::int64_t points = 0;
  Text why;                      // the criterion's label and the fact: "Xã đặc biệt khó khăn: xã Mường Kim (QĐ 113/QĐ-UBND)"
};
// The explanation's 0-point entry of a need whose commune has an unknown area attribute ranking
// above the area criterion that applied (or when none applied): its area priority may be higher.
inline constexpr const char* kAreaUnknown = "area.unknown";

struct PlannedNeed {
  Need need;
  std::int64_t score = 0, area = 0, sector = 0;
  std::vector<Points> explanation;   // sums to score
  std::int64_t rank = 0;             // 1.. among eligible needs of its source; 0 when ineligible
  bool funded = false;
  Text decision;                     // why funded or not ("fits the budget in rank order", ...)
  std::optional<Override> override;
};

struct SourcePlan {
  std::string source;
  double budget = 0, funded_total = 0;
  std::int64_t cut_rank = 0;   // the rank of the first eligible need left unfunded (0 = none)
};

struct Plan {
  int year = 0;
  std::string rules_version;
  std::vector<SourcePlan> sources;   // in kSources order, only those with a budget
  std::vector<PlannedNeed> needs;    // eligible needs by source then rank, then the ineligible by id
  // The support activities' labels (support_activity code -> label), from the published forms
  // (activity_labels); plan_json writes the code where a label is missing.
  std::map<std::string, Text> activity_labels;
  // The communes' names (code -> communes.csv label, "Xã Bình Lư") of the needs, when make_plan
  // was given the commune table.
  std::map<std::string, std::string> commune_labels;
};

// Parses "SOURCE=AMOUNT" (plan.input when the source is unknown, repeated, or the amount is not
// a number >= 0).
Status add_budget(std::map<std::string, double>& budget, std::string_view arg);

// Scores, ranks and cuts. Deterministic; never funds an ineligible or excluded need. `communes`
// gives the area criteria (none apply without it).
Plan make_plan(int year, const std::vector<Need>& needs, const Rules& rules,
               const std::map<std::string, double>& budget, const std::vector<Override>& overrides,
               const std::map<std::string, Commune>* communes = nullptr);

// The needs of one submission of form A (lc_establishment), B (lc_craft_village) or C
// (lc_coop_needs); other forms have none. `year` is the survey (A, B) or registration (C) date's
// year, 0 when absent. An XML that does not parse is plan.input naming the instance.
struct SubmissionNeeds {
  int year = 0;
  std::vector<Need> needs;
};
Result<SubmissionNeeds> read_needs(const std::string& form_id, const std::string& instance_id, const std::string& xml);

// The labels of the support activities the needs of forms A, B and C name (the choices of
// need_type, support_type in C, in the needs repeat), in Vietnamese and English, read from the forms' XForm XML (form id -> XML); the first
// form naming a code gives its label. A form that does not parse is plan.input naming it.
Result<std::map<std::string, Text>> activity_labels(const std::map<std::string, std::string>& xforms);

// The plan as JSON text (docs/office.md): keys in a fixed order, amounts with at most 3
// decimals, one-space indentation, a newline at the end; the same plan gives the same bytes.
std::string plan_json(const Plan& plan);

// Amounts: million VND with at most 3 decimals, shortest form ("12.5", "300").
std::string format_amount(double v);

}  // namespace khaosat::office
