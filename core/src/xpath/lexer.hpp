// Private to the XPath engine: the tokenizer. Applies the disambiguation rules of XPath 1.0
// section 3.7 ('*' and operator names after an operand; NCName followed by '(' or '::').
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace khaosat::core::xpath::detail {

enum class Tok : std::uint8_t {
  End,
  Slash, DoubleSlash, LParen, RParen, LBracket, RBracket, Dot, DotDot, At, Comma, ColonColon,
  Pipe, Plus, Minus, Eq, Ne, Lt, Le, Gt, Ge,
  Multiply, And, Or, Mod, Div,  // operators
  NameTest,      // name, prefix:name, prefix:* or *  (text holds it as written)
  NodeType,      // comment, text, processing-instruction, node (followed by '(')
  FunctionName,  // QName followed by '('
  AxisName,      // NCName followed by '::'
  Literal,       // text holds the unquoted value
  Number,        // number holds the value
  Variable,      // text holds the QName after '$'
};

struct Token {
  Tok kind = Tok::End;
  std::uint32_t pos = 0;  // byte offset in the source
  std::uint32_t end = 0;
  std::string text;
  double number = 0;
};

struct LexResult {
  std::vector<Token> tokens;  // ends with Tok::End
  std::string error;          // non-empty on failure (message without the expression suffix)
  std::uint32_t error_pos = 0;
};

LexResult tokenize(std::string_view src);

const char* token_name(Tok t);

}  // namespace khaosat::core::xpath::detail
