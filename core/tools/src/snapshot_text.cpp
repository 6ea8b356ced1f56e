// append_snapshot(): a snapshot of the oracle format printed straight to text, in exactly the
// bytes snapshot_to_json(...).dump(indent, ' ', false, error_handler_t::replace) would give
// nested `depth` levels deep, without building the tree (a million `set` steps spent 44 % of
// `form fill` building and printing one JSON tree per step; docs/limits.md).
//
// The bytes follow nlohmann::json's serializer (the one snapshot_to_json's tree is printed
// with): object keys in sorted order (std::map), pretty printing as "key": value one per line,
// `indent` spaces a level, an empty container as {} or [], and compact printing without any
// space; strings escaped as it escapes them (\" \\ \b \f \n \r \t, other control characters as
// \u00xx in lower case, everything else as it is); invalid UTF-8 handed to nlohmann itself, so
// its replacement of bad bytes stays the one rule. Numbers that are not integers (the timings)
// are printed with nlohmann's own conversion. tests/core/session_fill_script_test.cpp compares both writers.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "khaosat/tools/fill_script.hpp"

namespace khaosat::tools {

using core::Choice;
using nlohmann::json;

namespace {

// Valid UTF-8 as nlohmann's decoder accepts it (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF).
bool valid_utf8(std::string_view s, std::size_t from) {
  auto byte = [&s](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  auto in = [](unsigned char c, unsigned char lo, unsigned char hi) { return c >= lo && c <= hi; };
  for (std::size_t i = from; i < s.size();) {
    const unsigned char c = byte(i);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
    if (in(c, 0xC2, 0xDF)) n = 2;
    else if (c == 0xE0) n = 3, lo = 0xA0;
    else if (c == 0xED) n = 3, hi = 0x9F;
    else if (in(c, 0xE1, 0xEF)) n = 3;
    else if (c == 0xF0) n = 4, lo = 0x90;
    else if (c == 0xF4) n = 4, hi = 0x8F;
    else if (in(c, 0xF1, 0xF3)) n = 4;
    else return false;
    if (i + n > s.size() || !in(byte(i + 1), lo, hi)) return false;
    for (std::size_t k = 2; k < n; ++k)
      if (!in(byte(i + k), 0x80, 0xBF)) return false;
    i += n;
  }
  return true;
}

// Writes JSON text as nlohmann's dump() does (see the opening comment). Containers are opened
// and closed by the caller, which names each member (key()) or array element (item()).
class JsonText {
 public:
  JsonText(std::string& out, int indent, int depth) : out_(out), indent_(indent), base_(depth) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  // `k` is one of this file's own keys: nothing in it to escape.
  void key(std::string_view k) {
    item();
    out_ += '"';
    out_ += k;
    out_ += indent_ >= 0 ? "\": " : "\":";
  }
  // Before each element of an array.
  void item() {
    if (filled_.back()) out_ += ',';
    filled_.back() = true;
    if (indent_ >= 0) {
      out_ += '\n';
      out_.append(static_cast<std::size_t>(indent_) * (base_ + filled_.size()), ' ');
    }
  }

  void boolean(bool b) { out_ += b ? "true" : "false"; }
  void null() { out_ += "null"; }
  void integer(long long v) {
    char buf[24];
    out_.append(buf, static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf));
  }
  // A number that is not an integer (a timing), with the serializer's own shortest-digits
  // conversion (nlohmann's dump_float: grisu2, "0.0" for zero, null for NaN and infinity).
  void number(double v) {
    if (!std::isfinite(v)) return null();
    char buf[64];
    out_.append(buf, static_cast<std::size_t>(nlohmann::detail::to_chars(buf, buf + sizeof buf, v) - buf));
  }
  // Any other value (the step as given): nlohmann prints it, each line after the first
  // indented to where it stands.
  void value(const json& v) {
    const std::string text = v.dump(indent_, ' ', false, json::error_handler_t::replace);
    if (indent_ < 0 || text.find('\n') == std::string::npos) {
      out_ += text;
      return;
    }
    const std::string pad(static_cast<std::size_t>(indent_) * (base_ + filled_.size()), ' ');
    for (char c : text) {
      out_ += c;
      if (c == '\n') out_ += pad;
    }
  }
  void string(std::string_view s) {
    std::size_t plain = 0;  // the longest start that needs no escape and is ASCII
    while (plain < s.size()) {
      const auto c = static_cast<unsigned char>(s[plain]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++plain;
    }
    if (plain < s.size() && !valid_utf8(s, plain)) {
      value(json(std::string(s)));  // nlohmann's own replacement of the bad bytes
      return;
    }
    out_ += '"';
    out_.append(s.data(), plain);
    for (std::size_t i = plain; i < s.size(); ++i) {
      const char c = s[i];
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\b': out_ += "\\b"; break;
        case '\f': out_ += "\\f"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            out_ += buf;
          } else {
            out_ += c;
          }
      }
    }
    out_ += '"';
  }
  // An optional message: the text, or null when empty.
  void string_or_null(const std::string& s) {
    if (s.empty()) null();
    else string(s);
  }

