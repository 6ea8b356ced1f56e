// The XLSForm compiler, entities aspect (compiler_internal.hpp): the `entities` sheet and the
// survey's `save_to` column, written as pyxform writes ODK Entities (entities-version
// 2024.1.0: one entity per form, created and/or updated, declared at the survey level). The
// XML shape and every check are listed in docs/xlsform.md, section "Entities".
//
// [SECTION] The entities sheet
// [SECTION] save_to
// [SECTION] XML
#include <algorithm>

#include "xlsform/compiler_internal.hpp"

namespace khaosat::core::xlsform::detail {

namespace {

constexpr std::string_view kEntitiesNs = "http://www.opendatakit.org/xforms/entities";
// The version pyxform writes for a survey-level entity that may be created, updated or both
// (offline updates: baseVersion, trunkVersion, branchId). Entities from repeats (2025.1.0) are
// not supported yet.
constexpr std::string_view kEntitiesVersion = "2024.1.0";
// Entity list and property names starting with this are the server's (__version, __system...).
constexpr std::string_view kReservedPrefix = "__";

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + xml_escape(value) + "\"";
}

// The entities sheet's column for a header, "" when it is not one (pyxform's aliases included).
std::string entities_column(const std::string& header) {
  std::string h = lower(header);
  if (h == "list_name" || h == "list name" || h == "dataset") return "list_name";
  for (const char* c : {"label", "entity_id", "create_if", "update_if", "repeat"})
    if (h == c) return c;
  return "";
}

const Field* enclosing_repeat(const Field& f) {
  for (const Field* p = f.parent; p; p = p->parent)
    if (p->kind == Kind::Repeat) return p;
  return nullptr;
}

}  // namespace

// -------------------------------------------------------------------------------------------
// [SECTION] The entities sheet
// -------------------------------------------------------------------------------------------

void Compiler::read_entities() {
  const Sheet* sheet = wb_.sheet("entities");
  if (sheet) check_headers(sheet);
  if (sheet && !sheet->rows.empty()) {
    EntityColumns cols;
    Row header{sheet->header_row, {}};
    bool usable = true;
    for (std::size_t i = 0; i < sheet->headers.size(); ++i) {
      std::string c = entities_column(sheet->headers[i]);
      if (c.empty()) {
        error(*sheet, header, i,
              "unexpected column '" + sheet->headers[i] +
                  "': the entities sheet takes list_name, label, entity_id, create_if and "
                  "update_if (check the spelling, or remove the column)");
        usable = false;
      } else if (c == "repeat") {
        error(*sheet, header, i,
              "entities created from a repeat (the 'repeat' column, entities-version 2025.1.0) "
              "are not supported yet: declare the entity for the whole form");
        usable = false;
      } else {
        std::size_t& slot = c == "list_name" ? cols.list_name
                            : c == "label"   ? cols.label
                            : c == "entity_id" ? cols.entity_id
                            : c == "create_if" ? cols.create_if
                                               : cols.update_if;
        if (slot == std::string::npos) slot = i;
      }
    }
    for (std::size_t n = 1; n < sheet->rows.size(); ++n)
      error(*sheet, sheet->rows[n], std::string::npos,
            "a second entity: a form creates or updates one entity, declared in row " +
                std::to_string(sheet->rows.front().number) + "; keep one row");
    if (usable) read_entity_row(*sheet, sheet->rows.front(), cols);
  }
  check_save_to();
}

