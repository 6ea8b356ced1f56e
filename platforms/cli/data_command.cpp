// `khaosat data ...`: the device database from the command line (list, show, export, check,
// add). Every subcommand takes --db FILE; list/show/export/check open it read-only.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "khaosat/core/json.hpp"
#include "cli.hpp"
#include "output_file.hpp"
#include "khaosat/tools/fill_script.hpp"
#include "khaosat/core/store.hpp"
#include "khaosat/core/submission_table.hpp"

namespace khaosat::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// JSON the store wrote (instance JSON, outbox payloads), read back through the engine's one JSON
// reader; a discarded value when it does not parse.
json stored_json(const std::string& text) {
  auto parsed = core::parse_json(text, core::kMaxStoredJsonDepth);
  return parsed ? std::move(parsed.value()) : json(json::value_t::discarded);
}

const char* kDataUsage =
    "usage: khaosat data SUBCOMMAND --db FILE [...]\n\n"
    "subcommands:\n"
    "  list forms|drafts|submissions|outbox|records   list what the database holds (--json)\n"
    "  show ID                                one submission, draft or registry record\n"
    "  export                                 submissions as JSON or CSV\n"
    "  check                                  integrity check; exit 0 when the database is whole\n"
    "  add FORM [SCRIPT.json]                 fill FORM with a script, save a draft or finalize\n\n"
    "Run 'khaosat data SUBCOMMAND --help' for a subcommand's options. The database layout is\n"
    "described in docs/storage.md.\n";

const std::map<std::string, std::string> kHelp = {
    {"list",
     "usage: khaosat data list forms|drafts|submissions|outbox --db FILE [--json] [--form ID]\n"
     "       khaosat data list records --db FILE --registry NAME [--search TEXT] [--json]\n\n"
     "Lists installed forms, drafts, submissions (every version, oldest first), the outbox, or\n"
     "the records of a registry (establishment, cooperative or craft_village) with each\n"
     "property's value, version (HLC) and who wrote it ('by this device', or by the name and\n"
     "communes the office enrolled another device under, once a sync brought them; --json 'by',\n"
     "null when not known) and its open conflicts (two edits of a property made\n"
     "without seeing each other, as the last sync brought them from the office's queue);\n"
     "--search keeps records whose name holds every word\n"
     "of TEXT, without regard to diacritics ('che tan uyen' finds 'Chè Tân Uyên').\n"
     "--json prints a JSON array (each submission with its instance_id, state, sha256,\n"
     "deprecated_id and superseded_by); --form ID keeps one form's drafts or submissions.\n"},
    {"show",
     "usage: khaosat data show ID --db FILE [--json]\n\n"
     "Shows the submission (instance id, with or without 'uuid:'), draft or registry record ID:\n"
     "its metadata and its instance XML. --json prints one JSON object. Exit 1 when no such ID.\n"},
    {"export",
     "usage: khaosat data export --db FILE [--format json|csv] [--form ID] [--all-versions]\n"
     "       [--out FILE]\n\n"
     "Exports finalized submissions (the newest version of each; --all-versions for every\n"
     "version). JSON: an array of objects with the metadata and 'data', the instance as JSON.\n"
     "CSV: one row per submission; columns instance_id, form_id, form_version, state,\n"
     "finalized_at, deprecated_id, then one column per answer named by its path below the\n"
     "root ('meta/instanceID', 'grp/q'); repeat instances are numbered from 1\n"
     "('product[1]/pname', 'product[2]/pname'); columns appear in first-seen order across rows.\n"},
    {"check",
     "usage: khaosat data check --db FILE [--json]\n\n"
     "Runs SQLite's integrity_check and khaosat's own checks: every attachment present and\n"
     "hashing to its name, every submission matching its sha256 and in the outbox, the outbox\n"
     "numbered without gaps. Prints the problems found. Exit 0 when whole, 1 when not.\n"},
    {"add",
     "usage: khaosat data add --db FILE FORM [SCRIPT.json] [--finalize] [--attach FILE]...\n"
     "       [--media DIR] [--record ID] [--now ISO8601] [--actor NAME] [--json]\n\n"
     "Installs FORM (an XForm or XLSForm; its attachments from --media DIR) in the database\n"
     "when needed, fills a new instance with SCRIPT's steps (the step scripts of 'khaosat form\n"
     "fill') and saves it as a draft, or with --finalize validates and stores it as a finalized\n"
     "submission. --attach stores files with it (named by their file name). The database is\n"
     "created when missing. Prints the instance id once the commit is durable (--json: an\n"
     "object with instance_id, draft_id or sha256). Exit 1 when a step fails or the instance is\n"
     "not valid (the violations are printed); nothing is stored then.\n"
     "--record ID starts from registry record ID (an establishment, craft village or\n"
     "cooperative in the database) instead of a blank instance: the form's record_id and the\n"
     "questions that save to the registry hold the record's current values, and finalizing\n"
     "updates that record rather than creating one (docs/storage.md, \"Registries from\n"
     "submissions\"). A form whose entities sheet names no registry, or another one than\n"
     "the record's, is refused.\n"},
};

