// Submissions: finalize (valid and not), the stored XML/JSON/hash, lifecycle, edits with
// deprecatedID, listing.
#include <nlohmann/json.hpp>

#include "core/store_fixture.hpp"
#include "khaosat/core/store.hpp"

using namespace khaosat::core;
using khaosat::test::code_of;
using khaosat::test::message_of;

namespace {
std::string sha256_of(const std::string& s);
}

#include "xpath/functions_odk.hpp"

namespace {
std::string sha256_of(const std::string& s) {
  namespace odk = khaosat::core::xpath::detail::odk;
  return odk::hex_encode(odk::hash_bytes(odk::HashAlgorithm::Sha256, s));
}
}  // namespace

TEST_CASE("store submissions: finalize stores the XML, JSON and hash, the draft goes, the outbox records it") {
  khaosat::test::StoreFixture f;
  f.install();
  auto s = f.filled("Chè Tân Uyên", "7");
  auto draft = f.store->save_draft(DraftSave{"", s.get(), "/data/age"});
  REQUIRE(draft.ok());
  SubmissionRecord sub = f.finalize(*s, *draft);
  CHECK(sub.instance_id == "uuid:00000000-0000-4000-8000-100000000001");
  CHECK(sub.state == SubmissionState::Finalized);
  CHECK(sub.sha256 == sha256_of(sub.instance_xml));
  CHECK(sub.instance_xml == s->instance_xml());
  CHECK(sub.instance_xml.find("<name>Chè Tân Uyên</name>") != std::string::npos);
  auto json = nlohmann::json::parse(sub.instance_json);
  CHECK(json["data"]["age"] == "7");
  CHECK(code_of(f.store->get_draft(*draft)) == "store.not_found");

  f.reopen();
  auto got = f.store->get_submission(sub.instance_id);
  REQUIRE(got.ok());
  CHECK(got->instance_xml == sub.instance_xml);
  CHECK(got->instance_json == sub.instance_json);
  CHECK(got->sha256 == sub.sha256);
  CHECK(got->form_id == "survey");
  CHECK(got->form_version == "1");
  auto outbox = f.store->list_outbox();
  REQUIRE(outbox.ok());
  REQUIRE(outbox->size() == 1);
  CHECK(outbox->at(0).seq == 1);
  CHECK(outbox->at(0).kind == "submission");
  CHECK(outbox->at(0).subject == sub.instance_id);
  CHECK(nlohmann::json::parse(outbox->at(0).payload)["sha256"] == sub.sha256);
  auto audit = f.store->audit_log();
  REQUIRE(audit.ok());
  bool logged = false;
  for (const auto& a : *audit)
    logged = logged || (a.action == "submission.finalize" && a.subject == sub.instance_id &&
                        a.actor == "tester");
  CHECK(logged);
}

TEST_CASE("store submissions: an invalid session is a validation outcome, and nothing is stored") {
  khaosat::test::StoreFixture f;
  f.install();
  auto s = f.session();
  REQUIRE(s->answer("/data/age", "500").ok());  // name required and empty; age out of range
  auto draft = f.store->save_draft(DraftSave{"", s.get(), ""});
  REQUIRE(draft.ok());
  FinalizeRequest req;
  req.session = s.get();
  req.draft_id = *draft;
  auto out = f.store->finalize(req);
  REQUIRE(out.ok());
  CHECK_FALSE(out->finalized);
  REQUIRE(out->violations.size() == 2);
  CHECK(out->violations[0].first == "/data/name");
  CHECK(out->violations[0].second.condition == ViolationCondition::Required);
  CHECK(out->violations[1].first == "/data/age");
  CHECK(out->violations[1].second.condition == ViolationCondition::Constraint);
  CHECK(f.store->list_submissions()->empty());
  CHECK(f.store->list_outbox()->empty());
  CHECK(f.store->get_draft(*draft).ok());  // the draft stays
  CHECK_FALSE(f.store->finalize(FinalizeRequest{}).ok());
}

TEST_CASE("store submissions: the same instance cannot be finalized twice") {
  khaosat::test::StoreFixture f;
  f.install();
  auto s = f.filled("A");
  f.finalize(*s);
  FinalizeRequest req;
  req.session = s.get();
  auto again = f.store->finalize(req);
  CHECK(code_of(again) == "store.duplicate");
  CHECK(message_of(again).find("already finalized") != std::string::npos);
  CHECK(f.store->list_outbox()->size() == 1);
}

