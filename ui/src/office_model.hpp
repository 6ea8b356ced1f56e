// The office view's data (docs/app.md, "Office"; docs/sync-protocol.md, "Office"): what the
// /v1/office/... endpoints answer, read into plain values, and the view's state. The readers
// are strict about types and fail with a message naming the member, so a server of another
// version shows a clear error instead of a half-drawn screen. No ImGui here: tested headlessly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "khaosat/core/result.hpp"
#include "khaosat/core/store_types.hpp"

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
  std::vector<std::pair<std::string, std::string>> answers;  // path below the root, value
  std::vector<OfficeReview> reviews;                         // oldest first
};

struct OfficeDuplicate {
  std::string registry, reason;
  std::vector<std::string> record_ids, names;
};

struct OfficeRegistryConflict {
  std::string registry, record_id, name, property, kept, other, device_id;
};

// A survey sent twice under one id with other content: the version the server kept and the other.
struct OfficeSubmissionConflict {
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

enum class OfficeTab { Submissions, Queue };

// The office screen's state (screens_office.cpp). `generation` grows with every request so an
// answer that arrives after the officer moved on is dropped.
struct OfficeState {
  OfficeTab tab = OfficeTab::Submissions;
  std::vector<core::FormRecord> forms;  // current versions, from the device store
  bool forms_loaded = false;
  int form = 0;                         // index into forms
  std::string commune_typed;            // the commune field as typed
  std::string commune, listed_commune = "\x01";  // the filter committed, and the one listed
  int listed_form = -1;
  int generation = 0;
  bool loading = false;
  std::string error;
  std::vector<OfficeSubmission> list;
  std::string open_id;                  // the submission shown, "" = the list
  bool have_detail = false;
  OfficeDetail detail;
  std::string comment;                  // the review comment being typed
  bool have_queue = false, queue_asked = false;
  OfficeQueue queue;
};

}  // namespace khaosat::ui
