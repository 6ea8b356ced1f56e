// tree_from_xml(): parse_tree() that fails the running doctest test on malformed XML.
#include <doctest/doctest.h>

#include "support/xml_tree_builder.hpp"

namespace khaosat::test {

std::unique_ptr<core::Tree> tree_from_xml(std::string_view xml) {
  std::string error;
  std::unique_ptr<core::Tree> tree = parse_tree(xml, &error);
  if (!tree) {
    FAIL_CHECK("malformed XML in test: " << error);
    return std::make_unique<core::Tree>();
  }
  return tree;
}

}  // namespace khaosat::test
