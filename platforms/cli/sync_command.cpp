// `khaosat sync ...`: enrolling a device database with a server, and syncing it
// (docs/sync-protocol.md). Exit 0 only when everything was acknowledged and pulled; 3 when it
// was but the server refused records (they never reach the office: the officer must know).
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "output_file.hpp"
#include "khaosat/core/store.hpp"
#include "khaosat/sync/http.hpp"

namespace khaosat::cli {
namespace {

using nlohmann::json;

const char* kSyncHelp =
    "usage: khaosat sync --db FILE [--json] [--allow-plain-http]\n"
    "       khaosat sync enroll --db FILE --server URL --code CODE [--name TEXT] [--ca FILE]\n"
    "                           [--allow-plain-http]\n\n"
    "sync: pushes the device's outbox (finalized submissions, registry edits) to the server it\n"
    "is enrolled with, uploads the attachments the server needs, and pulls forms, registry\n"
    "changes and the office's decisions. Prints progress on a terminal (standard error) and a\n"
    "summary (--json: one JSON object; 'accepted', 'duplicates', 'conflicts', 'rejected' count\n"
    "every outbox row, 'submissions' the surveys among them, 'refusals' the rejected rows with\n"
    "the server's reason). Exit 0 when everything is acknowledged and\n"
    "pulled; 3 when it is, but the server refused records: they never reach the office, stay on this\n"
    "device as 'rejected' with the server's reason (printed, and in 'khaosat data list submissions');\n"
    "1 with the reason when the sync could not finish. Running it again continues where it stopped.\n\n"
    "enroll: exchanges a one-time code from 'khaosat-server enroll' for this device's id and\n"
    "token, kept in the database (FILE is created when missing).\n\n"
    "URL is https://HOST:PORT; the server's certificate is checked against the system's CAs\n"
    "and, with --ca FILE (PEM), against that certificate too: a province's self-signed server\n"
    "is pinned once, at enrollment, and kept for every sync. Plain http:// is for this machine\n"
    "only (127.0.0.1, [::1]): the token would travel in clear; --allow-plain-http allows it\n"
    "elsewhere (a network you trust, e.g. behind a TLS reverse proxy).\n";

struct SyncArgs {
  std::string db, server, code, name, ca;
  bool json = false, help = false, allow_plain_http = false;
  std::string error;
};

SyncArgs parse_sync(const std::vector<std::string>& args) {
  SyncArgs a;
  for (std::size_t i = 0; i < args.size() && a.error.empty(); ++i) {
    const std::string& s = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) a.error = s + " needs a value";
      else out = args[++i];
    };
    if (s == "--db") value(a.db);
    else if (s == "--server") value(a.server);
    else if (s == "--code") value(a.code);
    else if (s == "--name") value(a.name);
    else if (s == "--ca") value(a.ca);
    else if (s == "--allow-plain-http") a.allow_plain_http = true;
    else if (s == "--json") a.json = true;
    else if (s == "-h" || s == "--help") a.help = true;
    else a.error = "unknown argument '" + s + "'";
  }
  return a;
}

int fail(const std::string& what, const core::Error& e) {
  std::cerr << "khaosat sync" << (what.empty() ? "" : " " + what) << ": " << e.message << " [" << e.code_name() << "]\n";
  return 1;
}

void print_progress(const sync::SyncProgress& p) {
  static const char* phases[] = {"push", "attachments", "pull", "done"};
  std::int64_t total = std::max<std::int64_t>(p.records_total, 1);
  int width = 30, filled = static_cast<int>(width * std::min(p.records_sent, total) / total);
  std::cerr << "\r[" << std::string(static_cast<std::size_t>(filled), '#')
            << std::string(static_cast<std::size_t>(width - filled), '.') << "] " << phases[static_cast<int>(p.phase)]
            << "  " << p.records_sent << "/" << p.records_total << " records  " << p.attachments_done << "/"
            << p.attachments_total << " files  " << p.changes_pulled << " pulled  " << (p.bytes_up >> 10) << " KiB up  "
            << (p.bytes_down >> 10) << " KiB down   " << std::flush;
}

int enroll(const SyncArgs& a) {
  if (a.server.empty() || a.code.empty()) {
    std::cerr << "khaosat sync enroll: --server URL and --code CODE are required\n\n" << kSyncHelp;
    return 2;
  }
  sync::TransportOptions to;
  to.allow_plain_http = a.allow_plain_http;
  if (!a.ca.empty()) {
    auto pem = read_input(a.ca, 1u << 20);
    if (!pem) return fail("enroll", pem.error());
    to.ca_pem = std::move(pem).value();
  }
  auto transport = sync::HttpTransport::open(a.server, to);
  if (!transport) return fail("enroll", transport.error());
  auto store = core::Store::open(a.db);
  if (!store) return fail("enroll", store.error());
  sync::SyncClient client(**store, **transport);
  if (core::Status st = client.enroll(a.server, a.code, a.name, to.ca_pem); !st) return fail("enroll", st.error());
  auto e = (*store)->enrollment();
  if (!e || !*e) return fail("enroll", e ? core::Error::make(core::ErrorCode::sync_enroll, "not recorded") : e.error());
  std::cout << "enrolled " << a.db << " with " << a.server << " as device " << (*e)->device_id << " (" << (*e)->role << ")\n";
  return 0;
}

