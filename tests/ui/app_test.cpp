// The app's screens driven headlessly: an ImGui context without a renderer, a real device store
// in a temporary folder, the built-in forms, and walks (walk.hpp) acting on visible text.
#include <doctest/doctest.h>

#include <imgui.h>
#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <map>
#include <string>

#include "khaosat/core/store.hpp"
#include "khaosat/ui/app.hpp"
#include "khaosat/ui/sync_port.hpp"
#include "khaosat/ui/theme.hpp"
#include "khaosat/ui/walk.hpp"
#include "../../ui/src/value_format.hpp"
#include "support/clock_env.hpp"
#include "store/store_fixture.hpp"
#include "support/scoped_dir.hpp"
#include "ui/headless.hpp"

using namespace khaosat;
using khaosat::test::Headless;
using khaosat::test::only_draft_xml;
using khaosat::test::read;
using khaosat::test::reload_font;

TEST_CASE("ui: the home screen is in Vietnamese, with the built-in forms and the offline banner") {
  Headless h;
  CHECK(h.walk(R"w([{"expect": "Điền biểu mẫu"}, {"expect": "Không có mạng"}, {"expect": "Bản nháp (0)"},
                   {"tap": "Điền biểu mẫu"}, {"expect": "A. Khảo sát cơ sở"}, {"expect": "B. Khảo sát làng nghề"},
                   {"expect": "Phiên bản 2026120601"}])w") == "");
  CHECK(ui::font_has_glyphs("Đăng ký nhu cầu hỗ trợ của hợp tác xã ‹ › – ỹ Ữ ặ"));
}

TEST_CASE("ui: filling form A in Vietnamese, finalizing, and seeing it among the saved surveys") {
  Headless h;
  std::string walk = read(KHAOSAT_TESTS_DIR "/ui/walks/fill_form_a.json");
  CHECK(h.walk(walk) == "");
  h.app.reset();
  auto store = core::Store::open(h.db());
  REQUIRE(store.ok());
  auto subs = (*store)->list_submissions();
  REQUIRE(subs.ok());
  REQUIRE(subs->size() == 1);
  auto full = (*store)->get_submission((*subs)[0].instance_id);
  REQUIRE(full.ok());
  CHECK(full->instance_xml.find("<officer>Nguyễn Văn An</officer>") != std::string::npos);
  CHECK(full->instance_xml.find("<commune>binh_lu</commune>") != std::string::npos);
  CHECK((*store)->list_drafts()->empty());  // the draft became the submission
}

TEST_CASE("ui: a saved survey's title drops the separator its instance name joins to an empty part") {
  // Form A's instance name is concat(name, ' – ', village); the walk leaves the village empty.
  Headless h;
  CHECK(h.walk(read(KHAOSAT_TESTS_DIR "/ui/walks/fill_form_a.json")) == "");
  CHECK(h.walk(R"w([{"tap": "Phiếu đã lưu"}, {"expect": "chờ gửi"}])w") == "");
  int titles = 0;
  for (const auto& item : h.app->probe().items) {
    if (item.text.find("HTX Chè Bình Lư") == std::string::npos) continue;
    ++titles;
    CHECK(item.text == "HTX Chè Bình Lư");
  }
  CHECK(titles == 1);
}

TEST_CASE("ui: a walk that cannot go on names the step and what was visible") {
  Headless h;
  std::string failure = h.walk(R"w([{"expect": "Điền biểu mẫu"}, {"tap": "Không có nút này"}])w");
  CHECK(failure.find("step 2") != std::string::npos);
  CHECK(failure.find("Không có nút này") != std::string::npos);
  CHECK(failure.find("Điền biểu mẫu") != std::string::npos);  // what was there instead
  CHECK(h.walk(R"w([{"type": "abc"}])w").find("tap a field first") != std::string::npos);
}

TEST_CASE("ui: malformed walks are refused with the step named") {
  CHECK_FALSE(ui::parse_walk("{}", "w.json").ok());
  CHECK_FALSE(ui::parse_walk("[{\"tap\": 3}]", "w.json").ok());
  CHECK_FALSE(ui::parse_walk("[{\"fly\": true}]", "w.json").ok());
  auto bad = ui::parse_walk(R"w([{"back": true}, {"screenshot": "../../etc/x"}])w", "w.json");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == core::ErrorCode::ui_walk);
  CHECK(bad.error().message.find("step 2") != std::string::npos);
  CHECK_FALSE(ui::parse_walk(std::string(100000, '['), "w.json").ok());
}

TEST_CASE("ui: the registry search ignores diacritics") {
  Headless h;
  {
    auto store = core::Store::open(h.db());
    REQUIRE(store.ok());
    core::RegistryEdit edit;
    edit.set = {{"name", "HTX Chè Tân Uyên"}, {"commune", "Xã Tân Uyên"}};
    REQUIRE((*store)->put_record(edit).ok());
    edit.set = {{"name", "Cơ sở dệt thổ cẩm Bản Lướt"}};
    REQUIRE((*store)->put_record(edit).ok());
  }
  CHECK(h.walk(R"w([{"tap": "Danh bạ cơ sở"}, {"expect": "2 hồ sơ"}, {"tap": "Tìm kiếm"}, {"type": "che tan uyen"},
                   {"expect": "HTX Chè Tân Uyên"}, {"tap": "HTX Chè Tân Uyên"}, {"expect": "Xã Tân Uyên"}])w") == "");
}

