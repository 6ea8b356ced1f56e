// Built-in form C, cooperative support-needs registration (forms/c_coop_needs.md): ceilings from
// the office's limits table (NQ 18/2025 seed), counterpart funds, unique ranks, the 1–5 needs
// bound and the ineligible (other state funding) row kept for the office, with messages in Vietnamese and English.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "core/builtin_forms_fixture.hpp"
#include "support/scoped_dir.hpp"

using khaosat::test::BuiltinForm;
using khaosat::test::builtin_form_path;
using khaosat::test::kEn;
using khaosat::test::kVi;
using khaosat::test::kSurveyNow;
using khaosat::core::FormLoadOptions;
using khaosat::core::load_form;

namespace {

const std::string kNeed1 = "/data/c2/needs[1]";
const std::string kNeed2 = "/data/c2/needs[2]";

// A cooperative from Than Uyên registering `needs` needs (profile complete and realistic).
struct CoopNeeds : BuiltinForm {
  explicit CoopNeeds(int needs, const std::string& path = builtin_form_path("c_coop_needs.md"),
                     const FormLoadOptions& load = {})
      : BuiltinForm(path, kSurveyNow, load) {
    set("/data/reg_date", "2026-11-20");
    set("/data/c1/coop_name", "HTX Nông nghiệp Thanh Xuân");
    set("/data/c1/coop_code", "6200123456");
    set("/data/c1/director", "Lò Văn Thanh");
    set("/data/c1/phone", "0912345678");
    set("/data/c1/commune", "muong_than");
    set("/data/c1/members_total", "25");
    set("/data/c1/members_women", "12");
    set("/data/c1/members_em", "22");
    set("/data/c1/sector", "a");
    set("/data/c1/workers_total", "40");
    set("/data/c1/local_material_pct", "80");
    set("/data/c1/export_contract", "no");
    set("/data/c1/n_ocop", "0");
    set("/data/c2/n_needs", std::to_string(needs));
  }
  // One complete need row: rank, type, total cost, amount requested, no other state funding.
  void need(const std::string& row, const char* rank, const char* type, const char* total,
            const char* requested) {
    set(row + "/rank", rank);
    set(row + "/support_type", type);
    set(row + "/total_cost", total);
    set(row + "/amount_requested", requested);
    set(row + "/funding_source", "provincial");
    set(row + "/other_state_funding", "no");
  }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The form's text with the first `from` after `anchor` replaced by `to` (REQUIREs both found).
std::string edit(std::string text, const std::string& anchor, const std::string& from,
                 const std::string& to) {
  auto at = text.find(anchor);
  REQUIRE_MESSAGE(at != std::string::npos, anchor);
  auto p = text.find(from, at);
  REQUIRE_MESSAGE(p != std::string::npos, from);
  return text.replace(p, from.size(), to);
}

}  // namespace

TEST_CASE("form C: a complete registration with two capped needs is ready to submit") {
  CoopNeeds f(2);
  CHECK(f.value("/data/c1/former_district") == "h_than_uyen");
  CHECK(f.at("/data/c2/needs").count == 2);
  // Machinery: 50 % of 800 = 400, capped at 300 M VND.
  f.need(kNeed1, "1", "machinery", "800", "300");
  CHECK(f.value(kNeed1 + "/rate_pct") == "50");
  CHECK(f.value(kNeed1 + "/cap_mvnd") == "300");
  CHECK(f.value(kNeed1 + "/max_support") == "300");
  CHECK(f.value(kNeed1 + "/limit_rule") == "NQ18/2025");
  CHECK(f.value(kNeed1 + "/counterpart") == "500");
  CHECK(f.label(kNeed1 + "/max_support_note") == "Mức hỗ trợ tối đa: 300 triệu đồng (NQ18/2025)");
  // Domestic fair: 100 %, no cap.
  f.need(kNeed2, "2", "fair_domestic", "40", "40");
  CHECK(f.value(kNeed2 + "/max_support") == "40");
  CHECK(f.value(kNeed2 + "/counterpart") == "0");
  CHECK_FALSE(f.relevant(kNeed2 + "/counterpart_source"));  // nothing to fund
  CHECK(f.relevant(kNeed1 + "/counterpart_source"));
  CHECK(f.value("/data/c_total/total_requested") == "340");
  CHECK(f.value("/data/c_total/total_counterpart") == "500");
  CHECK(f.value("/data/c_total/ineligible_rows") == "0");
  CHECK_FALSE(f.relevant("/data/c_total/ineligible_note"));
  f.set("/data/c3/commitment", "OK");
  f.set("/data/c3/signed_by", "Lò Văn Thanh");
  CHECK(f.s->validate().empty());
  f.lang(kEn);
  CHECK(f.label(kNeed1 + "/max_support_note") == "Maximum support: 300 million VND (NQ18/2025)");
  CHECK(f.label("/data/c_total/total_note") ==
        "Total requested (ineligible needs left out): 340 million VND; counterpart funds: 500 "
        "million VND.");
}

TEST_CASE("form C: the amount requested cannot pass the ceiling of the limits table") {
  CoopNeeds f(1);
  f.need(kNeed1, "1", "machinery", "800", "350");
  CHECK(f.condition(kNeed1 + "/amount_requested") == "constraint");
  CHECK(f.message(kNeed1 + "/amount_requested") ==
        "Kinh phí đề nghị phải lớn hơn 0 và không vượt mức hỗ trợ tối đa.");
  f.lang(kEn);
  CHECK(f.message(kNeed1 + "/amount_requested") ==
        "The amount requested must be more than 0 and no more than the maximum support.");
  f.set(kNeed1 + "/amount_requested", "300");
  CHECK(f.at(kNeed1 + "/amount_requested").valid);

  SUBCASE("demonstration model: 30 %, at most 500 M") {
    f.set(kNeed1 + "/support_type", "demo_model");
    f.set(kNeed1 + "/total_cost", "1000");
    CHECK(f.value(kNeed1 + "/max_support") == "300");
    f.set(kNeed1 + "/total_cost", "2000");
    CHECK(f.value(kNeed1 + "/max_support") == "500");
  }
  SUBCASE("production line: at most 450 M, no rate") {
    f.set(kNeed1 + "/support_type", "production_line");
    f.set(kNeed1 + "/total_cost", "400");
    CHECK(f.value(kNeed1 + "/max_support") == "400");
    f.set(kNeed1 + "/total_cost", "1200");
    CHECK(f.value(kNeed1 + "/max_support") == "450");
  }
  SUBCASE("new enterprise: at most 10 M") {
    f.set(kNeed1 + "/support_type", "new_enterprise");
    f.set(kNeed1 + "/total_cost", "25");
    CHECK(f.value(kNeed1 + "/max_support") == "10");
    CHECK(f.condition(kNeed1 + "/amount_requested") == "constraint");  // 300 > 10
  }
  SUBCASE("a type without a ceiling in the table: the office reviews, capped at the cost") {
    f.set(kNeed1 + "/support_type", "training");
    f.set(kNeed1 + "/total_cost", "120");
    CHECK(f.value(kNeed1 + "/max_support") == "120");
    CHECK_FALSE(f.relevant(kNeed1 + "/max_support_note"));
    CHECK(f.relevant(kNeed1 + "/no_limit_note"));
    CHECK(f.label(kNeed1 + "/no_limit_note") ==
          "The limits table has no ceiling for this support type: the office will review the "
          "amount.");
    f.lang(kVi);
    CHECK(f.label(kNeed1 + "/no_limit_note") ==
          "Bảng mức hỗ trợ chưa có trần cho nội dung này: Trung tâm Khuyến công sẽ thẩm định.");
  }
}

TEST_CASE("form C: a need with other state funding is kept, marked ineligible, left out of totals") {
  CoopNeeds f(2);
  f.need(kNeed1, "1", "machinery", "600", "300");
  f.need(kNeed2, "2", "trademark", "50", "20");
  f.set(kNeed2 + "/other_state_funding", "yes");
  CHECK(f.value(kNeed2 + "/need_status") == "ineligible");
  CHECK(f.value(kNeed1 + "/need_status") == "ok");
  CHECK(f.at(kNeed2 + "/other_state_funding").valid);
  CHECK(f.value("/data/c_total/ineligible_rows") == "1");
  CHECK(f.value("/data/c_total/total_requested") == "300");  // the ineligible row is left out
  CHECK(f.label("/data/c_total/ineligible_note") ==
        "Có 1 nhu cầu không đủ điều kiện vì đã có ngân sách nhà nước khác hỗ trợ; Trung tâm "
        "Khuyến công vẫn nhận được để đối chiếu.");
  f.set("/data/c3/commitment", "OK");
  f.set("/data/c3/signed_by", "Lò Văn Thanh");
  CHECK(f.s->validate().empty());  // kept for the office, as in form A
  auto done = f.s->finalize();
  REQUIRE(done.ok());
  CHECK(done->finalized);
  CHECK(done->instance_xml.find("<need_status>ineligible</need_status>") != std::string::npos);
  f.lang(kEn);
  CHECK(f.label("/data/c_total/ineligible_note") ==
        "1 need(s) are ineligible because they already have other state funding; the office "
        "still receives them for checking.");
}

TEST_CASE("form C: workers, local raw materials, export contract and OCOP products") {
  CoopNeeds f(1);
  CHECK(f.value("/data/c1/flag_local_material") == "yes");
  CHECK(f.value("/data/c1/flag_50_workers") == "no");
  f.set("/data/c1/workers_total", "50");
  CHECK(f.value("/data/c1/flag_50_workers") == "yes");
  f.set("/data/c1/local_material_pct", "50");
  CHECK(f.value("/data/c1/flag_local_material") == "no");
  CHECK(f.label("/data/c1/director") == "Người đại diện theo pháp luật");
  f.set("/data/c1/n_ocop", "1");
  const std::string p = "/data/c1/ocop_products[1]";
  f.ocop_product(p, "Gạo Séng Cù Thanh Xuân", "food", "food_grains", "4");
  f.set(p + "/ocop_cert_date", "2024-09-10");
  CHECK(f.at(p + "/ocop_stars").valid);
  f.set(p + "/ocop_stars", "not_rated");
  CHECK(f.condition(p + "/ocop_stars") == "constraint");
  f.lang(kEn);
  CHECK(f.message(p + "/ocop_stars") == "A rated product must have 1 to 5 stars.");
}

TEST_CASE("form C: priority ranks are unique and within the number of needs") {
  CoopNeeds f(3);
  f.need(kNeed1, "1", "machinery", "600", "300");
  f.need(kNeed2, "1", "fair_domestic", "30", "30");
  for (const auto& row : {kNeed1, kNeed2}) {
    CHECK(f.condition(row + "/rank") == "constraint");
    CHECK(f.message(row + "/rank") ==
          "Thứ tự ưu tiên phải từ 1 đến số nhu cầu và không trùng với nhu cầu khác.");
  }
  f.set(kNeed2 + "/rank", "2");
  CHECK(f.at(kNeed1 + "/rank").valid);
  CHECK(f.at(kNeed2 + "/rank").valid);
  f.set("/data/c2/needs[3]/rank", "4");  // only 3 needs
  CHECK(f.condition("/data/c2/needs[3]/rank") == "constraint");
  f.lang(kEn);
  CHECK(f.message("/data/c2/needs[3]/rank") ==
        "The priority rank must be between 1 and the number of needs, and not repeat another "
        "need's rank.");
  f.set("/data/c2/needs[3]/rank", "3");
  CHECK(f.at("/data/c2/needs[3]/rank").valid);
}

TEST_CASE("form C: one to five needs") {
  CoopNeeds f(6);
  f.set("/data/reg_date", "");
  CHECK(f.message("/data/reg_date") == "Nhập ngày đăng ký.");
  CHECK(f.condition("/data/c2/n_needs") == "constraint");
  CHECK(f.message("/data/c2/n_needs") == "Đăng ký từ 1 đến 5 nhu cầu.");
  f.set("/data/c2/n_needs", "0");
  CHECK(f.condition("/data/c2/n_needs") == "constraint");
  f.lang(kEn);
  CHECK(f.message("/data/c2/n_needs") == "Register 1 to 5 needs.");
  f.set("/data/c2/n_needs", "5");
  CHECK(f.at("/data/c2/n_needs").valid);
  CHECK(f.at("/data/c2/needs").count == 5);
}

TEST_CASE("form C: members by sex and ethnicity cannot exceed the total") {
  CoopNeeds f(1);
  f.set("/data/c1/members_women", "30");
  CHECK(f.message("/data/c1/members_women") ==
        "Số thành viên nữ không được vượt tổng số thành viên.");
  f.set("/data/c1/members_em", "26");
  f.lang(kEn);
  CHECK(f.message("/data/c1/members_em") ==
        "Ethnic-minority members cannot exceed the total members.");
  CHECK(f.message("/data/c1/members_women") == "Women members cannot exceed the total members.");
}

TEST_CASE("form C: the office edits the limits table, not the expressions") {
  // The form and its limits table copied, then edited as the office would: machinery ceiling
  // 300 -> 250 M in support_limits.csv; new-enterprise support withdrawn (active = no).
  khaosat::test::ScopedDir dir;
  std::string limits = read_file(builtin_form_path("support_limits.csv"));
  limits = edit(limits, "machinery,", ",50,300,", ",50,250,");
  dir.write("support_limits.csv", limits);
  dir.write("cooperatives.csv", read_file(builtin_form_path("cooperatives.csv")));  // the entity list
  std::string form = read_file(builtin_form_path("c_coop_needs.md"));
  form = edit(form, "| support_activity | new_enterprise |", "| yes |", "| no |");
  CoopNeeds f(1, dir.write("c_coop_needs.md", form));
  f.need(kNeed1, "1", "machinery", "800", "300");
  CHECK(f.value(kNeed1 + "/max_support") == "250");
  CHECK(f.condition(kNeed1 + "/amount_requested") == "constraint");
  CHECK(f.choices(kNeed1 + "/support_type").find("new_enterprise") == std::string::npos);
  CHECK(f.choices(kNeed1 + "/support_type").find("machinery") != std::string::npos);
}

TEST_CASE("form C: without its limits table no amount can be registered") {
  // Like an .xml form, the workbook does not load when its pulldata() CSV is missing, and says
  // which file and where it looked. Loaded anyway with missing_blank (form fill --missing blank),
  // the table is empty; the form says so and refuses every amount rather than letting it
  // through uncapped.
  khaosat::test::ScopedDir dir;
  std::string path = dir.write("c_coop_needs.md", read_file(builtin_form_path("c_coop_needs.md")));
  auto refused = load_form(path);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find((dir.path() / "support_limits.csv").string()) !=
        std::string::npos);
  FormLoadOptions blank;
  blank.missing_blank = true;
  CoopNeeds f(1, path, blank);
  CHECK(f.value("/data/c2/limits_rows") == "0");
  CHECK(f.relevant("/data/c2/limits_missing"));
  f.need(kNeed1, "1", "machinery", "800", "100");
  CHECK(f.value(kNeed1 + "/max_support") == "");
  CHECK(f.condition(kNeed1 + "/amount_requested") == "constraint");
  f.lang(kEn);
  CHECK(f.label("/data/c2/limits_missing") ==
        "Error: the limits table (support_limits.csv) is missing, so no amount can be registered. "
        "Tell the office.");
}
