// Reading and rewriting an instance's <meta>: instanceID and deprecatedID (ODK's edit
// semantics). Elements are matched by local name, so "orx:meta/orx:instanceID" works too.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "khaosat/core/result.hpp"

namespace khaosat::core::store {

struct InstanceMeta {
  std::string instance_id;
  std::optional<std::string> deprecated_id;
};

// The meta values of an instance XML; an Error when it is not XML.
Result<InstanceMeta> read_meta(std::string_view xml);

// The instance with meta/instanceID = `instance_id` and, when given, meta/deprecatedID set
// (created after instanceID, with its prefix, if the form has none). The rest is kept as is.
Result<std::string> rewrite_meta_xml(std::string_view xml, const std::string& instance_id,
                                     const std::optional<std::string>& deprecated_id);
// The same change in the instance JSON ({"root": {"meta": {...}}}).
Result<std::string> rewrite_meta_json(std::string_view json, const std::string& instance_id,
                                      const std::optional<std::string>& deprecated_id);

}  // namespace khaosat::core::store