TEST_CASE("ui: a draft is autosaved, reopened, and deleted only after confirmation") {
  Headless h;
  CHECK(h.walk(R"w([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"tap": "Cán bộ khảo sát *"},
                   {"type": "Lò Thị Mai"}, {"back": true}, {"tap": "Rời phiếu"}, {"back": true}, {"expect": "Bản nháp (1)"},
                   {"tap": "Bản nháp (1)"}, {"tap": "Sửa"}, {"expect": "Cán bộ khảo sát"}, {"back": true},
                   {"tap": "Rời phiếu"}, {"tap": "Xóa nháp"}, {"expect": "Không thể hoàn tác"}, {"tap": "Hủy"},
                   {"expect": "Nháp (1)"}, {"tap": "Xóa nháp"}, {"tap": "Xóa nháp"}, {"expect": "Không có bản nháp."}])w") == "");
}

TEST_CASE("ui: removing a repeat instance asks first") {
  Headless h;
  CHECK(h.walk(R"w([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"tap": "Mục lục"},
                   {"scroll": "Tên sản phẩm"}, {"tap": "Tên sản phẩm"}, {"tap": "Xóa mục này"}, {"expect": "Xóa \"A2"},
                   {"tap": "Hủy"}, {"expect": "Sản phẩm chính 1"}, {"tap": "Xóa mục này"}, {"tap": "Xóa"},
                   {"expect": "Thêm "}, {"expect": "Đã có 0 mục."}])w") == "");
}

TEST_CASE("ui: English from the settings, kept in the settings file") {
  Headless h;
  CHECK(h.walk(R"w([{"tap": "Cài đặt"}, {"tap": "English"}, {"expect": "Text size"}, {"back": true},
                   {"expect": "Fill a form"}, {"tap": "Fill a form"}, {"tap": "A. Rural industrial"}, {"expect": "Survey officer"}])w") == "");
  CHECK(read(h.db() + ".settings.json").find("\"en\"") != std::string::npos);
}

namespace {

// The draft the walk left, as its instance XML ("" when there is not exactly one).
std::string seed_record(const std::string& db, core::Registry registry,
                        std::vector<std::pair<std::string, std::string>> set) {
  auto store = core::Store::open(db);
  REQUIRE(store.ok());
  auto rec = (*store)->put_record(core::RegistryEdit{registry, "", std::move(set)});
  REQUIRE(rec.ok());
  return rec->record_id;
}

}  // namespace

TEST_CASE("ui: a registry record shows its properties by the form's question and choice labels") {
  Headless h;
  seed_record(h.db(), core::Registry::Establishment,
              {{"name", "HTX Chè Tân Uyên"}, {"commune", "binh_lu"}, {"tax_code", "4200123456"}, {"legal_form", "coop"},
               {"founded", "2019"}});
  // The list names the commune by its label; the record, each property by its question.
  CHECK(h.walk(R"w([{"tap": "Danh bạ cơ sở"}, {"expect": "Xã Bình Lư"}, {"tap": "HTX Chè Tân Uyên"},
                   {"expect": "Xã/phường"}, {"expect": "Xã Bình Lư"}, {"expect": "Số GCN đăng ký kinh doanh / mã số thuế"},
                   {"expect": "4200123456"}, {"expect": "Loại hình tổ chức"}, {"expect": "Hợp tác xã (HTX)"},
                   {"expect": "founded"}])w") == "");  // no question saves to it: its key
  CHECK(h.walk(R"([{"expect": "binh_lu"}])") != "");
  CHECK(h.walk(R"([{"expect": "tax_code"}])") != "");
  CHECK(h.walk(R"([{"expect": "coop"}])") != "");  // "coop" alone: the label contains no such text
}

TEST_CASE("ui: a registry record's properties follow the order of the form's questions") {
  Headless h;
  // Form A asks for the commune, the village, the legal form, the registration number and the
  // sector in this order; by key the village would come last and the sector before tax_code.
  seed_record(h.db(), core::Registry::Establishment,
              {{"name", "Mộc Tam Đường"}, {"village", "Bản Lướt"}, {"tax_code", "4200123456"}, {"legal_form", "coop"},
               {"commune", "binh_lu"}, {"sector", "c1"}, {"zz_note", "x"}});
  REQUIRE(h.walk(R"w([{"tap": "Danh bạ cơ sở"}, {"tap": "Mộc Tam Đường"}, {"expect": "zz_note"}])w") == "");
  auto y = [&](const std::string& text) {
    for (const auto& item : h.app->probe().items)
      if (item.text == text) return item.y0;
    FAIL("not visible: " << text);
    return 0.0f;
  };
  CHECK(y("Xã/phường") < y("Bản Lướt"));
  CHECK(y("Bản Lướt") < y("Hợp tác xã (HTX)"));
  CHECK(y("Hợp tác xã (HTX)") < y("4200123456"));
  CHECK(y("4200123456") < y("zz_note"));  // no question saves to it: after the others
}

namespace {

// Finalizes a survey of the test's entity form (store/store_fixture.hpp, form "est"): a new
// establishment when `record_id` is empty, else an update of that record. Returns the record id.
std::string finalize_est(core::Store& store, const std::string& record_id,
                         std::vector<std::pair<std::string, std::string>> answers) {
  auto form = store.load_form("est");
  REQUIRE(form.ok());
  core::SessionOptions so;
  so.env.uuid = [&store] { return store.new_id(); };
  auto s = record_id.empty() ? core::FormSession::start(*form, so) : store.start_from_record(*form, record_id, so);
  REQUIRE(s.ok());
  for (const auto& [q, v] : answers) REQUIRE((*s)->answer("/data/" + q, v).ok());
  std::string id = record_id.empty() ? (*s)->node("/data/new_record_id")->value : record_id;
  core::FinalizeRequest req;
  req.session = s->get();
  auto out = store.finalize(req);
  REQUIRE_MESSAGE(out.ok(), (out.ok() ? "" : out.error().message));
  return id;
}

// The entity form installed in the store at `db` and one establishment made with it: its id.
std::string est_record(const std::string& db, std::vector<std::pair<std::string, std::string>> answers) {
  auto store = core::Store::open(db);
  REQUIRE(store.ok());
  REQUIRE((*store)->install_form(core::NamedBytes{"est.md", test::entity_form_md()},
                                 {core::NamedBytes{"establishments.csv", "name,label,__version\n"}}).ok());
  return finalize_est(**store, "", std::move(answers));
}

}  // namespace

