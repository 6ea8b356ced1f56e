// The XLSForm compiler, expression aspect (compiler_internal.hpp): ${name} references expanded
// into the paths pyxform writes, every expression cell parsed with its errors placed in the
// designer's own text, choice_filter columns checked against the choices sheet, the secondary
// instances pulldata() and instance() need, and pyxform's rule for dynamic defaults.
#include <algorithm>

#include "base/excerpt.hpp"
#include "xlsform/compiler_internal.hpp"
#include "xpath/lexer.hpp"
#include "xpath/xpath.hpp"

namespace khaosat::core::xlsform::detail {

namespace lex = khaosat::core::xpath::detail;

void Compiler::error(const Sheet& s, const Row& r, std::size_t col, const std::string& what) {
  errors_.push_back(s.where(r, col) + ": " + what);
}

void Compiler::field_error(const Field& f, std::string_view col_base, const std::string& what) {
  if (f.row) error(f.sheet ? *f.sheet : *survey_, *f.row, column_of(f, col_base), what);
}

// The column `base` in the sheet `f` comes from (the survey sheet unless f.sheet says).
std::size_t Compiler::column_of(const Field& f, std::string_view base) const {
  if (!f.sheet || f.sheet == survey_) return column_index(base);
  RowReader rr(*f.sheet);
  auto i = rr.index(base);
  return i;
}

std::size_t Compiler::column_index(std::string_view base) const {
  auto i = sr_->index(base);
  if (i != std::string::npos) return i;
  for (std::size_t j = 0; j < sr_->cols.size(); ++j)
    if (sr_->cols[j].base == base) return j;
  return std::string::npos;
}

namespace {

const Field* repeat_of(const Field* f) {
  for (const Field* p = f->parent; p; p = p->parent)
    if (p->kind == Kind::Repeat) return p;
  return nullptr;
}

bool is_ancestor(const Field* a, const Field* f) {
  for (const Field* p = f; p; p = p->parent)
    if (p == a) return true;
  return false;
}

// The path pyxform writes for ${target} used at `ctx`: absolute, or relative ("../x") when
// both are in the same repeat.
std::string ref_path(const Field& ctx, const Field& target) {
  const Field* rep = repeat_of(&target);
  if (!rep || !is_ancestor(rep, &ctx)) return target.path;
  std::vector<const Field*> a, b;
  for (const Field* p = &ctx; p; p = p->parent) a.insert(a.begin(), p);
  for (const Field* p = &target; p; p = p->parent) b.insert(b.begin(), p);
  std::size_t common = 0;
  while (common < a.size() && common < b.size() && a[common] == b[common]) ++common;
  std::string out;
  for (std::size_t i = common; i < a.size(); ++i) out += "../";
  for (std::size_t i = common; i < b.size(); ++i)
    out += b[i]->name + (i + 1 < b.size() ? "/" : "");
  return out;
}

// For each position of `text`, whether it lies inside an XPath predicate ("[...]", outside string
// literals). ${name} is not XPath, so this is a plain scan rather than the lexer.
std::vector<bool> predicate_mask(const std::string& text) {
  std::vector<bool> inside(text.size(), false);
  int depth = 0;
  char quote = 0;
  for (std::size_t k = 0; k < text.size(); ++k) {
    char c = text[k];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '[') {
      ++depth;
    } else if (c == ']' && depth > 0) {
      --depth;
    }
    inside[k] = depth > 0;
  }
  return inside;
}

}  // namespace

// pyxform's "The name 'x' occurs more than once": ${x} must name one element.
std::string Compiler::ambiguous_name(const std::string& name,
                                     const std::vector<const Field*>& fields) {
  std::string rows;
  for (std::size_t i = 0; i < fields.size(); ++i)
    rows += (i == 0 ? "" : i + 1 == fields.size() ? " and " : ", ") +
            std::to_string(fields[i]->row->number);
  return "${" + name + "} is ambiguous: '" + name + "' is the name of the survey rows " + rows +
         " (in different groups); rename one of them so that ${" + name + "} names one";
}

