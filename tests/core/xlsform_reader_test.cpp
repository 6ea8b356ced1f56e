// The XLSForm workbook readers (core/src/xlsform/workbook.hpp): pyxform's fixtures read to what
// pyxform's openpyxl backend sees (tests/fixtures/pyxform/openpyxl_cells.json), the same form in
// .xlsx, .md and .csv reads alike, value formatting, markdown rules, damaged and hostile input.
// The saved fuzz inputs (tests/fuzz/regressions/xlsx) are replayed by fuzz_regressions_test.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/scoped_dir.hpp"
#include "xlsform/workbook.hpp"

using khaosat::core::ErrorCode;

namespace {

namespace fs = std::filesystem;
using namespace khaosat::core::xlsform;

const fs::path kFixtures = fs::path(KHAOSAT_TESTS_DIR) / "fixtures" / "pyxform";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A minimal zip writer (stored entries, no compression) to build workbooks and damaged archives.
std::uint32_t crc32(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put16(std::string& s, unsigned v) {
  s += char(v & 0xFF);
  s += char((v >> 8) & 0xFF);
}
void put32(std::string& s, std::uint32_t v) {
  put16(s, v & 0xFFFF);
  put16(s, v >> 16);
}

std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out, central;
  for (const auto& [name, data] : entries) {
    auto offset = static_cast<std::uint32_t>(out.size());
    std::uint32_t crc = crc32(data);
    auto size = static_cast<std::uint32_t>(data.size());
    put32(out, 0x04034b50);
    put16(out, 20); put16(out, 0); put16(out, 0); put16(out, 0); put16(out, 0);
    put32(out, crc); put32(out, size); put32(out, size);
    put16(out, static_cast<unsigned>(name.size())); put16(out, 0);
    out += name;
    out += data;
    put32(central, 0x02014b50);
    put16(central, 20); put16(central, 20); put16(central, 0); put16(central, 0);
    put16(central, 0); put16(central, 0);
    put32(central, crc); put32(central, size); put32(central, size);
    put16(central, static_cast<unsigned>(name.size()));
    put16(central, 0); put16(central, 0); put16(central, 0); put16(central, 0);
    put32(central, 0); put32(central, offset);
    central += name;
  }
  auto cd_offset = static_cast<std::uint32_t>(out.size());
  out += central;
  put32(out, 0x06054b50);
  put16(out, 0); put16(out, 0);
  put16(out, static_cast<unsigned>(entries.size())); put16(out, static_cast<unsigned>(entries.size()));
  put32(out, static_cast<std::uint32_t>(central.size())); put32(out, cd_offset);
  put16(out, 0);
  return out;
}

const char* kNs = R"( xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main")"
                  R"( xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships")";

// A workbook with one sheet per (name, sheetData rows XML), plus optional shared strings and
// styles parts and workbookPr.
struct XlsxBuilder {
  std::vector<std::pair<std::string, std::string>> sheets;
  std::string shared;      // <si> items
  std::string styles;      // full styleSheet inner XML
  std::string workbook_pr;  // e.g. date1904="1"

  std::vector<std::pair<std::string, std::string>> entries() const {
    std::string rels_ns = R"( xmlns="http://schemas.openxmlformats.org/package/2006/relationships")";
    std::string rt = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
    std::vector<std::pair<std::string, std::string>> e;
    e.emplace_back("_rels/.rels", "<Relationships" + rels_ns + "><Relationship Id=\"rId1\" Type=\"" +
                                      rt + "officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>");
    std::string wb = std::string("<workbook") + kNs + ">";
    if (!workbook_pr.empty()) wb += "<workbookPr " + workbook_pr + "/>";
    wb += "<sheets>";
    std::string rels = "<Relationships" + rels_ns + ">";
    for (std::size_t i = 0; i < sheets.size(); ++i) {
      std::string n = std::to_string(i + 1);
      wb += "<sheet name=\"" + sheets[i].first + "\" sheetId=\"" + n + "\" r:id=\"rId" + n + "\"/>";
      rels += "<Relationship Id=\"rId" + n + "\" Type=\"" + rt + "worksheet\" Target=\"worksheets/sheet" + n + ".xml\"/>";
      e.emplace_back("xl/worksheets/sheet" + n + ".xml", std::string("<worksheet") + kNs +
                                                             "><sheetData>" + sheets[i].second +
                                                             "</sheetData></worksheet>");
    }
    rels += "<Relationship Id=\"rS\" Type=\"" + rt + "sharedStrings\" Target=\"sharedStrings.xml\"/>";
    rels += "<Relationship Id=\"rT\" Type=\"" + rt + "styles\" Target=\"/xl/styles.xml\"/></Relationships>";
    e.emplace_back("xl/workbook.xml", wb + "</sheets></workbook>");
    e.emplace_back("xl/_rels/workbook.xml.rels", rels);
    if (!shared.empty()) e.emplace_back("xl/sharedStrings.xml", std::string("<sst") + kNs + ">" + shared + "</sst>");
    if (!styles.empty()) e.emplace_back("xl/styles.xml", std::string("<styleSheet") + kNs + ">" + styles + "</styleSheet>");
    return e;
  }
  std::string bytes() const { return make_zip(entries()); }
};