TEST_CASE("ui: a registry record's history shows the survey that created it and the one that changed a field") {
  test::ScopedTz tz("Asia/Ho_Chi_Minh");
  Headless h;
  {
    // 23:59 local time on 6 December, then 00:05 on the 7th.
    auto now = std::make_shared<std::int64_t>(1765040340000);  // 2025-12-06T16:59:00Z
    core::StoreOptions o;
    o.env.now_ms = [now] { return *now; };
    auto store = core::Store::open(h.db(), o);
    REQUIRE(store.ok());
    REQUIRE((*store)->install_form(core::NamedBytes{"est.md", test::entity_form_md()},
                                   {core::NamedBytes{"establishments.csv", "name,label,__version\n"}}).ok());
    std::string id = finalize_est(**store, "", {{"est_name", "Chè Tân Uyên"}, {"phone", "0912345678"}});
    *now += 6 * 60000;
    finalize_est(**store, id, {{"phone", "0987654321"}});
  }
  CHECK(h.walk(R"w([{"tap": "Danh bạ cơ sở"}, {"tap": "Chè Tân Uyên"}, {"scroll": "Lịch sử"},
                   {"expect": "07/12/2025 00:05 · Cập nhật"}, {"expect": "0912345678 → 0987654321"},
                   {"expect": "06/12/2025 23:59 · Tạo hồ sơ"}, {"expect": "Establishment · máy này"},
                   {"expect": "Tên: Chè Tân Uyên"}])w") == "");
  // A field left empty when the record was made is no change.
  CHECK(h.walk(R"([{"expect": ": —"}])") != "");
  // The update lists the field it changed, not the ones saved again unchanged.
  CHECK(h.walk(R"([{"expect": "Chè Tân Uyên → Chè Tân Uyên"}])") != "");
  h.app.reset();
  h.open();
  CHECK(h.walk(R"w([{"tap": "Cài đặt"}, {"tap": "English"}, {"back": true}, {"tap": "Registry"}, {"tap": "Chè Tân Uyên"},
                   {"scroll": "History"}, {"expect": "07/12/2025 00:05 · Updated"}, {"expect": "Establishment · this device"}])w") == "");
}

TEST_CASE("ui: a registry record's open conflicts show both values by their labels until the office decides") {
  Headless h;
  std::string id;
  auto pull = [&](std::vector<core::RecordConflict> conflicts, const std::string& cursor) {
    auto store = core::Store::open(h.db());
    REQUIRE(store.ok());
    auto rec = (*store)->get_record(id);
    REQUIRE(rec.ok());
    core::PullPage page;
    page.cursor_name = "registry";
    page.cursor = cursor;
    core::PulledRecord r;
    r.registry = rec->registry;
    r.record_id = id;
    r.properties = rec->properties;
    r.conflicts_known = true;
    r.conflicts = std::move(conflicts);
    page.records.push_back(std::move(r));
    REQUIRE((*store)->apply_pull(page).ok());
  };
  id = est_record(h.db(), {{"est_name", "Rèn Nà Tăm"}, {"phone", "0916"}, {"commune", "muong_kim"}});
  pull({{"r7", "commune", "muong_kim", "pac_ta"}, {"r8", "phone", "0916", "0915"}}, "c1");
  CHECK(h.walk(R"w([{"tap": "Danh bạ cơ sở"}, {"tap": "Rèn Nà Tăm"}, {"expect": "Chờ văn phòng quyết định"},
                   {"expect": "Commune: Mường Kim hay Pắc Ta"}, {"expect": "Phone: 0916 hay 0915"}])w") == "");
  // The office resolved one: the screen follows the next pull without leaving it.
  pull({{"r8", "phone", "0916", "0915"}}, "c2");
  CHECK(h.walk(R"w([{"expect": "Phone: 0916 hay 0915"}])w") == "");
  CHECK(h.walk(R"w([{"expect": "Commune: Mường Kim hay Pắc Ta"}])w") != "");
  pull({}, "c3");
  CHECK(h.walk(R"w([{"expect": "Chờ văn phòng quyết định"}])w") != "");
  pull({{"r9", "phone", "0916", ""}}, "c4");
  CHECK(h.walk(R"w([{"back": true}, {"back": true}, {"tap": "Cài đặt"}, {"tap": "English"}, {"back": true}, {"tap": "Registry"}, {"tap": "Rèn Nà Tăm"},
                   {"expect": "Waiting for the office to decide"}, {"expect": "Phone: 0916 or —"}])w") == "");
}

