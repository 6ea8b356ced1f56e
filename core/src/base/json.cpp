// Depth-limited JSON reading (see json.hpp).
#include "khaosat/core/json.hpp"

#include <algorithm>
#include <string>

namespace khaosat::core {

namespace {

// "line 3, column 7 (byte offset 45)" for a byte offset into `text`; columns count bytes.
std::string where(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::string_view before = text.substr(0, offset);
  std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  std::size_t line_start = before.rfind('\n');
  std::size_t column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  return "line " + std::to_string(line) + ", column " + std::to_string(column) +
         " (byte offset " + std::to_string(offset) + ")";
}

// The offset of the bracket that opens level `depth` + 1, scanning outside string literals.
std::size_t offset_of_level(std::string_view text, std::size_t depth) {
  std::size_t level = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++level > depth) return i;
    } else if (c == ']' || c == '}') {
      if (level > 0) --level;
    }
  }
  return text.size();
}

// nlohmann's explanation without its prefix ("[json.exception.parse_error.101] parse error at
// line 1, column 2: syntax error while parsing value - ") and without the "last read" token,
// which may hold the very bytes that are not UTF-8.
std::string reason(const nlohmann::detail::exception& ex) {
  std::string s = ex.what();
  if (auto close = s.find("] "); s.starts_with("[json.exception.") && close != std::string::npos)
    s.erase(0, close + 2);
  if (auto dash = s.find(" - "); dash != std::string::npos) s.erase(0, dash + 3);
  if (auto last = s.find("; last read: "); last != std::string::npos) s.resize(last);
  return s;
}

// json_sax_dom_parser builds the value; this adds the depth check and keeps the first error.
template <class BasicJson>
class DepthLimitedSax : public nlohmann::detail::json_sax_dom_parser<BasicJson> {
  using Base = nlohmann::detail::json_sax_dom_parser<BasicJson>;

 public:
  DepthLimitedSax(BasicJson& out, std::size_t max_depth)
      : Base(out, /*allow_exceptions=*/false), max_depth_(max_depth) {}

  bool start_object(std::size_t n) { return enter() && Base::start_object(n); }
  bool start_array(std::size_t n) { return enter() && Base::start_array(n); }
  bool end_object() {
    --depth_;
    return Base::end_object();
  }
  bool end_array() {
    --depth_;
    return Base::end_array();
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
    if (!failed_) {
      failed_ = true;
      error_offset_ = position > 0 ? position - 1 : 0;
      error_ = reason(ex);
    }
    return false;
  }

  bool too_deep() const { return too_deep_; }
  bool failed() const { return failed_; }
  std::size_t error_offset() const { return error_offset_; }
  const std::string& error() const { return error_; }

 private:
  bool enter() {
    if (++depth_ <= max_depth_) return true;
    too_deep_ = true;
    return false;
  }

  std::size_t max_depth_;
  std::size_t depth_ = 0;
  bool too_deep_ = false;
  bool failed_ = false;
  std::size_t error_offset_ = 0;
  std::string error_;
};

template <class BasicJson>
Result<BasicJson> parse_limited(std::string_view text, std::size_t max_depth) {
  BasicJson out;
  DepthLimitedSax<BasicJson> sax(out, max_depth);
  bool ok = BasicJson::sax_parse(text.begin(), text.end(), &sax);
  if (sax.too_deep()) {
    return Error::make(ErrorCode::json, "JSON nested more than " + std::to_string(max_depth) +
                                   " levels deep at " +
                                   where(text, offset_of_level(text, max_depth)));
  }
  if (!ok || sax.failed()) {
    std::string why = sax.failed() ? sax.error() : std::string("not a JSON document");
    return Error::make(ErrorCode::json, "not valid JSON at " + where(text, sax.error_offset()) + ": " + why);
  }
  return out;
}

}  // namespace

Result<nlohmann::json> parse_json(std::string_view text, std::size_t max_depth) {
  return parse_limited<nlohmann::json>(text, max_depth);
}

Result<nlohmann::ordered_json> parse_ordered_json(std::string_view text, std::size_t max_depth) {
  return parse_limited<nlohmann::ordered_json>(text, max_depth);
}

}  // namespace khaosat::core
