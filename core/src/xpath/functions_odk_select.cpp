// ODK functions over select values, choices and node-sets: selected, selected-at,
// count-selected, jr:choice-name, jr:itext, count-non-empty, checklist, weighted-checklist,
// randomize.
//
// [SECTION] Select-multiple values
// [SECTION] Labels (jr:choice-name, jr:itext)
// [SECTION] Counting (count-non-empty, checklist, weighted-checklist, position)
// [SECTION] randomize: JavaRosa's Park–Miller shuffle, bit-for-bit
// [SECTION] Table
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "xpath/functions.hpp"
#include "xpath/functions_odk.hpp"

namespace khaosat::core::xpath::detail::odk {
namespace {

// [SECTION] Select-multiple values ----------------------------------------------------------

std::string_view trim_xml_space(std::string_view s) {
  while (!s.empty() && is_xml_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_xml_space(s.back())) s.remove_suffix(1);
  return s;
}

// selected(list, value): whether the trimmed value is one of the list's items. As in ODK, an
// empty list has one empty item, so selected('', '') is true.
Value fn_selected(std::vector<Value>& args, const Context&) {
  const auto items = whitespace_list(args[0].to_string());
  const std::string value(trim_xml_space(args[1].to_string()));
  return Value::boolean(std::find(items.begin(), items.end(), value) != items.end());
}

// selected-at(list, index): the 0-based index-th item, or "".
Value fn_selected_at(std::vector<Value>& args, const Context&) {
  const auto items = whitespace_list(args[0].to_string());
  const double index = int_arg(args[1]);
  if (std::isnan(index) || index < 0 || index >= static_cast<double>(items.size())) {
    return Value::string("");
  }
  return Value::string(items[static_cast<std::size_t>(index)]);
}

Value fn_count_selected(std::vector<Value>& args, const Context&) {
  const std::string list = args[0].to_string();
  if (trim_xml_space(list).empty()) return Value::number(0);
  return Value::number(static_cast<double>(whitespace_list(list).size()));
}

// [SECTION] Labels ---------------------------------------------------------------------------

// jr:choice-name(value, select): the label of `value` among the choices of a select. As in ODK
// the second argument is normally a string holding the select's path, evaluated from the
// context node; a node-set argument names the node directly.
Value fn_choice_name(std::vector<Value>& args, const Context& ctx) {
  const std::string value = args[0].to_string();
  Node* select = nullptr;
  if (args[1].is_nodeset()) {
    if (!args[1].node_set().empty()) select = args[1].node_set().front();
  } else {
    const std::string path = args[1].to_string();
    auto parsed = parse(path);
    if (!parsed) throw EvalError("jr:choice-name(): " + parsed.error().message);
    const Value nodes = evaluate(*parsed, ctx);
    if (nodes.is_nodeset() && !nodes.node_set().empty()) select = nodes.node_set().front();
    if (select == nullptr) throw EvalError("jr:choice-name(): no element found by evaluating '" + path + "'");
  }
  if (select == nullptr) throw EvalError("jr:choice-name(): the select argument is an empty node-set");
  return Value::string(ctx.env->choice_name(value, select));
}

Value fn_itext(std::vector<Value>& args, const Context& ctx) {
  return Value::string(ctx.env->itext(args[0].to_string()));
}

// [SECTION] Counting -------------------------------------------------------------------------

Value fn_count_non_empty(std::vector<Value>& args, const Context&) {
  double count = 0;
  for (const Node* n : arg_nodes(args, 0, "count-non-empty")) {
    if (!string_value(n).empty()) ++count;
  }
  return Value::number(count);
}

// position([node]): without an argument the context position (XPath 1.0); with one, the
// 1-based position of the node among the run of same-named element siblings that ends at it
// (ODK counts back only while the name repeats). NaN for an empty node-set.
Value fn_position(std::vector<Value>& args, const Context& ctx) {
  if (args.empty()) return Value::number(static_cast<double>(ctx.position));
  const NodeSet& nodes = arg_nodes(args, 0, "position");
  if (nodes.empty()) return Value::number(std::nan(""));
  if (nodes.size() > 1) throw EvalError("position() expects a single node, not " + std::to_string(nodes.size()));
  const Node* node = nodes.front();
  if (node->kind == NodeKind::Attribute) return Value::number(1);
  if (node->kind != NodeKind::Element) throw EvalError("position() needs an element or attribute node");
  // Counts the contiguous same-named siblings up to the node, as ODK does (cached by the tree).
  return Value::number(static_cast<double>(node->same_name_position()));
}

// The truth of each item an argument contributes: every node of a node-set (a node is true
// unless its text is blank), else the value itself.
std::vector<bool> item_truths(const Value& v) {
  std::vector<bool> out;
  if (!v.is_nodeset()) {
    out.push_back(v.to_boolean());
    return out;
  }
  for (const Node* n : v.node_set()) out.push_back(!trim_xml_space(string_value(n)).empty());
  return out;
}

// ODK's bounds: max = -1 means "no maximum", and then min < 1 is always satisfied.
bool checklist_bounds(const std::vector<Value>& args, const Context& ctx, double& min, double& max) {
  min = date_aware_number(args[0], *ctx.env);
  max = date_aware_number(args[1], *ctx.env);
  if (max == -1) {
    if (min < 1) return true;
    max = std::numeric_limits<double>::infinity();
  }
  return false;
}

// checklist(min, max, values...): whether the number of true items is within [min, max].
Value fn_checklist(std::vector<Value>& args, const Context& ctx) {
  double min = 0, max = 0;
  if (checklist_bounds(args, ctx, min, max)) return Value::boolean(true);
  double satisfied = 0;
  for (std::size_t i = 2; i < args.size(); ++i) {
    for (const bool truth : item_truths(args[i])) {
      if (truth && ++satisfied > max) return Value::boolean(false);
    }
  }
  return Value::boolean(satisfied >= min);
}

// weighted-checklist(min, max, value1, weight1, ...): the sum of the weights of true items must
// be within [min, max]. Items pair up position by position within each argument pair.
Value fn_weighted_checklist(std::vector<Value>& args, const Context& ctx) {
  if (args.size() % 2 != 0) {
    throw EvalError("weighted-checklist() must be given an even number of arguments");
  }
  double min = 0, max = 0;
  if (checklist_bounds(args, ctx, min, max)) return Value::boolean(true);
  double satisfied = 0;
  for (std::size_t i = 2; i + 1 < args.size(); i += 2) {
    const std::vector<bool> truths = item_truths(args[i]);
    std::vector<double> weights;
    if (args[i + 1].is_nodeset()) {
      for (const Node* n : args[i + 1].node_set()) weights.push_back(node_number(n, *ctx.env));
    } else {
      weights.push_back(date_aware_number(args[i + 1], *ctx.env));
    }
    for (std::size_t j = 0; j < weights.size(); ++j) {
      if (j >= truths.size()) return Value::boolean(false);
      if (truths[j]) {
        satisfied += weights[j];
        if (satisfied > max) return Value::boolean(false);
      }
    }
  }
  return Value::boolean(satisfied >= min);
}

// [SECTION] randomize ------------------------------------------------------------------------

constexpr std::int64_t kModulus = 2147483647;  // 2^31 - 1
constexpr std::int64_t kMultiplier = 16807;

// Park–Miller "minimal standard" generator, seeded as JavaRosa / ODK seed it.
class ParkMiller {
 public:
  explicit ParkMiller(std::int64_t reduced_seed)
      : state_(reduced_seed <= 0 ? reduced_seed + kModulus - 1 : reduced_seed) {}
  double next() {
    state_ = state_ * kMultiplier % kModulus;
    return static_cast<double>(state_ - 1) / static_cast<double>(kModulus - 1);
  }