TEST_CASE("ui: a registry record's history names another device by the name the office enrolled it under") {
  test::ScopedTz tz("Asia/Ho_Chi_Minh");
  Headless h;
  const std::string other = "0190b2d4-7c1e-7000-8000-00000000a001";
  std::string id;
  // A version of the phone written on `other`, pulled with the devices the page names (none from
  // a server without the feature).
  auto pull = [&](std::vector<core::KnownDevice> devices, const std::string& cursor, const std::string& phone,
                  std::int64_t wall) {
    auto store = core::Store::open(h.db());
    REQUIRE(store.ok());
    core::PullPage page;
    page.cursor_name = "registry";
    page.cursor = cursor;
    core::PulledRecord r;
    r.registry = core::Registry::Establishment;
    r.record_id = id;
    r.properties = {{"phone", {phone, core::Hlc{wall, 0, other}.to_string()}}};
    page.records.push_back(std::move(r));
    page.devices = std::move(devices);
    REQUIRE((*store)->apply_pull(page).ok());
  };
  id = est_record(h.db(), {{"est_name", "Rèn Nà Tăm"}, {"phone", "0916"}, {"commune", "muong_kim"}});
  const std::int64_t later = 4102444800000;  // 2100-01-01: after the record's own versions
  pull({}, "c1", "0915", later);
  CHECK(h.walk(R"w([{"tap": "Danh bạ cơ sở"}, {"tap": "Rèn Nà Tăm"}, {"scroll": "Lịch sử"},
                   {"expect": "Từ máy chủ · máy 0190b2d4"}, {"expect": "0916 → 0915"}])w") == "");
  // The next pull names the device: the history says who it is and where it works.
  h.app.reset();
  pull({{other, "Lò Văn A", {"muong_kim"}}}, "c2", "0914", later + 60000);
  h.open();
  CHECK(h.walk(R"w([{"tap": "Danh bạ cơ sở"}, {"tap": "Rèn Nà Tăm"}, {"scroll": "Lịch sử"},
                   {"expect": "Từ máy chủ · Lò Văn A (Mường Kim)"}, {"expect": "0916 → 0914"}])w") == "");
  CHECK(h.walk(R"w([{"expect": "máy 0190b2d4"}])w") != "");
  h.app.reset();
  h.open();
  CHECK(h.walk(R"w([{"tap": "Cài đặt"}, {"tap": "English"}, {"back": true}, {"tap": "Registry"}, {"tap": "Rèn Nà Tăm"},
                   {"scroll": "History"}, {"expect": "From the server · Lò Văn A (Mường Kim)"}])w") == "");
  // A device the office enrolled without a name keeps its short id.
  h.app.reset();
  pull({{other, "", {}}}, "c3", "0913", later + 120000);
  h.open();
  CHECK(h.walk(R"w([{"tap": "Registry"}, {"tap": "Rèn Nà Tăm"}, {"scroll": "History"},
                   {"expect": "From the server · device 0190b2d4"}])w") == "");
}

TEST_CASE("ui: form A offers a new establishment or one picked in the registry, and starts prefilled from it") {
  Headless h;
  // An empty registry: form A goes straight to a new survey.
  CHECK(h.walk(R"w([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"expect": "Cán bộ khảo sát"},
                   {"back": true}])w") == "");
  h.app.reset();
  std::string id = seed_record(h.db(), core::Registry::Establishment,
                               {{"name", "HTX Chè Tân Uyên"}, {"commune", "binh_lu"}, {"phone", "0912345678"}});
  seed_record(h.db(), core::Registry::Establishment, {{"name", "Rèn Pắc Ta"}});
  CHECK(h.walk(R"w([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"expect": "Cơ sở mới"},
                   {"expect": "Rèn Pắc Ta"}, {"tap": "Tìm kiếm"}, {"type": "che tan"}, {"expect": "HTX Chè Tân Uyên"},
                   {"tap": "HTX Chè Tân Uyên"}, {"tap": "Cán bộ khảo sát *"}, {"type": "Lò Thị Mai"},
                   {"back": true}, {"tap": "Rời phiếu"}, {"expect": "A. Khảo sát cơ sở"}])w") == "");
  h.app.reset();
  std::string xml = only_draft_xml(h.db());
  CHECK(xml.find("<record_id>" + id + "</record_id>") != std::string::npos);
  CHECK(xml.find("<est_name>HTX Chè Tân Uyên</est_name>") != std::string::npos);
  CHECK(xml.find("<commune>binh_lu</commune>") != std::string::npos);
  CHECK(xml.find("<phone>0912345678</phone>") != std::string::npos);
  // "New" starts a blank survey.
  CHECK(h.walk(R"w([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"tap": "Cơ sở mới"},
                   {"tap": "Cán bộ khảo sát *"}, {"type": "Lò Văn Sáng"}, {"back": true}, {"tap": "Rời phiếu"}])w") == "");
  h.app.reset();
  auto store = core::Store::open(h.db());
  REQUIRE(store.ok());
  auto drafts = (*store)->list_drafts();
  REQUIRE(drafts->size() == 2);
  int blank = 0;
  for (const auto& d : *drafts) {
    std::string x = (*store)->get_draft(d.draft_id)->instance_xml;
    if (x.find("<officer>Lò Văn Sáng</officer>") != std::string::npos && x.find("<record_id/>") != std::string::npos)
      ++blank;
  }
  CHECK(blank == 1);
}

TEST_CASE("ui: a registry record's screen surveys it with the form of its registry, in both languages") {
  Headless h;
  std::string coop = seed_record(h.db(), core::Registry::Cooperative, {{"name", "HTX Dệt Bản Lướt"}, {"tax_code", "6200111222"}});
  CHECK(h.walk(R"w([{"tap": "Danh bạ cơ sở"}, {"tap": "Hợp tác xã"}, {"tap": "HTX Dệt Bản Lướt"},
                   {"expect": "6200111222"}, {"tap": "Khảo sát hợp tác xã này"}, {"expect": "Ngày đăng ký"},
                   {"back": true}, {"expect": "Khảo sát hợp tác xã này"}])w") == "");
  h.app.reset();
  seed_record(h.db(), core::Registry::Establishment, {{"name", "Mộc Tam Đường"}});
  h.open();
  CHECK(h.walk(R"w([{"tap": "Cài đặt"}, {"tap": "English"}, {"back": true}, {"tap": "Registry"},
                   {"tap": "Mộc Tam Đường"}, {"expect": "Survey this establishment"}])w") == "");
}

// A sync whose server found this device's clock a year ahead and re-stamped 3 registry edits.
struct ClockAheadSync : ui::SyncPort {
  bool synced = false;
  bool enrolled() override { return true; }
  std::string server_url() override { return "http://127.0.0.1:1"; }
  core::Status enroll(const std::string&, const std::string&) override { return core::ok_status(); }
  core::Status start_sync() override {
    synced = true;
    return core::ok_status();
  }
  ui::SyncProgress progress() override {
    ui::SyncProgress p;
    if (synced) {
      p.last_success_ms = 1765000000000;
      p.finished = 1;
      p.clock_clamped = 3;
      p.clock_ahead_ms = 366LL * 24 * 3600 * 1000 + 5000;
    }
    return p;
  }
};