struct Args {
  std::string db, format = "json", form, out, actor = "cli", media, registry, search, record;
  std::vector<std::string> positional, attach;
  bool json = false, finalize = false, all_versions = false, help = false;
  std::optional<double> now_ms;
  std::string error;
};

Args parse(const std::vector<std::string>& args) {
  Args a;
  for (std::size_t i = 0; i < args.size() && a.error.empty(); ++i) {
    const std::string& s = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) a.error = s + " needs a value";
      else out = args[++i];
    };
    std::string v;
    if (s == "--db") value(a.db);
    else if (s == "--format") value(a.format);
    else if (s == "--form") value(a.form);
    else if (s == "--out") value(a.out);
    else if (s == "--actor") value(a.actor);
    else if (s == "--media") value(a.media);
    else if (s == "--registry") value(a.registry);
    else if (s == "--search") value(a.search);
    else if (s == "--record") value(a.record);
    else if (s == "--attach") {
      value(v);
      if (a.error.empty()) a.attach.push_back(v);
    } else if (s == "--now") {
      value(v);
      if (a.error.empty() && !(a.now_ms = tools::parse_iso8601(v)))
        a.error = "--now: '" + v + "' is not an ISO 8601 date-time";
    } else if (s == "--json") a.json = true;
    else if (s == "--finalize") a.finalize = true;
    else if (s == "--all-versions") a.all_versions = true;
    else if (s == "-h" || s == "--help") a.help = true;
    else if (s.size() > 1 && s[0] == '-') a.error = "unknown option '" + s + "'";
    else a.positional.push_back(s);
  }
  if (a.error.empty() && a.format != "json" && a.format != "csv")
    a.error = "--format takes 'json' or 'csv', not '" + a.format + "'";
  return a;
}

std::string iso(std::int64_t ms) { return core::iso8601_utc(ms); }

