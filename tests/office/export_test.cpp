// Form labels from an XForm, submissions flattened to sheets, GeoJSON points, and the report's
// OCOP expiry and coverage rules (office/include/khaosat/office/form_labels.hpp, export.hpp,
// report.hpp), on a small hand-written form.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "khaosat/office/export.hpp"
#include "khaosat/office/report.hpp"

using namespace khaosat;

namespace {

// pyxform's shape: itext in two languages, an itemset over a secondary instance, inline items,
// a repeat inside a group with a repeat inside it.
const char* kForm = R"XF(<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa">
<h:head><h:title>A. Khảo sát</h:title><model>
<itext>
 <translation lang="English (en)"><text id="/data/g/name:label"><value>Name</value></text></translation>
 <translation lang="Tiếng Việt (vi)" default="true()">
  <text id="/data/g/name:label"><value>Tên cơ sở</value></text>
  <text id="/data/g/kind:label"><value>Loại hình</value></text>
  <text id="kind-0"><value>Hộ kinh doanh</value></text>
  <text id="/data/g/items:label"><value>Sản phẩm</value></text>
 </translation>
</itext>
<instance><data id="lc_establishment" version="1">
 <survey_date/><gps/><g><name/><kind/><n/><items jr:template=""><pname/><sizes jr:template=""><s/></sizes></items></g>
 <commune/><meta><instanceID/></meta></data></instance>
<instance id="kind"><root><item><itextId>kind-0</itextId><name>household</name></item></root></instance>
<bind nodeset="/data/survey_date" type="date"/><bind nodeset="/data/gps" type="geopoint"/>
<bind nodeset="/data/g/n" type="int"/><bind nodeset="/data/g/items/sizes/s" type="decimal"/>
</model></h:head>
<h:body>
 <input ref="/data/survey_date"><label>Ngày khảo sát</label></input>
 <group ref="/data/g"><label>G</label>
  <input ref="/data/g/name"><label ref="jr:itext('/data/g/name:label')"/></input>
  <select1 ref="/data/g/kind"><label ref="jr:itext('/data/g/kind:label')"/>
   <itemset nodeset="instance('kind')/root/item"><value ref="name"/><label ref="jr:itext(itextId)"/></itemset></select1>
  <select1 ref="/data/g/n"><label>Số</label><item><label>Một</label><value>1</value></item></select1>
  <group ref="/data/g/items"><label ref="jr:itext('/data/g/items:label')"/>
   <repeat nodeset="/data/g/items"><input ref="/data/g/items/pname"><label>Tên SP</label></input>
    <repeat nodeset="/data/g/items/sizes"><input ref="/data/g/items/sizes/s"><label>Cỡ</label></input></repeat>
   </repeat></group>
 </group>
 <input ref="/data/commune"><label>Xã</label></input>
</h:body></h:html>)XF";

office::SubmissionRow sub(const std::string& id, const std::string& body) {
  return {id, "lc_establishment", "1", "dev", "<data id=\"lc_establishment\">" + body + "<meta><instanceID>" + id +
                                                  "</instanceID></meta></data>", "approved", 0};
}

}  // namespace

TEST_CASE("office form labels: Vietnamese labels, bind types, choices and repeats from the XForm") {
  auto labels = office::read_form_labels("x", kForm);
  REQUIRE(labels);
  CHECK(labels->form_id == "lc_establishment");
  CHECK(labels->title == "A. Khảo sát");
  CHECK(labels->field("g/name")->label == "Tên cơ sở");          // the Vietnamese translation, not English
  CHECK(labels->field("survey_date")->label == "Ngày khảo sát");  // an inline label
  CHECK(labels->field("survey_date")->type == "date");
  CHECK(labels->field("g/n")->type == "int");
  CHECK(labels->choice("g/kind", "household") == "Hộ kinh doanh");  // itemset over a secondary instance
  CHECK(labels->choice("g/n", "1") == "Một");                       // inline items
  CHECK(labels->choice("g/kind", "unknown") == "unknown");
  CHECK(labels->repeats == std::vector<std::string>{"g/items", "g/items/sizes"});
  CHECK(labels->field("g/items/sizes/s")->repeat == "g/items/sizes");
  CHECK(labels->field("g/items/pname")->repeat == "g/items");
  CHECK(labels->group_labels.at("g/items") == "Sản phẩm");
  CHECK_FALSE(office::read_form_labels("bad", "<h:html"));
}

TEST_CASE("office export: repeats become sheets linked to their parent row by key") {
  auto labels = office::read_form_labels("x", kForm);
  REQUIRE(labels);
  office::FormData form{*labels, {}};
  form.submissions.push_back(sub("uuid:1", "<g><name>Chè</name><items><pname>P1</pname><sizes><s>1.5</s></sizes>"
                                           "<sizes><s>2</s></sizes></items><items><pname>P2</pname></items></g>"));
  form.submissions.push_back(sub("uuid:2", "<g><name>Dệt</name></g>"));
  auto sheets = office::flatten(form);
  REQUIRE(sheets);
  REQUIRE(sheets->size() == 3);
  const auto& main = (*sheets)[0];
  REQUIRE(main.rows.size() == 2);
  CHECK(main.rows[0].values.at("g/name") == "Chè");
  CHECK(main.rows[1].key == "uuid:2");
  const auto& items = (*sheets)[1];
  CHECK(items.repeat == "g/items");
  REQUIRE(items.rows.size() == 2);
  CHECK(items.rows[1].key == "uuid:1/items[2]");
  CHECK(items.rows[1].parent == "uuid:1");
  CHECK(items.rows[1].values.at("g/items/pname") == "P2");
  const auto& sizes = (*sheets)[2];
  REQUIRE(sizes.rows.size() == 2);
  CHECK(sizes.rows[1].key == "uuid:1/items[1]/sizes[2]");
  CHECK(sizes.rows[1].parent == "uuid:1/items[1]");
  CHECK(sizes.rows[1].values.at("g/items/sizes/s") == "2");
  form.submissions.push_back(sub("uuid:3", "<g>"));
  form.submissions.back().xml = "<data><g></data>";
  auto bad = office::flatten(form);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("uuid:3") != std::string::npos);
}

