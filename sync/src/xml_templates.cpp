// The xml_templates push layout: splitting instance XML into markup and values, and rebuilding
// it (xml_templates.hpp, docs/sync-protocol.md "Push layouts").
#include "xml_templates.hpp"

#include <unordered_map>

#include "json_reader.hpp"

namespace khaosat::sync {

using nlohmann::json;

XmlSplit split_xml(std::string_view xml) {
  XmlSplit out;
  std::size_t start = 0, pos = 0;
  for (;;) {
    std::size_t gt = xml.find('>', pos);
    if (gt == std::string_view::npos) break;
    std::size_t lt = xml.find('<', gt + 1);
    if (lt == std::string_view::npos) break;
    if (lt > gt + 1) {
      out.parts.push_back(xml.substr(start, gt + 1 - start));
      out.values.push_back(xml.substr(gt + 1, lt - gt - 1));
      start = lt;
    }
    pos = lt;
  }
  out.parts.push_back(xml.substr(start));
  return out;
}

namespace {

// A key that tells two lists of parts apart whatever bytes they hold (each part length-prefixed).
std::string key_of(const std::vector<std::string_view>& parts) {
  std::string key;
  for (std::string_view p : parts) {
    key += std::to_string(p.size());
    key += ':';
    key += p;
  }
  return key;
}

}  // namespace

void encode_xml_templates(const std::vector<PushRecord>& records, std::vector<json>& record_jsons, json& templates) {
  struct Building {
    std::vector<std::string_view> parts;
    std::vector<std::string> columns;
    std::optional<std::size_t> id_value;
    std::size_t rows = 0;
  };
  std::vector<Building> built;
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const PushRecord& rec = records[i];
    if (rec.kind != "submission") continue;
    XmlSplit s = split_xml(rec.xml);
    auto [it, fresh] = index.try_emplace(key_of(s.parts), built.size());
    if (fresh) {
      if (built.size() == kMaxTemplatesPerBatch) {
        index.erase(it);
        record_jsons[i]["xml"] = rec.xml;  // this one keeps its XML whole
        continue;
      }
      Building b;
      b.parts = s.parts;
      b.columns.resize(s.values.size());
      for (std::size_t k = 0; k < s.values.size() && !b.id_value; ++k)
        if (s.values[k] == rec.id) b.id_value = k;
      built.push_back(std::move(b));
    }
    Building& b = built[it->second];
    for (std::size_t k = 0; k < s.values.size(); ++k) {
      if (b.rows) b.columns[k] += '<';
      b.columns[k] += s.values[k];
    }
    ++b.rows;
    json& j = record_jsons[i];
    j["xml_template"] = it->second;
    if (b.id_value && s.values[*b.id_value] == rec.id) j.erase("id");
  }
  templates = json::array();
  for (Building& b : built) {
    json parts = json::array();
    for (std::string_view p : b.parts) parts.push_back(std::string(p));
    json t = {{"parts", std::move(parts)}, {"rows", b.rows}, {"columns", std::move(b.columns)}};
    if (b.id_value) t["id_value"] = *b.id_value;
    templates.push_back(std::move(t));
  }
}

