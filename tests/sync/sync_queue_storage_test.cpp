// The office's queue in the server storage (schema 3; storage_queue.cpp, sqlite_storage_queue.cpp,
// pg_storage_queue.cpp): merging registry records (histories and linked submissions kept, the
// merge pulled by devices), marking records distinct, resolving registry and submission
// conflicts, each refusal storing nothing, and a schema-2 data folder migrated. Run over SQLite
// and, as pg.sync …, over PostgreSQL (the PostgreSQL 2 -> 3 migration is in sync_pg_test.cpp).
#include "sync/sync_fixture.hpp"

namespace khaosat::test {
namespace {

// Writes into the fixture's storage as devices would (push), without the HTTP layer: devices
// enrolled directly, registry edits with chosen HLCs and bases, submissions with chosen XML.
struct Desk {
  ServerFixture server;
  std::map<std::string, std::int64_t> seq;

  void enroll(const std::string& device) {
    std::string secret = sync::sha256_hex("enroll " + device);
    REQUIRE(server.storage->add_enrollment(secret, {"officer", device, {}, 1LL << 50}).ok());
    REQUIRE(server.storage->redeem_enrollment(secret, device, device, sync::sha256_hex("t-" + device), 1).ok());
  }
  sync::PushAnswer push(const std::string& device, sync::PushRecord rec) {
    if (!seq.count(device)) enroll(device);
    rec.seq = ++seq[device];
    sync::PushBatch b{device, rec.seq, rec.seq, {rec}};
    std::vector<sync::CheckedRecord> checked{{&b.records[0], sync::sha256_hex(rec.xml), ""}};
    auto a = server.storage->push(device, b, checked, 1000 + rec.seq);
    REQUIRE_MESSAGE(a.ok(), message_of(a));
    return *a;
  }
  // A registry edit: properties as (key, value, hlc), with the bases of the versions replaced.
  void edit(const std::string& device, const std::string& registry, const std::string& id,
            std::vector<std::tuple<std::string, std::string, std::string>> set,
            std::map<std::string, std::string> base = {}) {
    sync::PushRecord r;
    r.kind = "registry";
    r.registry = registry;
    r.id = id;
    for (auto& [k, v, h] : set) r.set.emplace_back(k, core::RegistryProperty{v, h});
    r.base = std::move(base);
    auto a = push(device, r);
    REQUIRE(a.results.size() == 1);
    REQUIRE_MESSAGE(a.results[0].status == sync::RecordStatus::Accepted, a.results[0].reason);
  }
  // A submission of the fixture's form naming `entity` ("" = none) as its entity.
  sync::RecordStatus submit(const std::string& device, const std::string& instance, const std::string& entity,
                            const std::string& name = "x") {
    sync::PushRecord r;
    r.kind = "submission";
    r.id = instance;
    r.form_id = "survey";
    r.form_version = "1";
    r.xml = "<data id=\"survey\"><name>" + name + "</name><meta><instanceID>" + instance + "</instanceID>" +
            (entity.empty() ? "" : "<entity dataset=\"establishments\" id=\"" + entity + "\"/>") + "</meta></data>";
    return push(device, r).results.at(0).status;
  }
  sync::QueueDecision merge(const std::string& keep, const std::string& gone) {
    return {0, "merge", {keep, gone}, 0, "", "", "same shop", "lan", 50};
  }
  std::optional<core::PulledRecord> record(core::Registry reg, const std::string& id) {
    auto all = server.storage->registry(reg);
    REQUIRE(all.ok());
    for (auto& s : *all)
      if (s.record.record_id == id) return s.record;
    return std::nullopt;
  }
  std::size_t decisions() { return server.storage->queue_decisions().value().size(); }
};

std::string hlc(int ms, const std::string& node) { return core::Hlc{1700000000000 + ms, 0, node}.to_string(); }

std::string value_of(const core::PulledRecord& r, const std::string& key) {
  for (const auto& [k, p] : r.properties)
    if (k == key) return p.value;
  return "";
}

const core::PulledRecord* find(const std::vector<core::PulledRecord>& rs, const std::string& id) {
  for (const auto& r : rs)
    if (r.record_id == id) return &r;
  return nullptr;
}

TEST_CASE("sync storage: queue merge keeps both records and every linked submission, and devices pull it") {
  Desk d;
  d.edit("dev1", "establishment", "est-a", {{"name", "Chè Tân Uyên", hlc(1, "dev1")}, {"phone", "0912", hlc(1, "dev1")}});
  d.edit("dev1", "establishment", "est-b", {{"name", "Che Tan Uyen", hlc(2, "dev1")}, {"tax_code", "123", hlc(2, "dev1")}});
  d.edit("dev1", "cooperative", "coop-c", {{"name", "HTX Tân Uyên", hlc(3, "dev1")}});
  REQUIRE(d.submit("dev1", "uuid:s1", "est-a") == sync::RecordStatus::Accepted);
  REQUIRE(d.submit("dev1", "uuid:s2", "est-b") == sync::RecordStatus::Accepted);
  REQUIRE(d.submit("dev1", "uuid:s3", "") == sync::RecordStatus::Accepted);
  REQUIRE(d.submit("dev1", "uuid:s4", "est-b-other", "mentions est-b") == sync::RecordStatus::Accepted);
  // A device that pulled everything before the merge.
  auto before = d.server.storage->pull("dev1", "", 100);
  REQUIRE(before.ok());
  REQUIRE_FALSE(before->more);

  auto refused = [&](sync::QueueDecision q, core::ErrorCode code, const std::string& words) {
    std::string was = d.server.dump();
    auto r = d.server.storage->record_decision(q);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == code);
    CHECK_MESSAGE(r.error().message.find(words) != std::string::npos, r.error().message);
    CHECK(d.server.dump() == was);
    CHECK(d.decisions() == 0);
  };
  refused(d.merge("est-a", "est-a"), core::ErrorCode::sync_request, "into itself");
  refused(d.merge("est-a", "nobody"), core::ErrorCode::sync_not_found, "no registry record 'nobody'");
  refused(d.merge("nobody", "est-a"), core::ErrorCode::sync_not_found, "no registry record 'nobody'");
  refused(d.merge("est-a", "coop-c"), core::ErrorCode::sync_request, "only records of one registry");
  auto nobody = d.merge("est-a", "est-b");
  nobody.by = "";
  refused(nobody, core::ErrorCode::sync_request, "--by");

