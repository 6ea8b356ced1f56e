// A registry record's open conflicts on the device (Store::record_conflicts, docs/storage.md
// "record_conflicts"): a pulled record that carries its list replaces the device's, in the
// page's transaction; one that does not (an older server) leaves it; bad rows are refused whole.
#include "core/store_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::message_of;

namespace {

PullPage page(const std::string& cursor, PulledRecord rec) {
  PullPage p;
  p.cursor_name = "registry";
  p.cursor = cursor;
  p.records.push_back(std::move(rec));
  return p;
}

PulledRecord record(std::string id, bool known, std::vector<RecordConflict> conflicts) {
  PulledRecord r;
  r.registry = Registry::Establishment;
  r.record_id = std::move(id);
  r.properties = {{"name", {"Lò rèn Nà Tăm", "0190b2d45f7e-0001-dev1"}}, {"phone", {"0916", "0190b2d45f7e-0002-dev2"}}};
  r.conflicts_known = known;
  r.conflicts = std::move(conflicts);
  return r;
}

}  // namespace

TEST_CASE("store record conflicts: pulled with the record, replaced as a whole, kept by a page without them") {
  khaosat::test::StoreFixture f;
  Store& s = *f.store;
  CHECK(s.record_conflicts("e1")->empty());
  REQUIRE(s.apply_pull(page("c1", record("e1", true, {{"r12", "phone", "0916", "0915"}, {"r3", "address", "Nà Tăm", "Bản Nà Tăm"}}))).ok());
  auto open = s.record_conflicts("e1");
  REQUIRE_MESSAGE(open.ok(), message_of(open));
  REQUIRE(open->size() == 2);
  CHECK((*open)[0].conflict_id == "r3");  // by property, then id
  CHECK((*open)[0].property == "address");
  CHECK((*open)[1].conflict_id == "r12");
  CHECK((*open)[1].kept_value == "0916");
  CHECK((*open)[1].other_value == "0915");
  // An older server sends no list: the device's stays.
  REQUIRE(s.apply_pull(page("c2", record("e1", false, {}))).ok());
  CHECK(s.record_conflicts("e1")->size() == 2);
  // The office resolved one: the record comes back with the other only.
  REQUIRE(s.apply_pull(page("c3", record("e1", true, {{"r3", "address", "Nà Tăm", "Bản Nà Tăm"}}))).ok());
  REQUIRE(s.record_conflicts("e1")->size() == 1);
  CHECK(s.record_conflicts("e1")->at(0).conflict_id == "r3");
  // A conflict without an id is refused, and the page with it: list and cursor stay.
  auto bad = s.apply_pull(page("c4", record("e1", true, {{"", "phone", "a", "b"}})));
  CHECK_FALSE(bad.ok());
  CHECK(message_of(bad).find("conflict without an id") != std::string::npos);
  CHECK(s.record_conflicts("e1")->size() == 1);
  CHECK(s.cursor("registry").value() == "c3");
  // Survives a reopen; another record's list is its own.
  f.reopen();
  CHECK(f.store->record_conflicts("e1")->size() == 1);
  CHECK(f.store->record_conflicts("e2")->empty());
}