void Compiler::read_entity_row(const Sheet& sheet, const Row& r, const EntityColumns& cols) {
  auto cell = [&](std::size_t col) {
    return col < r.cells.size() ? r.cells[col] : std::string();
  };
  EntitySpec e;
  e.sheet = &sheet;
  e.row = &r;
  e.dataset = cell(cols.list_name);
  e.label = cell(cols.label);
  e.entity_id = cell(cols.entity_id);
  e.create_if = cell(cols.create_if);
  e.update_if = cell(cols.update_if);
  std::size_t before = errors_.size();
  std::size_t name_col = cols.list_name;
  if (e.dataset.empty()) {
    error(sheet, r, name_col,
          name_col == std::string::npos
              ? "the entities sheet needs a list_name column naming the entity list"
              : "the entity list has no name: write the list's name in list_name");
  } else if (e.dataset.starts_with(kReservedPrefix)) {
    error(sheet, r, name_col,
          "the entity list name '" + e.dataset + "' starts with '__', which is reserved");
  } else if (e.dataset.find('.') != std::string::npos) {
    error(sheet, r, name_col,
          "the entity list name '" + e.dataset + "' contains a period, which names may not");
  } else if (!is_xml_name(e.dataset)) {
    error(sheet, r, name_col,
          "'" + e.dataset + "' is not a valid entity list name: start with a letter or '_', "
          "then letters, digits, '_' or '-'");
  }
  if (!e.update_if.empty() && e.entity_id.empty())
    error(sheet, r, cols.update_if,
          "update_if needs an entity_id: updating an entity needs to know which one");
  if (!e.entity_id.empty() && !e.create_if.empty() && e.update_if.empty())
    error(sheet, r, cols.create_if,
          "with an entity_id, create_if needs an update_if too (which submissions update and "
          "which create)");
  if (e.entity_id.empty() && e.label.empty())
    error(sheet, r, cols.label == std::string::npos ? name_col : cols.label,
          "creating an entity needs a label: add a label column (an expression, such as "
          "${name})");
  // An update reads the entity's versions from the list itself, instance('list'): the form
  // must attach it (a csv-external row, or a select_one_from_file list.csv).
  if (!e.entity_id.empty() && !e.dataset.empty() && !attaches_list(e.dataset))
    error(sheet, r, cols.entity_id,
          "updating entities of '" + e.dataset + "' reads their versions from instance('" +
              e.dataset + "'): add a survey row 'csv-external " + e.dataset + "'");
  if (errors_.size() == before) entity_ = std::move(e);
}

bool Compiler::attaches_list(const std::string& dataset) const {
  for (const auto& [id, src] : external_instances_)
    if (id == dataset) return true;
  for (const auto& [name, f] : by_name_)
    if (f->type.ends_with("_from_file") && f->list.substr(0, f->list.find_last_of('.')) == dataset)
      return true;
  return false;
}

// -------------------------------------------------------------------------------------------
// [SECTION] save_to
// -------------------------------------------------------------------------------------------

void Compiler::check_save_to() {
  const std::size_t col = column_index("save_to");
  if (col == std::string::npos) return;
  std::map<std::string, const Field*> used;  // property -> the question saving to it
  // Every field made from a survey row, in row order (the generated ones, such as or_other's
  // text question, share their row but not its name).
  std::vector<Field*> fields;
  auto collect = [&](auto& self, Field& parent) -> void {
    for (auto& c : parent.children) {
      fields.push_back(c.get());
      self(self, *c);
    }
  };
  collect(collect, root_);
  for (Field* f : fields) {
    if (!f->row || (f->sheet && f->sheet != survey_) || sr_->get(*f->row, "name") != f->name)
      continue;
    std::string prop = sr_->get(*f->row, "save_to");
    if (prop.empty()) continue;
    const Row& r = *f->row;
    if (!entity_) {
      const Sheet* sheet = wb_.sheet("entities");
      if (!sheet || sheet->rows.empty())  // else the entities sheet's own mistake is reported
        error(*survey_, r, col,
              "save_to needs an entity to save to: add an entities sheet declaring the entity "
              "list");
      continue;
    }
    if (f->kind != Kind::Leaf) {
      error(*survey_, r, col, "groups and repeats can't be saved as entity properties");
      continue;
    }
    if (const Field* rep = enclosing_repeat(*f)) {
      error(*survey_, r, col,
            "'" + f->name + "' is inside the repeat '" + rep->name +
                "': entities from repeats (entities-version 2025.1.0) are not supported yet");
      continue;
    }
    std::string low = lower(prop);
    if (low == "name" || low == "label") {
      error(*survey_, r, col, "the entity property name '" + prop + "' is reserved");
      continue;
    }
    if (prop.starts_with(kReservedPrefix)) {
      error(*survey_, r, col,
            "the entity property name '" + prop + "' starts with '__', which is reserved");
      continue;
    }
    if (!is_xml_name(prop) || prop.find(':') != std::string::npos) {
      error(*survey_, r, col,
            "'" + prop + "' is not a valid entity property name: start with a letter or '_', "
            "then letters, digits, '_', '-' or '.'");
      continue;
    }
    auto [it, fresh] = used.emplace(prop, f);
    if (!fresh) {
      error(*survey_, r, col,
            "the entity property '" + prop + "' is already saved from '" + it->second->name +
                "' (row " + std::to_string(it->second->row->number) +
                "): one question per property");
      continue;
    }
    f->rare_mut().bind_attrs.emplace_back("entities:saveto", prop);
  }
}

