// Built-in form B, craft village survey (forms/b_craft_village.md): the Decree 52/2018 Art. 5
// criteria computed as yes / no / missing data — "missing data" whenever an input a criterion
// needs is blank, never "no" — with the verdict labels and messages in Vietnamese and English.
#include <doctest/doctest.h>

#include "core/builtin_forms_fixture.hpp"

using khaosat::test::BuiltinForm;
using khaosat::test::builtin_form_path;
using khaosat::test::kEn;
using khaosat::test::kVi;

namespace {

const std::string kR = "/data/result/";

// A Thái brocade-weaving village in Mường Kim, as an officer records it: 30 of 120 households
// weave, since the 1950s, stable since 2015, one Meritorious Artisan, environment in order.
struct BrocadeVillage : BuiltinForm {
  BrocadeVillage() : BuiltinForm(builtin_form_path("b_craft_village.md")) {
    set("/data/officer", "Nguyễn Văn An");
    set("/data/survey_date", "2026-11-25");
    set("/data/b1/district_filter", "h_than_uyen");
    set("/data/b1/commune", "muong_kim");
    set("/data/b1/village", "Bản Nà Khương");
    set("/data/b1/craft_name", "Dệt thổ cẩm");
    set("/data/b1/trade_group", "wood_textile_mech");
    set("/data/b1/main_ethnicity", "thai");
    set("/data/b2/hh_total", "120");
    set("/data/b2/hh_trade", "30");
    set("/data/b2/year_first", "1950");
    set("/data/b2/stable_since", "2015");
    set("/data/b2/ethnic_identity", "yes");
    set("/data/b2/named_for_village", "no");
    set("/data/b2/n_artisans", "1");
    set("/data/b2/artisans[1]/artisan_name", "Lò Thị Xuân");
    set("/data/b2/artisans[1]/artisan_title", "meritorious_artisan");
    set("/data/b2/env_ok", "yes");
    set("/data/b3/recognition", "none");
    set("/data/b5/n_needs", "0");
  }
};

}  // namespace

TEST_CASE("form B: a brocade village meets the craft-village and traditional-trade criteria") {
  BrocadeVillage f;
  CHECK(f.value("/data/rule_version") == "ND52/2018");
  CHECK(f.value("/data/this_year") == "2026");
  CHECK(f.value("/data/b1/former_district") == "h_than_uyen");
  CHECK(f.value("/data/b2/trade_share_pct") == "25");
  CHECK(f.label("/data/b2/trade_share_note") == "Tỷ lệ hộ làm nghề: 25 %");
  for (const char* c : {"c_share", "c_stable", "c_env", "craft_village", "t_age", "t_identity",
                        "t_link", "traditional_trade", "traditional_craft_village"})
    CHECK_MESSAGE(f.value(kR + c) == "yes", c);
  CHECK(f.chosen(kR + "craft_village") == "Đạt");
  CHECK(f.s->validate().empty());
  auto done = f.s->finalize();
  REQUIRE(done.ok());
  CHECK(done->finalized);
  f.lang(kEn);
  CHECK(f.chosen(kR + "craft_village") == "Meets");
  CHECK(f.label(kR + "craft_village") == "Meets the craft-village criteria");
  CHECK(f.label("/data/b2/trade_share_note") == "Share of households in the trade: 25 %");
}

TEST_CASE("form B: a blank input gives missing data, not no") {
  BuiltinForm f(builtin_form_path("b_craft_village.md"));
  CHECK(f.value("/data/survey_date") == "2026-11-26");  // defaults to today
  for (const char* c : {"c_share", "c_stable", "c_env", "craft_village", "t_age", "t_identity",
                        "t_link", "traditional_trade", "traditional_craft_village"})
    CHECK_MESSAGE(f.value(kR + c) == "missing", c);
  CHECK(f.chosen(kR + "craft_village") == "Thiếu dữ liệu");
  f.lang(kEn);
  CHECK(f.chosen(kR + "craft_village") == "Missing data");

  // 30 of 120 households: the share criterion is met, the others still lack data.
  f.set("/data/b2/hh_total", "120");
  CHECK(f.value(kR + "c_share") == "missing");  // households in the trade still blank
  f.set("/data/b2/hh_trade", "30");
  CHECK(f.value(kR + "c_share") == "yes");
  CHECK(f.value(kR + "craft_village") == "missing");
  f.set("/data/b2/stable_since", "2015");
  CHECK(f.value(kR + "craft_village") == "missing");  // environment not known yet
  f.set("/data/b2/env_ok", "unknown");
  CHECK(f.value(kR + "c_env") == "missing");
  CHECK(f.value(kR + "craft_village") == "missing");
  f.set("/data/b2/env_ok", "yes");
  CHECK(f.value(kR + "craft_village") == "yes");

  // Traditional trade: the artisan count left blank is missing data, 0 with no village name is no.
  f.set("/data/b2/year_first", "1950");
  f.set("/data/b2/ethnic_identity", "yes");
  f.set("/data/b2/named_for_village", "no");
  CHECK(f.value(kR + "t_link") == "missing");
  CHECK(f.value(kR + "traditional_trade") == "missing");
  CHECK(f.value(kR + "traditional_craft_village") == "missing");
  f.set("/data/b2/n_artisans", "0");
  CHECK(f.value(kR + "t_link") == "no");
  CHECK(f.value(kR + "traditional_trade") == "no");
  CHECK(f.value(kR + "traditional_craft_village") == "no");
  CHECK(f.chosen(kR + "traditional_trade") == "Does not meet");
  f.lang(kVi);
  CHECK(f.chosen(kR + "traditional_trade") == "Không đạt");
}

