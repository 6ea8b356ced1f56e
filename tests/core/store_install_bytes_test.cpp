// Installing a form from bytes (what sync and the app do) and exporting submissions as rows.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/store_fixture.hpp"
#include "khaosat/core/error_codes.hpp"
#include "khaosat/core/form_info.hpp"
#include "khaosat/core/submission_table.hpp"

using namespace khaosat::core;
using khaosat::test::code_of;
using khaosat::test::message_of;
using khaosat::test::survey_form_xml;

namespace {

std::string with_csv_instance(std::string xml, const std::string& file) {
  xml.replace(xml.find("</instance>"), 11,
              "</instance><instance id=\"villages\" src=\"jr://file-csv/" + file + "\"/>");
  return xml;
}

}  // namespace

TEST_CASE("store forms from bytes: an XForm and its media in memory install and load") {
  khaosat::test::StoreFixture f;
  NamedBytes form{"withmedia.xml", with_csv_instance(survey_form_xml("withmedia", "1"), "villages.csv")};
  auto r = f.store->install_form(form, {{"villages.csv", "name,label\nbh,Bản Hon\n"}});
  REQUIRE_MESSAGE(r.ok(), message_of(r));
  CHECK(r->form_id == "withmedia");
  CHECK(r->source_name == "withmedia.xml");
  CHECK(r->media == std::vector<std::string>{"villages.csv"});
  f.reopen();
  auto loaded = f.store->load_form("withmedia");
  REQUIRE_MESSAGE(loaded.ok(), message_of(loaded));
  CHECK(form_identity(*loaded).id == "withmedia");
}

TEST_CASE("store forms from bytes: an XLSForm workbook compiles by its name's extension") {
  khaosat::test::StoreFixture f;
  NamedBytes md{"tiny.md",
                "| survey |\n| | type | name | label |\n| | text | q | Q |\n"
                "| settings |\n| | form_id | version |\n| | tiny | 3 |\n"};
  auto r = f.store->install_form(md);
  REQUIRE_MESSAGE(r.ok(), message_of(r));
  CHECK(r->form_id == "tiny");
  CHECK(r->version == "3");
}

TEST_CASE("store forms from bytes: only the media given count, and their names are plain file names") {
  khaosat::test::StoreFixture f;
  // The CSV sits in the test folder, but the bytes carry no folder: it must not be found there.
  f.dir.write("villages.csv", "name,label\nbh,Bản Hon\n");
  NamedBytes form{"withmedia.xml", with_csv_instance(survey_form_xml("withmedia", "1"), "villages.csv")};
  auto missing = f.store->install_form(form, {{"other.csv", "name,label\nx,X\n"}});
  CHECK(code_of(missing) == "form.attachment");
  CHECK(message_of(missing).find("villages.csv") != std::string::npos);
  CHECK(message_of(missing).find("withmedia.xml") != std::string::npos);
  // A form that did not install leaves no media folder behind (other.csv was written first).
  std::string forms_dir = f.store->media_dir() + "/forms";
  CHECK((!std::filesystem::exists(forms_dir) || std::filesystem::is_empty(forms_dir)));

  for (const std::string& bad : std::vector<std::string>{"../villages.csv", "sub/villages.csv", "..", "", std::string("a\0b", 3)}) {
    CAPTURE(bad);
    auto r = f.store->install_form(form, {{bad, "x"}});
    CHECK(code_of(r) == "store.invalid");
    CHECK(message_of(r).find("plain file name") != std::string::npos);
  }
  auto twice = f.store->install_form(form, {{"villages.csv", "a"}, {"villages.csv", "b"}});
  CHECK(code_of(twice) == "store.invalid");
  CHECK(message_of(twice).find("given twice") != std::string::npos);
  CHECK(f.store->list_forms()->empty());
}

