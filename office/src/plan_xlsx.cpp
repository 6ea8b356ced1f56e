// The plan as XLSX through libxlsxwriter (plan_xlsx.hpp).
#include "khaosat/office/plan_xlsx.hpp"

#include <xlsxwriter.h>

#include <algorithm>

#include <cmath>
#include <ctime>

namespace khaosat::office {

namespace {

double amount(double v) { return std::llround(v * 1000.0) / 1000.0; }

// Days from 1970-01-01 to year-01-01 (proleptic Gregorian), for a fixed creation time.
std::time_t new_year(int year) {
  std::int64_t days = 0;
  for (int y = 1970; y < year; ++y) days += (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 366 : 365;
  return static_cast<std::time_t>(days * 86400);
}

}  // namespace

Status write_plan_xlsx(const Plan& plan, const std::string& path) {
  // constant_memory: rows are written in order and flushed as they go, strings inline (no
  // shared-string table): 10,000 needs and their ~50,000 explanation rows in a fraction of the
  // time and memory (scripts/bench office).
  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;
  lxw_workbook* wb = workbook_new_opt(path.c_str(), &options);
  if (!wb) return core::Error::make(core::ErrorCode::io, path + ": cannot create the workbook");
  lxw_doc_properties props{};
  std::string title = "Kế hoạch khuyến công năm " + std::to_string(plan.year);
  props.title = const_cast<char*>(title.c_str());
  props.author = const_cast<char*>("khaosat");
  std::string comments = "rules " + plan.rules_version;
  props.comments = const_cast<char*>(comments.c_str());
  props.created = new_year(plan.year);
  workbook_set_properties(wb, &props);

  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  format_set_text_wrap(bold);
  format_set_border(bold, LXW_BORDER_THIN);
  lxw_format* money = workbook_add_format(wb);
  format_set_num_format(money, "#,##0.###");
  lxw_format* wrap = workbook_add_format(wb);
  format_set_text_wrap(wrap);

  auto header = [&](lxw_worksheet* ws, std::initializer_list<const char*> cols) {
    lxw_col_t c = 0;
    for (const char* h : cols) worksheet_write_string(ws, 0, c++, h, bold);
    worksheet_freeze_panes(ws, 1, 0);
    worksheet_repeat_rows(ws, 0, 0);
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
  };

  lxw_worksheet* budget = workbook_add_worksheet(wb, "Ngân sách");
  header(budget, {"Nguồn kinh phí / Source", "Ngân sách (triệu đồng) / Budget (million VND)",
                  "Đã bố trí / Funded total", "Thứ hạng cắt / Cut rank", "Năm / Year", "Bộ tiêu chí / Rules"});
  lxw_row_t r = 1;
  for (const SourcePlan& s : plan.sources) {
    worksheet_write_string(budget, r, 0, source_label_vi(s.source).c_str(), nullptr);
    worksheet_write_number(budget, r, 1, amount(s.budget), money);
    worksheet_write_number(budget, r, 2, amount(s.funded_total), money);
    worksheet_write_number(budget, r, 3, static_cast<double>(s.cut_rank), nullptr);
    worksheet_write_number(budget, r, 4, plan.year, nullptr);
    worksheet_write_string(budget, r, 5, plan.rules_version.c_str(), nullptr);
    ++r;
  }
  // Needs whose area priority rests on an unknown commune attribute: said once, under the budget.
  std::size_t area_unknown = 0;
  for (const PlannedNeed& p : plan.needs)
    area_unknown += std::any_of(p.explanation.begin(), p.explanation.end(),
                                [](const Points& x) { return x.criterion == kAreaUnknown; });
  if (area_unknown) {
    std::string note = "Chú ý: " + std::to_string(area_unknown) +
                       " nhu cầu ở xã chưa rõ thuộc tính địa bàn (communes.csv ghi unknown: vùng cao, biên giới, vùng DTTS, huyện 30a, NTM...), "
                       "chưa tính điểm ưu tiên đó; xem trang Giải thích (area.unknown). / Note: " +
                       std::to_string(area_unknown) +
                       " needs are in communes whose area attributes are unknown: not scored; see Giải thích (area.unknown).";
    worksheet_write_string(budget, r + 1, 0, note.c_str(), nullptr);
  }
  worksheet_set_column(budget, 0, 5, 18, nullptr);

  lxw_worksheet* ws = workbook_add_worksheet(wb, "Kế hoạch");
  header(ws, {"Nguồn / Source", "Thứ hạng / Rank", "Mã nhu cầu / Need id", "Mẫu / Form", "Đơn vị đề nghị / Applicant",
              "Xã / Commune", "Nội dung hỗ trợ / Activity", "Kinh phí đề nghị / Requested", "Vốn đối ứng / Counterpart",
              "Thứ tự của đơn vị / Own rank", "Điểm / Score", "Đủ điều kiện / Eligible", "Được bố trí / Funded",
              "Lý do / Decision", "Điều chỉnh / Override"});
  r = 1;
  for (const PlannedNeed& p : plan.needs) {
    const Need& n = p.need;
    worksheet_write_string(ws, r, 0, source_label_vi(n.source).c_str(), wrap);
    if (p.rank > 0) worksheet_write_number(ws, r, 1, static_cast<double>(p.rank), nullptr);
    worksheet_write_string(ws, r, 2, n.id.c_str(), nullptr);
    worksheet_write_string(ws, r, 3, n.form.c_str(), nullptr);
    worksheet_write_string(ws, r, 4, n.applicant.c_str(), wrap);
    auto commune = plan.commune_labels.find(n.commune);
    worksheet_write_string(ws, r, 5, (commune == plan.commune_labels.end() ? n.commune : commune->second).c_str(), wrap);
    auto activity = plan.activity_labels.find(n.activity);
    const std::string& activity_text =
        activity == plan.activity_labels.end() || activity->second.vi.empty() ? n.activity : activity->second.vi;
    worksheet_write_string(ws, r, 6, activity_text.c_str(), wrap);
    worksheet_write_number(ws, r, 7, amount(n.amount), money);
    worksheet_write_number(ws, r, 8, amount(n.counterpart), money);
    if (n.own_rank > 0) worksheet_write_number(ws, r, 9, static_cast<double>(n.own_rank), nullptr);
    worksheet_write_number(ws, r, 10, static_cast<double>(p.score), nullptr);
    worksheet_write_string(ws, r, 11, n.ineligible.empty() ? "có" : "không", nullptr);
    worksheet_write_string(ws, r, 12, p.funded ? "có" : "không", nullptr);
    worksheet_write_string(ws, r, 13, p.decision.joined().c_str(), wrap);
    if (p.override) {
      std::string o = p.override->action + ": " + p.override->reason + " (" + p.override->by + ")";
      worksheet_write_string(ws, r, 14, o.c_str(), wrap);
    }
    ++r;
  }
  worksheet_set_column(ws, 0, 3, 10, nullptr);
  worksheet_set_column(ws, 2, 2, 28, nullptr);
  worksheet_set_column(ws, 4, 4, 30, nullptr);
  worksheet_set_column(ws, 5, 12, 12, nullptr);
  worksheet_set_column(ws, 13, 14, 40, nullptr);

  lxw_worksheet* ex = workbook_add_worksheet(wb, "Giải thích");
  header(ex, {"Mã nhu cầu / Need id", "Tiêu chí / Criterion", "Điểm / Points", "Căn cứ / Why"});
  r = 1;
  for (const PlannedNeed& p : plan.needs)
    for (const Points& x : p.explanation) {
      worksheet_write_string(ex, r, 0, p.need.id.c_str(), nullptr);
      worksheet_write_string(ex, r, 1, x.criterion.c_str(), nullptr);
      worksheet_write_number(ex, r, 2, static_cast<double>(x.points), nullptr);
      worksheet_write_string(ex, r, 3, x.why.joined().c_str(), wrap);
      ++r;
    }
  worksheet_set_column(ex, 0, 0, 28, nullptr);
  worksheet_set_column(ex, 1, 1, 22, nullptr);
  worksheet_set_column(ex, 3, 3, 80, nullptr);

  lxw_error err = workbook_close(wb);
  if (err != LXW_NO_ERROR)
    return core::Error::make(core::ErrorCode::io, path + ": cannot write the workbook (" + lxw_strerror(err) + ")");
  return core::ok_status();
}

}  // namespace khaosat::office
