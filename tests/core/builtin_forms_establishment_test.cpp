// Built-in form A, rural industrial establishment / OCOP producer survey
// (forms/a_establishment.md): the commune list and its former districts, the registration rule,
// the workforce constraints, the TT 46/2012 priority flags, the OCOP cascade and certificate
// expiry, ranked needs, and the Decree 45 eligibility verdict with its rule version — in
// Vietnamese and English.
#include <doctest/doctest.h>

#include "core/builtin_forms_fixture.hpp"
#include "support/scoped_dir.hpp"

using khaosat::test::BuiltinForm;
using khaosat::test::builtin_form_path;
using khaosat::test::kEn;
using khaosat::test::kVi;

namespace {

const std::string kOcop = "/data/a6/ocop_products[1]";

// A tea cooperative in Bình Lư (former Tam Đường district), as an officer records it.
struct TeaCooperative : BuiltinForm {
  TeaCooperative() : BuiltinForm(builtin_form_path("a_establishment.md")) {
    set("/data/officer", "Nguyễn Văn An");
    set("/data/survey_date", "2026-11-25");
    set("/data/gps", "22.3862 103.4990 1250 8");
    set("/data/a0/commune", "binh_lu");
    set("/data/a0/village", "Bản Thẳm");
    set("/data/a1/est_name", "HTX Chè Bình Lư");
    set("/data/a1/legal_form", "coop");
    set("/data/a1/reg_no", "6200456789");
    set("/data/a1/date_established", "2015-04-01");
    set("/data/a1/rep_name", "Tẩn Văn Lở");
    set("/data/a1/rep_position", "Giám đốc");
    set("/data/a1/rep_sex", "male");
    set("/data/a1/rep_ethnicity", "dao");
    set("/data/a1/phone", "0912345678");
    set("/data/a2/sector", "a");
    set("/data/a2/products[1]/prod_name", "Chè shan tuyết");
    set("/data/a2/products[1]/prod_unit", "kg");
    set("/data/a2/products[1]/prod_output", "5000");
    set("/data/a2/products[1]/prod_price", "300");
    set("/data/a2/raw_source", "in_commune in_province");
    set("/data/a2/local_material_pct", "90");
    set("/data/a3/workers_total", "62");
    set("/data/a3/workers_female", "40");
    set("/data/a3/workers_em", "55");
    set("/data/a3/workers_seasonal", "30");
    set("/data/a4/machine_count", "1");
    set("/data/a4/machines[1]/machine_name", "Máy vò chè");
    set("/data/a4/machines[1]/machine_qty", "4");
    set("/data/a4/machines[1]/machine_year", "2019");
    set("/data/a4/electricity", "three_phase");
    set("/data/a5/certificates", "vietgap trademark");
    set("/data/a5/markets", "province other_provinces export");
    set("/data/a5/export_contract", "yes");
    set("/data/a6/ocop_status", "rated");
    set("/data/a6/n_ocop", "1");
    ocop_product(kOcop, "Chè shan tuyết Bình Lư", "food", "food_tea", "4");
    set(kOcop + "/ocop_cert_date", "2024-03-15");
    set("/data/a7/support_received", "no");
    set("/data/a7/n_needs", "2");
    set("/data/a7/needs[1]/need_type", "machinery");
    set("/data/a7/needs[1]/need_rank", "1");
    set("/data/a7/needs[1]/need_cost", "600");
    set("/data/a7/needs[1]/amount_requested", "300");
    set("/data/a7/needs[1]/funding_source", "national");
    set("/data/a7/needs[1]/need_other_state", "no");
    set("/data/a7/needs[2]/need_type", "fair_domestic");
    set("/data/a7/needs[2]/need_rank", "2");
    set("/data/a7/needs[2]/need_cost", "50");
    set("/data/a7/needs[2]/amount_requested", "50");
    set("/data/a7/needs[2]/funding_source", "provincial");
    set("/data/a7/needs[2]/need_other_state", "no");
    set("/data/a8/consent", "OK");
  }
};

}  // namespace

