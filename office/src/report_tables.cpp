// The six report tables (report.hpp, report_data.hpp).
#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>
#include <tuple>

#include "csv.hpp"
#include "report_data.hpp"
#include "xlsx_cells.hpp"

namespace khaosat::office::report_data {

namespace {

double number(const std::string& s) {
  auto v = csv::parse_decimal(s);
  return v ? *v : 0;
}

bool has_number(const std::string& s) { return csv::parse_decimal(s).has_value(); }

std::size_t commune_pos(const Data& d, const std::string& code) {
  const auto& order = d.input->commune_order;
  auto it = std::find(order.begin(), order.end(), code);
  return static_cast<std::size_t>(it - order.begin());
}

bool is_leap(int y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

// ISO date + months, the day kept (or the month's last day): 2024-01-31 + 1 = 2024-02-29.
std::string add_months(const std::string& iso, int months) {
  int y = 0, m = 0, day = 0;
  if (iso.size() < 10 || std::sscanf(iso.c_str(), "%4d-%2d-%2d", &y, &m, &day) != 3 || m < 1 || m > 12) return {};
  int total = y * 12 + (m - 1) + months;
  y = total / 12;
  m = total % 12 + 1;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int last = kDays[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y % 10000, m, std::min(day, last));
  return buf;
}

std::string as_of(const Data& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.input->as_of_year % 10000, d.input->as_of_month % 100,
                d.input->as_of_day % 100);
  return buf;
}

Cell total_label() { return Cell::of("Tổng cộng / Total"); }

using Bars = std::vector<std::pair<std::string, double>>;

Bars bars_of(const std::map<std::string, double>& counts) { return Bars(counts.begin(), counts.end()); }

// How every report table ends: its rows in key order (a stable sort: rows of equal keys stay in
// the order they were read), then the total row if there is one, then its bar chart.
template <typename Key>
void finish_table(Table& t, std::vector<std::pair<Key, std::vector<Cell>>>&& rows, std::string chart_title, Bars bars,
                  std::optional<std::vector<Cell>> total = std::nullopt) {
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& r : rows) t.rows.push_back(std::move(r.second));
  if (total) t.rows.push_back(std::move(*total));
  t.charts.push_back(Chart{std::move(chart_title), std::move(bars)});
}

}  // namespace

Table establishments(const Data& d) {
  Table t{"establishments", "Cơ sở CNNT", "Cơ sở CNNT theo xã, ngành nghề và loại hình",
          "Rural industrial establishments by commune, sector and legal form",
          "Phiếu A của năm, trừ phiếu bị từ chối. Doanh thu năm trước, triệu đồng. / Form A of the year, rejected "
          "ones left out; revenue of the previous year, million VND.",
          {"Xã/phường (commune)", "Ngành nghề (sector)", "Loại hình (legal form)", "Số cơ sở (establishments)",
           "Lao động (workers)", "Doanh thu (revenue, triệu đồng)"}, {}, true, {}};
  struct Sum { int count = 0; double workers = 0, revenue = 0; };
  std::map<std::tuple<std::size_t, std::string, std::string, std::string>, Sum> groups;
  std::map<std::string, double> by_sector;
  Sum all;
  for (const auto& s : d.subs) {
    if (s.form != 'A' || s.rejected()) continue;
    std::string commune = s.get("commune");
    std::string sector = d.choice('A', "sector", s.get("sector"));
    std::string legal = d.choice('A', "legal_form", s.get("legal_form"));
    Sum& g = groups[{commune_pos(d, commune), d.commune(commune), sector, legal}];
    double w = number(s.get("workers_total")), rev = number(s.get("revenue"));
    ++g.count; g.workers += w; g.revenue += rev;
    ++all.count; all.workers += w; all.revenue += rev;
    by_sector[sector.empty() ? "(chưa ghi / not given)" : sector] += 1;
  }
  std::vector<std::pair<std::tuple<std::size_t, std::string, std::string, std::string>, std::vector<Cell>>> rows;
  for (const auto& [k, g] : groups)
    rows.push_back({k, {Cell::of(std::get<1>(k)), Cell::of(std::get<2>(k)), Cell::of(std::get<3>(k)), Cell::num(g.count),
                        Cell::num(g.workers), Cell::num(g.revenue, 1)}});
  finish_table(t, std::move(rows), "Số cơ sở theo ngành nghề / Establishments by sector", bars_of(by_sector),
               std::vector<Cell>{total_label(), Cell::of(""), Cell::of(""), Cell::num(all.count), Cell::num(all.workers),
                                 Cell::num(all.revenue, 1)});
  return t;
}

