// Migrations of the golden databases in tests/fixtures/store/ (see its README): files made by
// each released schema version, not by today's migration code. Each opens, upgrades to the
// latest version, keeps every row and attachment, passes check() and works on.
#include <sqlite3.h>

#include <filesystem>

#include "core/store_fixture.hpp"
#include "store/store_impl.hpp"

using namespace khaosat::core;
using khaosat::test::message_of;
using khaosat::test::ScopedDir;
namespace fs = std::filesystem;

namespace {

const fs::path kGolden = fs::path(KHAOSAT_TESTS_DIR) / "fixtures" / "store";

int user_version(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  int v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

}  // namespace

TEST_CASE("store golden: every released schema version opens, upgrades and keeps its data") {
  int versions = 0;
  for (int version = 1; version <= Store::kSchemaVersion; ++version) {
    CAPTURE(version);
    fs::path src = kGolden / ("v" + std::to_string(version));
    REQUIRE_MESSAGE(fs::exists(src / "device.db"), "no golden database for schema version "
                                                        << version << " in " << src.string());
    ++versions;
    ScopedDir dir;
    fs::copy(src, dir.path(), fs::copy_options::recursive);
    std::string path = (dir.path() / "device.db").string();
    REQUIRE(user_version(path) == version);

    khaosat::test::FakeEnv fake;
    StoreOptions o;
    o.env = fake.env();
    auto opened = Store::open(path, o);
    REQUIRE_MESSAGE(opened.ok(), message_of(opened));
    Store& s = **opened;
    CHECK(user_version(path) == Store::kSchemaVersion);
    auto c = s.check();
    REQUIRE(c.ok());
    std::string problems;
    for (const auto& p : c->problems) problems += p + "\n";
    CHECK_MESSAGE(c->ok(), problems);
    CHECK(c->submissions == 2);
    CHECK(c->drafts == 1);
    CHECK(c->attachments == 1);
    CHECK(c->outbox == 2);

    // The rows as the old version stored them.
    auto subs = s.list_submissions();
    REQUIRE(subs.ok());
    REQUIRE(subs->size() == 2);
    auto first = s.get_submission((*subs)[0].instance_id);
    REQUIRE(first.ok());
    CHECK(first->instance_xml.find("<name>Chè Tân Uyên</name>") != std::string::npos);
    CHECK(first->instance_xml.find("<pname>mật ong</pname>") != std::string::npos);
    CHECK(first->sha256 == sha256_hex(first->instance_xml));
    REQUIRE(first->attachments.size() == 1);
    CHECK(first->attachments[0].first == "front.jpg");
    auto att = s.get_attachment(first->attachments[0].second);
    REQUIRE(att.ok());
    CHECK(att->size == 39);
    auto second = s.get_submission((*subs)[1].instance_id);
    REQUIRE(second.ok());
    CHECK(second->instance_xml.find("<name>Mường So</name>") != std::string::npos);
    auto outbox = s.list_outbox();
    REQUIRE(outbox.ok());
    REQUIRE(outbox->size() == 2);
    CHECK((*outbox)[0].subject == first->instance_id);
    CHECK((*outbox)[1].subject == second->instance_id);

    // The audit log: version 2 recorded each change; an upgrade from version 1 starts it with
    // what version 1 had recorded (two finalizes, a draft).
    auto log = s.audit_log();
    REQUIRE(log.ok());
    std::string actions;
    for (const auto& a : *log) actions += a.action + " ";
    if (version == 1)
      CHECK(actions == "submission.finalize submission.finalize draft.create ");
    else
      CHECK(actions.find("submission.finalize submission.finalize ") != std::string::npos);

    // And the store works on: the draft restores and finalizes, the outbox numbering goes on.
    auto drafts = s.list_drafts();
    REQUIRE(drafts.ok());
    REQUIRE(drafts->size() == 1);
    auto restored = s.restore_draft((*drafts)[0].draft_id);
    REQUIRE_MESSAGE(restored.ok(), message_of(restored));
    REQUIRE(restored->session->answer("/data/name", "Sìn Hồ").ok());
    FinalizeRequest req;
    req.session = restored->session.get();
    req.draft_id = (*drafts)[0].draft_id;
    auto fin = s.finalize(req);
    REQUIRE_MESSAGE(fin.ok(), message_of(fin));
    CHECK(fin->finalized);
    CHECK(s.get_submission(fin->submission.instance_id)->attachments.size() == 1);
    CHECK(s.list_outbox()->back().seq == 3);
    auto after = s.check();
    REQUIRE(after.ok());
    CHECK(after->ok());
    // Other devices' names (version 5): none known after an upgrade, a pull names them.
    CHECK_FALSE(s.known_device("dev-2").value().has_value());
    PullPage named;
    named.cursor_name = "server";
    named.cursor = "c-1";
    named.devices = {{"dev-2", "Lò Văn A", {"muong_kim"}}};
    REQUIRE(s.apply_pull(named).ok());
    CHECK(s.known_device("dev-2").value()->name == "Lò Văn A");
  }
  CHECK(versions == Store::kSchemaVersion);
}
