// Registries from submissions on the server (docs/sync-protocol.md, "Registries from
// submissions"): the server derives a pushed submission's entity again; with the device's own
// registry edit it is one version and no conflict; without one (an older client) it makes the
// record itself.
#include "khaosat/core/form_info.hpp"
#include "khaosat/core/xlsform.hpp"
#include "sync/sync_fixture.hpp"

namespace khaosat::test {
namespace {

const char* kListCsv = "name,label,__version\n";

std::string entity_xform() {
  auto xml = core::convert_xlsform_bytes(entity_form_md(), "est.md");
  REQUIRE_MESSAGE(xml.ok(), message_of(xml));
  return *xml;
}

// The server with the entity form published, and a device with it installed.
struct EntityDevice : Device {
  core::Form form;
  explicit EntityDevice(ServerFixture& server) : Device(server) {
    auto f = store.store->install_form(core::NamedBytes{"est.md", entity_form_md()},
                                       {core::NamedBytes{"establishments.csv", kListCsv}});
    REQUIRE_MESSAGE(f.ok(), message_of(f));
    form = store.store->load_form("est").value();
  }
  core::SessionOptions options() {
    core::SessionOptions so;
    so.env.uuid = [this] { return store.store->new_id(); };
    return so;
  }
  std::string survey(std::unique_ptr<core::FormSession> s, const std::string& phone) {
    REQUIRE(s->answer("/data/phone", phone).ok());
    return store.finalize(*s).instance_id;
  }
  std::unique_ptr<core::FormSession> fresh(const std::string& name) {
    auto s = core::FormSession::start(form, options());
    REQUIRE(s.ok());
    REQUIRE((*s)->answer("/data/est_name", name).ok());
    return std::move(s).value();
  }
};

void publish_entity_form(ServerFixture& server) {
  std::string xml = entity_xform();
  sync::PublishedForm f;
  f.form_id = "est";
  f.version = "1";
  f.title = "Establishment";
  f.xform = {"est.xml", xml};
  f.media = {{"establishments.csv", kListCsv}};
  f.sha256 = sync::sha256_hex(xml);
  f.published_at = 2;
  REQUIRE(server.storage->publish_form(f).ok());
}

std::optional<core::PulledRecord> server_record(ServerFixture& server, const std::string& id) {
  auto all = server.storage->registry(core::Registry::Establishment);
  REQUIRE(all.ok());
  for (const auto& r : *all)
    if (r.record.record_id == id) return r.record;
  return std::nullopt;
}

// Properties as "key=value@hlc" lines, to compare two copies of a record.
std::string text_of(const std::vector<std::pair<std::string, core::RegistryProperty>>& ps) {
  std::string out;
  for (const auto& [k, p] : ps) out += k + "=" + p.value + "@" + p.hlc + "\n";
  return out;
}

core::RegistryProperty prop(const std::vector<std::pair<std::string, core::RegistryProperty>>& ps,
                            const std::string& key) {
  for (const auto& [k, p] : ps)
    if (k == key) return p;
  return {"(none)", ""};
}

TEST_CASE("sync entities: the device's registry edit and the server's derivation of its submission are one version") {
  ServerFixture server;
  publish_entity_form(server);
  EntityDevice a(server);
  auto s = a.fresh("Chè Tân Uyên");
  std::string id = s->node("/data/new_record_id")->value;
  a.survey(std::move(s), "0912345678");
  REQUIRE(a.client->sync().ok());

  auto mine = a.store.store->get_record(id);
  REQUIRE(mine.ok());
  auto theirs = server_record(server, id);
  REQUIRE(theirs);
  CHECK(text_of(theirs->properties) == text_of(mine->properties));  // the same values with the same HLCs
  CHECK(server.query("SELECT count(*) FROM changes WHERE kind = 'registry' AND subject = '" + id + "'") == "1|\n");
  CHECK(server.storage->registry_conflicts()->empty());

  // The device surveys the record again (an update), another device edits its phone meanwhile:
  // exactly the one real conflict, none from the derivation.
  EntityDevice b(server);
  b.store.set_next_uuid(500000);
  *b.store.fake.counter = 7777;
  REQUIRE(b.client->sync().ok());
  REQUIRE(b.store.store->get_record(id).ok());
  auto again = a.store.store->start_from_record(a.form, id, a.options());
  REQUIRE_MESSAGE(again.ok(), message_of(again));
  CHECK((*again)->node("/data/phone")->value == "0912345678");
  a.survey(std::move(again).value(), "0988000111");
  *b.store.fake.now += 10000;
  REQUIRE(b.store.store->put_record({core::Registry::Establishment, id, {{"phone", "0977000222"}}}).ok());
  REQUIRE(b.client->sync().ok());
  REQUIRE(a.client->sync().ok());
  REQUIRE(b.client->sync().ok());
  auto conflicts = server.storage->registry_conflicts();
  REQUIRE(conflicts.ok());
  REQUIRE(conflicts->size() == 1);
  CHECK((*conflicts)[0].property == "phone");
  CHECK((*conflicts)[0].kept.value == "0977000222");
  CHECK((*conflicts)[0].other.value == "0988000111");
  // Everyone converges.
  auto final_server = server_record(server, id);
  REQUIRE(final_server);
  CHECK(prop(final_server->properties, "phone").value == "0977000222");
  CHECK(text_of(a.store.store->get_record(id)->properties) == text_of(final_server->properties));
  CHECK(text_of(b.store.store->get_record(id)->properties) == text_of(final_server->properties));
  CHECK(server_record(server, id)->properties.size() == 3);  // name, phone, commune (blank): nothing doubled
  CHECK(server.storage->registry(core::Registry::Establishment)->size() == 1);
}

TEST_CASE("sync entities: a record the office merged leaves the device's search and a survey from it opens the survivor") {
  ServerFixture server;
  publish_entity_form(server);
  EntityDevice a(server);
  auto s1 = a.fresh("Chè Tân Uyên");
  std::string keep = s1->node("/data/new_record_id")->value;
  a.survey(std::move(s1), "0912345678");
  auto s2 = a.fresh("Che Tan Uyen");
  std::string gone = s2->node("/data/new_record_id")->value;
  a.survey(std::move(s2), "0912345678");
  REQUIRE(a.client->sync().ok());
  CHECK(a.store.store->count_records(core::Registry::Establishment).value() == 2);

  REQUIRE(server.storage->record_decision({0, "merge", {keep, gone}, 0, "", "", "same shop", "lan", 50}).ok());
  REQUIRE(a.client->sync().ok());
  auto merged = a.store.store->get_record(gone);
  REQUIRE(merged.ok());
  CHECK(merged->merged_into == keep);
  CHECK(prop(merged->properties, "phone").value == "0912345678");  // kept whole, only marked
  CHECK(a.store.store->count_records(core::Registry::Establishment).value() == 1);
  auto found = a.store.store->search_records(core::Registry::Establishment, "tan uyen", 10);
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].record_id == keep);
  // A survey started from the merged record (a list picked before the sync) is about the survivor.
  auto again = a.store.store->start_from_record(a.form, gone, a.options());
  REQUIRE_MESSAGE(again.ok(), message_of(again));
  CHECK((*again)->node("/data/record_id")->value == keep);
  CHECK((*again)->node("/data/est_name")->value == "Chè Tân Uyên");