TEST_CASE("ui: the sync screen warns when the server found the device's clock ahead, in both languages") {
  Headless h;
  ClockAheadSync sync;
  h.sync = &sync;
  CHECK(h.walk(R"([{"tap": "Đồng bộ"}, {"tap": "Đồng bộ ngay"},
                   {"expect": "Đồng hồ của máy này nhanh hơn máy chủ 366 ngày: máy chủ đã ghi lại giờ cho 3 thay đổi"},
                   {"back": true}, {"tap": "Cài đặt"}, {"tap": "English"}, {"back": true}, {"tap": "Sync"},
                   {"expect": "This device's clock is 366 days ahead of the server's"}])") == "");
  CHECK(ui::clock_warning(1, 11 * 60 * 1000 + 1, ui::Lang::En).find("12 minutes ahead") != std::string::npos);
  CHECK(ui::clock_warning(2, 5 * 3600 * 1000, ui::Lang::Vi).find("5 giờ") != std::string::npos);
}

TEST_CASE("ui: an answer survives the app being killed in the middle of a survey") {
  Headless h;
  CHECK(h.walk(R"w([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"tap": "Cán bộ khảo sát *"},
                   {"type": "Lò Thị Mai"}, {"expect": "Cán bộ khảo sát"}])w") == "");
  // Killed now: no "Rời phiếu", nothing more from this app. The draft is already in the store,
  // as another connection to the database reads it while the app still holds its own.
  CHECK(only_draft_xml(h.db()).find("Lò Thị Mai") != std::string::npos);
  h.app.reset();
  // A new app on the same database finds the draft with the answer, and opens it.
  CHECK(h.walk(R"w([{"expect": "Bản nháp (1)"}, {"tap": "Bản nháp (1)"}, {"tap": "Sửa"}, {"tap": "Mục lục"},
                   {"expect": "Lò Thị Mai"}])w") == "");
}

TEST_CASE("ui: a dateTime question takes a local date and time by touch, and Now near local midnight") {
  test::ScopedTz tz("Asia/Ho_Chi_Minh");
  test::FixedClockEnv clock(1796576460000);  // 2026-12-06T17:01:00Z: 00:01 on 7 December in Vietnam
  Headless h;
  h.env = &clock;
  {
    auto store = core::Store::open(h.db());
    REQUIRE(store.ok());
    REQUIRE((*store)->install_form(core::NamedBytes{"dt.md", "| settings |\n| | form_title | form_id | version |\n"
                                                            "| | Giờ đến | dt | 1 |\n\n| survey |\n| | type | name | label |\n"
                                                            "| | dateTime | visit | Lúc đến |\n"}).ok());
  }
  // Now: the local date and time, not UTC's 6 December 17:01.
  CHECK(h.walk(R"w([{"tap": "Điền biểu mẫu"}, {"tap": "Giờ đến"}, {"expect": "Lúc đến"}, {"expect": "Lúc đến · giờ"},
                   {"tap": "Bây giờ"}])w") == "");
  // Each field under its caption, not above the next field's: caption, field, caption, field.
  std::vector<std::string> order;
  for (const auto& item : h.app->probe().items)
    if (item.text == "Ngày (ngày/tháng/năm)" || item.text == "Lúc đến" || item.text == "Giờ (giờ:phút, 24 giờ)" ||
        item.text == "Lúc đến · giờ" || item.text == "Ngày/tháng/năm, ví dụ 25/11/2026")
      order.push_back(item.kind == ui::ItemKind::Field ? "[" + item.text + "]" : item.text);
  CHECK(order == std::vector<std::string>{"Lúc đến", "Ngày (ngày/tháng/năm)", "[Lúc đến]", "Giờ (giờ:phút, 24 giờ)",
                                          "[Lúc đến · giờ]"});
  CHECK(only_draft_xml(h.db()).find("<visit>2026-12-07T00:01:00.000+07:00</visit>") != std::string::npos);
  // A date and a time typed apart, one before midnight; a bad time is named.
  CHECK(h.walk(R"w([{"tap": "Lúc đến"}, {"type": "06/12/2026"}, {"tap": "Lúc đến · giờ"}, {"type": "25:10"},
                   {"expect": "Không đọc được giờ: 25:10"}, {"tap": "Lúc đến · giờ"}, {"type": "23:45"}])w") == "");
  CHECK(only_draft_xml(h.db()).find("<visit>2026-12-06T23:45:00.000+07:00</visit>") != std::string::npos);
}

