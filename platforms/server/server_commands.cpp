// khaosat-server init, publish, enroll, devices, export, check (server_cli.hpp).
#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>

#include "khaosat/core/form_info.hpp"
#include "khaosat/core/form_session.hpp"
#include "khaosat/core/xlsform.hpp"
#include "khaosat/sync/server.hpp"
#include "office_data.hpp"
#include "output_file.hpp"
#include "server_cli.hpp"

#ifndef KHAOSAT_FORMS_DIR
#define KHAOSAT_FORMS_DIR "forms"
#endif

namespace khaosat::server_cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::uint64_t kMaxFormBytes = 64u << 20;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

// Every regular file of `dir` (not recursive), as media.
core::Result<std::vector<core::NamedBytes>> media_of(const std::string& dir, const std::string& skip_ext = "") {
  std::vector<core::NamedBytes> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return core::Error::make(core::ErrorCode::io_not_found, dir + ": not a folder (--media takes the folder of the form's media files)");
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    std::string name = e.path().filename().string();
    if (!skip_ext.empty() && e.path().extension() == skip_ext) continue;
    auto bytes = cli::read_input(e.path().string(), kMaxFormBytes);
    if (!bytes) return bytes.error();
    out.push_back({name, std::move(bytes).value()});
  }
  if (ec) return core::Error::make(core::ErrorCode::io, dir + ": " + ec.message());
  return out;
}

// Compiles (XLSForm) or reads (XForm) `path`, checks that it loads with its media, and publishes it.
core::Result<sync::PublishedForm> publish_one(sync::ServerStorage& storage, const std::string& path,
                                              const std::vector<core::NamedBytes>& media,
                                              const std::string& media_dir) {
  std::string xml;
  if (core::is_xlsform_path(path)) {
    auto x = core::convert_xlsform(path);
    if (!x) return x.error();
    xml = std::move(x).value();
  } else {
    auto x = cli::read_input(path, kMaxFormBytes);
    if (!x) return x.error();
    xml = std::move(x).value();
  }
  core::FormLoadOptions lo;
  if (!media_dir.empty()) lo.media_dirs.push_back(media_dir);
  auto form = core::load_form_xml(xml, path, lo);
  if (!form) return form.error();
  core::FormIdentity id = core::form_identity(*form);
  sync::PublishedForm f;
  f.form_id = id.id;
  f.version = id.version;
  f.title = id.title;
  f.xform = {fs::path(path).stem().string() + ".xml", xml};
  f.sha256 = sync::sha256_hex(xml);
  f.media = media;
  f.published_at = now_ms();
  if (core::Status st = storage.publish_form(f); !st) return st.error();
  return f;
}

}  // namespace

// --- init, publish -----------------------------------------------------------------------------

int init(const Args& a) {
  if (a.help)
    return usage(std::string("usage: khaosat-server init --data DIR [--database URL] [--forms DIR]\n\n"
                 "Creates the data folder (server.db, attachments/) when missing and publishes the\n"
                 "built-in Lai Chau forms (every .md, .xlsx and .xml in --forms DIR, default the\n"
                 "source tree's forms/, with the folder's other files as their media). Running it\n"
                 "again publishes nothing new.\n") + kDatabaseHelp, 0);
  auto storage = open_storage(a, "init");
  if (!storage) return 1;
  std::string dir = a.forms.empty() ? KHAOSAT_FORMS_DIR : a.forms;
  std::vector<core::NamedBytes> media;
  std::error_code ec;
  std::vector<std::string> forms;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    std::string ext = e.path().extension().string();
    if (ext == ".md" || ext == ".xlsx" || ext == ".xml") forms.push_back(e.path().string());
    else {
      auto bytes = cli::read_input(e.path().string(), kMaxFormBytes);
      if (!bytes) return fail("init", bytes.error().message);
      media.push_back({e.path().filename().string(), std::move(bytes).value()});
    }
  }
  if (ec) return fail("init", dir + ": cannot read the forms folder: " + ec.message());
  std::sort(forms.begin(), forms.end());
  for (const auto& path : forms) {
    auto f = publish_one(**storage, path, media, dir);
    if (!f) return fail("init", path + ": " + f.error().message);
    std::cout << "published " << f->form_id << " version " << f->version << " (" << fs::path(path).filename().string() << ")\n";
  }
  // The tables the office edits (docs/office.md "Changing the rules"), never over its edits.
  std::vector<std::string> installed;
  if (core::Status st = install_office_tables(a.data, &installed); !st) return fail("init", st.error().message);
  for (const auto& path : installed) std::cout << "copied " << path << " (the office's table to edit)\n";
  std::cout << "khaosat-server: " << a.data << " is ready (" << forms.size() << " forms)\n";
  return 0;
}