// The cells of one data row by header, for compact checks.
std::vector<std::string> row_cells(const Sheet& s, std::size_t i) {
  REQUIRE(i < s.rows.size());
  return s.rows[i].cells;
}

// Sheets compare by content: names, headers, cells; not row numbers or column offsets.
void check_same_content(const Workbook& a, const Workbook& b) {
  REQUIRE(a.sheets.size() == b.sheets.size());
  for (std::size_t i = 0; i < a.sheets.size(); ++i) {
    INFO("sheet " << a.sheets[i].name);
    CHECK(a.sheets[i].name == b.sheets[i].name);
    CHECK(a.sheets[i].headers == b.sheets[i].headers);
    REQUIRE(a.sheets[i].rows.size() == b.sheets[i].rows.size());
    for (std::size_t r = 0; r < a.sheets[i].rows.size(); ++r)
      CHECK(a.sheets[i].rows[r].cells == b.sheets[i].rows[r].cells);
  }
}

}  // namespace

TEST_CASE("xlsform reader: every pyxform .xlsx fixture reads to what pyxform's backend sees") {
  auto golden = nlohmann::json::parse(slurp(kFixtures / "openpyxl_cells.json"));
  int files = 0;
  for (const auto& item : golden.items()) {
    const std::string rel = item.key();
    const nlohmann::json& sheets = item.value();
    INFO(rel);
    auto book = read_workbook((kFixtures / rel).string());
    REQUIRE_MESSAGE(book.ok(), (book.ok() ? "" : book.error().message));
    ++files;
    REQUIRE(book->sheets.size() == sheets.size());
    for (std::size_t i = 0; i < sheets.size(); ++i) {
      const Sheet& s = book->sheets[i];
      INFO("sheet " << s.name);
      CHECK(s.name == sheets[i]["name"].get<std::string>());
      // Every non-empty golden cell inside the header's columns is ours, at its row and column.
      std::map<std::pair<int, int>, std::string> ours;
      for (std::size_t c = 0; c < s.headers.size(); ++c)
        if (!s.headers[c].empty()) ours[{s.header_row, static_cast<int>(c) + 1}] = s.headers[c];
      for (const Row& r : s.rows)
        for (std::size_t c = 0; c < r.cells.size(); ++c)
          if (!r.cells[c].empty()) ours[{r.number, static_cast<int>(c) + 1}] = r.cells[c];
      std::size_t inside = 0;
      for (const auto& cell : sheets[i]["cells"]) {
        int row = cell[0], col = cell[1];
        if (col > static_cast<int>(s.headers.size())) continue;  // right of the headers: ignored
        ++inside;
        INFO("row " << row << " column " << column_letters(col));
        auto it = ours.find({row, col});
        REQUIRE(it != ours.end());
        CHECK(it->second == cell[2].get<std::string>());
      }
      CHECK(inside == ours.size());
    }
  }
  CHECK(files == 25);
}