TEST_CASE("form B: one unmet criterion makes the set unmet even when others lack data") {
  BuiltinForm f(builtin_form_path("b_craft_village.md"));
  f.set("/data/b2/hh_total", "120");
  f.set("/data/b2/hh_trade", "10");  // 8.3 %
  CHECK(f.value("/data/b2/trade_share_pct") == "8.3");
  CHECK(f.value(kR + "c_share") == "no");
  CHECK(f.value(kR + "c_stable") == "missing");
  CHECK(f.value(kR + "craft_village") == "no");
  CHECK(f.value(kR + "traditional_craft_village") == "no");
}

TEST_CASE("form B: the thresholds of Decree 52 Art. 5") {
  BrocadeVillage f;
  SUBCASE("20 % of households is enough, just under is not") {
    f.set("/data/b2/hh_trade", "24");  // 24 / 120 = 20 %
    CHECK(f.value(kR + "c_share") == "yes");
    f.set("/data/b2/hh_trade", "23");
    CHECK(f.value(kR + "c_share") == "no");
    CHECK(f.value(kR + "craft_village") == "no");
  }
  SUBCASE("stable for at least 2 years") {
    f.set("/data/b2/stable_since", "2024");
    CHECK(f.value(kR + "c_stable") == "yes");
    f.set("/data/b2/stable_since", "2025");
    CHECK(f.value(kR + "c_stable") == "no");
    CHECK(f.value(kR + "craft_village") == "no");
  }
  SUBCASE("present for more than 50 years and still practised") {
    f.set("/data/b2/year_first", "1975");  // 51 years
    CHECK(f.value(kR + "t_age") == "yes");
    f.set("/data/b2/year_first", "1976");  // 50 years: not more than 50
    CHECK(f.value(kR + "t_age") == "no");
    f.set("/data/b2/year_first", "1950");
    f.set("/data/b2/hh_trade", "0");  // nobody practises it any more
    CHECK(f.value(kR + "t_age") == "no");
  }
  SUBCASE("linked to the village's name when no artisan is named") {
    f.set("/data/b2/n_artisans", "0");
    CHECK(f.value(kR + "t_link") == "no");
    f.set("/data/b2/named_for_village", "yes");
    CHECK(f.value(kR + "t_link") == "yes");
  }
  SUBCASE("environmental conditions not met") {
    f.set("/data/b2/env_ok", "no");
    CHECK(f.value(kR + "craft_village") == "no");
    CHECK(f.value(kR + "traditional_trade") == "yes");
    CHECK(f.value(kR + "traditional_craft_village") == "no");
  }
}

TEST_CASE("form B: household counts and years are checked, in both languages") {
  BrocadeVillage f;
  f.set("/data/b2/hh_trade", "130");
  CHECK(f.condition("/data/b2/hh_trade") == "constraint");
  CHECK(f.message("/data/b2/hh_trade") ==
        "Số hộ làm nghề phải từ 0 đến tổng số hộ của thôn/bản.");
  f.set("/data/b2/stable_since", "2027");
  CHECK(f.message("/data/b2/stable_since") ==
        "Năm không hợp lệ: từ năm nghề xuất hiện (hoặc từ năm 1000) đến năm hiện tại.");
  f.set("/data/b5/n_needs", "2");
  f.set("/data/b5/needs[1]/need_type", "infrastructure");
  f.set("/data/b5/needs[1]/need_rank", "1");
  f.set("/data/b5/needs[2]/need_type", "fair_domestic");
  f.set("/data/b5/needs[2]/need_rank", "1");
  CHECK(f.message("/data/b5/needs[2]/need_rank") ==
        "Thứ tự ưu tiên phải từ 1 đến số nhu cầu và không trùng với nhu cầu khác.");
  f.lang(kEn);
  CHECK(f.message("/data/b2/hh_trade") ==
        "Participating households must be between 0 and the village's total households.");
  CHECK(f.message("/data/b2/stable_since") ==
        "Not a valid year: from the year the trade appeared (or 1000) to the current year.");
  CHECK(f.message("/data/b5/needs[1]/need_rank") ==
        "The priority rank must be between 1 and the number of needs, and not repeat another "
        "need's rank.");
  f.set("/data/b2/hh_total", "0");
  CHECK(f.message("/data/b2/hh_total") ==
        "The total number of households must be greater than 0.");
  f.set("/data/b2/artisans[1]/artisan_name", "");
  CHECK(f.condition("/data/b2/artisans[1]/artisan_name") == "required");
  CHECK(f.message("/data/b2/artisans[1]/artisan_name") == "Enter the artisan's name.");
}