int publish(const Args& a) {
  if (a.help || a.positional.size() != 1)
    return usage(std::string("usage: khaosat-server publish --data DIR [--database URL] FORM.xlsx|.md|.xml [--media DIR]\n\n"
                 "Compiles an XLSForm (or reads an XForm), checks that it loads with the files of\n"
                 "--media DIR, and publishes it: devices get it at their next sync. A version is\n"
                 "immutable: publishing other content under a published id and version is refused\n"
                 "(raise the version); publishing the same again changes nothing.\n") + kDatabaseHelp, a.help ? 0 : 2);
  auto storage = open_storage(a, "publish");
  if (!storage) return 1;
  std::vector<core::NamedBytes> media;
  if (!a.media.empty()) {
    auto m = media_of(a.media);
    if (!m) return fail("publish", m.error().message);
    media = std::move(m).value();
  }
  auto f = publish_one(**storage, a.positional[0], media, a.media);
  if (!f) return fail("publish", a.positional[0] + ": " + f.error().message);
  std::cout << "published " << f->form_id << " version " << f->version << " (sha256 " << f->sha256 << ", "
            << media.size() << " media files)\n";
  return 0;
}

// --- enroll, devices ---------------------------------------------------------------------------

namespace {

// The commune codes of a commune table (its first column, `name`: forms/communes.csv), or why not.
core::Result<std::vector<std::string>> commune_codes(const std::string& path) {
  auto text = cli::read_input(path, 1u << 20);
  if (!text) return text.error();
  std::vector<std::string> codes;
  std::size_t at = 0, line = 0;
  while (at < text->size()) {
    std::size_t end = text->find('\n', at);
    if (end == std::string::npos) end = text->size();
    std::string row = text->substr(at, end - at);
    at = end + 1;
    if (!row.empty() && row.back() == '\r') row.pop_back();
    std::string first = row.substr(0, row.find(','));
    if (line++ == 0) {
      if (first != "name" && first != "\xEF\xBB\xBFname")
        return core::Error::make(core::ErrorCode::csv, path + ": line 1: the first column must be 'name'");
      continue;
    }
    if (!first.empty()) codes.push_back(first);
  }
  if (codes.empty()) return core::Error::make(core::ErrorCode::csv, path + ": no communes");
  return codes;
}

}  // namespace

int enroll(const Args& a) {
  if (a.help)
    return usage(std::string("usage: khaosat-server enroll --data DIR [--database URL] --role ROLE [--commune CODE]... [--name TEXT]\n\n"
                 "Prints a one-time enrollment code (valid 7 days) for a device with ROLE (admin,\n"
                 "officer, cooperative or viewer) in the given communes. CODE is a commune as the\n"
                 "forms store it (the name column of forms/communes.csv: muong_kim); an admin\n"
                 "without --commune works for the whole province, every other device only within\n"
                 "its communes (docs/sync-protocol.md, \"Roles and communes\"). On the device:\n"
                 "  khaosat sync enroll --db FILE --server URL --code CODE\n"
                 "Only the code's SHA-256 is stored. Each --commune must be in the commune table\n"
                 "(--communes FILE, default the office's DIR/communes.csv, else the built-in\n"
                 "forms/communes.csv; first column 'name').\n") +
                     kDatabaseHelp, 0);
  if (a.role.empty()) return fail("enroll", "--role is required (admin, officer, cooperative or viewer)", 2);
  if (!sync::is_role(a.role))
    return fail("enroll", "unknown role '" + a.role + "' (admin, officer, cooperative or viewer)", 2);
  if (!a.communes.empty()) {
    std::string table = a.communes_file;
    if (table.empty()) {
      auto dir = office_tables_dir(a.data);
      if (!dir) return fail("enroll", dir.error().message, 2);
      table = *dir + "/communes.csv";
    }
    auto codes = commune_codes(table);
    if (!codes) return fail("enroll", codes.error().message, 2);
    for (const auto& c : a.communes)
      if (std::find(codes->begin(), codes->end(), c) == codes->end())
        return fail("enroll", "unknown commune '" + c + "': " + table + " has " + std::to_string(codes->size()) +
                                  " (" + (*codes)[0] + ", " + (codes->size() > 1 ? (*codes)[1] + ", …" : "…") +
                                  "); name a commune by its code in the 'name' column", 2);
  }
  auto storage = open_storage(a, "enroll");
  if (!storage) return 1;
  sync::SyncServer server(**storage);
  auto code = server.create_enrollment({a.role, a.name, a.communes, 0});
  if (!code) return fail("enroll", code.error().message);
  std::cout << *code << "\n";
  return 0;
}

