// ODK string and control functions: join, substr, ends-with, uuid, digest, base64-decode,
// pulldata, regex, coalesce, if, once, boolean-from-string; plus the JS-compatible conversion
// helpers declared in functions_odk.hpp.
//
// [SECTION] Helpers: JS parseInt, whitespace lists, UTF-16 indexing
// [SECTION] String functions
// [SECTION] Control functions (if, coalesce, once, boolean-from-string)
// [SECTION] Table
#include <algorithm>
#include <cmath>
#include <cwctype>
#include <list>
#include <regex>
#include <utility>

#include "base/excerpt.hpp"
#include "xpath/functions.hpp"
#include "xpath/functions_odk.hpp"

namespace khaosat::core::xpath::detail::odk {

// [SECTION] Helpers --------------------------------------------------------------------------

double js_parse_int(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (is_xml_space(s[i]) || s[i] == '\f' || s[i] == '\v')) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  const std::size_t digits_start = i;
  double value = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') value = value * 10 + (s[i++] - '0');
  if (i == digits_start) return std::nan("");
  return negative ? -value : value;
}

double int_arg(const Value& v) { return js_parse_int(v.to_string()); }

std::vector<std::string> whitespace_list(std::string_view s) {
  std::vector<std::string> items;
  std::size_t i = 0;
  while (i < s.size() && is_xml_space(s[i])) ++i;
  while (i < s.size()) {
    std::size_t end = i;
    while (end < s.size() && !is_xml_space(s[end])) ++end;
    items.emplace_back(s.substr(i, end - i));
    i = end;
    while (i < s.size() && is_xml_space(s[i])) ++i;
  }
  if (items.empty()) items.emplace_back();
  return items;
}

std::vector<std::string> item_strings(const Value& v) {
  std::vector<std::string> out;
  if (v.is_nodeset()) {
    for (const Node* n : v.node_set()) out.push_back(string_value(n));
  } else {
    out.push_back(v.to_string());
  }
  return out;
}

namespace {

// UTF-8 <-> UTF-16, because ODK indexes strings as JavaScript does (UTF-16 code units). Bytes
// that are not valid UTF-8 decode as U+FFFD; unpaired surrogates encode as U+FFFD.
std::u16string to_utf16(std::string_view s) {
  const std::string clean = sanitize_utf8(s);
  std::u16string out;
  for (std::size_t i = 0; i < clean.size();) {
    const auto b0 = static_cast<unsigned char>(clean[i]);
    char32_t cp = 0;
    std::size_t n = 1;
    if (b0 < 0x80) cp = b0;
    else if (b0 < 0xE0) { cp = b0 & 0x1F; n = 2; }
    else if (b0 < 0xF0) { cp = b0 & 0x0F; n = 3; }
    else { cp = b0 & 0x07; n = 4; }
    for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(clean[i + k]) & 0x3F);
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string to_utf8(std::u16string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char16_t u = s[i];
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
      append_utf8(out, 0x10000 + ((char32_t{u} - 0xD800) << 10) + (char32_t{s[i + 1]} - 0xDC00));
      ++i;
    } else if (u >= 0xD800 && u <= 0xDFFF) {
      append_utf8(out, 0xFFFD);
    } else {
      append_utf8(out, u);
    }
  }
  return out;
}

// [SECTION] String functions -----------------------------------------------------------------

// join(glue, values...): every node of a node-set argument contributes its own string.
Value fn_join(std::vector<Value>& args, const Context&) {
  const std::string glue = args[0].to_string();
  std::string out;
  bool first = true;
  for (std::size_t i = 1; i < args.size(); ++i) {
    for (const std::string& s : item_strings(args[i])) {
      if (!first) out += glue;
      out += s;
      first = false;
    }
  }
  return Value::string(std::move(out));
}

// substr(s, start, [end]): 0-based, end exclusive, negative indices count from the end; the
// indices are parseInt() of the arguments' strings (so 'x' gives NaN and an empty result).
Value fn_substr(std::vector<Value>& args, const Context&) {
  const std::u16string s = to_utf16(args[0].to_string());
  const auto length = static_cast<double>(s.size());
  if (s.empty()) return Value::string("");
  double start = int_arg(args[1]);
  double end = args.size() > 2 ? int_arg(args[2]) : length;
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (std::isnan(start) || std::isnan(end)) return Value::string("");
  start = std::clamp(start, 0.0, length);
  end = std::clamp(end, 0.0, length);
  if (start > end) return Value::string("");
  const auto from = static_cast<std::size_t>(start);
  return Value::string(to_utf8(std::u16string_view(s).substr(from, static_cast<std::size_t>(end) - from)));
}

