// The office view's plan tab (app_impl.hpp; docs/app.md, "Office"): the year's khuyến công plan
// as `khaosat-server plan` makes it, through POST /v1/office/plan. The office types the year
// and a budget per funding source (million VND); the answer shows per source the budget and the
// funded total, the ranked needs (funded or not, and why: a tap opens a need's explanation), the
// needs listed apart (ineligible, funded by the state elsewhere), and the office's overrides with
// their reason and who made them.
#include <cmath>
#include <cstdio>
#include <ctime>

#include <imgui.h>

#include "app_impl.hpp"
#include "khaosat/core/parse_number.hpp"

namespace khaosat::ui {

namespace {

constexpr const char* kSources[] = {"national", "provincial", "other"};
constexpr Str kBudgetLabels[] = {Str::plan_budget_national, Str::plan_budget_provincial, Str::plan_budget_other};

Str source_name(const std::string& source) {
  if (source == "national") return Str::plan_source_national;
  if (source == "provincial") return Str::plan_source_provincial;
  return Str::plan_source_other;
}

// Million VND as the plan writes them: at most 3 decimals, no trailing zeros ("12.5", "300").
std::string amount_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// "6000", "6000.5", "6,000" (a thousands comma is dropped); nullopt for anything else or < 0.
std::optional<double> parse_amount(std::string text) {
  std::string digits;
  for (char c : text)
    if (c != ',' && c != ' ') digits += c;
  if (digits.empty() || digits.size() > 20) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(digits.c_str(), &end);
  if (end != digits.c_str() + digits.size() || !std::isfinite(v) || v < 0) return std::nullopt;
  return v;
}

}  // namespace

void AppImpl::office_make_plan() {
  OfficeState& o = office;
  auto year = core::parse_int(o.plan_year, 2000, 2100);
  std::vector<std::pair<std::string, double>> budget;
  bool bad = !year;
  for (int i = 0; i < 3; ++i) {
    if (o.plan_budget[i].find_first_not_of(' ') == std::string::npos) continue;
    auto v = parse_amount(o.plan_budget[i]);
    if (!v) bad = true;
    else budget.emplace_back(kSources[i], *v);
  }
  if (bad || budget.empty()) {
    o.error = t(Str::plan_bad_input);
    return;
  }
  SyncPort::OfficeCall call;
  call.method = "POST";
  call.path = "/v1/office/plan";
  call.body = office_plan_body(*year, budget);
  office_request(std::move(call), [](AppImpl& app, std::string body) {
    auto p = read_office_plan(body);
    if (!p) {
      app.office.error = format(app.t(Str::error_s), p.error().message.c_str());
      return;
    }
    app.office.plan = std::move(p).value();
    app.office.have_plan = true;
  });
}

void AppImpl::office_plan_override(const std::string& need_id, const std::string& action) {
  OfficeState& o = office;
  if (o.plan_reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    o.error = t(Str::plan_override_needs_reason);
    return;
  }
  SyncPort::OfficeCall call;
  call.method = "POST";
  call.path = "/v1/office/plan/override";
  call.body = office_plan_override_body(need_id, action, o.plan_reason);
  office_request(std::move(call), [](AppImpl& app, std::string) {
    app.show_notice(app.t(Str::plan_override_saved), colors::kRowSelected);
    app.office.plan_reason.clear();
    app.office_make_plan();  // the need stays open in the new plan (plan_open is its id)
  });
}

void AppImpl::draw_office_plan() {
  OfficeState& o = office;
  if (o.plan_year.empty()) {  // this year, at UTC+7 as the office reads dates
    std::time_t secs = static_cast<std::time_t>(env().now_ms() / 1000 + 7 * 3600);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    o.plan_year = std::to_string(tm.tm_year + 1900);
  }
  begin_scroll("##office-plan");
  text(t(Str::plan_year), colors::kMuted);
  text_field("##plan-year", t(Str::plan_year), &o.plan_year, ImGuiInputTextFlags_CharsDecimal, t(Str::plan_year));
  for (int i = 0; i < 3; ++i) {
    ImGui::PushID(i);
    text(t(kBudgetLabels[i]), colors::kMuted);
    text_field("##plan-budget", t(kBudgetLabels[i]), &o.plan_budget[i], ImGuiInputTextFlags_CharsDecimal, "0");
    ImGui::PopID();
  }
  if (button(t(Str::plan_make)) && !o.loading) office_make_plan();
  if (o.have_plan) draw_office_plan_result();
  end_scroll();
}

void AppImpl::draw_office_plan_result() {
  OfficeState& o = office;
  const OfficePlan& p = o.plan;
  text(format(t(Str::plan_rules_s), static_cast<int>(p.year), p.rules_version.c_str()), colors::kMuted);
  for (const auto& s : p.sources) {
    heading(t(source_name(s.source)));
    text(format(t(Str::plan_source_totals_s_s), amount_text(s.budget).c_str(), amount_text(s.funded_total).c_str()));
  }
  std::pair<std::string, std::string> chosen;  // need id, action: sent after the lists are drawn
  bool any_ranked = false, any_apart = false;
  for (const auto& n : p.needs) (n.eligible ? any_ranked : any_apart) = true;
  if (!any_ranked && !any_apart) text(t(Str::plan_none), colors::kMuted);
  // One need: a row (rank, applicant; activity, amount, score, funded or not); tapped, its
  // decision, the points each criterion gave and the office's override below it.
  auto need_row = [&](const OfficePlanNeed& n) {
    std::string title = (n.rank > 0 ? "#" + std::to_string(n.rank) + " " : "") + n.applicant;
    Lang lang = settings.lang;
    std::string detail = format(t(Str::plan_need_s_s_d_s), n.activity_label.in(lang).c_str(), amount_text(n.amount).c_str(),
                                static_cast<int>(n.score), t(n.funded ? Str::plan_funded : Str::plan_not_funded));
    if (n.rank > 0) detail = std::string(t(source_name(n.source))) + " · " + detail;
    if (row(title, detail, &n)) o.plan_open = o.plan_open == n.id ? "" : n.id;
    if (!n.override_action.empty())
      text(format(t(n.override_action == "pin" ? Str::plan_pinned_s_s : Str::plan_excluded_s_s),
                  n.override_reason.c_str(), device_name(n.override_by).c_str()),
           colors::kCaution);
    if (o.plan_open != n.id) return;
    text(n.decision.in(lang), n.funded ? colors::kOk : colors::kMuted);
    for (const auto& x : n.explanation) {
      const std::string& why = x.why.in(lang);
      text((x.points >= 0 ? "+" : "") + std::to_string(x.points) + " · " + (why.empty() ? x.criterion : why));
    }
    if (counts.role != "admin") return;
    text_field("##plan-reason", t(Str::plan_override_reason), &o.plan_reason, 0, t(Str::plan_override_reason));
    int tapped = button_row({{t(Str::plan_pin)}, {t(Str::plan_exclude)}});
    if (tapped >= 0 && !o.loading) chosen = {n.id, tapped == 0 ? "pin" : "exclude"};
  };
  if (any_ranked) {
    heading(t(Str::plan_ranked));
    text(t(Str::plan_tap_hint), colors::kMuted);
    for (const auto& n : p.needs)
      if (n.eligible) need_row(n);
  }
  if (any_apart) {
    heading(t(Str::plan_apart));
    for (const auto& n : p.needs)
      if (!n.eligible) need_row(n);
  }
  if (!chosen.first.empty()) office_plan_override(chosen.first, chosen.second);
}

}  // namespace khaosat::ui
