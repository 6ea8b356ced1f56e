// The submissions screen (drafts and finalized surveys) and the registry browser (app_impl.hpp).
#include <imgui.h>

#include "app_impl.hpp"
#include "khaosat/core/store_ids.hpp"

namespace khaosat::ui {

namespace {
void load_submissions(core::Store& store, SubmissionsState& s) {
  s.drafts.clear();
  s.submissions.clear();
  s.draft_names.clear();
  s.submission_names.clear();
  if (auto drafts = store.list_drafts()) s.drafts = std::move(drafts).value();
  for (const auto& d : s.drafts) {
    auto full = store.get_draft(d.draft_id);
    s.draft_names.push_back(full ? instance_name_of(full->instance_xml) : "");
  }
  core::SubmissionFilter filter;
  filter.include_superseded = false;
  if (auto subs = store.list_submissions(filter)) s.submissions = std::move(subs).value();
  for (const auto& r : s.submissions) {
    auto full = store.get_submission(r.instance_id);
    s.submission_names.push_back(full ? instance_name_of(full->instance_xml) : "");
  }
  s.loaded = true;
}

std::string form_title(core::Store& store, const std::string& form_id, const std::string& version) {
  auto f = store.get_form(form_id, version);
  return f ? f->title : form_id;
}
}  // namespace

void AppImpl::draw_submissions() {
  if (!subs.loaded) load_submissions(*store, subs);
  top_bar(t(Str::submissions));
  if (!subs.confirm_delete.empty()) {
    text(t(Str::confirm_delete_draft));
    float w = row_button_width(2);
    if (button(t(Str::cancel), Tone::Secondary, w)) subs.confirm_delete.clear();
    ImGui::SameLine();
    if (button(t(Str::delete_draft), Tone::Danger, w)) {
      if (auto st = store->delete_draft(subs.confirm_delete); !st)
        show_notice(format(t(Str::error_s), st.error().message.c_str()), colors::kBannerWarn);
      subs.confirm_delete.clear();
      invalidate();
    }
    return;
  }
  if (choice_row(format("%s (%d)", t(Str::tab_drafts), static_cast<int>(subs.drafts.size())),
                 subs.show_drafts, false, "tab-drafts"))
    subs.show_drafts = true;
  if (choice_row(format("%s (%d)", t(Str::tab_finalized), static_cast<int>(subs.submissions.size())),
                 !subs.show_drafts, false, "tab-final"))
    subs.show_drafts = false;
  begin_scroll("##subs");
  if (subs.show_drafts) {
    if (subs.drafts.empty()) text(t(Str::no_drafts), colors::kMuted);
    for (std::size_t i = 0; i < subs.drafts.size(); ++i) {
      const auto& d = subs.drafts[i];
      std::string title = subs.draft_names[i].empty() ? form_title(*store, d.form_id, d.form_version)
                                                      : subs.draft_names[i];
      ImGui::PushID(static_cast<int>(i));
      text(title);
      text(form_title(*store, d.form_id, d.form_version) + " · " +
               format(t(Str::updated_s), format_time(d.updated_at).c_str()),
           colors::kMuted);
      float bw = row_button_width(2);
      bool edit = button(t(Str::edit), Tone::Primary, bw);
      ImGui::SameLine();
      if (button(t(Str::delete_draft), Tone::Secondary, bw)) subs.confirm_delete = d.draft_id;
      ImGui::Separator();
      ImGui::PopID();
      if (edit) {
        open_draft(d.draft_id);
        break;
      }
    }
  } else {
    if (subs.submissions.empty()) text(t(Str::no_submissions), colors::kMuted);
    for (std::size_t i = 0; i < subs.submissions.size(); ++i) {
      const auto& s = subs.submissions[i];
      std::string state = s.state == core::SubmissionState::Sent ? t(Str::state_sent)
                        : s.state == core::SubmissionState::Rejected
                            ? format(t(Str::state_rejected_s), s.reject_reason.value_or("").c_str())
                            : std::string(t(Str::state_finalized));
      std::string name = subs.submission_names[i].empty() ? form_title(*store, s.form_id, s.form_version)
                                                          : subs.submission_names[i];
      row(name, form_title(*store, s.form_id, s.form_version) + "\n" + format_time(s.finalized_at) +
                    " · " + state, &s);
    }
  }
  end_scroll();
}

void AppImpl::draw_registry() {
  top_bar(t(Str::registry));
  if (!reg.open_record.empty()) {
    auto record = store->get_record(reg.open_record);
    begin_scroll("##record");
    if (!record) {
      text(format(t(Str::error_s), record.error().message.c_str()), colors::kDanger);
    } else {
      heading(record->name);
      for (const auto& [key, prop] : record->properties) {
        text(key, colors::kMuted);
        text(prop.value);
      }
      text(format(t(Str::updated_s), format_time(record->updated_at).c_str()), colors::kMuted);
    }
    end_scroll();
    return;
  }
  const std::pair<core::Registry, Str> kTabs[] = {{core::Registry::Establishment, Str::establishments},
                                                   {core::Registry::Cooperative, Str::cooperatives},
                                                   {core::Registry::CraftVillage, Str::craft_villages}};
  float w = row_button_width(3);
  for (int i = 0; i < 3; ++i) {
    if (i) ImGui::SameLine();
    bool on = reg.registry == kTabs[i].first;
    if (button(t(kTabs[i].second), on ? Tone::Primary : Tone::Secondary, w) && !on) {
      reg.registry = kTabs[i].first;
      reg.searched = "\x01";
    }
  }
  text_field("##search", t(Str::search), &reg.query, 0, t(Str::search));
  std::string key = std::string(core::to_string(reg.registry)) + "\x02" + reg.query;
  if (key != reg.searched) {
    reg.searched = key;
    auto found = store->search_records(reg.registry, reg.query, 100);
    reg.results = found ? std::move(found).value() : std::vector<core::RegistryRecord>{};
    auto total = store->count_records(reg.registry);
    reg.total = total ? *total : 0;
  }
  text(format(t(Str::records_d), static_cast<int>(reg.total)), colors::kMuted);
  begin_scroll("##registry");
  if (reg.total == 0) text(t(Str::registry_empty), colors::kMuted);
  else if (reg.results.empty()) text(t(Str::no_match), colors::kMuted);
  for (const auto& r : reg.results) {
    std::string detail;
    for (const auto& [k, p] : r.properties)
      if (k == "commune" || k == "village" || k == "district") detail += (detail.empty() ? "" : " · ") + p.value;
    if (row(r.name, detail, &r)) reg.open_record = r.record_id;
  }
  end_scroll();
}

}  // namespace khaosat::ui
