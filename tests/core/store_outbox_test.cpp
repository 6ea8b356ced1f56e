// The outbox (same transaction as the change, contiguous numbering), sync state, audit log.
#include <map>
#include <tuple>

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

TEST_CASE("store ack: a push answer for hundreds of submissions marks each sent once, with its audit row") {
  // ack_push settles the sent ones a chunk at a time (two statements per chunk); 405 is one full
  // chunk and a short last one whose padding repeats an id.
  khaosat::test::StoreFixture f;
  f.install();
  std::vector<std::string> ids;
  for (int i = 0; i < 405; ++i) ids.push_back(f.finalize(*f.filled("N" + std::to_string(i))).instance_id);
  auto entries = f.store->list_outbox();
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 405);
  PushAck ack;
  ack.through_seq = entries->back().seq;
  for (const std::string& id : ids) ack.submissions.push_back({id, id == ids[3], id == ids[3] ? "wrong commune" : ""});
  REQUIRE(f.store->ack_push(ack).ok());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto s = f.store->get_submission(ids[i]);
    REQUIRE(s.ok());
    CHECK(s->state == (i == 3 ? SubmissionState::Rejected : SubmissionState::Sent));
  }
  auto count = [&] {
    std::map<std::string, int> sent;
    int rejected = 0, acks = 0;
    for (const auto& a : f.store->audit_log().value()) {
      if (a.action == "submission.sent") ++sent[a.subject];
      if (a.action == "submission.rejected" && a.subject == ids[3] && a.detail == "wrong commune") ++rejected;
      if (a.action == "outbox.ack") ++acks;
    }
    return std::make_tuple(sent, rejected, acks);
  };
  auto [sent, rejected, acks] = count();
  CHECK(sent.size() == 404);
  for (const auto& [id, n] : sent) CHECK_MESSAGE(n == 1, id);
  CHECK(sent.count(ids[3]) == 0);
  CHECK(rejected == 1);
  CHECK(acks == 1);
  CHECK(f.store->outbox_acked().value() == ack.through_seq);
  // The same answer again (a retry after a lost acknowledgement) changes nothing.
  REQUIRE(f.store->ack_push(ack).ok());
  CHECK(count() == std::make_tuple(sent, rejected, acks));
}

TEST_CASE("store outbox: the push's read carries each submission's XML and attachments, and names what is missing") {
  khaosat::test::StoreFixture f;
  f.install();
  auto a = f.finalize(*f.filled("A"));
  REQUIRE(f.store->put_record(RegistryEdit{Registry::CraftVillage, "", {{"name", "Bản Hon"}}}).ok());
  auto s = f.filled("B");
  FinalizeRequest req;
  req.session = s.get();
  req.attachments.push_back(AttachmentInput{"z.txt", "", "zz"});
  req.attachments.push_back(AttachmentInput{"a.txt", "", "a"});
  auto b = f.store->finalize(req);
  REQUIRE_MESSAGE(b.ok(), message_of(b));
  auto c = f.finalize(*f.filled("C"));
  auto got = f.store->list_outbox_for_push(0, -1);
  REQUIRE_MESSAGE(got.ok(), message_of(got));
  REQUIRE(got->size() == 4);
  std::vector<std::pair<std::string, std::string>> expected = {{a.instance_id, a.form_id}, {"", ""},
                                                                {b->submission.instance_id, b->submission.form_id},
                                                                {c.instance_id, c.form_id}};
  for (std::size_t i = 0; i < got->size(); ++i) {
    CAPTURE(i);
    const OutboxPushEntry& e = got->at(i);
    CHECK(e.entry.seq == static_cast<std::int64_t>(i + 1));
    CHECK(e.form_id == expected[i].second);
    if (i == 1) {
      CHECK(e.entry.kind == "registry");
      CHECK(e.instance_xml.empty());
      continue;
    }
    CHECK(e.entry.subject == expected[i].first);
    auto sub = f.store->get_submission(e.entry.subject).value();
    CHECK(e.instance_xml == sub.instance_xml);
    CHECK(e.form_version == sub.form_version);
    CHECK(e.deprecated_id == sub.deprecated_id);
  }
  // B's attachments by name, with their sizes; the others have none.
  REQUIRE(got->at(2).attachments.size() == 2);
  CHECK(got->at(2).attachments[0].name == "a.txt");
  CHECK(got->at(2).attachments[0].size == 1);
  CHECK(got->at(2).attachments[0].sha256 == f.store->get_submission(b->submission.instance_id)->attachments[0].second);
  CHECK(got->at(2).attachments[1].name == "z.txt");
  CHECK(got->at(2).attachments[1].size == 2);
  CHECK(got->at(0).attachments.empty());
  CHECK(got->at(3).attachments.empty());
  // A range, as the push asks for it.
  auto range = f.store->list_outbox_for_push(2, 1);
  REQUIRE(range.ok());
  REQUIRE(range->size() == 1);
  CHECK(range->at(0).entry.seq == 3);
  CHECK(range->at(0).attachments.size() == 2);
  // A damaged store: C's content row is gone. The read names the submission instead of sending
  // an empty instance.
  khaosat::test::raw_sql(f.db_path, "DELETE FROM submission_content WHERE instance_id = '" + c.instance_id + "'");
  auto damaged = f.store->list_outbox_for_push(0, -1);
  REQUIRE_FALSE(damaged.ok());
  CHECK(damaged.error().code == ErrorCode::store_not_found);
  CHECK(damaged.error().message.find(c.instance_id) != std::string::npos);
}
