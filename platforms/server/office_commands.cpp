// khaosat-server review, plan-override, plan (server_cli.hpp; docs/office.md): the provincial
// office's side over the server's storage. demo-data is in demo_data.cpp.
#include <chrono>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include "khaosat/office/plan.hpp"
#include "khaosat/office/plan_xlsx.hpp"
#include "khaosat/sync/office_plan.hpp"
#include "office_data.hpp"
#include "output_file.hpp"
#include "server_cli.hpp"

#ifndef KHAOSAT_FORMS_DIR
#define KHAOSAT_FORMS_DIR "forms"
#endif

namespace khaosat::server_cli {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string who(const Args& a) {
  if (!a.by.empty()) return a.by;
  const char* u = std::getenv("USER");
  return u && *u ? u : "office";
}

int plan_fail(const std::string& command, const core::Error& e) {
  return fail(command, std::string(e.code_name()) + ": " + e.message, e.code == core::ErrorCode::plan_input ? 2 : 1);
}

}  // namespace

int review(const Args& a) {
  const char* help =
      "usage: khaosat-server review --data DIR INSTANCE_ID --state approved|rejected|has_issues\n"
      "                             [--comment TEXT] [--by NAME]\n\n"
      "Records the office's review of a submission in its append-only trail (who, when, the\n"
      "comment). The latest review is the submission's state; 'plan' counts approved ones only.\n"
      "The device that made the submission gets the state and the comment at its next sync.\n";
  if (a.help) return usage(help, 0);
  if (a.positional.size() != 1 || a.state.empty()) return usage(help, 2);
  if (a.state != "approved" && a.state != "rejected" && a.state != "has_issues")
    return fail("review", "--state takes approved, rejected or has_issues, not '" + a.state + "'", 2);
  auto storage = open_storage(a, "review");
  if (!storage) return 1;
  sync::Review r{a.positional[0], a.state, a.comment, who(a), now_ms()};
  if (core::Status st = (*storage)->add_review(r); !st) return fail("review", st.error().message);
  std::cout << "khaosat-server review: " << a.positional[0] << " " << a.state << "\n";
  return 0;
}

int plan_override(const Args& a) {
  const char* help =
      "usage: khaosat-server plan-override --data DIR NEED_ID (--pin | --exclude) --reason TEXT [--by NAME]\n\n"
      "Pins a need (funded first within its source's budget) or excludes it (never funded) in\n"
      "every later plan, with the reason and who decided; the plan shows both. NEED_ID is the\n"
      "plan's need id (INSTANCE_ID#N). Overrides are kept in order; the latest per need wins.\n";
  if (a.help) return usage(help, 0);
  if (a.positional.size() != 1 || a.pin == a.exclude) return usage(help, 2);
  auto o = sync::plan_override_of(a.positional[0], a.pin ? "pin" : "exclude", a.reason, who(a), now_ms());
  if (!o) return plan_fail("plan-override", o.error());
  auto storage = open_storage(a, "plan-override");
  if (!storage) return 1;
  // The need's submission must be one of forms A, B or C here (as the app's endpoint checks):
  // an override of a mistyped id would be kept and never show in any plan.
  const std::string instance_id = o->need_id.substr(0, o->need_id.find('#'));
  bool found = false;
  for (const char* form : {"lc_establishment", "lc_craft_village", "lc_coop_needs"}) {
    auto subs = (*storage)->submissions(form);
    if (!subs) return fail("plan-override", subs.error().message);
    for (const auto& s : *subs) found = found || s.instance_id == instance_id;
  }
  if (!found)
    return fail("plan-override", "sync.not_found: no submission '" + instance_id.substr(0, 100) +
                                     "' of forms A, B or C in " + a.data + " (a need id is INSTANCE_ID#N, as the plan lists it)", 2);
  if (core::Status st = (*storage)->add_plan_override(*o); !st) return fail("plan-override", st.error().message);
  std::cout << "khaosat-server plan-override: " << o->need_id << " " << o->action << "\n";
  return 0;
}

