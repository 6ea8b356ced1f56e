// Registry merge on the server (docs/sync-protocol.md, push, kind "registry"): concurrent edits
// of one property converge on the later HLC and leave a registry conflict for the office;
// sequential edits (made after pulling the current version) leave none.
#include <chrono>
#include <cstdlib>
#include <map>

#include "sync/sync_fixture.hpp"

namespace khaosat::test {
namespace {

std::string value_of(const core::RegistryRecord& r, const std::string& key) {
  for (const auto& [k, p] : r.properties)
    if (k == key) return p.value;
  return "";
}

TEST_CASE("sync registry: concurrent edits of a property converge and leave one conflict, sequential ones none") {
  ServerFixture server;
  Device a(server), b(server);
  b.store.set_next_uuid(500000);
  *b.store.fake.counter = 7777;  // other random bytes than A's
  auto rec = a.store.store->put_record({core::Registry::Establishment, "", {{"name", "Chè Tân Uyên"}, {"phone", "0912"}}});
  REQUIRE(rec.ok());
  REQUIRE(a.client->sync().ok());
  REQUIRE(b.client->sync().ok());  // B now holds the record
  // Sequential: B edits after pulling A's version; A pulls it and edits again.
  REQUIRE(b.store.store->put_record({core::Registry::Establishment, rec->record_id, {{"phone", "0913"}}}).ok());
  REQUIRE(b.client->sync().ok());
  REQUIRE(a.client->sync().ok());
  REQUIRE(a.store.store->put_record({core::Registry::Establishment, rec->record_id, {{"phone", "0914"}}}).ok());
  REQUIRE(a.client->sync().ok());
  auto none = server.storage->registry_conflicts();
  REQUIRE(none.ok());
  CHECK(none->empty());

  // Concurrent: both edit the phone from the same version, neither seeing the other.
  REQUIRE(b.client->sync().ok());
  REQUIRE(a.store.store->put_record({core::Registry::Establishment, rec->record_id, {{"phone", "0915"}}}).ok());
  *b.store.fake.now += 10000;  // B's edit is the later one
  REQUIRE(b.store.store->put_record({core::Registry::Establishment, rec->record_id, {{"phone", "0916"}}}).ok());
  REQUIRE(a.client->sync().ok());
  REQUIRE(b.client->sync().ok());
  REQUIRE(a.client->sync().ok());
  auto conflicts = server.storage->registry_conflicts();
  REQUIRE(conflicts.ok());
  REQUIRE(conflicts->size() == 1);
  const auto& c = (*conflicts)[0];
  CHECK(c.record_id == rec->record_id);
  CHECK(c.registry == "establishment");
  CHECK(c.property == "phone");
  CHECK(c.kept.value == "0916");
  CHECK(c.other.value == "0915");
  CHECK(c.device_id == b.id());
  // Both devices converge on the kept value; the same value from both sides is no conflict.
  CHECK(value_of(a.store.store->get_record(rec->record_id).value(), "phone") == "0916");
  CHECK(value_of(b.store.store->get_record(rec->record_id).value(), "phone") == "0916");
  REQUIRE(a.store.store->put_record({core::Registry::Establishment, rec->record_id, {{"name", "Chè Tân Uyên 2"}}}).ok());
  REQUIRE(b.store.store->put_record({core::Registry::Establishment, rec->record_id, {{"name", "Chè Tân Uyên 2"}}}).ok());
  REQUIRE(a.client->sync().ok());
  REQUIRE(b.client->sync().ok());
  CHECK(server.storage->registry_conflicts()->size() == 1);

  // Each device holds the open conflict with the record, as the office's queue names it
  // (`khaosat data list records` and the app show it) ...
  const std::string id = "r" + std::to_string(c.id);
  for (Device* d : {&a, &b}) {
    auto open = d->store.store->record_conflicts(rec->record_id);
    REQUIRE_MESSAGE(open.ok(), message_of(open));
    REQUIRE(open->size() == 1);
    CHECK((*open)[0].conflict_id == id);
    CHECK((*open)[0].property == "phone");
    CHECK((*open)[0].kept_value == "0916");
    CHECK((*open)[0].other_value == "0915");
  }
  // ... until the office resolves it: the record's next pull clears it, on both.
  auto decided = server.storage->record_decision({0, "registry_conflict", {}, c.id, "other", "", "called them", "Lan", 70});
  REQUIRE_MESSAGE(decided.ok(), message_of(decided));
  REQUIRE(a.client->sync().ok());
  REQUIRE(b.client->sync().ok());
  for (Device* d : {&a, &b}) {
    CHECK(d->store.store->record_conflicts(rec->record_id)->empty());
    CHECK(value_of(d->store.store->get_record(rec->record_id).value(), "phone") == "0915");
  }
}

TEST_CASE("sync registry: a base that is not an HLC is refused with its place named") {
  ServerFixture server;
  Device a(server);
  std::string body = R"({"device_id": ")" + a.id() + R"(", "first_seq": 1, "last_seq": 1, "records": [
      {"seq": 1, "kind": "registry", "id": "r1", "registry": "establishment", "create": true,
       "set": {"name": {"value": "X", "hlc": "0190b2d45f7e-0000-)" + a.id() + R"(", "base": "yesterday"}}}]})";
  std::string before = server.dump();
  auto r = server.server->handle(post("/v1/push", a.token(), body));
  CHECK(r.status == 400);
  CHECK(body_of(r)["error"]["message"].get<std::string>().find("records[0].set.name.base") != std::string::npos);
  CHECK(server.dump() == before);
}

}  // namespace
}  // namespace khaosat::test