TEST_CASE("xlsform reader: sheets, headers and rows of fixtures checked by hand") {
  auto book = read_workbook((kFixtures / "example_xls" / "case_insensitivity.xlsx").string());
  REQUIRE(book.ok());
  std::vector<std::string> names;
  for (const Sheet& s : book->sheets) names.push_back(s.name);
  CHECK(names == std::vector<std::string>{"SURVEY", "CHOICES", "SETTINGS", "EXTERNAL_CHOICES", "ENTITIES", "OSM"});
  const Sheet* survey = book->sheet("survey");
  REQUIRE(survey != nullptr);
  CHECK(survey->headers == std::vector<std::string>{"TYPE", "NAME", "LABEL::EN", "CHOICE_FILTER"});
  CHECK(survey->header_row == 1);
  REQUIRE(survey->rows.size() == 3);
  CHECK(survey->rows[1].number == 3);
  CHECK(row_cells(*survey, 1) == std::vector<std::string>{"select_one_external c1", "q2", "Where are you?", "YES_NO=${q1}"});
  CHECK(survey->column("label::en") == 2);
  CHECK(survey->column("hint") == std::string_view::npos);
  CHECK(survey->where(survey->rows[1], 3) == "SURVEY sheet, row 3, column 'CHOICE_FILTER' (D)");
  CHECK(book->sheet("Settings") == book->sheet("SETTINGS"));
  CHECK(book->sheet("nope") == nullptr);

  auto ucl = read_workbook((kFixtures / "bug_example_xls" / "UCL_Biomass_Plot_Form.xlsx").string());
  REQUIRE(ucl.ok());
  const Sheet* settings = ucl->sheet("settings");
  REQUIRE(settings != nullptr);
  REQUIRE(settings->rows.size() == 1);
  std::size_t version = settings->column("version");
  REQUIRE(version != std::string_view::npos);
  CHECK(settings->rows[0].cells[version] == "2022-04-11 16:26:28.971000");  // a date-formatted cell

  auto dup = read_workbook((kFixtures / "bug_example_xls" / "duplicate_columns.xlsx").string());
  REQUIRE(dup.ok());  // duplicate headers are the compiler's to report, with both columns
}

TEST_CASE("xlsform reader: the same form in .xlsx, .md and .csv reads alike") {
  for (const char* stem : {"case_insensitivity", "group", "include", "include_json", "loop",
                           "specify_other", "text_and_integer", "yes_or_no_question"}) {
    INFO(stem);
    fs::path base = kFixtures / "example_xls" / stem;
    auto xlsx = read_workbook(base.string() + ".xlsx");
    auto md = read_workbook(base.string() + ".md");
    auto csv = read_workbook(base.string() + ".csv");
    REQUIRE(xlsx.ok());
    REQUIRE_MESSAGE(md.ok(), (md.ok() ? "" : md.error().message));
    REQUIRE_MESSAGE(csv.ok(), (csv.ok() ? "" : csv.error().message));
    check_same_content(*xlsx, *md);
    check_same_content(*xlsx, *csv);
  }
}

