// The data model the three built-in forms share (docs/forms.md, "One data model"): the office's
// commune table (forms/communes.csv, forms/former_units.csv) and the forms' commune lists that
// must agree with it; one list of support activities mapped to Decree 45 Art. 4 (as amended by
// Decree 235/2025) used by the needs of A, B and C; every need with its amount requested,
// counterpart funds, funding source and the applicant's own rank; duplicate state funding kept
// and marked ineligible the same way everywhere; messages citing the circular in force.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "core/builtin_forms_fixture.hpp"
#include "support/scoped_dir.hpp"

using khaosat::test::BuiltinForm;
using khaosat::test::builtin_form_path;
using khaosat::test::choice_rows;
using khaosat::test::form_text;
using khaosat::test::kEn;
using khaosat::test::kVi;
using khaosat::test::read_table;
using khaosat::test::TableRows;

namespace {

const char* const kForms[] = {"a_establishment.md", "b_craft_village.md", "c_coop_needs.md"};

const std::set<std::string> kDistricts = {"tp_lai_chau", "h_than_uyen", "h_tan_uyen",
                                          "h_tam_duong", "h_phong_tho", "h_sin_ho",
                                          "h_nam_nhun",  "h_muong_te"};

std::set<std::string> words(const std::string& s) {
  std::set<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.insert(w);
  return out;
}

bool is_code5(const std::string& s) {
  return s.size() == 5 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

TEST_CASE("built-in forms: the commune table holds the 38 units, their codes and area attributes") {
  TableRows communes = read_table("communes.csv");
  REQUIRE(communes.size() == 38);
  std::set<std::string> names, codes;
  int wards = 0, difficult = 0;
  for (auto& c : communes) {
    CAPTURE(c["name"]);
    names.insert(c["name"]);
    codes.insert(c["code"]);
    CHECK(is_code5(c["code"]));
    CHECK((c["unit"] == "xa" || c["unit"] == "phuong"));
    wards += c["unit"] == "phuong";
    CHECK_FALSE(c["district"].empty());
    for (const auto& d : words(c["district"])) CHECK(kDistricts.count(d) == 1);
    // Each area attribute: yes / no / unknown (or blank), where it comes from, and how sure we are.
    for (const char* a : {"highland", "border", "ethnic_minority", "poor_30a", "ntm", "difficult"}) {
      std::string v = c[a], status = c[std::string(a) + "_status"];
      CHECK((v == "yes" || v == "no" || v == "unknown" || v.empty()));
      // Unknown: no decision to date (none is made up); the source column says why it is unknown.
      if (v == "unknown") CHECK(status == "M");
      if (v == "unknown") CHECK(c[std::string(a) + "_date"].empty());
      CHECK((status == "V" || status == "G" || status == "M"));
      if (!v.empty()) CHECK_FALSE(c[std::string(a) + "_source"].empty());
    }
    difficult += c["difficult"] == "yes";
  }
  CHECK(names.size() == 38);
  CHECK(codes.size() == 38);
  CHECK(wards == 2);
  // QĐ 113/QĐ-UBND (16/1/2026): every commune but four is "đặc biệt khó khăn"; wards are not.
  CHECK(difficult == 32);
  for (auto& c : communes)
    if (c["name"] == "binh_lu" || c["name"] == "tan_phong") {
      CHECK(c["difficult"] == "no");
      CHECK(c["difficult_source"] == "QĐ 113/QĐ-UBND tỉnh Lai Châu");
      CHECK(c["difficult_date"] == "2026-01-16");
    }
}

TEST_CASE("built-in forms: each unit maps to the former units it was made from") {
  TableRows communes = read_table("communes.csv");
  TableRows former = read_table("former_units.csv");
  REQUIRE(former.size() == 106);  // 94 communes, 5 wards, 7 towns before 1/7/2025
  std::map<std::string, std::set<std::string>> districts_of;
  std::set<std::string> codes;
  for (auto& f : former) {
    CAPTURE(f["name"]);
    CHECK(is_code5(f["code"]));
    codes.insert(f["code"]);
    CHECK(kDistricts.count(f["former_district"]) == 1);
    districts_of[f["commune"]].insert(f["former_district"]);
  }
  CHECK(codes.size() == 106);
  for (auto& c : communes) {
    CAPTURE(c["name"]);
    REQUIRE(districts_of.count(c["name"]) == 1);
    // The commune table's former districts are those of the units it was made from.
    CHECK(words(c["district"]) == districts_of[c["name"]]);
  }
  CHECK(districts_of.size() == 38);
  // Units that span two former districts (domain.md, review of the forms).
  auto spans = [&](const char* unit, const char* a, const char* b) {
    CHECK_MESSAGE((districts_of[unit] == std::set<std::string>{a, b}), unit);
  };
  spans("sin_suoi_ho", "h_phong_tho", "h_tam_duong");
  spans("tan_phong", "tp_lai_chau", "h_tam_duong");
  spans("doan_ket", "tp_lai_chau", "h_phong_tho");
  spans("le_loi", "h_nam_nhun", "h_sin_ho");
  spans("hua_bum", "h_nam_nhun", "h_muong_te");
  spans("pa_tan", "h_nam_nhun", "h_sin_ho");
}

TEST_CASE("built-in forms: each form's commune list agrees with the commune table") {
  TableRows communes = read_table("communes.csv");
  for (const char* form : kForms) {
    CAPTURE(form);
    TableRows list = choice_rows(form, "commune");
    REQUIRE(list.size() == communes.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
      CAPTURE(communes[i]["name"]);
      CHECK(list[i]["name"] == communes[i]["name"]);
      CHECK(list[i]["label::Tiếng Việt (vi)"] == communes[i]["label_vi"]);
      CHECK(list[i]["label::English (en)"] == communes[i]["label_en"]);
      CHECK(list[i]["district"] == communes[i]["district"]);
    }
    std::set<std::string> filter;
    for (auto& d : choice_rows(form, "former_district")) filter.insert(d["name"]);
    CHECK(filter == kDistricts);
  }
}

TEST_CASE("built-in forms: one list of support activities, mapped to Decree 45 Art. 4") {
  // Compared on what the list means: code, labels, Art. 4 activity, offered or not.
  auto list_of = [](const char* form) {
    TableRows rows = choice_rows(form, "support_activity");
    for (auto& r : rows)
      std::erase_if(r, [](const auto& kv) {
        return kv.first != "name" && kv.first != "art4" && kv.first != "active" &&
               kv.first.rfind("label::", 0) != 0;
      });
    return rows;
  };
  TableRows a = list_of("a_establishment.md");
  REQUIRE(a.size() >= 15);
  const std::set<std::string> art4 = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "nd235", ""};
  std::set<std::string> names;
  for (auto& row : a) {
    CAPTURE(row["name"]);
    names.insert(row["name"]);
    CHECK(art4.count(row["art4"]) == 1);
    CHECK((row["active"] == "yes" || row["active"] == "no"));
    CHECK_FALSE(row["label::Tiếng Việt (vi)"].empty());
    CHECK_FALSE(row["label::English (en)"].empty());
  }
  // The same list, codes, labels, mapping and all, in B and C.
  for (const char* form : {"b_craft_village.md", "c_coop_needs.md"}) {
    CAPTURE(form);
    CHECK(list_of(form) == a);
  }
  // Every type with a ceiling in the office's limits table is an activity of the list.
  for (auto& limit : read_table("support_limits.csv")) CHECK(names.count(limit["name"]) == 1);
  // Each activity of Art. 4.1-4.7 has at least one code; the codes stored before the list was
  // unified stay in it, inactive, so old records still map to an activity.
  for (const char* n : {"1", "2", "3", "4", "5", "6", "7"})
    CHECK(std::any_of(a.begin(), a.end(), [&](auto& r) { return r.at("art4") == n; }));
  for (const char* old : {"demo_machinery", "products_fairs", "consulting", "fair"}) {
    auto it = std::find_if(a.begin(), a.end(), [&](auto& r) { return r.at("name") == old; });
    REQUIRE_MESSAGE(it != a.end(), old);
    CHECK(it->at("active") == "no");
  }
}

TEST_CASE("built-in forms: the OCOP groups, sub-groups and stars of QĐ 148/QĐ-TTg are the same in A and C") {
  // Compared on what the lists mean: code, labels, the sub-group's group, the certificate's months.
  auto list_of = [](const char* form, const char* list) {
    TableRows rows = choice_rows(form, list);
    for (auto& r : rows)
      std::erase_if(r, [](const auto& kv) {
        return kv.first != "name" && kv.first != "group" && kv.first != "cert_months" &&
               kv.first.rfind("label::", 0) != 0;
      });
    return rows;
  };
  TableRows groups = list_of("a_establishment.md", "ocop_group");
  TableRows sets = list_of("a_establishment.md", "ocop_set");
  // QĐ 148: 6 groups, 26 sub-groups (domain.md §2), each sub-group under one of the groups.
  CHECK(groups.size() == 6);
  CHECK(sets.size() == 26);
  std::set<std::string> group_names;
  for (auto& g : groups) group_names.insert(g["name"]);
  for (auto& x : sets) {
    CAPTURE(x["name"]);
    CHECK(group_names.count(x["group"]) == 1);
    CHECK_FALSE(x["label::Tiếng Việt (vi)"].empty());
    CHECK_FALSE(x["label::English (en)"].empty());
  }
  CHECK(list_of("c_coop_needs.md", "ocop_group") == groups);
  CHECK(list_of("c_coop_needs.md", "ocop_set") == sets);
  CHECK(list_of("c_coop_needs.md", "ocop_stars") == list_of("a_establishment.md", "ocop_stars"));
}

namespace {

// One need of each form, answered the same way: a 600 M machinery purchase, 300 M requested.
struct NeedPaths {
  const char* form;
  std::string count, row, type, rank, cost, requested, counterpart, source, other_state, status;
};

const NeedPaths kNeeds[] = {
    {"a_establishment.md", "/data/a7/n_needs", "/data/a7/needs[1]", "need_type", "need_rank", "need_cost",
     "amount_requested", "need_counterpart", "funding_source", "need_other_state", "need_status"},
    {"b_craft_village.md", "/data/b5/n_needs", "/data/b5/needs[1]", "need_type", "need_rank", "need_cost",
     "amount_requested", "need_counterpart", "funding_source", "need_other_state", "need_status"},
    {"c_coop_needs.md", "/data/c2/n_needs", "/data/c2/needs[1]", "support_type", "rank", "total_cost",
     "amount_requested", "counterpart", "funding_source", "other_state_funding", "need_status"},
};

void one_need(BuiltinForm& f, const NeedPaths& p) {
  f.set(p.count, "1");
  f.set(p.row + "/" + p.type, "machinery");
  f.set(p.row + "/" + p.rank, "1");
  f.set(p.row + "/" + p.cost, "600");
  f.set(p.row + "/" + p.requested, "300");
  f.set(p.row + "/" + p.source, "provincial");
  f.set(p.row + "/" + p.other_state, "no");
}

}  // namespace

TEST_CASE("built-in forms: every need has amount requested, counterpart, funding source, rank") {
  for (const NeedPaths& p : kNeeds) {
    CAPTURE(p.form);
    BuiltinForm f(builtin_form_path(p.form));
    one_need(f, p);
    CHECK(f.choices(p.row + "/" + p.source) == "national provincial other");
    CHECK(f.value(p.row + "/" + p.counterpart) == "300");
    CHECK(f.value(p.row + "/" + p.status) == "ok");
    CHECK(f.at(p.row + "/" + p.requested).valid);
    CHECK(f.at(p.row + "/" + p.rank).valid);
    // More than the cost cannot be requested.
    f.set(p.row + "/" + p.cost, "250");
    CHECK(f.condition(p.row + "/" + p.requested) == "constraint");
    f.set(p.row + "/" + p.cost, "600");
    // An activity outside Art. 4 cannot ask for khuyến công funds.
    f.set(p.row + "/" + p.type, "other");
    CHECK(f.condition(p.row + "/" + p.source) == "constraint");
    CHECK(f.message(p.row + "/" + p.source) ==
          "Nội dung ngoài Điều 4 NĐ 45/2012 không dùng kinh phí khuyến công: chọn nguồn khác.");
    f.lang(kEn);
    CHECK(f.message(p.row + "/" + p.source) ==
          "An activity outside Art. 4 of Decree 45/2012 cannot use khuyến công funds: choose "
          "another source.");
    f.set(p.row + "/" + p.source, "other");
    CHECK(f.at(p.row + "/" + p.source).valid);
  }
}

TEST_CASE("built-in forms: other state funding is kept and marked ineligible in A, B and C") {
  for (const NeedPaths& p : kNeeds) {
    CAPTURE(p.form);
    BuiltinForm f(builtin_form_path(p.form));
    one_need(f, p);
    f.set(p.row + "/" + p.other_state, "yes");
    CHECK(f.value(p.row + "/" + p.status) == "ineligible");
    CHECK(f.at(p.row + "/" + p.other_state).valid);  // recorded, not refused
    CHECK(f.chosen(p.row + "/" + p.status) ==
          "Không đủ điều kiện: hạng mục đã có ngân sách nhà nước khác hỗ trợ (TT 28/2018/TT-BTC)");
    f.lang(kEn);
    CHECK(f.chosen(p.row + "/" + p.status) ==
          "Ineligible: the item already has other state funding (TT 28/2018/TT-BTC)");
  }
}

TEST_CASE("built-in forms: support already received is asked the same way in A, B and C") {
  // The plan lowers the rank of a need whose applicant was supported before (docs/forms.md, "One
  // data model"): the question, its repeat and its funding-source list are the same in each form.
  for (auto [form, group] : {std::pair{"a_establishment.md", "/data/a7"}, std::pair{"b_craft_village.md", "/data/b5"},
                             std::pair{"c_coop_needs.md", "/data/c2"}}) {
    CAPTURE(form);
    BuiltinForm f(builtin_form_path(form));
    const std::string g = group, row = g + "/received[1]";
    CHECK(f.label(g + "/support_received") == "Đã được hỗ trợ khuyến công?");
    CHECK(f.choices(g + "/support_received") == "yes no");
    CHECK_FALSE(f.relevant(g + "/received"));
    f.set(g + "/support_received", "yes");
    CHECK(f.relevant(row + "/rec_year"));
    CHECK(f.choices(row + "/rec_source") == "national provincial other");
    f.set(row + "/rec_type", "training");
    f.set(row + "/rec_year", "1999");
    CHECK(f.condition(row + "/rec_year") == "constraint");
    f.set(row + "/rec_year", "2024");
    CHECK(f.at(row + "/rec_year").valid);
    f.lang(kEn);
    CHECK(f.label(g + "/support_received") == "Support already received?");
    CHECK(f.label(row + "/rec_source") == "Funding source");
  }
}

TEST_CASE("built-in forms: messages cite TT 28/2018/TT-BTC, not the superseded TTLT 26/2014") {
  for (const char* form : kForms) {
    CAPTURE(form);
    std::string text = form_text(form);
    CHECK(text.find("TTLT 26/2014") == std::string::npos);
  }
  CHECK(form_text("a_establishment.md").find("TT 28/2018/TT-BTC") != std::string::npos);
}

TEST_CASE("built-in forms: sector labels do not claim Art. 5's lettering, and d names machinery repair") {
  for (const char* form : {"a_establishment.md", "c_coop_needs.md"}) {
    CAPTURE(form);
    for (auto& row : choice_rows(form, "nd45_sector")) {
      const std::string& vi = row["label::Tiếng Việt (vi)"];
      CAPTURE(vi);
      // "a) ", "đ) ": whether Art. 5 letters its sectors so is unverified (docs/forms.md).
      auto paren = vi.find(") ");
      CHECK((paren == std::string::npos || paren > 2));
      if (row["name"] == "d") CHECK(vi.find("sửa chữa máy móc") != std::string::npos);
    }
  }
}