Table ocop(const Data& d) {
  std::string today = as_of(d), soon = add_months(today, 6);
  Table t{"ocop", "Sản phẩm OCOP", "Danh sách sản phẩm OCOP theo nhóm, hạng sao và xã",
          "OCOP register by group, stars and commune",
          "Giấy chứng nhận 3–5 sao có hiệu lực 36 tháng từ ngày quyết định công nhận (QĐ 148/QĐ-TTg); "
          "\"sắp hết hạn\" = hết hạn trong 6 tháng kể từ ngày lập báo cáo " + today + ". / Certificates of 3–5 stars are "
          "valid 36 months from the decision; \"expiring\" = within 6 months of the report date " + today + ".",
          {"Nhóm (group)", "Hạng sao (stars)", "Xã/phường (commune)", "Chủ thể (producer)", "Sản phẩm (product)",
           "Ngày công nhận (decision)", "Hết hạn (expires)", "Tình trạng (status)"}, {}, false, {}};
  using Key = std::tuple<std::string, int, std::size_t, std::string, std::string, std::string>;
  std::vector<std::pair<Key, std::vector<Cell>>> rows;
  std::map<std::string, double> by_stars;
  int expiring = 0;
  for (const auto& s : d.subs) {
    if (s.form == 'B' || s.rejected()) continue;
    std::string commune = s.get("commune");
    for (const auto& p : s.all("ocop_products")) {
      std::string group = d.choice(s.form, "ocop_group", at(p, "ocop_group"));
      std::string stars_code = at(p, "ocop_stars");
      std::string stars = d.choice(s.form, "ocop_stars", stars_code);
      std::string date = at(p, "ocop_cert_date");
      int n = stars_code.size() == 1 && stars_code[0] >= '1' && stars_code[0] <= '5' ? stars_code[0] - '0' : 0;
      std::string expires, status;
      if (n >= 3 && !date.empty()) {
        expires = add_months(date, 36);
        if (expires.empty()) status = "Ngày không hợp lệ / bad date";
        else if (expires < today) status = "Đã hết hạn / expired";
        else if (expires <= soon) { status = "Sắp hết hạn (≤ 6 tháng) / expiring"; ++expiring; }
        else status = "Còn hạn / valid";
      } else if (n >= 3) {
        status = "Thiếu ngày công nhận / decision date missing";
      } else {
        status = "Chưa được chứng nhận / not certified";
      }
      by_stars[stars.empty() ? "(chưa ghi)" : stars] += 1;
      std::vector<Cell> row = {Cell::of(group), Cell::of(stars), Cell::of(d.commune(commune)), Cell::of(s.name()),
                               Cell::of(at(p, "ocop_product")),
                               date.empty() ? Cell::of("") : Cell::day(date), expires.empty() ? Cell::of("") : Cell::day(expires),
                               Cell::of(status)};
      rows.push_back({Key{group, -n, commune_pos(d, commune), s.name(), s.row->instance_id, date}, std::move(row)});
    }
  }
  t.note += " Sắp hết hạn / expiring: " + std::to_string(expiring) + ".";
  finish_table(t, std::move(rows), "Sản phẩm OCOP theo hạng sao / OCOP products by stars", bars_of(by_stars));
  return t;
}

