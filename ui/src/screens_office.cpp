// The office view (app_impl.hpp; docs/app.md, "Office"): for a device enrolled as admin or
// viewer, on the office PC or a phone. Submissions of a form (by commune) with their review
// state; one submission's answers (by the form's labels) and review trail, and for an admin the
// review buttons; the queue: conflicting edits with both values side by side, possible duplicate
// records, and for an admin the decisions (merge / distinct, keep this one / the other); the
// plan (screens_office_plan.cpp). Everything comes from the server's /v1/office/... endpoints
// through SyncPort::office_call, on the worker; answers land in `office` on the UI thread, stale
// ones (an older generation) are dropped.
#include <algorithm>

#include <imgui.h>

#include "app_impl.hpp"
#include "khaosat/core/store_ids.hpp"

namespace khaosat::ui {

namespace {

Str state_text(const std::string& state) {
  if (state == "approved") return Str::review_approved;
  if (state == "rejected") return Str::review_rejected;
  if (state == "has_issues") return Str::review_has_issues;
  return Str::review_received;
}

ImU32 state_color(const std::string& state) {
  if (state == "approved") return colors::kOk;
  if (state == "rejected") return colors::kDanger;
  if (state == "has_issues") return colors::kDanger;
  return colors::kMuted;
}

Str reason_text(const std::string& reason) {
  if (reason == "tax_code") return Str::dup_reason_tax;
  if (reason == "phone") return Str::dup_reason_phone;
  return Str::dup_reason_name;
}

// Two values side by side (each half of the width, wrapped), under their captions.
void side_by_side(const char* left_caption, const std::string& left, const char* right_caption,
                  const std::string& right) {
  float w = ImGui::GetContentRegionAvail().x, half = (w - ImGui::GetStyle().ItemSpacing.x) / 2;
  ImGui::BeginGroup();
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + half);
  text(left_caption, colors::kMuted);
  text(left.empty() ? "—" : left, colors::kText);
  ImGui::PopTextWrapPos();
  ImGui::EndGroup();
  ImGui::SameLine(ImGui::GetCursorPosX() + half + ImGui::GetStyle().ItemSpacing.x);
  ImGui::BeginGroup();
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + half);
  text(right_caption, colors::kMuted);
  text(right.empty() ? "—" : right, colors::kDanger);
  ImGui::PopTextWrapPos();
  ImGui::EndGroup();
}

}  // namespace

bool AppImpl::office_role() {
  load_counts();
  return counts.role == "admin" || counts.role == "viewer";
}

void AppImpl::office_request(SyncPort::OfficeCall call, std::function<void(AppImpl&, std::string)> on_answer) {
  OfficeState& o = office;
  o.error.clear();
  if (!options.sync) {
    o.error = t(Str::sync_unavailable);
    return;
  }
  int gen = ++o.generation;
  o.loading = true;
  auto st = options.sync->office_call(std::move(call), [this, gen, on_answer](core::Result<std::string> answer) {
    if (gen != office.generation) return;  // the officer moved on
    office.loading = false;
    if (!answer) office.error = format(t(Str::error_s), answer.error().message.c_str());
    else on_answer(*this, std::move(answer).value());
  });
  if (!st) {
    o.loading = false;
    o.error = format(t(Str::error_s), st.error().message.c_str());
  }
}

void AppImpl::office_load_list() {
  OfficeState& o = office;
  o.listed_form = o.form;
  o.listed_commune = o.commune;
  o.list.clear();
  SyncPort::OfficeCall call;
  call.path = "/v1/office/submissions";
  call.query["form_id"] = o.forms[static_cast<std::size_t>(o.form)].form_id;
  if (!o.commune.empty()) call.query["commune"] = o.commune;
  office_request(std::move(call), [](AppImpl& app, std::string body) {
    auto list = read_office_submissions(body);
    if (!list) {
      app.office.error = format(app.t(Str::error_s), list.error().message.c_str());
      return;
    }
    // Current versions first (what the office reviews), those an edit replaced after them.
    app.office.list = std::move(list).value();
    std::stable_partition(app.office.list.begin(), app.office.list.end(),
                          [](const OfficeSubmission& s) { return s.replaced_by.empty(); });
  });
}