int plan(const Args& a) {
  const char* help =
      "usage: khaosat-server plan --data DIR --year Y --budget SOURCE=AMOUNT... [--rules FILE]\n"
      "                           [--format xlsx|json] [-o FILE]\n\n"
      "The annual khuyen cong plan (docs/office.md): every need of the year's approved submissions\n"
      "of forms A, B and C, scored by the rules table (default: DIR/plan_rules.csv, which init copies\n"
      "from the shipped forms/plan_rules.csv for the office to edit),\n"
      "ranked, and funded in rank order within each funding source's budget (SOURCE: national,\n"
      "provincial or other; AMOUNT in million VND); ineligible needs listed apart; overrides\n"
      "shown. XLSX (the default) needs -o FILE; JSON goes to standard output without -o.\n"
      "Bad rules, budget or year: plan.input, exit 2. Weights that break TT 46/2012 Art. 2's\n"
      "priority order (a criterion not outweighing those below it) are warned about on standard\n"
      "error; the plan is still made.\n";
  if (a.help) return usage(help, 0);
  if (a.year.empty() || a.budget.empty()) return usage(help, 2);
  auto year = core::parse_int(a.year, 2000, 2100);
  if (!year) return fail("plan", "plan.input: --year takes a year (2000..2100), not '" + a.year + "'", 2);
  std::map<std::string, double> budget;
  for (const auto& b : a.budget)
    if (core::Status st = office::add_budget(budget, b); !st) return plan_fail("plan", st.error());
  std::string format = a.format_given ? a.format : "xlsx";
  if (format != "xlsx" && format != "json") return fail("plan", "plan.input: --format takes xlsx or json", 2);
  if (format == "xlsx" && (a.out.empty() || a.out == "-"))
    return fail("plan", "plan.input: an XLSX plan needs -o FILE.xlsx", 2);
  auto tables_dir = office_tables_dir(a.data);
  if (!tables_dir) return plan_fail("plan", tables_dir.error());
  std::string rules_path = a.rules.empty() ? *tables_dir + "/plan_rules.csv" : a.rules;
  const std::string communes_path = *tables_dir + "/communes.csv";
  auto tables = sync::read_plan_tables(rules_path, communes_path);
  if (!tables) return plan_fail("plan", tables.error());
  // The plan never goes over what it reads: the server's database, the rules, the communes.
  std::vector<std::string> inputs = {rules_path, communes_path};
  if (!a.data.empty()) inputs.push_back((std::filesystem::path(a.data) / "server.db").string());
  for (const std::string& w : office::order_warnings(tables->rules))
    std::cerr << "khaosat-server plan: warning: " << rules_path << ": " << w
              << ": the plan keeps TT 46/2012 Art. 2's order only when each criterion outweighs those below it\n";

  // KHAOSAT_PLAN_TIMINGS=1: each phase's wall time on standard error (scripts/bench office).
  bool timings = std::getenv("KHAOSAT_PLAN_TIMINGS") != nullptr;
  auto t0 = std::chrono::steady_clock::now();
  auto lap = [&](const char* phase) {
    if (!timings) return;
    auto t = std::chrono::steady_clock::now();
    std::fprintf(stderr, "plan-timing %s %.1f ms\n", phase, std::chrono::duration<double, std::milli>(t - t0).count());
    t0 = t;
  };
  auto storage = open_storage(a, "plan");
  if (!storage) return 1;
  auto planned = sync::plan_from_storage(**storage, *year, budget, *tables, nullptr, lap);
  if (!planned) return plan_fail("plan", planned.error());
  const office::Plan& p = *planned;
  if (timings) std::fprintf(stderr, "plan-needs %zu\n", p.needs.size());
  if (p.needs.empty())
    std::cerr << "khaosat-server plan: warning: no need in an approved submission of " << *year
              << ": the plan is empty (see 'khaosat-server queue' and 'review' for what waits for approval)\n";

  if (format == "json") {
    std::string text = office::plan_json(p);
    lap("json");
    if (a.out.empty() || a.out == "-") {
      std::cout << text;
      return 0;
    }
    if (core::Status st = cli::write_output(a.out, text, inputs); !st) return fail("plan", st.error().message);
    lap("write");
    return 0;
  }
  if (core::Status st = write_xlsx_output(a.out, inputs, [&](const std::string& path) { return office::write_plan_xlsx(p, path); });
      !st)
    return fail("plan", st.error().message);
  lap("xlsx");
  return 0;
}

}  // namespace khaosat::server_cli
