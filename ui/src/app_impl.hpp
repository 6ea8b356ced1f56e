// AppImpl: the app's state and navigation behind App (app.hpp). Screens are member functions
// split by aspect: app.cpp (open, frame, navigation, settings), screens_home.cpp (home, form
// list, settings, enroll/sync), screens_data.cpp (submissions, registry), screens_office.cpp (the
// office view, office_model.hpp); filling a form is FillScreen (fill_screen.hpp).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "khaosat/core/store.hpp"
#include "khaosat/ui/app.hpp"
#include "khaosat/ui/sync_port.hpp"
#include "fill_screen.hpp"
#include "office_model.hpp"
#include "value_format.hpp"
#include "widgets.hpp"

namespace khaosat::ui {

enum class Screen { Home, Forms, Fill, Submissions, Registry, Settings, Enroll, Office, PickRecord };

struct HomeCounts {
  int drafts = 0, finalized = 0, outbox = 0, rejected = 0;
  std::string role;  // the enrollment's role ("" before enrolling)
  bool loaded = false;
};

// The saved-surveys tabs: drafts, finalized and waiting to be sent, sent, rejected by the office.
enum class SubsTab { Drafts, Waiting, Sent, Rejected };

struct SubmissionsState {
  bool loaded = false;
  SubsTab tab = SubsTab::Waiting;
  bool pick_tab = false;  // on the next load, open the first tab that needs attention
  std::vector<core::DraftRecord> drafts;
  std::vector<core::SubmissionRecord> submissions;          // every state, newest versions only
  std::vector<std::string> draft_names, submission_names;  // instance names, "" when none
  std::string confirm_delete;  // draft id awaiting confirmation
};

// One change of a registry record as its screen shows it (AppImpl::record_view).
struct RecordHistoryEntry {
  std::string when;                // "06/12/2026 08:30 · Cập nhật": local time, created or updated
  std::string who;                 // the submission's form (or how else it came) · the device
  std::vector<std::string> lines;  // each field it changed: "Điện thoại: 0912345678 → 0987654321"
};

struct RegistryState {
  core::Registry registry = core::Registry::Establishment;
  std::string query, searched = "\x01";  // what the results are for
  std::vector<core::RegistryRecord> results;
  std::int64_t total = 0;
  std::string open_record;  // record id shown in detail, "" = list
  std::vector<OfficeAnswer> props;  // its properties labelled, in question order (record_view)
  std::vector<RecordHistoryEntry> history;  // its history, newest first (record_view)
  std::vector<std::string> conflicts;       // its open conflicts, labelled (record_view)
  std::string props_key;                    // what props and history are for
};

// Starting a form whose entity fills a registry (screens_entities.cpp): a new record, or one
// picked in the registry with the diacritic-insensitive search.
struct PickState {
  core::FormRecord form;
  core::Registry registry = core::Registry::Establishment;
  std::string query, searched = "\x01";
  std::vector<core::RegistryRecord> results;
};

class AppImpl {
 public:
  AppOptions options;
  std::unique_ptr<core::Store> store;
  Settings settings;
  Probe probe;
  WidgetContext widgets;
  std::vector<Screen> stack{Screen::Home};
  std::unique_ptr<FillScreen> fill;
  std::string notice;
  ImU32 notice_color = colors::kBannerWarn;
  HomeCounts counts;
  SubmissionsState subs;
  RegistryState reg;
  OfficeState office;
  PickState pick;
  std::string enroll_url, enroll_code;
  std::vector<core::Choice> communes_;  // communes(), for the language communes_lang_ (-1 = stale)
  int communes_lang_ = -1;
  int sync_runs_seen = 0;
  int applied_contrast = -1;  // the high-contrast setting the ImGui style has (-1: not applied yet)

  core::Env& env() { return options.services.env ? *options.services.env : core::Env::default_env(); }
  const char* t(Str key) const { return catalogue_text(key, settings.lang); }

  void frame();
  void back();
  void push(Screen s);
  void pop();
  void go_home();
  void invalidate();  // the store changed: lists and counts are re-read when next shown
  void show_notice(std::string text, ImU32 color);
  void save_settings();
  void load_settings();
  core::Status install_builtin_forms();

  // Starting and resuming a survey.
  void start_form(const core::FormRecord& form);
  void open_draft(const std::string& draft_id);
  core::SessionOptions session_options();
  std::string session_language(const std::vector<std::string>& languages) const;
  // Registries from submissions (screens_entities.cpp). The registry a form's entity fills.
  std::optional<core::Registry> registry_of(const core::FormRecord& form);
  // The form list's tap on a form: true when it opened the new-or-existing picker instead of a
  // blank survey (the form fills a registry that has records).
  bool offer_pick(const core::FormRecord& form);
  void start_from_record(const core::FormRecord& form, const std::string& record_id);
  void draw_pick_record();
  // Communes by their labels, in the app's language: the choices of the commune question of the
  // device's current forms (the first that has one), which is how the forms name them; what the
  // app shows wherever a record or a submission names a commune by its code.
  const std::vector<core::Choice>& communes();
  std::string commune_label(const std::string& code) { return choice_label(communes(), code); }
  std::string device_label(const std::string& device_id);
  // The record screen's content into reg.props and reg.history: the record's properties by the
  // question labels of the form that fills its registry (its entity's save_to), coded values by
  // their choice labels, in that form's question order; a property no question saves to keeps
  // its key (technical = true) and comes after them. Its history (core::record_history), each
  // change's fields labelled alike, and so are its open conflicts (as the last pull brought
  // them). Starts a session of the form: call it once per record shown.
  void record_view(const core::RegistryRecord& record, const std::vector<core::RecordConflict>& conflicts);
  // The record screen's "Survey this establishment" (village, cooperative) button.
  void draw_record_survey(const core::RegistryRecord& record);

  // Screens.
  void top_bar(std::string_view title);
  void draw_home();
  void draw_forms();
  void draw_settings();
  void draw_enroll();  // the sync screen once enrolled
  void draw_sync();
  void load_counts();
  void draw_submissions();
  void draw_registry();
  std::string format_time(std::int64_t ms);
  // The office view (screens_office.cpp).
  bool office_role();  // enrolled as admin or viewer
  void draw_office();
  void draw_office_detail();
  // The commune filter of the received list; false while the officer picks among the communes
  // typed (the picker is drawn instead of the list).
  bool draw_office_commune_filter();
  void draw_office_list();  // the received surveys of the form and commune picked
  void draw_office_queue();
  void draw_office_plan();         // screens_office_plan.cpp
  void draw_office_plan_result();
  void office_request(SyncPort::OfficeCall call, std::function<void(AppImpl&, std::string)> on_answer);
  void office_load_list();
  void office_open(const std::string& form_id, const std::string& instance_id);
  void office_review(const std::string& state);
  void office_load_queue();
  void office_label_answers();  // office.answers from office.detail, in the app's language
  void office_decide(const std::string& action, std::string body);  // POST /v1/office/queue/ACTION
  void office_make_plan();  // POST /v1/office/plan with the year and budgets typed
  void office_plan_override(const std::string& need_id, const std::string& action);  // then the plan again
};

// The title of a form version the store holds in `lang` (title_for_people), else its id.
std::string form_title(core::Store& store, const std::string& form_id, const std::string& version, Lang lang);

// The <instanceName> of an instance's XML without the spaces and separators at its ends (one
// joined to an empty part), "" when it has none.
std::string instance_name_of(std::string_view instance_xml);

}  // namespace khaosat::ui