TEST_CASE("form A: a tea cooperative in a commune is in scope, with both priority flags") {
  TeaCooperative f;
  CHECK(f.value("/data/a0/former_district") == "h_tam_duong");
  CHECK(f.value("/data/a2/flag_local_material") == "yes");
  CHECK(f.value("/data/a3/flag_50_workers") == "yes");
  CHECK(f.value("/data/result/loc_check") == "yes");
  CHECK(f.value("/data/result/eligibility") == "eligible");
  CHECK(f.value("/data/rule_version") == "ND45+235");
  CHECK(f.value("/data/a6/ocop_rule_version") == "QD148");
  // Only the beneficiary type is checked: "in scope", not "eligible" (thuộc đối tượng).
  CHECK(f.chosen("/data/result/eligibility") == "Thuộc đối tượng");
  for (const char* note : {"loc_review", "legal_review", "sector_review"})
    CHECK_FALSE(f.relevant(std::string("/data/result/") + note));
  CHECK(f.value(kOcop + "/ocop_cert_age_months") == "32");
  CHECK(f.value(kOcop + "/ocop_cert_expired") == "no");
  CHECK_FALSE(f.relevant(kOcop + "/ocop_cert_warning"));
  CHECK(f.value("/data/a7/needs[1]/need_counterpart") == "300");
  CHECK(f.s->validate().empty());
  f.lang(kEn);
  CHECK(f.chosen("/data/result/eligibility") == "In scope");
  CHECK(f.chosen("/data/a3/flag_50_workers") == "Yes");
  CHECK(f.label("/data/a3/flag_50_workers") == "Priority: 50 or more workers (TT 46/2012)");
  auto done = f.s->finalize();
  REQUIRE(done.ok());
  REQUIRE(done->finalized);
  const std::string& xml = done->instance_xml;
  CHECK(xml.find("<eligibility>eligible</eligibility>") != std::string::npos);
  CHECK(xml.find("<rule_version>ND45+235</rule_version>") != std::string::npos);
}

TEST_CASE("form A: the 38 communes and wards of Lai Châu, filtered by former district") {
  BuiltinForm f(builtin_form_path("a_establishment.md"));
  CHECK(f.at("/data/a0/commune").choices.size() == 38);
  // A unit made from former units of two districts is listed under both (forms/communes.csv).
  f.set("/data/a0/district_filter", "h_muong_te");
  CHECK(f.choices("/data/a0/commune") ==
        "hua_bum bum_nua bum_to muong_te thu_lum pa_u mu_ca ta_tong");
  f.set("/data/a0/district_filter", "h_tam_duong");
  CHECK(f.choices("/data/a0/commune") ==
        "ban_bo binh_lu ta_leng khun_ha sin_suoi_ho tan_phong");
  f.set("/data/a0/district_filter", "tp_lai_chau");
  CHECK(f.choices("/data/a0/commune") == "tan_phong doan_ket");
  f.set("/data/a0/commune", "doan_ket");
  CHECK(f.value("/data/a0/former_district") == "tp_lai_chau h_phong_tho");
  CHECK(f.chosen("/data/a0/commune") == "Phường Đoàn Kết");
  f.lang(kEn);
  CHECK(f.chosen("/data/a0/commune") == "Đoàn Kết ward");
  f.set("/data/a0/district_filter", "");
  CHECK(f.at("/data/a0/commune").choices.size() == 38);
  CHECK(f.at("/data/a0/former_district").value == "tp_lai_chau h_phong_tho");
  f.set("/data/a0/commune", "binh_lu");
  CHECK(f.value("/data/a0/former_district") == "h_tam_duong");
}

