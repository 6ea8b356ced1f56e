// dependencies(): the absolute paths an expression reads.
#include "core/xpath_fixture.hpp"

namespace xp = khaosat::core::xpath;

namespace {
std::vector<std::string> deps(std::string_view e, std::string_view ctx = "/data/q") {
  auto r = xp::parse(e);
  REQUIRE(r.ok());
  return xp::dependencies(**r, ctx);
}
using V = std::vector<std::string>;
}  // namespace

TEST_CASE("xpath dependencies: absolute and relative paths") {
  CHECK(deps("/data/a + /data/b") == V{"/data/a", "/data/b"});
  CHECK(deps("/data/a + /data/a") == V{"/data/a"});
  CHECK(deps("../a") == V{"/data/a"});
  CHECK(deps(".") == V{"/data/q#self"});  // the node it runs at, only
  CHECK(deps(". > 5 and ../b != ''") == V{"/data/q#self", "/data/b"});
  CHECK(deps("a/b", "/data/g") == V{"/data/g/a/b"});
  CHECK(deps("../../x", "/data/rep/q") == V{"/data/x"});
  CHECK(deps("./../a/./b") == V{"/data/a/b"});
  CHECK(deps("/data/g/@attr") == V{"/data/g/@attr"});
  CHECK(deps("@id", "/data") == V{"/data/@id"});
  CHECK(deps("1 + 2").empty());
  CHECK(deps("'x'").empty());
  CHECK(deps("now()").empty());
}

TEST_CASE("xpath dependencies: predicates resolve against their step") {
  CHECK(deps("/data/a[../b = 1]") == V{"/data/b", "/data/a"});
  CHECK(deps("count(/data/rep[v > 1])") == V{"/data/rep/v", "/data/rep#nodes"});
  CHECK(deps("/data/rep[position() = 2]/n") == V{"/data/rep/n"});
  CHECK(deps("/data/rep[. = current()]/n", "/data/x") == V{"/data/rep", "/data/x#self", "/data/rep/n"});
  CHECK(deps("(/data/a | /data/b)[1]") == V{"/data/a", "/data/b"});
  CHECK(deps("/data/rep[/data/i]/v") == V{"/data/i", "/data/rep/v"});
}

TEST_CASE("xpath dependencies: current() and instance()") {
  CHECK(deps("current()", "/data/r/q") == V{"/data/r/q#self"});
  CHECK(deps("current()/../a", "/data/r/q") == V{"/data/r/a"});
  CHECK(deps("instance('c')/root/item/name") == V{"instance('c')/root/item/name"});
  CHECK(deps("instance('c')/root/item[state = current()/../s]/name", "/data/city") ==
        V{"instance('c')/root/item/state", "/data/s", "instance('c')/root/item/name"});
  CHECK(deps("instance('c')/root/item[state = ../../s]/name") ==
        V{"instance('c')/root/item/state", "instance('c')/s", "instance('c')/root/item/name"});  // item/../.. is the document
  CHECK(deps("instance('c')/root/item[name = /data/x]/label") ==
        V{"instance('c')/root/item/name", "/data/x", "instance('c')/root/item/label"});
  CHECK(deps("instance('c')/..") == V{"instance('c')"});
}

TEST_CASE("xpath dependencies: descendants, wildcards and sideways axes") {
  CHECK(deps("/data//x") == V{"/data/**"});
  CHECK(deps("//x") == V{"/**"});
  CHECK(deps("count(/data/rep/*)") == V{"/data/rep/**"});
  CHECK(deps("/data/g/@*") == V{"/data/g/**"});
  CHECK(deps("preceding-sibling::a", "/data/rep/q") == V{"/data/rep/**"});
  CHECK(deps("ancestor::rep/b", "/data/rep/g/q") == V{"/data/**"});
  CHECK(deps("/data/a/following::b") == V{"/data/**"});
  CHECK(deps("/data/g/descendant::x[y = 1]") == V{"/data/g/y", "/data/g/**"});
}

TEST_CASE("xpath dependencies: function arguments and unresolvable starts") {
  CHECK(deps("concat(/data/a, ../b, 'x')") == V{"/data/a", "/data/b"});
  CHECK(deps("if(/data/a = 1, /data/b, /data/c)") == V{"/data/a", "/data/b", "/data/c"});
  CHECK(deps("indexed-repeat(/data/rep/n, /data/rep, /data/i)") ==
        V{"/data/rep/n", "/data/rep#nodes", "/data/i"});
  CHECK(deps("count(/data/a | ../b)") == V{"/data/a#nodes", "/data/b#nodes"});
  CHECK(deps("instance(/data/which)/root/x") == V{"/data/which"});
}