TEST_CASE("ui: touch inputs: today at local midnight, plus and minus, add a repeat instance, a bad date, a constraint") {
  test::ScopedTz tz("Asia/Ho_Chi_Minh");
  test::FixedClockEnv clock(1767286800000);  // 2026-01-01T17:00:00Z: 00:00 on 2 January in Vietnam
  Headless h;
  h.env = &clock;
  // A date typed that is not one: the bad-date message; one after today: the form's constraint
  // message; then "Hôm nay" puts in the local date, which is not the UTC one.
  CHECK(h.walk(R"w([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"tap": "Mục lục"}, {"tap": "Ngày khảo sát"},
                   {"tap": "Ngày khảo sát *"}, {"type": "32/13/2026"}, {"expect": "Không đọc được ngày: 32/13/2026"},
                   {"tap": "Ngày khảo sát *"}, {"type": "03/01/2026"}, {"expect": "Ngày khảo sát không được sau hôm nay."},
                   {"tap": "Hôm nay"}])w") == "");
  CHECK(h.walk(R"([{"expect": "Ngày khảo sát không được sau hôm nay."}])") != "");
  CHECK(only_draft_xml(h.db()).find("<survey_date>2026-01-02</survey_date>") != std::string::npos);
  // + twice and - once on an integer.
  CHECK(h.walk(R"w([{"tap": "Mục lục"}, {"scroll": "Số lao động"}, {"tap": "Số lao động"}, {"tap": "+"}, {"tap": "+"},
                   {"tap": "-"}])w") == "");
  CHECK(only_draft_xml(h.db()).find("<workers_total>1</workers_total>") != std::string::npos);
  // "Thêm" at the repeat's "add another?" makes a second product.
  CHECK(h.walk(R"w([{"tap": "Mục lục"}, {"scroll": -20000}, {"scroll": "Tên sản phẩm"}, {"tap": "Tên sản phẩm"},
                   {"tap": "Tên sản phẩm *"},
                   {"type": "Chè"}, {"tap": "Tiếp ›"}, {"tap": "Tiếp ›"}, {"tap": "Tiếp ›"}, {"tap": "Tiếp ›"},
                   {"expect": "Thêm Sản phẩm chính?"}, {"expect": "Đã có 1 mục."}, {"tap": "Thêm"},
                   {"expect": "Tên sản phẩm"}])w") == "");
  std::string xml = only_draft_xml(h.db());
  std::size_t products = 0;
  for (auto at = xml.find("<products>"); at != std::string::npos; at = xml.find("<products>", at + 1)) ++products;
  CHECK(products == 2);
}

namespace {
// The buttons, rows and fields of the last frame shorter than a touch target (48 dp, or one
// line of text with its padding when that is taller), as "'text' (N px)"; "" when none.
std::string short_targets(Headless& h) {
  const float min_h = std::max(ui::kTouchTargetDp, ImGui::GetFontSize() + 2 * ImGui::GetStyle().FramePadding.y);
  std::string out;
  for (const auto& item : h.app->probe().items)
    if (item.kind != ui::ItemKind::Text && item.visible && item.y1 - item.y0 < min_h - 0.5f)
      out += "'" + item.text + "' (" + std::to_string(static_cast<int>(item.y1 - item.y0)) + " px) ";
  return out;
}
}  // namespace

TEST_CASE("ui: every button, row and field of the main screens is at least a touch target tall at 360x800") {
  Headless h;
  seed_record(h.db(), core::Registry::Establishment, {{"name", "HTX Chè Tân Uyên"}, {"commune", "binh_lu"}});
  const std::pair<const char*, const char*> kScreens[] = {
      {"home", R"([{"expect": "Điền biểu mẫu"}])"},
      {"forms", R"([{"tap": "Điền biểu mẫu"}, {"expect": "B. Khảo sát làng nghề"}])"},
      {"pick or new", R"([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"expect": "Cơ sở mới"}])"},
      {"question", R"([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"tap": "Cơ sở mới"}, {"expect": "Cán bộ khảo sát"}])"},
      {"overview", R"([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"tap": "Cơ sở mới"}, {"tap": "Mục lục"},
                      {"expect": "Ngày khảo sát"}])"},
      {"date", R"([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"tap": "Cơ sở mới"}, {"tap": "Mục lục"},
                  {"tap": "Ngày khảo sát"}, {"expect": "Hôm nay"}])"},
      {"select", R"([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"tap": "Cơ sở mới"}, {"tap": "Mục lục"},
                    {"tap": "Xã/phường"}, {"expect": "Xã Mường Kim"}])"},
      {"number", R"([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"tap": "Cơ sở mới"}, {"tap": "Mục lục"},
                    {"scroll": "Số lao động"}, {"tap": "Số lao động"}, {"expect": "Lao động thường xuyên."}])"},
      {"leave", R"([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"tap": "Cơ sở mới"}, {"tap": "Cán bộ khảo sát *"},
                   {"type": "Lò Thị Mai"}, {"back": true}, {"expect": "Ở lại"}])"},
      {"saved surveys", R"([{"tap": "Phiếu đã lưu"}, {"expect": "Nháp ("}])"},
      {"registry", R"([{"tap": "Danh bạ cơ sở"}, {"expect": "HTX Chè Tân Uyên"}])"},
      {"record", R"([{"tap": "Danh bạ cơ sở"}, {"tap": "HTX Chè Tân Uyên"}, {"expect": "Khảo sát cơ sở này"}])"},
      {"settings", R"([{"tap": "Cài đặt"}, {"expect": "English"}])"},
      {"enroll", R"([{"tap": "Kết nối máy chủ"}, {"expect": "Quay lại"}])"},  // this app has no sync port
  };
  for (const auto& [name, walk] : kScreens) {
    CAPTURE(std::string(name));
    h.app.reset();  // from home each time
    REQUIRE(h.walk(walk) == "");
    CHECK(short_targets(h) == "");
  }
}

