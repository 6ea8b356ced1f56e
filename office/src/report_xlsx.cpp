// The reports as one XLSX workbook, a sheet per report (report.hpp).
#include <xlsxwriter.h>

#include <algorithm>
#include <ctime>
#include <string>
#include <vector>

#include "khaosat/office/report.hpp"
#include "xlsx_cells.hpp"

namespace khaosat::office {

namespace {

std::size_t chars(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Each column as wide as its longest text (UTF-8 characters), between 10 and 45; longer text
// wraps inside its cell, so a long commune or activity name is printed in full.
std::vector<double> column_widths(const Table& t) {
  std::vector<double> w(t.columns.size(), 10);
  for (const auto& row : t.rows)
    for (std::size_t c = 0; c < row.size() && c < w.size(); ++c) {
      const Cell& cell = row[c];
      std::size_t n = cell.number ? 12 : cell.date ? 11 : chars(cell.text) + 2;
      w[c] = std::max(w[c], static_cast<double>(std::min<std::size_t>(n, 45)));
    }
  return w;
}

}  // namespace

Status write_report_xlsx(const Report& report, const std::string& path) {
  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;  // rows go out in order; big years stay fast (scripts/bench office)
  lxw_workbook* wb = workbook_new_opt(path.c_str(), &options);
  if (!wb) return core::Error::make(core::ErrorCode::io, path + ": cannot create the workbook");
  lxw_doc_properties props{};
  std::string title = "Báo cáo khảo sát năm " + std::to_string(report.year);
  props.title = const_cast<char*>(title.c_str());
  props.author = const_cast<char*>("khaosat");
  int y = 0, m = 0, d = 0;
  std::sscanf(report.as_of.c_str(), "%d-%d-%d", &y, &m, &d);
  props.created = static_cast<std::time_t>(xlsx::epoch_seconds(y, m, d));
  workbook_set_properties(wb, &props);
  lxw_format* title_format = workbook_add_format(wb);
  format_set_bold(title_format);
  format_set_font_size(title_format, 13);
  lxw_format* head = workbook_add_format(wb);
  format_set_bold(head);
  format_set_text_wrap(head);
  format_set_bg_color(head, 0xDDE7F0);
  format_set_border(head, LXW_BORDER_THIN);
  lxw_format* text = workbook_add_format(wb);
  format_set_text_wrap(text);
  format_set_align(text, LXW_ALIGN_VERTICAL_TOP);
  lxw_format* date = workbook_add_format(wb);
  format_set_num_format(date, "dd/mm/yyyy");
  lxw_format* num0 = workbook_add_format(wb);
  format_set_num_format(num0, "#,##0");
  lxw_format* num1 = workbook_add_format(wb);
  format_set_num_format(num1, "#,##0.0");
  lxw_format* bold0 = workbook_add_format(wb);
  format_set_bold(bold0);
  format_set_num_format(bold0, "#,##0");
  lxw_format* bold1 = workbook_add_format(wb);
  format_set_bold(bold1);
  format_set_num_format(bold1, "#,##0.0");
  std::vector<std::string> used;
  for (const auto& t : report.tables) {
    lxw_worksheet* ws = workbook_add_worksheet(wb, xlsx::sheet_name(t.sheet, used).c_str());
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9);  // A4
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_repeat_rows(ws, 3, 3);
    std::vector<double> widths = column_widths(t);
    for (std::size_t c = 0; c < widths.size(); ++c)
      worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), widths[c], nullptr);
    std::string heading = t.title_vi + " năm " + std::to_string(report.year) + " / " + t.title_en;
    worksheet_write_string(ws, 0, 0, heading.c_str(), title_format);
    worksheet_write_string(ws, 1, 0, ("Ngày lập / as of: " + report.as_of).c_str(), nullptr);
    worksheet_write_string(ws, 2, 0, t.note.c_str(), nullptr);
    for (std::size_t c = 0; c < t.columns.size(); ++c)
      worksheet_write_string(ws, 3, static_cast<lxw_col_t>(c), t.columns[c].c_str(), head);
    worksheet_freeze_panes(ws, 4, 0);
    lxw_row_t r = 4;
    for (std::size_t i = 0; i < t.rows.size(); ++i, ++r) {
      bool total = t.total_row && i + 1 == t.rows.size();
      for (std::size_t c = 0; c < t.rows[i].size(); ++c) {
        const Cell& cell = t.rows[i][c];
        auto col = static_cast<lxw_col_t>(c);
        lxw_datetime dt{};
        bool has_time = false;
        if (cell.number) {
          worksheet_write_number(ws, r, col, *cell.number, cell.decimals ? (total ? bold1 : num1) : (total ? bold0 : num0));
        } else if (cell.date && xlsx::parse_iso(cell.text, dt, has_time)) {
          worksheet_write_datetime(ws, r, col, &dt, date);
        } else if (!cell.text.empty()) {
          worksheet_write_string(ws, r, col, cell.text.c_str(), total ? head : text);
        }
      }
    }
  }
  lxw_error err = workbook_close(wb);
  if (err != LXW_NO_ERROR)
    return core::Error::make(core::ErrorCode::io, path + ": cannot write the workbook (" + lxw_strerror(err) + ")");
  return core::ok_status();
}

}  // namespace khaosat::office