Expanded Compiler::expand(const Field& ctx, const std::string& text, std::size_t col,
                          std::string_view rel_prefix, bool expression) {
  Expanded out;
  if (text.find("${") == std::string::npos) {  // most cells: the text as it is
    out.text = text;  // origin stays empty: every character comes from where it is
    return out;
  }
  // Inside a predicate the context node is the predicate's node, not the question: a relative
  // ${} path must start at current() there (pyxform does this when the expression calls
  // instance(); we do it in every predicate, docs/xlsform.md).
  const std::vector<bool> in_predicate =
      expression ? predicate_mask(text) : std::vector<bool>(text.size(), false);
  auto plain = [&](std::size_t from, std::size_t to) {
    out.text.append(text, from, to - from);
    for (std::size_t k = from; k < to; ++k) out.origin.push_back(k);
  };
  std::size_t i = 0;
  while (i < text.size()) {
    auto at = text.find("${", i);
    auto close = at == std::string::npos ? at : text.find('}', at);
    if (close == std::string::npos) {
      plain(i, text.size());
      break;
    }
    plain(i, at);
    std::string name = text.substr(at + 2, close - at - 2);
    std::string path;
    auto it = by_name_.find(name);
    if (it == by_name_.end()) {
      if (ctx.row)
        error(ctx.sheet ? *ctx.sheet : *survey_, *ctx.row, col,
              "${" + name + "} refers to nothing: no question is named '" + name + "'");
      path = root_.path + "/" + name;
    } else {
      if (auto same = same_name_.find(name); same != same_name_.end() && ctx.row)
        error(ctx.sheet ? *ctx.sheet : *survey_, *ctx.row, col, ambiguous_name(name, same->second));
      path = ref_path(ctx, *it->second);
      if (!path.starts_with('/'))
        path = (rel_prefix.empty() && in_predicate[at] ? std::string("current()/")
                                                        : std::string(rel_prefix)) + path;
    }
    path = " " + path + " ";
    out.refs.emplace_back(out.text.size(), out.text.size() + path.size());
    out.text += path;
    out.origin.insert(out.origin.end(), path.size(), at);
    i = close + 1;
  }
  return out;
}

void Compiler::note_instance_need(const Field& f, std::string_view col_base,
                                  const std::string& kind, const std::string& name) {
  if (kind == "pulldata") {
    for (const auto& [id, src] : external_instances_)
      if (id == name) return;
    external_instances_.emplace_back(name, "jr://file-csv/" + name + ".csv");
    note_file(f, col_base, external_instances_.back().second, name);
    return;
  }
  if (!lists_.count(name)) {
    instance_refs_.push_back({&f, std::string(col_base), name});
    return;
  }
  if (std::find(list_instances_.begin(), list_instances_.end(), name) == list_instances_.end())
    list_instances_.push_back(name);
}

void Compiler::check_instance_refs() {
  for (const InstanceRef& ref : instance_refs_) {
    bool external = std::any_of(external_instances_.begin(), external_instances_.end(),
                                [&](const auto& e) { return e.first == ref.name; });
    if (!external)
      field_error(*ref.field, ref.col_base,
                  "instance('" + ref.name + "') names nothing: no choice list, csv-external, "
                  "xml-external, pulldata() or *_from_file file is called '" + ref.name + "'");
  }
}