Value fn_ends_with(std::vector<Value>& args, const Context&) {
  return Value::boolean(args[0].to_string().ends_with(args[1].to_string()));
}

// uuid(): a v4 UUID. uuid(n): as ODK, UUIDs concatenated and cut to n characters (JS slice:
// a negative n drops characters from the end).
Value fn_uuid(std::vector<Value>& args, const Context& ctx) {
  std::string result = ctx.env->uuid();
  if (args.empty()) return Value::string(std::move(result));
  const double n = arg_number(args, 0, ctx);
  if (std::isnan(n)) throw EvalError("uuid() expects a valid number for the length, not NaN");
  // ODK would loop forever on Infinity; a form asking for more than this is broken anyway.
  constexpr double kMaxLength = 1 << 20;
  if (n > kMaxLength) throw EvalError("uuid() length " + number_to_string(n) + " is too large");
  const double cut = std::trunc(n) < 0 ? std::max(0.0, static_cast<double>(result.size()) + std::trunc(n))
                                       : std::trunc(n);
  while (static_cast<double>(result.size()) < n) result += ctx.env->uuid();
  result.resize(std::min(result.size(), static_cast<std::size_t>(cut)));
  return Value::string(std::move(result));
}

// digest(data, algorithm, [encoding]): the UTF-8 bytes of `data` hashed; base64 by default.
Value fn_digest(std::vector<Value>& args, const Context&) {
  static constexpr std::pair<std::string_view, HashAlgorithm> kAlgorithms[] = {
      {"MD5", HashAlgorithm::Md5},       {"SHA-1", HashAlgorithm::Sha1},
      {"SHA-256", HashAlgorithm::Sha256}, {"SHA-384", HashAlgorithm::Sha384},
      {"SHA-512", HashAlgorithm::Sha512}};
  const std::string data = args[0].to_string();
  const std::string algorithm = args[1].to_string();
  const std::string encoding = args.size() > 2 ? args[2].to_string() : "base64";
  const auto* found = std::find_if(std::begin(kAlgorithms), std::end(kAlgorithms),
                                   [&](const auto& a) { return a.first == algorithm; });
  if (found == std::end(kAlgorithms)) throw EvalError("Unsupported digest algorithm: '" + algorithm + "'");
  if (encoding != "base64" && encoding != "hex") {
    throw EvalError("Unsupported digest encoding: '" + encoding + "'");
  }
  const std::string hash = hash_bytes(found->second, data);
  return Value::string(encoding == "hex" ? hex_encode(hash) : base64_encode(hash));
}

// base64-decode(s): the decoded bytes read as UTF-8; "" when `s` is not base64.
Value fn_base64_decode(std::vector<Value>& args, const Context&) {
  const auto bytes = base64_decode(args[0].to_string());
  return Value::string(bytes ? sanitize_utf8(*bytes) : std::string());
}

const Node* child_named(const Node* parent, std::string_view name) {
  for (const Node* c : parent->children) {
    if (c->name == name || c->local == name) return c;
  }
  return nullptr;
}

// pulldata(instance, column, lookup_column, value): ODK evaluates
// instance('<instance>')/root/item[<lookup_column> = '<value>']/<column> as a string, i.e. the
// first matching item (in document order) that has the wanted column.
Value fn_pulldata(std::vector<Value>& args, const Context& ctx) {
  const std::string id = args[0].to_string();
  const std::string column = args[1].to_string();
  const std::string lookup_column = args[2].to_string();
  const std::string value = args[3].to_string();
  const Node* top = ctx.env->instance(id);
  if (top == nullptr) return Value::string("");
  // Environment::instance() gives the root element; the path needs it to be <root>.
  const Node* root = top->kind == NodeKind::Document ? child_named(top, "root") : top;
  if (root == nullptr || root->local != "root") return Value::string("");
  for (const Node* item : root->children) {
    if (item->local != "item") continue;
    bool match = false;
    for (const Node* c : item->children) {
      if (c->local == lookup_column && string_value(c) == value) { match = true; break; }
    }
    if (!match) continue;
    if (const Node* wanted = child_named(item, column)) return Value::string(string_value(wanted));
  }
  return Value::string("");
}

// UTF-16 code units widened to wchar_t: JavaScript's RegExp (without the u flag) matches over
// code units, so "." and character classes see one BMP character -- not its UTF-8 bytes -- and
// the two halves of a surrogate pair separately.
std::wstring to_wide(std::string_view s) {
  const std::u16string units = to_utf16(s);
  return std::wstring(units.begin(), units.end());
}