int run_sync(const SyncArgs& a) {
  auto store = core::Store::open(a.db, core::StoreOptions{false, false, "sync", {}});
  if (!store) return fail("", store.error());
  auto en = (*store)->enrollment();
  if (!en) return fail("", en.error());
  if (!*en)
    return fail("", core::Error::make(core::ErrorCode::sync_enroll,
                                      a.db + " is not enrolled; run 'khaosat sync enroll --db FILE --server URL --code CODE'"));
  auto transport = sync::HttpTransport::open((*en)->server, {(*en)->ca_pem, a.allow_plain_http});
  if (!transport) return fail("", transport.error());
  sync::ClientOptions o;
  bool tty = ::isatty(2) && !a.json;
  if (tty) o.on_progress = print_progress;
  sync::SyncClient client(**store, **transport, o);
  auto report = client.sync();
  if (tty) std::cerr << "\n";
  if (!report) return fail("", report.error());
  const auto& r = *report;
  if (a.json) {
    json refusals = json::array();
    for (const auto& f : r.refusals) refusals.push_back({{"kind", f.kind}, {"id", f.subject}, {"reason", f.reason}});
    std::cout << json{{"complete", r.complete}, {"refusals", refusals}, {"pushed", r.totals.records_sent}, {"accepted", r.accepted},
                      {"duplicates", r.duplicates}, {"conflicts", r.conflicts}, {"rejected", r.rejected},
                      {"attachments", r.totals.attachments_done}, {"pulled", r.totals.changes_pulled},
                      {"bytes_up", r.totals.bytes_up}, {"bytes_down", r.totals.bytes_down},
                      {"requests", r.totals.requests}, {"retries", r.retries},
                      {"clock_clamped", r.clock_clamped}, {"clock_ahead_ms", r.clock_ahead_ms},
                      {"submissions", {{"accepted", r.submissions.accepted},
                                       {"duplicates", r.submissions.duplicates},
                                       {"conflicts", r.submissions.conflicts},
                                       {"rejected", r.submissions.rejected}}}}
                     .dump()
              << "\n";
  } else {
    std::cout << "synced with " << (*en)->server << ": pushed " << r.totals.records_sent << " (" << r.accepted
              << " accepted, " << r.duplicates << " duplicates, " << r.conflicts << " conflicts, " << r.rejected
              << " rejected), " << r.totals.attachments_done << " files uploaded, " << r.totals.changes_pulled
              << " changes pulled; " << r.totals.bytes_up << " bytes up, " << r.totals.bytes_down << " down in "
              << r.totals.requests << " requests\n";
  }
  if (r.clock_clamped > 0)
    std::cerr << "khaosat sync: warning: this device's clock is " << (r.clock_ahead_ms + 59999) / 60000
              << " minutes ahead of the server's; the server re-stamped " << r.clock_clamped
              << " registry edit(s) with its own time. Set the device's date and time.\n";
  if (!r.complete) return 1;
  if (r.rejected == 0) return 0;
  std::cerr << "khaosat sync: the server refused " << r.rejected << " record(s) (" << r.submissions.rejected
            << " survey(s)); they stay on this device as rejected and will not be sent again:\n";
  std::size_t shown = 0;
  for (const auto& f : r.refusals) {
    if (++shown > 10) break;
    std::cerr << "  " << (f.kind == "submission" ? "survey " : "registry edit ") << f.subject << ": "
              << (f.reason.empty() ? "no reason given" : f.reason) << "\n";
  }
  if (r.rejected > 10)
    std::cerr << "  ... and " << r.rejected - 10 << " more ('khaosat data list submissions --db " << a.db
              << "' lists the surveys with their reasons)\n";
  return 3;
}

}  // namespace

int sync_command(std::vector<std::string> args) {
  bool is_enroll = !args.empty() && args[0] == "enroll";
  if (is_enroll) args.erase(args.begin());
  SyncArgs a = parse_sync(args);
  if (a.help) {
    std::cout << kSyncHelp;
    return 0;
  }
  if (!a.error.empty()) {
    std::cerr << "khaosat sync: " << a.error << "\n\n" << kSyncHelp;
    return 2;
  }
  if (a.db.empty()) {
    std::cerr << "khaosat sync: --db FILE is required\n\n" << kSyncHelp;
    return 2;
  }
  return is_enroll ? enroll(a) : run_sync(a);
}

}  // namespace khaosat::cli