// -------------------------------------------------------------------------------------------
// [SECTION] XML
// -------------------------------------------------------------------------------------------

std::string Compiler::entity_namespace_attr() const {
  // Declared already through the settings' namespaces column: not twice.
  if (!entity_ || settings_.namespaces.find("entities=\"" + std::string(kEntitiesNs) + "\"") !=
                      std::string::npos)
    return "";
  return attr("xmlns:entities", kEntitiesNs);
}

std::string Compiler::entity_model_attr() const {
  return entity_ ? attr("entities:entities-version", kEntitiesVersion) : "";
}

namespace {

// pyxform's reading of the three columns (its EntityDeclaration): an entity_id alone always
// updates, nothing always creates, a condition decides; with both conditions the designer
// keeps them exclusive.
bool creates(const EntitySpec& e) {
  return !e.create_if.empty() || (e.update_if.empty() && e.entity_id.empty());
}
bool updates(const EntitySpec& e) { return !e.update_if.empty() || !e.entity_id.empty(); }

}  // namespace

std::string Compiler::entity_meta_xml() const {
  if (!entity_) return "";
  const EntitySpec& e = *entity_;
  std::string x = "<entity" + attr("dataset", e.dataset);
  if (creates(e)) x += attr("create", "1");
  if (updates(e)) x += attr("update", "1");
  if (!e.entity_id.empty())
    x += attr("baseVersion", "") + attr("trunkVersion", "") + attr("branchId", "");
  x += attr("id", "");
  return x + (e.label.empty() ? "/>" : "><label/></entity>");
}

std::string Compiler::entity_binds_xml() {
  if (!entity_) return "";
  const EntitySpec& e = *entity_;
  // Expressions are checked like any other, their mistakes placed in the entities sheet.
  Field ctx;
  ctx.row = e.row;
  ctx.sheet = e.sheet;
  ctx.parent = &root_;
  ctx.path = meta_->path + "/entity";
  auto bind = [&](const std::string& node, const std::string& calculate) {
    return "<bind" + attr("nodeset", ctx.path + "/" + node) + " type=\"string\" readonly=\"true()\"" +
           (calculate.empty() ? std::string() : attr("calculate", calculate)) + "/>";
  };
  std::string x;
  if (!e.create_if.empty()) x += bind("@create", expr(ctx, e.create_if, "create_if"));
  if (!e.update_if.empty()) x += bind("@update", expr(ctx, e.update_if, "update_if"));
  std::string id;
  if (!e.entity_id.empty()) {
    id = expr(ctx, e.entity_id, "entity_id");
    std::string item = "instance('" + e.dataset + "')/root/item[name=" + id + "]";
    x += bind("@baseVersion", item + "/__version");
    x += bind("@trunkVersion", item + "/__trunkVersion");
    x += bind("@branchId", item + "/__branchId");
  }
  x += bind("@id", id);
  if (!e.label.empty()) x += bind("label", expr(ctx, e.label, "label"));
  // A created entity gets a new id when the form is first opened (kept when a draft reopens).
  if (creates(e))
    x += "<setvalue event=\"odk-instance-first-load\" type=\"string\" readonly=\"true()\"" +
         attr("ref", ctx.path + "/@id") + " value=\"uuid()\"/>";
  return x;
}

}  // namespace khaosat::core::xlsform::detail