TEST_CASE("ui: at 360x800 no text is cut: a long title wraps, overview rows end in an ellipsis after a word") {
  Headless h;
  // A survey that left the village empty (form A's instance name allows it).
  seed_record(h.db(), core::Registry::Establishment,
              {{"name", "HTX Chè Tân Uyên"}, {"commune", "binh_lu"}, {"village", ""}});
  REQUIRE(h.walk(R"w([{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"expect": "Cơ sở mới"}])w") == "");
  const std::string title = "A. Khảo sát cơ sở công nghiệp nông thôn, chủ thể OCOP";
  int seen = 0;
  for (const auto& item : h.app->probe().items) {
    if (item.text == title) {
      ++seen;
      CHECK(item.x1 <= 360);
      CHECK(ImGui::CalcTextSize(title.c_str()).x > item.x1 - item.x0);  // too long for one line here...
      CHECK(item.y1 - item.y0 >= 2 * ImGui::GetFontSize());              // ...so on two
    }
    // The record's detail line: the commune, with no separator before a missing village.
    if (item.text.find("Xã Bình Lư") != std::string::npos && item.kind == ui::ItemKind::Text) {
      ++seen;
      CHECK(item.text == "Xã Bình Lư");
    }
  }
  CHECK(seen == 2);
  REQUIRE(h.walk(R"w([{"tap": "Cơ sở mới"}, {"tap": "Mục lục"}, {"scroll": "Chủ cơ sở đồng ý"}])w") == "");
  const std::string consent = "Chủ cơ sở đồng ý cung cấp thông tin cho công tác khuyến công.";
  const std::string ellipsis = "\u2026";
  seen = 0;
  for (const auto& item : h.app->probe().items) {
    if (!item.visible || item.drawn.empty()) continue;
    CAPTURE(item.text);
    CAPTURE(item.drawn);
    CHECK(ImGui::CalcTextSize(item.drawn.c_str()).x <= item.x1 - item.x0);
    REQUIRE(item.drawn.size() > ellipsis.size());
    std::string kept = item.drawn.substr(0, item.drawn.size() - ellipsis.size());
    CHECK(item.drawn.substr(kept.size()) == ellipsis);
    CHECK(item.text.compare(0, kept.size(), kept) == 0);
    CHECK(item.text[kept.size()] == ' ');  // cut between words
    seen += item.text == consent;
  }
  CHECK(seen == 1);
}

TEST_CASE("ui: form A is filled to its end and finalized on a 360x640 phone") {
  Headless h(360, 640);
  CHECK(h.walk(read(KHAOSAT_TESTS_DIR "/ui/walks/fill_form_a.json")) == "");
  CHECK(short_targets(h) == "");
  h.app.reset();
  auto store = core::Store::open(h.db());
  REQUIRE(store.ok());
  CHECK(store.value()->list_submissions()->size() == 1);
}

namespace {
// The height of the first visible item whose text contains `text`, 0 when none.
float item_height(Headless& h, const std::string& text) {
  for (const auto& item : h.app->probe().items)
    if (item.visible && item.text.find(text) != std::string::npos) return item.y1 - item.y0;
  return 0;
}
bool is_black(const ImVec4& c) { return c.x == 0 && c.y == 0 && c.z == 0 && c.w == 1; }
}  // namespace

TEST_CASE("ui: the text size scales the font and the rows, high contrast the colours, and both outlive a restart") {
  Headless h;
  REQUIRE(h.walk(R"([{"tap": "Điền biểu mẫu"}, {"expect": "A. Khảo sát cơ sở"}])") == "");
  CHECK(h.app->font_pixels() == 18);
  float normal = item_height(h, "A. Khảo sát cơ sở");
  REQUIRE(normal > 0);
  CHECK_FALSE(is_black(ImGui::GetStyle().Colors[ImGuiCol_Border]));
  CHECK(ImGui::GetStyle().FrameBorderSize == 1);
  REQUIRE(h.walk(R"w([{"back": true}, {"tap": "Cài đặt"}, {"tap": "Rất lớn"}, {"tap": "Tương phản cao (dễ đọc dưới nắng)"},
                      {"frames": 2}])w") == "");
  CHECK(h.app->font_pixels() == 27);
  CHECK(h.app->settings().high_contrast);
  CHECK(is_black(ImGui::GetStyle().Colors[ImGuiCol_Border]));
  // An empty field's example stays distinguishable from a value: dark grey, not black.
  const ImVec4 example = ImGui::GetStyle().Colors[ImGuiCol_TextDisabled];
  CHECK_FALSE(is_black(example));
  CHECK(example.x <= 0.35f);
  CHECK(ImGui::GetStyle().FrameBorderSize == 2);
  CHECK(ImGui::GetStyle().FrameRounding > 0);  // antialiased lines join a rounded border
  // Without antialiased lines (the desktop's software path) thick borders go square.
  ImGui::GetStyle().AntiAliasedLines = false;
  ui::apply_style(1, true);
  CHECK(ImGui::GetStyle().FrameRounding == 0);
  ui::apply_style(1, false);
  CHECK(ImGui::GetStyle().FrameRounding > 0);
  ImGui::GetStyle().AntiAliasedLines = true;
  ui::apply_style(1, true);
  reload_font(h.app->font_pixels());
  REQUIRE(h.walk(R"([{"back": true}, {"tap": "Điền biểu mẫu"}, {"expect": "A. Khảo sát cơ sở"}])") == "");
  float large = item_height(h, "A. Khảo sát cơ sở");
  CHECK(large > normal * 1.3f);  // a two-line row grows with its text
  CHECK(ImGui::GetFontSize() == 27);

  // A restart on the same database and settings file: the platform starts from the plain style
  // and the font the app asks for.
  h.app.reset();
  ui::apply_style(1);
  reload_font(18);
  h.open();
  CHECK(h.app->settings().text_scale == doctest::Approx(1.5));
  CHECK(h.app->settings().high_contrast);
  CHECK(h.app->font_pixels() == 27);
  REQUIRE(h.walk(R"([{"frames": 1}])") == "");
  CHECK(is_black(ImGui::GetStyle().Colors[ImGuiCol_Border]));
  CHECK(ImGui::GetStyle().FrameBorderSize == 2);
  // Turned off again: the usual colours.
  REQUIRE(h.walk(R"w([{"tap": "Cài đặt"}, {"tap": "Tương phản cao (dễ đọc dưới nắng)"}, {"frames": 2}])w") == "");
  CHECK_FALSE(is_black(ImGui::GetStyle().Colors[ImGuiCol_Border]));
  CHECK(ImGui::GetStyle().FrameBorderSize == 1);
  reload_font(18);
}