 private:
  void open(char c) {
    out_ += c;
    filled_.push_back(false);
  }
  void close(char c) {
    const bool filled = filled_.back();
    filled_.pop_back();
    if (filled && indent_ >= 0) {
      out_ += '\n';
      out_.append(static_cast<std::size_t>(indent_) * (base_ + filled_.size()), ' ');
    }
    out_ += c;
  }

  std::string& out_;
  int indent_;
  std::size_t base_;
  std::vector<bool> filled_;  // per open container: has it an element yet
};

// A violation: {"condition", "message"}, and its "ref" in the snapshot's list.
void write_violation(JsonText& w, const core::Violation& v, const std::string* ref) {
  w.begin_object();
  w.key("condition");
  w.string(to_string(v.condition));
  w.key("message");
  w.string_or_null(v.message);
  if (ref) {
    w.key("ref");
    w.string(*ref);
  }
  w.end_object();
}

// node_to_json()'s object, its keys in sorted order.
void write_node(JsonText& w, const NodeSnapshot& n, bool labels) {
  const bool choices = n.leaf && n.has_choices;
  w.begin_object();
  if (choices && labels) {
    w.key("choiceLabels");
    w.begin_array();
    for (const Choice& c : n.choices) {
      w.item();
      w.string(c.label);
    }
    w.end_array();
  }
  if (choices) {
    w.key("choices");
    w.begin_array();
    for (const Choice& c : n.choices) {
      w.item();
      w.string(c.value);
    }
    w.end_array();
  }
  const bool repeat = n.type == core::NodeType::Repeat;
  if (repeat && n.controlled) {
    w.key("controlled");
    w.boolean(true);
  }
  if (repeat) {
    w.key("count");
    w.integer(n.count);
  }
  if (n.leaf) {
    w.key("dataType");
    w.string(to_string(n.data_type));
  }
  if (labels && !n.hint.empty()) {
    w.key("hint");
    w.string(n.hint);
  }
  if (labels && !n.label.empty()) {
    w.key("label");
    w.string(n.label);
  }
  w.key("readonly");
  w.boolean(n.readonly);
  w.key("ref");
  w.string(n.ref);
  w.key("relevant");
  w.boolean(n.relevant);
  w.key("required");
  w.boolean(n.required);
  w.key("type");
  w.string(to_string(n.type));
  if (n.leaf) {
    w.key("valid");
    w.boolean(n.valid);
    w.key("value");
    w.string(n.value);
    w.key("violation");
    if (n.violation) write_violation(w, *n.violation, nullptr);
    else w.null();
  }
  w.end_object();
}

}  // namespace

void append_snapshot(std::string& out, const Snapshot& s, bool labels, int indent, int depth) {
  JsonText w(out, indent, depth);
  w.begin_object();
  w.key("action");
  w.value(*s.action);
  if (s.step != 0) {
    w.key("error");
    w.string_or_null(s.error);
  }
  if (s.instance_xml) {
    w.key("instanceXML");
    w.string(*s.instance_xml);
  }
  if (labels) {
    w.key("language");
    w.string(s.language);
  }
  w.key("ms");
  w.number(s.ms);
  w.key("nodes");
  w.begin_array();
  for (const NodeSnapshot& n : s.nodes) {
    w.item();
    write_node(w, n, labels);
  }
  w.end_array();
  w.key("ok");
  w.boolean(s.ok);
  w.key("snapshotMs");
  w.number(s.snapshot_ms);
  w.key("step");
  w.integer(s.step);
  w.key("violations");
  w.begin_array();
  for (const auto& [ref, v] : s.violations) {
    w.item();
    write_violation(w, v, &ref);
  }
  w.end_array();
  w.end_object();
}

}  // namespace khaosat::tools
