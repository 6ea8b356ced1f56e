// The app's enroll and sync screens against a real sync server (SyncServer over SQLite storage,
// served by HttpServer on loopback) with the built-in forms published: the app drives
// sync::SyncClient through StoreSync on a ThreadWorker, as the desktop app does, and the walks
// act on what is visible. Nothing here waits on the clock: a walk's expect waits while the app
// reports background work (App::busy()).
#include <condition_variable>
#include <mutex>

#include "ui/app_sync_fixture.hpp"

using namespace khaosat;
using namespace khaosat::test;

namespace {

// Holds every pull request until opened: a sync waits in its pull phase, its push done, for
// the screen to be looked at. Opened when it goes out of scope too, so a failed check does not
// leave the sync's thread waiting.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  void wait() {
    std::unique_lock lock(mu);
    cv.wait(lock, [this] { return open; });
  }
  void release() {
    {
      std::lock_guard lock(mu);
      open = true;
    }
    cv.notify_all();
  }
};
struct PullGate : sync::Transport {
  std::unique_ptr<sync::Transport> inner;
  std::shared_ptr<Gate> gate;
  PullGate(std::unique_ptr<sync::Transport> t, std::shared_ptr<Gate> g) : inner(std::move(t)), gate(std::move(g)) {}
  core::Result<sync::Response> send(const sync::Request& r, std::chrono::milliseconds timeout) override {
    if (r.path == "/v1/pull") gate->wait();
    return inner->send(r, timeout);
  }
};
struct OpenAtExit {
  std::shared_ptr<Gate> gate;
  ~OpenAtExit() { gate->release(); }
};

}  // namespace

TEST_CASE("app sync: while a sync runs, its bar shows the fraction, the surveys sent and the bytes, and the log each step") {
  LoopbackServer server;
  SyncingApp a;
  REQUIRE(a.walk(read(KHAOSAT_TESTS_DIR "/ui/walks/fill_form_a.json")) == "");
  REQUIRE(a.walk(enroll_walk(server.url, server.code(), R"({"expect": "Chưa đồng bộ lần nào"})")) == "");
  auto gate = std::make_shared<Gate>();
  OpenAtExit opens{gate};
  a.wrap_transport = [gate](std::unique_ptr<sync::Transport> t) -> std::unique_ptr<sync::Transport> {
    return std::make_unique<PullGate>(std::move(t), gate);
  };
  // Pushed (form A's registry edit and the survey: 2 outbox rows), held in the pull request: the
  // push is the first 80% of the bar.
  CHECK(a.walk(R"([{"tap": "Đồng bộ ngay"}, {"expect": "Đang đồng bộ…"}, {"expect": "Phiếu đã gửi: 2/2"},
                   {"expect": "80%"}, {"expect": "Đã truyền: "}, {"expect": " lên, "},
                   {"expect": "Bắt đầu đồng bộ: 2 phiếu chờ gửi"}, {"expect": "Đã gửi 2/2"}])") == "");
  ui::SyncProgress p = a.store_sync->progress();
  CHECK(p.running);
  CHECK(p.fraction == doctest::Approx(0.8));
  CHECK(p.records_sent == 2);
  CHECK(p.bytes_up > 0);
  CHECK(p.bytes_down > 0);
  gate->release();
  CHECK(a.walk(R"([{"expect": "Xong: 1 nhận"}, {"expect": "Đã gửi 2/2"}, {"expect": "Chờ gửi: 0 phiếu"}])") == "");
  CHECK(a.walk(R"([{"expect": "80%"}])") != "");  // the bar goes once the sync is over
  CHECK(a.walk(R"([{"expect": "Đã truyền: "}])") != "");
}

