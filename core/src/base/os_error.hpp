// Internal to core/src/base: the Error of a failed OS call, coded as env.hpp describes.
#pragma once

#include <string>
#include <string_view>

#include "khaosat/core/result.hpp"

namespace khaosat::core {

// "<path>: <what>: <strerror(err)>", code io.full / io.readonly / io.not_found / io.
Error os_error(const std::string& path, std::string_view what, int err);

}  // namespace khaosat::core
