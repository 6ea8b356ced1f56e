// AppImpl: surveys that fill a registry (ODK Entities; docs/storage.md, "Registries from
// submissions"). A form whose entity list is a registry with records offers "new or existing":
// a new record, or one picked with the diacritic-insensitive search, whose survey starts
// prefilled (Store::start_from_record) and updates it when finalized. The registry's record
// screen starts the same survey ("Khảo sát cơ sở này") and shows the record's properties and
// history (record_view).
#include <algorithm>
#include <climits>

#include "app_impl.hpp"
#include "khaosat/core/form_info.hpp"
#include "khaosat/core/record_history.hpp"

namespace khaosat::ui {

namespace {

Str new_label(core::Registry r) {
  switch (r) {
    case core::Registry::Establishment: return Str::new_establishment;
    case core::Registry::CraftVillage: return Str::new_village;
    case core::Registry::Cooperative: return Str::new_cooperative;
  }
  return Str::new_establishment;
}

Str survey_label(core::Registry r) {
  switch (r) {
    case core::Registry::Establishment: return Str::survey_this_establishment;
    case core::Registry::CraftVillage: return Str::survey_this_village;
    case core::Registry::Cooperative: return Str::survey_this_cooperative;
  }
  return Str::survey_this_establishment;
}

}  // namespace

std::optional<core::Registry> AppImpl::registry_of(const core::FormRecord& form) {
  auto loaded = store->load_form(form.form_id, form.version);
  if (!loaded) return std::nullopt;
  auto decl = core::entity_declaration(*loaded);
  if (!decl) return std::nullopt;
  return core::registry_from_dataset(decl->dataset);
}

bool AppImpl::offer_pick(const core::FormRecord& form) {
  auto registry = registry_of(form);
  if (!registry) return false;
  auto n = store->count_records(*registry);
  if (!n || *n == 0) return false;  // nothing to pick: straight to a new record
  pick = PickState{};
  pick.form = form;
  pick.registry = *registry;
  push(Screen::PickRecord);
  return true;
}

void AppImpl::start_from_record(const core::FormRecord& record, const std::string& record_id) {
  auto form = store->load_form(record.form_id, record.version);
  if (!form) return show_notice(format(t(Str::error_s), form.error().message.c_str()), colors::kBannerWarn);
  core::SessionOptions o = session_options();
  o.language = session_language(core::summarize(*form).languages);
  auto session = store->start_from_record(*form, record_id, o);
  if (!session) return show_notice(format(t(Str::error_s), session.error().message.c_str()), colors::kBannerWarn);
  fill = std::make_unique<FillScreen>(*this, record, std::move(session).value(), "", "");
  push(Screen::Fill);
}

void AppImpl::draw_pick_record() {
  top_bar(title_for_people(pick.form.title, settings.lang));
  if (button(t(new_label(pick.registry)))) {
    core::FormRecord form = pick.form;
    pop();  // back to the form list, not to the picker, once the survey is left
    start_form(form);
    return;
  }
  text(t(Str::or_pick_existing), colors::kMuted);
  text_field("##pick", t(Str::search), &pick.query, 0, t(Str::search));
  if (pick.query != pick.searched) {
    pick.searched = pick.query;
    auto found = store->search_records(pick.registry, pick.query, 100);
    pick.results = found ? std::move(found).value() : std::vector<core::RegistryRecord>{};
  }
  begin_scroll("##pick_results");
  if (pick.results.empty()) text(t(Str::no_match), colors::kMuted);
  for (const auto& r : pick.results) {
    std::string detail;
    for (const auto& [k, p] : r.properties)
      if ((k == "commune" || k == "village") && !p.value.empty())  // an empty village: no dangling " · "
        detail += (detail.empty() ? "" : " · ") + (k == "commune" ? commune_label(p.value) : p.value);
    if (row(r.name, detail, &r)) {
      core::FormRecord form = pick.form;
      std::string id = r.record_id;
      end_scroll();
      pop();
      start_from_record(form, id);
      return;
    }
  }
  end_scroll();
}

const std::vector<core::Choice>& AppImpl::communes() {
  if (communes_lang_ == static_cast<int>(settings.lang)) return communes_;
  communes_lang_ = static_cast<int>(settings.lang);
  communes_.clear();
  auto forms = store->list_forms();
  if (!forms) return communes_;
  for (const auto& f : *forms) {
    if (!f.current) continue;
    auto form = store->load_form(f.form_id, f.version);
    if (!form) continue;
    communes_ = question_choices(*form, session_language(core::summarize(*form).languages), "commune");
    if (!communes_.empty()) break;
  }
  return communes_;
}

// Another device as the office enrolled it, pulled with the versions it wrote
// (docs/sync-protocol.md, "Device names"): "Lò Văn A (Xã Mường Kim)"; "máy 0190b2d4" (the first
// 8 characters of its id) while this device does not know its name.
std::string AppImpl::device_label(const std::string& device_id) {
  auto known = store->known_device(device_id);
  if (!known || !*known || (*known)->name.empty()) return format(t(Str::device_s), device_id.substr(0, 8).c_str());
  std::string communes;
  for (const auto& c : (*known)->communes) communes += (communes.empty() ? "" : ", ") + commune_label(c);
  return (*known)->name + (communes.empty() ? "" : " (" + communes + ")");
}

void AppImpl::record_view(const core::RegistryRecord& record, const std::vector<core::RecordConflict>& conflicts) {
  std::optional<core::Form> form;
  std::optional<core::EntityDeclaration> decl;
  if (auto forms = store->list_forms())
    for (const auto& f : *forms) {
      if (!f.current || registry_of(f) != record.registry) continue;
      if (auto loaded = store->load_form(f.form_id, f.version)) {
        decl = core::entity_declaration(*loaded);
        form = std::move(loaded).value();
      }
      break;
    }
  // The answers label_answers() reads: each property at the path of the question that saves
  // to it (below the root), else at its key, which no question has.
  auto path_of = [&](const std::string& key) {
    std::string path = key;
    if (decl)
      for (const auto& s : decl->save_to)
        if (s.property == key) {
          auto below = s.ref.find('/', 1);
          path = below == std::string::npos ? s.ref : s.ref.substr(below + 1);
        }
    return path;
  };
  std::vector<std::pair<std::string, std::string>> answers;
  std::vector<std::string> keys;  // answers[i]'s property key
  auto add = [&](const std::string& key, const std::string& value) {
    answers.emplace_back(path_of(key), value);
    keys.push_back(key);
  };
  for (const auto& [key, prop] : record.properties) add(key, prop.value);
  // The history's values, labelled in the same pass (one session of the form for all of them):
  // each changed field's old value (when known) and new one, oldest change first.
  auto history = core::record_history(*store, record.record_id);
  std::vector<core::RecordChange> changes = history ? std::move(history).value() : std::vector<core::RecordChange>{};
  for (const auto& c : changes)
    for (const auto& f : c.fields) {
      if (!f.changed()) continue;
      if (f.old_value) add(f.key, *f.old_value);
      add(f.key, f.new_value);
    }
  // The open conflicts' two values, labelled alike (after the history's).
  for (const auto& c : conflicts) {
    add(c.property, c.kept_value);
    add(c.property, c.other_value);
  }
  std::string language = form ? session_language(core::summarize(*form).languages) : "";
  auto out = label_answers(form ? &*form : nullptr, language, "", answers);
  for (std::size_t i = 0; i < out.size(); ++i)
    if (out[i].technical) {
      // The name is the entity's label, which no save_to names.
      out[i].label = keys[i] == "name" ? t(Str::record_name) : keys[i];
      if (keys[i] == "commune") out[i].value = commune_label(out[i].value);
    }
  // The properties in the form's question order; those no question saves to after them, by key.
  std::size_t n = record.properties.size();
  reg.props.assign(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
  std::stable_sort(reg.props.begin(), reg.props.end(), [](const OfficeAnswer& a, const OfficeAnswer& b) {
    return (a.order < 0 ? INT_MAX : a.order) < (b.order < 0 ? INT_MAX : b.order);
  });
  // The history, newest first.
  reg.history.clear();
  std::size_t next = n;
  for (const auto& c : changes) {
    RecordHistoryEntry e;
    e.when = format_time(c.at) + " · " + t(c.create ? Str::history_created : Str::history_updated);
    std::string from = !c.form_id.empty() ? form_title(*store, c.form_id, c.form_version, settings.lang)
                       : c.local           ? std::string(t(Str::history_edited_here))
                                           : std::string(t(Str::history_from_server));
    e.who = from + " · " + (c.local ? std::string(t(Str::this_device)) : device_label(c.device));
    std::vector<std::pair<int, std::string>> lines;  // by question order, the name first
    for (const auto& f : c.fields) {
      if (!f.changed()) continue;
      bool blank = !f.old_value && f.new_value.empty();  // left empty when the record was made
      const OfficeAnswer* old_value = f.old_value ? &out[next++] : nullptr;
      const OfficeAnswer& new_value = out[next++];
      if (blank) continue;
      std::string shown_new = new_value.value.empty() ? "—" : new_value.value;
      int order = f.key == "name" ? -1 : new_value.order < 0 ? INT_MAX : new_value.order;
      lines.emplace_back(order, new_value.label + ": " +
                                    (old_value ? (old_value->value.empty() ? "—" : old_value->value) + " → " : "") +
                                    shown_new);
    }
    std::stable_sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& l : lines) e.lines.push_back(std::move(l.second));
    reg.history.push_back(std::move(e));
  }
  std::reverse(reg.history.begin(), reg.history.end());
  reg.conflicts.clear();
  for (std::size_t i = 0; i < conflicts.size(); ++i) {
    const OfficeAnswer& kept = out[next + 2 * i];
    const OfficeAnswer& other = out[next + 2 * i + 1];
    auto shown = [](const std::string& v) { return v.empty() ? std::string("—") : v; };
    reg.conflicts.push_back(format(t(Str::record_conflict_sss), kept.label.c_str(), shown(kept.value).c_str(),
                                   shown(other.value).c_str()));
  }
}

void AppImpl::draw_record_survey(const core::RegistryRecord& record) {
  auto forms = store->list_forms();
  if (!forms) return;
  for (const auto& f : *forms) {
    if (!f.current || registry_of(f) != record.registry) continue;
    if (button(t(survey_label(record.registry)))) {
      std::string id = record.record_id;
      start_from_record(f, id);
    }
    return;
  }
  text(t(Str::no_form_for_registry), colors::kMuted);
}

}  // namespace khaosat::ui