TEST_CASE("xlsform reader: number, date, boolean and error cells read as pyxform shows them") {
  XlsxBuilder b;
  b.styles =
      R"(<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/>)"
      R"(<numFmt numFmtId="165" formatCode="&quot;day&quot; 0.00"/><numFmt numFmtId="166" formatCode="[Red]0.0"/></numFmts>)"
      R"(<cellXfs count="7"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="21"/>)"
      R"(<xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="46"/><xf numFmtId="166"/></cellXfs>)";
  b.sheets.emplace_back("survey",
      R"(<row r="1"><c r="A1" t="inlineStr"><is><t>v</t></is></c></row>)"
      R"(<row r="2"><c r="A2"><v>1</v></c></row>)"
      R"(<row r="3"><c r="A3"><v>1.0</v></c></row>)"
      R"(<row r="4"><c r="A4"><v>0.1</v></c></row>)"
      R"(<row r="5"><c r="A5"><v>1E-5</v></c></row>)"
      R"(<row r="6"><c r="A6"><v>1.5e16</v></c></row>)"
      R"(<row r="7"><c r="A7"><v>12345678901234567890</v></c></row>)"
      R"(<row r="8"><c r="A8"><v>-0.0</v></c></row>)"
      R"(<row r="9"><c r="A9"><v>0.30000000000000004</v></c></row>)"
      R"(<row r="10"><c r="A10"><v>1.5e-7</v></c></row>)"
      R"(<row r="11"><c r="A11" t="b"><v>1</v></c></row>)"
      R"(<row r="12"><c r="A12" t="b"><v>0</v></c></row>)"
      R"(<row r="13"><c r="A13" s="1"><v>45352</v></c></row>)"
      R"(<row r="14"><c r="A14" s="2"><v>0.5625</v></c></row>)"
      R"(<row r="15"><c r="A15" s="3"><v>45352.5</v></c></row>)"
      R"(<row r="16"><c r="A16" s="4"><v>45352</v></c></row>)"
      R"(<row r="17"><c r="A17" s="5"><v>1.5</v></c></row>)"
      R"(<row r="18"><c r="A18" s="6"><v>2.5</v></c></row>)"
      R"(<row r="19"><c r="A19" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>)"
      R"(<row r="20"><c r="A20"><f>1+1</f><v>2</v></c></row>)"
      R"(<row r="21"><c r="A21" t="str"><f>"a"&amp;"b"</f><v>ab</v></c></row>)"
      R"(<row r="22"><c r="A22" t="d"><v>2024-03-01T10:30:00</v></c></row>)"
      R"(<row r="23"><c r="A23" s="1"><v>59</v></c></row>)"
      R"(<row r="24"><c r="A24" s="1"><v>1e300</v></c></row>)"
      R"(<row r="25"><c r="A25"><v>1e300</v></c></row>)");
  auto book = read_xlsx_bytes(b.bytes(), "numbers.xlsx");
  REQUIRE_MESSAGE(book.ok(), (book.ok() ? "" : book.error().message));
  std::vector<std::string> got;
  for (const Row& r : book->sheets[0].rows) got.push_back(r.cells[0]);
  std::vector<std::string> want = {
      "1", "1", "0.1", "1e-05", "15000000000000000", "12345678901234567890", "0",
      "0.30000000000000004", "1.5e-07", "TRUE", "FALSE", "2024-03-01 00:00:00", "13:30:00",
      "2024-03-01 12:00:00", "45352", "1 day, 12:00:00", "2.5", "#DIV/0!", "2", "ab",
      "2024-03-01 10:30:00", "1900-02-28 00:00:00", "#VALUE!",
      "1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160"};
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == want[i]);

  b.workbook_pr = R"(date1904="1")";
  auto mac = read_xlsx_bytes(b.bytes(), "numbers1904.xlsx");
  REQUIRE(mac.ok());
  CHECK(mac->sheets[0].rows[11].cells[0] == "2028-03-02 00:00:00");
}

TEST_CASE("xlsform reader: shared, rich and inline strings, whitespace, sparse cells") {
  XlsxBuilder b;
  b.shared =
      R"(<si><t>type</t></si><si><t>name</t></si><si><t xml:space="preserve">  label::English (en)  </t></si>)"
      R"(<si><r><rPr><b/></rPr><t>Hello</t></r><r><t xml:space="preserve"> </t></r><r><t>world</t></r>)"
      R"(<rPh sb="0" eb="1"><t>ignored</t></rPh></si>)"
      "<si><t>a\xC2\xA0" "b\xC2\xA0</t></si><si><t>x_x005F_x000D_y</t></si>";
  b.sheets.emplace_back("survey",
      // Leading blank row, header in row 2 with a gap in column B, cells without r.
      R"(<row r="1"><c r="A1" t="inlineStr"><is><t>   </t></is></c></row>)"
      R"(<row r="2"><c r="A2" t="s"><v>0</v></c><c r="C2" t="s"><v>1</v></c><c t="s"><v>2</v></c></row>)"
      R"(<row r="3"><c r="A3" t="inlineStr"><is><r><t>te</t></r><r><t>xt</t></r></is></c>)"
      R"(<c r="D3" t="s"><v>3</v></c><c r="F3"><v>99</v></c></row>)"
      R"(<row r="6"><c r="C6" t="s"><v>4</v></c></row>)"
      R"(<row r="7"><c r="B7"><v></v></c></row>)"
      R"(<row><c r="A8" t="s"><v>5</v></c></row>)"
      R"(<row r="20"/>)");
  auto book = read_xlsx_bytes(b.bytes(), "strings.xlsx");
  REQUIRE_MESSAGE(book.ok(), (book.ok() ? "" : book.error().message));
  const Sheet& s = book->sheets[0];
  CHECK(s.header_row == 2);
  CHECK(s.headers == std::vector<std::string>{"type", "", "name", "label::English (en)"});
  REQUIRE(s.rows.size() == 3);
  CHECK(s.rows[0].number == 3);
  CHECK(s.rows[0].cells == std::vector<std::string>{"text", "", "", "Hello world"});  // F3 ignored
  CHECK(s.rows[1].number == 6);
  CHECK(s.rows[1].cells == std::vector<std::string>{"", "", "a b", ""});
  CHECK(s.rows[2].number == 8);
  CHECK(s.rows[2].cells[0] == "x_x000D_y");
  CHECK(s.column_letter(3) == "D");
  CHECK(column_letters(28) == "AB");
  CHECK(column_letters(16384) == "XFD");
}

