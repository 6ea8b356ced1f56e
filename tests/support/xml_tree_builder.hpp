// Test helper: builds a khaosat Tree from an XML string, the way the form loader builds
// instances (element children, or a leaf's text; attributes except xmlns declarations).
// parse_tree() and find_node() do not use doctest, so the fuzz targets share them;
// tree_from_xml() (xml_tree_builder_check.cpp) is the doctest-checking wrapper for the suites.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "model/tree.hpp"

namespace khaosat::test {

// Parses `xml` into a Tree; null (and the parser's message in *error, when given) when the XML
// is malformed.
std::unique_ptr<core::Tree> parse_tree(std::string_view xml, std::string* error = nullptr);

// Parses `xml` and returns a Tree whose document element is the XML's root element. Fails the
// running test (and returns an empty Tree) when the XML is malformed.
std::unique_ptr<core::Tree> tree_from_xml(std::string_view xml);

// The first element matching a simple absolute path such as "/data/rep[2]/q", or null.
core::Node* find_node(core::Tree& tree, std::string_view path);

}  // namespace khaosat::test
