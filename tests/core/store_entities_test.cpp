// Registries from submissions (ODK Entities): finalize applies the form's entity to the registry
// in the same transaction (create, update, conditions, drafts, edits), and a session can start
// from a registry record (docs/storage.md, "Registries from submissions").
#include <nlohmann/json.hpp>

#include "core/entity_fixture.hpp"
#include "khaosat/core/form_info.hpp"

using namespace khaosat::core;
using khaosat::test::code_of;
using khaosat::test::message_of;

namespace {

using khaosat::test::EntityFixture;

std::string prop(const RegistryRecord& r, const std::string& key, bool hlc = false) {
  for (const auto& [k, p] : r.properties)
    if (k == key) return hlc ? p.hlc : p.value;
  return "(none)";
}

std::vector<OutboxEntry> outbox(khaosat::test::StoreFixture& f) {
  auto o = f.store->list_outbox();
  REQUIRE(o.ok());
  return *o;
}

}  // namespace

TEST_CASE("store entities: finalize creates the record in the same commit, one HLC, outbox before the submission") {
  EntityFixture f;
  auto s = f.fresh();
  f.answer(*s, "est_name", "Chè Tân Uyên");
  f.answer(*s, "phone", "0912345678");
  f.answer(*s, "commune", "muong_kim");
  auto new_id = s->node("/data/new_record_id");
  REQUIRE(new_id);
  REQUIRE(is_uuid(new_id->value));
  CHECK(f.store->count_records(Registry::Establishment).value() == 0);
  auto sub = f.finalize(*s);

  auto rec = f.store->get_record(new_id->value);
  REQUIRE_MESSAGE(rec.ok(), message_of(rec));
  CHECK(rec->registry == Registry::Establishment);
  CHECK(rec->name == "Chè Tân Uyên");
  CHECK(prop(*rec, "phone") == "0912345678");
  CHECK(prop(*rec, "commune") == "muong_kim");
  CHECK(prop(*rec, "name", true) == prop(*rec, "phone", true));  // one stamp for the entity
  CHECK(Hlc::parse(prop(*rec, "name", true)).has_value());
  // Found by the diacritic-insensitive search like any record.
  CHECK(f.store->search_records(Registry::Establishment, "che tan uyen")->size() == 1);

  auto o = outbox(f);
  REQUIRE(o.size() == 2);
  CHECK(o[0].kind == "registry");
  CHECK(o[1].kind == "submission");
  auto reg = nlohmann::json::parse(o[0].payload);
  CHECK(reg["create"] == true);
  CHECK(reg["source"] == sub.instance_id);
  CHECK(reg["set"]["name"]["hlc"] == prop(*rec, "name", true));
  auto p = nlohmann::json::parse(o[1].payload);
  CHECK(p["entity"]["registry"] == "establishment");
  CHECK(p["entity"]["id"] == new_id->value);
  CHECK(p["entity"]["hlc"] == prop(*rec, "name", true));
  auto audit = f.store->audit_log();
  REQUIRE(audit.ok());
  bool logged = false;
  for (const auto& a : *audit) logged = logged || (a.action == "registry.create" && a.subject == new_id->value);
  CHECK(logged);
}

TEST_CASE("store entities: a draft changes no registry, and create_if false creates nothing") {
  EntityFixture f;
  auto s = f.fresh();
  f.answer(*s, "est_name", "Dệt Pắc Ta");
  DraftSave save;
  save.session = s.get();
  auto draft = f.store->save_draft(save);
  REQUIRE(draft.ok());
  CHECK(f.store->count_records(Registry::Establishment).value() == 0);
  CHECK(outbox(f).empty());

  f.answer(*s, "skip", "yes");
  f.finalize(*s, *draft);
  CHECK(f.store->count_records(Registry::Establishment).value() == 0);
  auto o = outbox(f);
  REQUIRE(o.size() == 1);
  CHECK(o[0].kind == "submission");
  CHECK_FALSE(nlohmann::json::parse(o[0].payload).contains("entity"));
}