TEST_CASE("xlsform reader: header cells are trimmed and space runs collapsed, :: kept") {
  CHECK(clean_header_text("  label  ::  English   (en) ") == "label :: English (en)");
  CHECK(clean_header_text(" label::English  (en)\t") == "label::English (en)");
  CHECK(clean_cell_text("\xE3\x80\x80 x \xC2\xA0") == "x");  // ideographic space, nbsp
  CHECK(clean_cell_text("a\xC2\xA0" "z") == "a z");
}

TEST_CASE("xlsform reader: pyxform markdown rules") {
  const char* md =
      "# a comment line\n"
      "| survey |               |        |                 |\n"
      "|        | type          | name   | label           | # trailing comment\n"
      "|--------|---------------|--------|-----------------|\n"
      "|        | text          | a      | A \\| B          |\n"
      "|        |               |        |                 |\n"
      "\n"
      "   |    | integer | b |  |\r\n"
      "| choices |\n"
      "| | list_name | name | label | extra |\n"
      "| | yn | yes | Yes |  |\n"
      "| | yn | no  |     |  |\n"
      "| settings | form_title |\n"
      "| | T # not a comment |\n";
  auto book = read_markdown(md, "form.md");
  REQUIRE_MESSAGE(book.ok(), (book.ok() ? "" : book.error().message));
  REQUIRE(book->sheets.size() == 3);
  const Sheet& survey = book->sheets[0];
  CHECK(survey.headers == std::vector<std::string>{"type", "name", "label"});
  CHECK(survey.header_row == 3);
  CHECK(survey.first_column == 2);
  REQUIRE(survey.rows.size() == 2);
  CHECK(survey.rows[0].cells == std::vector<std::string>{"text", "a", "A | B"});
  CHECK(survey.rows[1].number == 8);
  CHECK(survey.rows[1].cells == std::vector<std::string>{"integer", "b", ""});
  CHECK(survey.where(survey.rows[1], 1) == "survey sheet, row 8, column 'name' (C)");
  const Sheet& choices = book->sheets[1];
  CHECK(choices.headers == std::vector<std::string>{"list_name", "name", "label", "extra"});
  CHECK(choices.rows[1].cells == std::vector<std::string>{"yn", "no", "", ""});
  const Sheet& settings = book->sheets[2];
  CHECK(settings.header_row == 13);  // a header on the sheet-name line
  CHECK(settings.rows[0].cells == std::vector<std::string>{"T # not a comment"});

  auto none = read_markdown("just text\n", "empty.md");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().code == ErrorCode::md);
  CHECK(none.error().message.find("empty.md") != std::string::npos);
}

TEST_CASE("xlsform reader: pyxform CSV layout") {
  auto book = read_csv("\xEF\xBB\xBFsurvey,,\n,type,name,label\n,text,a,\"Say \"\"hi\"\",\nthen\"\n\n"
                       "choices\n,list_name,name\r\n,yn,yes\n",
                       "form.csv");
  REQUIRE_MESSAGE(book.ok(), (book.ok() ? "" : book.error().message));
  REQUIRE(book->sheets.size() == 2);
  CHECK(book->sheets[0].rows[0].cells == std::vector<std::string>{"text", "a", "Say \"hi\",\nthen"});
  CHECK(book->sheets[1].rows[0].number == 8);
  auto bad = read_csv("survey\n,type,name\n,text,\"open\n", "bad.csv");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "bad.csv: line 3: a quoted field is not closed");
}

TEST_CASE("xlsform reader: read_workbook chooses the reader by extension") {
  khaosat::test::ScopedDir dir;
  auto md = read_workbook(dir.write("F.MD", "| survey |\n| | type | name |\n| | note | n |\n"));
  REQUIRE(md.ok());
  CHECK(md->sheets[0].rows.size() == 1);
  auto xls = read_workbook(dir.write("old.xls", "junk"));
  REQUIRE_FALSE(xls.ok());
  CHECK(xls.error().code == ErrorCode::xls_read);
  CHECK(xls.error().message.find("not a readable .xls workbook") != std::string::npos);
  CHECK(read_workbook(dir.write("f.txt", "x")).error().code == ErrorCode::xlsform_format);
  auto missing = read_workbook((dir.path() / "nothing.xlsx").string());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ErrorCode::io_not_found);
}

