// The home screen, the form list, settings, and the enroll and sync screens (app_impl.hpp).
#include <algorithm>

#include <imgui.h>

#include "app_impl.hpp"

namespace khaosat::ui {

namespace {
int count_or_zero(const auto& result) { return result ? static_cast<int>(result->size()) : 0; }
}  // namespace

void AppImpl::load_counts() {
  if (!counts.loaded) {
    counts.drafts = count_or_zero(store->list_drafts());
    core::SubmissionFilter finalized;
    finalized.state = core::SubmissionState::Finalized;
    counts.finalized = count_or_zero(store->list_submissions(finalized));
    core::SubmissionFilter rejected;
    rejected.state = core::SubmissionState::Rejected;
    rejected.include_superseded = false;
    counts.rejected = count_or_zero(store->list_submissions(rejected));
    auto e = store->enrollment();
    counts.role = e && *e ? (*e)->role : "";
    counts.outbox = 0;
    if (auto outbox = store->list_outbox())
      for (const auto& e : *outbox) counts.outbox += e.acked_at || e.kind != "submission" ? 0 : 1;  // surveys, not registry edits
    counts.loaded = true;
  }
}

void AppImpl::draw_home() {
  load_counts();
  screen_title(t(Str::app_name));
  ImGui::Separator();
  if (!notice.empty()) banner(notice, notice_color);
  NetworkService* net = options.services.network;
  if (net && !net->online()) banner(t(Str::offline_banner), colors::kBannerWarn);
  bool enrolled = options.sync && options.sync->enrolled();
  if (!enrolled) text(t(Str::not_enrolled), colors::kMuted);
  begin_scroll("##home");
  if (button(t(Str::fill_form))) push(Screen::Forms);
  if (button(format(t(Str::drafts_n), counts.drafts), Tone::Secondary)) {
    subs.tab = SubsTab::Drafts;
    push(Screen::Submissions);
  }
  if (button(t(Str::submissions), Tone::Secondary)) {
    subs.pick_tab = true;
    push(Screen::Submissions);
  }
  text(format(t(Str::outbox_n), counts.outbox), colors::kMuted);
  if (counts.rejected > 0) text(format(t(Str::rejected_n), counts.rejected), colors::kDanger);
  if (options.sync && options.sync->enrolled()) {
    SyncProgress p = options.sync->progress();
    text(p.last_success_ms ? format(t(Str::last_sync_s), format_time(p.last_success_ms).c_str())
                           : std::string(t(Str::last_sync_never)),
         colors::kMuted);
  } else {
    text(t(Str::last_sync_never), colors::kMuted);
  }
  if (counts.role == "admin" || counts.role == "viewer")
    if (button(t(Str::office), Tone::Secondary)) push(Screen::Office);
  if (button(t(Str::registry), Tone::Secondary)) push(Screen::Registry);
  if (button(enrolled ? t(Str::sync) : t(Str::enroll), Tone::Secondary)) push(Screen::Enroll);
  if (button(t(Str::settings), Tone::Secondary)) push(Screen::Settings);
  end_scroll();
}

void AppImpl::draw_forms() {
  top_bar(t(Str::choose_form));
  auto forms = store->list_forms();
  begin_scroll("##forms");
  if (!forms) {
    text(format(t(Str::error_s), forms.error().message.c_str()), colors::kDanger);
  } else if (forms->empty()) {
    text(t(Str::no_forms), colors::kMuted);
  } else {
    // Current versions first, in title order; older versions after, muted.
    std::vector<core::FormRecord> list = std::move(forms).value();
    std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
      return a.current != b.current ? a.current : a.title < b.title;
    });
    for (const auto& f : list) {
      std::string detail = format(t(Str::version_s), f.version.c_str());
      if (f.current) detail += std::string(" · ") + t(Str::current_version);
      ImGui::PushID((f.form_id + "\n" + f.version).c_str());  // the list is re-read each frame
      bool tapped = row(title_for_people(f.title, settings.lang), detail, nullptr);
      ImGui::PopID();
      if (tapped) {
        if (!offer_pick(f)) start_form(f);
        break;  // the list is gone once the fill screen is pushed
      }
    }
  }
  end_scroll();
}