Table villages(const Data& d) {
  static const char* kCriteria[] = {"c_share", "c_stable", "c_env", "t_age", "t_identity", "t_link"};
  Table t{"villages", "Làng nghề", "Làng nghề: tiêu chí đạt và còn thiếu (NĐ 52/2018, Điều 5)",
          "Craft villages: criteria met and missing (Decree 52/2018 Art. 5)",
          "Phiếu B của năm, trừ phiếu bị từ chối. / Form B of the year, rejected ones left out.",
          {"Xã/phường (commune)", "Thôn/bản (village)", "Nghề (craft)", "Công nhận (recognition)",
           "Đạt làng nghề (craft village)", "Đạt LNTT (traditional)", "Tiêu chí đạt (met)",
           "Tiêu chí không đạt (not met)", "Thiếu dữ liệu (missing)"}, {}, false, {}};
  std::vector<std::pair<std::tuple<std::size_t, std::string, std::string>, std::vector<Cell>>> rows;
  std::map<std::string, double> verdicts;
  for (const auto& s : d.subs) {
    if (s.form != 'B' || s.rejected()) continue;
    std::string met, not_met, missing;
    for (const char* c : kCriteria) {
      std::string v = s.get(c), label = d.label('B', c);
      std::string& into = v == "yes" ? met : v == "no" ? not_met : missing;
      into += (into.empty() ? "" : "; ") + label;
    }
    std::string commune = s.get("commune"), cv = s.get("craft_village");
    verdicts[d.choice('B', "craft_village", cv.empty() ? "missing" : cv)] += 1;
    rows.push_back({{commune_pos(d, commune), s.get("village"), s.row->instance_id},
                    {Cell::of(d.commune(commune)), Cell::of(s.get("village")), Cell::of(s.get("craft_name")),
                     Cell::of(d.choice('B', "recognition", s.get("recognition"))), Cell::of(d.choice('B', "craft_village", cv)),
                     Cell::of(d.choice('B', "traditional_craft_village", s.get("traditional_craft_village"))),
                     Cell::of(met), Cell::of(not_met), Cell::of(missing)}});
  }
  finish_table(t, std::move(rows), "Làng nghề theo kết quả tiêu chí / Villages by verdict", bars_of(verdicts));
  return t;
}

Table ledger(const Data& d) {
  Table t{"ledger", "Sổ hỗ trợ", "Sổ hỗ trợ khuyến công đã nhận", "Support ledger: who received what, when, from which source",
          "Hỗ trợ đã nhận khai trong phiếu A, B, C của năm (trừ phiếu bị từ chối). Kinh phí: triệu đồng. / Support "
          "received as declared in forms A, B and C; million VND.",
          {"Năm (year)", "Xã/phường (commune)", "Cơ sở (recipient)", "Nội dung (activity)", "Kinh phí (amount, triệu đồng)",
           "Nguồn (source)"}, {}, true, {}};
  std::vector<std::pair<std::tuple<int, std::size_t, std::string, std::string>, std::vector<Cell>>> rows;
  std::map<std::string, double> by_source;
  double total = 0;
  for (const auto& s : d.subs) {
    if (s.rejected()) continue;
    std::string commune = s.get("commune");
    for (const auto& rec : s.all("received")) {
      std::string year = at(rec, "rec_year"), amount = at(rec, "rec_amount");
      std::string source = d.choice(s.form, "rec_source", at(rec, "rec_source"));
      double a = number(amount);
      total += a;
      by_source[source.empty() ? "(chưa ghi / not given)" : source] += a;
      rows.push_back({{-static_cast<int>(number(year)), commune_pos(d, commune), s.name(), s.row->instance_id},
                      {has_number(year) ? Cell::num(number(year)) : Cell::of(year), Cell::of(d.commune(commune)),
                       Cell::of(s.name()), Cell::of(d.choice(s.form, "rec_type", at(rec, "rec_type"))),
                       has_number(amount) ? Cell::num(a, 1) : Cell::of(amount), Cell::of(source)}});
    }
  }
  finish_table(t, std::move(rows), "Kinh phí đã nhận theo nguồn (triệu đồng) / Support received by source (million VND)",
               bars_of(by_source),
               std::vector<Cell>{total_label(), Cell::of(""), Cell::of(""), Cell::of(""), Cell::num(total, 1), Cell::of("")});
  return t;
}

