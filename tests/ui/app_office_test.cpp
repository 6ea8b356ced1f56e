// The office view headless against a real server on loopback (app_sync_fixture.hpp): an
// officer's app sends a survey; the office's app (enrolled as admin) lists it by form and
// commune, opens it, reviews it, and the trail on the server names the office's device; a
// viewer reads without the review buttons; an officer has no office view. The answers show the
// form's question and choice labels in the app's language. An admin decides the queue (keep the
// other value, merge, distinct) with a reason, recorded on the server by its device. The readers
// of the endpoints' answers refuse what they cannot use with a message naming the member.
#include <ctime>

#include "ui/app_sync_fixture.hpp"

#include "khaosat/core/store_ids.hpp"
#include "ui/src/office_model.hpp"
#include "ui/src/value_format.hpp"

using namespace khaosat;
using namespace khaosat::test;

namespace {

// Fills form A, enrolls as an officer of binh_lu and syncs.
void officer_sends(LoopbackServer& server, SyncingApp& officer) {
  REQUIRE(officer.walk(read(KHAOSAT_TESTS_DIR "/ui/walks/fill_form_a.json")) == "");
  REQUIRE(officer.walk(enroll_walk(server.url, server.code(),
                                   R"w({"expect": "Đã kết nối"}, {"tap": "Đồng bộ ngay"}, {"expect": "Xong: 1 nhận"},
                                      {"back": true})w")) == "");
}

// Enrolls as `role` and syncs (the forms come down), back home.
std::string enroll_office(LoopbackServer& server, SyncingApp& app, const std::string& role) {
  return app.walk(enroll_walk(server.url, server.code(role),
                              R"w({"expect": "Đã kết nối"}, {"tap": "Đồng bộ ngay"}, {"expect": "Đồng bộ lần cuối"},
                                 {"back": true})w"));
}

// Writes into the server's storage as devices' pushes would: two establishments of binh_lu with
// one name and two with one phone (possible duplicates), and two concurrent edits of a fifth
// one's phone (a registry conflict: 0916 kept, 0915 the other).
void seed_queue(LoopbackServer& server) {
  std::map<std::string, std::int64_t> seq;
  auto edit = [&](const std::string& device, const std::string& id,
                  std::vector<std::tuple<std::string, std::string, int>> set, std::map<std::string, std::string> base = {}) {
    if (!seq.count(device)) {
      std::string secret = sync::sha256_hex("enroll " + device);
      REQUIRE(server.storage->add_enrollment(secret, {"officer", device, {}, 1LL << 50}).ok());
      REQUIRE(server.storage->redeem_enrollment(secret, device, device, sync::sha256_hex("t-" + device), 1).ok());
    }
    sync::PushRecord r;
    r.kind = "registry";
    r.registry = "establishment";
    r.id = id;
    for (auto& [k, v, ms] : set) r.set.emplace_back(k, core::RegistryProperty{v, core::Hlc{1700000000000 + ms, 0, device}.to_string()});
    r.base = std::move(base);
    r.seq = ++seq[device];
    sync::PushBatch b{device, r.seq, r.seq, {r}};
    std::vector<sync::CheckedRecord> checked{{&b.records[0], sync::sha256_hex(""), ""}};
    auto a = server.storage->push(device, b, checked, 1000 + r.seq);
    REQUIRE(a.ok());
    REQUIRE(a->results.at(0).status == sync::RecordStatus::Accepted);
  };
  edit("dev1", "e1", {{"name", "Chè Tân Uyên", 1}, {"commune", "binh_lu", 1}});
  edit("dev1", "e2", {{"name", "CHÈ TÂN UYÊN", 2}, {"commune", "binh_lu", 2}});
  edit("dev1", "e3", {{"name", "Lò rèn", 3}, {"commune", "binh_lu", 3}, {"phone", "0912111222", 3}});
  edit("dev1", "e4", {{"name", "Mộc", 4}, {"commune", "binh_lu", 4}, {"phone", "0912111222", 4}});
  edit("dev1", "e5", {{"name", "Dệt", 5}, {"commune", "binh_lu", 5}, {"phone", "0913", 5}});
  std::string base = core::Hlc{1700000000005, 0, "dev1"}.to_string();
  edit("dev2", "e5", {{"phone", "0915", 8}}, {{"phone", base}});
  edit("dev1", "e5", {{"phone", "0916", 9}}, {{"phone", base}});
}

// Writes into the server's storage, as an officer's push and an office review would: an approved
// form C registration of 2027 with three needs of the provincial fund: ranked 1 (200 million),
// ranked 2 (300 million), and one already funded by the state (listed apart).
void seed_plan(LoopbackServer& server) {
  std::string secret = sync::sha256_hex("enroll coop");
  REQUIRE(server.storage->add_enrollment(secret, {"officer", "coop", {}, 1LL << 50}).ok());
  REQUIRE(server.storage->redeem_enrollment(secret, "coop", "coop", sync::sha256_hex("t-coop"), 1).ok());
  auto need = [](const char* type, const char* amount, const char* rank, const char* other) {
    return std::string("<needs><support_type>") + type + "</support_type><funding_source>provincial</funding_source>"
           "<amount_requested>" + amount + "</amount_requested><counterpart>50</counterpart><rank>" + rank +
           "</rank><other_state_funding>" + other + "</other_state_funding></needs>";
  };
  sync::PushRecord r;
  r.kind = "submission";
  r.id = "uuid:coop-2027";
  r.form_id = "lc_coop_needs";
  r.form_version = "2026120701";
  r.xml = "<data id=\"lc_coop_needs\" version=\"2026120701\"><reg_date>2027-03-02</reg_date><commune>binh_lu</commune>"
          "<coop_name>HTX Chè Bình Lư</coop_name>" + need("training", "200", "1", "no") + need("equipment", "300", "2", "no") +
          need("training", "80", "3", "yes") + "<meta><instanceID>uuid:coop-2027</instanceID></meta></data>";
  r.seq = 1;
  sync::PushBatch b{"coop", 1, 1, {r}};
  std::vector<sync::CheckedRecord> checked{{&b.records[0], sync::sha256_hex(r.xml), ""}};
  auto a = server.storage->push("coop", b, checked, 1000);
  REQUIRE(a.ok());
  REQUIRE(a->results.at(0).status == sync::RecordStatus::Accepted);
  REQUIRE(server.storage->add_review({"uuid:coop-2027", "approved", "", "Văn phòng", 2000}).ok());
}

// The buttons of the last frame whose label, wrapped to the button's width, does not fit in it
// (ImGui clips it), or that reach past the 360 px screen; "" when none.
std::string cut_buttons(SyncingApp& app) {
  ImGui::SetCurrentContext(app.context);
  std::string cut;
  const ImVec2 pad = ImGui::GetStyle().FramePadding;
  for (const auto& item : app.app->probe().items) {
    if (item.kind != ui::ItemKind::Button || !item.visible) continue;
    std::string shown = item.text.substr(0, item.text.find("##"));
    ImVec2 text = ImGui::CalcTextSize(shown.c_str(), nullptr, false, item.x1 - item.x0 - 2 * pad.x);
    if (text.x > item.x1 - item.x0 - 2 * pad.x + 0.5f || text.y + 2 * pad.y > item.y1 - item.y0 + 0.5f ||
        item.x1 > 360)
      cut += "'" + item.text + "' ";
  }
  return cut;
}

}  // namespace

TEST_CASE("app office: an admin lists the survey by form and commune, opens it and approves it") {
  LoopbackServer server;
  SyncingApp officer;
  officer_sends(server, officer);
  // The officer's device has no office view.
  CHECK(officer.walk(R"([{"expect": "Phiếu đã lưu"}, {"tap": "Văn phòng"}])").find("step 2") != std::string::npos);

  SyncingApp office;
  REQUIRE(enroll_office(server, office, "admin") == "");
  CHECK(office.walk(R"w([{"tap": "Văn phòng"}, {"tap": "A. Khảo sát cơ sở"}, {"expect": "HTX Chè Bình Lư"},
                        {"expect": "Xã Bình Lư · Chưa duyệt"}, {"tap": "Xã (để trống: mọi xã)"}, {"type": "pac ta"},
                        {"expect": "Chưa có phiếu nào của biểu mẫu này."}, {"tap": "Xã (để trống: mọi xã)"},
                        {"type": "lu"}, {"expect": "Chọn xã:"}, {"expect": "Xã Thu Lũm"}, {"tap": "Xã Bình Lư"},
                        {"expect": "HTX Chè Bình Lư"}, {"tap": "HTX Chè Bình Lư"}, {"expect": "Câu trả lời"},
                        {"expect": "Xã Bình Lư · "}])w") == "");
  // The commune by its label, never its code (the list, the survey, its answers).
  CHECK(office.walk(R"([{"expect": "binh_lu"}])") != "");
  CHECK(office.walk(R"([{"back": true}, {"expect": "Xã Bình Lư · Chưa duyệt"}])") == "");
  CHECK(office.walk(R"([{"expect": "binh_lu"}])") != "");
  CHECK(office.walk(R"([{"tap": "HTX Chè Bình Lư"}, {"expect": "Câu trả lời"}])") == "");
  CHECK(cut_buttons(office) == "");  // at 360 px the review buttons wrap rather than clip their labels
  // A rejection needs a reason: said, and nothing sent.
  CHECK(office.walk(R"w([{"tap": "Từ chối phiếu"}, {"expect": "Hãy ghi lý do từ chối"}])w") == "");
  CHECK(server.storage->reviews()->empty());
  CHECK(office.walk(R"w([{"tap": "Nhận xét"}, {"type": "Đủ thông tin"}, {"tap": "Duyệt phiếu"},
                        {"expect": "Đã ghi nhận: Đã duyệt"}, {"expect": "Lịch sử duyệt"},
                        {"expect": "Đã duyệt: Đủ thông tin · app test"}])w") == "");
  auto reviews = server.storage->reviews();
  REQUIRE(reviews->size() == 1);
  CHECK((*reviews)[0].state == "approved");
  CHECK((*reviews)[0].comment == "Đủ thông tin");
  auto enrolled = office.store()->enrollment();
  REQUIRE((enrolled && *enrolled));
  CHECK((*reviews)[0].by.find((*enrolled)->device_id) != std::string::npos);
  // The trail names the device by the name the office gave it, without its id.
  CHECK(office.walk(R"([{"expect": ")" + (*enrolled)->device_id + R"("}])") != "");
  CHECK(office.walk(R"([{"back": true}, {"expect": "Đã duyệt"}])") == "");
  // The queue is empty, and says so.
  CHECK(office.walk(R"w([{"tap": "Cần xử lý"}, {"expect": "Không có gì cần xử lý."}, {"expect": "Cần xử lý (0)"}])w") == "");
}

TEST_CASE("app office: a viewer reads the survey without the review buttons") {
  LoopbackServer server;
  SyncingApp officer;
  officer_sends(server, officer);
  SyncingApp viewer;
  REQUIRE(enroll_office(server, viewer, "viewer") == "");
  CHECK(viewer.walk(R"w([{"tap": "Văn phòng"}, {"tap": "A. Khảo sát cơ sở"}, {"expect": "HTX Chè Bình Lư"}, {"tap": "HTX Chè Bình Lư"},
                        {"expect": "Thiết bị xem: chỉ đọc."}])w") == "");
  CHECK(viewer.walk(R"([{"tap": "Duyệt phiếu"}])").find("step 1") != std::string::npos);
  CHECK(server.storage->reviews()->empty());
}

TEST_CASE("app office: the answers' readers take the server's documents and refuse malformed ones by name") {
  auto list = ui::read_office_submissions(
      R"j({"form_id":"f","submissions":[{"instance_id":"uuid:1","form_id":"f","form_version":"1","device_id":"d",
          "commune":"binh_lu","name":"HTX","received_at":5,"state":"approved","comment":"ok","reviewed_by":"VP (x)",
          "reviewed_at":6,"deprecated_id":null,"replaced_by":"uuid:2"}]})j");
  REQUIRE(list.ok());
  REQUIRE(list->size() == 1);
  CHECK((*list)[0].state == "approved");
  CHECK((*list)[0].replaced_by == "uuid:2");
  CHECK((*list)[0].deprecated_id == "");
  auto bad = ui::read_office_submissions(R"j({"submissions":[{"instance_id":1}]})j");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("submissions[0].instance_id: expected a string") != std::string::npos);
  CHECK_FALSE(ui::read_office_submissions("[1]").ok());
  CHECK_FALSE(ui::read_office_submissions("{").ok());

  auto q = ui::read_office_queue(
      R"j({"duplicates":[{"registry":"establishment","reason":"phone","key":"0912","records":["a","b"],"names":["X","Y"]}],
          "conflicts":[{"conflict":"r1","record_id":"r","registry":"establishment","property":"phone","name":"X",
                        "kept":{"value":"1","hlc":"h"},"other":{"value":"2","hlc":"g"},"device_id":"d","at":1}],
          "submission_conflicts":[{"id":1,"conflict":"s1","instance_id":"uuid:c","form_id":"f","commune":"binh_lu",
                                   "stored":{"sha256":"s","device_id":"d1","received_at":1},
                                   "other":{"sha256":"t","device_id":"d2","received_at":2}}]})j");
  REQUIRE(q.ok());
  CHECK(q->size() == 3);
  CHECK(q->conflicts[0].kept == "1");
  CHECK(q->conflicts[0].other == "2");
  CHECK(q->submission_conflicts[0].other_device_id == "d2");
  CHECK(q->submission_conflicts[0].stored_at == 1);
  CHECK(q->conflicts[0].conflict == "r1");
  CHECK(q->submission_conflicts[0].conflict == "s1");
  auto no_kept = ui::read_office_queue(R"j({"duplicates":[],"conflicts":[{"record_id":"r"}],"submission_conflicts":[]})j");
  REQUIRE_FALSE(no_kept.ok());
  CHECK(no_kept.error().message.find("conflicts[0]") != std::string::npos);

  auto d = ui::read_office_detail(R"j({"instance_id":"uuid:1","form_id":"f","device_id":"d","commune":"","name":"",
      "received_at":1,"state":"received","comment":"","reviewed_by":"","reviewed_at":0,"deprecated_id":null,
      "replaced_by":null,"answers":[{"path":"a0/shop","value":"Chè"}],"reviews":[{"state":"x"}]})j");
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().message.find("reviews[0].comment: missing") != std::string::npos);

  // A plan: each text in both languages; from a server that sent only the joined texts, those.
  const std::string need_head = R"j({"year":2027,"rules_version":"v","sources":[],"needs":[{"id":"s#1","submission":"s",
      "form":"C","applicant":"HTX","commune":"c","activity":"training","source":"provincial","amount":1,"score":2,
      "rank":1,"eligible":true,"duplicate_funded":false,"funded":true,)j";
  auto plan = ui::read_office_plan(need_head + R"j("activity_vi":"Đào tạo","activity_en":"Training",
      "decision":"có / yes","decision_vi":"có","decision_en":"yes",
      "explanation":[{"criterion":"k","points":2,"why":"vì / because","why_vi":"vì","why_en":"because"}]}]})j");
  REQUIRE(plan.ok());
  REQUIRE(plan->needs.size() == 1);
  const auto& n = plan->needs[0];
  CHECK(n.activity_label.in(ui::Lang::Vi) == "Đào tạo");
  CHECK(n.activity_label.in(ui::Lang::En) == "Training");
  CHECK(n.decision.in(ui::Lang::En) == "yes");
  REQUIRE(n.explanation.size() == 1);
  CHECK(n.explanation[0].why.in(ui::Lang::Vi) == "vì");
  auto older = ui::read_office_plan(need_head + R"j("decision":"có / yes",
      "explanation":[{"criterion":"k","points":2,"why":"vì / because"}]}]})j");
  REQUIRE(older.ok());
  CHECK(older->needs[0].activity_label.in(ui::Lang::En) == "training");
  CHECK(older->needs[0].decision.in(ui::Lang::Vi) == "có / yes");
  CHECK(older->needs[0].explanation[0].why.in(ui::Lang::En) == "vì / because");
  auto wrong = ui::read_office_plan(need_head + R"j("decision":"x","decision_en":5,"explanation":[]}]})j");
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().message.find("needs[0].decision_en: expected a string") != std::string::npos);
}

