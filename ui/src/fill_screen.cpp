// FillScreen: pages, navigation, the overview, the end page and autosave (fill_screen.hpp).
// The controls of one question are in fill_controls.cpp.
#include "fill_screen.hpp"

#include <algorithm>
#include <unordered_map>

#include <imgui.h>

#include "app_impl.hpp"

namespace khaosat::ui {

using Prompt = core::FormSession::Prompt;

FillScreen::FillScreen(AppImpl& app, core::FormRecord form, std::unique_ptr<core::FormSession> session,
                       std::string draft_id, const std::string& position)
    : app_(app), form_(std::move(form)), session_(std::move(session)), draft_id_(std::move(draft_id)) {
  refresh();
  if (!position.empty())
    if (int p = page_of(position); p >= 0) go_to(p);
}

// --- Pages -----------------------------------------------------------------------------------

void FillScreen::refresh() {
  std::uint64_t rev = session_->revision();
  if (rev == revision_) return;
  revision_ = rev;
  pages_ = session_->pages();
  int n = static_cast<int>(pages_.size());
  int p = page_ref_.empty() ? page_ : page_of(page_ref_);
  if (p < 0) p = page_;
  page_ = std::clamp(p, 0, n);
  page_ref_ = page_ < n ? pages_[page_].ref : "";
  page_nodes_.clear();
  page_context_.clear();
  page_remove_ref_.clear();
  if (page_ < n) {
    const Prompt& prompt = pages_[page_];
    std::vector<std::string> refs = prompt.refs;
    if (refs.empty() && prompt.kind == Prompt::Kind::Question) refs.push_back(prompt.ref);
    for (const auto& r : refs)
      if (auto node = session_->node(r)) page_nodes_.push_back(std::move(*node));
    page_context_ = context_of(prompt.ref, prompt.kind == Prompt::Kind::AddRepeat ? nullptr : &page_remove_ref_);
  } else {
    end_violations_ = session_->validate();
  }
  overview_stale_ = true;
}

int FillScreen::page_of(const std::string& ref) const {
  for (std::size_t i = 0; i < pages_.size(); ++i) {
    const Prompt& p = pages_[i];
    if (p.ref == ref || std::find(p.refs.begin(), p.refs.end(), ref) != p.refs.end()) return static_cast<int>(i);
  }
  for (std::size_t i = 0; i < pages_.size(); ++i) {  // a group or repeat: its first page
    const std::string& r = pages_[i].ref;
    if (r.size() > ref.size() && r.compare(0, ref.size(), ref) == 0 && (r[ref.size()] == '/' || r[ref.size()] == '['))
      return static_cast<int>(i);
  }
  return -1;
}

void FillScreen::go_to(int page) {
  autosave();
  page_ = std::clamp(page, 0, static_cast<int>(pages_.size()));
  page_ref_ = page_ < static_cast<int>(pages_.size()) ? pages_[page_].ref : "";
  revision_ = ~std::uint64_t{0};  // rebuild the page's snapshots
  refresh();
  overview_open_ = false;
  scroll_top_ = true;
  error_.clear();
  app_.probe.focused_field = 0;
}

bool FillScreen::page_has_problem(int) const {
  for (const auto& n : page_nodes_)
    if (n.relevant && !n.valid) return true;
  return false;
}

// The groups and repeat instances around `ref`, as "A2. Production › Main products 2"; the
// innermost repeat instance whose count the officer decides goes to `remove_ref`.
std::string FillScreen::context_of(const std::string& ref, std::string* remove_ref) const {
  std::string out;
  for (std::size_t slash = ref.find('/', 1); slash != std::string::npos; slash = ref.find('/', slash + 1)) {
    std::string prefix = ref.substr(0, slash);
    if (std::count(prefix.begin(), prefix.end(), '/') < 2) continue;  // the root
    auto node = session_->node(prefix);
    if (!node || node->label.empty()) continue;
    std::string part = node->label;
    if (node->type == core::NodeType::RepeatInstance) {
      auto open = prefix.rfind('[');
      if (open != std::string::npos) {
        part += " " + prefix.substr(open + 1, prefix.size() - open - 2);
        auto repeat = session_->node(prefix.substr(0, open));
        if (remove_ref && repeat && !repeat->controlled) *remove_ref = prefix;
      }
    }
    out += (out.empty() ? "" : " › ") + part;
  }
  return out;
}

// A repeat's label: the repeat's own, else its instances' (XLSForm puts it on the group
// around the repeat), else the ref.
std::string FillScreen::repeat_label(const std::string& ref) const {
  if (auto repeat = session_->node(ref); repeat && !repeat->label.empty()) return repeat->label;
  if (auto first = session_->node(ref + "[1]"); first && !first->label.empty()) return first->label;
  return ref.substr(ref.rfind('/') + 1);
}

// --- Saving ----------------------------------------------------------------------------------

void FillScreen::autosave() {
  if (!dirty_) return;
  core::DraftSave save;
  save.draft_id = draft_id_;
  save.session = session_.get();
  save.position = page_ref_;
  auto id = app_.store->save_draft(save);
  if (!id) {
    error_ = format(app_.t(Str::error_s), id.error().message.c_str());
    return;
  }
  draft_id_ = *id;
  dirty_ = false;
}

void FillScreen::report(const core::Status& status) {
  if (!status) error_ = format(app_.t(Str::error_s), status.error().message.c_str());
}

void FillScreen::answer(const std::string& ref, const std::string& value) {
  auto st = session_->answer(ref, value);
  report(st);
  if (st) {
    dirty_ = true;
    autosave();
  }
}

void FillScreen::answer_values(const std::string& ref, const std::vector<std::string>& values) {
  auto st = session_->answer_values(ref, values);
  report(st);
  if (st) {
    dirty_ = true;
    autosave();
  }
}

// --- Drawing ---------------------------------------------------------------------------------

FillScreen::Outcome FillScreen::draw() {
  if (leave_requested_) return Outcome::Leave;
  refresh();
  outcome_ = Outcome::Stay;
  if (confirm_leave_ || !confirm_remove_.empty()) {
    draw_confirm();
    return outcome_;
  }
  bool wide = ImGui::GetIO().DisplaySize.x >= dp(900);
  draw_top(wide);
  if (overview_open_) {  // full screen on any display: the side panel is a glance, this a search
    draw_overview();
    return outcome_;
  }
  ImVec2 origin = ImGui::GetCursorPos();
  float side = wide ? ImGui::GetContentRegionAvail().x * 0.36f : 0;
  if (wide) ImGui::SetCursorPos(ImVec2(origin.x + side + dp(12), origin.y));
  ImGui::BeginChild("##pane", ImVec2(0, 0), false, ImGuiWindowFlags_NoScrollWithMouse);
  begin_scroll("##page", touch_height() + 2 * ImGui::GetStyle().ItemSpacing.y);
  if (scroll_top_) {
    ImGui::SetScrollY(0);
    scroll_top_ = false;
  }
  if (!error_.empty()) banner(error_, colors::kBannerWarn);
  if (page_ < static_cast<int>(pages_.size())) draw_page();
  else draw_end();
  end_scroll();
  draw_nav();
  ImGui::EndChild();
  if (wide) {
    ImGui::SetCursorPos(origin);
    ImGui::BeginChild("##side", ImVec2(side, 0), false, ImGuiWindowFlags_NoScrollWithMouse);
    draw_overview();
    ImGui::EndChild();
  }
  return leave_requested_ ? Outcome::Leave : outcome_;
}

void FillScreen::draw_top(bool wide) {
  const char* label = app_.t(Str::back);
  float w = ImGui::CalcTextSize(label).x + 2 * ImGui::GetStyle().FramePadding.x;
  if (button(label, Tone::Secondary, w)) back();
  ImGui::SameLine();
  int n = static_cast<int>(pages_.size());
  float bar_w = ImGui::GetContentRegionAvail().x;
  ImVec2 p = ImGui::GetCursorScreenPos();
  std::string progress = page_ < n ? format(app_.t(Str::progress_d_d), page_ + 1, n) : app_.t(Str::end_of_form);
  ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + dp(4)));
  text(progress, colors::kMuted);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  float y = p.y + touch_height() - dp(8);
  dl->AddRectFilled(ImVec2(p.x, y), ImVec2(p.x + bar_w, y + dp(5)), colors::kRowBg, dp(2));
  float f = n ? static_cast<float>(page_) / static_cast<float>(n) : 1.0f;
  dl->AddRectFilled(ImVec2(p.x, y), ImVec2(p.x + bar_w * f, y + dp(5)), colors::kOk, dp(2));
  ImGui::SetCursorScreenPos(ImVec2(ImGui::GetWindowPos().x + ImGui::GetStyle().WindowPadding.x,
                                   p.y + touch_height() + ImGui::GetStyle().ItemSpacing.y));
  if (wide) text(title_for_people(form_.title, app_.settings.lang), colors::kPrimary);
  ImGui::Separator();
}