  auto done = d.server.storage->record_decision(d.merge("est-a", "est-b"));
  REQUIRE_MESSAGE(done.ok(), message_of(done));
  CHECK(done->id > 0);
  // The merged record is kept, whole, marked; the survivor is untouched.
  auto b = d.record(core::Registry::Establishment, "est-b");
  REQUIRE(b);
  CHECK(b->merged_into == "est-a");
  CHECK(value_of(*b, "tax_code") == "123");
  CHECK(value_of(*b, "name") == "Che Tan Uyen");
  auto a = d.record(core::Registry::Establishment, "est-a");
  REQUIRE(a);
  CHECK(a->merged_into.empty());
  CHECK(value_of(*a, "phone") == "0912");
  // Submissions about the survivor include the merged record's; s4 only mentions est-b in text.
  auto about = d.server.storage->submissions_about("est-a");
  REQUIRE_MESSAGE(about.ok(), message_of(about));
  CHECK(*about == std::vector<std::string>{"uuid:s1", "uuid:s2"});
  CHECK(d.server.storage->submissions_about("est-b").value() == std::vector<std::string>{"uuid:s2"});
  CHECK(d.server.storage->submissions_about("nobody").error().code == core::ErrorCode::sync_not_found);

  // Merging into a merged record, or merging it again, is refused.
  std::string was = d.server.dump();
  auto into_merged = d.server.storage->record_decision(d.merge("est-b", "est-a"));
  REQUIRE_FALSE(into_merged.ok());
  CHECK(into_merged.error().message.find("was merged into est-a already") != std::string::npos);
  auto again = d.server.storage->record_decision(d.merge("est-a", "est-b"));
  REQUIRE_FALSE(again.ok());
  CHECK(d.server.dump() == was);
  CHECK(d.decisions() == 1);

