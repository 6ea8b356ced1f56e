// Legacy Excel 97-2003 workbooks (.xls, BIFF8 in an OLE2 compound file) through Debian's FreeXL
// (libfreexl), into the same Workbook the other readers give (workbook.hpp). FreeXL reads only
// from a path, so the bytes are handed to it through an anonymous memory file (memfd_create)
// named by /proc/self/fd/N: nothing is written to disk, and the workbook may come from memory
// (the store, the network) as well as from a file.
//
// Cell text as pyxform's xlrd backend gives it: an integral number without ".0", other numbers
// as Python's repr, dates as str(datetime) ("2024-03-01 00:00:00"), times "13:30:00"; text as
// stored, then the common clean-up (clean_cell_text).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include <freexl.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "xlsform/workbook.hpp"
#include "xlsform/xlsx_values.hpp"

namespace khaosat::core::xlsform {

namespace {

Error xls_error(std::string_view name, const std::string& what) {
  return Error::make(ErrorCode::xls_read, std::string(name) + ": " + what);
}

// FreeXL's return codes for a file it cannot read, in words a designer can act on.
std::string freexl_reason(int rc) {
  switch (rc) {
    case FREEXL_INVALID_CFBF_HEADER:
    case FREEXL_CFBF_EMPTY_FAT_CHAIN:
    case FREEXL_BIFF_INVALID_SST:
    case FREEXL_BIFF_ILLEGAL_SST_INDEX:
    case FREEXL_BIFF_WORKBOOK_NOT_FOUND:
    case FREEXL_INVALID_MINI_STREAM:
    case FREEXL_CFBF_ILLEGAL_MINI_FAT_ENTRY:
    case FREEXL_BIFF_INVALID_BOF:
    case FREEXL_CFBF_INVALID_SIGNATURE:
    case FREEXL_CFBF_INVALID_SECTOR_SIZE:
    case FREEXL_CFBF_SEEK_ERROR:
    case FREEXL_CFBF_READ_ERROR:
    case FREEXL_CFBF_ILLEGAL_FAT_ENTRY:
    case FREEXL_CRAFTED_FILE: return "the file is damaged or not an Excel workbook";
    case FREEXL_INVALID_CHARACTER:
    case FREEXL_UNSUPPORTED_CHARSET: return "text in a character set FreeXL cannot convert";
    case FREEXL_INSUFFICIENT_MEMORY: return "out of memory";
    default: return "FreeXL error " + std::to_string(rc);
  }
}

struct Handle {
  const void* h = nullptr;
  ~Handle() {
    if (h) freexl_close(h);
  }
};

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// The text of one FreeXL cell value.
std::string cell_text(const FreeXL_CellValue& v) {
  switch (v.type) {
    case FREEXL_CELL_INT: return std::to_string(v.value.int_value);
    case FREEXL_CELL_DOUBLE: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", v.value.double_value);
      return xlsx_detail::number_text(buf);
    }
    case FREEXL_CELL_TEXT:
    case FREEXL_CELL_SST_TEXT:
    case FREEXL_CELL_TIME:
    case FREEXL_CELL_DATETIME: return v.value.text_value ? v.value.text_value : "";
    case FREEXL_CELL_DATE:
      return v.value.text_value ? std::string(v.value.text_value) + " 00:00:00" : "";
    default: return "";
  }
}

Result<Sheet> read_sheet(const void* h, unsigned index, std::string_view name,
                         const ReadLimits& limits, std::size_t& cells) {
  const char* sheet_name = nullptr;
  if (int rc = freexl_get_worksheet_name(h, static_cast<unsigned short>(index), &sheet_name);
      rc != FREEXL_OK || !sheet_name)
    return xls_error(name, "cannot read the name of sheet " + std::to_string(index + 1) + ": " +
                               freexl_reason(rc));
  std::string sname = sheet_name;
  if (int rc = freexl_select_active_worksheet(h, static_cast<unsigned short>(index)); rc != FREEXL_OK)
    return xls_error(name, "cannot open sheet '" + sname + "': " + freexl_reason(rc));
  unsigned int rows = 0;
  unsigned short cols = 0;
  if (int rc = freexl_worksheet_dimensions(h, &rows, &cols); rc != FREEXL_OK)
    return xls_error(name, "cannot read the size of sheet '" + sname + "': " + freexl_reason(rc));
  std::vector<detail::RawRow> raw;
  for (unsigned int r = 0; r < rows; ++r) {
    detail::RawRow row{static_cast<int>(r) + 1, {}};
    bool any = false;
    for (unsigned short c = 0; c < cols; ++c) {
      FreeXL_CellValue v;
      if (int rc = freexl_get_cell_value(h, r, c, &v); rc != FREEXL_OK)
        return xls_error(name, "sheet '" + sname + "', cell " + column_letters(c + 1) +
                                   std::to_string(r + 1) + ": " + freexl_reason(rc));
      std::string text = clean_cell_text(cell_text(v));
      if (!text.empty() && ++cells > limits.max_cells)
        return Error::make(ErrorCode::xlsx_limit,
                           std::string(name) + ": more than " + std::to_string(limits.max_cells) +
                               " non-empty cells (see docs/limits.md)");
      any = any || !text.empty();
      row.cells.push_back(std::move(text));
    }
    if (any) raw.push_back(std::move(row));
  }
  return detail::shape_sheet(sname, std::move(raw), 1, limits, name);
}

}  // namespace

bool is_xls_bytes(std::string_view bytes) {
  return bytes.starts_with(std::string_view("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8));
}

Result<Workbook> read_xls_bytes(std::string_view bytes, std::string_view name,
                                const ReadLimits& limits) {
#if defined(__linux__)
  Fd mem{memfd_create("khaosat-xls", MFD_CLOEXEC)};
  if (mem.fd < 0) return xls_error(name, std::string("cannot make a memory file: ") + std::strerror(errno));
  for (std::size_t done = 0; done < bytes.size();) {
    ssize_t n = ::write(mem.fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return xls_error(name, std::string("cannot fill a memory file: ") + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  std::string path = "/proc/self/fd/" + std::to_string(mem.fd);
  Handle h;
  if (int rc = freexl_open(path.c_str(), &h.h); rc != FREEXL_OK) {
    h.h = nullptr;  // FreeXL frees what it opened on failure
    return xls_error(name, "not a readable .xls workbook (" + freexl_reason(rc) +
                               "); save it again from Excel or LibreOffice as .xlsx");
  }
  unsigned int count = 0;
  if (int rc = freexl_get_info(h.h, FREEXL_BIFF_SHEET_COUNT, &count); rc != FREEXL_OK)
    return xls_error(name, "cannot count the sheets: " + freexl_reason(rc));
  if (count > limits.max_sheets)
    return Error::make(ErrorCode::xlsx_limit, std::string(name) + ": more than " +
                                                  std::to_string(limits.max_sheets) + " sheets");
  Workbook wb;
  wb.source = std::string(name);
  std::size_t cells = 0;
  for (unsigned i = 0; i < count; ++i) {
    auto sheet = read_sheet(h.h, i, name, limits, cells);
    if (!sheet) return sheet.error();
    wb.sheets.push_back(std::move(sheet.value()));
  }
  return wb;
#else
  (void)bytes;
  (void)limits;
  return xls_error(name, "legacy .xls workbooks are not supported on this platform; save it as .xlsx");
#endif
}

}  // namespace khaosat::core::xlsform