  // A device enrolled after the merge gets it in its snapshot.
  EntityDevice b(server);
  b.store.set_next_uuid(500000);
  *b.store.fake.counter = 7777;
  REQUIRE(b.client->sync().ok());
  CHECK(b.store.store->get_record(gone)->merged_into == keep);
  CHECK(b.store.store->count_records(core::Registry::Establishment).value() == 1);
}

TEST_CASE("sync entities: a submission from a client that applied no entity makes the record on the server") {
  ServerFixture server;
  publish_entity_form(server);
  EntityDevice a(server);
  // An older client: the submission alone, no registry edit, no "entity" member.
  auto form = core::load_form_xml(entity_xform(), "est.xml", {{}, true, nullptr});
  REQUIRE(form.ok());
  auto s = core::FormSession::start(*form);
  REQUIRE(s.ok());
  REQUIRE((*s)->answer("/data/est_name", "Dệt Pắc Ta").ok());
  REQUIRE((*s)->answer("/data/phone", "0912000333").ok());
  std::string id = (*s)->node("/data/new_record_id")->value;
  auto done = (*s)->finalize();
  REQUIRE(done.ok());
  REQUIRE(done->finalized);
  std::string iid = (*s)->node("/data/meta/instanceID")->value;
  nlohmann::json record = {{"seq", 1}, {"kind", "submission"}, {"id", iid}, {"form_id", "est"},
                           {"form_version", "1"}, {"xml", done->instance_xml}};
  nlohmann::json batch = {{"device_id", a.id()}, {"first_seq", 1}, {"last_seq", 1},
                          {"records", nlohmann::json::array({record})}};
  auto answer = server.server->handle(post("/v1/push", a.token(), batch.dump()));
  REQUIRE(answer.status == 200);
  CHECK(body_of(answer)["results"][0]["status"] == "accepted");
  auto rec = server_record(server, id);
  REQUIRE(rec);
  CHECK(prop(rec->properties, "name").value == "Dệt Pắc Ta");
  CHECK(prop(rec->properties, "phone").value == "0912000333");
  CHECK(core::Hlc::parse(prop(rec->properties, "name").hlc)->node == a.id());
  // Replaying the batch (a lost answer) changes nothing.
  std::string before = server.dump();
  auto replay = server.server->handle(post("/v1/push", a.token(), batch.dump()));
  REQUIRE(replay.status == 200);
  CHECK(body_of(replay)["replayed"] == true);
  CHECK(server.dump() == before);
  // The device itself pulls it too: the server stamped it, the device never had it.
  REQUIRE(a.client->sync().ok());
  auto mine = a.store.store->get_record(id);
  REQUIRE_MESSAGE(mine.ok(), message_of(mine));
  CHECK(mine->name == "Dệt Pắc Ta");
  // Another device pulls the record.
  EntityDevice b(server);
  b.store.set_next_uuid(500000);
  *b.store.fake.counter = 7777;
  REQUIRE(b.client->sync().ok());
  auto pulled = b.store.store->get_record(id);
  REQUIRE_MESSAGE(pulled.ok(), message_of(pulled));
  CHECK(pulled->name == "Dệt Pắc Ta");
}

}  // namespace
}  // namespace khaosat::test