TEST_CASE("app office: the answers show the form's question and choice labels, in the app's language") {
  LoopbackServer server;
  SyncingApp officer;
  officer_sends(server, officer);
  SyncingApp office;
  REQUIRE(enroll_office(server, office, "admin") == "");
  // Question labels instead of XML names; a select's choice label instead of its value.
  CHECK(office.walk(R"w([{"tap": "Văn phòng"}, {"tap": "A. Khảo sát cơ sở"}, {"tap": "HTX Chè Bình Lư"},
                        {"expect": "Câu trả lời"}, {"scroll": "Cán bộ khảo sát"}, {"scroll": "Nguyễn Văn An"},
                        {"scroll": "Xã/phường"}, {"expect": "Xã Bình Lư"}, {"scroll": "Tên cơ sở"},
                        {"scroll": "Loại hình tổ chức"}, {"scroll": "Hợp tác xã (HTX)"}])w") == "");
  // A date as dd/mm/yyyy and a location as "lat, lon (± accuracy m)", as the officer's screens show them.
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);  // the survey date defaults to today (TZ as ctest sets it)
  char today[16];
  std::strftime(today, sizeof today, "%d/%m/%Y", &tm);
  CHECK(office.walk(std::string(R"w([{"scroll": "Ngày khảo sát"}, {"expect": ")w") + today +
                    R"w("}, {"scroll": "Tọa độ GPS"}, {"expect": "22.3862, 103.499"}, {"expect": "(± 8 m)"}])w") == "");
  CHECK(office.walk(R"([{"expect": "22.3862 103.499"}])") != "");
  std::strftime(today, sizeof today, "%Y-%m-%d", &tm);
  CHECK(office.walk(std::string(R"([{"expect": ")") + today + R"("}])") != "");
  CHECK(office.walk(R"([{"expect": "est_name"}])") != "");
  CHECK(office.walk(R"([{"expect": "legal_form"}])") != "");
  // The form's metadata (no question labels it) waits under a button, by its XML name.
  CHECK(office.walk(R"w([{"scroll": "Xem thông tin kỹ thuật"}])w") == "");
  CHECK(office.walk(R"w([{"tap": "Xem thông tin kỹ thuật"}, {"scroll": "deviceid"}, {"scroll": "new_record_id"},
                        {"expect": "Ẩn thông tin kỹ thuật"}])w") == "");
  // In English once the app is.
  CHECK(office.walk(R"w([{"back": true}, {"back": true}, {"tap": "Cài đặt"}, {"tap": "English"}, {"back": true},
                        {"tap": "Office"}, {"tap": "HTX Chè Bình Lư"}, {"expect": "Mark as having issues"}])w") == "");
  CHECK(cut_buttons(office) == "");
  CHECK(office.walk(R"w([{"scroll": "Establishment name"}, {"expect": "HTX Chè Bình Lư"}, {"scroll": "Legal form"},
                        {"scroll": "Cooperative"}])w") == "");
}