json opt(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

json submission_json(const core::SubmissionRecord& s) {
  json j = {{"instance_id", s.instance_id}, {"form_id", s.form_id}, {"form_version", s.form_version},
            {"state", core::to_string(s.state)}, {"sha256", s.sha256},
            {"finalized_at", iso(s.finalized_at)}, {"state_at", iso(s.state_at)},
            {"deprecated_id", opt(s.deprecated_id)}, {"superseded_by", opt(s.superseded_by)},
            {"reject_reason", opt(s.reject_reason)}};
  return j;
}

json draft_json(const core::DraftRecord& d) {
  return {{"draft_id", d.draft_id}, {"form_id", d.form_id}, {"form_version", d.form_version},
          {"instance_id", d.instance_id}, {"replaces", opt(d.replaces)}, {"position", d.position},
          {"language", d.language}, {"saves", d.saves}, {"created_at", iso(d.created_at)},
          {"updated_at", iso(d.updated_at)}};
}

std::string dump(const json& j) { return j.dump(1, ' ', false, json::error_handler_t::replace); }

int fail(const std::string& sub, const core::Error& e) {
  std::cerr << "khaosat data " << sub << ": " << e.message << "\n";
  return 1;
}

core::Result<std::unique_ptr<core::Store>> open_store(const Args& a, bool read_only) {
  core::StoreOptions o;
  o.read_only = read_only;
  o.actor = a.actor;
  return core::Store::open(a.db, o);
}

// Who wrote a registry property's version (its HLC's node), as this device knows them: "this
// device", the name the office enrolled another device under with its communes (pulled with the
// versions it wrote: docs/sync-protocol.md, "Device names"), or "" when not known. Memoized per node.
class Writers {
 public:
  explicit Writers(core::Store& s) : s_(s) {
    if (auto id = s.device_id()) self_.push_back(*id);
    if (auto en = s.enrollment(); en && *en) self_.push_back((*en)->device_id);
  }
  std::string of(const std::string& hlc) {
    auto h = core::Hlc::parse(hlc);
    if (!h) return "";
    auto [it, fresh] = names_.try_emplace(h->node);
    if (!fresh) return it->second;
    if (std::find(self_.begin(), self_.end(), h->node) != self_.end()) return it->second = "this device";
    auto known = s_.known_device(h->node);
    if (!known || !*known || (*known)->name.empty()) return it->second;
    std::string communes;
    for (const auto& c : (*known)->communes) communes += (communes.empty() ? "" : ", ") + c;
    return it->second = (*known)->name + (communes.empty() ? "" : " (" + communes + ")");
  }
  // "  (HLC)", or "  (HLC) by WRITER" when the writer is known.
  std::string text(const std::string& hlc) {
    std::string by = of(hlc);
    return "  (" + hlc + ")" + (by.empty() ? "" : " by " + by);
  }
  // A property as JSON: value, hlc, and by (the writer, or null).
  json property(const core::RegistryProperty& p) {
    std::string by = of(p.hlc);
    return {{"value", p.value}, {"hlc", p.hlc}, {"by", by.empty() ? json(nullptr) : json(by)}};
  }

 private:
  core::Store& s_;
  std::vector<std::string> self_;
  std::map<std::string, std::string> names_;
};

// --- list ------------------------------------------------------------------------------------

int list(core::Store& s, const Args& a) {
  if (a.positional.size() != 1) {
    std::cerr << kHelp.at("list");
    return 2;
  }
  const std::string& what = a.positional[0];
  json out = json::array();
  std::ostringstream text;
  if (what == "forms") {
    auto forms = s.list_forms();
    if (!forms) return fail("list", forms.error());
    for (const auto& f : *forms) {
      out.push_back({{"form_id", f.form_id}, {"version", f.version}, {"title", f.title},
                     {"sha256", f.sha256}, {"current", f.current}, {"media", f.media},
                     {"source_name", f.source_name}, {"installed_at", iso(f.installed_at)}});
      text << f.form_id << "  " << f.version << (f.current ? "  (current)  " : "  ") << f.title << "\n";
    }
  } else if (what == "drafts") {
    auto drafts = s.list_drafts(a.form);
    if (!drafts) return fail("list", drafts.error());
    for (const auto& d : *drafts) {
      out.push_back(draft_json(d));
      text << d.draft_id << "  " << d.form_id << "  " << d.instance_id << "  " << iso(d.updated_at)
           << (d.replaces ? "  edits " + *d.replaces : "") << "\n";
    }
  } else if (what == "submissions") {
    core::SubmissionFilter f;
    f.form_id = a.form;
    auto subs = s.list_submissions(f);
    if (!subs) return fail("list", subs.error());
    for (const auto& sub : *subs) {
      out.push_back(submission_json(sub));
      text << sub.instance_id << "  " << sub.form_id << "  " << core::to_string(sub.state) << "  "
           << iso(sub.finalized_at) << (sub.superseded_by ? "  replaced by " + *sub.superseded_by : "")
           << (sub.reject_reason ? "  " + *sub.reject_reason : "") << "\n";
    }
  } else if (what == "outbox") {
    auto entries = s.list_outbox();
    if (!entries) return fail("list", entries.error());
    for (const auto& e : *entries) {
      json payload = stored_json(e.payload);
      out.push_back({{"seq", e.seq}, {"kind", e.kind}, {"subject", e.subject},
                     {"payload", payload.is_discarded() ? json(e.payload) : payload},
                     {"created_at", iso(e.created_at)},
                     {"acked_at", e.acked_at ? json(iso(*e.acked_at)) : json(nullptr)}});
      text << e.seq << "  " << e.kind << "  " << e.subject << (e.acked_at ? "  acked" : "") << "\n";
    }
  } else if (what == "records") {
    auto reg = core::registry_from_string(a.registry);
    if (!reg) {
      std::cerr << "khaosat data list records: --registry takes establishment, cooperative or "
                   "craft_village" << (a.registry.empty() ? "" : ", not '" + a.registry + "'") << "\n";
      return 2;
    }
    auto recs = s.search_records(*reg, a.search, 1 << 30);
    if (!recs) return fail("list", recs.error());
    Writers writers(s);
    for (const auto& r : *recs) {
      json props = json::object();
      for (const auto& [k, p] : r.properties) props[k] = writers.property(p);
      auto conflicts = s.record_conflicts(r.record_id);
      if (!conflicts) return fail("list", conflicts.error());
      json open = json::array();
      for (const auto& c : *conflicts)
        open.push_back({{"conflict", c.conflict_id}, {"property", c.property}, {"kept", c.kept_value},
                        {"other", c.other_value}});
      out.push_back({{"record_id", r.record_id}, {"registry", core::to_string(r.registry)}, {"name", r.name},
                     {"properties", props}, {"conflicts", open}, {"created_at", iso(r.created_at)},
                     {"updated_at", iso(r.updated_at)}});
      text << r.record_id << "  " << r.name << "\n";
      for (const auto& [k, p] : r.properties) text << "    " << k << " = " << p.value << writers.text(p.hlc) << "\n";
      for (const auto& c : *conflicts)
        text << "    conflict " << c.conflict_id << ": " << c.property << " = " << c.kept_value << ", or "
             << c.other_value << " (an edit made without seeing it; the office decides)\n";
    }
  } else {
    std::cerr << "khaosat data list: cannot list '" << what
              << "' (forms, drafts, submissions, outbox or records)\n";
    return 2;
  }
  if (a.json) std::cout << dump(out) << "\n";
  else std::cout << text.str();
  return 0;
}

// --- show ------------------------------------------------------------------------------------

int show(core::Store& s, const Args& a) {
  if (a.positional.size() != 1) {
    std::cerr << kHelp.at("show");
    return 2;
  }
  std::string id = a.positional[0];
  auto sub = s.get_submission(id);
  if (!sub && id.rfind("uuid:", 0) != 0) sub = s.get_submission("uuid:" + id);
  if (sub) {
    json j = submission_json(*sub);
    json atts = json::array();
    for (const auto& [name, sha] : sub->attachments) atts.push_back({{"name", name}, {"sha256", sha}});
    j["attachments"] = atts;
    if (a.json) {
      j["instance_xml"] = sub->instance_xml;
      j["data"] = stored_json(sub->instance_json);
      std::cout << dump(j) << "\n";
    } else {
      for (auto it = j.begin(); it != j.end(); ++it)
        if (it.key() != "attachments" && !it->is_null())
          std::cout << it.key() << ": " << (it->is_string() ? it->get<std::string>() : it->dump()) << "\n";
      for (const auto& [name, sha] : sub->attachments) std::cout << "attachment: " << name << " " << sha << "\n";
      std::cout << "\n" << sub->instance_xml << "\n";
    }
    return 0;
  }
  auto draft = s.get_draft(id);
  if (draft) {
    json j = draft_json(*draft);
    j["kind"] = "draft";
    if (a.json) {
      j["instance_xml"] = draft->instance_xml;
      std::cout << dump(j) << "\n";
    } else {
      std::cout << "draft: " << draft->draft_id << "\n";
      for (auto it = j.begin(); it != j.end(); ++it)
        if (it.key() != "draft_id" && it.key() != "kind" && !it->is_null())
          std::cout << it.key() << ": " << (it->is_string() ? it->get<std::string>() : it->dump()) << "\n";
      std::cout << "\n" << draft->instance_xml << "\n";
    }
    return 0;
  }
  auto rec = s.get_record(id);
  if (rec) {
    Writers writers(s);
    json props = json::object();
    for (const auto& [k, p] : rec->properties) props[k] = writers.property(p);
    json j = {{"record_id", rec->record_id}, {"registry", core::to_string(rec->registry)},
              {"name", rec->name}, {"properties", props}, {"updated_at", iso(rec->updated_at)}};
    if (a.json) std::cout << dump(j) << "\n";
    else {
      std::cout << core::to_string(rec->registry) << " " << rec->record_id << ": " << rec->name << "\n";
      for (const auto& [k, p] : rec->properties) std::cout << "  " << k << " = " << p.value << writers.text(p.hlc) << "\n";
    }
    return 0;
  }
  std::cerr << "khaosat data show: " << a.db << ": no submission, draft or registry record '" << id << "'\n";
  return 1;
}

// --- export ----------------------------------------------------------------------------------

int export_cmd(core::Store& s, const Args& a) {
  if (!a.positional.empty()) {
    std::cerr << kHelp.at("export");
    return 2;
  }
  core::SubmissionFilter f;
  f.form_id = a.form;
  f.include_superseded = a.all_versions;
  auto list = s.list_submissions(f);
  if (!list) return fail("export", list.error());
  std::ostringstream out;
  if (a.format == "json") {
    json arr = json::array();
    for (const auto& brief : *list) {
      auto sub = s.get_submission(brief.instance_id);
      if (!sub) return fail("export", sub.error());
      json j = submission_json(*sub);
      j["data"] = stored_json(sub->instance_json);
      arr.push_back(std::move(j));
    }
    out << dump(arr) << "\n";
  } else {
    core::SubmissionTable table;
    for (const auto& brief : *list) {
      auto sub = s.get_submission(brief.instance_id);
      if (!sub) return fail("export", sub.error());
      if (core::Status st = table.add(*sub); !st) return fail("export", st.error());
    }
    table.write_csv(out);
  }
  if (a.out.empty()) {
    std::cout << out.str();
  } else {
    // Never over the database (or its WAL) that is being exported.
    if (core::Status st = write_output(a.out, out.str(), {a.db, a.db + "-wal", a.db + "-shm"}); !st) {
      std::cerr << "khaosat data export: " << st.error().message << "\n";
      return 1;
    }
  }
  return 0;
}

// --- check -----------------------------------------------------------------------------------

int check(core::Store& s, const Args& a) {
  auto rep = s.check();
  if (!rep) return fail("check", rep.error());
  if (a.json) {
    std::cout << dump({{"ok", rep->ok()}, {"problems", rep->problems}, {"submissions", rep->submissions},
                       {"drafts", rep->drafts}, {"attachments", rep->attachments}, {"outbox", rep->outbox}})
              << "\n";
  } else {
    for (const auto& p : rep->problems) std::cout << a.db << ": " << p << "\n";
    std::cout << a.db << ": " << (rep->ok() ? "ok" : "DAMAGED") << " (" << rep->submissions
              << " submissions, " << rep->drafts << " drafts, " << rep->attachments
              << " attachments, " << rep->outbox << " outbox entries)\n";
  }
  return rep->ok() ? 0 : 1;
}

// --- add -------------------------------------------------------------------------------------

int add(const Args& a) {
  if (a.positional.empty() || a.positional.size() > 2) {
    std::cerr << kHelp.at("add");
    return 2;
  }
  const std::string& form_path = a.positional[0];
  json steps = json::array();
  if (a.positional.size() == 2) {
    auto text = read_input(a.positional[1], core::kMaxScriptFileBytes);
    if (!text) {
      std::cerr << "khaosat data add: cannot read the script: " << text.error().message << "\n";
      return 2;
    }
    auto parsed = tools::parse_script(*text);
    if (!parsed) {
      std::cerr << "khaosat data add: " << a.positional[1] << ": " << parsed.error().message << "\n";
      return 2;
    }
    steps = std::move(parsed.value());
  }
  for (std::size_t i = 0; i < a.attach.size(); ++i) {
    const std::string& f = a.attach[i];
    if (auto file = core::Env::default_env().open_sequential(f); !file) {
      std::cerr << "khaosat data add: cannot read attachment: " << file.error().message
                << "; nothing was stored\n";
      return 2;
    }
    // The instance names an attachment by its file name (an upload question's value): two
    // files with one name cannot both be reached, and one would be lost.
    for (std::size_t j = 0; j < i; ++j)
      if (fs::path(a.attach[j]).filename() == fs::path(f).filename()) {
        std::cerr << "khaosat data add: --attach '" << a.attach[j] << "' and --attach '" << f
                  << "' have the same file name '" << fs::path(f).filename().string()
                  << "'; the instance refers to an attachment by its file name, so each needs "
                     "its own: copy one under another name (and answer the upload question "
                     "with that name). Nothing was stored.\n";
        return 2;
      }
  }
  auto store = open_store(a, false);
  if (!store) return fail("add", store.error());
  core::Store& s = **store;
  std::vector<std::string> media;
  if (!a.media.empty()) {
    std::error_code ec;
    // Everything but sub-folders: a FIFO or a device is refused, with its reason, by
    // install_form (Env::open_sequential) rather than silently left out.
    for (const auto& e : fs::directory_iterator(a.media, ec))
      if (!e.is_directory()) media.push_back(e.path().string());
    if (ec) {
      std::cerr << "khaosat data add: cannot read media folder '" << a.media << "': " << ec.message() << "\n";
      return 2;
    }
  }
  auto installed = s.install_form(form_path, media);
  if (!installed) return fail("add", installed.error());
  auto form = s.load_form(installed->form_id, installed->version);
  if (!form) return fail("add", form.error());
  core::SessionOptions so;
  if (a.now_ms) {
    so.env = tools::deterministic_environment(*a.now_ms);
    so.env.tz_offset_minutes = {};  // --now fixes the instant; the zone stays the device's
  }
  so.env.uuid = [&s] { return s.new_id(); };  // time-ordered instance ids (UUIDv7)
  auto session = a.record.empty() ? core::FormSession::start(*form, so) : s.start_from_record(*form, a.record, so);
  if (!session) return fail("add", session.error());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    core::Status st = tools::apply_step(**session, steps[i]);
    if (!st) {
      std::cerr << "khaosat data add: " << a.positional[1] << ": step " << i + 1 << " ("
                << steps[i].dump() << "): " << st.error().message << "; nothing was stored\n";
      return 1;
    }
  }
  std::vector<core::AttachmentInput> files;
  for (const auto& f : a.attach) files.push_back({fs::path(f).filename().string(), f, ""});
  json result;
  if (a.finalize) {
    core::FinalizeRequest req;
    req.session = session->get();
    req.attachments = files;
    auto out = s.finalize(req);
    if (!out) return fail("add", out.error());
    if (!out->finalized) {
      std::cerr << "khaosat data add: " << form_path << ": the instance is not valid; nothing was stored\n";
      for (const auto& [ref, v] : out->violations)
        std::cerr << "  " << ref << ": " << core::to_string(v.condition) << (v.message.empty() ? "" : " (" + v.message + ")") << "\n";
      return 1;
    }
    result = {{"instance_id", out->submission.instance_id}, {"state", "finalized"},
              {"sha256", out->submission.sha256}};
  } else {
    core::DraftSave save;
    save.session = session->get();
    save.durable = true;  // printed ids must survive power loss too
    auto draft = s.save_draft(save);
    if (!draft) return fail("add", draft.error());
    for (const auto& f : files) {
      auto att = s.attach_to_draft(*draft, f);
      if (!att) return fail("add", att.error());
    }
    auto d = s.get_draft(*draft);
    if (!d) return fail("add", d.error());
    result = {{"instance_id", d->instance_id}, {"state", "draft"}, {"draft_id", *draft}};
  }
  // Only now, after the commit returned, is the id printed.
  if (a.json) std::cout << result.dump() << "\n";
  else std::cout << result["instance_id"].get<std::string>() << "\n";
  std::cout.flush();
  return 0;
}

}  // namespace

int data_command(std::vector<std::string> args) {
  if (args.empty()) {
    std::cerr << kDataUsage;
    return 2;
  }
  std::string sub = args[0];
  args.erase(args.begin());
  if (sub == "-h" || sub == "--help") {
    std::cout << kDataUsage;
    return 0;
  }
  auto help = kHelp.find(sub);
  if (help == kHelp.end()) {
    std::cerr << "khaosat data: unknown subcommand '" << sub << "'\n\n" << kDataUsage;
    return 2;
  }
  Args a = parse(args);
  if (a.help) {
    std::cout << help->second;
    return 0;
  }
  if (!a.error.empty()) {
    std::cerr << "khaosat data " << sub << ": " << a.error << "\n";
    return 2;
  }
  if (a.db.empty()) {
    std::cerr << "khaosat data " << sub << ": --db FILE is required\n\n" << help->second;
    return 2;
  }
  if (sub == "add") return add(a);
  auto store = open_store(a, true);
  if (!store) return fail(sub, store.error());
  if (sub == "list") return list(**store, a);
  if (sub == "show") return show(**store, a);
  if (sub == "export") return export_cmd(**store, a);
  return check(**store, a);
}

}  // namespace khaosat::cli
