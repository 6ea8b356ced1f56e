// Registry merge on the server (docs/sync-protocol.md, push, kind "registry"): concurrent edits
// of one property converge on the later HLC and leave a registry conflict for the office;
// sequential edits (made after pulling the current version) leave none.
#include <chrono>
#include <cstdlib>

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