int devices(const Args& a) {
  if (a.help)
    return usage(std::string("usage: khaosat-server devices --data DIR [--database URL] [--json] [--revoke DEVICE_ID]\n\n"
                 "Lists the enrolled devices (id, role, communes, name, last sequence received,\n"
                 "revoked or not). --revoke refuses the device's token from now on.\n") + kDatabaseHelp, 0);
  auto storage = open_storage(a, "devices");
  if (!storage) return 1;
  if (!a.revoke.empty()) {
    if (core::Status st = (*storage)->revoke_device(a.revoke); !st) return fail("devices", st.error().message);
    std::cout << "revoked " << a.revoke << "\n";
    return 0;
  }
  auto list = (*storage)->list_devices();
  if (!list) return fail("devices", list.error().message);
  if (a.json) {
    json out = json::array();
    for (const auto& d : *list)
      out.push_back({{"device_id", d.device_id}, {"name", d.name}, {"role", d.role}, {"communes", d.communes},
                     {"last_seq", d.last_seq}, {"enrolled_at", d.enrolled_at}, {"last_seen", d.last_seen},
                     {"revoked", d.revoked}});
    std::cout << out.dump(1, ' ', false, json::error_handler_t::replace) << "\n";
    return 0;
  }
  for (const auto& d : *list) {
    std::string communes;
    for (const auto& c : d.communes) communes += (communes.empty() ? "" : ",") + c;
    std::cout << d.device_id << "  " << d.role << "  " << (communes.empty() ? "-" : communes) << "  seq "
              << d.last_seq << (d.revoked ? "  REVOKED" : "") << "  " << d.name << "\n";
  }
  if (list->empty()) std::cout << "(no devices; 'khaosat-server enroll' makes a code for one)\n";
  return 0;
}

