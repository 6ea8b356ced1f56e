// App: opening the store, the frame, navigation between screens, settings (app_impl.hpp).
#include "app_impl.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>

#include <imgui.h>

#include "khaosat/core/instance_name.hpp"
#include "khaosat/core/json.hpp"

namespace khaosat::ui {

// --- App (the public face) -------------------------------------------------------------------

App::App(std::unique_ptr<AppImpl> impl) : impl_(std::move(impl)) {}
App::~App() = default;

core::Result<std::unique_ptr<App>> App::open(AppOptions options) {
  auto impl = std::make_unique<AppImpl>();
  impl->options = std::move(options);
  const StoragePaths& paths = impl->options.services.paths;
  core::StoreOptions store_options;
  store_options.actor = "app";
  store_options.env.os = impl->options.services.env;
  auto store = core::Store::open(paths.database, store_options);
  if (!store) return store.error();
  impl->store = std::move(store).value();
  impl->load_settings();
  if (auto st = impl->install_builtin_forms(); !st) return st.error();
  return std::unique_ptr<App>(new App(std::move(impl)));
}

void App::frame() { impl_->frame(); }
void App::back() { impl_->back(); }
const Settings& App::settings() const { return impl_->settings; }
float App::font_pixels() const {
  return std::round(kBaseTextDp * impl_->options.dp * impl_->settings.text_scale);
}
Probe& App::probe() { return impl_->probe; }
bool App::busy() {
  return impl_->office.loading || (impl_->options.sync && impl_->options.sync->progress().running);
}

// --- Opening ---------------------------------------------------------------------------------

core::Status AppImpl::install_builtin_forms() {
  const std::string& dir = options.services.paths.builtin_forms;
  if (dir.empty()) return core::ok_status();
  auto names = env().list_dir(dir);
  if (!names) return names.error();
  std::vector<std::string> forms, media;
  for (const auto& n : *names) {
    std::string path = dir + "/" + n;
    auto info = env().stat(path);
    if (!info || info->kind != core::FileKind::Regular) continue;
    if (n.size() > 3 && n.compare(n.size() - 3, 3, ".md") == 0) forms.push_back(path);
    else if (n.size() > 4 && n.compare(n.size() - 4, 4, ".csv") == 0) media.push_back(path);
  }
  std::sort(forms.begin(), forms.end());
  for (const auto& f : forms) {
    auto installed = store->install_form(f, media);
    if (!installed)
      return core::Error::make(installed.error().code,
                               "built-in form " + f + ": " + installed.error().message);
  }
  return core::ok_status();
}

void AppImpl::load_settings() {
  const std::string& path = options.services.paths.settings;
  if (path.empty()) return;
  auto info = env().stat(path);
  if (!info || info->kind == core::FileKind::Missing) return;
  auto bytes = env().read_file(path, 64 * 1024);
  auto json = bytes ? core::parse_json(*bytes) : core::Result<nlohmann::json>(bytes.error());
  if (!json || !json->is_object()) {
    show_notice(path + ": " + (json ? std::string("not a JSON object") : json.error().message),
                colors::kBannerWarn);
    return;
  }
  if (auto it = json->find("lang"); it != json->end() && it->is_string())
    parse_lang(it->get<std::string>(), &settings.lang);
  if (auto it = json->find("text_scale"); it != json->end() && it->is_number())
    settings.text_scale = std::clamp(it->get<float>(), 0.75f, 2.0f);
  if (auto it = json->find("high_contrast"); it != json->end() && it->is_boolean())
    settings.high_contrast = it->get<bool>();
}

void AppImpl::save_settings() {
  const std::string& path = options.services.paths.settings;
  if (path.empty()) return;
  nlohmann::json j{{"lang", std::string(to_string(settings.lang))}, {"text_scale", settings.text_scale},
                   {"high_contrast", settings.high_contrast}};
  if (auto st = env().write_file_durably(path, j.dump(2) + "\n"); !st)
    show_notice(format(t(Str::error_s), st.error().message.c_str()), colors::kBannerWarn);
}

// --- Frame and navigation --------------------------------------------------------------------

void AppImpl::frame() {
  widgets.dp = options.dp;
  widgets.lang = settings.lang;
  widgets.high_contrast = settings.high_contrast;
  if (applied_contrast != static_cast<int>(settings.high_contrast)) {  // at the first frame and on a change
    apply_style(options.dp, settings.high_contrast);
    applied_contrast = static_cast<int>(settings.high_contrast);
  }
  widgets.probe = &probe;
  widgets.main_region_taken = false;
  set_wctx(&widgets);
  probe.begin_frame();
  if (Worker* w = options.services.worker) w->poll();
  if (options.sync) {
    options.sync->set_language(settings.lang);
    int finished = options.sync->progress().finished;
    if (finished != sync_runs_seen) {  // a sync or enrollment changed the store
      sync_runs_seen = finished;
      invalidate();
    }
  }
  probe.focused_rect.reset();
  ImGuiIO& io = ImGui::GetIO();
  widgets.display_shrunk = widgets.display_h > 0 && io.DisplaySize.y < widgets.display_h;
  widgets.display_h = io.DisplaySize.y;
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(io.DisplaySize);
  ImGui::Begin("##app", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus |
                   ImGuiWindowFlags_NoScrollWithMouse);
  Screen screen = stack.back();
  if (screen == Screen::Fill && fill) {
    FillScreen::Outcome outcome = fill->draw();
    if (outcome == FillScreen::Outcome::Leave) {
      fill.reset();
      invalidate();
      pop();
    } else if (outcome == FillScreen::Outcome::Finalized) {
      fill.reset();
      invalidate();
      stack = {Screen::Home, Screen::Submissions};
      subs.tab = SubsTab::Waiting;
      show_notice(t(Str::finalized), colors::kRowSelected);
    }
  } else {
    // A phone-width column, centred on a wide display.
    // The office view uses a wide display for its list beside the open submission.
    float max_w = dp(screen == Screen::Office ? 1400 : 720), w = ImGui::GetContentRegionAvail().x;
    if (w > max_w) ImGui::SetCursorPosX(ImGui::GetCursorPosX() + (w - max_w) / 2);
    ImGui::BeginChild("##column", ImVec2(std::min(w, max_w), 0), false, ImGuiWindowFlags_NoScrollWithMouse);
    switch (screen) {
      case Screen::Home: draw_home(); break;
      case Screen::Forms: draw_forms(); break;
      case Screen::Submissions: draw_submissions(); break;
      case Screen::Registry: draw_registry(); break;
      case Screen::Settings: draw_settings(); break;
      case Screen::Enroll: draw_enroll(); break;
      case Screen::Office: draw_office(); break;
      case Screen::PickRecord: draw_pick_record(); break;
      case Screen::Fill: pop(); break;  // no session: nothing to fill
    }
    ImGui::EndChild();
  }
  ImGui::End();
  probe.end_frame();
  set_wctx(nullptr);
}

void AppImpl::back() {
  if (stack.back() == Screen::Fill && fill) {
    fill->back();
    return;
  }
  if (stack.back() == Screen::Submissions && !subs.confirm_delete.empty()) {
    subs.confirm_delete.clear();
    return;
  }
  if (stack.back() == Screen::Office && !office.open_id.empty()) {
    office.open_id.clear();
    office.error.clear();
    ++office.generation;  // an answer still on its way is for a screen that is gone
    office.loading = false;
    return;
  }
  if (stack.back() == Screen::Registry && !reg.open_record.empty()) {
    reg.open_record.clear();
    return;
  }
  pop();
}

void AppImpl::push(Screen s) {
  stack.push_back(s);
  notice.clear();
  probe.focused_field = 0;
}

void AppImpl::pop() {
  if (stack.size() > 1) stack.pop_back();
  notice.clear();
  probe.focused_field = 0;
}

void AppImpl::go_home() {
  stack = {Screen::Home};
  notice.clear();
}

void AppImpl::invalidate() {
  counts.loaded = false;
  subs.loaded = false;
  reg.searched = "\x01";
  office.forms_loaded = false;
  communes_lang_ = -1;  // the forms may have changed
}

void AppImpl::show_notice(std::string text, ImU32 color) {
  notice = std::move(text);
  notice_color = color;
}

void AppImpl::top_bar(std::string_view title) {
  if (stack.size() > 1) {
    const char* label = t(Str::back);
    float w = ImGui::CalcTextSize(label).x + 2 * ImGui::GetStyle().FramePadding.x;
    if (button(label, Tone::Secondary, w)) back();
    ImGui::SameLine();
    // Centred on the button's text. The cursor is at the button's top: screen_title draws at the
    // cursor itself, without the baseline offset ImGui gives a text item after a button.
    // A title wrapped to two lines or more starts higher, or at the button's top.
    float h = screen_title_height(title, ImGui::GetContentRegionAvail().x - std::max(1.0f, dp(1.0f)));
    ImGui::SetCursorPosY(ImGui::GetCursorPosY() + std::max(0.0f, (touch_height() - h) / 2));
  }
  screen_title(title);
  ImGui::Separator();
  if (!notice.empty()) banner(notice, notice_color);
}

std::string AppImpl::format_time(std::int64_t ms) {
  std::int64_t local = ms + std::int64_t{env().utc_offset_minutes(ms)} * 60000;
  std::time_t secs = static_cast<std::time_t>(local / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%d/%m/%Y %H:%M", &tm);
  return out;
}

// --- Starting a survey -----------------------------------------------------------------------

core::SessionOptions AppImpl::session_options() {
  core::SessionOptions o;
  o.env.os = options.services.env;
  o.env.uuid = [this] { return store->new_id(); };
  if (LocationService* loc = options.services.location)
    o.env.geopoint = [loc] { return loc->current_fix().value_or(""); };
  return o;
}

std::string AppImpl::session_language(const std::vector<std::string>& languages) const {
  std::string want = settings.lang == Lang::En ? "(en)" : "(vi)";
  for (const auto& l : languages)
    if (l.size() >= want.size() && l.compare(l.size() - want.size(), want.size(), want) == 0) return l;
  return "";
}

void AppImpl::start_form(const core::FormRecord& record) {
  auto form = store->load_form(record.form_id, record.version);
  if (!form) return show_notice(format(t(Str::error_s), form.error().message.c_str()), colors::kBannerWarn);
  core::SessionOptions o = session_options();
  o.language = session_language(core::summarize(*form).languages);
  auto session = core::FormSession::start(*form, o);
  if (!session) return show_notice(format(t(Str::error_s), session.error().message.c_str()), colors::kBannerWarn);
  fill = std::make_unique<FillScreen>(*this, record, std::move(session).value(), "", "");
  push(Screen::Fill);
}

void AppImpl::open_draft(const std::string& draft_id) {
  auto draft = store->get_draft(draft_id);
  if (!draft) return show_notice(format(t(Str::error_s), draft.error().message.c_str()), colors::kBannerWarn);
  auto record = store->get_form(draft->form_id, draft->form_version);
  core::SessionOptions o = session_options();
  auto form = store->load_form(draft->form_id, draft->form_version);
  if (form) o.language = session_language(core::summarize(*form).languages);
  auto restored = store->restore_draft(draft_id, o);
  if (!record || !restored) {
    const core::Error& e = !record ? record.error() : restored.error();
    return show_notice(format(t(Str::error_s), e.message.c_str()), colors::kBannerWarn);
  }
  fill = std::make_unique<FillScreen>(*this, *record, std::move(restored->session), draft_id,
                                      restored->draft.position);
  push(Screen::Fill);
}

std::string instance_name_of(std::string_view xml) {
  auto a = xml.find("<instanceName>");
  if (a == std::string_view::npos) return "";
  a += 14;
  auto b = xml.find("</instanceName>", a);
  if (b == std::string_view::npos) return "";
  std::string s(xml.substr(a, b - a));
  // The XML escapes an instance name can carry.
  const std::pair<const char*, const char*> kEntities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (auto [from, to] : kEntities)
    for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + 1))
      s.replace(p, std::strlen(from), to);
  return core::tidy_instance_name(s);
}

}  // namespace khaosat::ui