  // Devices learn it: from the log (pulled before) and in a new device's snapshot. dev1, which
  // pushed every property, gets the mark alone (its own edits do not come back to it).
  auto own = d.server.storage->pull("dev1", before->page.cursor, 100);
  REQUIRE(own.ok());
  REQUIRE(own->page.records.size() == 1);
  CHECK(own->page.records[0].record_id == "est-b");
  CHECK(own->page.records[0].merged_into == "est-a");
  CHECK(own->page.records[0].properties.empty());
  auto after = d.server.storage->pull("dev9", before->page.cursor, 100);
  REQUIRE(after.ok());
  REQUIRE(after->page.records.size() == 1);
  CHECK(after->page.records[0].record_id == "est-b");
  CHECK(after->page.records[0].merged_into == "est-a");
  CHECK(value_of(after->page.records[0], "tax_code") == "123");
  auto snap = d.server.storage->pull("dev9", "", 100);
  REQUIRE(snap.ok());
  REQUIRE(find(snap->page.records, "est-b"));
  CHECK(find(snap->page.records, "est-b")->merged_into == "est-a");
  CHECK(find(snap->page.records, "est-a")->merged_into.empty());
  // A later edit of the merged record (a device that had not pulled yet) keeps the mark.
  d.edit("dev2", "establishment", "est-b", {{"phone", "0999", hlc(9, "dev2")}});
  auto late = d.server.storage->pull("dev1", after->page.cursor, 100);
  REQUIRE(late.ok());
  REQUIRE(late->page.records.size() == 1);
  CHECK(late->page.records[0].merged_into == "est-a");
  CHECK(value_of(late->page.records[0], "phone") == "0999");

