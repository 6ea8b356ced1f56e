// The export workbook (export.hpp): a sheet per form, a sheet per repeat.
#include <xlsxwriter.h>

#include <ctime>

#include "khaosat/office/export.hpp"
#include "xlsx_cells.hpp"

namespace khaosat::office {

namespace {

std::string header(const FormField& f) { return f.label.empty() ? f.name : f.label + " (" + f.name + ")"; }

// A select's answer as the office reads it: the choice's Vietnamese label, several (a
// select_multiple's space-separated values) joined by "; "; the value as stored when a choice
// has no label in the form (an external list, a value the form no longer has).
std::string shown(const FormField& f, const std::string& value) {
  if (f.choices.empty() || value.empty()) return value;
  if (auto it = f.choices.find(value); it != f.choices.end()) return it->second.empty() ? value : it->second;
  std::string out;
  std::size_t i = 0;
  while (i < value.size()) {
    std::size_t end = value.find(' ', i);
    if (end == std::string::npos) end = value.size();
    if (end > i) {
      auto it = f.choices.find(value.substr(i, end - i));
      if (it == f.choices.end() || it->second.empty()) return value;
      out += (out.empty() ? "" : "; ") + it->second;
    }
    i = end + 1;
  }
  return out.empty() ? value : out;
}

void write_sheet(lxw_workbook* wb, const std::string& name, const ExportSheet& sheet, lxw_format* bold,
                 lxw_format* date, lxw_format* datetime) {
  lxw_worksheet* ws = workbook_add_worksheet(wb, name.c_str());
  // Key columns first: on a form's sheet the instance id and the server's facts; on a repeat's
  // sheet its own key and its parent's (the parent sheet's "Khóa" column).
  std::vector<std::string> keys;
  if (sheet.repeat.empty())
    keys = {"Mã bản ghi (instance_id)", "Trạng thái duyệt (state)", "Thiết bị (device_id)", "Ngày nhận (received_at)"};
  else
    keys = {"Khóa (key)", "Khóa dòng cha (parent)", "Mã bản ghi (instance_id)"};
  lxw_col_t col = 0;
  for (const auto& k : keys) worksheet_write_string(ws, 0, col++, k.c_str(), bold);
  for (const FormField* f : sheet.columns) worksheet_write_string(ws, 0, col++, header(*f).c_str(), bold);
  worksheet_freeze_panes(ws, 1, 0);
  worksheet_set_column(ws, 0, static_cast<lxw_col_t>(col ? col - 1 : 0), 18, nullptr);
  lxw_row_t r = 1;
  for (const auto& row : sheet.rows) {
    col = 0;
    const SubmissionRow& s = *row.submission;
    if (sheet.repeat.empty()) {
      worksheet_write_string(ws, r, col++, s.instance_id.c_str(), nullptr);
      worksheet_write_string(ws, r, col++, s.state.c_str(), nullptr);
      worksheet_write_string(ws, r, col++, s.device_id.c_str(), nullptr);
      std::time_t t = static_cast<std::time_t>(s.received_at / 1000);
      std::tm utc{};
      gmtime_r(&t, &utc);
      lxw_datetime dt{utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, static_cast<double>(utc.tm_sec)};
      worksheet_write_datetime(ws, r, col++, &dt, datetime);
    } else {
      worksheet_write_string(ws, r, col++, row.key.c_str(), nullptr);
      worksheet_write_string(ws, r, col++, row.parent.c_str(), nullptr);
      worksheet_write_string(ws, r, col++, s.instance_id.c_str(), nullptr);
    }
    for (const FormField* f : sheet.columns) {
      auto it = row.values.find(f->path);
      if (it != row.values.end()) {
        if (f->choices.empty()) xlsx::write_typed(ws, r, col, it->second, f->type, date, datetime);
        else worksheet_write_string(ws, r, col, shown(*f, it->second).c_str(), nullptr);
      }
      ++col;
    }
    ++r;
  }
}

}  // namespace

Status write_export_xlsx(const std::vector<FormData>& forms, const std::string& path, std::int64_t created) {
  std::vector<std::vector<ExportSheet>> all;
  for (const auto& form : forms) {
    auto sheets = flatten(form);
    if (!sheets) return sheets.error();
    all.push_back(std::move(sheets).value());
  }
  lxw_workbook* wb = workbook_new(path.c_str());
  if (!wb) return core::Error::make(core::ErrorCode::io, path + ": cannot create the workbook");
  lxw_doc_properties props{};
  props.title = const_cast<char*>("Dữ liệu khảo sát khaosat");
  props.author = const_cast<char*>("khaosat");
  props.created = static_cast<std::time_t>(created);
  workbook_set_properties(wb, &props);
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  format_set_text_wrap(bold);
  lxw_format* date = workbook_add_format(wb);
  format_set_num_format(date, "dd/mm/yyyy");
  lxw_format* datetime = workbook_add_format(wb);
  format_set_num_format(datetime, "dd/mm/yyyy hh:mm:ss");
  std::vector<std::string> used;
  for (std::size_t i = 0; i < forms.size(); ++i) {
    const std::string& id = forms[i].labels.form_id;
    for (const auto& sheet : all[i]) {
      std::string want = sheet.repeat.empty() ? id : id + "." + sheet.repeat.substr(sheet.repeat.rfind('/') + 1);
      write_sheet(wb, xlsx::sheet_name(want, used), sheet, bold, date, datetime);
    }
  }
  lxw_error err = workbook_close(wb);
  if (err != LXW_NO_ERROR)
    return core::Error::make(core::ErrorCode::io, path + ": cannot write the workbook (" + lxw_strerror(err) + ")");
  return core::ok_status();
}

}  // namespace khaosat::office
