// Forms and drafts: install, current version, autosave (upsert), restore where the officer was.
#include "core/store_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::code_of;
using khaosat::test::message_of;
using khaosat::test::survey_form_xml;

TEST_CASE("store forms: install, reinstall, a second version becomes current, a changed definition is refused") {
  khaosat::test::StoreFixture f;
  FormRecord r = f.install();
  CHECK(r.form_id == "survey");
  CHECK(r.version == "1");
  CHECK(r.title == "Establishment survey");
  CHECK(r.sha256.size() == 64);
  CHECK(r.current);
  CHECK(f.install().sha256 == r.sha256);  // the same file again: nothing changes
  auto forms = f.store->list_forms();
  REQUIRE(forms.ok());
  CHECK(forms->size() == 1);

  std::string v2 = f.dir.write("survey-v2.xml", survey_form_xml("survey", "2"));
  REQUIRE(f.store->install_form(v2).ok());
  CHECK(f.store->get_form("survey")->version == "2");
  CHECK_FALSE(f.store->get_form("survey", "1")->current);
  REQUIRE(f.store->set_current_form("survey", "1").ok());
  CHECK(f.store->get_form("survey")->version == "1");
  CHECK(code_of(f.store->set_current_form("survey", "9")) == "store.not_found");

  std::string changed = survey_form_xml("survey", "2");
  changed.replace(changed.find("Establishment survey"), 20, "Changed title here!!");
  std::string path = f.dir.write("survey-v2b.xml", changed);
  auto refused = f.store->install_form(path);
  CHECK(code_of(refused) == "store.form");
  CHECK(message_of(refused).find("already installed with a different definition") != std::string::npos);

  std::string broken = f.dir.write("broken.xml", "<h:html><oops");
  auto bad = f.store->install_form(broken);
  CHECK_FALSE(bad.ok());
  CHECK(message_of(bad).find("broken.xml") != std::string::npos);
  CHECK(f.store->list_forms()->size() == 2);
}

TEST_CASE("store forms: media files are stored with the form and found when it loads") {
  khaosat::test::StoreFixture f;
  std::string csv = f.dir.write("media/villages.csv", "name,label\nbh,Bản Hon\nmt,Mường Tè\n");
  std::string xml = khaosat::test::survey_form_xml("withmedia", "1");
  xml.replace(xml.find("</instance>"), 11,
              "</instance><instance id=\"villages\" src=\"jr://file-csv/villages.csv\"/>");
  std::string path = f.dir.write("withmedia.xml", xml);
  auto r = f.store->install_form(path, {csv});
  REQUIRE_MESSAGE(r.ok(), message_of(r));
  CHECK(r->media == std::vector<std::string>{"villages.csv"});
  std::filesystem::remove(csv);  // the store has its own copy
  f.reopen();
  auto form = f.store->load_form("withmedia");
  REQUIRE_MESSAGE(form.ok(), message_of(form));
  CHECK(f.store->get_form("withmedia")->media.size() == 1);
  // Without the media the form does not install: the error names the missing file.
  std::string xml2 = khaosat::test::survey_form_xml("other", "1");
  xml2.replace(xml2.find("</instance>"), 11,
               "</instance><instance id=\"v\" src=\"jr://file-csv/absent.csv\"/>");
  std::string path2 = f.dir.write("withmedia2.xml", xml2);
  auto missing = f.store->install_form(path2);
  CHECK_FALSE(missing.ok());
  CHECK(message_of(missing).find("absent.csv") != std::string::npos);
}

TEST_CASE("store drafts: save, overwrite (autosave), list, restore where the officer was, delete") {
  khaosat::test::StoreFixture f;
  f.install();
  auto s = f.session();
  REQUIRE(s->answer("/data/name", "Chè Tân Uyên").ok());
  DraftSave save{"", s.get(), "/data/age"};
  auto id = f.store->save_draft(save);
  REQUIRE_MESSAGE(id.ok(), message_of(id));
  for (int i = 0; i < 20; ++i) {  // autosave after each answer: the same draft, overwritten
    REQUIRE(s->answer("/data/age", std::to_string(i)).ok());
    auto again = f.store->save_draft(DraftSave{*id, s.get(), "/data/photo"});
    REQUIRE(again.ok());
    CHECK(*again == *id);
  }
  auto second = f.store->save_draft(DraftSave{"", f.filled("Other").get(), ""});
  REQUIRE(second.ok());
  auto list = f.store->list_drafts();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  CHECK(list->at(0).instance_xml.empty());  // lists do not carry the XML
  auto d = f.store->get_draft(*id);
  REQUIRE(d.ok());
  CHECK(d->saves == 21);
  CHECK(d->position == "/data/photo");
  CHECK(d->form_id == "survey");
  CHECK(d->instance_id == s->node("/data/meta/instanceID")->value);

  f.reopen();
  auto restored = f.store->restore_draft(*id);
  REQUIRE_MESSAGE(restored.ok(), message_of(restored));
  CHECK(restored->draft.position == "/data/photo");
  CHECK(restored->session->node("/data/name")->value == "Chè Tân Uyên");
  CHECK(restored->session->node("/data/age")->value == "19");
  CHECK(restored->session->instance_xml() == s->instance_xml());

  REQUIRE(f.store->delete_draft(*id).ok());
  CHECK(code_of(f.store->get_draft(*id)) == "store.not_found");
  CHECK(message_of(f.store->delete_draft(*id)).find(*id) != std::string::npos);
  CHECK(f.store->list_drafts()->size() == 1);
}

TEST_CASE("store drafts: a session of a form that is not installed, or of another form, is refused") {
  khaosat::test::StoreFixture f;
  auto form = load_form_xml(survey_form_xml("elsewhere", "3"), "elsewhere.xml");
  REQUIRE(form.ok());
  auto s = FormSession::start(*form);
  REQUIRE(s.ok());
  auto r = f.store->save_draft(DraftSave{"", s->get(), ""});
  CHECK(code_of(r) == "store.form");
  CHECK(message_of(r).find("'elsewhere' version '3' is not installed") != std::string::npos);
  f.install();
  auto id = f.store->save_draft(DraftSave{"", f.session().get(), ""});
  REQUIRE(id.ok());
  std::string other = f.dir.write("other.xml", survey_form_xml("other", "1"));
  REQUIRE(f.store->install_form(other).ok());
  auto os = FormSession::start(f.store->load_form("other").value());
  REQUIRE(os.ok());
  auto wrong = f.store->save_draft(DraftSave{*id, os->get(), ""});
  CHECK(code_of(wrong) == "store.invalid");
  CHECK(message_of(wrong).find("another form") != std::string::npos);
  CHECK(f.store->get_draft(*id)->form_id == "survey");
  CHECK_FALSE(f.store->save_draft(DraftSave{"", nullptr, ""}).ok());
}
