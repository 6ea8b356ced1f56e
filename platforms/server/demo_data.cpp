// khaosat-server demo-data (server_cli.hpp; docs/office.md): a generated province in an empty
// data folder, to try the office side (review, plan) without field work. The built-in forms are
// published (as `init` does), five officer devices enrolled, and about 500 submissions of forms
// A, B and C pushed through the storage as devices would, over the 38 communes of forms/communes.csv,
// each with 1 to 3 support needs (the first 114 one of each form per commune, so every commune
// has all three); most are approved, some have issues or are rejected, and about
// one need in twenty has other state funding (duplicate-funded). For the reports, the submissions
// also carry generated GPS points, legal forms, sectors, revenue, OCOP groups and decision dates,
// support received and village criteria, drawn from a second random stream so that adding them
// changed no other field (support received in B and C, added later, also moves their needs'
// scores by the rules' support_received points). Then registries with a few
// possible duplicates and conflicts for the office's queue (demo_queue.cpp). The same seed and
// year give the same submissions.
#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <random>

#include "khaosat/core/parse_number.hpp"
#include "khaosat/sync/server.hpp"
#include "output_file.hpp"
#include "server_cli.hpp"

#ifndef KHAOSAT_FORMS_DIR
#define KHAOSAT_FORMS_DIR "forms"
#endif

namespace khaosat::server_cli {
namespace {

namespace fs = std::filesystem;

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : g_(seed) {}
  std::uint64_t next() { return g_(); }
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
  int between(int lo, int hi) { return lo + below(hi - lo + 1); }
  bool chance(int percent) { return below(100) < percent; }
  template <class T, std::size_t N>
  const T& pick(const T (&a)[N]) { return a[below(static_cast<int>(N))]; }
  std::string uuid() {
    static const char* hex = "0123456789abcdef";
    std::string s = "uuid:";
    for (int i = 0; i < 32; ++i) {
      if (i == 8 || i == 12 || i == 16 || i == 20) s += '-';
      s += hex[i == 12 ? 4 : below(16)];
    }
    return s;
  }

 private:
  std::mt19937_64 g_;
};

const char* kActivities[] = {"training", "new_enterprise", "management_market", "demo_model", "machinery",
                             "production_line", "cleaner_production", "outstanding_product", "fair_domestic",
                             "trademark", "showroom", "consulting_packaging", "digital", "pollution_treatment"};
const char* kSources[] = {"provincial", "provincial", "provincial", "national", "national", "other"};
const char* kEstNames[] = {"Cơ sở chè", "Cơ sở miến dong", "Cơ sở dệt thổ cẩm", "Cơ sở mây tre", "Cơ sở mật ong",
                           "Cơ sở chế biến gỗ", "Cơ sở cơ khí", "Cơ sở rượu", "Cơ sở gạch không nung", "Cơ sở sấy thảo quả"};
const char* kCrafts[] = {"Dệt thổ cẩm", "Đan lát mây tre", "Rèn", "Nấu rượu", "Làm giấy dó", "Chế biến chè"};
const char* kCoops[] = {"HTX Chè", "HTX Nông sản", "HTX Dệt may", "HTX Sâm", "HTX Mắc ca", "HTX Lúa Séng Cù"};
const char* kPeople[] = {"Lò Văn", "Tòng Thị", "Giàng A", "Lý Seo", "Vàng Thị", "Lường Văn", "Sùng A", "Tẩn Thị"};

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '&') o += "&amp;";
    else if (c == '<') o += "&lt;";
    else o += c;
  }
  return o;
}

std::string tag(const char* name, const std::string& v) { return "<" + std::string(name) + ">" + esc(v) + "</" + name + ">"; }