TEST_CASE("ui: a form's title shows in the app's language only, and a screen's title is centred on the back button") {
  CHECK(ui::title_for_people("A. Khảo sát cơ sở (Establishment survey)", ui::Lang::Vi) == "A. Khảo sát cơ sở");
  CHECK(ui::title_for_people("A. Khảo sát cơ sở (Establishment survey)", ui::Lang::En) == "A. Establishment survey");
  CHECK(ui::title_for_people("Khảo sát (đợt 2)", ui::Lang::En) == "Khảo sát (đợt 2)");  // no English in the bracket
  CHECK(ui::title_for_people("Survey (2026)", ui::Lang::Vi) == "Survey (2026)");         // no Vietnamese before it
  Headless h;
  CHECK(h.walk(R"w([{"tap": "Điền biểu mẫu"}, {"expect": "A. Khảo sát cơ sở công nghiệp nông thôn, chủ thể OCOP"}])w") == "");
  CHECK(h.walk(R"([{"expect": "Rural industrial"}])") != "");
  // The title's middle and the back button's are on one line (within a pixel).
  auto middle = [&](const std::string& text) {
    for (const auto& item : h.app->probe().items)
      if (item.text == text) return (item.y0 + item.y1) / 2;
    FAIL("not visible: " << text);
    return 0.0f;
  };
  CHECK(std::abs(middle("Chọn biểu mẫu") - middle("‹ Quay lại")) <= 1.0f);
  CHECK(h.walk(R"w([{"back": true}, {"tap": "Cài đặt"}, {"tap": "English"}, {"back": true}, {"tap": "Fill a form"},
                   {"expect": "A. Rural industrial establishment / OCOP producer survey"}])w") == "");
  CHECK(h.walk(R"([{"expect": "Khảo sát cơ sở"}])") != "");
  CHECK(std::abs(middle("Choose a form") - middle("‹ Back")) <= 1.0f);
}

namespace {
// The attachments of the only draft, by name: the stored file's bytes.
std::map<std::string, std::string> draft_attachments(const std::string& db) {
  auto store = core::Store::open(db);
  REQUIRE(store.ok());
  auto drafts = (*store)->list_drafts();
  REQUIRE(drafts.ok());
  REQUIRE(drafts->size() == 1);
  auto draft = (*store)->get_draft((*drafts)[0].draft_id);
  REQUIRE(draft.ok());
  std::map<std::string, std::string> out;
  for (const auto& [name, sha] : draft->attachments) {
    auto file = (*store)->get_attachment(sha);
    REQUIRE(file.ok());
    auto bytes = core::Env::default_env().read_file(file->path, 64 << 20);
    REQUIRE(bytes.ok());
    out[name] = *bytes;
  }
  return out;
}
}  // namespace

TEST_CASE("ui: a photo larger than its question's max-pixels is stored scaled down, a small one as it is, a damaged one not at all") {
  Headless h;
  {
    auto store = core::Store::open(h.db());
    REQUIRE(store.ok());
    REQUIRE((*store)->install_form(core::NamedBytes{"ph.md", "| settings |\n| | form_title | form_id | version |\n"
                                                            "| | Ảnh thử | ph | 1 |\n\n| survey |\n"
                                                            "| | type | name | label | parameters |\n"
                                                            "| | image | big | Ảnh lớn | max-pixels=1024 |\n"
                                                            "| | image | small | Ảnh nhỏ | max-pixels=1024 |\n"}).ok());
  }
  // A 3000x2000 PNG, a 640x480 JPEG, and that JPEG cut short, as a camera folder would hold them.
  auto write = [&](const std::string& name, int w, int h_px, bool png) {
    std::vector<unsigned char> px(static_cast<std::size_t>(w) * h_px * 3);
    for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<unsigned char>(i * 7 % 251);
    std::string path = (h.dir.path() / name).string();
    REQUIRE((png ? stbi_write_png(path.c_str(), w, h_px, 3, px.data(), w * 3)
                 : stbi_write_jpg(path.c_str(), w, h_px, 3, px.data(), 90)) != 0);
    return path;
  };
  std::string big = write("big.png", 3000, 2000, true);
  std::string small = write("small.jpg", 640, 480, false);
  std::string small_bytes = read(small);
  std::string cut = (h.dir.path() / "cut.jpg").string();
  REQUIRE(core::Env::default_env().write_file_durably(cut, small_bytes.substr(0, small_bytes.size() / 2)).ok());
  h.photos.files = {big, cut, small};

  CHECK(h.walk(R"w([{"tap": "Điền biểu mẫu"}, {"tap": "Ảnh thử"}, {"expect": "Ảnh lớn"}, {"tap": "Chọn ảnh"},
                   {"tap": "big.png"}, {"expect": "Ảnh: big.png"}])w") == "");
  auto stored = draft_attachments(h.db());
  REQUIRE(stored.count("big.png"));
  int w = 0, hh = 0, n = 0;
  const std::string& png = stored["big.png"];
  REQUIRE(stbi_info_from_memory(reinterpret_cast<const stbi_uc*>(png.data()), static_cast<int>(png.size()), &w, &hh, &n));
  CHECK(w == 1024);
  CHECK(hh == 683);
  CHECK(png.substr(0, 4) == "\x89PNG");

  CHECK(h.walk(R"w([{"tap": "Tiếp ›"}, {"expect": "Ảnh nhỏ"}, {"tap": "Chọn ảnh"}, {"tap": "small.jpg"},
                   {"expect": "Ảnh: small.jpg"}, {"tap": "Chọn ảnh"}, {"tap": "cut.jpg"},
                   {"expect": "Ảnh cut.jpg bị hỏng hoặc không trọn vẹn; chưa lưu gì."}, {"expect": "Ảnh: small.jpg"}])w") == "");
  stored = draft_attachments(h.db());
  CHECK(stored.size() == 2);
  CHECK(stored["small.jpg"] == small_bytes);  // the same bytes, so the same sha256
  CHECK(stored.count("cut.jpg") == 0);
  CHECK(only_draft_xml(h.db()).find("<small>small.jpg</small>") != std::string::npos);
}
