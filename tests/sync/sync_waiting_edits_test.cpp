// Edits that wait for their predecessor (issue 10 §2; docs/sync-protocol.md, "Edits wait for
// their predecessor"): an edit pushed before the submission it replaces is acknowledged but held
// where no export, office view or registry ingest sees it, and stored in the transaction that
// brings its predecessor, down a chain; one whose predecessor never comes stays waiting and is
// listed. Over SQLite and PostgreSQL; concurrent pushes from several server connections over
// PostgreSQL only.
#include <atomic>
#include <barrier>
#include <thread>

#include "khaosat/core/store_ids.hpp"
#include "khaosat/core/xlsform.hpp"
#include "pg_db.hpp"
#include "storage_common.hpp"
#include "sync/sync_fixture.hpp"

namespace khaosat::test {
namespace {

using nlohmann::json;

// A survey submission's XML, editing `replaces` when given.
std::string survey_xml(const std::string& id, const std::string& shop, const std::string& replaces = "") {
  return "<data id=\"survey\"><shop>" + shop + "</shop><meta><instanceID>" + id + "</instanceID>" +
         (replaces.empty() ? "" : "<deprecatedID>" + replaces + "</deprecatedID>") + "</meta></data>";
}

json record(std::int64_t seq, const std::string& id, const std::string& xml, const std::string& replaces = "",
            const std::string& form = "survey") {
  json r = {{"seq", seq}, {"kind", "submission"}, {"id", id}, {"form_id", form}, {"form_version", "1"}, {"xml", xml}};
  if (!replaces.empty()) r["deprecated_id"] = replaces;
  return r;
}

// Pushes `records` as device `d`'s batch from seq `first`; the answer's body.
json push(ServerFixture& server, Device& d, std::int64_t first, const json& records) {
  json batch = {{"device_id", d.id()}, {"first_seq", first},
                {"last_seq", first + static_cast<std::int64_t>(records.size()) - 1}, {"records", records}};
  auto r = server.server->handle(post("/v1/push", d.token(), batch.dump()));
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return body_of(r);
}

std::string stored_ids(ServerFixture& server) {
  auto subs = server.storage->submissions("survey");
  REQUIRE(subs.ok());
  std::string out;
  for (const auto& s : *subs) out += s.instance_id + (s.deprecated_id ? "<" + *s.deprecated_id : "") + " ";
  return out;
}

std::string waiting_ids(ServerFixture& server) {
  auto w = server.storage->waiting_edits();
  REQUIRE(w.ok());
  std::string out;
  for (const auto& e : *w) out += e.instance_id + "<" + e.deprecated_id + " ";
  return out;
}

TEST_CASE("sync waiting edits: an edit before its predecessor waits unseen, with its photo, and the predecessor releases it") {
  ServerFixture server;
  Device a(server);
  const std::string photo = "a photo of the shop, edited";
  const std::string sha = sync::sha256_hex(photo);
  json edit = record(1, "uuid:e1", survey_xml("uuid:e1", "Chè B", "uuid:o1"), "uuid:o1");
  edit["attachments"] = json::array({{{"name", "shop.jpg"}, {"sha256", sha}, {"size", photo.size()}}});
  json ans = push(server, a, 1, json::array({edit}));
  CHECK(ans["results"][0]["status"] == "accepted");  // acknowledged: the device does not send it again
  CHECK(ans["results"][0]["reason"].get<std::string>().find("waits for instance uuid:o1") != std::string::npos);
  // Not a submission yet: exports and the office read none; it is listed as waiting.
  CHECK(stored_ids(server).empty());
  CHECK(server.query("SELECT count(*) FROM submissions") == "0|\n");
  CHECK(waiting_ids(server) == "uuid:e1<uuid:o1 ");
  auto office = server.server->handle({"GET", "/v1/office/submissions", {{"form_id", "survey"}},
                                       {{"authorization", "Bearer " + a.token()}}, ""});
  if (office.status == 200) CHECK(body_of(office)["submissions"].empty());
  CHECK(server.storage->check()->empty());
  // Its photo is wanted and taken now, as any submission's.
  REQUIRE(ans["attachments_needed"].size() == 1);
  auto needed = server.server->handle({"GET", "/v1/attachments/needed", {}, {{"authorization", "Bearer " + a.token()}}, ""});
  REQUIRE(needed.status == 200);
  REQUIRE(body_of(needed)["attachments"].size() == 1);
  CHECK(body_of(needed)["attachments"][0]["sha256"] == sha);
  auto up = server.server->handle({"PUT", "/v1/attachments/" + sha, {{"offset", "0"}},
                                   {{"authorization", "Bearer " + a.token()}}, photo});
  CHECK(up.status == 200);

  // The same edit again (a second device's copy, or a resend under a new sequence) is a
  // duplicate; another version under its id is refused, the held one kept.
  CHECK(push(server, a, 2, json::array({record(2, "uuid:e1", survey_xml("uuid:e1", "Chè B", "uuid:o1"), "uuid:o1")}))
            ["results"][0]["status"] == "duplicate");
  CHECK(push(server, a, 3, json::array({record(3, "uuid:e1", survey_xml("uuid:e1", "Chè X", "uuid:o1"), "uuid:o1")}))
            ["results"][0]["status"] == "rejected");
  CHECK(waiting_ids(server) == "uuid:e1<uuid:o1 ");

  // The predecessor arrives: both are stored in that push, the edit with its photo.
  CHECK(push(server, a, 4, json::array({record(4, "uuid:o1", survey_xml("uuid:o1", "Chè A"))}))["results"][0]["status"] ==
        "accepted");
  CHECK(stored_ids(server) == "uuid:o1 uuid:e1<uuid:o1 ");
  CHECK(waiting_ids(server).empty());
  CHECK(server.query("SELECT instance_id, name, sha256 FROM submission_attachments") ==
        "uuid:e1|shop.jpg|" + sha + "|\n");
  CHECK(server.storage->check()->empty());

  // Replays change nothing: the edit's first batch (the ledger answers), the predecessor again,
  // the edit again under a new sequence.
  std::string before = server.dump();
  json replay = push(server, a, 1, json::array({edit}));
  CHECK(replay["results"][0]["status"] == "accepted");
  CHECK(server.dump() == before);
  CHECK(push(server, a, 5, json::array({record(5, "uuid:o1", survey_xml("uuid:o1", "Chè A"))}))["results"][0]["status"] ==
        "duplicate");
  CHECK(push(server, a, 6, json::array({record(6, "uuid:e1", survey_xml("uuid:e1", "Chè B", "uuid:o1"), "uuid:o1")}))
            ["results"][0]["status"] == "duplicate");
  CHECK(stored_ids(server) == "uuid:o1 uuid:e1<uuid:o1 ");
}

TEST_CASE("sync waiting edits: a chain of three in reverse, in three batches and in one") {
  ServerFixture server;
  Device a(server);
  Device b(server);
  // Three batches: the newest edit first.
  push(server, a, 1, json::array({record(1, "uuid:c", survey_xml("uuid:c", "v3", "uuid:b"), "uuid:b")}));
  push(server, a, 2, json::array({record(2, "uuid:b", survey_xml("uuid:b", "v2", "uuid:a"), "uuid:a")}));
  CHECK(stored_ids(server).empty());
  CHECK(waiting_ids(server) == "uuid:c<uuid:b uuid:b<uuid:a ");
  push(server, a, 3, json::array({record(3, "uuid:a", survey_xml("uuid:a", "v1"))}));
  CHECK(stored_ids(server) == "uuid:a uuid:b<uuid:a uuid:c<uuid:b ");
  CHECK(waiting_ids(server).empty());

  // One batch, reversed: the same end, in that one transaction.
  json ans = push(server, b, 1, json::array({record(1, "uuid:z", survey_xml("uuid:z", "w3", "uuid:y"), "uuid:y"),
                                             record(2, "uuid:y", survey_xml("uuid:y", "w2", "uuid:x"), "uuid:x"),
                                             record(3, "uuid:x", survey_xml("uuid:x", "w1"))}));
  for (int i = 0; i < 3; ++i) CHECK(ans["results"][i]["status"] == "accepted");
  CHECK(waiting_ids(server).empty());
  CHECK(server.query("SELECT count(*) FROM submissions WHERE instance_id IN ('uuid:x', 'uuid:y', 'uuid:z')") == "3|\n");
  CHECK(server.storage->check()->empty());
}

TEST_CASE("sync waiting edits: an edit whose predecessor never comes stays waiting, listed, and the data is whole") {
  ServerFixture server;
  Device a(server);
  push(server, a, 1, json::array({record(1, "uuid:lonely", survey_xml("uuid:lonely", "v2", "uuid:lost"), "uuid:lost"),
                                  record(2, "uuid:plain", survey_xml("uuid:plain", "p"))}));
  CHECK(stored_ids(server) == "uuid:plain ");
  auto w = server.storage->waiting_edits();
  REQUIRE(w.ok());
  REQUIRE(w->size() == 1);
  CHECK((*w)[0].instance_id == "uuid:lonely");
  CHECK((*w)[0].deprecated_id == "uuid:lost");
  CHECK((*w)[0].device_id == a.id());
  CHECK((*w)[0].seq == 1);
  CHECK((*w)[0].sha256 == sync::sha256_hex(survey_xml("uuid:lonely", "v2", "uuid:lost")));
  CHECK(server.storage->check()->empty());  // waiting is not damage
  // Other pushes do not release it; another storage connection (the CLI beside serve) lists it.
  push(server, a, 3, json::array({record(3, "uuid:other", survey_xml("uuid:other", "o"))}));
  auto again = server.open_again();
  auto w2 = again->waiting_edits();
  REQUIRE(w2.ok());
  CHECK(w2->size() == 1);
}

TEST_CASE("sync waiting edits: a released edit's registry entity is applied after its predecessor's") {
  ServerFixture server;
  // The server's clock, so the derivations' stamps are known: an older client sends no entity
  // reference, and the server stamps its derivation when the submission arrives.
  std::int64_t now = 1733450000000;
  sync::ServerOptions options;
  options.plan_tables_dir = KHAOSAT_FORMS_DIR;
  options.now_ms = [&] { return now; };
  server.server = std::make_unique<sync::SyncServer>(*server.storage, options);
  auto xml = core::convert_xlsform_bytes(entity_form_md(), "est.md");
  REQUIRE(xml.ok());
  sync::PublishedForm f{"est", "1", "Establishment", sync::sha256_hex(*xml), {"est.xml", *xml}, {{"establishments.csv", "name,label,__version\n"}}, 2};
  REQUIRE(server.storage->publish_form(f).ok());
  Device a(server);
  auto form = core::load_form_xml(*xml, "est.xml", {{}, true, nullptr});
  REQUIRE(form.ok());
  auto s = core::FormSession::start(*form);
  REQUIRE(s.ok());
  REQUIRE((*s)->answer("/data/est_name", "Dệt Pắc Ta").ok());
  REQUIRE((*s)->answer("/data/phone", "0912000111").ok());
  std::string record_id = (*s)->node("/data/new_record_id")->value;
  auto done = (*s)->finalize();
  REQUIRE(done.ok());
  std::string oid = (*s)->node("/data/meta/instanceID")->value;
  std::string original = done->instance_xml;
  // The edit: the same answers but the phone, a new instance id naming the original.
  std::string edited = original;
  edited.replace(edited.find("0912000111"), 10, "0988000222");
  std::string eid = "uuid:0190b2d4-5f7e-7000-8000-00000000e0e0";
  edited.replace(edited.find(oid), oid.size(), eid);
  edited.replace(edited.find("</meta>"), 7, "<deprecatedID>" + oid + "</deprecatedID></meta>");

  auto phone = [&] {
    auto all = server.storage->registry(core::Registry::Establishment);
    REQUIRE(all.ok());
    for (const auto& r : *all)
      if (r.record.record_id == record_id)
        for (const auto& [k, p] : r.record.properties)
          if (k == "phone") return p.value;
    return std::string("(none)");
  };
  push(server, a, 1, json::array({record(1, eid, edited, oid, "est")}));
  CHECK(phone() == "(none)");  // a waiting edit makes no registry record
  now += 60000;                // the original arrives a minute later
  push(server, a, 2, json::array({record(2, oid, original, "", "est")}));
  CHECK(waiting_ids(server).empty());
  CHECK(phone() == "0988000222");  // the edit's, applied after the original's
  CHECK(server.storage->registry_conflicts()->empty());
}

// PostgreSQL's lock between a hold and its predecessor's insert (docs/server-storage.md
// "PostgreSQL"): a push with an edit takes the waiting edits' advisory lock exclusively, a plain
// push shares it. Here six server connections (six server processes) push at once, round after
// round: in each group of three devices one pushes an original (a plain push), one its edit and
// one the edit of that edit, the roles turning each round, every push held open at its commit
// (the test seam) so they overlap. Without the lock an edit checks for its predecessor before
// the other push commits it, and that push looks for waiting edits before this one commits its
// hold: the edit waits for ever for a stored predecessor.
TEST_CASE("only: concurrent pushes of edits and their predecessors store every edit once, after its predecessor") {
  ServerFixture server;
  REQUIRE_MESSAGE(!server.url.empty(), "KHAOSAT_TEST_PG_URL is not set");
  constexpr int kGroups = 2, kDevices = 3 * kGroups, kRounds = 6;
  std::vector<std::unique_ptr<Device>> devices;
  std::vector<std::unique_ptr<sync::ServerStorage>> storages;
  std::vector<std::unique_ptr<sync::SyncServer>> servers;
  for (int i = 0; i < kDevices; ++i) {
    devices.push_back(std::make_unique<Device>(server));
    storages.push_back(server.open_again());
    servers.push_back(std::make_unique<sync::SyncServer>(*storages.back()));
  }
  // Round r, group g: the original, its edit, the edit's edit.
  auto id = [](int g, int r, int k) { return "uuid:g" + std::to_string(g) + "-r" + std::to_string(r) + "-" + "xyz"[k]; };
  sync::set_push_pause_for_tests(std::chrono::milliseconds(40));
  std::vector<sync::Response> answers(kDevices * kRounds);
  std::barrier rounds(kDevices + 1);
  std::vector<std::thread> threads;
  for (int i = 0; i < kDevices; ++i)
    threads.emplace_back([&, i] {
      for (int r = 0; r < kRounds; ++r) {
        int g = i / 3, k = (i + r) % 3;  // k: 0 the original, 1 its edit, 2 the edit's edit
        std::string x = id(g, r, k), before = k ? id(g, r, k - 1) : "";
        json batch = {{"device_id", devices[i]->id()}, {"first_seq", r + 1}, {"last_seq", r + 1},
                      {"records", json::array({record(r + 1, x, survey_xml(x, "v" + std::to_string(k), before), before)})}};
        sync::Request req = post("/v1/push", devices[i]->token(), batch.dump());
        rounds.arrive_and_wait();  // all six at once
        answers[static_cast<std::size_t>(r * kDevices + i)] = servers[i]->handle(req);
        rounds.arrive_and_wait();
      }
    });
  // Meanwhile another connection looks, again and again, for a stored edit whose predecessor is
  // not stored (each statement sees one snapshot): there must never be one.
  std::atomic<bool> done{false};
  int looks = 0, orphans = 0;
  std::string observer_error;
  std::thread observer([&] {
    sync::pg::Db db;
    if (auto st = db.open(server.url); !st) return void(observer_error = st.error().message);
    while (!done) {
      auto r = db.exec("SELECT count(*) FROM submissions e WHERE e.deprecated_id IS NOT NULL AND NOT EXISTS "
                       "(SELECT 1 FROM submissions p WHERE p.instance_id = e.deprecated_id)", "observe");
      if (!r) return void(observer_error = r.error().message);
      ++looks;
      orphans += static_cast<int>(r->integer(0, 0));
    }
  });
  std::vector<std::string> waiting_after_round;
  for (int r = 0; r < kRounds; ++r) {
    rounds.arrive_and_wait();
    rounds.arrive_and_wait();
    waiting_after_round.push_back(waiting_ids(server));
  }
  for (auto& t : threads) t.join();
  done = true;
  observer.join();
  CHECK_MESSAGE(observer_error.empty(), observer_error);
  CHECK(looks > 0);
  CHECK(orphans == 0);
  sync::set_push_pause_for_tests(std::chrono::milliseconds(0));

  for (const auto& a : answers) {
    REQUIRE_MESSAGE(a.status == 200, a.body);
    CHECK(body_of(a)["results"][0]["status"] == "accepted");  // stored or held: acknowledged
  }
  for (int r = 0; r < kRounds; ++r) CHECK_MESSAGE(waiting_after_round[r].empty(), "round " << r);
  // Every one stored once, each edit naming its predecessor.
  CHECK(server.query("SELECT count(*), count(DISTINCT instance_id) FROM submissions") ==
        std::to_string(3 * kGroups * kRounds) + "|" + std::to_string(3 * kGroups * kRounds) + "|\n");
  CHECK(server.query("SELECT count(*) FROM submissions e JOIN submissions p ON p.instance_id = e.deprecated_id "
                     "WHERE e.instance_id LIKE '%-y' AND p.instance_id LIKE '%-x' OR "
                     "e.instance_id LIKE '%-z' AND p.instance_id LIKE '%-y'") == std::to_string(2 * kGroups * kRounds) + "|\n");
  CHECK(server.query("SELECT count(*) FROM waiting_submissions") == "0|\n");
  CHECK(server.query("SELECT count(*) FROM submission_conflicts") == "0|\n");
  CHECK(server.storage->check()->empty());
}

TEST_CASE("sync waiting edits: a schema-3 data folder gains the waiting table when opened") {
  ScopedDir dir;
  std::string data = (dir.path() / "srv").string();
  {
    auto s = sync::open_sqlite_storage(data);
    REQUIRE(s.ok());
  }
  raw_sql(data + "/server.db", "DROP TABLE waiting_submissions; PRAGMA user_version = 3;");
  auto s = sync::open_sqlite_storage(data);
  REQUIRE_MESSAGE(s.ok(), message_of(s));
  auto w = (*s)->waiting_edits();
  REQUIRE_MESSAGE(w.ok(), message_of(w));
  CHECK(w->empty());
}

}  // namespace
}  // namespace khaosat::test