TEST_CASE("app office: an admin decides the queue with a reason: keep the other value, merge, distinct") {
  LoopbackServer server;
  seed_queue(server);
  SyncingApp office;
  REQUIRE(enroll_office(server, office, "admin") == "");
  CHECK(office.walk(R"w([{"tap": "Văn phòng"}, {"tap": "Cần xử lý"}, {"expect": "Cần xử lý (3)"}, {"expect": "0916"}])w") == "");
  CHECK(cut_buttons(office) == "");
  CHECK(office.walk(R"w([{"expect": "0915"}, {"tap": "Lý do (ghi vào lịch sử)"}, {"type": "Đã gọi điện cho chủ cơ sở"},
                        {"tap": "Giữ bản kia"}, {"expect": "Đã ghi nhận quyết định."}, {"expect": "Cần xử lý (2)"}])w") == "");
  auto trail = server.storage->queue_decisions().value();
  REQUIRE(trail.size() == 1);
  CHECK(trail[0].kind == "registry_conflict");
  CHECK(trail[0].choice == "other");
  CHECK(trail[0].reason == "Đã gọi điện cho chủ cơ sở");
  auto enrolled = office.store()->enrollment();
  REQUIRE((enrolled && *enrolled));
  CHECK(trail[0].by.find((*enrolled)->device_id) != std::string::npos);
  CHECK(office.walk(R"w([{"tap": "Gộp"}, {"expect": "Cần xử lý (1)"}, {"tap": "Khác nhau"},
                        {"expect": "Không có gì cần xử lý."}, {"expect": "Cần xử lý (0)"}])w") == "");
  trail = server.storage->queue_decisions().value();
  REQUIRE(trail.size() == 3);
  CHECK(trail[1].kind == "merge");
  CHECK(trail[1].reason == "");
  CHECK(trail[2].kind == "distinct");
}