// One form's needs repeat: A and B name their fields need_*, C its own (forms/*.md).
std::string needs_xml(Rng& r, bool c_form, int count) {
  std::string x;
  for (int i = 1; i <= count; ++i) {
    int cost = r.between(2, 90) * 10;
    int requested = cost * r.between(30, 100) / 100;
    bool dup = r.chance(5);
    std::string act = r.pick(kActivities);
    std::string src = r.pick(kSources);
    x += "<needs>";
    if (c_form) {
      x += tag("rank", std::to_string(i)) + tag("support_type", act) + tag("total_cost", std::to_string(cost)) +
           tag("amount_requested", std::to_string(requested)) + tag("counterpart", std::to_string(cost - requested)) +
           tag("funding_source", src) + tag("other_state_funding", dup ? "yes" : "no") +
           tag("need_status", dup ? "ineligible" : "ok");
    } else {
      x += tag("need_type", act) + tag("need_rank", std::to_string(i)) + tag("need_cost", std::to_string(cost)) +
           tag("amount_requested", std::to_string(requested)) + tag("need_counterpart", std::to_string(cost - requested)) +
           tag("funding_source", src) + tag("need_other_state", dup ? "yes" : "no") +
           tag("need_status", dup ? "ineligible" : "ok");
    }
    x += "</needs>";
  }
  return x;
}

std::string date_in(Rng& r, int year) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year % 10000, r.between(1, 12), r.between(1, 28));
  return buf;
}

// `e` draws the facts only the reports read (GPS, legal form, revenue, OCOP group and date,
// support received, village criteria) from a stream of its own, so the submissions' other
// fields, and so the plan, stay what they were for a seed.
std::string ocop_xml(Rng& r, Rng& e, int year) {
  if (!r.chance(25)) return "";
  static const char* stars[] = {"3", "3", "4", "not_rated", "5"};
  static const char* groups[] = {"food", "food", "beverage", "herbal", "handicraft"};
  static const char* products[] = {"Chè shan tuyết", "Miến dong", "Mật ong bạc hà", "Thổ cẩm", "Sâm Lai Châu", "Rượu ngô"};
  std::string s = r.pick(stars);
  std::string x = "<ocop_products>" + tag("ocop_product", e.pick(products)) + tag("ocop_group", e.pick(groups)) + tag("ocop_stars", s);
  if (s != "not_rated") x += tag("ocop_cert_date", date_in(e, year - e.between(0, 3)));
  return x + "</ocop_products>";
}

// A generated point near the commune's own generated spot inside Lai Chau's extent
// (21.7-22.8 N, 102.3-103.9 E): demo data, not the communes' real positions.
std::string gps_xml(Rng& e, std::size_t commune_index) {
  if (e.chance(15)) return "";  // some surveys were not located
  Rng spot(0x9e3779b97f4a7c15ULL + commune_index);
  double lat = 21.75 + spot.below(1000) / 1000.0 * 1.0, lon = 102.35 + spot.below(1000) / 1000.0 * 1.5;
  lat += (e.below(2001) - 1000) / 1000.0 * 0.04;
  lon += (e.below(2001) - 1000) / 1000.0 * 0.04;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f %.6f 0 %d", lat, lon, e.between(3, 25));
  return tag("gps", buf);
}

std::string received_xml(Rng& e, int year) {
  std::string x;
  for (int i = 0, n = e.between(1, 2); i < n; ++i)
    x += "<received>" + tag("rec_year", std::to_string(year - e.between(1, 5))) + tag("rec_type", e.pick(kActivities)) +
         tag("rec_amount", std::to_string(e.between(2, 40) * 5)) + tag("rec_source", e.pick(kSources)) + "</received>";
  return x;
}

// Support received before, in B and C (A draws its answer from the main stream, as it always
// did): the answer and the rows from `e`, so the other fields of a seed stay what they were.
std::string support_received_xml(Rng& e, int year) {
  if (!e.chance(20)) return tag("support_received", "no");
  return tag("support_received", "yes") + received_xml(e, year);
}

std::string village_criteria_xml(Rng& e) {
  static const char* verdicts[] = {"yes", "yes", "yes", "no", "missing"};
  std::string x = "<result>";
  bool village = true, traditional = true;
  for (const char* c : {"c_share", "c_stable", "c_env"}) {
    std::string v = e.pick(verdicts);
    village = village && v == "yes";
    x += tag(c, v);
  }
  for (const char* c : {"t_age", "t_identity", "t_link"}) {
    std::string v = e.pick(verdicts);
    traditional = traditional && v == "yes";
    x += tag(c, v);
  }
  x += tag("craft_village", village ? "yes" : "no") + tag("traditional_trade", traditional ? "yes" : "no") +
       tag("traditional_craft_village", village && traditional ? "yes" : "no");
  return x + "</result>";
}