TEST_CASE("form A: what is not clearly in scope is sent for review, with the reason") {
  TeaCooperative f;
  SUBCASE("a ward: the city's class is unverified") {
    f.set("/data/a0/commune", "tan_phong");
    CHECK(f.value("/data/result/loc_check") == "review");
    CHECK(f.value("/data/result/eligibility") == "review");
    CHECK(f.relevant("/data/result/loc_review"));
    CHECK(f.label("/data/result/loc_review") ==
          "Địa bàn: là phường, cần xác nhận loại đô thị (chỉ phường của đô thị loại II, III được "
          "hỗ trợ).");
    f.lang(kEn);
    CHECK(f.chosen("/data/result/eligibility") == "Needs review");
    CHECK(f.label("/data/result/loc_review") ==
          "Location: a ward; confirm the city's class (only wards of class-II and class-III "
          "cities qualify).");
  }
  SUBCASE("an unregistered household") {
    f.set("/data/a1/legal_form", "unregistered");
    CHECK(f.value("/data/result/legal_check") == "review");
    CHECK(f.value("/data/result/eligibility") == "review");
    CHECK(f.label("/data/result/legal_review") ==
          "Loại hình: hộ chưa đăng ký kinh doanh hoặc loại hình khác, cần xem xét.");
    f.lang(kEn);
    CHECK(f.label("/data/result/legal_review") ==
          "Legal form: an unregistered household or another form; to be reviewed.");
  }
  SUBCASE("a cleaner-production facility: no limit on location or size (Art. 1.2b)") {
    f.set("/data/a0/commune", "tan_phong");
    f.set("/data/a1/legal_form", "other");
    f.set("/data/a1/legal_form_other", "Công ty cổ phần");
    CHECK(f.value("/data/result/eligibility") == "review");
    f.set("/data/a2/cleaner_production", "yes");
    CHECK(f.value("/data/result/loc_check") == "yes");
    CHECK(f.value("/data/result/legal_check") == "yes");
    CHECK(f.value("/data/result/eligibility") == "eligible");
    CHECK_FALSE(f.relevant("/data/result/loc_review"));
    f.set("/data/a1/legal_form", "unregistered");  // still a question for the office
    CHECK(f.value("/data/result/legal_check") == "review");
  }
  SUBCASE("a household business is in scope (Decree 45 Art. 1.2a)") {
    f.set("/data/a1/legal_form", "household_business");
    CHECK(f.value("/data/result/eligibility") == "eligible");
  }
  SUBCASE("mining, eligible only in disadvantaged areas, and sectors outside Art. 5") {
    f.set("/data/a2/sector", "e");
    CHECK(f.value("/data/result/sector_check") == "review");
    CHECK(f.value("/data/result/eligibility") == "review");
    f.set("/data/a2/sector", "other");
    CHECK(f.value("/data/result/eligibility") == "review");
    CHECK(f.relevant("/data/a2/sector_other"));
    f.lang(kEn);
    CHECK(f.label("/data/result/sector_review") ==
          "Sector: outside Art. 5, or mining (supported only in disadvantaged areas); to be "
          "reviewed.");
    f.set("/data/a2/sector", "dd");
    CHECK(f.value("/data/result/eligibility") == "eligible");
  }
  SUBCASE("no verdict until location, legal form and sector are known") {
    BuiltinForm blank(builtin_form_path("a_establishment.md"));
    CHECK(blank.value("/data/result/eligibility") == "");
    blank.set("/data/a0/commune", "binh_lu");
    blank.set("/data/a1/legal_form", "coop");
    CHECK(blank.value("/data/result/eligibility") == "");
    blank.set("/data/a2/sector", "a");
    CHECK(blank.value("/data/result/eligibility") == "eligible");
  }
}

