// The catalogue of error codes: every Error the core returns carries one of these, and callers
// compare codes, never message text. The list below is the only place a code is defined; its
// stable text name (what logs, JSON output and the sync protocol carry) and its meaning come from
// the same line, and docs/errors.md is the same table for people.
//
// Adding a code: add one line here (and to docs/errors.md). Renaming or removing one breaks
// stored logs and clients: don't.
#pragma once

#include <optional>
#include <string_view>

namespace khaosat::core {

// X(enumerator, "stable.name", "meaning")
#define KHAOSAT_ERROR_CODES(X)                                                                    \
  X(io, "io", "a file could not be read or written (the message names it and the OS's reason)")  \
  X(io_not_found, "io.not_found", "the file or folder does not exist")                           \
  X(io_not_regular, "io.not_regular", "the path is a folder, FIFO, device or socket, not a file") \
  X(io_too_large, "io.too_large", "the file is larger than the limit for its kind (docs/limits.md)") \
  X(io_readonly, "io.readonly", "the file or folder may not be written (permissions, read-only)") \
  X(io_full, "io.full", "the storage is full, or the file reached its size limit")              \
  X(io_overwrite, "io.overwrite", "an output would overwrite one of the command's inputs")        \
  X(xml, "xml", "a document is not well-formed XML, or not XML at all")                          \
  X(xpath_syntax, "xpath.syntax", "an expression cannot be parsed")                              \
  X(xpath_function, "xpath.function", "an unknown function, or a wrong number of arguments")     \
  X(xpath_eval, "xpath.eval", "an expression failed while it ran")                               \
  X(form_structure, "form.structure", "the form's XML lacks or misplaces a required element")    \
  X(form_bind, "form.bind", "a bind is malformed or names no node")                              \
  X(form_itext, "form.itext", "a translation (itext) is malformed")                              \
  X(form_body, "form.body", "a body control is malformed or names no node")                      \
  X(form_action, "form.action", "a setvalue/setgeopoint/recompute action is malformed")          \
  X(form_expression, "form.expression", "an expression in the form is invalid")                  \
  X(form_reference, "form.reference", "an expression names a node or instance that does not exist") \
  X(form_cycle, "form.cycle", "calculations depend on each other in a cycle, or never settle")   \
  X(form_action_loop, "form.action_loop", "xforms-value-changed actions set each other's questions in an endless chain (stopped after 16)") \
  X(form_attachment, "form.attachment", "a jr:// attachment is missing, unreadable or outside the media folders") \
  X(form_limit, "form.limit", "the form exceeds a documented limit (docs/limits.md)")            \
  X(xlsform, "xlsform", "the XLSForm has mistakes; one line each names sheet, row and column")   \
  X(xlsform_encoding, "xlsform.encoding", "a workbook cell's text is not UTF-8")                 \
  X(xlsform_format, "xlsform.format", "the file is not a workbook the compiler reads")          \
  X(xlsx_zip, "xlsx.zip", "the .xlsx file is not a readable zip archive")                       \
  X(xlsx_xml, "xlsx.xml", "a part of the .xlsx archive is not well-formed XML")                 \
  X(xlsx_structure, "xlsx.structure", "the .xlsx archive lacks a part a workbook needs")        \
  X(xlsx_limit, "xlsx.limit", "the .xlsx workbook exceeds a documented size limit")             \
  X(xls_read, "xls.read", "a legacy .xls (BIFF8) workbook cannot be read (damaged, encrypted)")   \
  X(md, "md", "the markdown workbook cannot be read")                                           \
  X(csv, "csv", "the CSV workbook or attachment cannot be read")                                \
  X(json, "json", "a JSON document is malformed, too deep or too large")                        \
  X(script, "script", "a fill script is malformed")                                              \
  X(script_step, "script.step", "a step of a fill script cannot be applied")                     \
  X(session, "session", "the session cannot start (the form is not loaded)")                     \
  X(session_ref, "session.ref", "no node has that reference")                                    \
  X(session_readonly, "session.readonly", "the node is readonly, computed or a group")           \
  X(session_value, "session.value", "the value cannot be stored (a character XML cannot carry)") \
  X(session_repeat, "session.repeat", "the repeat operation is not possible there")              \
  X(session_rank, "session.rank", "a rank answer must list every option once")                  \
  X(session_language, "session.language", "the form has no such language")                      \
  X(session_model, "session.model", "the node is not part of the form's body")                  \
  X(session_restore, "session.restore", "a saved instance does not fit the form")               \
  X(session_invalid, "session.invalid", "the instance does not validate")                        \
  X(entity_invalid, "entity.invalid", "a form's entity declaration cannot be applied")            \
  X(store_open, "store.open", "the database cannot be opened")                                   \
  X(store_corrupt, "store.corrupt", "the database file is damaged or not SQLite")                \
  X(store_foreign, "store.foreign", "the database belongs to another application")               \
  X(store_newer, "store.newer", "the database was written by a newer khaosat")                   \
  X(store_readonly, "store.readonly", "the database or its folder cannot be written")            \
  X(store_io, "store.io", "a store file could not be read or written")                           \
  X(store_invalid, "store.invalid", "the request to the store is malformed")                     \
  X(store_not_found, "store.not_found", "no such form, draft, submission or record")             \
  X(store_duplicate, "store.duplicate", "the item exists already with other content")            \
  X(store_attachment, "store.attachment", "an attachment cannot be stored (not a readable file)") \
  X(store_form, "store.form", "the form of a draft or submission is not installed")              \
  X(store_edit, "store.edit", "the submission cannot be edited (superseded, or not found)")      \
  X(store_state, "store.state", "the state change is not allowed (e.g. sent twice)")             \
  X(store_instance, "store.instance", "a stored instance cannot be read")                        \
  X(store_busy, "store.busy", "another process holds the database for too long")                 \
  X(store_full, "store.full", "the storage is full, or the file reached its size limit")         \
  X(store_constraint, "store.constraint", "a change would break a rule of the schema")          \
  X(store_sql, "store.sql", "SQLite reported an unexpected error")                              \
  X(ui_walk, "ui.walk", "a scripted walk of the app is malformed, or one of its steps failed")  \
  X(ui_font, "ui.font", "the app's font file is missing or is not a font") \
  X(sync_request, "sync.request", "a sync request or answer is malformed (the message names the member)") \
  X(sync_compression, "sync.compression", "a gzip body is truncated, corrupt or followed by other bytes") \
  X(sync_too_large, "sync.too_large", "a body, batch, chunk or inflated body passes a protocol limit") \
  X(sync_auth, "sync.auth", "no device token, or an unknown or revoked one") \
  X(sync_forbidden, "sync.forbidden", "the device may not do this (its role, or another device's data)") \
  X(sync_enroll, "sync.enroll", "the enrollment code is unknown, spent or expired; or the device is not enrolled") \
  X(sync_sequence, "sync.sequence", "a push batch leaves a gap in the device's outbox sequence") \
  X(sync_offset, "sync.offset", "an attachment chunk does not start where the server's copy ends") \
  X(sync_hash, "sync.hash", "an attachment's bytes do not hash to its sha256") \
  X(sync_not_found, "sync.not_found", "no such endpoint, attachment or device") \
  X(sync_method, "sync.method", "the endpoint does not take this HTTP method") \
  X(sync_storage, "sync.storage", "the server's storage failed (the message names what)") \
  X(sync_database, "sync.database", "the server's database URL is wrong, or its server cannot be reached") \
  X(sync_transport, "sync.transport", "the server could not be reached, or the connection broke") \
  X(sync_server, "sync.server", "the server answered with an error it did not explain") \
  X(sync_incomplete, "sync.incomplete", "a sync stopped before everything was acknowledged and pulled") \
  X(sync_insecure, "sync.insecure", "the connection would not be secure: plain HTTP to another machine, or a server certificate the device does not trust") \
  X(sync_rate_limited, "sync.rate_limited", "a device sent requests faster than its rate limit; retry after the seconds the answer names") \
  X(plan_input, "plan.input", "the office plan's rules table, budget, year or override is not valid (the message names the line or value)")

enum class ErrorCode {
#define KHAOSAT_ERROR_ENUM(name, text, meaning) name,
  KHAOSAT_ERROR_CODES(KHAOSAT_ERROR_ENUM)
#undef KHAOSAT_ERROR_ENUM
};

#define KHAOSAT_ERROR_COUNT(name, text, meaning) +1
inline constexpr int kErrorCodeCount = 0 KHAOSAT_ERROR_CODES(KHAOSAT_ERROR_COUNT);
#undef KHAOSAT_ERROR_COUNT

// "form.structure" for ErrorCode::form_structure. Never empty.
std::string_view to_string(ErrorCode code);
// What the code means, for people (the third column above).
std::string_view describe(ErrorCode code);
// A file could not be read or written (the io.* family): the OS's answer about a path.
constexpr bool is_file_error(ErrorCode code) {
  switch (code) {
    case ErrorCode::io: case ErrorCode::io_not_found: case ErrorCode::io_not_regular:
    case ErrorCode::io_too_large: case ErrorCode::io_readonly: case ErrorCode::io_full:
    case ErrorCode::io_overwrite:
      return true;
    default:
      return false;
  }
}
// The code with that stable name, or nullopt.
std::optional<ErrorCode> parse_error_code(std::string_view name);

}  // namespace khaosat::core