TEST_CASE("xlsform reader: damaged zips and XML give clear errors") {
  auto fail = [](std::string_view bytes, const char* code, const char* needle) {
    auto r = read_xlsx_bytes(bytes, "bad.xlsx");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code_name() == code);
    INFO(r.error().message);
    CHECK(r.error().message.find("bad.xlsx") == 0);
    CHECK(r.error().message.find(needle) != std::string::npos);
  };
  fail("", "xlsx.zip", "not a readable .xlsx workbook");
  fail("PK\x03\x04 this is not really a zip", "xlsx.zip", "not a readable");
  std::string real = slurp(kFixtures / "example_xls" / "group.xlsx");
  fail(std::string_view(real).substr(0, real.size() / 2), "xlsx.zip", "not a readable");
  std::string flipped = real;
  flipped[flipped.size() / 3] = static_cast<char>(flipped[flipped.size() / 3] ^ 0x55);
  CHECK_FALSE(read_xlsx_bytes(flipped, "bad.xlsx").ok());  // a damaged deflate stream or CRC

  fail(make_zip({{"hello.txt", "hi"}}), "xlsx.structure", "no xl/workbook.xml");
  XlsxBuilder b;
  b.sheets.emplace_back("survey", R"(<row r="1"><c r="A1" t="inlineStr"><is><t>type</t></row>)");
  fail(b.bytes(), "xlsx.xml", "xl/worksheets/sheet1.xml is not well-formed XML");
  b.sheets[0].second = R"(<row r="1"><c r="A1" t="s"><v>7</v></c></row>)";
  fail(b.bytes(), "xlsx.structure", "sheet 'survey', cell A1 refers to shared string '7'");
  auto entries = b.entries();
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [](const auto& e) { return e.first == "xl/worksheets/sheet1.xml"; }),
                entries.end());
  fail(make_zip(entries), "xlsx.structure", "sheet 'survey' points to xl/worksheets/sheet1.xml");
}

TEST_CASE("xlsform reader: hostile sizes are refused") {
  auto refused = [](const std::string& bytes, const ReadLimits& limits, const char* needle) {
    auto r = read_xlsx_bytes(bytes, "big.xlsx", limits);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::xlsx_limit);
    INFO(r.error().message);
    CHECK(r.error().message.find(needle) != std::string::npos);
  };
  XlsxBuilder b;
  std::string rows;
  for (int r = 1; r <= 50; ++r)
    rows += "<row r=\"" + std::to_string(r) + "\"><c r=\"A" + std::to_string(r) + "\"><v>" +
            std::to_string(r) + "</v></c><c r=\"B" + std::to_string(r) + "\"><v>1</v></c></row>";
  b.sheets.emplace_back("survey", rows);
  REQUIRE(read_xlsx_bytes(b.bytes(), "big.xlsx").ok());
  ReadLimits small;
  small.max_part_bytes = 1000;
  refused(b.bytes(), small, "xl/worksheets/sheet1.xml is larger than");
  small = {};
  small.max_total_bytes = 1500;
  refused(b.bytes(), small, "the workbook is larger than");
  small = {};
  small.max_cells = 99;
  refused(b.bytes(), small, "more than 99 non-empty cells");
  small = {};
  small.max_xml_elements = 100;
  refused(b.bytes(), small, "more than 100 XML elements");
  small = {};
  small.max_grid_cells = 60;
  refused(b.bytes(), small, "sheet 'survey' is too large");

  // A header far to the right makes every row as wide: bounded by the grid limit.
  XlsxBuilder wide;
  wide.sheets.emplace_back("survey", R"(<row r="1"><c r="XFD1"><v>1</v></c></row><row r="2"><c r="A2"><v>1</v></c></row>)");
  small = {};
  small.max_grid_cells = 16000;
  refused(wide.bytes(), small, "too large");
  CHECK(read_xlsx_bytes(wide.bytes(), "wide.xlsx").ok());

  XlsxBuilder deep;
  std::string nest;
  for (int i = 0; i < 100; ++i) nest += "<x>";
  for (int i = 0; i < 100; ++i) nest += "</x>";
  deep.sheets.emplace_back("survey", nest);
  refused(deep.bytes(), {}, "nests XML deeper than 64 levels");

  small = {};
  small.max_cells = 3;
  std::string md = "| survey |\n| | a | b |\n| | 1 | 2 |\n";
  auto r = read_markdown(md, "big.md", small);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::xlsx_limit);
}