TEST_CASE("form A: the registration number is required unless the household is unregistered") {
  TeaCooperative f;
  f.set("/data/a1/reg_no", "");
  CHECK(f.condition("/data/a1/reg_no") == "required");
  CHECK(f.message("/data/a1/reg_no") ==
        "Nhập số đăng ký kinh doanh hoặc mã số thuế (chỉ hộ chưa đăng ký được bỏ trống).");
  f.lang(kEn);
  CHECK(f.message("/data/a1/reg_no") ==
        "Enter the business registration or tax number (only an unregistered household may "
        "leave it blank).");
  f.set("/data/a1/legal_form", "unregistered");
  CHECK_FALSE(f.at("/data/a1/reg_no").required);
  CHECK(f.at("/data/a1/reg_no").valid);
}

TEST_CASE("form A: female and ethnic-minority workers cannot exceed the total") {
  TeaCooperative f;
  f.set("/data/a3/workers_female", "63");
  f.set("/data/a3/workers_em", "70");
  CHECK(f.condition("/data/a3/workers_female") == "constraint");
  CHECK(f.message("/data/a3/workers_female") ==
        "Số lao động nữ không được vượt tổng số lao động.");
  CHECK(f.message("/data/a3/workers_em") ==
        "Số lao động người DTTS không được vượt tổng số lao động.");
  f.lang(kEn);
  CHECK(f.message("/data/a3/workers_female") ==
        "Female workers cannot exceed the total number of workers.");
  CHECK(f.message("/data/a3/workers_em") ==
        "Ethnic-minority workers cannot exceed the total number of workers.");
  f.set("/data/a3/workers_total", "70");
  CHECK(f.at("/data/a3/workers_female").valid);
  CHECK(f.at("/data/a3/workers_em").valid);
}

TEST_CASE("form A: the priority flags of TT 46/2012 at their thresholds") {
  TeaCooperative f;
  f.set("/data/a3/workers_total", "49");
  f.set("/data/a3/workers_female", "30");
  f.set("/data/a3/workers_em", "30");
  CHECK(f.value("/data/a3/flag_50_workers") == "no");
  f.set("/data/a3/workers_total", "50");
  CHECK(f.value("/data/a3/flag_50_workers") == "yes");
  f.set("/data/a2/local_material_pct", "50");
  CHECK(f.value("/data/a2/flag_local_material") == "no");  // more than 50 % is needed
  f.set("/data/a2/local_material_pct", "50.5");
  CHECK(f.value("/data/a2/flag_local_material") == "yes");
  f.set("/data/a2/local_material_pct", "");
  CHECK(f.value("/data/a2/flag_local_material") == "");  // unknown, not "no"
  f.set("/data/a2/local_material_pct", "120");
  CHECK(f.message("/data/a2/local_material_pct") == "Tỷ lệ phải từ 0 đến 100 %.");
}

