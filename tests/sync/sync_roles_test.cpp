// The role matrix (docs/sync-protocol.md, "Roles and communes"): each role (admin of the whole
// province, admin, officer, cooperative, viewer of one commune) against each endpoint, with data
// of its own commune and of another one. Data of another commune is refused record by record
// (`rejected` with a reason) and left as it was; an endpoint a role may not call is 403. The
// office endpoints (reviews, plan overrides) are read by admins and viewers (their communes) and
// written by admins only.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <set>

#include "sync/sync_fixture.hpp"

namespace khaosat::test {
namespace {

using nlohmann::json;

const std::string kOwn = "muong_kim", kOther = "pac_ta";

struct Actor {
  std::string role, token, id;
  std::int64_t seq = 0;
};

Actor enroll(ServerFixture& s, const std::string& role, const std::vector<std::string>& communes) {
  auto code = s.server->create_enrollment({role, role + " device", communes, 0});
  REQUIRE_MESSAGE(code.ok(), message_of(code));
  auto r = s.server->handle(post("/v1/enroll", "", json{{"code", *code}}.dump(), true));
  REQUIRE(r.status == 200);
  auto j = json::parse(r.body);
  CHECK(j["role"] == role);
  return {role, j["token"].get<std::string>(), j["device_id"].get<std::string>()};
}

std::string next_hlc() {
  static int counter = 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "0190b2d45f7e-%04x-", ++counter);
  return std::string(buf) + "test";
}

sync::PushRecord submission(const std::string& id, const std::string& commune, const std::string& photo = "",
                            const std::string& form = "survey") {
  sync::PushRecord r;
  r.kind = "submission";
  r.id = id;
  r.form_id = form;
  r.form_version = "1";
  r.xml = "<data id=\"" + form + "\"><a0><commune>" + commune + "</commune></a0><meta><instanceID>" + id +
          "</instanceID></meta></data>";
  if (!photo.empty()) r.attachments.push_back({"photo.jpg", sync::sha256_hex(photo), static_cast<std::int64_t>(photo.size())});
  return r;
}

// A registry record write; `commune` "" leaves the record's commune as it is.
sync::PushRecord record(const std::string& registry, const std::string& id, const std::string& commune,
                        const std::string& name, bool create = true) {
  sync::PushRecord r;
  r.kind = "registry";
  r.registry = registry;
  r.id = id;
  r.create = create;
  if (!commune.empty()) r.set.push_back({"commune", {commune, next_hlc()}});
  r.set.push_back({"name", {name, next_hlc()}});
  return r;
}

// Pushes `rec` as the actor's next sequence number: "403 sync.forbidden" or the record's status.
std::string push_one(ServerFixture& s, Actor& a, sync::PushRecord rec) {
  rec.seq = a.seq + 1;
  sync::PushBatch b{a.id, rec.seq, rec.seq, {rec}};
  auto r = s.server->handle(post("/v1/push", a.token, sync::to_json(b).dump()));
  json j = body_of(r);
  if (r.status != 200) return std::to_string(r.status) + " " + j["error"]["code"].get<std::string>();
  a.seq = rec.seq;
  std::string status = j["results"][0]["status"];
  if (status == "rejected") {
    std::string reason = j["results"][0]["reason"];
    bool names_why = reason.find("commune") != std::string::npos || reason.find("cooperative") != std::string::npos;
    CHECK_MESSAGE(names_why, reason);
  }
  return status;
}

std::string status_of(const sync::Response& r) {
  if (r.status == 200) return "200";
  return std::to_string(r.status) + " " + body_of(r)["error"]["code"].get<std::string>();
}

sync::Request upload(const std::string& token, const std::string& bytes) {
  return {"PUT", "/v1/attachments/" + sync::sha256_hex(bytes), {{"offset", "0"}},
          {{"authorization", "Bearer " + token}, {"content-type", "application/octet-stream"}}, bytes};
}

// What each role may do with its own commune's data (another commune's is refused to all but
// the whole province's admin).
struct Expect {
  std::string role;
  std::vector<std::string> communes;
  bool writes;          // push, attachments
  bool establishments;  // registry records other than cooperatives
  bool everywhere;      // another commune's data too
};

TEST_CASE("sync roles: every role against every endpoint, in its own commune and another") {
  ServerFixture server;
  // Data of both communes, written by an admin of the whole province.
  Actor boss = enroll(server, "admin", {});
  const std::string other_photo = "photo of the other commune";
  REQUIRE(push_one(server, boss, record("establishment", "est-own", kOwn, "Chè Mường Kim")) == "accepted");
  REQUIRE(push_one(server, boss, record("establishment", "est-other", kOther, "Chè Pắc Ta")) == "accepted");
  REQUIRE(push_one(server, boss, record("cooperative", "coop-other", kOther, "HTX Pắc Ta")) == "accepted");
  REQUIRE(push_one(server, boss, submission("uuid:other", kOther, other_photo)) == "accepted");
  REQUIRE(push_one(server, boss, submission("uuid:own-commune", kOwn)) == "accepted");
  // Form C's needs, one per commune, for the plan overrides (only A, B and C have needs).
  server.publish(survey_form_xml(), "lc_coop_needs", "1");
  REQUIRE(push_one(server, boss, submission("uuid:need-own", kOwn, "", "lc_coop_needs")) == "accepted");
  REQUIRE(push_one(server, boss, submission("uuid:need-other", kOther, "", "lc_coop_needs")) == "accepted");
  const std::string est_other = server.query("SELECT properties FROM registry WHERE record_id = 'est-other'");

  const std::vector<Expect> matrix = {
      {"admin", {}, true, true, true},
      {"admin", {kOwn}, true, true, false},
      {"officer", {kOwn}, true, true, false},
      {"cooperative", {kOwn}, true, false, false},
      {"viewer", {kOwn}, false, false, false},
  };
  int n = 0;
  for (const Expect& e : matrix) {
    const std::string p = e.role + std::to_string(++n) + "-";
    CAPTURE(p);
    Actor a = enroll(server, e.role, e.communes);
    const std::string forbidden = "403 sync.forbidden";
    auto outcome = [&](bool allowed) { return !e.writes ? forbidden : allowed ? "accepted" : "rejected"; };
    const std::string photo = "photo of " + p;

    // POST /v1/push: submissions.
    CHECK(push_one(server, a, submission("uuid:" + p + "own", kOwn, photo)) == outcome(true));
    CHECK(push_one(server, a, submission("uuid:" + p + "other", kOther)) == outcome(e.everywhere));
    CHECK(push_one(server, a, submission("uuid:" + p + "nowhere", "")) == outcome(true));
    // POST /v1/push: registry records, new and existing, of each commune.
    CHECK(push_one(server, a, record("cooperative", p + "coop", kOwn, "HTX")) == outcome(true));
    CHECK(push_one(server, a, record("establishment", p + "est", kOwn, "Cơ sở")) == outcome(e.establishments));
    CHECK(push_one(server, a, record("establishment", p + "est-o", kOther, "Cơ sở")) ==
          outcome(e.establishments && e.everywhere));
    CHECK(push_one(server, a, record("establishment", "est-own", "", p, false)) == outcome(e.establishments));
    CHECK(push_one(server, a, record("cooperative", "coop-other", "", p, false)) == outcome(e.everywhere));
    if (!e.everywhere) {
      CHECK(push_one(server, a, record("establishment", "est-other", "", p, false)) == outcome(false));
      // Moving a record of its own commune into another is writing the other commune's data.
      CHECK(push_one(server, a, record("cooperative", p + "coop", kOther, "HTX", false)) == outcome(false));
      CHECK(server.query("SELECT properties FROM registry WHERE record_id = 'est-other'") == est_other);
      CHECK(server.query("SELECT count(*) FROM submissions WHERE instance_id = 'uuid:" + p + "other'") == "0|\n");
    }

    // GET /v1/attachments/needed and PUT /v1/attachments/SHA256.
    auto needed = server.server->handle({"GET", "/v1/attachments/needed", {}, {{"authorization", "Bearer " + a.token}}, ""});
    CHECK(status_of(needed) == (e.writes ? "200" : forbidden));
    if (e.writes) CHECK(body_of(needed)["attachments"].size() == 1);
    CHECK(status_of(server.server->handle(upload(a.token, photo))) == (e.writes ? "200" : forbidden));
    // Another device's attachment: only that device uploads it.
    CHECK(status_of(server.server->handle(upload(a.token, other_photo))) == forbidden);

    // The office endpoints: admin and viewer read (their communes), only an admin reviews.
    const bool office = e.role == "admin" || e.role == "viewer";
    auto office_get = [&](const std::string& path, std::map<std::string, std::string> query) {
      return server.server->handle({"GET", path, std::move(query), {{"authorization", "Bearer " + a.token}}, ""});
    };
    auto listed = office_get("/v1/office/submissions", {{"form_id", "survey"}});
    CHECK(status_of(listed) == (office ? "200" : forbidden));
    if (office) {
      std::set<std::string> seen;
      const json subs = body_of(listed)["submissions"];
      for (const auto& s : subs) seen.insert(s["commune"].get<std::string>());
      CHECK(seen.count(kOther) == (e.everywhere ? 1u : 0u));
    }
    CHECK(status_of(office_get("/v1/office/submission", {{"form_id", "survey"}, {"instance_id", "uuid:other"}})) ==
          (!office ? forbidden : e.everywhere ? "200" : "404 sync.not_found"));
    CHECK(status_of(office_get("/v1/office/queue", {})) == (office ? "200" : forbidden));
    // The plan reads (a POST for its body): admin and viewer, over their communes' needs.
    auto planned = server.server->handle(post("/v1/office/plan", a.token, R"({"year": 2027, "budget": {"national": 100}})"));
    CHECK(status_of(planned) == (office ? "200" : forbidden));
    if (office) CHECK(body_of(planned)["sources"][0]["source"] == "national");
    auto reviewed = [&](const std::string& id) {
      json b = {{"form_id", "survey"}, {"instance_id", id}, {"state", "has_issues"}, {"comment", p}};
      return status_of(server.server->handle(post("/v1/office/review", a.token, b.dump())));
    };
    const bool admin = e.role == "admin";
    CHECK(reviewed("uuid:own-commune") == (admin ? "200" : forbidden));
    CHECK(reviewed("uuid:other") == (!admin ? forbidden : e.everywhere ? "200" : "404 sync.not_found"));
    // POST /v1/office/plan/override: an admin pins its communes' needs; nobody else.
    auto overridden = [&](const std::string& need) {
      json b = {{"need_id", need}, {"action", "pin"}, {"reason", "lũ quét " + p}};
      return status_of(server.server->handle(post("/v1/office/plan/override", a.token, b.dump())));
    };
    CHECK(overridden("uuid:need-own#1") == (admin ? "200" : forbidden));
    CHECK(overridden("uuid:need-other#1") == (!admin ? forbidden : e.everywhere ? "200" : "404 sync.not_found"));

    // POST /v1/pull: every role reads, its communes only.
    auto pulled = server.server->handle(post("/v1/pull", a.token, "{\"cursor\":\"\",\"limit\":2000}"));
    REQUIRE(status_of(pulled) == "200");
    std::set<std::string> communes;
    int records = 0;
    const json page = body_of(pulled);
    for (const auto& c : page["changes"])
      if (c["kind"] == "registry") {
        ++records;
        communes.insert(c["properties"].contains("commune") ? c["properties"]["commune"]["value"].get<std::string>() : "");
      }
    CHECK(records > 0);
    CHECK(communes.count(kOwn) == 1);
    CHECK(communes.count(kOther) == (e.everywhere ? 1u : 0u));
  }
  CHECK(server.query("SELECT count(*) FROM attachments WHERE complete = 1") == "4|\n");
  // The reviews of the two admins that may: of its commune's survey, and of the other commune's
  // by the whole province's admin; nobody else's.
  CHECK(server.query("SELECT count(*) FROM reviews") == "3|\n");
  // The overrides likewise: both admins of the own commune's need, the province's of the other's.
  CHECK(server.query("SELECT count(*) FROM plan_overrides") == "3|\n");
}

}  // namespace
}  // namespace khaosat::test
