// The xml_templates push layout (docs/sync-protocol.md, "Push layouts"): a submission's instance
// XML split, without loss, into its markup (a template the batch's submissions of one shape share)
// and its text values (each run of characters between a '>' and the next '<'), the values kept
// column by column across the batch. The XML is the exact concatenation
// parts[0] + values[0] + parts[1] + ... + values[n-1] + parts[n], so the server rebuilds the very
// bytes the device hashed. A value never holds '<', so a column is its values joined by '<'.
//
// Pure functions and one decoder object per batch; not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "khaosat/sync/protocol.hpp"

namespace khaosat::sync {

struct XmlSplit {
  std::vector<std::string_view> parts;   // n + 1 pieces of markup
  std::vector<std::string_view> values;  // n text values, none empty, none holding '<'
};
// Views into `xml`, which must outlive the result.
XmlSplit split_xml(std::string_view xml);

// Writes `records` (as record JSON objects, one per record, in order, submissions without their
// "xml") and the batch's "xml_templates" member: submissions share at most
// kMaxTemplatesPerBatch templates; a submission of yet another shape gets its "xml" whole.
inline constexpr std::size_t kMaxTemplatesPerBatch = 64;
void encode_xml_templates(const std::vector<PushRecord>& records, std::vector<nlohmann::json>& record_jsons,
                          nlohmann::json& templates);

// Reads a batch's "xml_templates" and hands out each template's rows in order.
class XmlTemplateReader {
 public:
  // Checks shapes and that the XML all rows rebuild to stays within kMaxInflatedBytes (sync.too_large)
  // and each XML within kMaxXmlBytes, before anything is built.
  static Result<XmlTemplateReader> read(const nlohmann::json& templates);
  // The next row of template `index` as XML, and the value that is the record's id (when the
  // template names one). `where` is the record's path, for messages.
  Result<std::string> take(std::int64_t index, const std::string& where, std::optional<std::string>& id_value);
  // sync.request when a template has rows no record took.
  std::optional<Error> finish() const;

 private:
  struct Template {
    std::vector<std::string> parts;
    // Each column's text and where each of its values starts (rows + 1 offsets, the last one
    // past the end plus one: values are separated by one '<').
    std::vector<std::string> columns;
    std::vector<std::vector<std::uint32_t>> starts;
    std::size_t parts_bytes = 0;
    std::optional<std::size_t> id_value;
    std::size_t rows = 0, taken = 0;
  };
  std::vector<Template> templates_;
};

}  // namespace khaosat::sync
