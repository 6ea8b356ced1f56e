// FillScreen: filling one survey over a core::FormSession. One page at a time (a question, a
// field-list group, or ODK Collect's "add another?" prompt for a repeat), with a bottom bar
// (previous / overview / next); on a wide display the overview stays open on the left. Every
// committed answer is autosaved as a draft (Store::save_draft), so a killed app loses at most
// the answer being typed. The end page lists what still blocks finalizing and has the
// "save as draft" and "save and send" (finalize) buttons.
//
// Caching: pages, the current page's node snapshots and the overview are rebuilt only when
// the session's revision() moves; a frame with no change reads nothing from the session.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "khaosat/core/form_session.hpp"
#include "khaosat/core/store_types.hpp"

namespace khaosat::ui {

class AppImpl;

// A value as the officer reads it: choice labels for selects, else value_for_people (dd/mm/yyyy
// for dates, "lat, lon (± accuracy m)" for a location).
std::string display_value(const core::NodeSnapshot& node);

class FillScreen {
 public:
  enum class Outcome { Stay, Leave, Finalized };
  FillScreen(AppImpl& app, core::FormRecord form, std::unique_ptr<core::FormSession> session,
             std::string draft_id, const std::string& position);
  Outcome draw();
  void back();  // closes the overview, else asks to leave
  const core::FormSession& session() const { return *session_; }
  const std::string& draft_id() const { return draft_id_; }

 private:
  struct OverviewRow {
    int page = 0;
    std::string section, title, detail;
  };
  // fill_screen.cpp: navigation, pages, overview, end page
  void refresh();
  void go_to(int page);
  int page_of(const std::string& ref) const;
  bool page_has_problem(int page) const;
  void draw_top(bool wide);
  void draw_nav();
  void draw_page();
  void draw_add_repeat(const core::FormSession::Prompt& prompt);
  void draw_end();
  void draw_overview();
  void draw_confirm();
  void build_overview();
  std::string context_of(const std::string& ref, std::string* remove_ref) const;
  std::string repeat_label(const std::string& ref) const;
  void autosave();
  void report(const core::Status& status);
  // fill_controls.cpp: one question
  void draw_question(const core::NodeSnapshot& node, bool show_required);
  void draw_text_input(const core::NodeSnapshot& node);
  void draw_number(const core::NodeSnapshot& node);
  void draw_date_time(const core::NodeSnapshot& node);
  void draw_choices(const core::NodeSnapshot& node);
  void draw_geopoint(const core::NodeSnapshot& node);
  void draw_photo(const core::NodeSnapshot& node);
  void draw_date_and_time(const core::NodeSnapshot& node, const std::tm& now, const std::string& zone);
  void draw_remove_instance(const std::string& ref);
  void answer(const std::string& ref, const std::string& value);
  void answer_values(const std::string& ref, const std::vector<std::string>& values);
  std::string& buffer(const core::NodeSnapshot& node, const std::string& shown);

  AppImpl& app_;
  core::FormRecord form_;
  std::unique_ptr<core::FormSession> session_;
  std::string draft_id_;
  std::uint64_t revision_ = ~std::uint64_t{0};
  std::vector<core::FormSession::Prompt> pages_;
  int page_ = 0;              // == pages_.size(): the end page
  std::string page_ref_;      // the current page's ref, to keep the place across recomputes
  std::vector<core::NodeSnapshot> page_nodes_;
  std::vector<std::pair<std::string, core::Violation>> end_violations_;
  std::vector<OverviewRow> overview_;
  bool overview_stale_ = true, overview_open_ = false;
  std::set<std::string> attempted_;  // pages where Next was refused: required messages show
  struct FieldBuffer {
    std::string text;   // what the field shows and the officer edits
    std::string shown;  // the session's value (as displayed) the text was last taken from
  };
  std::unordered_map<core::NodeId, FieldBuffer> buffers_;  // text being typed, per node
  std::unordered_map<core::NodeId, std::string> searches_;   // choice filters, per node
  std::unordered_map<core::NodeId, bool> picking_photo_;
  std::vector<std::string> photo_files_;  // candidates, read when the picker opens
  // dateTime questions: the time half as typed, and the value it was last taken from.
  std::unordered_map<core::NodeId, std::string> times_, time_shown_;
  std::string page_context_;      // "A2. Sản xuất › Sản phẩm chính 2" above the question
  std::string page_remove_ref_;   // the uncontrolled repeat instance the page is in, or ""
  bool scroll_top_ = false;
  bool scroll_to_problem_ = false;  // Next was refused: the page scrolls to its first problem
  Outcome outcome_ = Outcome::Stay;
  std::string confirm_remove_, confirm_label_;
  bool confirm_leave_ = false;
  bool leave_requested_ = false;
  std::string error_;
  std::string label_;  // the label of the question being drawn
  bool dirty_ = false;  // answers since the last autosave
};

}  // namespace khaosat::ui
