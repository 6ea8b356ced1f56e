// Registries: records with per-field HLC versions, lookup by id, diacritic-insensitive search.
#include <nlohmann/json.hpp>

#include "core/store_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::code_of;
using khaosat::test::message_of;

namespace {
std::string prop(const RegistryRecord& r, const std::string& key, bool hlc = false) {
  for (const auto& [k, p] : r.properties)
    if (k == key) return hlc ? p.hlc : p.value;
  return "(none)";
}
}  // namespace

TEST_CASE("store registry: create, edit one field, each field keeps its own HLC version") {
  khaosat::test::StoreFixture f;
  auto created = f.store->put_record(RegistryEdit{Registry::Cooperative, "",
                                                  {{"name", "HTX Chè Tân Uyên"}, {"commune", "Pắc Ta"}}});
  REQUIRE_MESSAGE(created.ok(), message_of(created));
  CHECK(is_uuid(created->record_id));
  CHECK(created->name == "HTX Chè Tân Uyên");
  std::string name_hlc = prop(*created, "name", true);
  std::string commune_hlc = prop(*created, "commune", true);
  CHECK(name_hlc < commune_hlc);  // ticked one after the other
  auto device = f.store->device_id();
  CHECK(name_hlc.substr(18) == *device);

  auto edited = f.store->put_record(RegistryEdit{Registry::Cooperative, created->record_id,
                                                 {{"commune", "Mường Khoa"}}});
  REQUIRE(edited.ok());
  CHECK(prop(*edited, "commune") == "Mường Khoa");
  CHECK(prop(*edited, "commune", true) > commune_hlc);
  CHECK(prop(*edited, "name", true) == name_hlc);  // untouched field keeps its version

  f.reopen();  // the HLC continues after a restart, never going back
  *f.fake.now -= 100000;
  auto later = f.store->put_record(RegistryEdit{Registry::Cooperative, created->record_id,
                                                {{"phone", "0213 3888 999"}}});
  REQUIRE(later.ok());
  CHECK(prop(*later, "phone", true) > prop(*edited, "commune", true));
  auto got = f.store->get_record(created->record_id);
  REQUIRE(got.ok());
  CHECK(got->properties.size() == 3);
  CHECK(prop(*got, "commune") == "Mường Khoa");

  auto outbox = f.store->list_outbox();
  REQUIRE(outbox->size() == 3);
  auto p = nlohmann::json::parse(outbox->at(1).payload);
  CHECK(p["record_id"] == created->record_id);
  CHECK(p["create"] == false);
  CHECK(p["set"].size() == 1);
  CHECK(p["set"]["commune"]["hlc"] == prop(*edited, "commune", true));
}

TEST_CASE("store registry: bad edits are refused with the record named") {
  khaosat::test::StoreFixture f;
  CHECK(code_of(f.store->put_record(RegistryEdit{Registry::Establishment, "", {{"commune", "x"}}})) ==
        "store.invalid");
  CHECK(code_of(f.store->put_record(RegistryEdit{Registry::Establishment, "", {}})) == "store.invalid");
  auto missing = f.store->put_record(RegistryEdit{Registry::Establishment, "nope", {{"name", "x"}}});
  CHECK(code_of(missing) == "store.not_found");
  CHECK(message_of(missing).find("'nope'") != std::string::npos);
  auto r = f.store->put_record(RegistryEdit{Registry::Establishment, "", {{"name", "Xưởng mộc"}}});
  REQUIRE(r.ok());
  auto wrong = f.store->put_record(RegistryEdit{Registry::CraftVillage, r->record_id, {{"name", "y"}}});
  CHECK(code_of(wrong) == "store.invalid");
  CHECK(f.store->list_outbox()->size() == 1);
}

TEST_CASE("store registry: search ignores diacritics, case and word order, registries are separate") {
  khaosat::test::StoreFixture f;
  auto add = [&](Registry reg, const std::string& name) {
    auto r = f.store->put_record(RegistryEdit{reg, "", {{"name", name}}});
    REQUIRE(r.ok());
    return r->record_id;
  };
  std::string che = add(Registry::Establishment, "Chè Tân Uyên");
  add(Registry::Establishment, "Cơ sở chè Phúc Khoa");
  add(Registry::Establishment, "Xưởng dệt Đồng Tâm");
  add(Registry::CraftVillage, "Làng nghề chè Tân Uyên");
  auto names = [&](Registry reg, const std::string& q) {
    std::string out;
    auto found = f.store->search_records(reg, q);
    REQUIRE(found.ok());
    for (const auto& r : *found) out += (out.empty() ? "" : "|") + r.name;
    return out;
  };
  CHECK(names(Registry::Establishment, "che tan uyen") == "Chè Tân Uyên");
  CHECK(f.store->search_records(Registry::Establishment, "che tan uyen")->at(0).record_id == che);
  CHECK(names(Registry::Establishment, "CHÈ") == "Chè Tân Uyên|Cơ sở chè Phúc Khoa");
  CHECK(names(Registry::Establishment, "uyen che") == "Chè Tân Uyên");
  CHECK(names(Registry::Establishment, "dong tam") == "Xưởng dệt Đồng Tâm");
  CHECK(names(Registry::Establishment, "đồng") == "Xưởng dệt Đồng Tâm");
  CHECK(names(Registry::Establishment, "xuong") == "Xưởng dệt Đồng Tâm");
  CHECK(names(Registry::Establishment, "tea") == "");
  CHECK(names(Registry::CraftVillage, "che tan uyen") == "Làng nghề chè Tân Uyên");
  CHECK(f.store->search_records(Registry::Establishment, "")->size() == 3);
  CHECK(f.store->search_records(Registry::Establishment, "", 2)->size() == 2);
  CHECK(names(Registry::Establishment, "100%_") == "");  // LIKE wildcards are plain text here
  CHECK(f.store->count_records(Registry::Establishment).value() == 3);
}