std::string place_of(const std::string& commune);

std::string make_xml(Rng& r, Rng& e, const std::string& form, const std::string& version, const std::string& id,
                     const std::string& commune, std::size_t commune_index, int year) {
  static const char* kLegal[] = {"household_business", "household_business", "sme", "coop", "coop_group", "unregistered"};
  static const char* kSectors[] = {"a", "a", "a", "b", "dd", "dd", "c", "d"};
  std::string x = "<data id=\"" + form + "\" version=\"" + version + "\">";
  int n = r.between(1, 3);
  if (form == "lc_establishment") {
    x += tag("survey_date", date_in(r, year)) + gps_xml(e, commune_index) + "<a0>" + tag("commune", commune) + "</a0>";
    x += "<a1>" + tag("est_name", std::string(r.pick(kEstNames)) + " " + r.pick(kPeople)) + tag("legal_form", e.pick(kLegal)) +
         "</a1>";
    x += "<a2>" + tag("sector", e.pick(kSectors)) + tag("local_material_pct", std::to_string(r.between(0, 100))) + "</a2>";
    x += "<a3>" + tag("workers_total", std::to_string(r.chance(15) ? r.between(50, 120) : r.between(2, 49)));
    if (!e.chance(5)) x += tag("revenue", std::to_string(e.between(10, 4000) * 5));
    x += "</a3>";
    x += "<a5>" + tag("export_contract", r.chance(8) ? "yes" : "no") + "</a5>";
    static const char* levels[] = {"none", "none", "none", "province", "regional"};
    x += "<a6>" + ocop_xml(r, e, year) + tag("outstanding_level", r.pick(levels)) + "</a6>";
    bool received = false;
    std::string a7 = "<a7>" + tag("support_received", (received = r.chance(20)) ? "yes" : "no") +
                     tag("n_needs", std::to_string(n)) + needs_xml(r, false, n) + "</a7>";
    if (received) a7.insert(a7.size() - 5, received_xml(e, year));
    x += a7;
  } else if (form == "lc_craft_village") {
    x += tag("survey_date", date_in(r, year)) + gps_xml(e, commune_index) + "<b1>" + tag("commune", commune) +
         tag("village", "Bản " + std::to_string(r.between(1, 30))) + tag("craft_name", r.pick(kCrafts)) + "</b1>";
    x += "<b4>" + tag("revenue_y1", std::to_string(e.between(100, 9000))) + tag("workers_total", std::to_string(r.between(10, 150))) + "</b4>";
    x += "<b5>" + support_received_xml(e, year) + tag("n_needs", std::to_string(n)) + needs_xml(r, false, n) + "</b5>" +
         village_criteria_xml(e);
  } else {
    x += tag("reg_date", date_in(r, year)) + "<c1>" + tag("coop_name", std::string(r.pick(kCoops)) + " " + place_of(commune)) +
         tag("coop_code", std::to_string(r.between(100000, 999999))) + tag("commune", commune) +
         tag("sector", e.pick(kSectors)) + tag("revenue_y1", std::to_string(e.between(100, 9000))) +
         tag("workers_total", std::to_string(r.between(5, 90))) +
         tag("local_material_pct", std::to_string(r.between(20, 100))) +
         tag("export_contract", r.chance(10) ? "yes" : "no") + ocop_xml(r, e, year) + "</c1>";
    x += "<c2>" + support_received_xml(e, year) + tag("n_needs", std::to_string(n)) + needs_xml(r, true, n) + "</c2>";
  }
  x += "<meta>" + tag("instanceID", id) + "</meta></data>";
  return x;
}

