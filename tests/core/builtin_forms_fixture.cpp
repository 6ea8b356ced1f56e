#include "core/builtin_forms_fixture.hpp"

#include <fstream>
#include <iterator>

#include "khaosat/tools/fill_script.hpp"
#include "model/tree.hpp"
#include "xform/external_data.hpp"
#include "xlsform/workbook.hpp"

namespace khaosat::test {

using namespace khaosat::core;
using namespace khaosat::tools;

std::string builtin_form_path(std::string_view file) {
  return std::string(KHAOSAT_SOURCE_DIR) + "/forms/" + std::string(file);
}

std::string form_text(std::string_view file) {
  std::ifstream in(builtin_form_path(file), std::ios::binary);
  REQUIRE_MESSAGE(in.good(), builtin_form_path(file));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TableRows read_table(std::string_view file) {
  Tree tree;
  Status st = xform_detail::csv_to_tree(form_text(file), std::string(file), tree);
  REQUIRE_MESSAGE(st.ok(), (st.ok() ? "" : st.error().message));
  TableRows rows;
  for (const Node* item : tree.root()->children) {
    auto& row = rows.emplace_back();
    for (const Node* cell : item->children) row[std::string(cell->name)] = cell->value;
  }
  return rows;
}

TableRows choice_rows(std::string_view form, std::string_view list) {
  auto wb = xlsform::read_workbook(builtin_form_path(form));
  REQUIRE_MESSAGE(wb.ok(), (wb.ok() ? "" : wb.error().message));
  const xlsform::Sheet* choices = wb->sheet("choices");
  REQUIRE(choices != nullptr);
  std::size_t list_col = choices->column("list_name");
  REQUIRE(list_col != std::string::npos);
  TableRows rows;
  for (const auto& r : choices->rows) {
    if (r.cells[list_col] != list) continue;
    auto& row = rows.emplace_back();
    for (std::size_t c = 0; c < choices->headers.size(); ++c)
      if (c != list_col) row[choices->headers[c]] = r.cells[c];
  }
  return rows;
}

BuiltinForm::BuiltinForm(const std::string& path, const char* now, const FormLoadOptions& load) {
  auto f = load_form(path, load);
  REQUIRE_MESSAGE(f.ok(), "load failed: " << (f.ok() ? "" : f.error().message));
  form = *f;
  auto ms = parse_iso8601(now);
  REQUIRE(ms.has_value());
  auto started = FormSession::start(form, SessionOptions{deterministic_environment(*ms), ""});
  REQUIRE_MESSAGE(started.ok(), "start failed: " << (started.ok() ? "" : started.error().message));
  s = std::move(started.value());
}

NodeSnapshot BuiltinForm::at(std::string_view ref) const {
  auto n = s->node(ref);
  REQUIRE_MESSAGE(n.has_value(), "no node " << ref);
  return *n;
}

std::string BuiltinForm::message(std::string_view ref) const {
  auto n = at(ref);
  return n.violation ? n.violation->message : std::string();
}

std::string BuiltinForm::condition(std::string_view ref) const {
  auto n = at(ref);
  return n.violation ? std::string(to_string(n.violation->condition)) : std::string();
}

std::string BuiltinForm::chosen(std::string_view ref) const {
  auto n = at(ref);
  for (const auto& c : n.choices)
    if (c.value == n.value) return c.label;
  return "";
}

std::string BuiltinForm::choices(std::string_view ref) const {
  std::string out;
  for (const auto& c : at(ref).choices) out += (out.empty() ? "" : " ") + c.value;
  return out;
}

void BuiltinForm::set(std::string_view ref, std::string_view value) {
  Status st = s->answer(ref, value);
  REQUIRE_MESSAGE(st.ok(), "answer(" << ref << ", " << value
                                     << ") failed: " << (st.ok() ? "" : st.error().message));
}

void BuiltinForm::ocop_product(const std::string& row, std::string_view name,
                               std::string_view group, std::string_view sub_group,
                               std::string_view stars) {
  set(row + "/ocop_product", name);
  set(row + "/ocop_group", group);
  set(row + "/ocop_set", sub_group);
  if (!stars.empty()) set(row + "/ocop_stars", stars);
}

void BuiltinForm::lang(std::string_view language) {
  Status st = s->set_language(language);
  REQUIRE_MESSAGE(st.ok(), "set_language(" << language << ") failed");
}

}  // namespace khaosat::test