void AppImpl::office_open(const std::string& form_id, const std::string& instance_id) {
  OfficeState& o = office;
  o.open_id = instance_id;
  o.show_technical = false;
  o.have_detail = false;
  o.comment.clear();
  SyncPort::OfficeCall call;
  call.path = "/v1/office/submission";
  call.query = {{"form_id", form_id}, {"instance_id", instance_id}};
  office_request(std::move(call), [](AppImpl& app, std::string body) {
    auto d = read_office_detail(body);
    if (!d) {
      app.office.error = format(app.t(Str::error_s), d.error().message.c_str());
      return;
    }
    app.office.detail = std::move(d).value();
    app.office.have_detail = true;
    app.office.detail_from_top = true;
    app.office_label_answers();
  });
}

void AppImpl::office_label_answers() {
  OfficeState& o = office;
  const OfficeDetail& d = o.detail;
  // The submission's form version on this device, else the current one (the labels rarely differ).
  auto form = store->load_form(d.summary.form_id, d.form_version);
  if (!form)
    for (const auto& f : o.forms)
      if (f.form_id == d.summary.form_id) form = store->load_form(f.form_id, f.version);
  std::string language = form ? session_language(core::summarize(*form).languages) : "";
  o.answers = label_answers(form ? &*form : nullptr, language, d.xml, d.answers);
  o.answers_lang = static_cast<int>(settings.lang);
}

void AppImpl::office_decide(const std::string& action, std::string body) {
  SyncPort::OfficeCall call;
  call.method = "POST";
  call.path = "/v1/office/queue/" + action;
  call.body = std::move(body);
  office_request(std::move(call), [](AppImpl& app, std::string) {
    app.show_notice(app.t(Str::queue_decided), colors::kRowSelected);
    app.office.queue_reason.clear();
    app.office_load_queue();
  });
}

void AppImpl::office_review(const std::string& state) {
  OfficeState& o = office;
  if (state == "rejected" && o.comment.find_first_not_of(" \t\r\n") == std::string::npos) {
    o.error = t(Str::review_needs_reason);
    return;
  }
  SyncPort::OfficeCall call;
  call.method = "POST";
  call.path = "/v1/office/review";
  call.body = office_review_body(o.detail.summary.form_id, o.detail.summary.instance_id, state, o.comment);
  std::string form_id = o.detail.summary.form_id, id = o.detail.summary.instance_id;
  office_request(std::move(call), [state, form_id, id](AppImpl& app, std::string) {
    app.show_notice(format(app.t(Str::review_saved_s), app.t(state_text(state))), colors::kRowSelected);
    app.office.listed_form = -1;  // the list shows the new state when next drawn
    app.office_open(form_id, id);
  });
}

void AppImpl::office_load_queue() {
  office.queue_asked = true;
  SyncPort::OfficeCall call;
  call.path = "/v1/office/queue";
  office_request(std::move(call), [](AppImpl& app, std::string body) {
    auto q = read_office_queue(body);
    if (!q) {
      app.office.error = format(app.t(Str::error_s), q.error().message.c_str());
      return;
    }
    app.office.queue = std::move(q).value();
    app.office.have_queue = true;
  });
}