// The communes of forms/communes.csv: code -> the place's name ("binh_lu" -> "Bình Lư": its
// label without "Xã " or "Phường "), in the file's order.
const std::vector<std::pair<std::string, std::string>>& commune_rows() {
  static const std::vector<std::pair<std::string, std::string>> rows = [] {
    std::vector<std::pair<std::string, std::string>> out;
    auto text = cli::read_input(std::string(KHAOSAT_FORMS_DIR) + "/communes.csv", 1u << 20);
    if (!text) return out;
    std::size_t pos = text->find('\n');
    while (pos != std::string::npos && pos + 1 < text->size()) {
      std::size_t end = text->find('\n', pos + 1);
      std::string line = text->substr(pos + 1, end == std::string::npos ? std::string::npos : end - pos - 1);
      std::size_t comma = line.find(',');
      std::string code = line.substr(0, comma);
      std::string label = comma == std::string::npos ? code : line.substr(comma + 1, line.find(',', comma + 1) - comma - 1);
      for (const char* prefix : {"Xã ", "Phường "})
        if (label.rfind(prefix, 0) == 0) label = label.substr(std::string(prefix).size());
      if (!code.empty()) out.emplace_back(code, label.empty() ? code : label);
      pos = end;
    }
    return out;
  }();
  return rows;
}

std::string place_of(const std::string& commune) {
  for (const auto& [code, place] : commune_rows())
    if (code == commune) return place;
  return commune;
}

