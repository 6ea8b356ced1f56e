// The XLSForm compiler's two producers of a FormDef agree: loading a workbook (load_form,
// `form check`, `form fill`, the store) builds parts of the model in the compiler itself instead
// of writing them as XForm XML and reading that back (compiler.hpp); `form convert` still writes
// the whole XForm, which the loader reads. For every XLSForm the suite has (tests/fixtures,
// among them the XLSForm conformance corpus and ODK's preview-service workbooks, and the
// built-in forms), the FormDef built the direct way equals the one loaded from the converted
// XForm, compared as canonical dumps (form_def_dump.hpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "form_def_dump.hpp"
#include "support/session_fixture.hpp"
#include "xlsform/compiler.hpp"

using namespace khaosat::core;
using khaosat::test::dump_form_def;
using khaosat::test::first_dump_difference;

namespace {

struct Routes {
  Result<std::shared_ptr<const FormDef>> converted;  // the XForm written, then loaded
  Result<std::shared_ptr<const FormDef>> direct;     // what load_form does
};

Routes both_routes(const xlsform::Workbook& wb, const std::string& path) {
  LoadOptions opts;
  opts.missing_blank = true;  // forms naming attachments load too (each an empty instance)
  std::string xml;
  auto converted = xlsform::compile_xlsform(wb, path, opts, &xml);
  auto direct = xlsform::compile_xlsform(wb, path, opts);
  return {std::move(converted), std::move(direct)};
}

// "" when both routes give the same FormDef, or the same error; else what differs.
std::string difference(const xlsform::Workbook& wb, const std::string& path) {
  Routes r = both_routes(wb, path);
  if (r.converted.ok() != r.direct.ok())
    return path + ": one route failed: " +
           (r.converted.ok() ? r.direct.error().message : r.converted.error().message);
  if (!r.converted.ok())
    return r.converted.error().message == r.direct.error().message
               ? std::string()
               : path + ": different errors:\n" + r.converted.error().message + "\n" +
                     r.direct.error().message;
  std::string diff = first_dump_difference(dump_form_def(*r.converted.value()),
                                           dump_form_def(*r.direct.value()));
  return diff.empty() ? diff : path + ": " + diff;
}

std::vector<std::string> xlsform_files() {
  std::vector<std::string> out;
  namespace fs = std::filesystem;
  for (const char* dir : {KHAOSAT_SOURCE_DIR "/tests/fixtures", KHAOSAT_SOURCE_DIR "/forms"})
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.is_regular_file() && xlsform::is_xlsform_path(e.path().string()))
        out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

xlsform::Sheet sheet(std::string name, std::vector<std::string> headers,
                     std::vector<std::vector<std::string>> rows) {
  xlsform::Sheet s;
  s.name = std::move(name);
  s.headers = std::move(headers);
  s.header_row = 1;
  int n = 2;
  for (auto& r : rows) s.rows.push_back(xlsform::Row{n++, std::move(r)});
  return s;
}

}  // namespace

TEST_CASE("xlsform direct build: every fixture workbook gives the FormDef its XForm loads to") {
  int forms = 0, compiled = 0;
  for (const std::string& path : xlsform_files()) {
    auto wb = xlsform::read_workbook(path);
    if (!wb) continue;  // a data CSV, or a fixture of a reader error: nothing to compile
    ++forms;
    Routes r = both_routes(wb.value(), path);
    if (r.converted.ok()) ++compiled;
    std::string diff = difference(wb.value(), path);
    CHECK_MESSAGE(diff.empty(), diff);
  }
  MESSAGE(forms << " workbooks, " << compiled << " compiled");
  CHECK(compiled >= 44);  // the others are data CSVs and workbooks refused on purpose
}