TEST_CASE("store entities: starting from a record prefills it and finalizing updates that record") {
  EntityFixture f;
  auto created = f.store->put_record(RegistryEdit{Registry::Establishment, "",
                                                  {{"name", "Rèn Mường Kim"}, {"phone", "0912000111"},
                                                   {"commune", "pac_ta"}, {"workers", "7"}}});
  REQUIRE(created.ok());
  std::string old_phone_hlc = prop(*created, "phone", true);
  std::string workers_hlc = prop(*created, "workers", true);

  auto s = f.store->start_from_record(f.form, created->record_id, f.options());
  REQUIRE_MESSAGE(s.ok(), message_of(s));
  FormSession& session = **s;
  CHECK(session.node("/data/record_id")->value == created->record_id);
  CHECK(session.node("/data/est_name")->value == "Rèn Mường Kim");
  CHECK(session.node("/data/phone")->value == "0912000111");
  CHECK(session.node("/data/commune")->value == "pac_ta");
  auto w = entity_write(session);
  REQUIRE(w.ok());
  REQUIRE(w->has_value());
  CHECK((*w)->update);
  CHECK((*w)->id == created->record_id);

  f.answer(session, "phone", "0988777666");
  std::size_t before = outbox(f).size();
  f.finalize(session);
  CHECK(f.store->count_records(Registry::Establishment).value() == 1);  // no new record
  auto rec = f.store->get_record(created->record_id);
  REQUIRE(rec.ok());
  CHECK(prop(*rec, "phone") == "0988777666");
  CHECK(prop(*rec, "phone", true) > old_phone_hlc);
  CHECK(prop(*rec, "workers", true) == workers_hlc);  // a property the form does not save: untouched
  auto o = outbox(f);
  REQUIRE(o.size() == before + 2);
  auto reg = nlohmann::json::parse(o[before].payload);
  CHECK(reg["create"] == false);
  CHECK(reg["record_id"] == created->record_id);
  CHECK(reg["set"]["phone"]["base"] == old_phone_hlc);  // sequential: the version it replaced
}

TEST_CASE("store entities: an edit of the submission that created a record updates it, no second record") {
  EntityFixture f;
  auto s = f.fresh();
  f.answer(*s, "est_name", "Mộc Tam Đường");
  f.answer(*s, "phone", "0912345678");
  std::string id = s->node("/data/new_record_id")->value;
  auto first = f.finalize(*s);
  auto rec1 = f.store->get_record(id);
  REQUIRE(rec1.ok());

  auto draft = f.store->begin_edit(first.instance_id);
  REQUIRE_MESSAGE(draft.ok(), message_of(draft));
  auto restored = f.store->restore_draft(*draft, f.options());
  REQUIRE(restored.ok());
  CHECK(restored.value().session->node("/data/new_record_id")->value == id);  // kept by the edit
  f.answer(*restored.value().session, "phone", "0977000000");
  auto second = f.finalize(*restored.value().session, *draft);
  CHECK(second.deprecated_id == first.instance_id);
  CHECK(f.store->count_records(Registry::Establishment).value() == 1);
  auto rec2 = f.store->get_record(id);
  REQUIRE(rec2.ok());
  CHECK(prop(*rec2, "phone") == "0977000000");
  CHECK(prop(*rec2, "name", true) > prop(*rec1, "name", true));
  auto o = outbox(f);
  REQUIRE(o.size() == 4);
  CHECK(nlohmann::json::parse(o[2].payload)["create"] == false);
  CHECK(nlohmann::json::parse(o[2].payload)["source"] == second.instance_id);
}

TEST_CASE("store entities: starting a form from a record of another registry, or a form without entity, is refused") {
  EntityFixture f;
  auto coop = f.store->put_record(RegistryEdit{Registry::Cooperative, "", {{"name", "HTX Chè"}}});
  REQUIRE(coop.ok());
  auto s = f.store->start_from_record(f.form, coop->record_id, f.options());
  CHECK(code_of(s) == "store.invalid");
  CHECK(message_of(s).find("'establishments', not the cooperatives") != std::string::npos);
  CHECK(code_of(f.store->start_from_record(f.form, "no-such-record", f.options())) == "store.not_found");
  f.install();  // the fixture's survey form: no entities sheet
  auto plain = f.store->load_form("survey");
  REQUIRE(plain.ok());
  auto est = f.store->put_record(RegistryEdit{Registry::Establishment, "", {{"name", "Rèn"}}});
  REQUIRE(est.ok());
  auto none = f.store->start_from_record(*plain, est->record_id, f.options());
  CHECK(code_of(none) == "store.invalid");
  CHECK(message_of(none).find("declares no entity") != std::string::npos);
}