std::vector<std::string> commune_codes() {
  std::vector<std::string> out;
  for (const auto& [code, place] : commune_rows()) out.push_back(code);
  return out;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

int demo_data(const Args& a) {
  const char* help =
      "usage: khaosat-server demo-data --data DIR [--seed N] [--year Y] [--count N]\n\n"
      "Fills an empty (or new) data folder with a generated Lai Chau province: the built-in\n"
      "forms, five devices, about 500 submissions of forms A, B and C over the 38 communes\n"
      "(each commune has A, B and C) dated in year Y (default: this year), most approved, some\n"
      "with issues or rejected, a few needs with other state funding; generated GPS points (not\n"
      "the communes' real positions), revenue, OCOP products and support received for the\n"
      "reports. Refuses a folder that is not empty. Same seed, same data.\n"
      "--count N: N submissions instead of 500 (scripts/bench office uses 6,250: ~10,000 needs);\n"
      "below 114 some communes lack a form.\n";
  if (a.help) return usage(help, 0);
  if (a.data.empty()) return usage(help, 2);
  std::error_code ec;
  if (fs::exists(a.data, ec) && !fs::is_empty(a.data, ec))
    return fail("demo-data", a.data + ": not empty; demo-data writes only into an empty or new folder", 1);
  std::uint64_t seed = 1;
  if (!a.seed.empty()) {
    auto s = core::parse_int64(a.seed);
    if (!s || *s < 0) return fail("demo-data", "--seed takes a whole number >= 0, not '" + a.seed + "'", 2);
    seed = static_cast<std::uint64_t>(*s);
  }
  std::time_t t = static_cast<std::time_t>(now_ms() / 1000);
  std::tm utc{};
  gmtime_r(&t, &utc);
  int year = utc.tm_year + 1900;
  if (!a.year.empty()) {
    auto y = core::parse_int(a.year, 2000, 2100);
    if (!y) return fail("demo-data", "--year takes a year (2000..2100), not '" + a.year + "'", 2);
    year = *y;
  }
  int per_device = 100;
  if (!a.count.empty()) {
    auto n = core::parse_int(a.count, 5, 1000000);
    if (!n) return fail("demo-data", "--count takes a number of submissions (5..1000000), not '" + a.count + "'", 2);
    per_device = (*n + 4) / 5;
  }
  std::vector<std::string> communes = commune_codes();
  if (communes.empty()) return fail("demo-data", std::string(KHAOSAT_FORMS_DIR) + "/communes.csv: no communes");
  if (int st = init(a); st != 0) return st;
  auto storage = open_storage(a, "demo-data");
  if (!storage) return 1;
  // With --database the folder may be new while the database is not: refuse that too.
  auto existing = (*storage)->list_devices();
  if (!existing) return fail("demo-data", existing.error().message);
  if (!existing->empty())
    return fail("demo-data", (a.database.empty() ? a.data : std::string("the --database database")) +
                                 ": not empty (it has enrolled devices); demo-data writes only into an empty database", 1);
  auto forms = (*storage)->list_forms();
  if (!forms) return fail("demo-data", forms.error().message);
  std::map<std::string, std::string> version;
  for (const auto& f : *forms) version[f.form_id] = std::max(version[f.form_id], f.version);
  for (const char* f : {"lc_establishment", "lc_craft_village", "lc_coop_needs"})
    if (!version.count(f)) return fail("demo-data", std::string("form ") + f + " is not published");

  Rng r(seed), extras(seed ^ 0x5deece66dULL);
  std::int64_t now = now_ms();
  std::vector<std::string> devices;
  for (int d = 1; d <= 5; ++d) {
    std::string enroll_code = "demo-code-" + std::to_string(d), token = "demo-token-" + std::to_string(seed) + "-" + std::to_string(d);
    sync::EnrollmentGrant g{"officer", "Cán bộ " + std::to_string(d), {}, now + 3600000};
    if (core::Status st = (*storage)->add_enrollment(sync::sha256_hex(enroll_code), g); !st) return fail("demo-data", st.error().message);
    std::string id = "demo-device-" + std::to_string(d);
    auto dev = (*storage)->redeem_enrollment(sync::sha256_hex(enroll_code), id, "", sync::sha256_hex(token), now);
    if (!dev) return fail("demo-data", dev.error().message);
    devices.push_back(id);
  }
  int counts[3] = {0, 0, 0}, states[3] = {0, 0, 0};
  sync::StoredSubmission resent;  // pushed again with other content by demo_queue
  const char* kinds[] = {"lc_establishment", "lc_craft_village", "lc_coop_needs"};
  for (std::size_t d = 0; d < devices.size(); ++d) {
    sync::PushBatch batch;
    batch.device_id = devices[d];
    batch.first_seq = 1;
    for (int i = 0; i < per_device; ++i) {
      // The first 3 x 38 submissions go round the communes, one of each form per commune, so
      // every commune has A, B and C whatever the draw (the rest are drawn). The draws are made
      // either way, so the random stream is the same.
      const std::size_t g = d * static_cast<std::size_t>(per_device) + static_cast<std::size_t>(i);
      const bool round = g < 3 * communes.size();
      int k = r.below(100) < 55 ? 0 : r.below(100) < 35 ? 1 : 2;
      if (round) k = static_cast<int>(g % 3);
      ++counts[k];
      sync::PushRecord rec;
      rec.seq = i + 1;
      rec.kind = "submission";
      rec.id = r.uuid();
      rec.form_id = kinds[k];
      rec.form_version = version[kinds[k]];
      auto commune = static_cast<std::size_t>(r.below(static_cast<int>(communes.size())));
      if (round) commune = g / 3;
      rec.xml = make_xml(r, extras, rec.form_id, rec.form_version, rec.id, communes[commune], commune, year);
      batch.records.push_back(std::move(rec));
    }
    batch.last_seq = static_cast<std::int64_t>(batch.records.size());
    std::vector<sync::CheckedRecord> checked;
    for (const auto& rec : batch.records) checked.push_back({&rec, sync::sha256_hex(rec.xml), ""});
    auto answer = (*storage)->push(devices[d], batch, checked, now);
    if (!answer) return fail("demo-data", answer.error().message);
    if (d == 0) {
      const auto& first = batch.records.front();
      resent = {first.id, first.form_id, first.form_version, devices[d], "", first.xml, std::nullopt, {}, now};
    }
    for (const auto& rec : batch.records) {
      int p = r.below(100);
      const char* state = p < 80 ? "approved" : p < 88 ? "has_issues" : p < 93 ? "rejected" : nullptr;
      if (!state) continue;
      ++states[p < 80 ? 0 : p < 88 ? 1 : 2];
      std::string comment = p < 80 ? "" : p < 88 ? "Thiếu số điện thoại / phone missing" : "Trùng hồ sơ / duplicate record";
      if (core::Status st = (*storage)->add_review({rec.id, state, comment, "demo", now}); !st)
        return fail("demo-data", st.error().message);
    }
  }
  if (core::Status st = demo_queue(**storage, devices, communes, seed, now, resent); !st)
    return fail("demo-data", st.error().message);
  std::cout << "khaosat-server demo-data: " << a.data << ": " << counts[0] << " A, " << counts[1] << " B, " << counts[2]
            << " C submissions dated " << year << " from " << devices.size() << " devices; " << states[0] << " approved, "
            << states[1] << " with issues, " << states[2] << " rejected; registries with a few possible duplicates "
            << "and conflicts for 'queue' (seed " << seed << ")\n";
  return 0;
}

}  // namespace khaosat::server_cli