// What openpyxl reads silently wrong is refused, naming the sheet and the row or cell: a
// reference out of range used to fall back to "the next column" (a calculation moved under
// 'label'), a second row 1 replaced the header (an empty form, exit 0).
TEST_CASE("xlsform reader: bad, repeated and out-of-order cell references are refused") {
  auto refused = [](const std::string& rows, const std::string& needle) {
    XlsxBuilder b;
    b.sheets.emplace_back("survey", rows);
    auto r = read_xlsx_bytes(b.bytes(), "bad.xlsx");
    REQUIRE_FALSE(r.ok());
    INFO(r.error().message);
    CHECK(r.error().code == ErrorCode::xlsx_structure);
    CHECK(r.error().message.starts_with("bad.xlsx: sheet 'survey': " + needle));
    CHECK(r.error().message.ends_with("the workbook is damaged (spreadsheet programs do not "
                                      "write this): open and save it again"));
  };
  auto cell = [](const std::string& ref, const std::string& text) {
    return "<c r=\"" + ref + "\" t=\"inlineStr\"><is><t>" + text + "</t></is></c>";
  };
  const std::string header = "<row r=\"1\">" + cell("A1", "type") + cell("B1", "name") + "</row>";
  refused(header + "<row r=\"2000000000\">" + cell("A2", "text") + "</row>",
          "row r=\"2000000000\" (after row 1) is not a row number from 1 to 1048576");
  refused(header + "<row r=\"2\">" + cell("A2000000000", "text") + "</row>",
          "row 2: cell reference 'A2000000000' is not a cell from A1 to XFD1048576");
  refused(header + "<row r=\"2\">" + cell("AAAA2", "text") + "</row>",
          "row 2: cell reference 'AAAA2' is not a cell from A1 to XFD1048576");
  refused(header + "<row r=\"2\">" + cell("ZZZ2", "text") + "</row>",
          "row 2: cell reference 'ZZZ2' is not a cell");
  refused(header + "<row r=\"2\">" + cell("A2x", "text") + "</row>", "row 2: cell reference 'A2x'");
  refused(header + "<row r=\"x\">" + cell("A2", "text") + "</row>", "row r=\"x\" (after row 1)");
  refused(header + "<row r=\"1\">" + cell("A1", "calculate") + "</row>", "row 1 appears twice");
  refused(header + "<row r=\"3\">" + cell("A3", "a") + "</row><row r=\"2\">" + cell("A2", "b") +
              "</row>",
          "row 2 comes after row 3: rows must be in ascending order");
  refused(header + "<row r=\"2\">" + cell("B2", "a") + cell("A2", "b") + "</row>",
          "cell A2 comes after cell B2: cells must be in column order");
  refused(header + "<row r=\"2\">" + cell("B2", "a") + cell("B2", "b") + "</row>",
          "cell B2 appears twice");
  refused(header + "<row r=\"2\">" + cell("A3", "a") + "</row>", "cell A3 is inside row 2");
  refused("<row r=\"1\">" + cell("XFD1", "a") + "<c t=\"inlineStr\"><is><t>b</t></is></c></row>",
          "row 1 has more than 16384 cells");

  // What spreadsheet programs do write still reads: rows and cells without references, rows
  // named by their first cell, gaps.
  XlsxBuilder ok;
  ok.sheets.emplace_back("survey", "<row>" + cell("A1", "type") + "<c t=\"inlineStr\"><is><t>name"
                                   "</t></is></c></row><row><c t=\"inlineStr\"><is><t>text</t>"
                                   "</is></c>" + cell("B2", "q") + "</row><row r=\"5\"/>"
                                   "<row>" + cell("A7", "integer") + cell("C7", "x") + "</row>");
  auto wb = read_xlsx_bytes(ok.bytes(), "ok.xlsx");
  REQUIRE(wb.ok());
  const Sheet& s = wb->sheets.at(0);
  CHECK(s.headers == std::vector<std::string>{"type", "name"});
  REQUIRE(s.rows.size() == 2);
  CHECK(s.rows[0].number == 2);
  CHECK(s.rows[0].cells == std::vector<std::string>{"text", "q"});
  CHECK(s.rows[1].number == 7);
  CHECK(s.rows[1].cells == std::vector<std::string>{"integer", ""});
}