void AppImpl::draw_office() {
  OfficeState& o = office;
  top_bar(t(Str::office));
  if (!office_role()) {
    text(t(Str::office_needs_enroll), colors::kMuted);
    return;
  }
  if (!o.forms_loaded) {
    o.forms.clear();
    if (auto forms = store->list_forms())
      for (auto& f : *forms)
        if (f.current) o.forms.push_back(std::move(f));
    std::sort(o.forms.begin(), o.forms.end(), [](const auto& a, const auto& b) { return a.title < b.title; });
    o.forms_loaded = true;
    if (o.form >= static_cast<int>(o.forms.size())) o.form = 0;
  }
  std::vector<std::string> tabs = {t(Str::office_received),
                                   o.have_queue ? format(t(Str::office_queue_n), static_cast<int>(o.queue.size()))
                                                : std::string(t(Str::office_queue)),
                                   t(Str::office_plan)};
  const OfficeTab kTabs[] = {OfficeTab::Submissions, OfficeTab::Queue, OfficeTab::Plan};
  OfficeTab tab = kTabs[tab_buttons(tabs, static_cast<int>(o.tab))];
  if (tab != o.tab) {
    o.tab = tab;
    o.error.clear();
    if (tab == OfficeTab::Queue) o.queue_asked = false;  // fresh each time it is opened
    else o.listed_form = -1;
  }
  if (!o.error.empty()) text(o.error, colors::kDanger);
  if (o.loading) text(t(Str::office_loading), colors::kMuted);
  if (o.tab == OfficeTab::Queue) {
    if (!o.queue_asked && !o.loading) office_load_queue();
    draw_office_queue();
    return;
  }
  if (o.tab == OfficeTab::Plan) {
    draw_office_plan();
    return;
  }
  if (o.forms.empty()) {
    text(t(Str::office_no_forms), colors::kMuted);
    return;
  }
  // Wide (the office PC): the list on the left, the open submission on the right.
  const bool wide = ImGui::GetContentRegionAvail().x >= dp(840);
  if (!wide && !o.open_id.empty()) {
    draw_office_detail();
    return;
  }
  if (wide) ImGui::BeginChild("##office-list", ImVec2(ImGui::GetContentRegionAvail().x * 0.42f, 0));
  std::vector<std::string> form_labels;
  for (const auto& f : o.forms) form_labels.push_back(title_for_people(f.title, settings.lang));
  int picked = tab_buttons(form_labels, o.form);
  if (picked != o.form) {
    o.form = picked;
    o.open_id.clear();
  }
  if (draw_office_commune_filter()) draw_office_list();
  if (wide) {
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("##office-detail", ImVec2(0, 0));
    if (o.open_id.empty()) text(t(Str::office_pick), colors::kMuted);
    else draw_office_detail();
    ImGui::EndChild();
  }
}

void AppImpl::draw_office_list() {
  OfficeState& o = office;
  if ((o.listed_form != o.form || o.listed_commune != o.commune) && !o.loading) office_load_list();
  begin_scroll("##office-subs");
  if (!o.loading && o.error.empty() && o.list.empty()) text(t(Str::office_none), colors::kMuted);
  for (const auto& s : o.list) {
    std::string title = s.name.empty() ? s.instance_id : s.name;
    std::string detail = (s.commune.empty() ? "" : commune_label(s.commune) + " · ") + t(state_text(s.state)) + " · " +
                         format(t(Str::received_at_s), format_time(s.received_at).c_str());
    if (!s.replaced_by.empty()) detail += "\n" + format(t(Str::replaced_by_s), s.replaced_by.c_str());
    else if (!s.deprecated_id.empty()) detail += "\n" + format(t(Str::edit_of_s), s.deprecated_id.c_str());
    if (row(title, detail, &s) && !o.loading) {
      office_open(s.form_id, s.instance_id);
      break;
    }
  }
  end_scroll();
}