Table coverage(const Data& d) {
  Table t{"coverage", "Độ phủ khảo sát", "Độ phủ khảo sát theo xã", "Survey coverage by commune",
          "Mọi xã/phường trong communes.csv, kể cả nơi chưa có phiếu; mọi phiếu của năm. / Every commune of communes.csv, "
          "also those without a survey; every submission of the year.",
          {"Xã/phường (commune)", "Phiếu A (establishments)", "Phiếu B (villages)", "Phiếu C (cooperatives)",
           "Tổng (total)", "Đã duyệt (approved)", "Có GPS (located)"}, {}, true, {}};
  struct Count { int a = 0, b = 0, c = 0, approved = 0, located = 0; };
  std::map<std::string, Count> by;
  for (const auto& s : d.subs) {
    Count& c = by[s.get("commune")];
    (s.form == 'A' ? c.a : s.form == 'B' ? c.b : c.c) += 1;
    if (s.row->state == "approved") ++c.approved;
    double lat = 0, lon = 0;
    if (s.form != 'C' && parse_geopoint(s.get("gps"), lat, lon)) ++c.located;
  }
  Count all;
  Bars bars;
  std::vector<std::pair<std::size_t, std::vector<Cell>>> rows;  // keyed by position: the table's order
  auto add = [&](const std::string& label, const Count& c) {
    rows.push_back({rows.size(), {Cell::of(label), Cell::num(c.a), Cell::num(c.b), Cell::num(c.c), Cell::num(c.a + c.b + c.c),
                                  Cell::num(c.approved), Cell::num(c.located)}});
    all.a += c.a; all.b += c.b; all.c += c.c; all.approved += c.approved; all.located += c.located;
  };
  for (const auto& code : d.input->commune_order) {
    Count c = by.count(code) ? by[code] : Count{};
    add(d.commune(code), c);
    bars.push_back({d.commune(code), c.a + c.b + c.c});
  }
  // Submissions naming a commune outside the table: shown, not lost.
  for (const auto& [code, c] : by) {
    if (commune_pos(d, code) < d.input->commune_order.size()) continue;
    add((code.empty() ? "(không ghi xã)" : code) + std::string(" – ngoài danh mục / not in communes.csv"), c);
  }
  std::vector<Cell> total = {Cell::of("Tổng cộng / Total"), Cell::num(all.a), Cell::num(all.b), Cell::num(all.c),
                             Cell::num(all.a + all.b + all.c), Cell::num(all.approved), Cell::num(all.located)};
  finish_table(t, std::move(rows), "Số phiếu theo xã / Submissions by commune", std::move(bars), std::move(total));
  return t;
}