TEST_CASE("xlsform reader: text that is not UTF-8 is refused, naming the encoding or the cell") {
  auto error = [](const khaosat::core::Result<Workbook>& r) {
    REQUIRE_FALSE(r.ok());
    return r.error().message;
  };
  // CSV and markdown: the file's encoding, what to do.
  std::string csv = "survey,,,\n,type,name,label\n,text,q,Caf\xE9\n";
  CHECK(error(read_csv(csv, "latin1.csv")) ==
        "latin1.csv: the file is not UTF-8: byte 0xE9 at line 3, column 12 (byte offset 38) is "
        "not UTF-8 text (the file may be Latin-1 or Windows-1252); save it as UTF-8");
  std::string utf16;
  for (char c : std::string("survey,,,\n,type,name,label\n")) utf16 += std::string{c, '\0'};
  CHECK(error(read_csv("\xFF\xFE" + utf16, "wide.csv")).starts_with(
      "wide.csv: the file is encoded as UTF-16LE, not UTF-8; save it as UTF-8"));
  CHECK(error(read_csv(utf16, "wide.csv")).starts_with("wide.csv: the file is encoded as UTF-16LE"));
  std::string be;
  for (char c : std::string("survey,,,\n")) be += std::string{'\0', c};
  CHECK(error(read_markdown("\xFE\xFF" + be, "wide.md")).starts_with(
      "wide.md: the file is encoded as UTF-16BE"));
  CHECK(error(read_markdown("| survey |\n| | type | label |\n| | note | \xC3\x28 |\n", "bad.md"))
            .starts_with("bad.md: the file is not UTF-8: byte 0xC3 at line 3"));
  // A UTF-8 byte-order mark is accepted.
  auto bom = read_csv("\xEF\xBB\xBFsurvey,,\n,type,name\n,text,q\n", "bom.csv");
  REQUIRE(bom.ok());
  CHECK(bom->sheets.at(0).headers == std::vector<std::string>{"type", "name"});
  CHECK(read_markdown("\xEF\xBB\xBF| survey |\n| | type | name |\n| | text | q |\n", "bom.md").ok());

  // .xlsx: the cell. XML parts carry bytes through, so a cell can hold anything.
  XlsxBuilder b;
  b.sheets.emplace_back("survey", R"(<row r="1"><c r="A1" t="inlineStr"><is><t>type</t></is></c></row>)"
                                  "<row r=\"2\"><c r=\"C2\" t=\"inlineStr\"><is><t>Caf\xE9</t></is></c></row>");
  CHECK(error(read_xlsx_bytes(b.bytes(), "cells.xlsx")) ==
        "cells.xlsx: survey sheet, row 2, column C: the cell's text is not UTF-8 (at byte 3 of "
        "the cell); save the workbook as UTF-8");
}

TEST_CASE("xlsform reader: legacy .xls workbooks are read by content, whatever their name") {
  // ODK's preview-service corpus has an Excel 97-2003 workbook saved under an .xlsx name.
  const std::string ifrc = std::string(KHAOSAT_TESTS_DIR) +
                           "/fixtures/odk-web-forms/preview-service/ifrc-distribution-site-assessment-v1.xlsx";
  auto wb = read_workbook(ifrc);
  REQUIRE_MESSAGE(wb.ok(), wb.error().message);
  const Sheet* survey = wb->sheet("survey");
  REQUIRE(survey);
  CHECK(survey->column("type") != std::string::npos);
  CHECK(survey->rows.size() > 100);
  REQUIRE(wb->sheet("choices"));
  REQUIRE(wb->sheet("settings"));
  // The same bytes named .xls, and from memory.
  khaosat::test::ScopedDir dir;
  std::string bytes = slurp(ifrc);
  auto as_xls = read_workbook(dir.write("f.xls", bytes));
  REQUIRE_MESSAGE(as_xls.ok(), as_xls.error().message);
  CHECK(as_xls->sheets == wb->sheets);
  // Damaged: the signature then garbage, or cut short. An error, never a crash.
  for (std::string bad : {bytes.substr(0, 8) + std::string(600, 'x'), bytes.substr(0, bytes.size() / 3),
                          bytes.substr(0, 512)}) {
    auto r = read_workbook_bytes(bad, "bad.xlsx");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::xls_read);
    CHECK(r.error().message.starts_with("bad.xlsx: "));
  }
}