TEST_CASE("office export: GeoJSON points are longitude then latitude, and only real ones") {
  double lat = 0, lon = 0;
  CHECK(office::parse_geopoint("22.396 103.458 950 5", lat, lon));
  CHECK(lat == doctest::Approx(22.396));
  CHECK(lon == doctest::Approx(103.458));
  CHECK_FALSE(office::parse_geopoint("", lat, lon));
  CHECK_FALSE(office::parse_geopoint("0 0 0 0", lat, lon));
  CHECK_FALSE(office::parse_geopoint("95 103", lat, lon));
  CHECK_FALSE(office::parse_geopoint("22.1x 103", lat, lon));
  auto labels = office::read_form_labels("x", kForm);
  REQUIRE(labels);
  office::FormData form{*labels, {}};
  form.submissions.push_back(sub("uuid:1", "<gps>22.396 103.458 950 5</gps><g><est_name>Chè</est_name></g><commune>pac_ta</commune>"));
  form.submissions.push_back(sub("uuid:2", "<gps></gps><g><name>Dệt</name></g>"));
  std::map<std::string, office::Commune> communes;
  communes["pac_ta"].label_vi = "Xã Pắc Ta";
  auto g = nlohmann::json::parse(office::export_geojson({form}, communes));
  CHECK(g["type"] == "FeatureCollection");
  REQUIRE(g["features"].size() == 1);
  CHECK(g["features"][0]["geometry"]["coordinates"] == nlohmann::json::array({103.458, 22.396}));
  CHECK(g["features"][0]["properties"]["commune_name"] == "Xã Pắc Ta");
  CHECK(g["features"][0]["properties"]["name"] == "Chè");
}

TEST_CASE("office report: OCOP expiry counts from the as-of date, coverage keeps communes without surveys") {
  auto labels = office::read_form_labels("x", kForm);
  REQUIRE(labels);
  office::ReportInput in;
  in.year = 2027;
  in.as_of_year = 2027, in.as_of_month = 11, in.as_of_day = 30;
  in.forms.push_back({*labels, {}});
  auto ocop = [](const char* stars, const char* date) {
    return std::string("<ocop_products><ocop_product>P</ocop_product><ocop_stars>") + stars + "</ocop_stars><ocop_cert_date>" +
           date + "</ocop_cert_date></ocop_products>";
  };
  in.forms[0].submissions.push_back(sub("uuid:1", "<survey_date>2027-03-01</survey_date><commune>a</commune><g><name>X</name></g>" +
                                                      ocop("4", "2024-12-01") +   // expires 2027-12-01: within 6 months
                                                      ocop("3", "2024-06-30") +   // 2027-06-30: expired
                                                      ocop("5", "2025-06-01") +   // 2028-06-01: valid (after 2028-05-30)
                                                      ocop("3", "2024-05-31")));  // 2027-05-31
  in.forms[0].submissions.push_back(sub("uuid:2", "<survey_date>2026-03-01</survey_date><commune>a</commune>"));  // another year
  in.communes["a"].label_vi = "Xã A";
  in.communes["b"].label_vi = "Xã B";
  in.commune_order = {"a", "b"};
  in.devices.push_back({"d1", "old", 0, false});  // never synced
  auto r = office::make_report(in);
  const office::Table* ocop_t = nullptr;
  const office::Table* cov = nullptr;
  const office::Table* q = nullptr;
  for (const auto& t : r.tables) {
    if (t.id == "ocop") ocop_t = &t;
    if (t.id == "coverage") cov = &t;
    if (t.id == "quality") q = &t;
  }
  REQUIRE(ocop_t);
  REQUIRE(ocop_t->rows.size() == 4);
  std::map<std::string, std::string> status;
  for (const auto& row : ocop_t->rows) status[row[5].text] = row[7].text;
  CHECK(status["2024-12-01"].rfind("Sắp hết hạn", 0) == 0);
  CHECK(status["2024-06-30"].rfind("Đã hết hạn", 0) == 0);
  CHECK(status["2025-06-01"].rfind("Còn hạn", 0) == 0);
  REQUIRE(cov);
  REQUIRE(cov->rows.size() == 3);  // a, b (no survey), total
  CHECK(cov->rows[1][0].text == "Xã B");
  CHECK(*cov->rows[1][4].number == 0);
  CHECK(*cov->rows[2][4].number == 1);  // the 2026 survey is not in 2027's report
  REQUIRE(q);
  bool device = false;
  for (const auto& row : q->rows) device = device || row[5].text == "d1";
  CHECK(device);
  std::string html = office::report_html(r);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("id=\"t-coverage\"") != std::string::npos);
}
