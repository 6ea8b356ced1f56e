// khaosat-server report (server_cli.hpp; docs/office.md "Reports"): the office's reports of a
// year as one XLSX workbook and one self-contained HTML page.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "khaosat/office/duplicates.hpp"
#include "khaosat/office/report.hpp"
#include "office_data.hpp"
#include "queue_common.hpp"
#include "output_file.hpp"
#include "server_cli.hpp"

namespace khaosat::server_cli {

namespace {

namespace fs = std::filesystem;

// YYYY-MM-DD with a real day, or false.
bool parse_date(const std::string& s, int& y, int& m, int& d) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return false;
  y = std::stoi(s.substr(0, 4));
  m = std::stoi(s.substr(5, 2));
  d = std::stoi(s.substr(8, 2));
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
  bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
  return !(m == 2 && d == 29 && !leap);
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

}  // namespace

int report(const Args& a) {
  std::string help =
      std::string("usage: khaosat-server report --data DIR --year Y [-o DIR] [--as-of YYYY-MM-DD] [--database URL]\n\n"
                  "Writes the office's reports of year Y (submissions of forms A and B surveyed, and of C\n"
                  "registered, in Y) into the folder DIR (default: the current folder), created when\n"
                  "missing: bao-cao-Y.xlsx (a sheet per report) and bao-cao-Y.html (one page, no external\n"
                  "file, with charts and a map of the located submissions; prints on A4). Reports:\n"
                  "establishments by commune, sector and legal form; the OCOP register (certificates\n"
                  "expiring within 6 months); craft villages with criteria met and missing; the support\n"
                  "ledger; survey coverage of every commune; the data-quality queue.\n"
                  "--as-of: the report's date (default: today by the server's clock, UTC): certificates\n"
                  "expiring within 6 months and devices not synced for 14 days count from it. The same\n"
                  "data and --as-of give the same files. docs/office.md, \"Reports\".\n") +
      kDatabaseHelp;
  if (a.help) return usage(help, 0);
  if (a.year.empty() || !a.positional.empty()) return usage(help, 2);
  auto year = core::parse_int(a.year, 2000, 2100);
  if (!year || a.year.size() != 4)
    return fail("report", "--year takes a year of four digits (2000..2100), not '" + a.year + "'", 2);
  int y = 0, m = 0, d = 0;
  if (!a.as_of.empty()) {
    if (!parse_date(a.as_of, y, m, d))
      return fail("report", "--as-of takes a date YYYY-MM-DD (2000..2100), not '" + a.as_of + "'", 2);
  } else {
    std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&t, &utc);
    y = utc.tm_year + 1900;
    m = utc.tm_mon + 1;
    d = utc.tm_mday;
  }
  if (a.data.empty()) return fail("report", "--data DIR is required (the server's data folder)", 2);
  std::error_code ec;
  if (!fs::is_directory(a.data, ec))
    return fail("report", "--data " + a.data + ": no such folder (the server's data folder)", 2);
  if (a.database.empty() && !fs::exists(fs::path(a.data) / "server.db", ec))
    return fail("report", a.data + ": no server.db here (not a khaosat-server data folder)", 2);
  std::string out = a.out.empty() ? "." : a.out;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec))
    return fail("report", "-o " + out + ": is a file; -o takes the folder the reports go into", 2);
  if (same_file(out, a.data) || (fs::exists(out, ec) && fs::exists(fs::path(out) / "server.db", ec)))
    return fail("report", "-o " + out + ": is the server's data folder; write the reports somewhere else", 2);

  bool timings = std::getenv("KHAOSAT_REPORT_TIMINGS") != nullptr;
  auto t0 = std::chrono::steady_clock::now();
  auto lap = [&](const char* phase) {
    if (!timings) return;
    auto t = std::chrono::steady_clock::now();
    std::fprintf(stderr, "report-timing %s %.1f ms\n", phase, std::chrono::duration<double, std::milli>(t - t0).count());
    t0 = t;
  };
  auto storage = open_storage(a, "report");
  if (!storage) return 1;
  office::ReportInput in;
  in.year = *year;
  in.as_of_year = y;
  in.as_of_month = m;
  in.as_of_day = d;
  auto forms = load_form_data(**storage, "");
  if (!forms) return fail("report", forms.error().message);
  in.forms = std::move(forms).value();
  auto communes = load_communes(a.data, &in.commune_order);
  if (!communes) return fail("report", communes.error().message);
  in.communes = std::move(communes).value();
  auto devices = (*storage)->list_devices();
  if (!devices) return fail("report", devices.error().message);
  for (const auto& dev : *devices) in.devices.push_back({dev.device_id, dev.name, dev.last_seen, dev.revoked});
  // The registries' possible duplicates the office has not judged (queue distinct; merged
  // records take no part), as `khaosat-server queue` lists them.
  auto records = all_records(**storage);
  if (!records) return fail("report", records.error().message);
  auto decisions = (*storage)->queue_decisions();
  if (!decisions) return fail("report", decisions.error().message);
  in.registry_duplicates = office::open_duplicates(office::possible_duplicates(*records), distinct_marks(*decisions));
  lap("read");
  office::Report rep = office::make_report(in);
  lap("compute");

  fs::create_directories(out, ec);
  if (ec) return fail("report", "-o " + out + ": cannot create the folder (" + ec.message() + ")");
  std::vector<std::string> inputs = {(fs::path(a.data) / "server.db").string()};
  std::string base = (fs::path(out) / ("bao-cao-" + a.year)).string();
  core::Status st = write_xlsx_output(base + ".xlsx", inputs, [&](const std::string& p) { return office::write_report_xlsx(rep, p); });
  if (!st) return fail("report", st.error().message);
  lap("xlsx");
  if (core::Status h = cli::write_output(base + ".html", office::report_html(rep), inputs); !h)
    return fail("report", h.error().message);
  lap("html");
  std::cout << "khaosat-server report: " << base << ".xlsx, " << base << ".html (" << rep.tables.size()
            << " reports, as of " << rep.as_of << ")\n";
  return 0;
}

}  // namespace khaosat::server_cli