  auto trail = d.server.storage->queue_decisions();
  REQUIRE(trail.ok());
  REQUIRE(trail->size() == 1);
  CHECK((*trail)[0].kind == "merge");
  CHECK((*trail)[0].records == std::vector<std::string>{"est-a", "est-b"});
  CHECK((*trail)[0].by == "lan");
  CHECK((*trail)[0].reason == "same shop");
  CHECK((*trail)[0].at == 50);
  // Another connection (the CLI beside `serve`) reads the same.
  CHECK(d.server.open_again()->queue_decisions().value().size() == 1);
}

TEST_CASE("sync storage: queue distinct records the group and refuses what is not one") {
  Desk d;
  d.edit("dev1", "establishment", "e1", {{"name", "Lò rèn", hlc(1, "dev1")}, {"phone", "0912 111 222", hlc(1, "dev1")}});
  d.edit("dev1", "establishment", "e2", {{"name", "Lo ren", hlc(2, "dev1")}, {"phone", "+84912111222", hlc(2, "dev1")}});
  d.edit("dev1", "cooperative", "c1", {{"name", "Lo ren", hlc(3, "dev1")}});
  auto q = [](std::vector<std::string> ids, std::string match = "phone", std::string key = "0912111222") {
    return sync::QueueDecision{0, "distinct", std::move(ids), 0, std::move(match), std::move(key), "two shops", "minh", 60};
  };
  for (auto [bad, code, words] : std::vector<std::tuple<sync::QueueDecision, core::ErrorCode, std::string>>{
           {q({"e1"}), core::ErrorCode::sync_request, "two or more"},
           {q({"e1", "e1"}), core::ErrorCode::sync_request, "named twice"},
           {q({"e1", "zz"}), core::ErrorCode::sync_not_found, "'zz'"},
           {q({"e1", "c1"}), core::ErrorCode::sync_request, "cooperative"},
           {q({"e1", "e2"}, "colour"), core::ErrorCode::sync_request, "'colour'"},
           {q({"e1", "e2"}, "phone", ""), core::ErrorCode::sync_request, "key"},
       }) {
    auto r = d.server.storage->record_decision(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == code);
    CHECK_MESSAGE(r.error().message.find(words) != std::string::npos, r.error().message);
  }
  CHECK(d.decisions() == 0);
  auto ok = d.server.storage->record_decision(q({"e1", "e2"}));
  REQUIRE_MESSAGE(ok.ok(), message_of(ok));
  auto trail = d.server.storage->queue_decisions().value();
  REQUIRE(trail.size() == 1);
  CHECK(trail[0].kind == "distinct");
  CHECK(trail[0].choice == "phone");
  CHECK(trail[0].value == "0912111222");
  CHECK(trail[0].records == std::vector<std::string>{"e1", "e2"});
  // Records stay as they were.
  CHECK(d.record(core::Registry::Establishment, "e1")->merged_into.empty());
}

TEST_CASE("sync storage: queue resolves a registry conflict with a server-stamped edit, once") {
  Desk d;
  d.edit("dev1", "establishment", "e1", {{"name", "Lò rèn", hlc(1, "dev1")}, {"phone", "0912", hlc(1, "dev1")}});
  // dev2 edits after seeing dev1's version; dev1 edits again from its first version: concurrent.
  d.edit("dev2", "establishment", "e1", {{"phone", "0915", hlc(5, "dev2")}}, {{"phone", hlc(1, "dev1")}});
  d.edit("dev1", "establishment", "e1", {{"phone", "0916", hlc(7, "dev1")}}, {{"phone", hlc(1, "dev1")}});
  d.edit("dev2", "establishment", "e1", {{"name", "Lò rèn A", hlc(8, "dev2")}}, {{"name", hlc(1, "dev1")}});
  d.edit("dev1", "establishment", "e1", {{"name", "Lò rèn B", hlc(9, "dev1")}}, {{"name", hlc(1, "dev1")}});
  auto conflicts = d.server.storage->registry_conflicts();
  REQUIRE(conflicts.ok());
  REQUIRE(conflicts->size() == 2);
  const auto phone = (*conflicts)[0], name = (*conflicts)[1];
  CHECK(phone.property == "phone");
  CHECK(phone.kept.value == "0916");
  CHECK(phone.other.value == "0915");
  CHECK(phone.open);
  CHECK(phone.id != name.id);
  auto cursor = d.server.storage->pull("dev2", "", 100).value().page.cursor;

  auto q = [](std::int64_t id, std::string choice, std::string value = "") {
    return sync::QueueDecision{0, "registry_conflict", {}, id, std::move(choice), std::move(value), "called them", "lan", 70};
  };
  std::string was = d.server.dump();
  CHECK(d.server.storage->record_decision(q(999999, "other")).error().code == core::ErrorCode::sync_not_found);
  CHECK(d.server.storage->record_decision(q(phone.id, "other", "0000")).error().message.find("not both") != std::string::npos);
  CHECK(d.server.storage->record_decision(q(phone.id, "newest")).error().code == core::ErrorCode::sync_request);
  CHECK(d.server.dump() == was);

  auto done = d.server.storage->record_decision(q(phone.id, "other"));
  REQUIRE_MESSAGE(done.ok(), message_of(done));
  CHECK(done->value == "0915");
  auto rec = d.record(core::Registry::Establishment, "e1");
  CHECK(value_of(*rec, "phone") == "0915");
  // The value's version is the server's and orders after every device's edit of the property.
  std::string stamp;
  for (const auto& [k, p] : rec->properties)
    if (k == "phone") stamp = p.hlc;
  auto h = core::Hlc::parse(stamp);
  REQUIRE(h);
  CHECK(h->node == "server");
  CHECK(*core::Hlc::parse(hlc(7, "dev1")) < *h);
  // Devices get it by pull.
  auto page = d.server.storage->pull("dev2", cursor, 100);
  REQUIRE(page.ok());
  REQUIRE(page->page.records.size() == 1);
  CHECK(value_of(page->page.records[0], "phone") == "0915");
  // Closed; a second resolution is refused; the other conflict stays open.
  auto after = d.server.storage->registry_conflicts().value();
  CHECK_FALSE(after[0].open);
  CHECK(after[1].open);
  auto twice = d.server.storage->record_decision(q(phone.id, "kept"));
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().message.find("resolved already") != std::string::npos);
  // A value of the office's own.
  auto own = d.server.storage->record_decision(q(name.id, "value", "Lò rèn Tân Uyên"));
  REQUIRE_MESSAGE(own.ok(), message_of(own));
  CHECK(value_of(*d.record(core::Registry::Establishment, "e1"), "name") == "Lò rèn Tân Uyên");
  CHECK(d.decisions() == 2);
}

