// XPath values: conversions between boolean, number, string and node-set, number formatting
// and parsing, and the Environment's default clock/random/uuid.
//
// Number <-> string follows ODK Web Forms (the reference engine), which uses JavaScript's rules
// rather than XPath 1.0 section 4.2 where the two differ (checked with the odk-oracle):
//   string(1 div 0 * 0) -> ""      (NaN prints as the empty string)
//   string(1e21 * 10)   -> "1e+22" (exponent for |x| >= 1e21 and |x| < 1e-6, like JS)
//   '1e3' + 0 -> 1000, '0x10' + 0 -> 16, ' 7 ' + 0 -> 7, '' + 0 -> NaN, '  ' + 0 -> 0
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "khaosat/core/env.hpp"
#include "xpath/functions.hpp"

namespace khaosat::core::xpath {

bool Value::to_boolean() const {
  switch (type_) {
    case Type::Boolean: return b_;
    case Type::Number: return dated_ ? b_ : d_ != 0 && !std::isnan(d_);
    case Type::String: return !s_.empty();
    case Type::NodeSet: return !n_.empty();
  }
  return false;
}

double Value::to_number() const {
  switch (type_) {
    case Type::Boolean: return b_ ? 1 : 0;
    case Type::Number: return d_;
    case Type::String: return string_to_number(s_);
    case Type::NodeSet: {
      if (n_.empty()) return std::numeric_limits<double>::quiet_NaN();
      const std::string text = string_value(n_.front());
      if (std::all_of(text.begin(), text.end(), detail::is_xml_space))
        return std::numeric_limits<double>::quiet_NaN();  // ODK: a blank node is NaN, not 0
      return string_to_number(text);
    }
  }
  return 0;
}

std::string Value::to_string() const {
  switch (type_) {
    case Type::Boolean: return b_ ? "true" : "false";
    case Type::Number: return dated_ ? s_ : number_to_string(d_);
    case Type::String: return s_;
    case Type::NodeSet: return n_.empty() ? std::string() : string_value(n_.front());
  }
  return {};
}

namespace detail {
std::string_view node_text(const Node* n, std::string& buf) {
  if (n->kind == NodeKind::Attribute || (n->kind == NodeKind::Element && n->children.empty()))
    return n->value;
  if (n->kind == NodeKind::Text) return n->parent ? n->parent->value : n->value;
  buf = string_value(n);
  return buf;
}
}  // namespace detail

std::string number_to_string(double d) {
  if (std::isnan(d)) return "";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return "0";
  std::string out;
  if (d < 0) {
    out += '-';
    d = -d;
  }
  // Shortest round-trip digits, as JavaScript's Number.prototype.toString picks them.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  std::size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e))
    if (c != '.') digits += c;
  int exp10 = std::atoi(std::string(sci.substr(e + 1)).c_str());
  int k = static_cast<int>(digits.size());
  int n = exp10 + 1;  // position of the decimal point relative to the digits
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<std::size_t>(n));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += n - 1 >= 0 ? '+' : '-';
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

namespace {

bool js_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

double parse_radix(std::string_view s, int radix) {
  if (s.empty()) return std::numeric_limits<double>::quiet_NaN();
  double v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return std::numeric_limits<double>::quiet_NaN();
    if (d >= radix) return std::numeric_limits<double>::quiet_NaN();
    v = v * radix + d;
  }
  return v;
}

bool is_digits(std::string_view s, std::size_t& i) {
  std::size_t b = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  return i > b;
}

}  // namespace

double string_to_number(std::string_view s) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (s.empty()) return nan;
  while (!s.empty() && js_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && js_space(s.back())) s.remove_suffix(1);
  if (s.empty()) return 0;  // JavaScript's Number("  ") is 0, and ODK keeps that
  if (s.size() > 2 && s[0] == '0') {
    char p = s[1];
    if (p == 'x' || p == 'X') return parse_radix(s.substr(2), 16);
    if (p == 'o' || p == 'O') return parse_radix(s.substr(2), 8);
    if (p == 'b' || p == 'B') return parse_radix(s.substr(2), 2);
  }
  bool neg = false;
  std::string_view body = s;
  if (body.front() == '+' || body.front() == '-') {
    neg = body.front() == '-';
    body.remove_prefix(1);
  }
  if (body == "Infinity") return neg ? -std::numeric_limits<double>::infinity()
                                     : std::numeric_limits<double>::infinity();
  // [digits] ['.' [digits]] [(e|E) [+-] digits], with at least one digit in the mantissa.
  std::size_t i = 0;
  bool int_digits = is_digits(body, i);
  bool frac_digits = false;
  if (i < body.size() && body[i] == '.') {
    ++i;
    frac_digits = is_digits(body, i);
  }
  if (!int_digits && !frac_digits) return nan;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    if (!is_digits(body, i)) return nan;
  }
  if (i != body.size()) return nan;
  double v = 0;
  auto res = std::from_chars(body.data(), body.data() + body.size(), v);
  if (res.ec == std::errc::result_out_of_range) {
    // Too large -> Infinity, too small -> 0 (from_chars leaves v untouched).
    std::size_t epos = body.find_first_of("eE");
    bool tiny = epos != std::string_view::npos && body.size() > epos + 1 && body[epos + 1] == '-';
    v = tiny ? 0 : std::numeric_limits<double>::infinity();
  } else if (res.ec != std::errc{}) {
    return nan;
  }
  return neg ? -v : v;
}

// The defaults come from the one platform seam, Env::default_env() (env.hpp).
double Environment::now_ms() { return static_cast<double>(Env::default_env().now_ms()); }

int Environment::tz_offset_minutes(double epoch_ms) {
  return Env::default_env().utc_offset_minutes(static_cast<std::int64_t>(std::floor(epoch_ms)));
}

double Environment::random() { return Env::default_env().random_unit(); }

std::string Environment::uuid() { return Env::default_env().uuid_v4(); }

}  // namespace khaosat::core::xpath