TEST_CASE("form A: OCOP group to product set, and the certificate expiry warning") {
  TeaCooperative f;
  CHECK(f.at(kOcop + "/ocop_set").choices.size() == 13);  // food has 13 sub-groups
  f.set(kOcop + "/ocop_group", "beverage");
  CHECK(f.choices(kOcop + "/ocop_set") ==
        "bev_white_liquor bev_other_alcohol bev_water bev_other_soft");
  CHECK(f.value(kOcop + "/ocop_set") == "");  // tea is not a beverage set
  f.set(kOcop + "/ocop_set", "bev_white_liquor");
  f.set(kOcop + "/ocop_group", "tourism");
  CHECK(f.choices(kOcop + "/ocop_set") == "tour_community");

  // Valid 36 months (the ocop_stars table): issued 26/11/2023, expired on 26/11/2026.
  f.set(kOcop + "/ocop_cert_date", "2023-11-27");
  CHECK(f.value(kOcop + "/ocop_cert_age_months") == "35");
  CHECK(f.value(kOcop + "/ocop_cert_expired") == "no");
  f.set(kOcop + "/ocop_cert_date", "2023-11-26");
  CHECK(f.value(kOcop + "/ocop_cert_age_months") == "36");
  CHECK(f.value(kOcop + "/ocop_cert_expired") == "yes");
  CHECK(f.label(kOcop + "/ocop_cert_warning") ==
        "Cảnh báo: giấy chứng nhận OCOP đã quá 36 tháng kể từ ngày cấp, cần đánh giá, xếp hạng "
        "lại.");
  f.lang(kEn);
  CHECK(f.label(kOcop + "/ocop_cert_warning") ==
        "Warning: the OCOP certificate is 36 months or more past its date of issue and needs "
        "re-rating.");
  f.set(kOcop + "/ocop_cert_date", "2027-01-01");
  CHECK(f.message(kOcop + "/ocop_cert_date") == "The certificate date cannot be in the future.");

  // 1-2 stars are not recognised: no certificate is asked.
  f.set(kOcop + "/ocop_stars", "2");
  CHECK(f.value(kOcop + "/ocop_cert_months") == "");
  CHECK_FALSE(f.relevant(kOcop + "/ocop_cert_date"));
  // Not taking part: the whole block is skipped.
  f.set("/data/a6/ocop_status", "none");
  CHECK_FALSE(f.relevant("/data/a6/n_ocop"));
  CHECK_FALSE(f.relevant("/data/a6/ocop_products"));
  CHECK_FALSE(f.relevant(kOcop + "/ocop_stars"));
  CHECK_FALSE(f.relevant("/data/a6/ocop_rule_version"));
}

TEST_CASE("form A: ranked needs, and other state funding marks a need ineligible") {
  TeaCooperative f;
  CHECK(f.value("/data/a7/needs[1]/need_status") == "ok");
  f.set("/data/a7/needs[2]/need_other_state", "yes");
  CHECK(f.value("/data/a7/needs[2]/need_status") == "ineligible");
  CHECK(f.chosen("/data/a7/needs[2]/need_status") ==
        "Không đủ điều kiện: hạng mục đã có ngân sách nhà nước khác hỗ trợ (TT 28/2018/TT-BTC)");
  CHECK(f.s->validate().empty());  // marked, not blocked: the office decides
  f.set("/data/a7/needs[2]/need_rank", "1");
  CHECK(f.message("/data/a7/needs[2]/need_rank") ==
        "Thứ tự ưu tiên phải từ 1 đến số nhu cầu và không trùng với nhu cầu khác.");
  f.set("/data/a7/needs[2]/amount_requested", "80");  // more than the 50 M budget
  f.lang(kEn);
  CHECK(f.chosen("/data/a7/needs[2]/need_status") ==
        "Ineligible: the item already has other state funding (TT 28/2018/TT-BTC)");
  CHECK(f.message("/data/a7/needs[1]/need_rank") ==
        "The priority rank must be between 1 and the number of needs, and not repeat another "
        "need's rank.");
  CHECK(f.message("/data/a7/needs[2]/amount_requested") ==
        "The amount requested must be more than 0 and no more than the estimated budget.");
  f.set("/data/a7/n_needs", "4");
  CHECK(f.message("/data/a7/n_needs") == "Register 0 to 3 needs.");
}

TEST_CASE("form A: certificates, markets and the export contract") {
  TeaCooperative f;
  f.set("/data/a5/certificates", "vietgap none");
  CHECK(f.condition("/data/a5/certificates") == "constraint");
  CHECK(f.message("/data/a5/certificates") ==
        "Không chọn \"Chưa có\" cùng với chứng nhận khác.");
  f.lang(kEn);
  CHECK(f.message("/data/a5/certificates") ==
        "\"None\" cannot be ticked together with a certificate.");
  f.set("/data/a5/certificates", "none");
  CHECK(f.at("/data/a5/certificates").valid);
  CHECK(f.relevant("/data/a5/export_contract"));
  f.set("/data/a5/markets", "province");
  CHECK_FALSE(f.relevant("/data/a5/export_contract"));
  f.set("/data/a1/phone", "12345");
  CHECK(f.message("/data/a1/phone") == "Not a valid phone number (for example 0912345678).");
  f.set("/data/a1/phone", "+84912345678");
  CHECK(f.at("/data/a1/phone").valid);
}