void FillScreen::draw_nav() {
  int n = static_cast<int>(pages_.size());
  float w = row_button_width(3);
  if (button(app_.t(Str::prev), Tone::Secondary, w) && page_ > 0) go_to(page_ - 1);
  ImGui::SameLine();
  if (button(app_.t(Str::overview), Tone::Secondary, w)) {
    overview_open_ = true;
    overview_stale_ = true;
  }
  ImGui::SameLine();
  if (page_ < n) {
    if (button(app_.t(Str::next), Tone::Primary, w)) {
      if (page_has_problem(page_)) {
        attempted_.insert(page_ref_);
        scroll_to_problem_ = true;
      } else {
        go_to(page_ + 1);
      }
    }
  }
}

void FillScreen::draw_page() {
  const Prompt& prompt = pages_[page_];
  if (!page_context_.empty()) text(page_context_, colors::kMuted);
  if (prompt.kind == Prompt::Kind::AddRepeat) {
    draw_add_repeat(prompt);
    return;
  }
  bool show_required = attempted_.count(page_ref_) > 0;
  if (prompt.kind == Prompt::Kind::FieldList)
    if (auto group = session_->node(prompt.ref); group && !group->label.empty()) heading(group->label);
  for (std::size_t i = 0; i < page_nodes_.size(); ++i) {
    if (i) ImGui::Separator();
    if (scroll_to_problem_ && page_nodes_[i].relevant && !page_nodes_[i].valid) {
      // Next was refused: the first question that stops it comes to the region's top (a
      // field-list page may have it out of sight, above or below).
      ImGui::SetScrollY(std::max(0.0f, ImGui::GetScrollY() + ImGui::GetCursorScreenPos().y - ImGui::GetWindowPos().y - dp(8)));
      scroll_to_problem_ = false;
    }
    ImGui::PushID(static_cast<int>(i));
    draw_question(page_nodes_[i], show_required);
    ImGui::PopID();
  }
  scroll_to_problem_ = false;
  if (!page_remove_ref_.empty()) {
    ImGui::Dummy(ImVec2(0, dp(16)));
    draw_remove_instance(page_remove_ref_);
  }
}