TEST_CASE("xlsform direct build: itext with outputs, media, guidance and characters XML changes") {
  // Cells a spreadsheet can hold and XML cannot keep as they are: carriage returns, tabs,
  // control characters; markup characters; ${} outputs in labels, hints and choice labels.
  xlsform::Workbook wb;
  wb.source = "direct.xlsx";
  wb.sheets.push_back(sheet(
      "survey",
      {"type", "name", "label::English (en)", "label::Tiếng Việt (vi)", "hint::English (en)",
       "guidance_hint::English (en)", "image::English (en)", "constraint",
       "constraint_message::English (en)", "required_message::English (en)", "required",
       "calculation", "trigger", "default", "parameters", "appearance"},
      {{"integer", "n", "How many?\r\nCount\tthem", "Bao nhiêu? <b>&amp;</b>", "a\rb\x01 \"q\"",
        "guide ${n}", "n.png", ". > 0", "More than ${n}\r\n!", "Needed", "yes", "", "", "", "", ""},
       {"select_one yn", "s", "Pick ${n} \x02 one", "Chọn", "", "", "", "", "", "", "", "", "", "",
        "randomize=true", "minimal"},
       {"calculate", "when", "", "", "", "", "", "", "", "", "", "now()", "${n}", "", "", ""},
       {"range", "rg", "Range", "Khoảng", "", "", "", "", "", "", "", "", "", "", "start=0 end=5 step=0.5", ""},
       {"image", "img", "Photo", "Ảnh", "", "", "", "", "", "", "", "", "", "", "max-pixels=800", ""},
       {"begin repeat", "r", "Rows of ${n}", "Dòng", "", "", "", "", "", "", "", "", "", "", "", "field-list"},
       {"text", "t", "Row ${n}: ${s}", "", "hint\n", "", "", "", "", "", "", "", "", "${n}", "", ""},
       {"begin group", "g", "Inner", "Trong", "", "", "", "", "", "", "", "", "", "", "", ""},
       {"date", "day", "Day", "Ngày", "", "", "", "", "", "", "", "", "", "today()", "", ""},
       {"end group", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""},
       {"end repeat", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""},
       {"note", "nt", "", "Chỉ tiếng Việt ${t}", "", "", "", "", "", "", "", "", "", "", "", ""}}));
  wb.sheets.push_back(sheet("choices", {"list_name", "name", "label::English (en)", "label::Tiếng Việt (vi)", "image::English (en)"},
                            {{"yn", "y", "Yes ${n}", "Có", "y.png"},
                             {"yn", "n", "No\r\n", "Không\t", ""}}));
  wb.sheets.push_back(sheet("settings", {"default_language"}, {{"English (en)"}}));
  std::string diff = difference(wb, "direct.xlsx");
  CHECK_MESSAGE(diff.empty(), diff);
  // And the text is what was read back from the XML, not the cell as written.
  Routes r = both_routes(wb, "direct.xlsx");
  REQUIRE_MESSAGE(r.direct.ok(), khaosat::test::error_of(r.direct));
  const std::string dump = dump_form_def(*r.direct.value());
  CHECK(dump.find("literal \"How many?\\nCount\\tthem\"") != std::string::npos);
  CHECK(dump.find("\xEF\xBF\xBD") != std::string::npos);
  CHECK(dump.find("output {") != std::string::npos);
  // The parts of the body the direct build makes: a triggered calculation, a repeat's new
  // instance default, a range, an itemset with randomize.
  CHECK(dump.find("trigger=\"/data/n\"") != std::string::npos);
  CHECK(dump.find("odk-new-repeat") != std::string::npos);
  CHECK(dump.find("range \"0\" \"5\" \"0.5\"") != std::string::npos);
  CHECK(dump.find("randomize(") != std::string::npos);
}

TEST_CASE("xlsform direct build: the dump comparison sees a changed translation") {
  // The check above is only worth something if a difference in what the compiler builds shows:
  // one text part changed in the direct FormDef must be reported.
  auto wb = xlsform::read_workbook(KHAOSAT_SOURCE_DIR "/forms/a_establishment.md");
  REQUIRE(wb.ok());
  Routes r = both_routes(wb.value(), "a_establishment.md");
  REQUIRE(r.direct.ok());
  REQUIRE(r.converted.ok());
  auto changed = std::make_shared<FormDef>();
  changed->translations = r.direct.value()->translations;
  REQUIRE_FALSE(changed->translations.empty());
  auto& texts = changed->translations.front().texts;
  REQUIRE_FALSE(texts.empty());
  texts.begin()->second[""].push_back(TextPart{"x", nullptr});
  auto original = std::make_shared<FormDef>();
  original->translations = r.direct.value()->translations;
  CHECK_FALSE(first_dump_difference(dump_form_def(*original), dump_form_def(*changed)).empty());
}
