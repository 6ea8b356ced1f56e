// The XLSForm compiler, warnings aspect (compiler_internal.hpp): what pyxform warns about without
// refusing the form, each naming sheet, row and column. They reach FormDef::warnings, so
// `khaosat form check` prints them.
//   - a translation missing: a language has a label (hint, ...) column but a row leaves it empty
//     while another language has text, or a language lacks a column the others have (pyxform's
//     "Language 'X' is missing the survey hint column");
//   - a group or repeat without a label (pyxform's "Repeat has no label"), field-lists excepted;
//   - a choice without a label (pyxform's "Choices should have a label");
//   - a choice list that no question and no instance('list') uses.
#include <algorithm>

#include "xlsform/compiler_internal.hpp"

namespace khaosat::core::xlsform::detail {

void Compiler::warning(const Sheet& s, const Row& r, std::size_t col, const std::string& what) {
  std::string w = s.where(r, col) + ": " + what;
  if (warning_seen_.insert(w).second) warnings_.push_back(std::move(w));
}

namespace {

bool is_text_column(const std::string& base) {
  return base == "label" || base == "hint" || base == "guidance_hint" ||
         base == "constraint_message" || base == "required_message";
}

// `fallback` names the language unqualified columns belong to (pyxform's 'default', or the
// default_language setting).
std::string language_name(const std::string& lang, const std::string& fallback) {
  return lang.empty() ? "'" + fallback + "' (the columns without '::language')" : "'" + lang + "'";
}

}  // namespace

void Compiler::check_translations(const Sheet* s) {
  if (!s) return;
  RowReader rr(*s);
  // base -> language -> column
  std::map<std::string, std::map<std::string, std::size_t>> cols;
  std::vector<std::string> langs;
  for (std::size_t i = 0; i < rr.cols.size(); ++i) {
    const Column& c = rr.cols[i];
    if (!is_text_column(c.base) || !c.attr.empty()) continue;
    if (!cols[c.base].count(c.lang)) cols[c.base][c.lang] = i;
    if (std::find(langs.begin(), langs.end(), c.lang) == langs.end()) langs.push_back(c.lang);
  }
  if (langs.size() < 2) return;  // no translations
  const std::string unqualified = default_lang_.empty() ? "default" : default_lang_;
  Row header{s->header_row, {}};
  for (const auto& [base, by_lang] : cols) {
    for (const std::string& lang : langs) {
      if (by_lang.count(lang)) continue;
      const auto& [other, col] = *by_lang.begin();
      warning(*s, header, col,
              "language " + language_name(lang, unqualified) + " has no '" + base +
                  "' column, which other languages have");
    }
    for (const Row& r : s->rows) {
      std::size_t with_text = std::string::npos;
      for (const auto& [lang, col] : by_lang)
        if (col < r.cells.size() && !r.cells[col].empty()) with_text = col;
      if (with_text == std::string::npos) continue;
      for (const auto& [lang, col] : by_lang)
        if (col >= r.cells.size() || r.cells[col].empty())
          warning(*s, r, col,
                  "no " + language_name(lang, unqualified) + " translation of this " + base +
                      ", while '" + s->headers[with_text] + "' has one");
    }
  }
}

void Compiler::check_warnings() {
  check_translations(survey_);
  check_translations(wb_.sheet("choices"));

  // Groups and repeats without a label.
  std::vector<const Field*> todo{&root_};
  while (!todo.empty()) {
    const Field* f = todo.back();
    todo.pop_back();
    for (const auto& c : f->children) todo.push_back(c.get());
    if (f == &root_ || f->kind == Kind::Leaf || !f->row || !f->label.empty() || !f->media.empty())
      continue;
    if (f->appearance.find("field-list") != std::string::npos) continue;
    std::size_t col = column_of(*f, "label");
    if (col == std::string::npos) col = column_of(*f, "type");
    warning(f->sheet ? *f->sheet : *survey_, *f->row, col,
            std::string(f->kind == Kind::Repeat ? "repeat" : "group") + " '" + f->name +
                "' has no label: the person filling the form sees no title for it");
  }

  // Choices without a label; lists nothing uses.
  if (const Sheet* choices = wb_.sheet("choices")) {
    RowReader rr(*choices);
    std::size_t label_col = std::string::npos;
    for (std::size_t i = 0; i < rr.cols.size() && label_col == std::string::npos; ++i)
      if (rr.cols[i].base == "label") label_col = i;
    std::size_t list_col = rr.index("list_name");
    std::set<std::string> used(list_instances_.begin(), list_instances_.end());
    std::vector<const Field*> stack{&root_};
    while (!stack.empty()) {
      const Field* f = stack.back();
      stack.pop_back();
      for (const auto& c : f->children) stack.push_back(c.get());
      if (!f->list.empty()) used.insert(f->list);
    }
    for (const auto& [name, list] : lists_) {
      for (const Choice& c : list.choices)
        if (c.row && c.label.empty() && c.media.empty() && c.name != "other")
          warning(*choices, *c.row, label_col == std::string::npos ? rr.index("name") : label_col,
                  "choice '" + c.name + "' of list '" + name +
                      "' has no label: it shows as an empty line");
      if (!used.count(name) && !list.choices.empty() && list.choices.front().row)
        warning(*choices, *list.choices.front().row, list_col,
                "choice list '" + name + "' is never used: no select, rank or instance('" +
                    name + "') names it");
    }
  }
}

}  // namespace khaosat::core::xlsform::detail
