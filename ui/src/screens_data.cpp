// The saved-surveys screen (drafts, waiting to send, sent, rejected with the office's reason)
// and the registry browser (app_impl.hpp).
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

}  // namespace

std::string form_title(core::Store& store, const std::string& form_id, const std::string& version, Lang lang) {
  auto f = store.get_form(form_id, version);
  return f ? title_for_people(f->title, lang) : form_id;
}

void AppImpl::draw_submissions() {
  if (!subs.loaded) load_submissions(*store, subs);
  auto in_tab = [](const core::SubmissionRecord& r, SubsTab tab) {
    return tab == SubsTab::Waiting ? r.state == core::SubmissionState::Finalized
         : tab == SubsTab::Sent    ? r.state == core::SubmissionState::Sent
                                   : tab == SubsTab::Rejected && r.state == core::SubmissionState::Rejected;
  };
  auto count = [&](SubsTab tab) {
    if (tab == SubsTab::Drafts) return static_cast<int>(subs.drafts.size());
    int n = 0;
    for (const auto& r : subs.submissions) n += in_tab(r, tab) ? 1 : 0;
    return n;
  };
  if (subs.pick_tab) {  // from home: what needs attention first (rejected, then waiting)
    subs.pick_tab = false;
    subs.tab = count(SubsTab::Rejected) ? SubsTab::Rejected
             : count(SubsTab::Waiting)  ? SubsTab::Waiting
             : count(SubsTab::Sent)     ? SubsTab::Sent
                                        : SubsTab::Waiting;
  }
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
  const std::pair<SubsTab, Str> kTabs[] = {{SubsTab::Drafts, Str::tab_drafts},
                                           {SubsTab::Waiting, Str::tab_waiting},
                                           {SubsTab::Sent, Str::tab_sent},
                                           {SubsTab::Rejected, Str::tab_rejected}};
  std::vector<std::string> labels;
  for (auto [tab, key] : kTabs) labels.push_back(format("%s (%d)", t(key), count(tab)));
  subs.tab = kTabs[tab_buttons(labels, static_cast<int>(subs.tab))].first;
  begin_scroll("##subs");
  if (subs.tab == SubsTab::Drafts) {
    if (subs.drafts.empty()) text(t(Str::no_drafts), colors::kMuted);
    for (std::size_t i = 0; i < subs.drafts.size(); ++i) {
      const auto& d = subs.drafts[i];
      std::string title = subs.draft_names[i].empty() ? form_title(*store, d.form_id, d.form_version, settings.lang)
                                                      : subs.draft_names[i];
      ImGui::PushID(static_cast<int>(i));
      text(title);
      text(form_title(*store, d.form_id, d.form_version, settings.lang) + " · " +
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
    if (count(subs.tab) == 0)
      text(t(subs.tab == SubsTab::Waiting ? Str::no_waiting
             : subs.tab == SubsTab::Sent  ? Str::no_sent
                                          : Str::no_rejected),
           colors::kMuted);
    for (std::size_t i = 0; i < subs.submissions.size(); ++i) {
      const auto& s = subs.submissions[i];
      if (!in_tab(s, subs.tab)) continue;
      std::string when = s.state == core::SubmissionState::Finalized
                             ? format_time(s.finalized_at) + " · " + t(Str::state_finalized)
                         : s.state == core::SubmissionState::Sent
                             ? format_time(s.finalized_at) + " · " + t(Str::state_sent)
                             : format(t(Str::rejected_at_s), format_time(s.state_at).c_str());
      std::string name = subs.submission_names[i].empty() ? form_title(*store, s.form_id, s.form_version, settings.lang)
                                                          : subs.submission_names[i];
      if (s.deprecated_id) when += "\n" + std::string(t(Str::resent_edit));
      // The office's review of a sent survey, pulled at the last sync, inside its row (a
      // rejection is below it, with its button).
      std::string review;
      ImU32 review_color = colors::kOk;
      if (s.state == core::SubmissionState::Sent && s.review == "approved") {
        review = t(Str::device_review_approved);
      } else if (s.state == core::SubmissionState::Sent && s.review == "has_issues") {
        review = format(t(Str::device_review_issues_s), s.review_comment.c_str());
        review_color = colors::kCaution;
      }
      row(name, form_title(*store, s.form_id, s.form_version, settings.lang) + "\n" + when, &s, review, review_color);
      if (s.state == core::SubmissionState::Rejected) {
        // The office's reason, where the officer reads it before going back to the establishment.
        text(format(t(Str::reject_reason_s), s.reject_reason.value_or("").c_str()), colors::kDanger);
        // Editing it makes a new survey naming this one as the one it replaces (meta/deprecatedID);
        // an edit already begun is opened again.
        ImGui::PushID(&s);
        bool edit = button(t(Str::edit_resend));
        ImGui::PopID();
        ImGui::Separator();
        if (edit) {
          auto draft = store->begin_edit(s.instance_id);
          if (!draft) show_notice(format(t(Str::error_s), draft.error().message.c_str()), colors::kBannerWarn);
          else open_draft(*draft);
          break;
        }
      }
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
      // Its open conflicts change without the record (a pull that brings only the office's
      // resolution): they are part of what the labelled view is for.
      auto conflicts = store->record_conflicts(record->record_id);
      std::vector<core::RecordConflict> open = conflicts ? std::move(conflicts).value() : std::vector<core::RecordConflict>{};
      std::string key = record->record_id + "\x02" + std::to_string(record->updated_at) + "\x02" +
                        std::to_string(static_cast<int>(settings.lang));
      for (const auto& c : open) key += "\x02" + c.conflict_id;
      if (reg.props_key != key) {  // labelling starts a session of the form: once, not every frame
        record_view(*record, open);
        reg.props_key = key;
      }
      if (!reg.conflicts.empty()) {
        heading(t(Str::record_conflicts));
        text(t(Str::record_conflicts_note), colors::kMuted);
        for (const auto& line : reg.conflicts) text(line, colors::kCaution);
      }
      for (const auto& p : reg.props) {
        if (p.value.empty() || p.path == "name") continue;  // the name is the heading
        text(p.label, colors::kMuted);
        text(p.value);
      }
      text(format(t(Str::updated_s), format_time(record->updated_at).c_str()), colors::kMuted);
      draw_record_survey(*record);
      heading(t(Str::history));
      for (const auto& h : reg.history) {
        text(h.when);
        text(h.who, colors::kMuted);
        for (const auto& line : h.lines) text(line);
        ImGui::Separator();
      }
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
      if (k == "commune" || k == "village" || k == "district")
        detail += (detail.empty() ? "" : " · ") + (k == "commune" ? commune_label(p.value) : p.value);
    if (row(r.name, detail, &r)) reg.open_record = r.record_id;
  }
  end_scroll();
}

}  // namespace khaosat::ui
