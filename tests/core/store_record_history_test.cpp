// A registry record's history (record_history.hpp): the submissions that created and changed
// it, in order, each field's value before and after, and a version pulled from another device.
#include "core/entity_fixture.hpp"
#include "khaosat/core/record_history.hpp"

using namespace khaosat::core;
using khaosat::test::code_of;
using khaosat::test::message_of;

namespace {

using HistoryFixture = khaosat::test::EntityFixture;

const RecordChange::Field* field(const RecordChange& c, const std::string& key) {
  for (const auto& f : c.fields)
    if (f.key == key) return &f;
  return nullptr;
}

}  // namespace

TEST_CASE("store record history: created by one submission, changed by a second, then by another device") {
  HistoryFixture f;
  auto first = FormSession::start(f.form, f.options());
  REQUIRE(first.ok());
  f.answer(**first, "est_name", "Chè Tân Uyên");
  f.answer(**first, "phone", "0912345678");
  f.answer(**first, "commune", "muong_kim");
  std::string id = (*first)->node("/data/new_record_id")->value;
  auto created = f.finalize(**first);

  auto again = f.store->start_from_record(f.form, id, f.options());
  REQUIRE_MESSAGE(again.ok(), message_of(again));
  f.answer(**again, "phone", "0987654321");
  auto updated = f.finalize(**again);

  auto h = record_history(*f.store, id);
  REQUIRE_MESSAGE(h.ok(), message_of(h));
  REQUIRE(h->size() == 2);
  const RecordChange& c0 = (*h)[0];
  CHECK(c0.create);
  CHECK(c0.local);
  CHECK(c0.source == created.instance_id);
  CHECK(c0.form_id == "est");
  CHECK(c0.form_version == "1");
  CHECK(c0.at >= created.finalized_at);
  REQUIRE(field(c0, "phone"));
  CHECK_FALSE(field(c0, "phone")->old_value.has_value());
  CHECK(field(c0, "phone")->new_value == "0912345678");
  CHECK(field(c0, "name")->new_value == "Chè Tân Uyên");

  const RecordChange& c1 = (*h)[1];
  CHECK_FALSE(c1.create);
  CHECK(c1.source == updated.instance_id);
  CHECK(c1.device == c0.device);
  CHECK(c1.at > c0.at);
  REQUIRE(field(c1, "phone"));
  CHECK(field(c1, "phone")->old_value == std::optional<std::string>("0912345678"));
  CHECK(field(c1, "phone")->new_value == "0987654321");
  CHECK(field(c1, "phone")->changed());
  REQUIRE(field(c1, "commune"));  // saved again, the same value: not a change
  CHECK_FALSE(field(c1, "commune")->changed());

  // Another device's edit of the commune, pulled from the server.
  Hlc later{updated.finalized_at + 60000, 0, "0190aaaa-0000-7000-8000-000000000001"};
  PullPage page;
  page.cursor_name = "server";
  page.cursor = "1";
  PulledRecord pr;
  pr.record_id = id;
  pr.properties.emplace_back("commune", RegistryProperty{"pac_ta", later.to_string()});
  page.records.push_back(pr);
  REQUIRE(f.store->apply_pull(page).ok());
  h = record_history(*f.store, id);
  REQUIRE(h.ok());
  REQUIRE(h->size() == 3);
  const RecordChange& c2 = (*h)[2];
  CHECK_FALSE(c2.local);
  CHECK(c2.source.empty());
  CHECK(c2.device == later.node);
  CHECK(c2.at == later.wall_ms);
  REQUIRE(c2.fields.size() == 1);
  CHECK(c2.fields[0].old_value == std::optional<std::string>("muong_kim"));
  CHECK(c2.fields[0].new_value == "pac_ta");

  CHECK(code_of(record_history(*f.store, "no-such-record")) == "store.not_found");
}