void FillScreen::draw_add_repeat(const Prompt& prompt) {
  std::string label = repeat_label(prompt.ref);
  heading(format(app_.t(Str::add_repeat_s), label.c_str()));
  text(format(app_.t(Str::instances_d), prompt.count), colors::kMuted);
  if (button(app_.t(Str::add))) {
    report(session_->add_repeat(prompt.ref));
    dirty_ = true;
    autosave();
    page_ref_.clear();  // stay at this index: the new instance's first question is here now
    scroll_top_ = true;
    return;
  }
  if (button(app_.t(Str::no_continue), Tone::Secondary)) go_to(page_ + 1);
}

void FillScreen::draw_remove_instance(const std::string& ref) {
  if (button(app_.t(Str::remove_instance), Tone::Danger)) {
    confirm_remove_ = ref;
    confirm_label_ = page_context_;
  }
}

void FillScreen::draw_confirm() {
  begin_scroll("##confirm", touch_height() + 2 * ImGui::GetStyle().ItemSpacing.y);
  ImGui::Dummy(ImVec2(0, dp(24)));
  if (confirm_leave_) text(app_.t(Str::leave_form));
  else text(format(app_.t(Str::confirm_remove_s), confirm_label_.c_str()));
  end_scroll();
  float w = row_button_width(2);
  if (confirm_leave_) {
    if (button(app_.t(Str::stay), Tone::Secondary, w)) confirm_leave_ = false;
    ImGui::SameLine();
    if (button(app_.t(Str::leave), Tone::Primary, w)) {
      confirm_leave_ = false;
      autosave();
      outcome_ = Outcome::Leave;
    }
    return;
  }
  if (button(app_.t(Str::cancel), Tone::Secondary, w)) confirm_remove_.clear();
  ImGui::SameLine();
  if (button(app_.t(Str::yes_remove), Tone::Danger, w)) {
    report(session_->remove_repeat(confirm_remove_));
    confirm_remove_.clear();
    dirty_ = true;
    autosave();
    page_ref_.clear();
    scroll_top_ = true;
  }
}

