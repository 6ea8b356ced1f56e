// The XPath 1.0 core function library (with ODK's variations, checked against the odk-oracle),
// number formatting and parsing.
#include <cmath>
#include <limits>

#include "core/xpath_fixture.hpp"

using khaosat::test::XPathFixture;
using khaosat::core::xpath::EvalError;
using khaosat::core::xpath::number_to_string;
using khaosat::core::xpath::string_to_number;

TEST_CASE("xpath number_to_string follows ODK (JavaScript) formatting") {
  CHECK(number_to_string(0) == "0");
  CHECK(number_to_string(-0.0) == "0");
  CHECK(number_to_string(1) == "1");
  CHECK(number_to_string(-42) == "-42");
  CHECK(number_to_string(1.5) == "1.5");
  CHECK(number_to_string(-123.456) == "-123.456");
  CHECK(number_to_string(1.0 / 3) == "0.3333333333333333");
  CHECK(number_to_string(2.0 / 3) == "0.6666666666666666");
  CHECK(number_to_string(0.1 + 0.2) == "0.30000000000000004");
  CHECK(number_to_string(4.35 * 100) == "434.99999999999994");
  CHECK(number_to_string(1e20) == "100000000000000000000");
  CHECK(number_to_string(123456789012345678901.0) == "123456789012345680000");
  CHECK(number_to_string(1e21) == "1e+21");
  CHECK(number_to_string(1e22) == "1e+22");
  CHECK(number_to_string(1.5e300) == "1.5e+300");
  CHECK(number_to_string(0.000001) == "0.000001");
  CHECK(number_to_string(0.0000012) == "0.0000012");
  CHECK(number_to_string(1e-7) == "1e-7");
  CHECK(number_to_string(-1e-7) == "-1e-7");
  CHECK(number_to_string(0.1 / 1000000) == "1.0000000000000001e-7");
  CHECK(number_to_string(1.0 / 1024) == "0.0009765625");
  CHECK(number_to_string(12345678.9) == "12345678.9");
  CHECK(number_to_string(std::numeric_limits<double>::infinity()) == "Infinity");
  CHECK(number_to_string(-std::numeric_limits<double>::infinity()) == "-Infinity");
  // ODK prints NaN as the empty string (XPath 1.0 says "NaN").
  CHECK(number_to_string(std::nan("")) == "");
}

TEST_CASE("xpath string_to_number follows ODK (JavaScript Number())") {
  CHECK(string_to_number("12") == 12);
  CHECK(string_to_number(" 12 ") == 12);
  CHECK(string_to_number("\t7\n") == 7);
  CHECK(string_to_number("-.5") == -0.5);
  CHECK(string_to_number(".5") == 0.5);
  CHECK(string_to_number("5.") == 5);
  CHECK(string_to_number("+1") == 1);
  CHECK(string_to_number("1e3") == 1000);
  CHECK(string_to_number("1E2") == 100);
  CHECK(string_to_number(".5e1") == 5);
  CHECK(string_to_number("5.e1") == 50);
  CHECK(string_to_number("0x10") == 16);
  CHECK(string_to_number("0b11") == 3);
  CHECK(string_to_number("0o7") == 7);
  CHECK(string_to_number("Infinity") == std::numeric_limits<double>::infinity());
  CHECK(string_to_number("-Infinity") == -std::numeric_limits<double>::infinity());
  CHECK(string_to_number("  ") == 0);
  CHECK(std::isnan(string_to_number("")));
  CHECK(std::isnan(string_to_number("12abc")));
  CHECK(std::isnan(string_to_number(" - 5")));
  CHECK(std::isnan(string_to_number("1 2")));
  CHECK(std::isnan(string_to_number(".")));
  CHECK(std::isnan(string_to_number("-")));
  CHECK(std::isnan(string_to_number("1e")));
  CHECK(std::isnan(string_to_number("-0x10")));
  CHECK(std::isnan(string_to_number("infinity")));
  CHECK(std::isnan(string_to_number("NaN")));
}