// regex() runs on libstdc++'s polynomial executor (a Thompson NFA simulation), never on its
// backtracking one, which recursed once per character matched (a 30,000-character answer
// overflowed the stack) and is exponential on nested quantifiers ("^(a+)+\1b$" on 30 characters
// ran for minutes). The polynomial executor cannot run back-references, so they are refused
// (ODK's engines, JavaScript's RegExp and Java's, accept them: docs/conformance.md). What is
// left bounds the work: the pattern's length and group nesting (the regex compiler recurses
// over both), and its estimated NFA size times the value's length (docs/limits.md).
constexpr std::size_t kMaxPatternLength = 2000;  // UTF-16 units
constexpr int kMaxPatternNesting = 32;           // groups inside groups
constexpr double kMaxPatternStates = 20000;      // estimated NFA states
constexpr double kMaxRegexWork = 2'000'000;      // states x (value length + 1)

// A pattern quoted in a message: a bounded excerpt.
std::string quoted(const std::string& pattern) { return "regex('" + excerpt(pattern) + "')"; }

// The NFA's size, estimated from the pattern: an atom is one state, a group the sum of what it
// holds, and a counted repetition {n,m} copies what it repeats max(n, m) times, as the regex
// compiler does. Also checks the group nesting. Throws EvalError for what is refused.
double estimated_states(const std::wstring& p, const std::string& pattern) {
  std::vector<double> open;  // the size of each open group's contents so far
  double total = 0;          // the innermost open sequence's size
  double last = 0;           // the size of the last atom, which a quantifier applies to
  for (std::size_t i = 0; i < p.size(); ++i) {
    wchar_t c = p[i];
    if (c == L'\\') {
      ++i;
      last = 1;
      total += last;
    } else if (c == L'[') {
      for (++i; i < p.size() && p[i] != L']'; ++i)
        if (p[i] == L'\\') ++i;
      last = 1;
      total += last;
    } else if (c == L'(') {
      if (static_cast<int>(open.size()) >= kMaxPatternNesting)
        throw EvalError(quoted(pattern) + ": groups are nested more than " +
                        std::to_string(kMaxPatternNesting) + " levels deep");
      open.push_back(total);
      total = 0;
    } else if (c == L')' && !open.empty()) {
      last = total + 1;
      total = open.back() + last;
      open.pop_back();
    } else if (c == L'{' && i + 1 < p.size() && std::iswdigit(p[i + 1])) {
      double most = 0, n = 0;
      std::size_t k = i + 1;
      for (; k < p.size() && std::iswdigit(p[k]); ++k) n = std::min(n * 10 + (p[k] - L'0'), 1e9);
      most = n;
      if (k < p.size() && p[k] == L',') {
        most = n + 1;
        double m = 0;
        bool digits = false;
        for (++k; k < p.size() && std::iswdigit(p[k]); ++k, digits = true)
          m = std::min(m * 10 + (p[k] - L'0'), 1e9);
        if (digits) most = std::max(n, m);
      }
      if (k < p.size() && p[k] == L'}') {
        total += last * (std::max(most, 1.0) - 1);
        last *= std::max(most, 1.0);
        i = k;
      }
    } else if (c != L'|' && c != L'*' && c != L'+' && c != L'?') {
      last = 1;
      total += last;
    }
  }
  for (double outer : open) total += outer;
  return total + 1;
}

struct CompiledPattern {
  std::wregex search;    // "[\s\S]*?(?:pattern)[\s\S]*", run with regex_match
  double states = 0;     // estimated_states()
};