TEST_CASE("form B: the recognition decision is asked only of recognised villages") {
  BrocadeVillage f;
  CHECK_FALSE(f.relevant("/data/b3/decision_no"));
  f.set("/data/b3/recognition", "traditional_craft_village");
  CHECK(f.relevant("/data/b3/decision_no"));
  CHECK(f.relevant("/data/b3/decision_year"));
  f.set("/data/b3/decision_year", "2019");
  CHECK(f.at("/data/b3/decision_year").valid);
}

TEST_CASE("form B: stable production cannot start before the trade appeared") {
  BrocadeVillage f;
  f.set("/data/b2/stable_since", "1940");  // the trade appeared in 1950
  CHECK(f.condition("/data/b2/stable_since") == "constraint");
  f.set("/data/b2/stable_since", "1950");
  CHECK(f.at("/data/b2/stable_since").valid);
  f.set("/data/b2/year_first", "");  // unknown: only the 1000..this year bound applies
  f.set("/data/b2/stable_since", "1940");
  CHECK(f.at("/data/b2/stable_since").valid);
}

TEST_CASE("form B: the share shown and the 20 % criterion use the same rounded figure") {
  BrocadeVillage f;
  f.set("/data/b2/hh_total", "1001");
  f.set("/data/b2/hh_trade", "200");  // 19.98 %, shown as 20 %
  CHECK(f.value("/data/b2/trade_share_pct") == "20");
  CHECK(f.label("/data/b2/trade_share_note") == "Tỷ lệ hộ làm nghề: 20 %");
  CHECK(f.value(kR + "c_share") == "yes");
  f.set("/data/b2/hh_trade", "199");  // 19.88 %, shown as 19.9 %
  CHECK(f.value("/data/b2/trade_share_pct") == "19.9");
  CHECK(f.value(kR + "c_share") == "no");
}

TEST_CASE("form B: only a titled artisan links the trade to an artisan") {
  BrocadeVillage f;
  CHECK(f.value(kR + "t_link") == "yes");  // a Meritorious Artisan
  f.set("/data/b2/artisans[1]/artisan_title", "none");
  CHECK(f.value(kR + "t_link") == "no");  // a named weaver without a title, not the village name
  f.set("/data/b2/artisans[1]/artisan_title", "");
  CHECK(f.value(kR + "t_link") == "missing");  // the title is not known yet
  f.set("/data/b2/artisans[1]/artisan_title", "provincial_artisan");
  CHECK(f.value(kR + "t_link") == "yes");
}

TEST_CASE("form B: GPS, revenue for two years, workers and ranked needs with their funding") {
  BrocadeVillage f;
  f.set("/data/gps", "22.0210 103.6560 950 10");
  f.set("/data/b4/revenue_y1", "1200");
  f.set("/data/b4/revenue_y2", "950");
  f.set("/data/b4/workers_total", "64");
  f.set("/data/b4/revenue_y2", "-1");
  CHECK(f.message("/data/b4/revenue_y2") == "Doanh thu không được âm.");
  f.set("/data/b4/revenue_y2", "950");
  f.set("/data/b5/n_needs", "1");
  f.set("/data/b5/needs[1]/need_type", "showroom");
  f.set("/data/b5/needs[1]/need_rank", "1");
  f.set("/data/b5/needs[1]/need_cost", "200");
  f.set("/data/b5/needs[1]/amount_requested", "150");
  f.set("/data/b5/needs[1]/funding_source", "provincial");
  f.set("/data/b5/needs[1]/need_other_state", "no");
  CHECK(f.value("/data/b5/needs[1]/need_counterpart") == "50");
  CHECK(f.s->validate().empty());
}
