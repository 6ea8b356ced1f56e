// The XLSForm compiler, derived-structure aspect (compiler_internal.hpp): what pyxform adds to
// the survey the designer wrote — the "_other" question of or_other, the NAME_count calculate
// of a computed repeat_count, table-list expansion, the setvalue links of the trigger column,
// the legacy "begin loop over" groups — and the paths of questions in flat groups.
#include <algorithm>
#include <utility>

#include "xlsform/compiler_internal.hpp"

namespace khaosat::core::xlsform::detail {

// Flat groups have no instance node: paths skip them.
std::string Compiler::child_path(const Field& parent, const std::string& name) {
  const Field* owner = &parent;
  while (owner->flat && owner->parent) owner = owner->parent;
  return owner->path + "/" + name;
}

// A repeat_count that is not a single ${name} gets its own calculate, NAME_count, before the
// repeat, as pyxform writes it; jr:count then names that node.
void Compiler::add_repeat_count(Field& repeat, std::vector<Field*>& open) {
  const std::string& rc = repeat.rare().repeat_count;
  if (rc.starts_with("${") && rc.ends_with("}") && rc.find('}') == rc.size() - 1) return;
  auto f = field_arena_.make();
  f->row = repeat.row;
  f->name = repeat.name + "_count";
  f->type = "calculate";
  f->info = type_info("calculate");
  f->calculation = rc;
  f->rare_mut().read_only = "true()";
  f->count_of = &repeat;
  repeat.rare_mut().repeat_count = "${" + f->name + "}";
  add_field(std::move(f), open);
}

// pyxform's or_other: an "other" choice in the list and a text question "NAME_other" that is
// relevant when it is selected.
void Compiler::add_or_other(Field& select, std::vector<Field*>& open) {
  if (!select.choice_filter.empty())
    field_error(select, "choice_filter", "'or_other' cannot be used with a choice_filter");
  auto it = lists_.find(select.list);
  bool has = false;
  if (it != lists_.end()) {
    auto& choices = it->second.choices;
    has = std::any_of(choices.begin(), choices.end(),
                      [](const Choice& c) { return c.name == "other"; });
    if (!has) {
      Choice other;
      other.row = select.row;
      other.name = "other";
      other.generated = true;
      other.label[""] = Cell{"Other", 0};
      for (const auto& l : langs_) other.label[l] = Cell{"Other", 0};
      choices.push_back(std::move(other));
    }
  }
  // pyxform's "This form uses or_other and translations, which is not recommended": what it
  // adds is English text, the same in every language.
  if (translated_)
    warning(select.sheet ? *select.sheet : *survey_, *select.row, column_index("type"),
            std::string("'or_other' in a form with translations: ") +
                (has ? "" : "the choice 'other' it adds to '" + select.list +
                                "' is labelled 'Other', and ") +
                "the question '" + select.name + "_other' it adds is labelled 'Specify other.', "
                "in every language; to have them translated, use a plain select with " +
                (has ? "its 'other' choice" : "a choice 'other' in the list") +
                " and a text question of your own, relevant when 'other' is selected");
  auto f = field_arena_.make();
  f->row = select.row;
  f->name = select.name + "_other";
  f->type = "text";
  f->info = type_info("text");
  f->rare_mut().other_of = select.path;
  f->label[""] = Cell{"Specify other.", 0};  // untranslated, inline, as pyxform writes it
  f->relevant = "selected(../" + select.name + ", 'other')";
  add_field(std::move(f), open);
}

namespace {

// pyxform's loop substitution (Python's "%" with the choice as the mapping): "%(name)s" is the
// choice's name, "%(label)s" its label in `lang` (the unqualified one, or any, when it has
// none in that language).
std::string loop_text(std::string s, const Choice& c, const std::string& lang) {
  std::string label;
  auto it = c.label.find(lang);
  if (it == c.label.end()) it = c.label.find("");
  if (it == c.label.end()) it = c.label.begin();
  if (it != c.label.end()) label = it->second.text;
  for (const auto& [key, value] : {std::pair<std::string, const std::string&>{"%(name)s", c.name},
                                   std::pair<std::string, const std::string&>{"%(label)s", label}})
    for (std::size_t at = 0; (at = s.find(key, at)) != std::string::npos; at += value.size())
      s.replace(at, key.size(), value);
  return s;
}

}  // namespace

void substitute_loop_choice(Field& f, const Choice& c) {
  FieldRare& rare = f.rare_mut();
  for (Texts* t : {&f.label, &f.hint, &rare.guidance, &rare.constraint_msg, &rare.required_msg})
    for (auto& [lang, cell] : *t) cell.text = loop_text(cell.text, c, lang);
  for (std::string* e : {&f.required, &f.relevant, &f.constraint, &f.calculation,
                         &f.default_value, &rare.read_only, &f.appearance, &f.choice_filter})
    *e = loop_text(*e, c, "");
}

// pyxform's legacy loop: the loop's group holds, for each choice of its list but "none" (and
// but the "other" or_other adds), a group named and labelled as the choice, holding a copy of
// the loop's rows with "%(name)s" and "%(label)s" replaced by the choice's. The copies keep
// their names, which repeat from one choice's group to the next (as in pyxform).
void Compiler::expand_loop(Field& loop, std::vector<Field*>& open) {
  auto it = lists_.find(loop.rare().loop_list);
  if (it == lists_.end()) return;  // reported with the 'begin loop' row
  ++loop_copies_;
  const Sheet* choices = wb_.sheet("choices");
  // A copy: an "or_other" select inside the loop adds "other" to this very list, which would
  // move the choices under our feet (fuzz_xlsform found the use-after-free).
  const std::vector<Choice> list = it->second.choices;
  for (const Choice& c : list) {
    if (c.name == "none" || c.generated) continue;
    // The choice's name becomes an element name here, so it must be one (a choice name
    // elsewhere is only a value and may hold anything but spaces).
    if (!is_xml_name(c.name) || c.name.find(':') != std::string::npos) {
      if (choices && c.row)
        error(*choices, *c.row, RowReader(*choices).index("name"),
              "'" + c.name + "' cannot name the group 'begin loop over " + loop.rare().loop_list +
                  "' makes for it: start with a letter or '_', then letters, digits, '_', "
                  "'-' or '.'");
      continue;
    }
    auto g = field_arena_.make();
    g->kind = Kind::Group;
    g->type = "begin group";
    g->row = loop.row;
    g->name = c.name;
    g->label = c.label;
    g->media = c.media;
    const std::size_t depth = open.size();
    add_field(std::move(g), open);
    // The copies stay inside the choice's group: an 'end group' among the loop's rows that
    // would close it (or anything outside the loop) is refused in survey_row.
    const std::size_t floor = std::exchange(loop_floor_, open.size());
    for (const Row* r : loop.rare().loop_rows) survey_row(*r, open, &c);
    loop_floor_ = floor;
    open.resize(depth);
  }
  --loop_copies_;
}

// pyxform's table-list: the group becomes a field-list; its label and hint move to a generated
// note; before each run of selects sharing a list comes a generated select showing only the
// choices (appearance "label"), and the selects themselves hide theirs ("list-nolabel"). The
// generated names carry the row number, as pyxform's do.
void Compiler::expand_table_lists(Field& g) {
  for (auto& c : g.children)
    if (c->kind != Kind::Leaf) expand_table_lists(*c);
  if (g.kind != Kind::Group) return;
  std::string rest;
  bool table = false;
  for (std::size_t i = 0; i < g.appearance.size();) {
    std::size_t end = g.appearance.find(' ', i);
    if (end == std::string::npos) end = g.appearance.size();
    std::string word = g.appearance.substr(i, end - i);
    if (word == "table-list") table = true;
    else if (!word.empty()) rest += " " + word;
    i = end + 1;
  }
  if (!table) return;
  g.appearance = "field-list" + rest;
  auto generated = [&](const Row* row, const std::string& name, const std::string& type) {
    auto f = field_arena_.make();
    f->row = row;
    f->name = name + std::to_string(row->number);
    f->type = type;
    f->info = type_info(type);
    f->parent = &g;
    f->path = child_path(g, f->name);
    return f;
  };
  std::vector<FieldPtr> out;
  if (!g.label.empty() || !g.hint.empty()) {
    auto note = generated(g.row, "generated_table_list_label_", "note");
    note->label = std::move(g.label);
    note->hint = std::move(g.hint);
    g.label.clear();
    g.hint.clear();
    out.push_back(std::move(note));
  }
  std::string current;
  for (auto& c : g.children) {
    if (c->type == "select_one" || c->type == "select_multiple") {
      if (c->list != current) {
        current = c->list;
        auto head = generated(c->row, "reserved_name_for_field_list_labels_", "select_one");
        head->list = c->list;
        head->appearance = "label";
        head->label[""] = Cell{" ", 0};
        out.push_back(std::move(head));
      }
      c->appearance = "list-nolabel";
    }
    out.push_back(std::move(c));
  }
  g.children = std::move(out);
}

// The trigger column: "${a}" (or several) names the questions whose change recomputes this
// row's calculation, as a setvalue on the triggering question.
void Compiler::link_triggers(Field& f) {
  for (auto& c : f.children) link_triggers(*c);
  if (f.rare().trigger.empty()) return;
  std::size_t i = 0;
  bool any = false;
  while ((i = f.rare().trigger.find("${", i)) != std::string::npos) {
    auto close = f.rare().trigger.find('}', i);
    if (close == std::string::npos) break;
    std::string name = f.rare().trigger.substr(i + 2, close - i - 2);
    i = close + 1;
    any = true;
    auto it = by_name_.find(name);
    if (it == by_name_.end()) {
      field_error(f, "trigger", "${" + name + "} refers to nothing: no question is named '" +
                                    name + "'");
    } else if (auto same = same_name_.find(name); same != same_name_.end()) {
      field_error(f, "trigger", ambiguous_name(name, same->second));
    } else if (!it->second->info || !*it->second->info->control) {
      field_error(f, "trigger", "${" + name + "} cannot trigger: it is not a question the "
                                              "user answers");
    } else {
      it->second->rare_mut().triggered.push_back(&f);
    }
  }
  if (!any) field_error(f, "trigger", "write the triggering question as ${name}");
}

}  // namespace khaosat::core::xlsform::detail
