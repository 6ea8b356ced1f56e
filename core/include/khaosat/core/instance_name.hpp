// A submission's instance name (the form's instance_name, meta/instanceName) as a title for a
// list. Forms build it by joining answers, e.g. concat(${est_name}, ' – ', ${village}); when a
// part is empty the name begins or ends in its separator ("HTX Chè Bình Lư – "). The device's
// saved surveys and the server's office lists both show it through this function.
#pragma once

#include <string>
#include <string_view>

namespace khaosat::core {

// `name` without the white space and the separators (- – — · , :) at its ends:
// "HTX Chè Bình Lư – " -> "HTX Chè Bình Lư", " – Bản Thẳm" -> "Bản Thẳm", " – " -> "".
std::string tidy_instance_name(std::string_view name);

}  // namespace khaosat::core
