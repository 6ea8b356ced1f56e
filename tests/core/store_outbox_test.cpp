// The outbox (same transaction as the change, contiguous numbering), sync state, audit log.
#include <nlohmann/json.hpp>

#include "core/store_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::message_of;

TEST_CASE("store outbox: every change that must reach the server is numbered 1, 2, 3... with no gap") {
  khaosat::test::StoreFixture f;
  f.install();
  f.finalize(*f.filled("A"));
  auto invalid = f.session();  // not stored: no outbox entry, no number used
  FinalizeRequest req;
  req.session = invalid.get();
  REQUIRE_FALSE(f.store->finalize(req)->finalized);
  REQUIRE(f.store->put_record(RegistryEdit{Registry::CraftVillage, "", {{"name", "Bản Hon"}}}).ok());
  REQUIRE(f.store->save_draft(DraftSave{"", f.filled("draft only").get(), ""}).ok());  // not sent
  auto b = f.finalize(*f.filled("B"));
  REQUIRE(f.store->mark_sent(b.instance_id).ok());  // the server's news, not ours to send
  auto dup = f.filled("C");
  f.finalize(*dup);
  FinalizeRequest again;
  again.session = dup.get();
  REQUIRE_FALSE(f.store->finalize(again).ok());  // a failed change uses no number
  f.finalize(*f.filled("D"));
  auto list = f.store->list_outbox();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 5);
  std::string kinds;
  for (std::size_t i = 0; i < list->size(); ++i) {
    CHECK(list->at(i).seq == static_cast<std::int64_t>(i + 1));
    kinds += list->at(i).kind + " ";
  }
  CHECK(kinds == "submission registry submission submission submission ");
  CHECK(f.store->list_outbox(3)->size() == 2);
  CHECK(f.store->list_outbox(0, 2)->size() == 2);
  REQUIRE(f.store->ack_outbox(2).ok());
  auto acked = f.store->list_outbox();
  CHECK(acked->at(1).acked_at.has_value());
  CHECK_FALSE(acked->at(2).acked_at.has_value());
  f.reopen();
  f.finalize(*f.filled("E"));
  CHECK(f.store->list_outbox()->back().seq == 6);
  CHECK(f.store->check()->ok());
}

TEST_CASE("store sync state: cursors persist, the audit log names who did what") {
  khaosat::test::StoreFixture f;
  CHECK(f.store->cursor("registry").value() == "");
  REQUIRE(f.store->set_cursor("registry", "c-0042").ok());
  f.reopen();
  CHECK(f.store->cursor("registry").value() == "c-0042");
  f.install();
  auto sub = f.finalize(*f.filled("A"));
  REQUIRE(f.store->mark_rejected(sub.instance_id, "wrong commune").ok());
  auto log = f.store->audit_log();
  REQUIRE(log.ok());
  std::string actions;
  for (const auto& a : *log) {
    actions += a.action + " ";
    CHECK(a.actor == "tester");
    CHECK(a.at > 0);
  }
  CHECK(actions == "form.install submission.finalize submission.rejected ");
  CHECK(log->back().detail == "wrong commune");
  CHECK(log->back().subject == sub.instance_id);
}

TEST_CASE("store outbox: a push counts what is left and reads its batch from one snapshot") {
  khaosat::test::StoreFixture f;
  f.install();
  f.finalize(*f.filled("A"));
  f.finalize(*f.filled("B"));
  CHECK(f.store->outbox_count(0).value() == 2);
  CHECK(f.store->outbox_count(1).value() == 1);
  CHECK(f.store->outbox_count(2).value() == 0);
  // Another connection adds an outbox entry while the snapshot is open: the reader does not see
  // it until the snapshot ends.
  auto other = Store::open(f.db_path, f.options());
  REQUIRE(other.ok());
  std::int64_t before = -1, during = -1;
  Status st = f.store->read_snapshot([&]() -> Status {
    before = f.store->outbox_count(0).value();
    REQUIRE((*other)->put_record(RegistryEdit{Registry::CraftVillage, "", {{"name", "Bản Hon"}}}).ok());
    during = f.store->outbox_count(0).value();
    return Error::make(ErrorCode::store_invalid, "the reader's own error");
  });
  CHECK(before == 2);
  CHECK(during == 2);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message == "the reader's own error");
  CHECK(f.store->outbox_count(0).value() == 3);
  CHECK(f.store->read_snapshot([] { return ok_status(); }).ok());
}
