// khaosat_bench_xlsform: XLSForm compiler benchmarks, run by `scripts/bench xlsform`. Each run
// is its own process so that its peak memory (ru_maxrss) is its own.
//
//   khaosat_bench_xlsform generate ROWS OUT.md|OUT.xlsx
//       writes a generated XLSForm with ROWS survey rows (groups, a repeat, selects with
//       choice filters, relevance and constraints with ${} references, two languages)
//   khaosat_bench_xlsform compile FORM [N]
//       reads, compiles and loads FORM N times; prints the median of each phase:
//       read (workbook), convert (workbook -> XForm XML), load (XForm XML -> FormDef + plan)
//
// Prints one JSON object per run on stdout.
#include <zip.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "khaosat/core/form_session.hpp"
#include "xlsform/compiler.hpp"
#include "xlsform/compiler_internal.hpp"
#include "xlsform/workbook.hpp"

using nlohmann::json;
using khaosat::bench::Clock;
using khaosat::bench::ms_since;
using khaosat::bench::peak_rss_kb;
namespace xls = khaosat::core::xlsform;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int die(const std::string& what) {
  std::cerr << "khaosat_bench_xlsform: " << what << "\n";
  return 1;
}

using Table = std::vector<std::vector<std::string>>;  // first row = headers

struct GeneratedForm {
  Table survey, choices, settings;
};

// A form shaped like a real survey: blocks of 20 rows in groups, every tenth block a repeat.
GeneratedForm generate(int rows) {
  GeneratedForm g;
  g.survey.push_back({"type", "name", "label::Tiếng Việt (vi)", "label::English (en)",
                      "hint::English (en)", "required", "relevant", "constraint",
                      "constraint_message::English (en)", "calculation", "choice_filter"});
  g.choices.push_back({"list_name", "name", "label::Tiếng Việt (vi)", "label::English (en)",
                       "district"});
  g.settings.push_back({"form_title", "form_id", "version", "default_language"});
  g.settings.push_back({"Biểu mẫu sinh tự động", "generated", "2026112601", "Tiếng Việt (vi)"});
  const int kLists = 40;
  for (int l = 0; l < kLists; ++l)
    for (int c = 0; c < 12; ++c)
      g.choices.push_back({"list" + std::to_string(l), "c" + std::to_string(c),
                           "Lựa chọn " + std::to_string(c), "Choice " + std::to_string(c),
                           "d" + std::to_string(c % 4)});
  int n = 0;
  auto row = [&](std::vector<std::string> cells) {
    cells.resize(g.survey[0].size());
    g.survey.push_back(std::move(cells));
    ++n;
  };
  // n grows inside row(); clang's -Wfor-loop-analysis cannot see that, so the test is a break.
  for (int b = 0;; ++b) {
    if (n >= rows) break;
    std::string p = "b" + std::to_string(b) + "_";
    std::string list = "list" + std::to_string(b % kLists);
    bool repeat = b % 10 == 9;
    row({repeat ? "begin repeat" : "begin group", p + "g", "Phần " + std::to_string(b),
         "Section " + std::to_string(b)});
    row({"text", p + "name", "Tên cơ sở", "Establishment name", "Full name", "yes"});
    row({"integer", p + "workers", "Số lao động", "Number of workers", "", "yes", "",
         ". >= 0 and . <= 10000", "Between 0 and 10000"});
    row({"integer", p + "female", "Lao động nữ", "Female workers", "", "", "${" + p + "workers} > 0",
         ". <= ${" + p + "workers}", "At most the total"});
    row({"decimal", p + "revenue", "Doanh thu năm", "Annual revenue", "million VND"});
    row({"select_one " + list, p + "district", "Huyện (cũ)", "Former district"});
    row({"select_one " + list, p + "commune", "Xã/phường", "Commune/ward", "", "yes", "", "", "",
         "", "district = ${" + p + "district}"});
    row({"select_multiple " + list, p + "certs", "Chứng nhận", "Certificates", "", "",
         "${" + p + "revenue} > 100"});
    row({"date", p + "founded", "Ngày thành lập", "Date established", "", "", "", ". <= today()",
         "Not in the future"});
    row({"calculate", p + "share", "", "", "", "", "", "", "",
         "if(${" + p + "workers} > 0, ${" + p + "female} div ${" + p + "workers}, 0)"});
    row({"calculate", p + "flag50", "", "", "", "", "", "", "",
         "if(${" + p + "workers} >= 50, 'yes', 'no')"});
    row({"note", p + "note", "Tỷ lệ nữ: ${" + p + "share}", "Female share: ${" + p + "share}"});
    for (int k = 0; k < 7; ++k)
      row({k % 2 ? "text" : "integer", p + "extra" + std::to_string(k),
           "Câu hỏi " + std::to_string(k), "Question " + std::to_string(k), "", "",
           "${" + p + "flag50} = 'yes'"});
    row({repeat ? "end repeat" : "end group", p + "g"});
  }
  return g;
}

std::string md_table(const std::string& sheet, const Table& t) {
  std::string out;
  out += "| " + sheet + " |\n";
  for (const auto& r : t) {
    out += "| |";
    for (const auto& c : r) out += " " + c + " |";
    out += "\n";
  }
  return out;
}