// A plain path is read for its value, which for a group or the document is the text of
// everything below it; only count(), position(), name() and the repeats of indexed-repeat() read
// just which nodes there are.
TEST_CASE("xpath dependencies: values and nodes only") {
  CHECK(deps("string-length(/data/g)") == V{"/data/g"});
  CHECK(deps("/") == V{"/"});
  CHECK(deps("count(/)") == V{"/#nodes"});
  CHECK(deps("position(..)", "/data/rep/q") == V{"/data/rep#nodes"});
  CHECK(deps("name(..)", "/data/rep/q") == V{"/data/rep#nodes"});
  CHECK(deps("count(/data/rep) + string-length(/data/rep)") ==
        V{"/data/rep#nodes", "/data/rep"});
  CHECK(deps("count(/data/g/*)") == V{"/data/g/**"});  // inexact: anything below, either use
  CHECK(deps("count((/data/a | /data/b)/c)") == V{"/data/a#nodes", "/data/b#nodes"});
  CHECK(deps("concat(/data/a | /data/b, 'x')") == V{"/data/a", "/data/b"});
}

// string(), string-length(), normalize-space() and number() without an argument read the
// context node.
TEST_CASE("xpath dependencies: functions that read the context node") {
  CHECK(deps("string-length() < 3", "/data/a") == V{"/data/a#self"});
  CHECK(deps("number() + 1", "/data/a") == V{"/data/a#self"});
  CHECK(deps("normalize-space(string())", "/data/a") == V{"/data/a#self"});
  CHECK(deps("/data/rep[string-length() > 2]/n") == V{"/data/rep", "/data/rep/n"});
  CHECK(deps("name()", "/data/a").empty());
}

// "." and current() at the expression's own context read that node alone (kDependencySelf); the
// same "." inside a predicate is any node the predicate filters, an ordinary dependency.
TEST_CASE("xpath dependencies: the node itself, only") {
  CHECK(deps("coalesce(., 'x')", "/data/r/q") == V{"/data/r/q#self"});
  CHECK(deps("self::node() + 1", "/data/r/q") == V{"/data/r/q#self"});
  CHECK(deps("count(../q[. = 'x'])", "/data/r/q") == V{"/data/r/q", "/data/r/q#nodes"});
  CHECK(deps("/data/r/q[. != current()]", "/data/r/q") == V{"/data/r/q", "/data/r/q#self"});
  CHECK(deps("./../q", "/data/r/q") == V{"/data/r/q"});   // back to itself through its parent
  CHECK(deps(".//x", "/data/r") == V{"/data/r/**"});
  CHECK(deps("count(.)", "/data/r/q") == V{"/data/r/q#nodes"});
}

// What decides whether selects may share one evaluated itemset (FormPlan's shared_list).
TEST_CASE("xpath dependencies: whether an expression reads its context or draws random numbers") {
  auto expr = [](std::string_view text) {
    auto r = xp::parse(text);
    REQUIRE(r.ok());
    return *r;
  };
  // Same everywhere: absolute paths and instances, with predicates reading their own nodes.
  for (const char* same : {"instance('x')/root/item", "/data/a", "instance('x')/root/item[p = /data/a]",
                           "instance('x')/root/item[string-length(label) > 2][position() < 3]",
                           "(instance('x')/root/item)[name = 'a']", "count(/data/r) + 1",
                           "randomize(instance('x')/root/item, /data/seed)"}) {
    CHECK_FALSE_MESSAGE(xp::reads_context(*expr(same)), same);
    CHECK_FALSE_MESSAGE(xp::draws_random(*expr(same)), same);
  }
  // The node it runs at: relative paths, current() anywhere, the context read by a function.
  for (const char* here : {"../a", "instance('x')/root/item[p = current()/../a]", "name()", "position()",
                           "last()", "string()", "number() + 1", "lang('en')", "once(/data/a)",
                           "(../a)[1]", "concat(., 'x')", "randomize(instance('x')/root/item, ../seed)"})
    CHECK_MESSAGE(xp::reads_context(*expr(here)), here);
  CHECK(xp::reads_current(*expr("concat(label, current()/../a)")));
  CHECK_FALSE(xp::reads_current(*expr("../label")));  // relative, but not current()
  for (const char* drawn : {"randomize(instance('x')/root/item)", "instance('x')/root/item[random() < 0.5]",
                            "/data/a[. = uuid()]", "today()"})
    CHECK_MESSAGE(xp::draws_random(*expr(drawn)), drawn);
}