TEST_CASE_FIXTURE(XPathFixture, "xpath node-set functions") {
  CHECK(num("last()") == 1);
  CHECK(num("position()") == 1);
  CHECK(num("count(rep)") == 3);
  CHECK(num("count(nothing)") == 0);
  CHECK_THROWS_AS(eval("count('a')"), EvalError);
  CHECK(names("id('a')").empty());
  CHECK(str("local-name(orx:meta)") == "meta");
  CHECK(str("name(orx:meta)") == "orx:meta");
  CHECK(str("namespace-uri(orx:meta)") == "http://openrosa.org/xforms");
  CHECK(str("namespace-uri(a)") == "http://www.w3.org/2002/xforms");
  CHECK(str("name()") == "data");
  CHECK(str("local-name()", "/data/orx:meta") == "meta");
  CHECK(str("name(/)") == "");
  CHECK(str("name(nothing)") == "");
  CHECK(str("name(g/@attr)") == "attr");
  CHECK(str("name(rep)") == "rep");
  CHECK(str("name(*[3])") == "s");
  CHECK(num("sum(rep/v)") == 6);
  CHECK(num("sum(nothing)") == 0);
  CHECK(std::isnan(num("sum(rep/n)")));
  CHECK(std::isnan(num("sum(e)")));
}

TEST_CASE_FIXTURE(XPathFixture, "xpath string functions") {
  CHECK(str("string()", "/data/a") == "1");
  CHECK(str("string(1 = 1)") == "true");
  CHECK(str("string(-0)") == "0");
  CHECK(str("string(s)") == " 12 ");
  CHECK(str("string(rep/n)") == "x");
  // ODK's concat joins every node of a node-set argument.
  CHECK(str("concat(rep/n, '-')") == "xyz-");
  CHECK(str("concat(rep)") == "x1y2z3");
  CHECK(str("concat('a', 1, true())") == "a1true");
  CHECK(str("concat()") == "");
  CHECK(str("concat('x', 0 div 0)") == "x");
  CHECK(truth("starts-with('abc', 'ab')"));
  CHECK_FALSE(truth("starts-with('abc', 'b')"));
  CHECK(truth("starts-with('abc', '')"));
  CHECK_FALSE(truth("starts-with('a', 'abc')"));
  CHECK(truth("contains('abc', 'bc')"));
  CHECK(truth("contains('abc', '')"));
  CHECK_FALSE(truth("contains('abc', 'x')"));
  CHECK(str("substring-before('1999/04/01', '/')") == "1999");
  CHECK(str("substring-after('1999/04/01', '/')") == "04/01");
  CHECK(str("substring-after('1999/04/01', '19')") == "99/04/01");
  CHECK(str("substring-before('abc', '')") == "");
  CHECK(str("substring-after('abc', '')") == "abc");
  CHECK(str("substring-after('abc', 'x')") == "");
  CHECK(num("string-length('abc')") == 3);
  CHECK(num("string-length('')") == 0);
  CHECK(num("string-length()", "/data/t") == 3);
  CHECK(num("string-length('é')") == 1);
  CHECK(num("string-length('😀')") == 2);  // UTF-16 units, like ODK
  CHECK(str("normalize-space('  a   b  ')") == "a b");
  CHECK(str("normalize-space()", "/data/s") == "12");
  CHECK(str("normalize-space('\t\na\r b ')") == "a b");
  CHECK(str("translate('bar', 'abc', 'ABC')") == "BAr");
  CHECK(str("translate('--aaa--', 'abc-', 'ABC')") == "AAA");
  CHECK(str("translate('abc', 'abc', '')") == "");
  CHECK(str("translate('aéb', 'é', 'e')") == "aeb");
  CHECK(str("translate('aab', 'aa', 'xy')") == "xxb");
}