TEST_CASE("store submissions: lifecycle finalized -> sent, finalized -> rejected with the reason") {
  khaosat::test::StoreFixture f;
  f.install();
  auto a = f.finalize(*f.filled("A"));
  auto b = f.finalize(*f.filled("B"));
  REQUIRE(f.store->mark_sent(a.instance_id).ok());
  REQUIRE(f.store->mark_rejected(b.instance_id, "duplicate of an earlier survey").ok());
  CHECK(f.store->get_submission(a.instance_id)->state == SubmissionState::Sent);
  auto rb = f.store->get_submission(b.instance_id);
  CHECK(rb->state == SubmissionState::Rejected);
  CHECK(rb->reject_reason == "duplicate of an earlier survey");
  auto twice = f.store->mark_sent(a.instance_id);
  CHECK(code_of(twice) == "store.state");
  CHECK(message_of(twice).find("already sent") != std::string::npos);
  CHECK(code_of(f.store->mark_sent("uuid:nope")) == "store.not_found");
  SubmissionFilter only_sent;
  only_sent.state = SubmissionState::Sent;
  auto sent = f.store->list_submissions(only_sent);
  REQUIRE(sent->size() == 1);
  CHECK(sent->at(0).instance_id == a.instance_id);
}

TEST_CASE("store submissions: editing creates a new version with deprecatedID, the old one stays") {
  khaosat::test::StoreFixture f;
  f.install();
  auto first = f.finalize(*f.filled("Chè Tân Uyên", "7"));
  REQUIRE(f.store->mark_sent(first.instance_id).ok());
  auto draft = f.store->begin_edit(first.instance_id);
  REQUIRE_MESSAGE(draft.ok(), message_of(draft));
  CHECK(f.store->begin_edit(first.instance_id).value() == *draft);  // already being edited: same draft
  auto d = f.store->get_draft(*draft);
  CHECK(d->replaces == first.instance_id);
  CHECK(d->instance_id != first.instance_id);
  auto restored = f.store->restore_draft(*draft);
  REQUIRE_MESSAGE(restored.ok(), message_of(restored));
  CHECK(restored->session->node("/data/meta/instanceID")->value == d->instance_id);
  REQUIRE(restored->session->answer("/data/age", "8").ok());
  auto second = f.finalize(*restored->session, *draft);
  CHECK(second.instance_id == d->instance_id);
  CHECK(second.deprecated_id == first.instance_id);
  CHECK(second.instance_xml.find("<deprecatedID>" + first.instance_id + "</deprecatedID>") !=
        std::string::npos);
  CHECK(second.instance_xml.find("<instanceID>" + second.instance_id + "</instanceID>") !=
        std::string::npos);
  CHECK(second.instance_xml.find("<age>8</age>") != std::string::npos);
  CHECK(nlohmann::json::parse(second.instance_json)["data"]["meta"]["deprecatedID"] == first.instance_id);
  CHECK(second.sha256 == sha256_of(second.instance_xml));

  auto old = f.store->get_submission(first.instance_id);
  CHECK(old->superseded_by == second.instance_id);
  CHECK(old->instance_xml == first.instance_xml);  // submissions are immutable
  auto replaced = f.store->begin_edit(first.instance_id);
  CHECK(code_of(replaced) == "store.edit");
  CHECK(message_of(replaced).find(second.instance_id) != std::string::npos);

  SubmissionFilter latest;
  latest.include_superseded = false;
  auto list = f.store->list_submissions(latest);
  REQUIRE(list->size() == 1);
  CHECK(list->at(0).instance_id == second.instance_id);
  CHECK(f.store->list_submissions()->size() == 2);
  auto outbox = f.store->list_outbox();
  REQUIRE(outbox->size() == 2);
  CHECK(nlohmann::json::parse(outbox->at(1).payload)["deprecated_id"] == first.instance_id);
  auto c = f.store->check();
  REQUIRE(c.ok());
  CHECK(c->ok());
}