bool AppImpl::draw_office_commune_filter() {
  OfficeState& o = office;
  // The commune by its label (the server filters by its code): typed, accents optional, and
  // picked among the communes it matches; a single match, or a label typed whole, is taken at once.
  auto blank = [](const std::string& s) { return s.find_first_not_of(' ') == std::string::npos; };
  auto take = [&o, this](const core::Choice& c) {
    o.commune = c.value;
    o.commune_typed = c.label;
    o.commune_lang = static_cast<int>(settings.lang);
  };
  if (!o.commune.empty() && o.commune_lang >= 0 && o.commune_lang != static_cast<int>(settings.lang))
    take({o.commune, commune_label(o.commune)});  // the label picked, in the language now used
  if (text_field("##commune", t(Str::office_commune), &o.commune_typed, 0, t(Str::office_commune_hint))) {
    auto found = match_choices(communes(), o.commune_typed);
    o.commune_lang = -1;  // not a label picked, until one is
    if (blank(o.commune_typed)) o.commune.clear();
    else if (found.size() == 1) take(*found[0]);
    else
      for (const core::Choice* c : found)
        if (core::fold_for_search(c->label) == core::fold_for_search(o.commune_typed)) take(*c);
  }
  if (blank(o.commune_typed) || (!o.commune.empty() && o.commune_typed == commune_label(o.commune))) return true;
  text(t(Str::office_pick_commune), colors::kMuted);
  begin_scroll("##office-communes");
  auto found = match_choices(communes(), o.commune_typed);
  if (found.empty()) text(t(Str::no_match), colors::kMuted);
  for (const core::Choice* c : found)
    if (choice_row(c->label, false, false, c)) {
      take(*c);
      break;
    }
  end_scroll();
  return false;
}

void AppImpl::draw_office_detail() {
  OfficeState& o = office;
  if (!o.have_detail) return;
  const OfficeDetail& d = o.detail;
  const OfficeSubmission& s = d.summary;
  begin_scroll("##office-detail-scroll");
  if (o.detail_from_top) {  // another survey: from its top, not where the last one was scrolled to
    ImGui::SetScrollY(0);
    o.detail_from_top = false;
  }
  heading(s.name.empty() ? s.instance_id : s.name);
  text(std::string(t(state_text(s.state))) + (s.comment.empty() ? "" : ": " + s.comment), state_color(s.state));
  text((s.commune.empty() ? "" : commune_label(s.commune) + " · ") + format(t(Str::received_at_s), format_time(s.received_at).c_str()),
       colors::kMuted);
  if (!s.replaced_by.empty()) text(format(t(Str::replaced_by_s), s.replaced_by.c_str()), colors::kMuted);
  if (!s.deprecated_id.empty()) text(format(t(Str::edit_of_s), s.deprecated_id.c_str()), colors::kMuted);
  if (counts.role == "admin") {
    text_field("##review-comment", t(Str::review_comment), &o.comment, 0, t(Str::review_comment_hint));
    static const char* const kStates[] = {"approved", "has_issues", "rejected"};
    int tapped = button_row({{t(Str::approve), Tone::Primary}, {t(Str::mark_issues), Tone::Secondary},
                             {t(Str::reject), Tone::Danger}});
    if (tapped >= 0 && !o.loading) office_review(kStates[tapped]);
  } else {
    text(t(Str::viewer_only), colors::kMuted);
  }
  if (!d.reviews.empty()) {
    heading(t(Str::review_history));
    for (const auto& r : d.reviews)
      text(format_time(r.at) + " · " + t(state_text(r.state)) + (r.comment.empty() ? "" : ": " + r.comment) + " · " + device_name(r.by),
           state_color(r.state));
  }
  heading(t(Str::answers));
  if (o.answers_lang != static_cast<int>(settings.lang)) office_label_answers();
  // The questions' answers first; what no question labels (metadata, unlabelled calculations)
  // under a button, by its XML name, for whoever needs it.
  int technical = 0;
  for (const auto& a : o.answers) {
    if (a.value.empty()) continue;
    if (a.technical) {
      ++technical;
      continue;
    }
    text(a.label, colors::kMuted);
    text(a.value);
  }
  if (technical > 0) {
    ImGui::Spacing();
    if (button(format(t(o.show_technical ? Str::technical_hide_d : Str::technical_show_d), technical), Tone::Secondary))
      o.show_technical = !o.show_technical;
    if (o.show_technical)
      for (const auto& a : o.answers)
        if (a.technical && !a.value.empty()) {
          text(a.label, colors::kMuted);
          text(a.value);
        }
  }
  end_scroll();
}