std::string Compiler::expr(const Field& f, const std::string& text, std::string_view col_base,
                           std::string_view rel_prefix) {
  const std::size_t col = column_of(f, col_base);
  Expanded e = expand(f, text, col, rel_prefix, true);
  // Each distinct text is parsed once; the trees go to the loader with the XML (parsed()).
  auto known = parsed_.find(e.text);
  xpath::SyntaxError syntax;
  auto parsed = known != parsed_.end() ? Result<xpath::ExprPtr>(known->second)
                                       : xpath::parse(e.text, &syntax);
  if (parsed.ok() && known == parsed_.end()) parsed_.emplace(e.text, parsed.value());
  if (!parsed.ok()) {
    const std::size_t pos = syntax.pos;
    std::string where;
    std::size_t at = 0;  // where the designer's text is quoted from
    if (pos < e.text.size()) {
      at = e.origin_at(pos);
      where = " at character " + std::to_string(at + 1);
    } else if (pos != std::string::npos) {
      at = text.size();
      where = " at the end";
    }
    if (f.row) error(f.sheet ? *f.sheet : *survey_, *f.row, col, "expression error" + where + ": " +
                                                 syntax.what + " (in '" + excerpt(text, at) + "')");
    return std::move(e.text);
  }
  // pulldata('name', ...) and instance('name') need a secondary instance of that name (only
  // an expression naming one is lexed again).
  if (e.text.find("pulldata") == std::string::npos && e.text.find("instance") == std::string::npos)
    return std::move(e.text);
  auto toks = lex::tokenize(e.text);
  for (std::size_t k = 0; k + 2 < toks.tokens.size(); ++k) {
    const auto& t = toks.tokens[k];
    if (t.kind != lex::Tok::FunctionName || (t.text != "pulldata" && t.text != "instance"))
      continue;
    if (toks.tokens[k + 1].kind == lex::Tok::LParen && toks.tokens[k + 2].kind == lex::Tok::Literal)
      note_instance_need(f, col_base, t.text, toks.tokens[k + 2].text);
  }
  return std::move(e.text);
}

// A choice_filter: relative ${} paths start at current(), and every bare name (the first step
// of a relative path) should be a column of the choices sheet, since it is read from the item
// (a warning when it is not).
std::string Compiler::choice_filter(const Field& f) {
  std::string out = expr(f, f.choice_filter, "choice_filter", "current()/");
  if (f.type.ends_with("_external")) return out;  // columns of itemsets.csv, not of choices
  auto it = lists_.find(f.list);
  if (it == lists_.end()) return out;
  Expanded e = expand(f, f.choice_filter, std::string::npos, "current()/", true);
  auto toks = lex::tokenize(e.text);
  if (!toks.error.empty()) return out;
  const auto& cols = it->second.columns;
  for (std::size_t k = 0; k < toks.tokens.size(); ++k) {
    const auto& t = toks.tokens[k];
    if (t.kind != lex::Tok::NameTest || t.text == "*") continue;
    if (k > 0) {
      auto prev = toks.tokens[k - 1].kind;
      if (prev == lex::Tok::Slash || prev == lex::Tok::DoubleSlash || prev == lex::Tok::At ||
          prev == lex::Tok::ColonColon)
        continue;
    }
    if (std::find(cols.begin(), cols.end(), lower(t.text)) != cols.end() || t.text == "itextId")
      continue;
    std::string known;
    for (const auto& c : cols) known += (known.empty() ? "" : ", ") + c;
    // pyxform accepts it (the name is a child no choice has, so the filter matches nothing):
    // an office's existing workbook must still convert, so this is a warning.
    if (f.row)
      warning(f.sheet ? *f.sheet : *survey_, *f.row, column_of(f, "choice_filter"),
              "at character " + std::to_string(e.origin_at(t.pos) + 1) + ": '" + t.text +
                  "' is not a column of the choices sheet (its columns: " + known +
                  "), so the filter matches no choice and the list is always empty");
  }
  return out;
}

// pyxform's rule: a default is dynamic (set when the form is first loaded, by a setvalue) when
// it refers to a question or calls a function or computes; a plain value ("18.31",
// "2010-06-15", "a c", "not-func$") stays in the instance.
bool Compiler::is_dynamic_default(const std::string& text) {
  if (text.empty()) return false;
  if (text.find("${") != std::string::npos) return true;
  auto toks = lex::tokenize(text);
  if (!toks.error.empty()) return false;
  for (const auto& t : toks.tokens) {
    switch (t.kind) {
      case lex::Tok::FunctionName:
      case lex::Tok::Plus:
      case lex::Tok::Multiply:
      case lex::Tok::Div:
      case lex::Tok::Mod:
        return true;
      default: break;
    }
  }
  return false;
}

}  // namespace khaosat::core::xlsform::detail
