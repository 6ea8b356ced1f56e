// tidy_instance_name (khaosat/core/instance_name.hpp).
#include "khaosat/core/instance_name.hpp"

namespace khaosat::core {

std::string tidy_instance_name(std::string_view name) {
  // UTF-8: en dash, em dash, middle dot.
  static constexpr std::string_view kEdges[] = {" ", "\t", "\n", "\r", "-", ",", ":",
                                                "\xE2\x80\x93", "\xE2\x80\x94", "\xC2\xB7"};
  for (bool trimmed = true; trimmed && !name.empty();) {
    trimmed = false;
    for (std::string_view e : kEdges) {
      if (name.size() >= e.size() && name.substr(name.size() - e.size()) == e) {
        name.remove_suffix(e.size());
        trimmed = true;
      }
      if (name.substr(0, e.size()) == e) {
        name.remove_prefix(e.size());
        trimmed = true;
      }
    }
  }
  return std::string(name);
}

}  // namespace khaosat::core
