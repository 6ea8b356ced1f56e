// ODK math functions: int, round (ODK's 2-argument form), pow, log, log10, abs, the
// trigonometric functions, sqrt, exp, exp10, pi, max, min, random, and the date-aware number()
// that replaces the XPath 1.0 one.
//
// ODK computes with JavaScript's Math, so NaN propagates (pow(1, NaN) is NaN, unlike C's pow)
// and round() rounds halves away from zero.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "xpath/functions.hpp"
#include "xpath/functions_odk.hpp"

namespace khaosat::core::xpath::detail::odk {

double date_aware_number(std::string_view s, Environment& env) {
  // Every date starts "dddd-dd-dd": test that much before the full parse, so that ordinary
  // numbers cost two comparisons more than string_to_number().
  if (s.size() >= 10 && s[4] == '-' && s[0] >= '0' && s[0] <= '9') {
    if (const auto instant = parse_date_time(s, env)) return instant->days();
  }
  return string_to_number(s);
}

double node_number(const Node* n, Environment& env) {
  std::string buf;
  const std::string_view text = node_text(n, buf);
  const bool blank = std::all_of(text.begin(), text.end(), is_xml_space);
  return blank ? std::nan("") : date_aware_number(text, env);
}

double date_aware_number(const Value& v, Environment& env) {
  if (v.is_number()) return v.raw_number();
  if (v.is_nodeset()) return v.node_set().empty() ? std::nan("") : node_number(v.node_set().front(), env);
  if (v.is_string()) return date_aware_number(v.raw_string(), env);
  return v.to_number();
}

namespace {

double nan() { return std::nan(""); }

// JS Math.round for x >= 0: nearest integer, halves up.
double js_round_non_negative(double x) {
  const double f = std::floor(x);
  return x - f >= 0.5 ? f + 1 : f;
}

double number_arg(const std::vector<Value>& args, std::size_t i, const Context& ctx) {
  return date_aware_number(args[i], *ctx.env);
}

// number([x]): x's value as a number. A date or dateTime string (or node) gives days since
// 1970-01-01, fractional for a time of day, as ODK's number() does; ODK makes that a date value
// whose string form is the whole days: number('2020-01-01T12:00:00Z') prints "18262" but
// computes as 18262.5, and is true even on 1970-01-01. A number, date values included, is
// returned as it is (number(today()) prints "2020-01-01" in ODK).
Value fn_number(std::vector<Value>& args, const Context& ctx) {
  if (args.empty() && ctx.node == nullptr) return Value::number(nan());
  if (!args.empty() && args[0].is_number()) return std::move(args[0]);  // a date stays a date
  const Node* node = args.empty() ? ctx.node
                     : args[0].is_nodeset() && !args[0].node_set().empty() ? args[0].node_set().front()
                                                                           : nullptr;
  std::string buf;
  if (node != nullptr || args[0].is_string()) {
    const std::string_view text = node ? node_text(node, buf) : std::string_view(args[0].raw_string());
    if (const auto instant = parse_date_time(text, *ctx.env)) {
      return Value::date(instant->days(), number_to_string(std::floor(instant->days())), true);
    }
  }
  return Value::number(node ? node_number(node, *ctx.env) : number_arg(args, 0, ctx));
}

// int(x): truncation toward zero.
Value fn_int(std::vector<Value>& args, const Context& ctx) {
  const double x = number_arg(args, 0, ctx);
  return Value::number(x > 0 ? std::floor(x) : std::ceil(x));
}

// round(x, [digits]): halves away from zero; digits may be negative (round(1234.5, -2) = 1200).
Value fn_round(std::vector<Value>& args, const Context& ctx) {
  const double x = number_arg(args, 0, ctx);
  if (std::isnan(x)) return Value::number(x);
  const double digits = args.size() > 1 ? number_arg(args, 1, ctx) : 0;
  if (std::isnan(digits)) return Value::number(nan());
  const double sign = x < 0 ? -1 : 1;
  const double multiplier = std::pow(10.0, digits);
  return Value::number(js_round_non_negative(std::fabs(x) * multiplier) / multiplier * sign);
}

// pow(x, y) with JS semantics: NaN in, NaN out; (+-1) ** (+-Infinity) is NaN.
Value fn_pow(std::vector<Value>& args, const Context& ctx) {
  const double x = number_arg(args, 0, ctx);
  if (std::isnan(x)) return Value::number(x);
  const double y = number_arg(args, 1, ctx);
  if (std::isnan(y)) return Value::number(y);
  if (std::fabs(x) == 1 && std::isinf(y)) return Value::number(nan());
  return Value::number(std::pow(x, y));
}

Value fn_atan2(std::vector<Value>& args, const Context& ctx) {
  const double y = number_arg(args, 0, ctx);
  if (std::isnan(y)) return Value::number(y);
  const double x = number_arg(args, 1, ctx);
  return Value::number(std::atan2(y, x));
}

// One-argument Math functions.
template <double (*F)(double)>
Value unary(std::vector<Value>& args, const Context& ctx) {
  const double x = number_arg(args, 0, ctx);
  return Value::number(std::isnan(x) ? x : F(x));
}
double abs_fn(double x) { return std::fabs(x); }
double sin_fn(double x) { return std::sin(x); }
double cos_fn(double x) { return std::cos(x); }
double tan_fn(double x) { return std::tan(x); }
double asin_fn(double x) { return std::asin(x); }
double acos_fn(double x) { return std::acos(x); }
double atan_fn(double x) { return std::atan(x); }
double sqrt_fn(double x) { return std::sqrt(x); }
double exp_fn(double x) { return std::exp(x); }
double exp10_fn(double x) { return std::pow(10.0, x); }
double log_fn(double x) { return std::log(x); }
double log10_fn(double x) { return std::log10(x); }

Value fn_pi(std::vector<Value>&, const Context&) { return Value::number(std::numbers::pi); }

Value fn_random(std::vector<Value>&, const Context& ctx) { return Value::number(ctx.env->random()); }

// max(...)/min(...): over every number and every node of the arguments; NaN as soon as one is
// not a number, and NaN for no values at all.
template <bool kMax>
Value extremum(std::vector<Value>& args, const Context& ctx) {
  bool any = false;
  double best = 0;
  auto take = [&](double x) {
    if (!any || (kMax ? x > best : x < best) ||
        (x == 0 && best == 0 && std::signbit(x) != kMax)) {
      best = x;
    }
    any = true;
  };
  for (const Value& v : args) {
    if (v.is_nodeset()) {
      for (const Node* n : v.node_set()) {
        const double x = node_number(n, *ctx.env);
        if (std::isnan(x)) return Value::number(x);
        take(x);
      }
    } else {
      const double x = date_aware_number(v, *ctx.env);
      if (std::isnan(x)) return Value::number(x);
      take(x);
    }
  }
  return Value::number(any ? best : nan());
}

const FunctionSpec kMathFunctions[] = {
    {"number", 0, 1, fn_number},
    {"int", 1, 1, fn_int},
    {"round", 1, 2, fn_round},
    {"pow", 2, 2, fn_pow},
    {"log", 1, 1, unary<log_fn>},
    {"log10", 1, 1, unary<log10_fn>},
    {"abs", 1, 1, unary<abs_fn>},
    {"sin", 1, 1, unary<sin_fn>},
    {"cos", 1, 1, unary<cos_fn>},
    {"tan", 1, 1, unary<tan_fn>},
    {"asin", 1, 1, unary<asin_fn>},
    {"acos", 1, 1, unary<acos_fn>},
    {"atan", 1, 1, unary<atan_fn>},
    {"atan2", 2, 2, fn_atan2},
    {"sqrt", 1, 1, unary<sqrt_fn>},
    {"exp", 1, 1, unary<exp_fn>},
    {"exp10", 1, 1, unary<exp10_fn>},
    {"pi", 0, 0, fn_pi},
    {"max", 0, -1, extremum<true>},
    {"min", 0, -1, extremum<false>},
    {"random", 0, 0, fn_random, /*volatile_result=*/true},
};

}  // namespace

std::span<const FunctionSpec> math_functions() { return kMathFunctions; }

}  // namespace khaosat::core::xpath::detail::odk
