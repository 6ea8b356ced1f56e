// SubmissionTable: finalized submissions flattened to rows and columns, the shape of a CSV
// export or a spreadsheet, for the CLI's `data export`, the server's export and the office's
// reports.
//
// Columns: instance_id, form_id, form_version, state, finalized_at (ISO 8601 UTC),
// deprecated_id, then one column per answer named by its path below the instance root
// ("meta/instanceID", "grp/q"). Repeat instances are always numbered from 1
// ("product[1]/pname", even when there is one), so columns agree across submissions; columns
// appear in first-seen order across rows. A group's own text is not a column; an empty leaf is
// an empty cell; a column a row lacks is an empty cell.
//
// Memory grows with rows x columns (one string per cell). Not thread-safe; a plain value.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "khaosat/core/result.hpp"
#include "khaosat/core/store_types.hpp"

namespace khaosat::core {

class SubmissionTable {
 public:
  SubmissionTable();

  // Adds one submission (from Store::get_submission: it needs instance_xml and instance_json).
  // An instance that does not parse is an Error naming the instance id; nothing is added then.
  Status add(const SubmissionRecord& submission);

  const std::vector<std::string>& columns() const { return columns_; }
  std::size_t row_count() const { return rows_.size(); }
  // The cell of row `row` in column `column` ("" when the row has no such answer).
  const std::string& cell(std::size_t row, std::size_t column) const;

  // RFC 4180 CSV: a header row, then one row per submission, CRLF line ends; fields with a
  // comma, quote, CR or LF are quoted, quotes doubled.
  void write_csv(std::ostream& out) const;

 private:
  std::vector<std::string> columns_;
  std::map<std::string, std::size_t, std::less<>> index_;  // column name -> position
  std::vector<std::vector<std::string>> rows_;  // each as long as columns_ was when it was added
};

// ms since the epoch as ISO 8601 UTC, to the second: "2026-12-04T09:30:00Z".
std::string iso8601_utc(std::int64_t ms);

}  // namespace khaosat::core