namespace khaosat::test {
namespace {

std::int64_t wall_of(const std::string& hlc) { return core::Hlc::parse(hlc).value().wall_ms; }

std::string hlc_of(const core::RegistryRecord& r, const std::string& key) {
  for (const auto& [k, p] : r.properties)
    if (k == key) return p.hlc;
  return "";
}

TEST_CASE("sync registry: a device clock a year ahead is re-stamped, reported, and does not win later edits") {
  ServerFixture server;
  Device a(server), b(server);
  b.store.set_next_uuid(500000);
  *b.store.fake.counter = 7777;
  const std::int64_t real_now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch()).count();
  *a.store.fake.now = real_now + 365LL * 24 * 3600 * 1000;  // A's phone thinks it is next year
  *b.store.fake.now = real_now;
  auto rec = a.store.store->put_record({core::Registry::Establishment, "", {{"name", "Chè Tân Uyên"}, {"phone", "0912"}}});
  REQUIRE(rec.ok());
  auto first = a.client->sync();
  REQUIRE(first.ok());
  CHECK(first->clock_clamped == 2);  // name and phone
  CHECK(first->clock_ahead_ms > 364LL * 24 * 3600 * 1000);
  auto on_server = server.storage->registry(core::Registry::Establishment);
  REQUIRE(on_server.ok());
  REQUIRE(on_server->size() == 1);
  std::string stamped;
  for (const auto& [k, p] : (*on_server)[0].record.properties)
    if (k == "phone") stamped = p.hlc;
  CHECK(std::llabs(wall_of(stamped) - real_now) < 10 * 60 * 1000);
  // A took the server's stamp of its own edit when it pulled.
  CHECK(hlc_of(a.store.store->get_record(rec->record_id).value(), "phone") == stamped);

  // A edits again (its clock still wrong): re-stamped again, no conflict with its own edit.
  REQUIRE(a.store.store->put_record({core::Registry::Establishment, rec->record_id, {{"phone", "0913"}}}).ok());
  REQUIRE(a.client->sync().ok());
  // B, with a right clock, edits after pulling: B's later edit wins everywhere, A's clock no more.
  REQUIRE(b.client->sync().ok());
  CHECK(value_of(b.store.store->get_record(rec->record_id).value(), "phone") == "0913");
  *b.store.fake.now += 60000;
  REQUIRE(b.store.store->put_record({core::Registry::Establishment, rec->record_id, {{"phone", "0914"}}}).ok());
  auto bs = b.client->sync();
  REQUIRE(bs.ok());
  CHECK(bs->clock_clamped == 0);
  REQUIRE(a.client->sync().ok());
  CHECK(value_of(a.store.store->get_record(rec->record_id).value(), "phone") == "0914");
  CHECK(value_of(b.store.store->get_record(rec->record_id).value(), "phone") == "0914");
  auto conflicts = server.storage->registry_conflicts();
  REQUIRE(conflicts.ok());
  CHECK(conflicts->empty());
}

}  // namespace
}  // namespace khaosat::test

