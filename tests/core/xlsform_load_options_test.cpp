// XLSForm workbooks loaded through load_form take the same FormLoadOptions as an .xml form:
// attachments beside the workbook, then in media_dirs; a missing one is an error naming the file
// and where it was looked for, unless missing_blank.
#include <doctest/doctest.h>

#include <string>

#include "khaosat/core/form_session.hpp"
#include "support/scoped_dir.hpp"
#include "support/session_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::error_of;
using khaosat::test::ScopedDir;

namespace {

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const char* kPulldata = R"(
| survey |
|        | type       | name | label | calculation                                    |
|        | text       | k    | Key   |                                                |
|        | calculate  | rate |       | pulldata('limits', 'rate', 'name', ${k})       |
|        | select_one_from_file shops.csv | shop | Shop |                         |
)";

const char* kLimits = "name,rate\na,30\nb,50\n";
const char* kShops = "name,label\ns1,Shop one\ns2,Shop two\n";

std::string value_of(const Form& form, const std::string& key) {
  SessionOptions o;
  o.env = khaosat::test::fixed_env();
  auto s = FormSession::start(form, o);
  REQUIRE_MESSAGE(s.ok(), error_of(s));
  REQUIRE(s.value()->answer("/data/k", key).ok());
  return s.value()->node("/data/rate")->value;
}

}  // namespace

TEST_CASE("xlsform load options: a missing attachment is an error naming it and where we looked") {
  ScopedDir dir;
  std::string path = dir.write("f.md", kPulldata);
  dir.write("shops.csv", kShops);
  auto form = load_form(path);
  REQUIRE_FALSE(form.ok());
  CHECK(form.error().code == ErrorCode::form_attachment);
  const std::string& m = form.error().message;
  CHECK_MESSAGE(has(m, "jr://file-csv/limits.csv"), m);
  CHECK_MESSAGE(has(m, "is not there"), m);
  CHECK_MESSAGE(has(m, (dir.path() / "limits.csv").string()), m);
  // The survey row and cell that need it, not a line of the generated XML.
  CHECK_MESSAGE(has(m, "survey sheet, row 5, column 'calculation' (E): the attachment 'limits.csv'"), m);
  CHECK_MESSAGE(!has(m, "line "), m);

  // The same for a select_one_from_file list.
  ScopedDir dir2;
  std::string path2 = dir2.write("f.md", kPulldata);
  dir2.write("limits.csv", kLimits);
  auto form2 = load_form(path2);
  REQUIRE_FALSE(form2.ok());
  CHECK_MESSAGE(has(form2.error().message, "survey sheet, row 6, column 'type' (B): the attachment "
                                           "'shops.csv' (jr://file-csv/shops.csv)"),
                form2.error().message);

  // Both missing: both told at once.
  ScopedDir dir3;
  auto form3 = load_form(dir3.write("f.md", kPulldata));
  REQUIRE_FALSE(form3.ok());
  CHECK_MESSAGE(has(form3.error().message, "2 attachments are missing"), form3.error().message);
  CHECK_MESSAGE(has(form3.error().message, "'limits.csv'"), form3.error().message);
  CHECK_MESSAGE(has(form3.error().message, "'shops.csv'"), form3.error().message);
}

TEST_CASE("xlsform load options: missing_blank warns about each missing attachment by its row") {
  ScopedDir dir;
  std::string path = dir.write("f.md", kPulldata);
  dir.write("shops.csv", kShops);
  FormLoadOptions o;
  o.missing_blank = true;
  auto form = load_form(path, o);
  REQUIRE_MESSAGE(form.ok(), error_of(form));
  const auto warnings = summarize(form.value()).warnings;
  REQUIRE(warnings.size() == 1);
  CHECK_MESSAGE(has(warnings[0], "survey sheet, row 5, column 'calculation' (E): the attachment "
                                 "'limits.csv'"), warnings[0]);
  CHECK_MESSAGE(has(warnings[0], "needed to run the form"), warnings[0]);
}

TEST_CASE("xlsform load options: missing label media is a warning naming its cell, never an error") {
  const char* form_md = R"(
| survey |
|        | type | name | label | image   |
|        | text | a    | A     | a.png   |
|        | select_one yn | b | B |        |
| choices |
|         | list_name | name | label | image |
|         | yn        | y    | Yes   | y.png |
|         | yn        | n    | No    |       |
)";
  ScopedDir dir;
  std::string path = dir.write("f.md", form_md);
  dir.write("y.png", "png");
  auto form = load_form(path);
  REQUIRE_MESSAGE(form.ok(), error_of(form));
  const auto warnings = summarize(form.value()).warnings;
  REQUIRE(warnings.size() == 1);
  CHECK_MESSAGE(has(warnings[0], "survey sheet, row 4, column 'image' (E): the media file 'a.png' "
                                 "(jr://images/a.png) is not there"), warnings[0]);
  // Found in a media folder: no warning.
  ScopedDir media;
  media.write("a.png", "png");
  FormLoadOptions o;
  o.media_dirs = {media.path().string()};
  auto with_media = load_form(path, o);
  REQUIRE_MESSAGE(with_media.ok(), error_of(with_media));
  CHECK(summarize(with_media.value()).warnings.empty());
}

TEST_CASE("xlsform load options: missing_blank loads a missing attachment as empty") {
  ScopedDir dir;
  std::string path = dir.write("f.md", kPulldata);
  FormLoadOptions o;
  o.missing_blank = true;
  auto form = load_form(path, o);
  REQUIRE_MESSAGE(form.ok(), error_of(form));
  CHECK(value_of(form.value(), "a").empty());
}

TEST_CASE("xlsform load options: attachments beside the workbook, then in media_dirs") {
  ScopedDir dir;
  std::string path = dir.write("f.md", kPulldata);
  dir.write("limits.csv", kLimits);
  dir.write("shops.csv", kShops);
  auto beside = load_form(path);
  REQUIRE_MESSAGE(beside.ok(), error_of(beside));
  CHECK(value_of(beside.value(), "b") == "50");

  ScopedDir form_dir, media;
  std::string moved = form_dir.write("f.md", kPulldata);
  media.write("limits.csv", "name,rate\na,7\n");
  media.write("shops.csv", kShops);
  CHECK_FALSE(load_form(moved).ok());
  FormLoadOptions o;
  o.media_dirs = {media.path().string()};
  auto from_media = load_form(moved, o);
  REQUIRE_MESSAGE(from_media.ok(), error_of(from_media));
  CHECK(value_of(from_media.value(), "a") == "7");
}