void AppImpl::draw_settings() {
  top_bar(t(Str::settings));
  begin_scroll("##settings");
  heading(t(Str::language));
  if (choice_row("Tiếng Việt", settings.lang == Lang::Vi, false, "vi") && settings.lang != Lang::Vi) {
    settings.lang = Lang::Vi;
    save_settings();
  }
  if (choice_row("English", settings.lang == Lang::En, false, "en") && settings.lang != Lang::En) {
    settings.lang = Lang::En;
    save_settings();
  }
  text(t(Str::form_language), colors::kMuted);
  heading(t(Str::text_size));
  const std::pair<Str, float> kSizes[] = {
      {Str::size_small, 0.85f}, {Str::size_normal, 1.0f}, {Str::size_large, 1.25f}, {Str::size_huge, 1.5f}};
  for (auto [key, scale] : kSizes) {
    bool on = std::abs(settings.text_scale - scale) < 0.01f;
    if (choice_row(t(key), on, false, t(key)) && !on) {
      settings.text_scale = scale;
      save_settings();
    }
  }
  heading(t(Str::display));
  if (choice_row(t(Str::high_contrast), settings.high_contrast, true, "contrast")) {
    settings.high_contrast = !settings.high_contrast;
    save_settings();
  }
  heading(t(Str::server));
  text(options.sync && options.sync->enrolled() ? options.sync->server_url() : t(Str::not_enrolled),
       colors::kMuted);
  end_scroll();
}

void AppImpl::draw_enroll() {
  bool enrolled = options.sync && options.sync->enrolled();
  if (enrolled) return draw_sync();
  top_bar(t(Str::enroll));
  begin_scroll("##enroll");
  if (!options.sync) {
    text(t(Str::sync_unavailable), colors::kMuted);
  } else {
    SyncProgress p = options.sync->progress();
    text(t(Str::enroll_keeps_data), colors::kMuted);
    text(t(Str::server_url));
    text_field("##url", t(Str::server_url), &enroll_url, 0, "http://");
    text(t(Str::enroll_code));
    text_field("##code", t(Str::enroll_code), &enroll_code);
    if (p.running) {
      text(t(Str::enrolling), colors::kPrimary);
    } else if (button(t(Str::enroll))) {
      notice.clear();
      if (auto st = options.sync->enroll(enroll_url, enroll_code); !st) show_notice(st.error().message, colors::kBannerWarn);
    }
    if (!p.running && !p.last_error.empty()) text(p.last_error, colors::kDanger);
  }
  end_scroll();
}

namespace {
// "840 B", "12,5 KB", "3,2 MB" (a decimal comma in Vietnamese, a point in English).
std::string byte_size(std::int64_t bytes, Lang lang) {
  std::string s = bytes < 1024          ? format("%d B", static_cast<int>(bytes))
                : bytes < 1024 * 1024   ? format("%.1f KB", static_cast<double>(bytes) / 1024)
                                        : format("%.1f MB", static_cast<double>(bytes) / (1024 * 1024));
  if (lang == Lang::Vi) std::replace(s.begin(), s.end(), '.', ',');
  return s;
}
}  // namespace

void AppImpl::draw_sync() {
  load_counts();
  top_bar(t(Str::sync));
  NetworkService* net = options.services.network;
  if (net && !net->online()) banner(t(Str::offline_banner), colors::kBannerWarn);
  SyncProgress p = options.sync->progress();
  text(format(t(Str::connected_to_s), options.sync->server_url().c_str()), colors::kMuted);
  text(p.last_success_ms ? format(t(Str::last_sync_s), format_time(p.last_success_ms).c_str())
                         : std::string(t(Str::last_sync_never)),
       colors::kMuted);
  text(format(t(Str::outbox_n), counts.outbox), colors::kMuted);
  if (!p.running && p.clock_clamped > 0)
    banner(clock_warning(p.clock_clamped, p.clock_ahead_ms, settings.lang), colors::kBannerWarn);
  if (p.running) {
    text(t(Str::sync_running), colors::kPrimary);
    // The bar's percentage is its overlay, recorded like a text (a walk can expect "90%").
    std::string percent = format("%d%%", static_cast<int>(p.fraction * 100 + 0.5));
    ImGui::ProgressBar(static_cast<float>(p.fraction), ImVec2(-1, dp(24)), percent.c_str());
    record_item(percent, ItemKind::Text);
    if (p.records_total > 0)
      text(format(t(Str::sync_records_d_d), static_cast<int>(p.records_sent), static_cast<int>(p.records_total)));
    if (p.attachments_total > 0)
      text(format(t(Str::sync_files_d_d), static_cast<int>(p.attachments_done), static_cast<int>(p.attachments_total)));
    if (p.bytes_up + p.bytes_down > 0)
      text(format(t(Str::sync_bytes_s_s), byte_size(p.bytes_up, settings.lang).c_str(),
                  byte_size(p.bytes_down, settings.lang).c_str()),
           colors::kMuted);
  } else {
    if (!p.last_error.empty()) text(p.last_error, colors::kDanger);
    if (button(p.last_error.empty() ? t(Str::sync_now) : t(Str::retry))) {
      notice.clear();
      if (auto st = options.sync->start_sync(); !st) show_notice(st.error().message, colors::kBannerWarn);
    }
  }
  heading(t(Str::sync_log));
  begin_scroll("##synclog");
  // Newest first: what just happened is at the top, without scrolling.
  for (auto it = p.log.rbegin(); it != p.log.rend(); ++it) text(*it, colors::kMuted);
  end_scroll();
}

}  // namespace khaosat::ui
