// The office view's data (docs/app.md, "Office"; docs/sync-protocol.md, "Office"): what the
// /v1/office/... endpoints answer, read into plain values, and the view's state. The readers
// are strict about types and fail with a message naming the member, so a server of another
// version shows a clear error instead of a half-drawn screen. No ImGui here: tested headlessly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "khaosat/core/form_session.hpp"
#include "khaosat/core/result.hpp"
#include "khaosat/core/store_types.hpp"
#include "khaosat/ui/strings.hpp"

namespace khaosat::ui {

struct OfficeSubmission {
  std::string instance_id, form_id, device_id, commune, name;
  std::string state;  // received, approved, rejected, has_issues
  std::string comment, reviewed_by;
  std::int64_t received_at = 0, reviewed_at = 0;
  std::string deprecated_id, replaced_by;  // "" when none
};

struct OfficeReview {
  std::string state, comment, by;
  std::int64_t at = 0;
};

struct OfficeDetail {
  OfficeSubmission summary;
  std::string form_version, xml;                             // "" from a server that sends none
  std::vector<std::pair<std::string, std::string>> answers;  // path below the root, value
  std::vector<OfficeReview> reviews;                         // oldest first
};

// An answer as the office reads it: the question's label and, for a select, its choices' labels
// (", " between them), in the form's language the app uses; the XML name and the value as sent
// where the form does not say (no form on the device, another version, a calculation).
struct OfficeAnswer {
  std::string path, label, value;
  // No question of the form labels it (its metadata: start, end, deviceid, instanceID; a
  // calculation without a label; a path the form no longer has): shown apart, on request.
  bool technical = false;
  // The position of its question in the form's document order (the order the form asks its
  // questions in), -1 when no question of the form is at its path.
  int order = -1;
};
// `form` may be null; `language` is one of the form's languages ("" = its default). The
// submission's `xml` is restored into a session of the form for its labels (with their outputs
// filled in); the k-th answer at a path inside repeats takes the k-th instance's node.
std::vector<OfficeAnswer> label_answers(const core::Form* form, const std::string& language, const std::string& xml,
                                        const std::vector<std::pair<std::string, std::string>>& answers);

// The choices of the form's first select question named `name` (its XML name, e.g. "commune"),
// with their labels in `language` ("" = the form's default): how the app names coded values the
// form defines, such as communes, outside the form. Empty when the form has no such question.
std::vector<core::Choice> question_choices(const core::Form& form, const std::string& language, std::string_view name);
// The label of `value` among `choices`; `value` itself when no choice labels it.
std::string choice_label(const std::vector<core::Choice>& choices, const std::string& value);
// The choices whose label contains `typed`, diacritic- and case-insensitively (fold_for_search),
// in choice order (pointers into `choices`); every choice for an empty `typed`.
std::vector<const core::Choice*> match_choices(const std::vector<core::Choice>& choices, std::string_view typed);

// Who the server says acted ("name (device uuid)", docs/sync-protocol.md): the name the office
// gave the device; `by` unchanged when it has no such form.
std::string device_name(const std::string& by);

struct OfficeDuplicate {
  std::string registry, reason;
  std::vector<std::string> record_ids, names;
};

struct OfficeRegistryConflict {
  std::string conflict;  // the queue's id: r<N>
  std::string registry, record_id, name, property, kept, other, device_id;
};

// A survey sent twice under one id with other content: the version the server kept and the other.
struct OfficeSubmissionConflict {
  std::string conflict;  // the queue's id: s<N>
  std::string instance_id, form_id, commune;
  std::string stored_device_id, other_device_id;
  std::int64_t stored_at = 0, other_at = 0;
};

struct OfficeQueue {
  std::vector<OfficeDuplicate> duplicates;
  std::vector<OfficeRegistryConflict> conflicts;
  std::vector<OfficeSubmissionConflict> submission_conflicts;
  std::size_t size() const { return duplicates.size() + conflicts.size() + submission_conflicts.size(); }
};

core::Result<std::vector<OfficeSubmission>> read_office_submissions(std::string_view json_text);
core::Result<OfficeDetail> read_office_detail(std::string_view json_text);
core::Result<OfficeQueue> read_office_queue(std::string_view json_text);
// The body of POST /v1/office/review.
std::string office_review_body(const std::string& form_id, const std::string& instance_id,
                               const std::string& state, const std::string& comment);
// The bodies of POST /v1/office/queue/merge, /distinct and /resolve.
std::string office_merge_body(const std::string& keep, const std::string& merged, const std::string& reason);
std::string office_distinct_body(const std::vector<std::string>& records, const std::string& reason);
std::string office_resolve_body(const std::string& conflict, const std::string& keep, const std::string& reason);

// The plan as POST /v1/office/plan answers it (docs/office.md, "Output"): amounts in million VND.
struct OfficePlanSource {
  std::string source;  // national, provincial, other
  double budget = 0, funded_total = 0;
  std::int64_t cut_rank = 0;
};
// A text of the plan in both languages (why_vi / why_en, ...); in() picks the app's.
struct OfficePlanText {
  std::string vi, en;
  const std::string& in(Lang lang) const { return lang == Lang::En ? en : vi; }
};
struct OfficePlanPoints {
  std::string criterion;
  OfficePlanText why;
  std::int64_t points = 0;
};
struct OfficePlanNeed {
  std::string id, submission, form, applicant, commune, activity, source;
  OfficePlanText activity_label, decision;
  double amount = 0;
  std::int64_t score = 0, rank = 0;
  bool eligible = true, duplicate_funded = false, funded = false;
  std::vector<OfficePlanPoints> explanation;
  std::string override_action, override_reason, override_by;  // "" when none
};
struct OfficePlan {
  std::int64_t year = 0;
  std::string rules_version;
  std::vector<OfficePlanSource> sources;
  std::vector<OfficePlanNeed> needs;  // eligible by source then rank, then the ineligible
};
core::Result<OfficePlan> read_office_plan(std::string_view json_text);
// The body of POST /v1/office/plan; `budget` holds only the sources given.
std::string office_plan_body(int year, const std::vector<std::pair<std::string, double>>& budget);
// The body of POST /v1/office/plan/override (action: pin or exclude).
std::string office_plan_override_body(const std::string& need_id, const std::string& action, const std::string& reason);

enum class OfficeTab { Submissions, Queue, Plan };

// The office screen's state (screens_office.cpp). `generation` grows with every request so an
// answer that arrives after the officer moved on is dropped.
struct OfficeState {
  OfficeTab tab = OfficeTab::Submissions;
  std::vector<core::FormRecord> forms;  // current versions, from the device store
  bool forms_loaded = false;
  int form = 0;                         // index into forms
  std::string commune_typed;            // the commune field as typed, or the label picked
  std::string commune, listed_commune = "\x01";  // the filter committed (a code), and the one listed
  int commune_lang = -1;                // the app language commune_typed's label is in
  int listed_form = -1;
  int generation = 0;
  bool loading = false;
  std::string error;
  std::vector<OfficeSubmission> list;
  std::string open_id;                  // the submission shown, "" = the list
  bool have_detail = false;
  OfficeDetail detail;
  bool detail_from_top = false;         // the detail was just loaded: show it from its top
  std::string comment;                  // the review comment being typed
  std::vector<OfficeAnswer> answers;    // detail.answers labelled (label_answers)
  int answers_lang = -1;                // the app language they are in, -1 = not yet
  bool show_technical = false;          // the answers no question labels, shown (OfficeAnswer)
  bool have_queue = false, queue_asked = false;
  OfficeQueue queue;
  std::string queue_reason;             // the reason typed for the next queue decision
  // The plan tab: the year and each source's budget as typed (kSources order), the last plan
  // made, and the need whose explanation is open.
  std::string plan_year, plan_budget[3];
  bool have_plan = false;
  OfficePlan plan;
  std::string plan_open;
  std::string plan_reason;  // the reason typed for the next pin or exclusion (admin)
};

}  // namespace khaosat::ui