Table quality(const Data& d) {
  Table t{"quality", "Chất lượng dữ liệu", "Hàng đợi chất lượng dữ liệu", "Data-quality queue",
          "Phiếu chưa duyệt, có vấn đề hoặc bị từ chối; thiếu dữ liệu báo cáo cần; hồ sơ có thể trùng (tên và xã, mã số "
          "thuế, điện thoại); thiết bị không đồng bộ 14 ngày tính đến " + as_of(d) + ". / Reviews pending, with issues or "
          "rejected; data the reports need that is missing; possible duplicates; devices not synced for 14 days.",
          {"Loại (kind)", "Phiếu (form)", "Đối tượng (subject)", "Xã/phường (commune)", "Chi tiết (detail)", "Mã (id)"},
          {}, false, {}};
  std::map<std::string, double> kinds;
  auto add = [&](const std::string& kind, const std::string& form, const std::string& subject, const std::string& commune,
                 const std::string& detail, const std::string& id) {
    kinds[kind] += 1;
    t.rows.push_back({Cell::of(kind), Cell::of(form), Cell::of(subject), Cell::of(commune), Cell::of(detail), Cell::of(id)});
  };
  static const std::map<std::string, std::string> kState = {
      {"received", "Chưa duyệt / not reviewed"}, {"has_issues", "Có vấn đề / has issues"}, {"rejected", "Bị từ chối / rejected"}};
  for (const auto& s : d.subs) {
    auto st = kState.find(s.row->state);
    if (st == kState.end()) continue;
    add("Kết quả duyệt / review", std::string(1, s.form), s.name(), d.commune(s.get("commune")), st->second,
        s.row->instance_id);
  }
  // What the reports need and a submission lacks.
  static const std::map<char, std::vector<const char*>> kNeeded = {
      {'A', {"gps", "legal_form", "sector", "workers_total", "revenue"}},
      {'B', {"gps", "workers_total", "revenue_y1"}},
      {'C', {"workers_total", "sector"}}};
  std::vector<core::PulledRecord> records;
  for (const auto& s : d.subs) {
    if (s.rejected()) continue;
    std::string missing;
    for (const char* f : kNeeded.at(s.form))
      if (s.get(f).empty()) missing += (missing.empty() ? "" : "; ") + d.label(s.form, f) + " (" + f + ")";
    if (!missing.empty())
      add("Thiếu dữ liệu / missing data", std::string(1, s.form), s.name(), d.commune(s.get("commune")), missing,
          s.row->instance_id);
    core::PulledRecord r;
    r.registry = s.form == 'A' ? core::Registry::Establishment : s.form == 'B' ? core::Registry::CraftVillage
                                                                              : core::Registry::Cooperative;
    r.record_id = s.row->instance_id;
    auto prop = [&](const char* key, std::string value) {
      if (!value.empty()) r.properties.push_back({key, core::RegistryProperty{std::move(value), ""}});
    };
    prop("name", s.name());
    prop("commune", s.get("commune"));
    prop("tax_code", s.get(s.form == 'C' ? "coop_code" : "reg_no"));
    prop("phone", s.get("phone"));
    records.push_back(std::move(r));
  }
  auto dup_rows = [&](const std::vector<DuplicateGroup>& groups, const std::string& where) {
    for (const auto& g : groups) {
      std::string ids;
      for (const auto& id : g.record_ids) ids += (ids.empty() ? "" : " ") + id;
      add("Có thể trùng / possible duplicate", where, g.registry + ": " + g.key, "",
          std::to_string(g.record_ids.size()) + " hồ sơ cùng " + g.reason + " / records share " + g.reason, ids);
    }
  };
  dup_rows(possible_duplicates(records), "phiếu / submissions");
  dup_rows(d.input->registry_duplicates, "sổ đăng ký / registry");
  // The end of the as-of day.
  std::int64_t now = (xlsx::epoch_seconds(d.input->as_of_year, d.input->as_of_month, d.input->as_of_day) + 86400) * 1000;
  for (const auto& dev : d.input->devices) {
    if (dev.revoked || dev.last_seen >= now - 14 * 86400000LL) continue;
    std::string when = dev.last_seen ? std::to_string((now - dev.last_seen) / 86400000LL) + " ngày / days" : "chưa bao giờ / never";
    add("Thiết bị chưa đồng bộ / device not synced", "", dev.name.empty() ? dev.device_id : dev.name, "",
        "Lần cuối / last: " + when, dev.device_id);
  }
  // Each kind together in the order added, then by form, commune, subject.
  std::map<std::string, int> rank;
  std::vector<std::pair<std::tuple<int, std::string, std::string, std::string>, std::vector<Cell>>> rows;
  for (auto& r : t.rows) {
    int k = rank.emplace(r[0].text, static_cast<int>(rank.size())).first->second;
    rows.push_back({{k, r[1].text, r[3].text, r[2].text}, std::move(r)});
  }
  t.rows.clear();
  finish_table(t, std::move(rows), "Hàng đợi theo loại / Queue by kind", bars_of(kinds));
  return t;
}

}  // namespace khaosat::office::report_data