// --- export, check -----------------------------------------------------------------------------

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string export_submissions(const std::vector<sync::StoredSubmission>& subs, bool csv) {
  if (csv) {
    std::string out = "instance_id,form_id,form_version,device_id,sha256,deprecated_id,received_at,attachments\n";
    for (const auto& s : subs) {
      std::string att;
      for (const auto& a : s.attachments) att += (att.empty() ? "" : ";") + a.name + ":" + a.sha256;
      out += csv_field(s.instance_id) + "," + csv_field(s.form_id) + "," + csv_field(s.form_version) + "," +
             s.device_id + "," + s.sha256 + "," + csv_field(s.deprecated_id.value_or("")) + "," +
             std::to_string(s.received_at) + "," + csv_field(att) + "\n";
    }
    return out;
  }
  json out = json::array();
  for (const auto& s : subs) {
    json att = json::array();
    for (const auto& a : s.attachments) att.push_back({{"name", a.name}, {"sha256", a.sha256}, {"size", a.size}});
    out.push_back({{"instance_id", s.instance_id}, {"form_id", s.form_id}, {"form_version", s.form_version},
                   {"device_id", s.device_id}, {"sha256", s.sha256},
                   {"deprecated_id", s.deprecated_id ? json(*s.deprecated_id) : json(nullptr)},
                   {"received_at", s.received_at}, {"attachments", std::move(att)}, {"xml", s.xml}});
  }
  return out.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string export_registry(const std::vector<sync::RegistryState>& recs, bool csv) {
  if (csv) {
    std::vector<std::string> keys;
    for (const auto& r : recs)
      for (const auto& [k, p] : r.record.properties)
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    std::string out = "record_id";
    for (const auto& k : keys) out += "," + csv_field(k);
    out += "\n";
    for (const auto& r : recs) {
      out += csv_field(r.record.record_id);
      for (const auto& k : keys) {
        auto it = std::find_if(r.record.properties.begin(), r.record.properties.end(), [&](auto& p) { return p.first == k; });
        out += "," + (it == r.record.properties.end() ? std::string() : csv_field(it->second.value));
      }
      out += "\n";
    }
    return out;
  }
  json out = json::array();
  for (const auto& r : recs) out.push_back(sync::change_json(r.record));
  return out.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace

int export_data(const Args& a) {
  const std::string help =
      std::string("usage: khaosat-server export --data DIR [--database URL] (--form ID | --registry NAME) [--format json|csv] [-o FILE]\n"
                  "       khaosat-server export --data DIR [--database URL] --format xlsx [--form ID] -o FILE.xlsx\n"
                  "       khaosat-server export --data DIR [--database URL] --format geojson [-o FILE.geojson]\n\n"
                  "JSON and CSV: a form's submissions (each with its instance id, device, sha256, the name\n"
                  "and sha256 of each attachment, and in JSON the instance XML), or a registry\n"
                  "(establishment, cooperative or craft_village) as merged records. CSV is UTF-8 with a\n"
                  "byte-order mark, so Excel shows Vietnamese.\n"
                  "XLSX: every answer, a sheet per form (all published forms without --form) and a sheet per\n"
                  "repeat linked to its parent row by key; headers are the form's Vietnamese labels with the\n"
                  "field name; dates are dates and numbers numbers. Needs -o FILE.\n"
                  "GeoJSON: the located establishments (form A) and craft villages (form B) as points\n"
                  "[longitude, latitude] with their name and commune, for QGIS.\n"
                  "Submissions an edit replaced are left out of XLSX and GeoJSON. Without -o the export\n"
                  "goes to standard output (not XLSX). docs/office.md, \"Exports\".\n") + kDatabaseHelp;
  if (a.help) return usage(help, 0);
  const bool table = a.format == "json" || a.format == "csv";
  if (table && a.form.empty() == a.registry.empty()) return usage(help, 2);
  if (!table && !a.registry.empty())
    return fail("export", "--format " + a.format + " exports forms; a registry goes out as json or csv", 2);
  if (a.format == "geojson" && !a.form.empty())
    return fail("export", "--format geojson takes no --form: it exports forms A and B's located submissions", 2);
  if (a.format == "xlsx" && (a.out.empty() || a.out == "-"))
    return fail("export", "--format xlsx needs -o FILE.xlsx (a workbook is not written to standard output)", 2);
  auto storage = open_storage(a, "export");
  if (!storage) return 1;
  std::vector<std::string> inputs;
  if (!a.data.empty()) inputs.push_back((fs::path(a.data) / "server.db").string());
  if (a.format == "xlsx" || a.format == "geojson") {
    auto forms = load_form_data(**storage, a.form);
    if (!forms) return fail("export", forms.error().message, forms.error().code == core::ErrorCode::sync_not_found ? 2 : 1);
    if (a.format == "xlsx") {
      // The workbook's creation time: the latest submission's arrival (same data, same bytes).
      std::int64_t latest = 0;
      for (const auto& f : *forms)
        for (const auto& s : f.submissions) latest = std::max(latest, s.received_at / 1000);
      core::Status st = write_xlsx_output(a.out, inputs, [&](const std::string& path) {
        return office::write_export_xlsx(*forms, path, latest);
      });
      if (!st) return fail("export", st.error().message);
      return 0;
    }
    auto communes = load_communes(a.data);
    if (!communes) return fail("export", communes.error().message);
    std::string text = office::export_geojson(*forms, *communes);
    if (a.out.empty() || a.out == "-") {
      std::cout << text;
      return 0;
    }
    if (core::Status st = cli::write_output(a.out, text, inputs); !st) return fail("export", st.error().message);
    return 0;
  }
  bool csv = a.format == "csv";
  std::string text;
  if (!a.form.empty()) {
    // A form id the server does not know is a mistake (a typo, the XLSForm's file name instead of
    // its form_id), not an empty export: say so and name the ids it has.
    auto forms = (*storage)->list_forms();
    if (!forms) return fail("export", forms.error().message);
    std::set<std::string> ids;
    for (const auto& f : *forms) ids.insert(f.form_id);
    if (!ids.count(a.form)) {
      std::string known;
      for (const auto& id : ids) known += (known.empty() ? "" : ", ") + id;
      return fail("export", "form '" + a.form + "' is not published here (published: " +
                                (known.empty() ? "none" : known) + ")", 2);
    }
    auto subs = (*storage)->submissions(a.form);
    if (!subs) return fail("export", subs.error().message);
    text = export_submissions(*subs, csv);
  } else {
    auto reg = core::registry_from_string(a.registry);
    if (!reg) return fail("export", "unknown registry '" + a.registry + "' (establishment, cooperative or craft_village)", 2);
    auto recs = (*storage)->registry(*reg);
    if (!recs) return fail("export", recs.error().message);
    text = export_registry(*recs, csv);
  }
  // A UTF-8 byte-order mark: Excel otherwise reads a CSV in the machine's code page and garbles
  // Vietnamese. CSV readers that follow RFC 4180 and Python's utf-8-sig skip it.
  if (csv) text = "\xEF\xBB\xBF" + text;
  if (a.out.empty() || a.out == "-") {
    std::cout << text;
    return 0;
  }
  if (core::Status st = cli::write_output(a.out, text, inputs); !st) return fail("export", st.error().message);
  return 0;
}

int check(const Args& a) {
  if (a.help)
    return usage(std::string("usage: khaosat-server check --data DIR [--database URL] [--json]\n\n"
                 "Checks the data folder: SQLite's integrity_check (with SQLite), every submission's\n"
                 "XML against its sha256, every complete attachment file against its name, every\n"
                 "device's sequence against the push ledger. Prints the problems; exit 0 when whole.\n"
                 "Also lists the edits that wait for the submission they replace (acknowledged, not\n"
                 "yet stored: docs/sync-protocol.md); waiting is not a problem.\n") +
                 kDatabaseHelp, 0);
  std::error_code ec;
  if (a.database.empty() && !a.data.empty() && !fs::exists(fs::path(a.data) / "server.db", ec))
    return fail("check", a.data + ": no server.db here (not a khaosat-server data folder)");
  auto storage = open_storage(a, "check");
  if (!storage) return 1;
  auto problems = (*storage)->check();
  if (!problems) return fail("check", problems.error().message);
  auto waiting = (*storage)->waiting_edits();
  if (!waiting) return fail("check", waiting.error().message);
  if (a.json) {
    json w = json::array();
    for (const auto& e : *waiting)
      w.push_back({{"instance_id", e.instance_id}, {"deprecated_id", e.deprecated_id}, {"form_id", e.form_id},
                   {"device_id", e.device_id}, {"seq", e.seq}, {"sha256", e.sha256}, {"received_at", e.received_at}});
    std::cout << json{{"ok", problems->empty()}, {"problems", *problems}, {"waiting", std::move(w)}}.dump(1) << "\n";
  } else {
    if (problems->empty()) std::cout << "khaosat-server check: " << a.data << " is whole\n";
    for (const auto& p : *problems) std::cout << p << "\n";
    for (const auto& e : *waiting)
      std::cout << "waiting: edit " << e.instance_id << " (form " << e.form_id << ", device " << e.device_id
                << ", seq " << e.seq << ") waits for " << e.deprecated_id << ", which it replaces\n";
  }
  return problems->empty() ? 0 : 1;
}

}  // namespace khaosat::server_cli
