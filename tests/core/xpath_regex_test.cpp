// regex() against hostile patterns and values (core/src/xpath/functions_odk_string.cpp): it runs
// on a non-backtracking executor, so exponential patterns finish with a result; back-references
// (which need backtracking) and patterns or values past the limits in docs/limits.md are an
// EvalError that says why. Nothing here may hang: each match runs under the deadline guard.
#include <chrono>
#include <string>

#include "core/xpath_fixture.hpp"
#include "support/deadline.hpp"

namespace xp = khaosat::core::xpath;
using khaosat::test::within;

namespace {

// "true" / "false", or "error: <message>", of regex(value, pattern) evaluated at /data.
struct RegexFixture : khaosat::test::XPathFixture {
  std::string outcome(const std::string& value, const std::string& pattern) {
    std::string expr = "regex('" + value + "', '" + pattern + "')";
    return within(std::chrono::seconds(60), "regex(" + value.substr(0, 40) + ", " + pattern + ")",
                  [this, expr] {
                    auto parsed = xp::parse(expr);
                    if (!parsed) return "parse error: " + parsed.error().message;
                    xp::Context ctx;
                    ctx.node = main->root();
                    ctx.env = this;
                    try {
                      return std::string(xp::evaluate(*parsed, ctx).to_boolean() ? "true" : "false");
                    } catch (const xp::EvalError& e) {
                      return "error: " + std::string(e.what());
                    }
                  });
  }
};

}  // namespace

TEST_CASE_FIXTURE(RegexFixture, "regex: exponential patterns finish with the right answer") {
  const std::string a30(30, 'a'), a5000(5000, 'a');
  for (const char* p : {"^(a+)+b$", "^(a|a)*b$", "^(a*)*b$", "^(a|aa)+b$", "^(a+)*(a+)*(a+)*b$",
                        "^((a+)+)+b$", "(x+x+)+y", "^(\\w+\\s?)*$b"}) {
    INFO(p);
    CHECK(outcome(a30, p) == "false");
    CHECK(outcome(a5000, p) == "false");
  }
  CHECK(outcome(a5000 + "b", "^(a+)+b$") == "true");
  CHECK(outcome(a5000, "^(a|a)*$") == "true");
  // A search that would try every start position is one pass (search = match of .*?(p).*).
  CHECK(outcome(a5000, "a{1,100}b") == "false");
  CHECK(outcome(a5000 + "b", "a{1,100}b") == "true");
}

TEST_CASE_FIXTURE(RegexFixture, "regex: search semantics are unchanged") {
  CHECK(outcome("xabcx", "abc") == "true");
  CHECK(outcome("xabcx", "^abc") == "false");
  CHECK(outcome("xabcx", "abc$") == "false");
  CHECK(outcome("abc", "^abc$") == "true");
  CHECK(outcome("abc", "") == "true");
  CHECK(outcome("ab", "a|x") == "true");  // alternation stays inside the search
  CHECK(outcome("xb", "^a|b") == "true");
  CHECK(outcome("word next", "\\bnext") == "true");
  CHECK(outcome("wordnext", "\\bnext") == "false");
  CHECK(outcome("line1\nline2", "^line2") == "false");  // no multiline flag, as in ODK
  CHECK(outcome("ab", "(?=a)a") == "true");
  CHECK(outcome("ab", "a(?!b)") == "false");
  // A pattern valid only once wrapped is still refused.
  CHECK(outcome("a", "a\\").starts_with("error: invalid regular expression 'a\\' in regex()"));
  CHECK(outcome("a", "a)").starts_with("error: invalid regular expression"));
}

TEST_CASE_FIXTURE(RegexFixture, "regex: back-references are refused with a reason") {
  for (const char* p : {"^(a+)+\\1b$", "(a)\\1", "^(a*)*\\1$", "(x)(y)\\2"}) {
    INFO(p);
    std::string e = outcome(std::string(30, 'a'), p);
    CHECK(e == std::string("error: regex('") + p + "'): back-references (\\1, \\2, ...) are not "
               "supported: matching them can take exponential time; rewrite the pattern without "
               "them");
  }
}

TEST_CASE_FIXTURE(RegexFixture, "regex: patterns and values past the limits are refused") {
  // Long patterns (the regex compiler recurses once per term).
  std::string long_pattern(5000, 'b');
  std::string e = outcome("a", long_pattern);
  CHECK(e.starts_with("error: regex('bbbb"));
  CHECK(e.find("\u2026'): the pattern is 5000 characters long; regex() takes patterns of at most "
               "2000") != std::string::npos);
  CHECK(outcome("a", std::string(2000, 'b')) == "false");
  // Deep groups (the compiler recurses per group too).
  std::string deep = std::string(40, '(') + "a" + std::string(40, ')');
  CHECK(outcome("a", deep).find("groups are nested more than 32 levels deep") != std::string::npos);
  CHECK(outcome("a", std::string(32, '(') + "a" + std::string(32, ')')) == "true");
  // Counted repetitions multiply the automaton.
  CHECK(outcome("a", "a{1000}{1000}").find("too large to match (about 1000001 states, at most "
                                           "20000); use smaller counts") != std::string::npos);
  CHECK(outcome("a", "(a{100}){1000}").find("too large to match") != std::string::npos);
  CHECK(outcome("aaa", "^a{3}$") == "true");
  // The work is bounded: a large pattern against a long value.
  std::string v(100000, 'a');
  std::string big = outcome(v, "a{1,1000}b");
  CHECK(big.find("cannot be matched against a value of 100000 characters") != std::string::npos);
  CHECK(outcome(v, "^a+$") == "true");
}