void FillScreen::back() {
  if (overview_open_) overview_open_ = false;
  else if (!confirm_remove_.empty()) confirm_remove_.clear();
  else if (draft_id_.empty() && !dirty_) leave_requested_ = true;  // nothing to keep
  else confirm_leave_ = !confirm_leave_;
}

void FillScreen::draw_end() {
  heading(app_.t(Str::end_of_form));
  if (end_violations_.empty()) {
    text(app_.t(Str::ready_to_send), colors::kOk);
  } else {
    text(format(app_.t(Str::problems_n), static_cast<int>(end_violations_.size())), colors::kDanger);
    for (const auto& [ref, violation] : end_violations_) {
      auto node = session_->node(ref);
      std::string title = node && !node->label.empty() ? node->label : ref;
      std::string detail = !violation.message.empty() ? violation.message
                         : violation.condition == core::ViolationCondition::Required
                             ? app_.t(Str::required_default)
                             : app_.t(Str::constraint_default);
      if (row(title, detail, &violation)) {
        int p = page_of(ref);
        if (p >= 0) {
          go_to(p);
          attempted_.insert(page_ref_);
        }
        return;
      }
    }
  }
  ImGui::Dummy(ImVec2(0, dp(12)));
  if (button(app_.t(Str::save_draft), Tone::Secondary)) {
    dirty_ = true;
    autosave();
    if (error_.empty()) {
      app_.show_notice(app_.t(Str::draft_saved), colors::kRowSelected);
      outcome_ = Outcome::Leave;
    }
  }
  if (button(app_.t(Str::save_and_send))) {
    core::FinalizeRequest request;
    request.session = session_.get();
    request.draft_id = draft_id_;
    auto out = app_.store->finalize(request);
    if (!out) error_ = format(app_.t(Str::error_s), out.error().message.c_str());
    else if (!out->finalized) end_violations_ = out->violations;
    else outcome_ = Outcome::Finalized;
  }
}

// --- Overview --------------------------------------------------------------------------------

void FillScreen::build_overview() {
  overview_.clear();
  std::unordered_map<std::string, std::size_t> by_ref;
  std::vector<core::NodeSnapshot> nodes = session_->nodes();
  for (std::size_t i = 0; i < nodes.size(); ++i) by_ref.emplace(nodes[i].ref, i);
  auto label_of = [&](const std::string& ref) -> std::string {
    auto it = by_ref.find(ref);
    return it == by_ref.end() ? ref : nodes[it->second].label;
  };
  for (std::size_t i = 0; i < pages_.size(); ++i) {
    const Prompt& p = pages_[i];
    OverviewRow r;
    r.page = static_cast<int>(i);
    if (p.kind == Prompt::Kind::AddRepeat) {
      r.title = "+ " + repeat_label(p.ref);
      r.detail = format(app_.t(Str::instances_d), p.count);
    } else {
      r.title = label_of(p.ref);
      auto it = by_ref.find(p.ref);
      if (it != by_ref.end() && nodes[it->second].leaf) r.detail = display_value(nodes[it->second]);
      if (r.detail.empty()) r.detail = "—";
    }
    if (r.title.empty()) r.title = p.ref;
    overview_.push_back(std::move(r));
  }
  OverviewRow end;
  end.page = static_cast<int>(pages_.size());
  end.title = app_.t(Str::end_of_form);
  overview_.push_back(std::move(end));
  overview_stale_ = false;
}

void FillScreen::draw_overview() {
  if (overview_stale_) build_overview();
  begin_scroll("##overview");
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(overview_.size()), list_row_height());
  int jump = -1;
  while (clipper.Step())
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const OverviewRow& r = overview_[static_cast<std::size_t>(i)];
      if (list_row(r.title, r.detail, &r, r.page == page_)) jump = r.page;
    }
  end_scroll();
  if (jump >= 0) go_to(jump);
}

}  // namespace khaosat::ui
