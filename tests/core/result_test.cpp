// Result<T>: value access on lvalues and temporaries.
#include <doctest/doctest.h>

#include <string>
#include <type_traits>
#include <vector>

#include "khaosat/core/result.hpp"

using khaosat::core::ErrorCode;

using khaosat::core::Error;
using khaosat::core::Result;

namespace {

Result<std::vector<std::string>> names() { return std::vector<std::string>{"Pắc Ta", "Bình Lư"}; }

}  // namespace

// A temporary's value is moved out, not referenced: `for (auto& x : f().value())` would
// otherwise iterate a Result destroyed at the end of the range initializer.
static_assert(std::is_same_v<decltype(names().value()), std::vector<std::string>>);

TEST_CASE("result: value() of a temporary outlives it, of an lvalue is a reference") {
  std::string joined;
  for (const std::string& n : names().value()) joined += n + ";";
  CHECK(joined == "Pắc Ta;Bình Lư;");

  Result<std::vector<std::string>> r = names();
  r.value().push_back("Tân Uyên");
  CHECK(r->size() == 3);
  Result<int> bad = Error::make(khaosat::core::ErrorCode::store_busy, "why");
  CHECK_FALSE(bad.ok());
  CHECK(bad.error().message == "why");
  CHECK(bad.error().code == khaosat::core::ErrorCode::store_busy);
  CHECK(bad.error().code_name() == "store.busy");
}
