// Parsing: syntax errors, function resolution, as_path_text(), is_volatile(), source().
#include "core/xpath_fixture.hpp"

using khaosat::test::parse_error;
namespace xp = khaosat::core::xpath;

namespace {
std::string path_text(std::string_view e) {
  auto r = xp::parse(e);
  REQUIRE(r.ok());
  return xp::as_path_text(**r);
}
}  // namespace

TEST_CASE("xpath parses the whole grammar") {
  for (const char* e : {
           "/", "//a", "a//b", ".", "..", "@id", "@*", "*", "a:*", "a:b", "node()", "text()",
           "comment()", "processing-instruction()", "processing-instruction('x')",
           "child::a", "descendant::a", "parent::node()", "ancestor::a", "following-sibling::a",
           "preceding-sibling::a", "following::a", "preceding::a", "attribute::a",
           "namespace::*", "self::node()", "descendant-or-self::a", "ancestor-or-self::a",
           "a[1][b = 2]", "(a | b)[1]/c", "$var", "\"dq\"", "'sq'", "1.5", ".5", "5.",
           "-a", "- - 1", "a != b", "a <= b", "a >= b", "a div b mod c", "f:g", "count(/a/b)",
           "concat('a', \"b\")", "  1  +  2  ", "a/ b", "a /b", "instance('x')/root/item",
           "../a[. = current()/b]", "//*[@id]", "a[position() = last()]", "ünïcode/ñame",
       }) {
    CAPTURE(e);
    CHECK(parse_error(e) == "");
  }
}

TEST_CASE("xpath syntax errors name the position and the expression") {
  CHECK(parse_error("concat(a, b") == "expected ')' at position 12 in 'concat(a, b'");
  CHECK(parse_error("") == "unexpected end of expression at position 1 in ''");
  CHECK(parse_error("1 +") == "unexpected end of expression at position 4 in '1 +'");
  CHECK(parse_error("a[1") == "expected ']' at position 4 in 'a[1'");
  CHECK(parse_error("a b") == "unexpected name 'b' at position 3 in 'a b'");
  CHECK(parse_error("'abc") == "unterminated string literal at position 1 in ''abc'");
  CHECK(parse_error("a ! b") == "unexpected '!' at position 3 in 'a ! b'");
  CHECK(parse_error("1 2") == "unexpected '2' at position 3 in '1 2'");
  CHECK(parse_error("foo::a") == "unknown axis 'foo' at position 1 in 'foo::a'");
  CHECK(parse_error("a/") == "expected a node test at position 3 in 'a/'");
  CHECK(parse_error("a)") == "unexpected ')' at position 2 in 'a)'");
  CHECK(parse_error("1e3") == "unexpected name 'e3' at position 2 in '1e3'");
  CHECK(parse_error("#") == "unexpected character '#' at position 1 in '#'");
  CHECK(parse_error("$") == "expected a variable name after '$' at position 1 in '$'");
  CHECK(parse_error("text()()") != "");
}

TEST_CASE("xpath resolves functions at parse time") {
  CHECK(parse_error("foo(1)") == "unknown function 'foo' in 'foo(1)'");
  CHECK(parse_error("count()") == "'count' takes 1 argument, not 0 in 'count()'");
  CHECK(parse_error("true(1)") == "'true' takes 0 arguments, not 1 in 'true(1)'");
  CHECK(parse_error("substring('a')") == "'substring' takes 2 to 3 arguments, not 1 in 'substring('a')'");
  CHECK(parse_error("indexed-repeat(a, b)") ==
        "'indexed-repeat' takes 3 to 7 arguments, not 2 in 'indexed-repeat(a, b)'");
  auto r = xp::parse("foo(1)");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "xpath.function");
  auto s = xp::parse("1 +");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == "xpath.syntax");
  // Prefixed names fall back to their local part.
  CHECK(parse_error("fn:count(a)") == "");
  CHECK(xp::find_function("count") != nullptr);
  CHECK(xp::find_function("x:count") == xp::find_function("count"));
  CHECK(xp::find_function("nope") == nullptr);
}

TEST_CASE("xpath register_functions replaces an entry of the same name") {
  static const xp::FunctionSpec kMine[] = {
      {"khaosat-test-fn", 0, 0, [](std::vector<xp::Value>&, const xp::Context&) { return xp::Value::number(1); }},
  };
  static const xp::FunctionSpec kMine2[] = {
      {"khaosat-test-fn", 1, 1, [](std::vector<xp::Value>&, const xp::Context&) { return xp::Value::number(2); }, true},
  };
  xp::register_functions(kMine, 1);
  CHECK(xp::find_function("khaosat-test-fn")->min_args == 0);
  xp::register_functions(kMine2, 1);
  CHECK(xp::find_function("khaosat-test-fn")->min_args == 1);
  auto r = xp::parse("khaosat-test-fn(3)");
  REQUIRE(r.ok());
  CHECK(xp::is_volatile(**r));
  xp::Context ctx;
  xp::Environment env;
  ctx.env = &env;
  CHECK(xp::evaluate(*r, ctx).to_number() == 2);
}

TEST_CASE("xpath as_path_text normalizes plain paths") {
  CHECK(path_text("/data/a") == "/data/a");
  CHECK(path_text(" /data / a ") == "/data/a");
  CHECK(path_text("child::data/attribute::id") == "data/@id");
  CHECK(path_text("../b") == "../b");
  CHECK(path_text("./b") == "./b");
  CHECK(path_text("self::node()/parent::node()") == "./..");
  CHECK(path_text("//x") == "//x");
  CHECK(path_text("a//b[1]/c") == "a//b[1]/c");
  CHECK(path_text("/a//b") == "/a//b");
  CHECK(path_text("a/descendant::b") == "a/descendant::b");
  CHECK(path_text("/") == "/");
  CHECK(path_text("instance('x')/root/item") == "instance('x')/root/item");
  CHECK(path_text("instance('x')/root/item[name = /data/a]") ==
        "instance('x')/root/item[name = /data/a]");
  CHECK(path_text("ancestor::rep[1]/q") == "ancestor::rep[1]/q");
  CHECK(path_text("current()/../a") == "current()/../a");
  CHECK(path_text("1 + 1") == "");
  CHECK(path_text("count(/a)") == "");
  CHECK(path_text("'a'") == "");
}

TEST_CASE("xpath is_volatile and source") {
  auto r = xp::parse("count(/data/a) + 1");
  REQUIRE(r.ok());
  CHECK_FALSE(xp::is_volatile(**r));
  CHECK(xp::source(**r) == "count(/data/a) + 1");
}

TEST_CASE("xpath rejects expressions nested too deeply instead of overflowing the stack") {
  std::string parens = std::string(100000, '(') + "1" + std::string(100000, ')');
  CHECK(parse_error(parens).find("nested too deeply") != std::string::npos);
  std::string negs = std::string(100000, '-') + "1";
  CHECK(parse_error(negs).find("nested too deeply") != std::string::npos);
  std::string chain = "1";
  for (int i = 0; i < 50000; ++i) chain += "+1";
  CHECK(parse_error(chain).find("nested too deeply") != std::string::npos);
  std::string preds = "a";
  for (int i = 0; i < 50000; ++i) preds += "[b";
  CHECK(parse_error(preds) != "");
  std::string ok = "1";
  for (int i = 0; i < 500; ++i) ok += "+1";
  CHECK(parse_error(ok) == "");
}
