// The office's queue decisions over HTTP (docs/sync-protocol.md, "Office"): POST
// /v1/office/queue/merge, /distinct and /resolve record what `khaosat-server queue merge|distinct|
// resolve` records (ServerStorage::record_decision, by the device that decided), and take the
// item out of GET /v1/office/queue; bad requests (unknown ids, decided already, malformed bodies)
// and wrong roles are refused with nothing stored; everything within the device's communes.
// Over SQLite and PostgreSQL.
#include <nlohmann/json.hpp>

#include "khaosat/core/store_ids.hpp"
#include "sync/sync_fixture.hpp"

namespace khaosat::test {
namespace {

using nlohmann::json;

struct Office {
  ServerFixture server;
  std::map<std::string, std::int64_t> seq;

  // A device enrolled over HTTP: its token and id.
  std::pair<std::string, std::string> enroll(const std::string& role, const std::vector<std::string>& communes,
                                             const std::string& name) {
    auto code = server.server->create_enrollment({role, name, communes, 0});
    REQUIRE_MESSAGE(code.ok(), message_of(code));
    auto r = server.server->handle(post("/v1/enroll", "", json{{"code", *code}, {"device_name", name}}.dump(), true));
    REQUIRE(r.status == 200);
    auto j = json::parse(r.body);
    return {j["token"].get<std::string>(), j["device_id"].get<std::string>()};
  }
  // Writes into the storage as a device's push would, with chosen HLCs and bases.
  sync::RecordStatus store(const std::string& device, sync::PushRecord rec) {
    if (!seq.count(device)) {
      std::string secret = sync::sha256_hex("enroll " + device);
      REQUIRE(server.storage->add_enrollment(secret, {"officer", device, {}, 1LL << 50}).ok());
      REQUIRE(server.storage->redeem_enrollment(secret, device, device, sync::sha256_hex("t-" + device), 1).ok());
    }
    rec.seq = ++seq[device];
    sync::PushBatch b{device, rec.seq, rec.seq, {rec}};
    std::vector<sync::CheckedRecord> checked{{&b.records[0], sync::sha256_hex(rec.xml), ""}};
    auto a = server.storage->push(device, b, checked, 1000 + rec.seq);
    REQUIRE_MESSAGE(a.ok(), message_of(a));
    return a->results.at(0).status;
  }
  void edit(const std::string& device, const std::string& id, std::vector<std::tuple<std::string, std::string, int>> set,
            std::map<std::string, std::string> base = {}) {
    sync::PushRecord r;
    r.kind = "registry";
    r.registry = "establishment";
    r.id = id;
    for (auto& [k, v, ms] : set) r.set.emplace_back(k, core::RegistryProperty{v, hlc(ms, device)});
    r.base = std::move(base);
    REQUIRE(store(device, r) == sync::RecordStatus::Accepted);
  }
  sync::RecordStatus survey(const std::string& device, const std::string& id, const std::string& commune,
                            const std::string& shop) {
    sync::PushRecord r;
    r.kind = "submission";
    r.id = id;
    r.form_id = "survey";
    r.form_version = "1";
    r.xml = "<data id=\"survey\"><commune>" + commune + "</commune><shop>" + shop + "</shop><meta><instanceID>" + id +
            "</instanceID></meta></data>";
    return store(device, r);
  }
  static std::string hlc(int ms, const std::string& node) { return core::Hlc{1700000000000 + ms, 0, node}.to_string(); }