TEST_CASE("app office: a viewer sees the queue without the decisions") {
  LoopbackServer server;
  seed_queue(server);
  SyncingApp viewer;
  REQUIRE(enroll_office(server, viewer, "viewer") == "");
  CHECK(viewer.walk(R"w([{"tap": "Văn phòng"}, {"tap": "Cần xử lý"}, {"expect": "Cần xử lý (3)"}, {"expect": "0915"}])w") == "");
  CHECK(viewer.walk(R"([{"tap": "Giữ bản kia"}])") != "");
  CHECK(viewer.walk(R"([{"tap": "Gộp"}])") != "");
  CHECK(server.storage->queue_decisions().value().empty());
}

TEST_CASE("app office: an admin pins a need from the plan with a reason, recorded as plan-override records it") {
  LoopbackServer server;
  seed_plan(server);
  SyncingApp office;
  REQUIRE(enroll_office(server, office, "admin") == "");
  CHECK(office.walk(R"w([{"tap": "Văn phòng"}, {"expect": "Chưa có phiếu nào"}, {"tap": "Kế hoạch"}, {"tap": "Năm kế hoạch"},
                        {"type": "2027"}, {"tap": "Ngân sách khuyến công địa phương (triệu đồng)"}, {"type": "250"},
                        {"tap": "Lập kế hoạch"}, {"scroll": "#2 HTX Chè Bình Lư"}, {"tap": "#2 HTX Chè Bình Lư"},
                        {"scroll": "Ghim (cấp trước)"}, {"tap": "Ghim (cấp trước)"},
                        {"expect": "Hãy ghi lý do ghim hoặc loại nhu cầu này."}])w") == "");
  CHECK(server.storage->plan_overrides()->empty());
  CHECK(office.walk(R"w([{"tap": "Lý do ghim hoặc loại (hiện trong kế hoạch)"}, {"type": "Vùng bị lũ 2026"},
                        {"tap": "Ghim (cấp trước)"}, {"expect": "Đã ghi nhận; kế hoạch đã được lập lại."},
                        {"scroll": "Văn phòng ghim: Vùng bị lũ 2026"}])w") == "");
  auto overrides = server.storage->plan_overrides().value();
  REQUIRE(overrides.size() == 1);
  CHECK(overrides[0].need_id == "uuid:coop-2027#2");
  CHECK(overrides[0].action == "pin");
  CHECK(overrides[0].reason == "Vùng bị lũ 2026");
  auto enrolled = office.store()->enrollment();
  REQUIRE((enrolled && *enrolled));
  CHECK(overrides[0].by.find((*enrolled)->device_id) != std::string::npos);
  CHECK(overrides[0].by.rfind("app test (", 0) == 0);  // the name the office gave the code
}

