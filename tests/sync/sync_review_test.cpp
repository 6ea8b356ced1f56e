// The office's review reaches the device (docs/sync-protocol.md, "Pull"): approved, has issues
// and rejected, each with its comment, at the device's next sync; a review made before the
// device's first pull comes in its snapshot; a device that does not name the "review" and
// "merged_into" features (an older app) gets only what it understands. Run over SQLite and, as
// pg.sync …, over PostgreSQL.
#include "sync/sync_fixture.hpp"

namespace khaosat::test {
namespace {

core::SubmissionRecord mine(Device& d, const std::string& id) {
  auto r = d.store.store->get_submission(id);
  REQUIRE_MESSAGE(r.ok(), message_of(r));
  return std::move(r).value();
}

std::size_t audits(Device& d, const std::string& action, const std::string& subject) {
  std::size_t n = 0;
  for (const auto& e : d.store.store->audit_log().value())
    if (e.action == action && e.subject == subject) ++n;
  return n;
}

// The decisions of a pull page, in order.
std::vector<nlohmann::json> decisions(const nlohmann::json& page) {
  std::vector<nlohmann::json> out;
  for (const auto& c : page.at("changes"))
    if (c.at("kind") == "decision") out.push_back(c);
  return out;
}

TEST_CASE("sync review: the device sees approved, has issues and rejected with the comment at its next sync") {
  ServerFixture server;
  Device a(server);
  auto sub = a.submit("one");
  REQUIRE(a.client->sync().ok());
  CHECK(mine(a, sub.instance_id).review.empty());

  REQUIRE(server.storage->add_review({sub.instance_id, "has_issues", "Thiếu số điện thoại", "lan", 10}).ok());
  REQUIRE(a.client->sync().ok());
  auto r = mine(a, sub.instance_id);
  CHECK(r.state == core::SubmissionState::Sent);
  CHECK(r.review == "has_issues");
  CHECK(r.review_comment == "Thiếu số điện thoại");
  CHECK(r.review_at > 0);

  REQUIRE(server.storage->add_review({sub.instance_id, "rejected", "Sai xã", "lan", 20}).ok());
  REQUIRE(a.client->sync().ok());
  r = mine(a, sub.instance_id);
  CHECK(r.state == core::SubmissionState::Rejected);
  CHECK(r.reject_reason == "Sai xã");
  CHECK(r.review == "rejected");

  // The office changes its mind: approved, and the survey is sent again (not rejected).
  REQUIRE(server.storage->add_review({sub.instance_id, "approved", "", "minh", 30}).ok());
  REQUIRE(a.client->sync().ok());
  r = mine(a, sub.instance_id);
  CHECK(r.state == core::SubmissionState::Sent);
  CHECK_FALSE(r.reject_reason);
  CHECK(r.review == "approved");
  CHECK(r.review_comment.empty());
  CHECK(audits(a, "submission.review", sub.instance_id) == 3);
  // A sync with nothing new changes nothing and writes no audit entry.
  REQUIRE(a.client->sync().ok());
  CHECK(audits(a, "submission.review", sub.instance_id) == 3);
  CHECK(a.store.store->check().value().problems.empty());
}

TEST_CASE("sync review: a review made before the device's first pull comes in its snapshot, the latest last") {
  ServerFixture server;
  Device a(server);
  auto sub = a.submit("one");
  REQUIRE(a.client->sync().ok());
  REQUIRE(server.storage->add_review({sub.instance_id, "has_issues", "Thiếu ảnh", "lan", 10}).ok());
  REQUIRE(server.storage->add_review({sub.instance_id, "rejected", "Sai xã", "lan", 20}).ok());
  // The device's first pull (its cursor empty: it pushed, then its pull was lost, say).
  auto page = body_of(server.server->handle(post("/v1/pull", a.token(), R"({"cursor": "", "features": ["review"]})")));
  auto ds = decisions(page);
  REQUIRE(ds.size() == 2);
  CHECK(ds[0]["state"] == "has_issues");
  CHECK(ds[1]["state"] == "rejected");
  CHECK(ds[1]["reason"] == "Sai xã");
  // Another device's snapshot has none of them.
  Device b(server);
  auto other = body_of(server.server->handle(post("/v1/pull", b.token(), R"({"cursor": "", "features": ["review"]})")));
  CHECK(decisions(other).empty());
}

TEST_CASE("sync review: a device that names no features gets rejections only, and no merged records") {
  ServerFixture server;
  Device a(server);
  auto one = a.submit("one");
  auto two = a.submit("two");
  REQUIRE(a.client->sync().ok());
  auto cursor = body_of(server.server->handle(post("/v1/pull", a.token(), R"({"cursor": ""})")))["cursor"];
  REQUIRE(server.storage->add_review({one.instance_id, "approved", "", "lan", 10}).ok());
  REQUIRE(server.storage->add_review({two.instance_id, "rejected", "Sai xã", "lan", 20}).ok());
  nlohmann::json req = {{"cursor", cursor}};
  auto old = body_of(server.server->handle(post("/v1/pull", a.token(), req.dump())));
  REQUIRE(decisions(old).size() == 1);
  CHECK(decisions(old)[0]["instance_id"] == two.instance_id);
  CHECK(decisions(old)[0]["state"] == "rejected");
  req["features"] = {"review", "merged_into", "a-feature-of-2030"};  // unknown names are ignored
  auto now = body_of(server.server->handle(post("/v1/pull", a.token(), req.dump())));
  REQUIRE(decisions(now).size() == 2);
  CHECK(decisions(now)[0]["state"] == "approved");

  // The protocol's encoder: merged_into only for a device that names it.
  sync::PullAnswer answer;
  core::PulledRecord rec;
  rec.registry = core::Registry::Establishment;
  rec.record_id = "est-b";
  rec.merged_into = "est-a";
  answer.page.records.push_back(rec);
  answer.page.cursor = "v1.log.1";
  CHECK_FALSE(sync::to_json(answer, {})["changes"][0].contains("merged_into"));
  CHECK(sync::to_json(answer, {false, true})["changes"][0]["merged_into"] == "est-a");
  // A features member that is not a list of strings is refused by name.
  auto bad = server.server->handle(post("/v1/pull", a.token(), R"({"cursor": "", "features": [1]})"));
  CHECK(bad.status == 400);
  CHECK(body_of(bad).dump().find("features[0]") != std::string::npos);
}

}  // namespace
}  // namespace khaosat::test