TEST_CASE("sync storage: queue lists submission conflicts with both versions and resolves one, keeping both") {
  Desk d;
  REQUIRE(d.submit("dev1", "uuid:s1", "", "first") == sync::RecordStatus::Accepted);
  REQUIRE(d.submit("dev2", "uuid:s1", "", "second") == sync::RecordStatus::Conflict);
  auto list = d.server.storage->submission_conflicts();
  REQUIRE_MESSAGE(list.ok(), message_of(list));
  REQUIRE(list->size() == 1);
  auto c = (*list)[0];
  CHECK(c.instance_id == "uuid:s1");
  CHECK(c.form_id == "survey");
  CHECK(c.stored.device_id == "dev1");
  CHECK(c.other.device_id == "dev2");
  CHECK(c.stored.sha256 != c.other.sha256);
  CHECK(c.stored.received_at > 0);
  CHECK(c.open);

  auto q = [](std::int64_t id, std::string choice) {
    return sync::QueueDecision{0, "submission_conflict", {}, id, std::move(choice), "", "dev2 is the later visit", "lan", 80};
  };
  std::string was = d.server.dump();
  CHECK(d.server.storage->record_decision(q(c.id + 100, "other")).error().code == core::ErrorCode::sync_not_found);
  CHECK(d.server.storage->record_decision(q(c.id, "newest")).error().code == core::ErrorCode::sync_request);
  CHECK(d.server.dump() == was);
  auto done = d.server.storage->record_decision(q(c.id, "other"));
  REQUIRE_MESSAGE(done.ok(), message_of(done));
  CHECK(done->value == c.other.sha256);
  // The kept version is the submission now; the other stays readable in the conflict.
  auto subs = d.server.storage->submissions("survey").value();
  REQUIRE(subs.size() == 1);
  CHECK(subs[0].sha256 == c.other.sha256);
  CHECK(subs[0].xml.find("second") != std::string::npos);
  auto after = d.server.storage->submission_conflicts().value();
  REQUIRE(after.size() == 1);
  CHECK_FALSE(after[0].open);
  CHECK(after[0].stored.sha256 == c.other.sha256);
  CHECK(after[0].other.sha256 == c.stored.sha256);
  CHECK(d.server.storage->record_decision(q(c.id, "stored")).error().message.find("resolved already") != std::string::npos);
  // A third version is a new, open conflict.
  REQUIRE(d.submit("dev3", "uuid:s1", "", "third") == sync::RecordStatus::Conflict);
  auto third = d.server.storage->submission_conflicts().value();
  REQUIRE(third.size() == 2);
  CHECK(third[1].open);
  auto keep = d.server.storage->record_decision(q(third[1].id, "stored"));
  REQUIRE(keep.ok());
  CHECK(keep->value == c.other.sha256);
  CHECK(d.server.storage->submissions("survey").value()[0].sha256 == c.other.sha256);
}

TEST_CASE("sync storage: a schema-2 data folder gains the queue tables when opened") {
  ScopedDir dir;
  std::string data = (dir.path() / "srv").string();
  {
    auto s = sync::open_sqlite_storage(data);
    REQUIRE(s.ok());
  }
  raw_sql(data + "/server.db",
          "DROP TABLE queue_decisions; DROP INDEX registry_by_merged_into; ALTER TABLE registry DROP COLUMN merged_into; "
          "DROP TABLE waiting_submissions; "
          "INSERT INTO registry VALUES ('e1', 'establishment', '{\"name\":{\"value\":\"A\",\"hlc\":\"x\"}}', 1); "
          "INSERT INTO registry VALUES ('e2', 'establishment', '{\"name\":{\"value\":\"A\",\"hlc\":\"x\"}}', 1); "
          "PRAGMA user_version = 2;");
  auto s = sync::open_sqlite_storage(data);
  REQUIRE_MESSAGE(s.ok(), message_of(s));
  CHECK((*s)->queue_decisions().value().empty());
  auto m = (*s)->record_decision({0, "merge", {"e1", "e2"}, 0, "", "", "", "lan", 1});
  REQUIRE_MESSAGE(m.ok(), message_of(m));
  CHECK((*s)->registry(core::Registry::Establishment).value()[1].record.merged_into == "e1");
}

}  // namespace
}  // namespace khaosat::test