CompiledPattern compile_pattern(const std::string& pattern) {
  const std::wstring wide = to_wide(pattern);
  if (wide.size() > kMaxPatternLength)
    throw EvalError(quoted(pattern) + ": the pattern is " + std::to_string(wide.size()) +
                    " characters long; regex() takes patterns of at most " +
                    std::to_string(kMaxPatternLength));
  CompiledPattern out;
  out.states = estimated_states(wide, pattern);
  if (out.states > kMaxPatternStates)
    throw EvalError(quoted(pattern) + ": the pattern's repetitions make it too large to match "
                    "(about " + std::to_string(static_cast<long long>(out.states)) +
                    " states, at most " + std::to_string(static_cast<long long>(kMaxPatternStates)) +
                    "); use smaller counts in {n,m}");
  constexpr auto kSyntax = std::regex::ECMAScript
#ifdef __GLIBCXX__
                           | std::regex_constants::__polynomial
#endif
      ;
  try {
    // The pattern alone first, so that a pattern which is only valid wrapped ("a\") is refused.
    (void)std::wregex(wide, kSyntax);
    // A search is a match of the wrapped pattern: one pass over the value instead of one match
    // attempt from every position (which made the search quadratic in the value's length).
    out.search = std::wregex(L"[\\s\\S]*?(?:" + wide + L")[\\s\\S]*", kSyntax);
  } catch (const std::regex_error& e) {
    if (e.code() == std::regex_constants::error_complexity) {
      bool valid = true;
      try {
        (void)std::wregex(wide, std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        valid = false;
      }
      if (valid)
        throw EvalError(quoted(pattern) + ": back-references (\\1, \\2, ...) are not supported: "
                        "matching them can take exponential time; rewrite the pattern without them");
    }
    throw EvalError("invalid regular expression '" + excerpt(pattern) + "' in regex(): " + e.what());
  }
  return out;
}

// Compiled patterns are kept per thread (forms reuse a handful of constraint patterns).
const CompiledPattern& compiled_pattern(const std::string& pattern) {
  constexpr std::size_t kCacheSize = 32;
  thread_local std::list<std::pair<std::string, CompiledPattern>> cache;  // most recent first
  for (auto it = cache.begin(); it != cache.end(); ++it) {
    if (it->first == pattern) {
      cache.splice(cache.begin(), cache, it);
      return cache.front().second;
    }
  }
  cache.emplace_front(pattern, compile_pattern(pattern));
  if (cache.size() > kCacheSize) cache.pop_back();
  return cache.front().second;
}

// regex(value, pattern): whether `pattern` (ECMAScript, no flags) matches anywhere in `value`.
Value fn_regex(std::vector<Value>& args, const Context&) {
  const std::wstring value = to_wide(args[0].to_string());
  const std::string pattern = args[1].to_string();
  const CompiledPattern& re = compiled_pattern(pattern);
  if (re.states * static_cast<double>(value.size() + 1) > kMaxRegexWork)
    throw EvalError(quoted(pattern) + " cannot be matched against a value of " +
                    std::to_string(value.size()) + " characters: the pattern (about " +
                    std::to_string(static_cast<long long>(re.states)) + " states) is too large " +
                    "for a value that long");
  try {
    return Value::boolean(std::regex_match(value, re.search));
  } catch (const std::regex_error& e) {  // e.g. error_complexity / error_space
    throw EvalError(quoted(pattern) + " failed on the value: " + e.what());
  }
}

// [SECTION] Control functions ----------------------------------------------------------------

// if(cond, a, b): the chosen argument unchanged (any type); the other one is not evaluated.
Value fn_if(const LazyArgs& args, const Context&) {
  return args.eval(args.eval(0).to_boolean() ? 1 : 2);
}

// coalesce(a, b): a as a string unless that is empty, else b; b is evaluated only then.
Value fn_coalesce(const LazyArgs& args, const Context&) {
  std::string a = args.eval(0).to_string();
  return Value::string(a.empty() ? args.eval(1).to_string() : std::move(a));
}

// once(x): the context node's own value when it has one, else x as a string.
Value fn_once(std::vector<Value>& args, const Context& ctx) {
  if (ctx.node == nullptr) throw EvalError("once() needs a context node");
  std::string own = string_value(ctx.node);
  return Value::string(own.empty() ? args[0].to_string() : std::move(own));
}

Value fn_boolean_from_string(std::vector<Value>& args, const Context&) {
  const std::string s = args[0].to_string();
  return Value::boolean(s == "1" || s == "true");
}

// [SECTION] Table ----------------------------------------------------------------------------

const FunctionSpec kStringFunctions[] = {
    {"join", 1, -1, fn_join},
    {"substr", 2, 3, fn_substr},
    {"ends-with", 2, 2, fn_ends_with},
    {"uuid", 0, 1, fn_uuid, /*volatile_result=*/true},
    {"digest", 2, 3, fn_digest},
    {"base64-decode", 1, 1, fn_base64_decode},
    {"pulldata", 4, 4, fn_pulldata},
    {"regex", 2, 2, fn_regex},
    {"if", 3, 3, nullptr, false, fn_if},
    {"coalesce", 2, 2, nullptr, false, fn_coalesce},
    {"once", 1, 1, fn_once},
    {"boolean-from-string", 1, 1, fn_boolean_from_string},
};

}  // namespace

std::span<const FunctionSpec> string_functions() { return kStringFunctions; }

}  // namespace khaosat::core::xpath::detail::odk