TEST_CASE("app office: the plan tab makes the year's plan within the budget typed and explains each need") {
  LoopbackServer server;
  seed_plan(server);
  SyncingApp office;
  REQUIRE(enroll_office(server, office, "viewer") == "");  // a viewer reads the plan too
  // A budget that is not a number: said, nothing asked.
  // (The received list loads first: a tap while it loads may land where a line moves.)
  CHECK(office.walk(R"w([{"tap": "Văn phòng"}, {"expect": "Chưa có phiếu nào"}, {"tap": "Kế hoạch"}, {"tap": "Năm kế hoạch"}, {"type": "2027"},
                        {"tap": "Ngân sách khuyến công địa phương (triệu đồng)"}, {"type": "-5"}, {"tap": "Lập kế hoạch"},
                        {"expect": "Hãy nhập năm (2000–2100) và ít nhất một ngân sách"}])w") == "");
  CHECK(office.walk(R"w([{"tap": "Ngân sách khuyến công địa phương (triệu đồng)"}, {"type": "250"}, {"tap": "Lập kế hoạch"},
                        {"expect": "Năm 2027 · bảng tiêu chí"}, {"expect": "Khuyến công địa phương"},
                        {"expect": "Ngân sách 250 · đã cấp 200 triệu đồng"}, {"scroll": "#2 HTX Chè Bình Lư"},
                        {"expect": "#1 HTX Chè Bình Lư"}, {"expect": "Đào tạo nghề, truyền nghề · 200 triệu"}, {"expect": "Được cấp"},
                        {"expect": "equipment · 300 triệu"}, {"expect": "Không cấp"},
                        {"scroll": "Không đủ điều kiện hoặc đã có nguồn nhà nước khác"}, {"scroll": "Đào tạo nghề, truyền nghề · 80 triệu"}])w") == "");
  CHECK(cut_buttons(office) == "");
  // A tap opens a need's explanation: its decision and the points of each criterion.
  CHECK(office.walk(R"w([{"expect": "Tap a need"}])w") != "");
  // Activities by their labels in the forms (equipment is not in the code list: its code); the
  // decision and each criterion's line in the app's language only.
  CHECK(office.walk(R"w([{"scroll": "#1 HTX Chè Bình Lư"}, {"tap": "#1 HTX Chè Bình Lư"}, {"expect": "trong ngân sách theo thứ tự"},
                        {"expect": "+20 · Vốn đối ứng (mỗi 10 %): 50 / (50 + 200) = 20+ % × 10"}])w") == "");
  CHECK(office.walk(R"w([{"expect": "fits the budget in rank order"}])w") != "");
  CHECK(office.walk(R"w([{"expect": "counterpart.per_10pct"}])w") != "");
  bool pin_drawn = false;  // a viewer: no pin or exclude, on or off the screen
  for (const auto& item : office.app->probe().items) pin_drawn |= item.text == "Ghim (cấp trước)";
  CHECK_FALSE(pin_drawn);
  // In English once the app is.
  CHECK(office.walk(R"w([{"back": true}, {"tap": "Cài đặt"}, {"tap": "English"}, {"back": true}, {"tap": "Office"},
                        {"tap": "Plan"}, {"tap": "Make the plan"}, {"expect": "Provincial khuyến công"},
                        {"expect": "Budget 250 · funded 200 million VND"}, {"scroll": "Ranked needs"},
                        {"expect": "Vocational training, craft transmission · 200 million"},
                        {"expect": "fits the budget in rank order"}])w") == "");  // still open: the plan was made again
  CHECK(office.walk(R"w([{"expect": "trong ngân sách theo thứ tự"}])w") != "");
}