TEST_CASE("form A: OCOP products as a repeat, and a rated product has 1 to 5 stars") {
  TeaCooperative f;
  f.set("/data/a6/n_ocop", "2");
  const std::string second = "/data/a6/ocop_products[2]";
  f.ocop_product(second, "Chè đen Bình Lư", "food", "food_tea", "not_rated");
  CHECK(f.condition(second + "/ocop_stars") == "constraint");
  CHECK(f.message(second + "/ocop_stars") ==
        "Sản phẩm đã được đánh giá, xếp hạng phải có hạng sao từ 1 đến 5.");
  f.lang(kEn);
  CHECK(f.message(second + "/ocop_stars") == "A rated product must have 1 to 5 stars.");
  CHECK(f.label(second + "/ocop_cert_date") == "Date of the recognition decision");
  f.set(second + "/ocop_stars", "3");
  f.set(second + "/ocop_cert_date", "2025-06-01");
  CHECK(f.at(second + "/ocop_stars").valid);
  CHECK(f.value(second + "/ocop_cert_expired") == "no");
  CHECK(f.label(kOcop + "/ocop_set") == "OCOP sub-group (QĐ 148/QĐ-TTg)");
  // A producer planning to take part names its products; no stars are asked.
  f.set("/data/a6/ocop_status", "planned");
  CHECK_FALSE(f.relevant(kOcop + "/ocop_stars"));
  CHECK(f.relevant(kOcop + "/ocop_group"));
  f.set("/data/a6/n_ocop", "0");
  CHECK(f.condition("/data/a6/n_ocop") == "constraint");
}

TEST_CASE("form A: the year of an outstanding-product title, the source of support received") {
  TeaCooperative f;
  CHECK_FALSE(f.relevant("/data/a6/outstanding_year"));
  f.set("/data/a6/outstanding_level", "province");
  CHECK(f.relevant("/data/a6/outstanding_year"));
  f.set("/data/a6/outstanding_year", "2027");
  CHECK(f.message("/data/a6/outstanding_year") == "Năm không hợp lệ (từ 2000 đến năm hiện tại).");
  f.set("/data/a6/outstanding_year", "2024");
  CHECK(f.at("/data/a6/outstanding_year").valid);
  f.set("/data/a7/support_received", "yes");
  f.set("/data/a7/received[1]/rec_year", "2023");
  f.set("/data/a7/received[1]/rec_type", "machinery");
  CHECK(f.choices("/data/a7/received[1]/rec_source") == "national provincial other");
  f.set("/data/a7/received[1]/rec_source", "national");
  CHECK(f.at("/data/a7/received[1]/rec_source").valid);
}

TEST_CASE("form A: the location check reads the office's commune table") {
  // The office confirms Lai Châu's class III: both wards in scope, in forms/communes.csv only.
  khaosat::test::ScopedDir dir;
  std::string table = khaosat::test::form_text("communes.csv");
  for (const char* ward : {"tan_phong,", "doan_ket,"}) {
    auto at = table.find(ward);
    REQUIRE(at != std::string::npos);
    auto p = table.find(",review,", at);
    REQUIRE(p != std::string::npos);
    table.replace(p, 8, ",yes,");
  }
  dir.write("communes.csv", table);
  dir.write("establishments.csv", khaosat::test::form_text("establishments.csv"));  // the entity list
  BuiltinForm f(dir.write("a_establishment.md", khaosat::test::form_text("a_establishment.md")));
  f.set("/data/a0/commune", "doan_ket");
  f.set("/data/a1/legal_form", "coop");
  f.set("/data/a2/sector", "a");
  CHECK(f.value("/data/result/loc_check") == "yes");
  CHECK(f.value("/data/result/eligibility") == "eligible");
}
