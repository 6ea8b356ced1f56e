// Shared fixture for the XPath suites: a small primary instance, a secondary instance "cities",
// and helpers that parse and evaluate an expression at a node.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <string_view>

#include "support/xml_tree_builder.hpp"
#include "xpath/xpath.hpp"

namespace khaosat::test {

inline constexpr const char* kXPathData = R"(<data xmlns="http://www.w3.org/2002/xforms" xmlns:orx="http://openrosa.org/xforms" id="p">
  <a>1</a><b>2</b><s> 12 </s><e/><t>abc</t>
  <rep><n>x</n><v>1</v></rep><rep><n>y</n><v>2</v></rep><rep><n>z</n><v>3</v></rep>
  <g attr="hello" xml:lang="en-GB"><h>5</h><i>6</i></g>
  <orx:meta><orx:instanceID>uuid:1</orx:instanceID></orx:meta>
</data>)";

inline constexpr const char* kCities = R"(<root>
  <item><name>a</name><label>A</label><pop>10</pop></item>
  <item><name>b</name><label>B</label><pop>20</pop></item>
</root>)";

struct XPathFixture : core::xpath::Environment {
  std::unique_ptr<core::Tree> main = tree_from_xml(kXPathData);
  std::unique_ptr<core::Tree> cities = tree_from_xml(kCities);

  core::Node* instance(std::string_view id) override {
    return id == "cities" ? cities->root() : nullptr;
  }
  core::Node* primary_document() override { return main->document(); }

  core::Node* at(std::string_view path) {
    core::Node* n = find_node(*main, path);
    REQUIRE_MESSAGE(n != nullptr, "no node at " << path);
    return n;
  }

  core::xpath::Value eval(std::string_view expr, std::string_view where = "/data") {
    auto parsed = core::xpath::parse(expr);
    REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? std::string() : parsed.error().message));
    core::xpath::Context ctx;
    ctx.node = at(where);
    ctx.env = this;
    return core::xpath::evaluate(*parsed, ctx);
  }
  std::string str(std::string_view expr, std::string_view where = "/data") {
    return eval(expr, where).to_string();
  }
  double num(std::string_view expr, std::string_view where = "/data") {
    return eval(expr, where).to_number();
  }
  bool truth(std::string_view expr, std::string_view where = "/data") {
    return eval(expr, where).to_boolean();
  }
  // The names (or values for text nodes) of a node-set result, space-separated.
  std::string names(std::string_view expr, std::string_view where = "/data") {
    core::xpath::Value v = eval(expr, where);
    REQUIRE(v.is_nodeset());
    std::string out;
    for (const core::Node* n : v.node_set()) {
      if (!out.empty()) out += ' ';
      out += n->kind == core::NodeKind::Text ? "#text" : n->kind == core::NodeKind::Document ? "/" : n->name;
      if (n->kind == core::NodeKind::Element && n->children.empty() && !n->value.empty())
        out += "=" + n->value;
    }
    return out;
  }
};

// The error message of a failing parse, or "" when it parses.
inline std::string parse_error(std::string_view expr) {
  auto r = core::xpath::parse(expr);
  return r.ok() ? std::string() : r.error().message;
}

}  // namespace khaosat::test