TEST_CASE_FIXTURE(XPathFixture, "xpath substring follows the XPath rounding rules") {
  CHECK(str("substring('12345', 2, 3)") == "234");
  CHECK(str("substring('12345', 2)") == "2345");
  CHECK(str("substring('12345', 1.5, 2.6)") == "234");
  CHECK(str("substring('12345', 0, 3)") == "12");
  CHECK(str("substring('12345', 0 div 0, 3)") == "");
  CHECK(str("substring('12345', 1, 0 div 0)") == "");
  CHECK(str("substring('12345', -42, 1 div 0)") == "12345");
  CHECK(str("substring('12345', -1 div 0, 1 div 0)") == "");
  CHECK(str("substring('12345', 5, 10)") == "5");
  CHECK(str("substring('12345', 6)") == "");
  CHECK(str("substring('12345', 3, 0)") == "");
  CHECK(str("substring('12345', -1, 3)") == "1");
  CHECK(str("substring('12345', 1 div 0)") == "");
  // ODK swaps the bounds of a negative length, like JavaScript's String#substring.
  CHECK(str("substring('12345', 2, -1)") == "1");
  CHECK(str("substring('12345', 4, -2)") == "23");
  CHECK(str("substring('12345', 5, -3)") == "234");
  CHECK(str("substring('12345', 3, -0.6)") == "2");
  CHECK(str("substring('12345', 1, -1)") == "");
  CHECK(str("substring('12345', 3, -1 div 0)") == "12");
  CHECK(str("substring('aé😀b', 2, 3)") == "é😀");
  CHECK(str("substring('aé😀b', 5)") == "b");
}

TEST_CASE_FIXTURE(XPathFixture, "xpath boolean functions") {
  CHECK_FALSE(truth("boolean(0)"));
  CHECK(truth("boolean('0')"));
  CHECK_FALSE(truth("boolean('')"));
  CHECK(truth("boolean(e)"));
  CHECK_FALSE(truth("boolean(nothing)"));
  CHECK_FALSE(truth("boolean(0 div 0)"));
  CHECK(truth("not(false())"));
  CHECK_FALSE(truth("not(a)"));
  CHECK(truth("true()"));
  CHECK_FALSE(truth("false()"));
  CHECK(truth("lang('en')", "/data/g/h"));
  CHECK(truth("lang('EN-gb')", "/data/g/h"));
  CHECK_FALSE(truth("lang('en-US')", "/data/g/h"));
  CHECK_FALSE(truth("lang('e')", "/data/g/h"));
  CHECK_FALSE(truth("lang('en')", "/data/a"));
}

TEST_CASE_FIXTURE(XPathFixture, "xpath number functions") {
  CHECK(num("number('12')") == 12);
  CHECK(num("number(true())") == 1);
  CHECK(num("number(false())") == 0);
  CHECK(num("number()", "/data/s") == 12);
  CHECK(std::isnan(num("number('abc')")));
  CHECK(num("floor(-1.5)") == -2);
  CHECK(num("ceiling(-1.5)") == -1);
  CHECK(num("floor(2.5)") == 2);
  CHECK(num("ceiling(2.1)") == 3);
  // ODK rounds half away from zero.
  CHECK(num("round(2.5)") == 3);
  CHECK(num("round(-2.5)") == -3);
  CHECK(num("round(-1.5)") == -2);
  CHECK(num("round(0.5)") == 1);
  CHECK(num("round(-0.5)") == -1);
  CHECK(str("round(-0.4)") == "0");
  CHECK(std::isnan(num("round('abc')")));
  CHECK(std::isinf(num("round(1 div 0)")));
  CHECK(num("round(1.2345, 2)") == doctest::Approx(1.23));
  CHECK(str("round(1.005, 2)") == "1");
  CHECK(str("round(-1.25, 1)") == "-1.3");
  CHECK(num("round(12345, -2)") == 12300);
  CHECK(num("round(2.5, 0)") == 3);
}

TEST_CASE_FIXTURE(XPathFixture, "xpath indexed-repeat picks a repeat instance") {
  CHECK(str("indexed-repeat(/data/rep/n, /data/rep, 2)") == "y");
  CHECK(str("indexed-repeat(/data/rep/v, /data/rep, 3)") == "3");
  CHECK(str("indexed-repeat(/data/rep/v, /data/rep, 4)") == "");
  CHECK(str("indexed-repeat(/data/rep/v, /data/rep, a + 1)") == "2");
  auto nested = khaosat::test::tree_from_xml(
      "<data><o><i><q>11</q></i><i><q>12</q></i></o><o><i><q>21</q></i><i><q>22</q></i></o></data>");
  main = std::move(nested);
  CHECK(str("indexed-repeat(/data/o/i/q, /data/o, 2, /data/o/i, 1)") == "21");
  CHECK(str("indexed-repeat(/data/o/i/q, /data/o, 1, /data/o/i, 2)") == "12");
  CHECK(str("indexed-repeat(/data/o/i/q, /data/o, 2, /data/o/i, 3)") == "");
}