  sync::Response decide(const std::string& token, const std::string& action, const json& body) {
    return server.server->handle(post("/v1/office/queue/" + action, token, body.dump()));
  }
  json queue(const std::string& token) {
    auto r = server.server->handle({"GET", "/v1/office/queue", {}, {{"authorization", "Bearer " + token}}, ""});
    REQUIRE(r.status == 200);
    return body_of(r);
  }
  std::size_t decisions() { return server.storage->queue_decisions().value().size(); }
};

std::string message(const sync::Response& r) { return body_of(r)["error"]["message"].get<std::string>(); }

TEST_CASE("sync office queue endpoints: merge, distinct and resolve from the office's device, as the CLI records them") {
  Office o;
  auto [admin, admin_id] = o.enroll("admin", {}, "Văn phòng");
  // Two possible duplicates by name and commune, two by phone; a registry conflict on e5's phone.
  o.edit("dev1", "e1", {{"name", "Chè Tân Uyên", 1}, {"commune", "muong_kim", 1}});
  o.edit("dev1", "e2", {{"name", "CHÈ TÂN UYÊN", 2}, {"commune", "muong_kim", 2}});
  o.edit("dev1", "e3", {{"name", "Lò rèn", 3}, {"commune", "muong_kim", 3}, {"phone", "0912111222", 3}});
  o.edit("dev1", "e4", {{"name", "Mộc", 4}, {"commune", "muong_kim", 4}, {"phone", "0912111222", 4}});
  o.edit("dev1", "e5", {{"name", "Dệt", 5}, {"commune", "muong_kim", 5}, {"phone", "0913", 5}});
  o.edit("dev2", "e5", {{"phone", "0915", 8}}, {{"phone", Office::hlc(5, "dev1")}});
  o.edit("dev1", "e5", {{"phone", "0916", 9}}, {{"phone", Office::hlc(5, "dev1")}});
  // A survey sent twice with other answers: a submission conflict.
  REQUIRE(o.survey("dev1", "uuid:s1", "muong_kim", "Chè") == sync::RecordStatus::Accepted);
  REQUIRE(o.survey("dev1", "uuid:s1", "muong_kim", "Chè xanh") == sync::RecordStatus::Conflict);

  json q = o.queue(admin);
  REQUIRE(q["duplicates"].size() == 2);
  REQUIRE(q["conflicts"].size() == 1);
  REQUIRE(q["submission_conflicts"].size() == 1);
  const std::string r1 = q["conflicts"][0]["conflict"], s1 = q["submission_conflicts"][0]["conflict"];
  CHECK(r1 == "r" + std::to_string(q["conflicts"][0]["id"].get<std::int64_t>()));
  CHECK(s1 == "s" + std::to_string(q["submission_conflicts"][0]["id"].get<std::int64_t>()));

  auto merged = o.decide(admin, "merge", {{"keep", "e1"}, {"merged", "e2"}, {"reason", "cùng một cơ sở"}});
  REQUIRE_MESSAGE(merged.status == 200, merged.body);
  json m = body_of(merged)["decisions"];
  REQUIRE(m.size() == 1);
  CHECK(m[0]["kind"] == "merge");
  CHECK(m[0]["records"] == json({"e1", "e2"}));
  CHECK(m[0]["reason"] == "cùng một cơ sở");
  CHECK(m[0]["by"] == "Văn phòng (" + admin_id + ")");

  auto distinct = o.decide(admin, "distinct", {{"records", {"e3", "e4"}}, {"reason", "hai hộ"}});
  REQUIRE_MESSAGE(distinct.status == 200, distinct.body);
  CHECK(body_of(distinct)["decisions"][0]["choice"] == "phone");
  CHECK(body_of(distinct)["decisions"][0]["value"] == "0912111222");

  auto kept = o.decide(admin, "resolve", {{"conflict", r1}, {"keep", "other"}, {"reason", "gọi điện"}});
  REQUIRE_MESSAGE(kept.status == 200, kept.body);
  CHECK(body_of(kept)["decisions"][0]["conflict"] == r1);
  CHECK(body_of(kept)["decisions"][0]["choice"] == "other");
  auto stored = o.decide(admin, "resolve", {{"conflict", s1}, {"keep", "stored"}});
  REQUIRE_MESSAGE(stored.status == 200, stored.body);

  // The queue is empty; the trail holds the four decisions, made by the office's device.
  q = o.queue(admin);
  CHECK(q["duplicates"].empty());
  CHECK(q["conflicts"].empty());
  CHECK(q["submission_conflicts"].empty());
  auto trail = o.server.storage->queue_decisions().value();
  REQUIRE(trail.size() == 4);
  CHECK(trail[0].kind == "merge");
  CHECK(trail[1].kind == "distinct");
  CHECK(trail[2].kind == "registry_conflict");
  CHECK(trail[2].reason == "gọi điện");
  CHECK(trail[3].kind == "submission_conflict");
  CHECK(trail[3].choice == "stored");
  for (const auto& d : trail) CHECK(d.by == "Văn phòng (" + admin_id + ")");
  // The registry holds the other value of the conflict.
  for (const auto& st : o.server.storage->registry(core::Registry::Establishment).value())
    if (st.record.record_id == "e5")
      for (const auto& [k, p] : st.record.properties)
        if (k == "phone") CHECK(p.value == "0915");

  // Decided already: refused, nothing more stored.
  CHECK(o.decide(admin, "merge", {{"keep", "e1"}, {"merged", "e2"}}).status == 400);
  auto again = o.decide(admin, "distinct", {{"records", {"e3", "e4"}}});
  CHECK(again.status == 400);
  CHECK(message(again).find("judged distinct already") != std::string::npos);
  auto twice = o.decide(admin, "resolve", {{"conflict", r1}, {"keep", "kept"}});
  CHECK(twice.status == 400);
  CHECK(message(twice).find("resolved already") != std::string::npos);
  CHECK(o.decide(admin, "resolve", {{"conflict", s1}, {"keep", "other"}}).status == 400);
  CHECK(o.decisions() == 4);
}

TEST_CASE("sync office queue endpoints: bad requests, wrong roles and other communes store nothing") {
  Office o;
  auto [admin, admin_id] = o.enroll("admin", {}, "Văn phòng");
  auto [local, local_id] = o.enroll("admin", {"pac_ta"}, "Phòng Pắc Ta");
  auto [viewer, viewer_id] = o.enroll("viewer", {"muong_kim"}, "Lãnh đạo");
  auto [officer, officer_id] = o.enroll("officer", {"muong_kim"}, "Cán bộ");
  auto [coop, coop_id] = o.enroll("cooperative", {"muong_kim"}, "HTX");
  o.edit("dev1", "e1", {{"name", "Chè Tân Uyên", 1}, {"commune", "muong_kim", 1}});
  o.edit("dev1", "e2", {{"name", "CHÈ TÂN UYÊN", 2}, {"commune", "muong_kim", 2}});
  o.edit("dev1", "e3", {{"name", "Mộc", 3}, {"commune", "muong_kim", 3}});
  REQUIRE(o.survey("dev1", "uuid:s1", "muong_kim", "Chè") == sync::RecordStatus::Accepted);
  REQUIRE(o.survey("dev1", "uuid:s1", "muong_kim", "Chè xanh") == sync::RecordStatus::Conflict);
  const std::string s1 = o.queue(admin)["submission_conflicts"][0]["conflict"];

  // Roles: only an admin decides.
  for (const auto& token : {viewer, officer, coop}) {
    CHECK(o.decide(token, "merge", {{"keep", "e1"}, {"merged", "e2"}}).status == 403);
    CHECK(o.decide(token, "distinct", {{"records", {"e1", "e2"}}}).status == 403);
    CHECK(o.decide(token, "resolve", {{"conflict", s1}, {"keep", "stored"}}).status == 403);
  }
  // Another commune's admin: the records and the conflict are unknown to it.
  CHECK(o.decide(local, "merge", {{"keep", "e1"}, {"merged", "e2"}}).status == 404);
  CHECK(o.decide(local, "distinct", {{"records", {"e1", "e2"}}}).status == 404);
  CHECK(o.decide(local, "resolve", {{"conflict", s1}, {"keep", "stored"}}).status == 404);
  // Unknown ids.
  auto nobody = o.decide(admin, "merge", {{"keep", "e1"}, {"merged", "nobody"}});
  CHECK(nobody.status == 404);
  CHECK(message(nobody).find("no registry record 'nobody'") != std::string::npos);
  CHECK(o.decide(admin, "distinct", {{"records", {"e1", "nobody"}}}).status == 404);
  CHECK(o.decide(admin, "resolve", {{"conflict", "r999"}, {"keep", "kept"}}).status == 404);
  CHECK(o.decide(admin, "resolve", {{"conflict", "s999"}, {"keep", "stored"}}).status == 404);
  // Malformed: what is wrong is named.
  const std::vector<std::pair<std::pair<std::string, json>, std::string>> bad = {
      {{"merge", {{"keep", "e1"}}}, "merged: missing"},
      {{"merge", {{"keep", "e1"}, {"merged", 7}}}, "merged: expected a string"},
      {{"merge", {{"keep", "e1"}, {"merged", "e1"}}}, "itself"},
      {{"merge", {{"keep", "e1"}, {"merged", "e2"}, {"by", "x"}}}, "by: unknown member"},
      {{"distinct", {{"records", {"e1"}}}}, "records: expected an array of 2"},
      {{"distinct", {{"records", {"e1", 2}}}}, "records: expected non-empty strings"},
      {{"distinct", {{"records", {"e1", "e3"}}}}, "not a possible duplicate"},
      {{"resolve", {{"conflict", "x7"}, {"keep", "kept"}}}, "not a conflict id"},
      {{"resolve", {{"conflict", s1}}}, "one of them"},
      {{"resolve", {{"conflict", s1}, {"keep", "kept"}}}, "keeps 'stored' or 'other'"},
      {{"resolve", {{"conflict", s1}, {"value", "x"}}}, "not a value"},
      {{"resolve", {{"conflict", "r1"}, {"keep", "stored"}}}, "keeps 'kept' or 'other'"},
      {{"merge", json::array()}, "not a JSON object"},
  };
  for (const auto& [request, words] : bad) {
    auto r = o.decide(admin, request.first, request.second);
    CHECK_MESSAGE(r.status == 400, request.first, " ", request.second.dump());
    CHECK_MESSAGE(message(r).find(words) != std::string::npos, message(r), " lacks ", words);
  }
  CHECK(o.server.server->handle({"GET", "/v1/office/queue/merge", {}, {{"authorization", "Bearer " + admin}}, ""}).status ==
        405);
  CHECK(o.decide(admin, "split", {{"records", {"e1", "e2"}}}).status == 404);
  CHECK(o.decisions() == 0);
}

}  // namespace
}  // namespace khaosat::test
