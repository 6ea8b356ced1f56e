// The office endpoints (docs/sync-protocol.md, "Office"): a form's submissions with their review
// state, one submission's answers and trail, a review recorded with the device that made it (and
// a rejection sent to the officer's device at its next pull), and the queue: possible duplicate
// registry records and open submission conflicts (both versions). Over SQLite and PostgreSQL.
#include <nlohmann/json.hpp>

#include "sync/sync_fixture.hpp"

namespace khaosat::test {
namespace {

using nlohmann::json;

struct Who {
  std::string token, id;
  std::int64_t seq = 0;
};

Who enroll_as(ServerFixture& s, const std::string& role, const std::vector<std::string>& communes,
              const std::string& name) {
  auto code = s.server->create_enrollment({role, name, communes, 0});
  REQUIRE_MESSAGE(code.ok(), message_of(code));
  auto r = s.server->handle(post("/v1/enroll", "", json{{"code", *code}, {"device_name", name}}.dump(), true));
  REQUIRE(r.status == 200);
  auto j = json::parse(r.body);
  return {j["token"].get<std::string>(), j["device_id"].get<std::string>()};
}

sync::PushRecord survey(const std::string& id, const std::string& commune, const std::string& shop,
                        const std::string& replaces = "") {
  sync::PushRecord r;
  r.kind = "submission";
  r.id = id;
  r.form_id = "survey";
  r.form_version = "1";
  r.xml = "<data id=\"survey\"><a0><commune>" + commune + "</commune><shop>" + shop + "</shop></a0><meta><instanceID>" +
          id + "</instanceID><instanceName>" + shop + "</instanceName>" +
          (replaces.empty() ? "" : "<deprecatedID>" + replaces + "</deprecatedID>") + "</meta></data>";
  if (!replaces.empty()) r.deprecated_id = replaces;
  return r;
}

sync::PushRecord establishment(const std::string& id, const std::string& commune, const std::string& name) {
  sync::PushRecord r;
  r.kind = "registry";
  r.registry = "establishment";
  r.id = id;
  r.create = true;
  r.set.push_back({"commune", {commune, "0190b2d45f7e-0001-" + id}});
  r.set.push_back({"name", {name, "0190b2d45f7e-0002-" + id}});
  return r;
}

std::string push(ServerFixture& s, Who& w, sync::PushRecord rec) {
  rec.seq = ++w.seq;
  sync::PushBatch b{w.id, rec.seq, rec.seq, {rec}};
  auto r = s.server->handle(post("/v1/push", w.token, sync::to_json(b).dump()));
  REQUIRE(r.status == 200);
  return body_of(r)["results"][0]["status"].get<std::string>();
}

sync::Response get(ServerFixture& s, const Who& w, const std::string& path, std::map<std::string, std::string> query = {}) {
  return s.server->handle({"GET", path, std::move(query), {{"authorization", "Bearer " + w.token}}, ""});
}

sync::Response review(ServerFixture& s, const Who& w, const std::string& id, const std::string& state,
                      const std::string& comment) {
  json b = {{"form_id", "survey"}, {"instance_id", id}, {"state", state}, {"comment", comment}};
  return s.server->handle(post("/v1/office/review", w.token, b.dump()));
}

TEST_CASE("sync office endpoints: submissions by form and commune, reviews, and rejections reaching the device") {
  ServerFixture server;
  Who office = enroll_as(server, "admin", {}, "Văn phòng");
  Who viewer = enroll_as(server, "viewer", {"muong_kim"}, "Lãnh đạo");
  Who officer = enroll_as(server, "officer", {"muong_kim"}, "Cán bộ A");
  REQUIRE(push(server, officer, survey("uuid:a1", "muong_kim", "Chè Mường Kim")) == "accepted");
  REQUIRE(push(server, office, survey("uuid:b1", "pac_ta", "Chè Pắc Ta – ")) == "accepted");

  auto all = get(server, office, "/v1/office/submissions", {{"form_id", "survey"}});
  REQUIRE(all.status == 200);
  json list = body_of(all)["submissions"];
  REQUIRE(list.size() == 2);
  CHECK(list[0]["instance_id"] == "uuid:a1");
  CHECK(list[0]["commune"] == "muong_kim");
  CHECK(list[0]["name"] == "Chè Mường Kim");
  CHECK(list[0]["state"] == "received");
  CHECK(list[0]["device_id"] == officer.id);
  CHECK(list[1]["name"] == "Chè Pắc Ta");  // a name joined to an empty part loses its separator
  // By commune, and a viewer sees its communes only.
  auto one = body_of(get(server, office, "/v1/office/submissions", {{"form_id", "survey"}, {"commune", "pac_ta"}}));
  REQUIRE(one["submissions"].size() == 1);
  CHECK(one["submissions"][0]["instance_id"] == "uuid:b1");
  auto seen = body_of(get(server, viewer, "/v1/office/submissions", {{"form_id", "survey"}}));
  REQUIRE(seen["submissions"].size() == 1);
  CHECK(seen["submissions"][0]["instance_id"] == "uuid:a1");

  // One submission: its answers in document order, without meta.
  auto detail = get(server, viewer, "/v1/office/submission", {{"form_id", "survey"}, {"instance_id", "uuid:a1"}});
  REQUIRE(detail.status == 200);
  json d = body_of(detail);
  REQUIRE(d["answers"].size() == 2);
  CHECK(d["answers"][0] == json({{"path", "a0/commune"}, {"value", "muong_kim"}}));
  CHECK(d["answers"][1] == json({{"path", "a0/shop"}, {"value", "Chè Mường Kim"}}));
  CHECK(d["reviews"].empty());
  CHECK(d["xml"].get<std::string>().find("<instanceID>uuid:a1</instanceID>") != std::string::npos);
  // Another commune's submission is unknown to the viewer.
  CHECK(get(server, viewer, "/v1/office/submission", {{"form_id", "survey"}, {"instance_id", "uuid:b1"}}).status == 404);

  // The admin reviews: the trail names the device; the list shows the latest state.
  auto ok = review(server, office, "uuid:a1", "has_issues", "Thiếu số điện thoại");
  REQUIRE(ok.status == 200);
  CHECK(body_of(ok)["by"] == "Văn phòng (" + office.id + ")");
  REQUIRE(review(server, office, "uuid:a1", "approved", "Đã kiểm tra").status == 200);
  list = body_of(get(server, viewer, "/v1/office/submissions", {{"form_id", "survey"}}))["submissions"];
  CHECK(list[0]["state"] == "approved");
  CHECK(list[0]["comment"] == "Đã kiểm tra");
  CHECK(list[0]["reviewed_by"] == "Văn phòng (" + office.id + ")");
  d = body_of(get(server, office, "/v1/office/submission", {{"form_id", "survey"}, {"instance_id", "uuid:a1"}}));
  REQUIRE(d["reviews"].size() == 2);
  CHECK(d["reviews"][0]["state"] == "has_issues");
  CHECK(d["reviews"][1]["state"] == "approved");
  auto trail = server.storage->reviews();
  REQUIRE(trail.ok());
  CHECK(trail->size() == 2);

  // A rejection goes to the officer's device with its reason at the next pull (after the
  // snapshot its first pull got, as a device's sync makes it).
  std::string cursor;
  for (bool more = true; more;) {
    auto page = server.server->handle(post("/v1/pull", officer.token, json{{"cursor", cursor}, {"limit", 2000}}.dump()));
    REQUIRE(page.status == 200);
    json j = body_of(page);
    cursor = j["cursor"].get<std::string>();
    more = j["more"].get<bool>();
  }
  REQUIRE(review(server, office, "uuid:a1", "rejected", "Sai xã").status == 200);
  auto pulled = server.server->handle(post("/v1/pull", officer.token, json{{"cursor", cursor}, {"limit", 2000}}.dump()));
  REQUIRE(pulled.status == 200);
  bool decided = false;
  const json changes = body_of(pulled)["changes"];
  for (const auto& c : changes)
    if (c["kind"] == "decision" && c["instance_id"] == "uuid:a1") {
      decided = c["state"] == "rejected" && c["reason"] == "Sai xã";
    }
  CHECK(decided);

  // The edit that replaces the rejected survey names it; the list says which replaced which.
  REQUIRE(push(server, officer, survey("uuid:a2", "muong_kim", "Chè Mường Kim 2", "uuid:a1")) == "accepted");
  list = body_of(get(server, office, "/v1/office/submissions", {{"form_id", "survey"}, {"commune", "muong_kim"}}))["submissions"];
  REQUIRE(list.size() == 2);
  CHECK(list[0]["replaced_by"] == "uuid:a2");
  CHECK(list[1]["deprecated_id"] == "uuid:a1");
  CHECK(list[1]["state"] == "received");

  // Who may not: the viewer does not review, the officer reads nothing here, and nothing is stored.
  CHECK(review(server, viewer, "uuid:a1", "approved", "").status == 403);
  CHECK(review(server, officer, "uuid:a1", "approved", "").status == 403);
  CHECK(get(server, officer, "/v1/office/submissions", {{"form_id", "survey"}}).status == 403);
  CHECK(get(server, officer, "/v1/office/queue").status == 403);
  trail = server.storage->reviews();
  REQUIRE(trail.ok());
  CHECK(trail->size() == 3);
}

TEST_CASE("sync office endpoints: the queue lists possible duplicates and open submission conflicts") {
  ServerFixture server;
  Who office = enroll_as(server, "admin", {}, "Văn phòng");
  Who viewer = enroll_as(server, "viewer", {"pac_ta"}, "Lãnh đạo");
  Who officer = enroll_as(server, "officer", {"muong_kim"}, "Cán bộ A");
  REQUIRE(push(server, officer, establishment("e1", "muong_kim", "Chè Tân Uyên")) == "accepted");
  REQUIRE(push(server, officer, establishment("e2", "muong_kim", "CHÈ TÂN UYÊN")) == "accepted");
  REQUIRE(push(server, officer, establishment("e3", "muong_kim", "Mộc Bình Lư")) == "accepted");
  REQUIRE(push(server, officer, survey("uuid:c1", "muong_kim", "Chè")) == "accepted");
  // The same id with other content: a conflict kept beside the stored one.
  REQUIRE(push(server, officer, survey("uuid:c1", "muong_kim", "Chè xanh")) == "conflict");

  auto q = get(server, office, "/v1/office/queue");
  REQUIRE(q.status == 200);
  json j = body_of(q);
  REQUIRE(j["duplicates"].size() == 1);
  CHECK(j["duplicates"][0]["reason"] == "name+commune");
  CHECK(j["duplicates"][0]["records"] == json({"e1", "e2"}));
  CHECK(j["duplicates"][0]["names"] == json({"Chè Tân Uyên", "CHÈ TÂN UYÊN"}));
  CHECK(j["conflicts"].is_array());
  REQUIRE(j["submission_conflicts"].size() == 1);
  json c = j["submission_conflicts"][0];
  CHECK(c["instance_id"] == "uuid:c1");
  CHECK(c["form_id"] == "survey");
  CHECK(c["commune"] == "muong_kim");
  CHECK(c["stored"]["device_id"] == officer.id);
  CHECK(c["other"]["device_id"] == officer.id);
  CHECK(c["stored"]["sha256"] != c["other"]["sha256"]);

  // A viewer of another commune sees none of it.
  j = body_of(get(server, viewer, "/v1/office/queue"));
  CHECK(j["duplicates"].empty());
  CHECK(j["submission_conflicts"].empty());
}

}  // namespace
}  // namespace khaosat::test
