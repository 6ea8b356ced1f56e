// CSV attachments (jr://file-csv/...) as secondary instances. See external_data.hpp for the
// shape; the edge cases follow ODK Web Forms (itself following ODK Central): trailing newlines
// are ignored, trailing empty cells beyond the header are dropped, a row with more cells than
// the header is an error, a missing cell is "", a NUL character is an error.
#include <array>
#include <vector>

#include "xform/external_data.hpp"

namespace khaosat::core::xform_detail {

namespace {

using Row = std::vector<std::string>;

// Reads one record starting at `i`; `i` ends past its line break. Returns false and sets `err`
// on a malformed quoted field.
bool read_record(std::string_view s, std::size_t& i, char delim, Row& row, std::string& err) {
  row.clear();
  std::string field;
  for (;;) {
    field.clear();
    if (i < s.size() && s[i] == '"') {
      ++i;
      for (;;) {
        if (i >= s.size()) {
          err = "unterminated quoted field";
          return false;
        }
        if (s[i] == '"') {
          if (i + 1 < s.size() && s[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += s[i++];
      }
      if (i < s.size() && s[i] != delim && s[i] != '\n' && s[i] != '\r') {
        err = "unexpected character after a closing quote";
        return false;
      }
    } else {
      while (i < s.size() && s[i] != delim && s[i] != '\n' && s[i] != '\r') field += s[i++];
    }
    row.push_back(field);
    if (i >= s.size()) return true;
    if (s[i] == delim) {
      ++i;
      continue;
    }
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
    ++i;
    return true;
  }
}

char guess_delimiter(std::string_view s) {
  constexpr std::array<char, 4> kCandidates{',', ';', '\t', '|'};
  char best = ',';
  std::size_t best_fields = 1;
  for (char d : kCandidates) {
    std::size_t i = 0;
    Row row;
    std::string err;
    if (!read_record(s, i, d, row, err)) continue;
    if (row.size() > best_fields) {
      best = d;
      best_fields = row.size();
    }
  }
  return best;
}

}  // namespace

Status csv_to_tree(std::string_view data, const std::string& what, Tree& out) {
  auto fail = [&](const std::string& why) {
    return Error::make(ErrorCode::form_attachment, "cannot parse CSV " + what + ": " + why);
  };
  if (data.starts_with("\xEF\xBB\xBF")) data.remove_prefix(3);
  while (!data.empty() && (data.back() == '\n' || data.back() == '\r')) data.remove_suffix(1);
  if (data.find('\0') != std::string_view::npos) return fail("null character");

  char delim = guess_delimiter(data);
  std::size_t i = 0;
  Row header, row;
  std::string err;
  if (!read_record(data, i, delim, header, err)) return fail("header: " + err);
  for (std::size_t c = 0; c < header.size(); ++c)
    if (header[c].empty() && header.size() > 1)
      return fail("column " + std::to_string(c + 1) + " of the header has no name");

  Node* root = out.new_element("root");
  out.append_child(out.document(), root);
  std::size_t row_no = 0;
  while (i < data.size()) {
    ++row_no;
    if (!read_record(data, i, delim, row, err)) return fail("row " + std::to_string(row_no) + ": " + err);
    while (row.size() > header.size() && row.back().empty()) row.pop_back();
    if (row.size() > header.size())
      return fail("row " + std::to_string(row_no) + ", expected " + std::to_string(header.size()) +
                  " columns, got " + std::to_string(row.size()));
    Node* item = out.new_element("item");
    out.append_child(root, item);
    for (std::size_t c = 0; c < header.size(); ++c) {
      Node* cell = out.new_element(header[c]);
      if (c < row.size()) cell->value = std::move(row[c]);
      out.append_child(item, cell);
    }
  }
  return ok_status();
}

}  // namespace khaosat::core::xform_detail