TEST_CASE("app office: answers read as people read them: dates dd/mm/yyyy, a location as lat, lon (± accuracy m)") {
  CHECK(ui::date_for_people("2026-12-06") == "06/12/2026");
  CHECK(ui::date_for_people("06/12/2026") == "06/12/2026");  // not ISO: unchanged
  CHECK(ui::date_time_for_people("2026-12-06T08:05:09.000+07:00") == "06/12/2026 08:05");
  CHECK(ui::date_time_for_people("yesterday") == "yesterday");
  CHECK(ui::time_for_people("08:30:00.000+07:00") == "08:30");
  CHECK(ui::geopoint_for_people("22.3862 103.499 1250.0 8.0") == "22.3862, 103.499 (± 8 m)");
  CHECK(ui::geopoint_for_people("22.3862 103.499") == "22.3862, 103.499");
  CHECK(ui::geopoint_for_people("22.3862 103.499 0 0") == "22.3862, 103.499");
  CHECK(ui::geopoint_for_people("") == "");
  CHECK(ui::value_for_people(core::DataType::String, "2026-12-06") == "2026-12-06");
  CHECK(ui::value_for_people(core::DataType::Date, "2026-12-06") == "06/12/2026");
  CHECK(ui::device_name("Văn phòng Sở (0193a1b2-0000-7000-8000-000000000001)") == "Văn phòng Sở");
  CHECK(ui::device_name("khaosat-app") == "khaosat-app");
}