TEST_CASE("store submissions: listing filters by form and keeps finalize order") {
  khaosat::test::StoreFixture f;
  f.install();
  std::string other = f.dir.write("other.xml", khaosat::test::survey_form_xml("other", "1"));
  REQUIRE(f.store->install_form(other).ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(f.finalize(*f.filled("S" + std::to_string(i))).instance_id);
  auto os = FormSession::start(f.store->load_form("other").value());
  REQUIRE(os.ok());
  REQUIRE((*os)->answer("/data/name", "x").ok());
  f.finalize(**os);
  SubmissionFilter survey;
  survey.form_id = "survey";
  auto list = f.store->list_submissions(survey);
  REQUIRE(list->size() == 5);
  for (int i = 0; i < 5; ++i) CHECK(list->at(static_cast<std::size_t>(i)).instance_id == ids[static_cast<std::size_t>(i)]);
  CHECK(list->at(0).instance_xml.empty());
  survey.limit = 2;
  CHECK(f.store->list_submissions(survey)->size() == 2);
  CHECK(f.store->list_submissions()->size() == 6);
}

// A primary instance whose meta block uses the OpenRosa prefix (orx:meta/orx:instanceID, as
// older ODK Build and Enketo forms write it): preloads inside it run, the store finds the
// instance id, and an edit writes orx:deprecatedID beside it.
TEST_CASE("store submissions: a prefixed orx:meta block carries the instance id through finalize and edit") {
  khaosat::test::StoreFixture f;
  const std::string xml = R"X(<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"
      xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms">
    <h:head><h:title>orx</h:title><model>
      <instance><data id="orx-meta" orx:version="3"><name/><orx:meta><orx:instanceID/><orx:timeStart/><orx:timeEnd/><orx:deviceID/></orx:meta></data></instance>
      <bind nodeset="/data/orx:meta/orx:instanceID" type="string" readonly="true()" jr:preload="uid"/>
      <bind nodeset="/data/orx:meta/orx:timeStart" type="dateTime" jr:preload="timestamp" jr:preloadParams="start"/>
      <bind nodeset="/data/orx:meta/orx:timeEnd" type="dateTime" jr:preload="timestamp" jr:preloadParams="end"/>
      <bind nodeset="/data/orx:meta/orx:deviceID" type="string" jr:preload="property" jr:preloadParams="deviceid"/>
    </model></h:head>
    <h:body><input ref="/data/name"><label>Name</label></input></h:body></h:html>)X";
  auto installed = f.store->install_form(f.dir.write("orx.xml", xml));
  REQUIRE_MESSAGE(installed.ok(), message_of(installed));
  auto form = f.store->load_form("orx-meta");
  REQUIRE_MESSAGE(form.ok(), message_of(form));
  SessionOptions so;
  so.env.uuid = [] { return std::string("00000000-0000-4000-8000-000000000042"); };
  so.env.now_ms = [] { return 1577880000000.0; };
  so.env.tz_offset_minutes = [](double) { return 0; };
  so.env.device_id = "dev-1";
  auto s = FormSession::start(*form, so);
  REQUIRE(s.ok());
  FormSession& session = **s;
  CHECK(session.node("/data/orx:meta/orx:instanceID")->value ==
        "uuid:00000000-0000-4000-8000-000000000042");
  CHECK(session.node("/data/orx:meta/orx:timeStart")->value == "2020-01-01T12:00:00.000+00:00");
  CHECK(session.node("/data/orx:meta/orx:deviceID")->value == "dev-1");
  REQUIRE(session.answer("/data/name", "An").ok());
  SubmissionRecord sub = f.finalize(session);
  CHECK(sub.instance_id == "uuid:00000000-0000-4000-8000-000000000042");
  CHECK(sub.instance_xml.find("<orx:timeEnd>2020-01-01T12:00:00.000+00:00</orx:timeEnd>") !=
        std::string::npos);
  CHECK(f.store->get_submission(sub.instance_id).ok());

  auto draft = f.store->begin_edit(sub.instance_id);
  REQUIRE_MESSAGE(draft.ok(), message_of(draft));
  auto restored = f.store->restore_draft(*draft);
  REQUIRE_MESSAGE(restored.ok(), message_of(restored));
  const std::string new_id = restored->session->node("/data/orx:meta/orx:instanceID")->value;
  CHECK(new_id != sub.instance_id);
  auto second = f.finalize(*restored->session, *draft);
  CHECK(second.instance_id == new_id);
  CHECK(second.deprecated_id == sub.instance_id);
  CHECK(second.instance_xml.find("<orx:deprecatedID>" + sub.instance_id + "</orx:deprecatedID>") !=
        std::string::npos);
}