namespace khaosat::test {
namespace {

// What a pull of `cursor` by `d` holds: record id -> its properties' keys (",name,phone,") and
// merged_into ("->ID"), and the next cursor.
struct Pulled {
  std::map<std::string, std::string> records;
  std::string cursor;
};
Pulled pull_as(ServerFixture& server, const std::string& token, const std::string& cursor) {
  auto r = server.server->handle(post("/v1/pull", token, nlohmann::json{{"cursor", cursor},
                                                                              {"features", {"merged_into"}}}.dump()));
  REQUIRE(r.status == 200);
  nlohmann::json j = body_of(r);
  Pulled out;
  out.cursor = j["cursor"].get<std::string>();
  for (const auto& c : j["changes"]) {
    if (c["kind"] != "registry") continue;
    std::string keys = ",";
    for (auto it = c["properties"].begin(); it != c["properties"].end(); ++it) keys += it.key() + ",";
    if (c.contains("merged_into")) keys += "->" + c["merged_into"].get<std::string>();
    out.records[c["id"].get<std::string>()] += keys;
  }
  return out;
}
Pulled pull_as(ServerFixture& server, Device& d, const std::string& cursor) { return pull_as(server, d.token(), cursor); }

TEST_CASE("sync registry: a device's own edits do not come back to it on pull, everything else does") {
  ServerFixture server;
  Device a(server), b(server);
  b.store.set_next_uuid(500000);
  *b.store.fake.counter = 7777;
  auto rec = a.store.store->put_record(
      {core::Registry::Establishment, "", {{"name", "Chè Tân Uyên"}, {"phone", "0912"}, {"commune", "105"}}});
  REQUIRE(rec.ok());
  auto other = a.store.store->put_record({core::Registry::Establishment, "", {{"name", "Dệt Sìn Hồ"}}});
  REQUIRE(other.ok());
  REQUIRE(a.client->sync().ok());
  // A's snapshot and A's log: nothing of its own. B's snapshot and log: all of it.
  CHECK(pull_as(server, a, "").records.empty());
  CHECK(pull_as(server, a, "v1.log.0").records.empty());
  CHECK(pull_as(server, b, "").records[rec->record_id] == ",commune,name,phone,");
  CHECK(pull_as(server, b, "v1.log.0").records[rec->record_id] == ",commune,name,phone,");
  REQUIRE(b.client->sync().ok());
  CHECK(b.store.store->get_record(rec->record_id)->properties.size() == 3);

  // B's later edit of the phone reaches A, with the commune (the pull's scope check reads it)
  // but not A's own name; A converges on B's phone.
  std::string after_a = pull_as(server, a, "v1.log.0").cursor;
  *b.store.fake.now += 10000;
  REQUIRE(b.store.store->put_record({core::Registry::Establishment, rec->record_id, {{"phone", "0913"}}}).ok());
  REQUIRE(b.client->sync().ok());
  CHECK(pull_as(server, a, after_a).records[rec->record_id] == ",commune,phone,");
  CHECK(pull_as(server, a, "").records[rec->record_id] == ",commune,phone,");
  REQUIRE(a.client->sync().ok());
  CHECK(value_of(a.store.store->get_record(rec->record_id).value(), "phone") == "0913");
  CHECK(hlc_of(a.store.store->get_record(rec->record_id).value(), "phone") ==
        hlc_of(b.store.store->get_record(rec->record_id).value(), "phone"));

  // The office merges A's other record: the merge reaches A, without A's own properties.
  after_a = pull_as(server, a, after_a).cursor;
  REQUIRE(server.storage->record_decision({0, "merge", {rec->record_id, other->record_id}, 0, "", "", "same", "lan", 50})
              .ok());
  CHECK(pull_as(server, a, after_a).records[other->record_id] == ",->" + rec->record_id);
  CHECK(pull_as(server, b, after_a).records[other->record_id] == ",name,->" + rec->record_id);
  REQUIRE(a.client->sync().ok());
  CHECK(a.store.store->get_record(other->record_id)->merged_into == rec->record_id);
}

TEST_CASE("sync registry: edits a device made before it was enrolled do not come back to it either") {
  ServerFixture server;
  StoreFixture early;
  early.install();
  // Stamped with the store's own node: the server's device id does not exist yet.
  auto rec = early.store->put_record({core::Registry::Establishment, "", {{"name", "Chè Tân Uyên"}, {"commune", "105"}}});
  REQUIRE(rec.ok());
  LoopbackTransport transport(*server.server);
  sync::ClientOptions options;
  options.sleep = [](std::chrono::milliseconds) {};
  options.random_unit = [] { return 0.5; };
  sync::SyncClient client(*early.store, transport, options);
  REQUIRE(client.enroll("loopback:", server.code()).ok());
  std::string token = early.store->enrollment().value()->token;
  REQUIRE(client.sync().ok());
  CHECK(pull_as(server, token, "").records.empty());
  CHECK(pull_as(server, token, "v1.log.0").records.empty());
  Device b(server);
  b.store.set_next_uuid(500000);
  *b.store.fake.counter = 7777;
  CHECK(pull_as(server, b, "").records[rec->record_id] == ",commune,name,");
  REQUIRE(b.client->sync().ok());
  CHECK(value_of(b.store.store->get_record(rec->record_id).value(), "name") == "Chè Tân Uyên");
}

TEST_CASE("sync registry: two devices learn each other's names from the record versions they pull") {
  ServerFixture server;
  server.enroll_name = "Lò Văn A";
  Device a(server);
  server.enroll_name = "Lò Thị B";
  Device b(server);
  b.store.set_next_uuid(500000);
  *b.store.fake.counter = 7777;
  auto rec = a.store.store->put_record(
      {core::Registry::Establishment, "", {{"name", "Chè Tân Uyên"}, {"phone", "0912"}, {"commune", "105"}}});
  REQUIRE(rec.ok());
  REQUIRE(a.client->sync().ok());
  REQUIRE(b.client->sync().ok());
  // B pulled A's versions, and with them A's name and communes as the office enrolled it.
  auto known = b.store.store->known_device(a.id());
  REQUIRE_MESSAGE(known.ok(), message_of(known));
  REQUIRE(known->has_value());
  CHECK((*known)->name == "Lò Văn A");
  CHECK((*known)->communes == std::vector<std::string>{"105"});
  CHECK_FALSE(a.store.store->known_device(b.id()).value().has_value());  // B wrote nothing yet
  // B edits the phone: A learns B's name with it.
  *b.store.fake.now += 10000;
  REQUIRE(b.store.store->put_record({core::Registry::Establishment, rec->record_id, {{"phone", "0913"}}}).ok());
  REQUIRE(b.client->sync().ok());
  REQUIRE(a.client->sync().ok());
  REQUIRE(a.store.store->known_device(b.id()).value().has_value());
  CHECK(a.store.store->known_device(b.id()).value()->name == "Lò Thị B");
  CHECK_FALSE(a.store.store->known_device(a.id()).value().has_value());  // itself: "this device"

  // A device that does not ask for the feature (an older app) gets no `devices` member; the one
  // that asks gets exactly the writers of the page's versions.
  auto old = server.server->handle(post("/v1/pull", a.token(), nlohmann::json{{"cursor", ""},
                                                                          {"features", {"review", "merged_into", "conflicts"}}}.dump()));
  REQUIRE(old.status == 200);
  CHECK_FALSE(body_of(old).contains("devices"));
  auto asked = server.server->handle(post("/v1/pull", a.token(), nlohmann::json{{"cursor", ""},
                                                                            {"features", {"devices"}}}.dump()));
  REQUIRE(asked.status == 200);
  nlohmann::json named = body_of(asked)["devices"];
  REQUIRE(named.size() == 1);
  CHECK(named[0] == nlohmann::json{{"id", b.id()}, {"name", "Lò Thị B"}, {"communes", {"105"}}});

  // An older server sends no `devices`: the page still applies, names known stay.
  auto page = sync::pull_answer_from(nlohmann::json{{"changes", nlohmann::json::array()}, {"cursor", "c9"}, {"more", false}});
  REQUIRE_MESSAGE(page.ok(), message_of(page));
  CHECK(page->page.devices.empty());
  // A named device without an id is refused with its place named.
  auto bad = sync::pull_answer_from(nlohmann::json{{"changes", nlohmann::json::array()}, {"cursor", "c9"}, {"more", false},
                                                   {"devices", {{{"id", ""}, {"name", "x"}, {"communes", nlohmann::json::array()}}}}});
  REQUIRE_FALSE(bad.ok());
  CHECK(message_of(bad).find("devices[0].id") != std::string::npos);
}

}  // namespace
}  // namespace khaosat::test