 private:
  std::int64_t state_;
};

// A numeric seed as JavaRosa reads it (Java's double -> long: NaN is 0, infinities saturate,
// fractions truncate), reduced modulo 2^31 - 1 with the dividend's sign.
std::int64_t reduce_numeric_seed(double seed) {
  if (std::isnan(seed)) return 0;
  if (std::isinf(seed)) {
    // (2^63 - 1) % M and -(2^63) % M, computed exactly.
    constexpr std::int64_t kLongMax = std::numeric_limits<std::int64_t>::max();
    constexpr auto kLongMinMagnitude = static_cast<std::uint64_t>(kLongMax) + 1;
    return seed > 0 ? kLongMax % kModulus : -static_cast<std::int64_t>(kLongMinMagnitude % kModulus);
  }
  return static_cast<std::int64_t>(std::fmod(std::trunc(seed), static_cast<double>(kModulus)));
}

// A non-numeric seed: the first 8 bytes of the text's SHA-256 as a signed 64-bit integer.
std::int64_t reduce_text_seed(const std::string& text) {
  const std::string hash = hash_bytes(HashAlgorithm::Sha256, text);
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<unsigned char>(hash[i]);
  return static_cast<std::int64_t>(bits) % kModulus;
}

// randomize(nodes, [seed]): the nodes in a shuffled order (not document order). With a seed the
// order is the one ODK and JavaRosa produce for that seed.
Value fn_randomize(std::vector<Value>& args, const Context& ctx) {
  NodeSet nodes = arg_nodes(args, 0, "randomize");
  std::optional<ParkMiller> generator;
  if (args.size() > 1) {
    const double number = date_aware_number(args[1], *ctx.env);
    if (!std::isnan(number)) {
      generator.emplace(reduce_numeric_seed(number));
    } else {
      const std::string text = args[1].to_string();
      generator.emplace(text.empty() ? 0 : reduce_text_seed(text));
    }
  }
  NodeSet shuffled(nodes.size(), nullptr);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const double r = generator ? generator->next() : ctx.env->random();
    const auto j = std::min(i, static_cast<std::size_t>(std::floor(r * static_cast<double>(i + 1))));
    if (j != i) shuffled[i] = shuffled[j];
    shuffled[j] = nodes[i];
  }
  return Value::nodes(std::move(shuffled));
}

// [SECTION] Table ----------------------------------------------------------------------------

const FunctionSpec kSelectFunctions[] = {
    {"selected", 2, 2, fn_selected},
    {"selected-at", 2, 2, fn_selected_at},
    {"count-selected", 1, 1, fn_count_selected},
    {"jr:choice-name", 2, 2, fn_choice_name, false, nullptr, true},
    {"jr:itext", 1, 1, fn_itext, false, nullptr, true},
    {"count-non-empty", 1, 1, fn_count_non_empty},
    {"position", 0, 1, fn_position},
    {"checklist", 2, -1, fn_checklist},
    {"weighted-checklist", 2, -1, fn_weighted_checklist},
    {"randomize", 1, 2, fn_randomize},
};

}  // namespace

std::span<const FunctionSpec> select_functions() { return kSelectFunctions; }

}  // namespace khaosat::core::xpath::detail::odk