TEST_CASE("app sync: a survey filled before enrolling is kept, enrolled, synced, and shown as sent") {
  LoopbackServer server;
  SyncingApp a;
  // Work offline first, as an officer may for weeks before meeting the office.
  REQUIRE(a.walk(read(KHAOSAT_TESTS_DIR "/ui/walks/fill_form_a.json")) == "");
  // A wrong code: said in Vietnamese, nothing lost, the form stays to correct.
  CHECK(a.walk(enroll_walk(server.url, "SAI-MA-0000", R"({"expect": "Mã đăng ký sai"})")) == "");
  CHECK_FALSE(a.store_sync->enrolled());
  std::string code = server.code();
  CHECK(a.walk(R"([{"tap": "Mã đăng ký"}, {"type": ")" + code +
               R"("}, {"tap": "Kết nối máy chủ"}, {"expect": "Đã kết nối: )" + server.url +
               R"("}, {"expect": "Chưa đồng bộ lần nào"}, {"expect": "Chờ gửi: 1 phiếu"}])") == "");
  CHECK(a.store_sync->enrolled());
  {
    auto s = a.store();
    CHECK(s->list_submissions()->size() == 1);  // enrolling kept the finalized survey
  }
  ::setenv("TZ", "ICT-7", 1);  // the device's local time: Vietnam, UTC+7
  CHECK(a.walk(R"([{"tap": "Đồng bộ ngay"}, {"expect": "Đồng bộ lần cuối"}, {"expect": "Chờ gửi: 0 phiếu"},
                   {"expect": "Xong: 1 nhận"}, {"expect": "Sổ đăng ký: đã gửi 1 thay đổi"}])") == "");
  ui::SyncProgress p = a.store_sync->progress();
  CHECK(p.last_error == "");
  // Two outbox rows for one survey: form A's entity (the establishment's registry edit), then the
  // submission. The log counts the survey as one; the progress bar counts rows.
  CHECK(p.records_sent == 2);
  CHECK(p.records_total == 2);
  REQUIRE(p.last_success_ms > 0);
  CHECK(a.walk(R"([{"expect": ")" + at_utc7(p.last_success_ms) + R"("}])") == "");
  ::setenv("TZ", "UTC", 1);
  // The server has it; the device marks it sent, and the saved-surveys tab says so.
  {
    auto s = a.store();
    auto subs = s->list_submissions();
    REQUIRE(subs->size() == 1);
    CHECK((*subs)[0].state == core::SubmissionState::Sent);
  }
  CHECK(a.walk(R"([{"back": true}, {"tap": "Phiếu đã lưu"}, {"expect": "đã gửi"}])") == "");
}

TEST_CASE("app sync: a malformed address and an unreachable server are explained, in both languages") {
  SyncingApp a;
  CHECK(a.walk(enroll_walk("192.168.1.10:8742", "ABCD", R"({"expect": "Địa chỉ máy chủ không hợp lệ"})")) == "");
  // Port 1 on loopback: nothing listens; the client retries (without sleeping) and gives up.
  CHECK(a.walk(R"([{"tap": "Địa chỉ máy chủ"}, {"type": "http://127.0.0.1:1"}, {"tap": "Kết nối máy chủ"},
                   {"expect": "Không kết nối được máy chủ"}])") == "");
  CHECK_FALSE(a.store_sync->enrolled());
  a.store_sync->set_language(ui::Lang::En);
  auto st = a.store_sync->enroll("ftp://x", "ABCD");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("Not a server address") != std::string::npos);
  CHECK_FALSE(a.store_sync->enroll("http://127.0.0.1:1", "  ").ok());
}