TEST_CASE("form info: identity and the entity declaration of a form") {
  khaosat::test::StoreFixture f;
  f.install();
  auto form = f.store->load_form("survey");
  REQUIRE(form.ok());
  FormIdentity id = form_identity(*form);
  CHECK(id.id == "survey");
  CHECK(id.version == "1");
  CHECK(id.title == "Establishment survey");
  CHECK_FALSE(entity_declaration(*form).has_value());

  NamedBytes md{"ent.md",
                "| survey |\n| | type | name | label | save_to |\n| | text | est_name | Name | est_name |\n"
                "| | text | commune | Commune | commune |\n"
                "| entities |\n| | list_name | label |\n| | establishments | ${est_name} |\n"
                "| settings |\n| | form_id | version |\n| | ent | 1 |\n"};
  auto r = f.store->install_form(md);
  REQUIRE_MESSAGE(r.ok(), message_of(r));
  auto ef = f.store->load_form("ent");
  REQUIRE(ef.ok());
  auto decl = entity_declaration(*ef);
  REQUIRE(decl.has_value());
  CHECK(decl->dataset == "establishments");
  CHECK(decl->creates);
  CHECK_FALSE(decl->updates);
  CHECK(decl->path == "/data/meta/entity");
  REQUIRE(decl->save_to.size() == 2);
  CHECK(decl->save_to[0].ref == "/data/est_name");
  CHECK(decl->save_to[0].property == "est_name");
  CHECK(decl->save_to[1].property == "commune");
  CHECK(decl->label_calculate.find("est_name") != std::string::npos);
}

TEST_CASE("submission table: columns in first-seen order, repeats numbered, CSV quoting") {
  SubmissionRecord a;
  a.instance_id = "uuid:1";
  a.form_id = "f";
  a.form_version = "1";
  a.finalized_at = 1764806400000;  // 2025-12-04T00:00:00Z
  a.instance_xml = "<data id=\"f\"><name>Chè, \"Tân\" Uyên</name><p><x>1</x></p><p><x>2</x></p>"
                   "<meta><instanceID>uuid:1</instanceID></meta></data>";
  a.instance_json = R"({"data":{"name":"Chè, \"Tân\" Uyên","p":[{"x":"1"},{"x":"2"}],"meta":{"instanceID":"uuid:1"}}})";
  SubmissionRecord b = a;
  b.instance_id = "uuid:2";
  b.deprecated_id = "uuid:1";
  b.instance_xml = "<data id=\"f\"><name>B</name><p><x>3</x></p><extra>e</extra></data>";
  b.instance_json = R"({"data":{"name":"B","p":[{"x":"3"}],"extra":"e"}})";
  SubmissionTable t;
  REQUIRE(t.add(a).ok());
  REQUIRE(t.add(b).ok());
  std::vector<std::string> want = {"instance_id", "form_id", "form_version", "state",
                                   "finalized_at", "deprecated_id", "name", "p[1]/x", "p[2]/x",
                                   "meta/instanceID", "extra"};
  CHECK(t.columns() == want);
  REQUIRE(t.row_count() == 2);
  CHECK(t.cell(0, 4) == "2025-12-04T00:00:00Z");
  CHECK(t.cell(0, 8) == "2");
  CHECK(t.cell(1, 8) == "");    // b has one repeat instance
  CHECK(t.cell(1, 5) == "uuid:1");
  CHECK(t.cell(1, 10) == "e");
  CHECK(t.cell(0, 10) == "");   // a column first seen in a later row
  std::ostringstream csv;
  t.write_csv(csv);
  CHECK(csv.str().find("\"Chè, \"\"Tân\"\" Uyên\"") != std::string::npos);
  CHECK(csv.str().find("\r\n") != std::string::npos);

  SubmissionRecord broken = a;
  broken.instance_xml = "<data><unclosed></data>";
  Status st = t.add(broken);
  CHECK(code_of(st) == "store.instance");
  CHECK(message_of(st).find("uuid:1") != std::string::npos);
  CHECK(t.row_count() == 2);
}

TEST_CASE("error codes: every code has a unique stable name and a meaning") {
  std::set<std::string_view> names;
  for (int i = 0; i < kErrorCodeCount; ++i) {
    auto code = static_cast<ErrorCode>(i);
    std::string_view name = to_string(code);
    CAPTURE(name);
    CHECK_FALSE(name.empty());
    CHECK_FALSE(describe(code).empty());
    CHECK(names.insert(name).second);
    CHECK(parse_error_code(name) == code);
  }
  CHECK(to_string(ErrorCode::form_structure) == "form.structure");
  CHECK_FALSE(parse_error_code("no.such.code").has_value());
}

TEST_CASE("error codes: docs/errors.md lists every code") {
  std::ifstream in(std::string(KHAOSAT_SOURCE_DIR) + "/docs/errors.md");
  REQUIRE(in.good());
  std::string doc((std::istreambuf_iterator<char>(in)), {});
  for (int i = 0; i < kErrorCodeCount; ++i) {
    std::string row = "| `" + std::string(to_string(static_cast<ErrorCode>(i))) + "` |";
    CAPTURE(row);
    CHECK(doc.find(row) != std::string::npos);
  }
}