void AppImpl::draw_office_queue() {
  OfficeState& o = office;
  if (button(t(Str::office_reload), Tone::Secondary) && !o.loading) office_load_queue();
  if (!o.have_queue) return;
  const OfficeQueue& q = o.queue;
  const bool decides = counts.role == "admin";
  begin_scroll("##office-queue");
  if (q.size() == 0) text(t(Str::queue_empty), colors::kMuted);
  if (decides && q.size() > 0)
    text_field("##queue-reason", t(Str::queue_reason), &o.queue_reason, 0, t(Str::queue_reason_hint));
  // What was tapped, sent after the lists are drawn (the answer replaces them).
  std::pair<std::string, std::string> chosen;  // action, body
  // Keep this / Keep the other under a conflict, for an admin; `this_side` names the shown value
  // in the resolve call ("kept" for a registry field, "stored" for a submission).
  auto keep_buttons = [&](const std::string& conflict, const char* this_side) {
    if (!decides) return;
    int tapped = button_row({{t(Str::queue_keep_this)}, {t(Str::queue_keep_other)}});
    if (tapped >= 0) chosen = {"resolve", office_resolve_body(conflict, tapped == 0 ? this_side : "other", o.queue_reason)};
  };
  if (!q.conflicts.empty() || !q.submission_conflicts.empty()) heading(t(Str::conflicts_title));
  for (const auto& c : q.conflicts) {
    ImGui::PushID(&c);
    text((c.name.empty() ? c.record_id : c.name) + " · " + c.property);
    side_by_side(t(Str::kept_value), c.kept, t(Str::other_value), c.other);
    keep_buttons(c.conflict, "kept");
    ImGui::PopID();
    ImGui::Separator();
  }
  for (const auto& c : q.submission_conflicts) {
    ImGui::PushID(&c);
    text(format(t(Str::conflict_submission_s), c.instance_id.c_str()));
    side_by_side(t(Str::stored_value), format_time(c.stored_at) + "\n" + c.stored_device_id, t(Str::other_value),
                 format_time(c.other_at) + "\n" + c.other_device_id);
    keep_buttons(c.conflict, "stored");
    ImGui::PopID();
    ImGui::Separator();
  }
  if (!q.duplicates.empty()) heading(t(Str::duplicates_title));
  for (const auto& g : q.duplicates) {
    ImGui::PushID(&g);
    std::string names;
    auto name_of = [&g](std::size_t i) { return g.names[i].empty() ? g.record_ids[i] : g.names[i]; };
    for (std::size_t i = 0; i < g.names.size(); ++i) names += (i ? "\n" : "") + name_of(i);
    text(names);
    text(std::string(t(reason_text(g.reason))) + " · " + g.registry, colors::kMuted);
    if (decides && g.record_ids.size() >= 2) {
      // Merge keeps the first record and merges the next into it; a group of three or more
      // shows again with one record fewer.
      text(format(t(Str::queue_merge_hint_s), name_of(0).c_str()), colors::kMuted);
      int tapped = button_row({{t(Str::queue_merge)}, {t(Str::queue_distinct)}});
      if (tapped == 0) chosen = {"merge", office_merge_body(g.record_ids[0], g.record_ids[1], o.queue_reason)};
      if (tapped == 1) chosen = {"distinct", office_distinct_body(g.record_ids, o.queue_reason)};
    }
    ImGui::PopID();
    ImGui::Separator();
  }
  end_scroll();
  if (!chosen.first.empty() && !o.loading) office_decide(chosen.first, std::move(chosen.second));
}

}  // namespace khaosat::ui