Result<XmlTemplateReader> XmlTemplateReader::read(const json& templates) {
  XmlTemplateReader out;
  if (templates.size() > kMaxPushRecords)
    return Error::make(ErrorCode::sync_too_large, "xml_templates: " + std::to_string(templates.size()) +
                                                      " templates, more than one per record allows");
  std::uint64_t total = 0;  // the bytes every row rebuilds to, together
  for (std::size_t i = 0; i < templates.size(); ++i) {
    ObjectReader r(templates[i], "xml_templates[" + std::to_string(i) + "]");
    Template t;
    const json* parts = r.array("parts");
    t.rows = static_cast<std::size_t>(r.integer("rows", 1, kMaxPushRecords));
    const json* columns = r.array("columns");
    std::int64_t id_value = r.integer("id_value", 0, INT64_MAX, false, -1);
    if (auto e = r.finish()) return *e;
    if (parts->empty()) r.fail("parts", "must hold at least one string");
    for (std::size_t k = 0; k < parts->size() && !r.failed(); ++k) {
      const json& p = (*parts)[k];
      if (!p.is_string()) r.fail("parts[" + std::to_string(k) + "]", "expected a string, got " + json_kind(p));
      else t.parts.push_back(p.get<std::string>()), t.parts_bytes += t.parts.back().size();
    }
    if (!r.failed() && columns->size() + 1 != t.parts.size())
      r.fail("columns", std::to_string(columns->size()) + " columns for " + std::to_string(t.parts.size()) +
                            " parts (there must be one fewer)");
    if (!r.failed() && id_value >= static_cast<std::int64_t>(columns->size()))
      r.fail("id_value", std::to_string(id_value) + " is not a column (" + std::to_string(columns->size()) + ")");
    if (id_value >= 0) t.id_value = static_cast<std::size_t>(id_value);
    for (std::size_t k = 0; k < columns->size() && !r.failed(); ++k) {
      const json& c = (*columns)[k];
      std::string where = "columns[" + std::to_string(k) + "]";
      if (!c.is_string()) {
        r.fail(where, "expected a string, got " + json_kind(c));
        break;
      }
      t.columns.push_back(c.get<std::string>());
      const std::string& text = t.columns.back();
      std::vector<std::uint32_t> starts{0};
      for (std::size_t at = text.find('<'); at != std::string::npos; at = text.find('<', at + 1))
        starts.push_back(static_cast<std::uint32_t>(at + 1));
      starts.push_back(static_cast<std::uint32_t>(text.size() + 1));
      if (starts.size() - 1 != t.rows)
        r.fail(where, std::to_string(starts.size() - 1) + " values (separated by '<') for " +
                          std::to_string(t.rows) + " rows");
      t.starts.push_back(std::move(starts));
      total += text.size();
    }
    if (auto e = r.finish()) return *e;
    total += static_cast<std::uint64_t>(t.rows) * t.parts_bytes;
    if (total > kMaxInflatedBytes)
      return Error::make(ErrorCode::sync_too_large, "xml_templates: the instance XML they rebuild passes " +
                                                        std::to_string(kMaxInflatedBytes >> 20) + " MiB, the limit");
    out.templates_.push_back(std::move(t));
  }
  return out;
}

Result<std::string> XmlTemplateReader::take(std::int64_t index, const std::string& where,
                                            std::optional<std::string>& id_value) {
  if (index < 0 || static_cast<std::size_t>(index) >= templates_.size())
    return Error::make(ErrorCode::sync_request, where + ".xml_template: " + std::to_string(index) +
                                                    " is not a template of this batch (" +
                                                    std::to_string(templates_.size()) + ")");
  Template& t = templates_[static_cast<std::size_t>(index)];
  if (t.taken == t.rows)
    return Error::make(ErrorCode::sync_request, where + ".xml_template: template " + std::to_string(index) +
                                                    " has " + std::to_string(t.rows) + " rows, all taken already");
  const std::size_t row = t.taken++;
  auto value = [&](std::size_t k) {
    const auto& s = t.starts[k];
    return std::string_view(t.columns[k]).substr(s[row], s[row + 1] - 1 - s[row]);
  };
  std::size_t size = t.parts_bytes;
  for (std::size_t k = 0; k < t.columns.size(); ++k) size += value(k).size();
  if (size > kMaxXmlBytes)
    return Error::make(ErrorCode::sync_too_large, where + ": the instance XML is " + std::to_string(size) +
                                                      " bytes, more than the limit of " + std::to_string(kMaxXmlBytes));
  std::string xml;
  xml.reserve(size);
  for (std::size_t k = 0; k < t.columns.size(); ++k) {
    xml += t.parts[k];
    xml += value(k);
  }
  xml += t.parts.back();
  if (t.id_value) id_value = std::string(value(*t.id_value));
  else id_value.reset();
  return xml;
}

std::optional<Error> XmlTemplateReader::finish() const {
  for (std::size_t i = 0; i < templates_.size(); ++i)
    if (templates_[i].taken != templates_[i].rows)
      return Error::make(ErrorCode::sync_request, "xml_templates[" + std::to_string(i) + "]: " +
                                                      std::to_string(templates_[i].rows) + " rows, but " +
                                                      std::to_string(templates_[i].taken) + " records use it");
  return std::nullopt;
}

}  // namespace khaosat::sync