TEST_CASE("app sync: the saved surveys show a survey the office rejected after receiving it, with its reason") {
  LoopbackServer server;
  SyncingApp a;
  REQUIRE(a.walk(read(KHAOSAT_TESTS_DIR "/ui/walks/fill_form_a.json")) == "");
  CHECK(a.walk(R"w([{"tap": "Phiếu đã lưu"}, {"expect": "Chờ gửi (1)"}, {"expect": "Đã gửi (0)"},
                   {"expect": "Bị từ chối (0)"}, {"expect": "chờ gửi"}, {"tap": "Đã gửi (0)"},
                   {"expect": "Chưa gửi phiếu nào."}, {"back": true}])w") == "");
  CHECK(a.walk(enroll_walk(server.url, server.code(),
                           R"w({"expect": "Đã kết nối"}, {"tap": "Đồng bộ ngay"}, {"expect": "Xong: 1 nhận"},
                              {"expect": "Chờ gửi: 0 phiếu"})w")) == "");
  std::string id;
  {
    auto s = a.store();
    auto subs = s->list_submissions();
    REQUIRE(subs->size() == 1);
    REQUIRE((*subs)[0].state == core::SubmissionState::Sent);
    id = (*subs)[0].instance_id;
  }
  // The office rejects it (khaosat-server review --state rejected does this); the device learns
  // it at its next sync, by pull.
  REQUIRE(server.storage->add_review({id, "rejected", "Thiếu ảnh cơ sở sản xuất", "office-test", 1764979200000}).ok());
  CHECK(a.walk(R"w([{"tap": "Đồng bộ ngay"}, {"expect": "Đã tải về 1 thay đổi"}, {"back": true},
                   {"expect": "1 phiếu bị từ chối"}, {"tap": "Phiếu đã lưu"}, {"expect": "Bị từ chối (1)"},
                   {"expect": "Đã gửi (0)"}, {"expect": "HTX Chè Bình Lư"}, {"expect": "Bị từ chối lúc"},
                   {"expect": "Lý do của văn phòng: Thiếu ảnh cơ sở sản xuất"}])w") == "");
  {
    auto s = a.store();
    auto subs = s->list_submissions();
    REQUIRE(subs->size() == 1);
    CHECK((*subs)[0].state == core::SubmissionState::Rejected);
    CHECK((*subs)[0].reject_reason == "Thiếu ảnh cơ sở sản xuất");
  }
  // Each tab lists its own: the drafts tab is empty, and so is the waiting one.
  CHECK(a.walk(R"w([{"tap": "Nháp (0)"}, {"expect": "Không có bản nháp."}, {"tap": "Chờ gửi (0)"},
                   {"expect": "Không có phiếu nào chờ gửi."}])w") == "");
}

TEST_CASE("app sync: the saved surveys show the office's approval, and its note when it found issues") {
  LoopbackServer server;
  SyncingApp a;
  REQUIRE(a.walk(read(KHAOSAT_TESTS_DIR "/ui/walks/fill_form_a.json")) == "");
  REQUIRE(a.walk(enroll_walk(server.url, server.code(),
                             R"w({"expect": "Đã kết nối"}, {"tap": "Đồng bộ ngay"}, {"expect": "Xong: 1 nhận"},
                                {"back": true})w")) == "");
  std::string id = a.store()->list_submissions()->at(0).instance_id;
  // Nothing from the office yet.
  CHECK(a.walk(R"w([{"tap": "Phiếu đã lưu"}, {"tap": "Đã gửi (1)"}, {"expect": "HTX Chè Bình Lư"}])w") == "");
  CHECK(a.walk(R"([{"expect": "Văn phòng"}])") != "");
  REQUIRE(server.storage->add_review({id, "has_issues", "Thiếu số điện thoại", "office-test", 1764979200000}).ok());
  CHECK(a.walk(R"w([{"back": true}, {"tap": "Đồng bộ"}, {"tap": "Đồng bộ ngay"}, {"expect": "Đã tải về 1 thay đổi"},
                   {"back": true}, {"tap": "Phiếu đã lưu"}, {"tap": "Đã gửi (1)"},
                   {"expect": "Văn phòng ghi chú cần xem lại: Thiếu số điện thoại"}])w") == "");
  REQUIRE(server.storage->add_review({id, "approved", "", "office-test", 1764979300000}).ok());
  CHECK(a.walk(R"w([{"back": true}, {"tap": "Cài đặt"}, {"tap": "English"}, {"back": true}, {"tap": "Sync"},
                   {"tap": "Sync now"}, {"expect": "Downloaded 1 changes"}, {"back": true}, {"tap": "Saved surveys"},
                   {"tap": "Sent (1)"}, {"expect": "Approved by the office"}])w") == "");
  CHECK(a.walk(R"([{"expect": "noted issues"}])") != "");
  // The review is inside the survey's row (its card), not under it.
  const ui::VisibleItem *card = nullptr, *review = nullptr;
  for (const auto& item : a.app->probe().items) {
    if (item.text == "HTX Chè Bình Lư") card = &item;
    if (item.text == "Approved by the office") review = &item;
  }
  REQUIRE(card);
  REQUIRE(review);
  CHECK(review->y0 >= card->y0);
  CHECK(review->y1 <= card->y1);
}
