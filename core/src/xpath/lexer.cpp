// XPath tokenizer (XPath 1.0 section 3.7).
#include "xpath/lexer.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace khaosat::core::xpath::detail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
// Non-ASCII bytes are accepted as name characters: the XML name classes beyond ASCII are wide
// and forms use them (accented element names); a stricter check buys nothing here.
bool is_name_start(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}
bool is_name_char(char c) { return is_name_start(c) || is_digit(c) || c == '-' || c == '.'; }

// Whether the previous token lets '*' be a name test and an NCName be a name (3.7): true at the
// start and after @ :: ( [ , or an operator.
bool operand_expected(const std::vector<Token>& toks) {
  if (toks.empty()) return true;
  switch (toks.back().kind) {
    case Tok::At: case Tok::ColonColon: case Tok::LParen: case Tok::LBracket: case Tok::Comma:
    case Tok::Slash: case Tok::DoubleSlash: case Tok::Pipe: case Tok::Plus: case Tok::Minus:
    case Tok::Eq: case Tok::Ne: case Tok::Lt: case Tok::Le: case Tok::Gt: case Tok::Ge:
    case Tok::Multiply: case Tok::And: case Tok::Or: case Tok::Mod: case Tok::Div:
      return true;
    default:
      return false;
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  LexResult run() {
    LexResult r;
    r.tokens.reserve(std::min<std::size_t>(s_.size() / 2 + 2, 64));  // no regrowth for most
    while (true) {
      skip_space();
      if (i_ >= s_.size()) break;
      std::size_t start = i_;
      Token t;
      if (!next(t, r.tokens)) {
        r.error = error_;
        r.error_pos = static_cast<std::uint32_t>(error_pos_);
        return r;
      }
      t.pos = static_cast<std::uint32_t>(start);
      t.end = static_cast<std::uint32_t>(i_);
      r.tokens.push_back(std::move(t));
    }
    Token end;
    end.kind = Tok::End;
    end.pos = end.end = static_cast<std::uint32_t>(s_.size());
    r.tokens.push_back(end);
    return r;
  }

 private:
  void skip_space() {
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
  }
  char peek(std::size_t k = 0) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  bool fail(std::string msg, std::size_t pos) {
    error_ = std::move(msg);
    error_pos_ = pos;
    return false;
  }

  std::string_view ncname() {
    std::size_t b = i_;
    while (i_ < s_.size() && is_name_char(s_[i_])) ++i_;
    return s_.substr(b, i_ - b);
  }

  // The next non-space character after position `from`.
  char next_nonspace(std::size_t from) const {
    while (from < s_.size() && is_space(s_[from])) ++from;
    return from < s_.size() ? s_[from] : '\0';
  }
  bool followed_by_double_colon(std::size_t from) const {
    while (from < s_.size() && is_space(s_[from])) ++from;
    return from + 1 < s_.size() && s_[from] == ':' && s_[from + 1] == ':';
  }

  bool number(Token& t) {
    std::size_t b = i_;
    while (is_digit(peek())) ++i_;
    if (peek() == '.') {
      ++i_;
      while (is_digit(peek())) ++i_;
    }
    t.kind = Tok::Number;
    const char* first = s_.data() + b;
    auto res = std::from_chars(first, s_.data() + i_, t.number);
    if (res.ec == std::errc::result_out_of_range) {
      t.number = std::numeric_limits<double>::infinity();
    } else if (res.ec != std::errc{}) {
      return fail("malformed number", b);
    }
    return true;
  }

  bool name_like(Token& t, const std::vector<Token>& toks) {
    std::size_t b = i_;
    std::string_view first = ncname();
    if (!operand_expected(toks)) {
      // After an operand an NCName must be an operator name (3.7).
      if (first == "and") { t.kind = Tok::And; return true; }
      if (first == "or") { t.kind = Tok::Or; return true; }
      if (first == "mod") { t.kind = Tok::Mod; return true; }
      if (first == "div") { t.kind = Tok::Div; return true; }
      return fail("unexpected name '" + std::string(first) + "'", b);
    }
    if (followed_by_double_colon(i_)) {
      t.kind = Tok::AxisName;
      t.text = first;
      return true;
    }
    // QName or prefix:*  (no spaces allowed around the ':').
    if (peek() == ':' && peek(1) != ':') {
      if (peek(1) == '*') {
        i_ += 2;
        t.kind = Tok::NameTest;
        t.text = std::string(first) + ":*";
        return true;
      }
      if (is_name_start(peek(1))) {
        ++i_;
        ncname();
      } else {
        return fail("malformed name", b);
      }
    }
    std::string_view qname = s_.substr(b, i_ - b);
    if (next_nonspace(i_) == '(') {
      if (qname == "comment" || qname == "text" || qname == "processing-instruction" ||
          qname == "node") {
        t.kind = Tok::NodeType;
      } else {
        t.kind = Tok::FunctionName;
      }
    } else {
      t.kind = Tok::NameTest;
    }
    t.text = qname;
    return true;
  }

  bool literal(Token& t) {
    char q = s_[i_];
    std::size_t b = i_++;
    std::size_t close = s_.find(q, i_);
    if (close == std::string_view::npos) return fail("unterminated string literal", b);
    t.kind = Tok::Literal;
    t.text = s_.substr(i_, close - i_);
    i_ = close + 1;
    return true;
  }

  bool next(Token& t, const std::vector<Token>& toks) {
    char c = s_[i_];
    auto one = [&](Tok k) { ++i_; t.kind = k; return true; };
    auto two = [&](Tok k) { i_ += 2; t.kind = k; return true; };
    switch (c) {
      case '(': return one(Tok::LParen);
      case ')': return one(Tok::RParen);
      case '[': return one(Tok::LBracket);
      case ']': return one(Tok::RBracket);
      case '@': return one(Tok::At);
      case ',': return one(Tok::Comma);
      case '|': return one(Tok::Pipe);
      case '+': return one(Tok::Plus);
      case '-': return one(Tok::Minus);
      case '=': return one(Tok::Eq);
      case '/': return peek(1) == '/' ? two(Tok::DoubleSlash) : one(Tok::Slash);
      case '<': return peek(1) == '=' ? two(Tok::Le) : one(Tok::Lt);
      case '>': return peek(1) == '=' ? two(Tok::Ge) : one(Tok::Gt);
      case '!':
        if (peek(1) == '=') return two(Tok::Ne);
        return fail("unexpected '!'", i_);
      case ':':
        if (peek(1) == ':') return two(Tok::ColonColon);
        return fail("unexpected ':'", i_);
      case '.':
        if (peek(1) == '.') return two(Tok::DotDot);
        if (is_digit(peek(1))) return number(t);
        return one(Tok::Dot);
      case '*':
        if (operand_expected(toks)) {
          t.text = "*";
          return one(Tok::NameTest);
        }
        return one(Tok::Multiply);
      case '"':
      case '\'':
        return literal(t);
      case '$': {
        std::size_t b = i_++;
        if (!is_name_start(peek())) return fail("expected a variable name after '$'", b);
        std::size_t nb = i_;
        ncname();
        if (peek() == ':' && is_name_start(peek(1))) {
          ++i_;
          ncname();
        }
        t.kind = Tok::Variable;
        t.text = s_.substr(nb, i_ - nb);
        return true;
      }
      default:
        break;
    }
    if (is_digit(c)) return number(t);
    if (is_name_start(c)) return name_like(t, toks);
    return fail(std::string("unexpected character '") + c + "'", i_);
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::string error_;
  std::size_t error_pos_ = 0;
};

}  // namespace

LexResult tokenize(std::string_view src) { return Lexer(src).run(); }

const char* token_name(Tok t) {
  switch (t) {
    case Tok::End: return "end of expression";
    case Tok::Slash: return "'/'";
    case Tok::DoubleSlash: return "'//'";
    case Tok::LParen: return "'('";
    case Tok::RParen: return "')'";
    case Tok::LBracket: return "'['";
    case Tok::RBracket: return "']'";
    case Tok::Dot: return "'.'";
    case Tok::DotDot: return "'..'";
    case Tok::At: return "'@'";
    case Tok::Comma: return "','";
    case Tok::ColonColon: return "'::'";
    case Tok::Pipe: return "'|'";
    case Tok::Plus: return "'+'";
    case Tok::Minus: return "'-'";
    case Tok::Eq: return "'='";
    case Tok::Ne: return "'!='";
    case Tok::Lt: return "'<'";
    case Tok::Le: return "'<='";
    case Tok::Gt: return "'>'";
    case Tok::Ge: return "'>='";
    case Tok::Multiply: return "'*'";
    case Tok::And: return "'and'";
    case Tok::Or: return "'or'";
    case Tok::Mod: return "'mod'";
    case Tok::Div: return "'div'";
    case Tok::NameTest: return "a name";
    case Tok::NodeType: return "a node type";
    case Tok::FunctionName: return "a function name";
    case Tok::AxisName: return "an axis name";
    case Tok::Literal: return "a string";
    case Tok::Number: return "a number";
    case Tok::Variable: return "a variable";
  }
  return "a token";
}

}  // namespace khaosat::core::xpath::detail
