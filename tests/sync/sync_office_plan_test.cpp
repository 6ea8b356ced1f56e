// The plan's needs from the server's storage (sync/office_plan.hpp): only the year's approved,
// current submissions of forms A, B and C give needs. Over SQLite and PostgreSQL.
#include <set>

#include "khaosat/sync/office_plan.hpp"
#include "sync/sync_fixture.hpp"

namespace khaosat::test {
namespace {

// A submission of form C (lc_coop_needs) in binh_lu with one need, pushed as a device would.
void push_coop(ServerFixture& s, std::int64_t seq, const std::string& id, const std::string& date,
               const std::string& replaces = "") {
  sync::PushRecord r;
  r.kind = "submission";
  r.id = id;
  r.form_id = "lc_coop_needs";
  r.form_version = "2026120601";
  r.xml = "<data id=\"lc_coop_needs\" version=\"2026120601\"><reg_date>" + date +
          "</reg_date><commune>binh_lu</commune><coop_name>HTX " + id +
          "</coop_name><needs><support_type>training</support_type><funding_source>provincial</funding_source>"
          "<amount_requested>10</amount_requested><counterpart>5</counterpart><rank>1</rank>"
          "<other_state_funding>no</other_state_funding></needs><meta><instanceID>" + id + "</instanceID>" +
          (replaces.empty() ? "" : "<deprecatedID>" + replaces + "</deprecatedID>") + "</meta></data>";
  if (!replaces.empty()) r.deprecated_id = replaces;
  r.seq = seq;
  sync::PushBatch b{"coop", seq, seq, {r}};
  std::vector<sync::CheckedRecord> checked{{&b.records[0], sync::sha256_hex(r.xml), ""}};
  auto a = s.storage->push("coop", b, checked, 1000 + seq);
  REQUIRE_MESSAGE(a.ok(), message_of(a));
  REQUIRE_MESSAGE(a->results.at(0).status == sync::RecordStatus::Accepted, id << ": " << a->results.at(0).reason);
}

void review(ServerFixture& s, const std::string& id, const std::string& state, std::int64_t at) {
  REQUIRE(s.storage->add_review({id, state, "", "Văn phòng", at}).ok());
}

}  // namespace

TEST_CASE("sync office plan: needs come from the year's approved current submissions only") {
  ServerFixture s;
  s.publish(survey_form_xml(), "lc_coop_needs", "2026120601");  // the storage keeps the bytes; form C's shape is not read here
  std::string secret = sync::sha256_hex("enroll coop");
  REQUIRE(s.storage->add_enrollment(secret, {"officer", "coop", {}, 1LL << 50}).ok());
  REQUIRE(s.storage->redeem_enrollment(secret, "coop", "coop", sync::sha256_hex("t-coop"), 1).ok());
  push_coop(s, 1, "uuid:approved", "2027-02-01");
  push_coop(s, 2, "uuid:issues", "2027-02-01");
  push_coop(s, 3, "uuid:unreviewed", "2027-02-01");
  push_coop(s, 4, "uuid:rejected", "2027-02-01");
  push_coop(s, 5, "uuid:old-year", "2026-12-31");
  push_coop(s, 6, "uuid:v1", "2027-02-01");
  push_coop(s, 7, "uuid:v2", "2027-02-03", "uuid:v1");  // an edit: v1 is no longer current
  push_coop(s, 8, "uuid:re-approved", "2027-02-01");
  review(s, "uuid:approved", "approved", 10);
  review(s, "uuid:issues", "has_issues", 11);
  review(s, "uuid:rejected", "rejected", 12);
  review(s, "uuid:old-year", "approved", 13);
  review(s, "uuid:v1", "approved", 14);
  review(s, "uuid:v2", "approved", 15);
  review(s, "uuid:re-approved", "approved", 16);  // the latest review counts
  review(s, "uuid:re-approved", "has_issues", 17);
  review(s, "uuid:issues", "approved", 18);

  auto needs = sync::approved_needs(*s.storage, 2027);
  REQUIRE_MESSAGE(needs.ok(), message_of(needs));
  std::set<std::string> from;
  for (const auto& n : *needs) from.insert(n.submission);
  CHECK(from == std::set<std::string>{"uuid:approved", "uuid:issues", "uuid:v2"});
  auto last_year = sync::approved_needs(*s.storage, 2026);
  REQUIRE(last_year.ok());
  REQUIRE(last_year->size() == 1);
  CHECK(last_year->front().submission == "uuid:old-year");
  // Within a scope: a commune the needs are not in gives none.
  sync::Scope other;
  other.communes = {"pac_ta"};
  auto scoped = sync::approved_needs(*s.storage, 2027, &other);
  REQUIRE(scoped.ok());
  CHECK(scoped->empty());
}

}  // namespace khaosat::test