// A worksheet with inline strings (no shared-string table): what many tools write.
std::string sheet_xml(const Table& t) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
      "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>";
  for (std::size_t r = 0; r < t.size(); ++r) {
    out += "<row r=\"" + std::to_string(r + 1) + "\">";
    for (std::size_t c = 0; c < t[r].size(); ++c) {
      if (t[r][c].empty()) continue;
      out += "<c r=\"" + xls::column_letters(static_cast<int>(c + 1)) + std::to_string(r + 1) +
             "\" t=\"inlineStr\"><is><t>" + xls::detail::xml_escape(t[r][c]) + "</t></is></c>";
    }
    out += "</row>";
  }
  return out + "</sheetData></worksheet>";
}

bool write_xlsx(const std::string& path, const GeneratedForm& g) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!z) return false;
  std::vector<std::pair<std::string, std::string>> parts = {
      {"[Content_Types].xml",
       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "
       "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
       "<Default Extension=\"rels\" "
       "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
       "<Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>"},
      {"_rels/.rels",
       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
       "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship "
       "Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
       "officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"},
      {"xl/workbook.xml",
       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook "
       "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
       "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
       "<sheet name=\"survey\" sheetId=\"1\" r:id=\"rId1\"/>"
       "<sheet name=\"choices\" sheetId=\"2\" r:id=\"rId2\"/>"
       "<sheet name=\"settings\" sheetId=\"3\" r:id=\"rId3\"/></sheets></workbook>"},
      {"xl/_rels/workbook.xml.rels",
       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
       "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
       "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
       "relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
       "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
       "relationships/worksheet\" Target=\"worksheets/sheet2.xml\"/>"
       "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
       "relationships/worksheet\" Target=\"worksheets/sheet3.xml\"/></Relationships>"},
      {"xl/worksheets/sheet1.xml", sheet_xml(g.survey)},
      {"xl/worksheets/sheet2.xml", sheet_xml(g.choices)},
      {"xl/worksheets/sheet3.xml", sheet_xml(g.settings)},
  };
  for (auto& [name, body] : parts) {
    zip_source_t* src = zip_source_buffer(z, body.data(), body.size(), 0);
    if (!src || zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8) < 0) {
      zip_source_free(src);
      zip_discard(z);
      return false;
    }
  }
  return zip_close(z) == 0;  // the buffers in `parts` must live until here
}

int run_generate(const std::vector<std::string>& a) {
  if (a.size() < 3) return die("usage: generate ROWS OUT.md|OUT.xlsx");
  int rows = std::stoi(a[1]);
  GeneratedForm g = generate(rows);
  const std::string& out = a[2];
  if (out.ends_with(".xlsx")) {
    if (!write_xlsx(out, g)) return die("cannot write " + out);
  } else {
    std::ofstream f(out, std::ios::binary);
    f << md_table("survey", g.survey) << md_table("choices", g.choices)
      << md_table("settings", g.settings);
    if (!f) return die("cannot write " + out);
  }
  std::cout << json{{"generated", out}, {"survey_rows", g.survey.size() - 1},
                    {"choice_rows", g.choices.size() - 1}}
                   .dump()
            << "\n";
  return 0;
}

int run_compile(const std::vector<std::string>& a) {
  if (a.size() < 2) return die("usage: compile FORM [N]");
  const std::string& path = a[1];
  int n = a.size() > 2 ? std::stoi(a[2]) : 10;
  std::vector<double> read_ms, convert_ms, load_ms, total_ms;
  std::size_t xml_bytes = 0, survey_rows = 0, nodes = 0;
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    auto wb = xls::read_workbook(path);
    if (!wb) return die(wb.error().message);
    read_ms.push_back(ms_since(t0));
    auto t1 = Clock::now();
    auto xml = xls::xlsform_to_xform(*wb, path);
    if (!xml) return die(xml.error().message);
    convert_ms.push_back(ms_since(t1));
    auto t2 = Clock::now();
    auto form = khaosat::core::load_form_xml(*xml, path);
    if (!form) return die(form.error().message);
    load_ms.push_back(ms_since(t2));
    total_ms.push_back(ms_since(t0));
    xml_bytes = xml->size();
    if (const auto* s = wb->sheet("survey")) survey_rows = s->rows.size();
    if (i == 0) {
      auto session = khaosat::core::FormSession::start(*form);
      if (!session) return die(session.error().message);
      nodes = (*session)->nodes().size();
    }
  }
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  json out = {{"form", path},
              {"bytes", static_cast<long long>(f.tellg())},
              {"survey_rows", survey_rows},
              {"xform_bytes", xml_bytes},
              {"nodes", nodes},
              {"runs", n},
              {"read_ms", median(read_ms)},
              {"convert_ms", median(convert_ms)},
              {"load_ms", median(load_ms)},
              {"total_ms", median(total_ms)},
              {"total_min_ms", *std::min_element(total_ms.begin(), total_ms.end())},
              {"peak_rss_kb", peak_rss_kb()}};
  std::cout << out.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  if (a.empty() || a[0] == "--help" || a[0] == "-h") {
    std::cout << "usage: khaosat_bench_xlsform generate ROWS OUT.md|OUT.xlsx | compile FORM [N]\n";
    return a.empty() ? 2 : 0;
  }
  if (a[0] == "generate") return run_generate(a);
  if (a[0] == "compile") return run_compile(a);
  return die("unknown scenario '" + a[0] + "'");
}
