// Parsing: syntax errors, function resolution, as_path_text(), is_volatile(), source().
#include "core/xpath_fixture.hpp"

using khaosat::test::parse_error;
namespace xp = khaosat::core::xpath;
using khaosat::core::ErrorCode;

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
  CHECK(parse_error("foo(1)") == "unknown function 'foo' at position 1 in 'foo(1)'");
  CHECK(parse_error("count()") == "'count' takes 1 argument, not 0 at position 1 in 'count()'");
  CHECK(parse_error("true(1)") == "'true' takes 0 arguments, not 1 at position 1 in 'true(1)'");
  CHECK(parse_error("1 + substring('a')") ==
        "'substring' takes 2 to 3 arguments, not 1 at position 5 in '1 + substring('a')'");
  CHECK(parse_error("indexed-repeat(a, b)") ==
        "'indexed-repeat' takes 3 to 7 arguments, not 2 at position 1 in 'indexed-repeat(a, b)'");
  auto r = xp::parse("foo(1)");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::xpath_function);
  auto s = xp::parse("1 +");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::xpath_syntax);
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
  CHECK(parse_error(parens).starts_with("expression nested too deeply at position 201 in '"));
  std::string negs = std::string(100000, '-') + "1";
  CHECK(parse_error(negs).starts_with("expression nested too deeply at position 200 in '"));
  std::string preds = "a";
  for (int i = 0; i < 50000; ++i) preds += "[b";
  CHECK(parse_error(preds).starts_with("expression nested too deeply at position "));
  std::string calls;
  for (int i = 0; i < 50000; ++i) calls += "concat(";
  CHECK(parse_error(calls).starts_with("expression nested too deeply at position 1401 in '"));
}

// A chain of one operator level is one node (ast.hpp, Ast::ops), not a tree as deep as the
// chain: a flat sum of 5,000 terms used to be refused as "nested too deeply at position 1".
TEST_CASE_FIXTURE(khaosat::test::XPathFixture, "xpath flat operator chains of any length parse and evaluate") {
  auto chain = [](const std::string& first, const std::vector<std::string>& ops,
                  const std::string& term, int n) {
    std::string e = first;
    for (int i = 0; i < n; ++i) e += " " + ops[static_cast<std::size_t>(i) % ops.size()] + " " + term;
    return e;
  };
  CHECK(num(chain("/data/a", {"+"}, "/data/a", 5000)) == 5001);
  CHECK(num(chain("1", {"+"}, "1", 50000)) == 50001);
  CHECK(num(chain("10", {"+", "-"}, "3", 5001)) == 13);   // 10 +3 -3 ... +3
  CHECK(num(chain("2", {"*", "div"}, "2", 5000)) == 2);
  CHECK(num(chain("7", {"mod"}, "5", 3000)) == 2);
  CHECK(truth(chain("false()", {"or"}, "false()", 5000) + " or true()"));
  CHECK_FALSE(truth(chain("true()", {"and"}, "true()", 5000) + " and false()"));
  CHECK(truth(chain("1", {"="}, "1", 5000)));  // ((1 = 1) = 1) ...: true = 1 is true
  // 1 < 1 is false, false >= 1 false, false < 1 true, true >= 1 true, and again: period 4.
  CHECK(truth(chain("1", {"<", ">="}, "1", 5000)));
  CHECK_FALSE(truth(chain("1", {"<", ">="}, "1", 5002)));
  CHECK(names(chain("/data/a", {"|"}, "/data/b", 5000)) == names("/data/a | /data/b"));
  // Left to right, as binary operators: 10 - 3 - 2 is 5, 2 div 2 div 2 is 0.5.
  CHECK(num("10 - 3 - 2") == 5);
  CHECK(num("2 div 2 div 2") == 0.5);
  CHECK(num("1 + 2 * 3 - 4 div 2") == 5);
  CHECK(truth("1 < 2 < 3"));  // (1 < 2) < 3: true < 3
  CHECK_FALSE(truth("3 > 2 > 1"));  // (3 > 2) > 1: 1 > 1
  // Nesting inside a chain still counts.
  std::string deep = chain("1", {"+"}, std::string(300, '(') + "1" + std::string(300, ')'), 3);
  CHECK(parse_error(deep).starts_with("expression nested too deeply at position "));
  // Predicates in a long chain take the fast path and the general one alike.
  CHECK(num("count(/data/rep[" + chain("n = 'x'", {"or"}, "n = 'y'", 20) + "])") == 2);
  CHECK(num("count(/data/rep[n = 'x' or n = 'z' or v = 2])") == 3);
}

// Messages quote the expression once, and only a bounded excerpt around the error: a 200 KB
// expression used to be printed twice.
TEST_CASE("xpath errors quote a bounded excerpt of a long expression, once") {
  std::string big = "1";
  for (int i = 0; i < 40000; ++i) big += " + 1";
  std::string bad = big + " + )" + big;
  std::string e = parse_error(bad);
  INFO(e.substr(0, 300));
  CHECK(e.size() < 200);
  CHECK(e.starts_with("unexpected ')' at position " + std::to_string(big.size() + 4) + " in '\u2026"));
  CHECK(e.find("1 + )1 + 1") != std::string::npos);  // the spot itself is quoted
  CHECK(e.ends_with("\u2026'"));
  // Near the start: no leading ellipsis; the excerpt stays UTF-8 whatever it cuts.
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "'\xC3\xA9' + ";
  std::string e2 = parse_error("# " + accents);
  CHECK(e2.starts_with("unexpected character '#' at position 1 in '# '\xC3\xA9'"));
  CHECK(e2.ends_with("\u2026'"));
  // Short expressions are quoted whole, as before.
  CHECK(parse_error("1 +") == "unexpected end of expression at position 4 in '1 +'");
  // The syntax error detail, for callers that place the error themselves.
  xp::SyntaxError detail;
  CHECK_FALSE(xp::parse("concat(a, b", &detail).ok());
  CHECK(detail.what == "expected ')'");
  CHECK(detail.pos == 11);
  CHECK_FALSE(xp::parse("1 + foo(2)", &detail).ok());
  CHECK(detail.what == "unknown function 'foo'");
  CHECK(detail.pos == 4);
}
