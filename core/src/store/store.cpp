// Store: opening (checks, WAL, migrations), sync state, outbox, audit log and check().
#include "khaosat/core/store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "khaosat/core/parse_number.hpp"
#include "base/xml_text.hpp"
#include "store/schema.hpp"
#include "store/store_impl.hpp"
#include "base/hash.hpp"

namespace khaosat::core {

using store::Reset;
using store::Txn;

std::string sha256_hex(std::string_view bytes) { return base::sha256_hex(bytes); }

const char* to_string(SubmissionState s) {
  switch (s) {
    case SubmissionState::Finalized: return "finalized";
    case SubmissionState::Sent: return "sent";
    case SubmissionState::Rejected: return "rejected";
  }
  return "finalized";
}

const char* to_string(Registry r) {
  switch (r) {
    case Registry::Establishment: return "establishment";
    case Registry::Cooperative: return "cooperative";
    case Registry::CraftVillage: return "craft_village";
  }
  return "establishment";
}

std::optional<Registry> registry_from_string(std::string_view s) {
  if (s == "establishment") return Registry::Establishment;
  if (s == "cooperative") return Registry::Cooperative;
  if (s == "craft_village") return Registry::CraftVillage;
  return std::nullopt;
}

const char* dataset_of(Registry r) {
  switch (r) {
    case Registry::Establishment: return "establishments";
    case Registry::Cooperative: return "cooperatives";
    case Registry::CraftVillage: return "craft_villages";
  }
  return "establishments";
}

std::optional<Registry> registry_from_dataset(std::string_view s) {
  for (Registry r : {Registry::Establishment, Registry::Cooperative, Registry::CraftVillage})
    if (s == dataset_of(r)) return r;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Opening

namespace {

Status open_connection(StoreImpl& s, const std::string& path) {
  const StoreOptions& o = s.options;
  bool exists = ::access(path.c_str(), F_OK) == 0;
  if (!exists && (o.read_only || !o.create))
    return Error::make(ErrorCode::store_open, path + ": no such database");
  if (exists && !o.read_only && ::access(path.c_str(), W_OK) != 0)
    return Error::make(ErrorCode::store_readonly,
                       path + ": the database file is read-only (" + std::strerror(errno) +
                           "); nothing can be saved to it. Open it read-only to read it.");
  if (!o.read_only) {
    // SQLite writes beside the database (path-wal, path-shm, a journal) and the store keeps
    // attachments in path.media: a folder it cannot write fails later with "attempt to write a
    // readonly database", which says neither what nor where.
    std::string folder = std::filesystem::path(path).parent_path().string();
    if (folder.empty()) folder = ".";
    if (::access(folder.c_str(), W_OK) != 0)
      return Error::make(ErrorCode::store_readonly,
                         folder + ": the folder of the database " + path + " is not writable (" +
                             std::strerror(errno) + "); SQLite creates " + path + "-wal and " +
                             path + "-shm beside the database when it writes. Make the folder "
                             "writable, or move the database to a writable folder; to only read "
                             "it, open it read-only.");
  }
  int flags = o.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (Status st = s.db.open(path, flags, s.os()); !st) return st;
  if (!o.read_only && sqlite3_db_readonly(s.db.handle(), "main") == 1)
    return Error::make(ErrorCode::store_readonly, path + ": the database can only be opened read-only; "
                                                "nothing can be saved to it");
  return ok_status();
}

Status prepare_for_writing(StoreImpl& s, const store::Inspection& found) {
  // Every check comes before the first write (the switch to WAL rewrites the header).
  if (!found.schema_problems.empty()) {
    std::string list;
    for (const auto& p : found.schema_problems) list += (list.empty() ? "" : "; ") + p;
    return Error::make(ErrorCode::store_corrupt,
                       s.path + ": the database's schema is not what its version (" +
                           std::to_string(found.version) + ") defines: " + list +
                           ". It was left untouched; 'khaosat data check' lists every problem, "
                           "and a read-only open can still read what is there.");
  }
  // WAL: readers never block the writer, a commit appends to the log instead of rewriting pages,
  // and a crash mid-commit leaves the database as of the last commit.
  auto mode = s.db.prepare("PRAGMA journal_mode = WAL", "cannot switch to WAL mode");
  if (!mode) return mode.error();
  int rc = mode->step();
  // Switching needs the file to itself, and SQLite reports another process creating the same
  // new database at that moment as busy without calling the busy handler: wait as it would.
  for (int waited_ms = 0; (rc & 0xff) == SQLITE_BUSY && waited_ms < 5000; waited_ms += 10) {
    mode->reset();
    sqlite3_sleep(10);
    rc = mode->step();
  }
  if (rc != SQLITE_ROW) return s.db.error("cannot switch to WAL mode", rc);
  std::string journal = mode->text(0);
  mode->reset();  // a statement left mid-result would keep its read transaction open
  if (journal != "wal")
    return Error::make(ErrorCode::store_io, s.path + ": cannot switch to WAL mode (journal mode is '" +
                                       journal + "')");
  if (Status st = s.db.exec("PRAGMA foreign_keys = ON", "cannot configure"); !st) return st;
  if (Status st = s.set_sync(StoreImpl::Sync::Full); !st) return st;
  if (found.version < store::kLatestVersion)
    if (Status st = store::migrate(s.db, store::kLatestVersion, s.options.env); !st) return st;
  if (Status st = s.os().create_dirs(s.media_dir); !st)
    return store::store_error(st.error(), "cannot create the media folder");
  return ok_status();
}

Status load_identity(StoreImpl& s) {
  auto id = s.get_state("device_id");
  if (!id) return id.error();
  if (*id) {
    s.device_id = **id;
  } else if (!s.options.read_only) {
    // A provisional id until enrollment assigns one (set_device_id). Another process opening
    // the new file at the same time may have recorded one since: read again under the lock.
    Txn txn(s.db);
    if (Status st = txn.begin("cannot record the device id"); !st) return st;
    auto again = s.get_state("device_id");
    if (!again) return again.error();
    if (*again) {
      s.device_id = **again;
    } else {
      s.device_id = s.uuid.next();
      if (Status st = s.put_state("device_id", s.device_id); !st) return st;
      if (Status st = s.put_state("outbox.next_seq", "1"); !st) return st;
    }
    if (Status st = txn.commit("cannot record the device id"); !st) return st;
  }
  s.hlc.emplace(s.device_id, s.options.env.now_ms);
  auto last = s.get_state("hlc.last");
  if (!last) return last.error();
  if (*last)
    if (auto h = Hlc::parse(**last)) s.hlc->restore(*h);
  return ok_status();
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& path, StoreOptions options) {
  auto impl = std::make_unique<StoreImpl>();
  if (!options.env.os) options.env.os = &Env::default_env();
  Env* os = options.env.os;
  if (!options.env.now_ms) options.env.now_ms = [os] { return os->now_ms(); };
  if (!options.env.random)
    options.env.random = [os](unsigned char* out, std::size_t n) { os->random_bytes(out, n); };
  impl->options = std::move(options);
  impl->uuid = Uuid7Generator(impl->options.env);
  impl->path = path;
  impl->media_dir = path + ".media";
  if (Status st = open_connection(*impl, path); !st) return st.error();
  auto found = store::inspect(impl->db);
  if (!found) {
    Error e = found.error();
    // A read-only reader of a WAL database still needs its -shm file, created beside it.
    if (impl->options.read_only && (e.code == ErrorCode::store_readonly || e.code == ErrorCode::store_open))
      e.message += " (reading a database in WAL mode needs " + path +
                   "-shm, which SQLite creates beside it: is the folder writable?)";
    return e;
  }
  if (impl->options.read_only) {
    if (found->version < store::kLatestVersion)
      return Error::make(ErrorCode::store_readonly,
                         path + ": the database has schema version " + std::to_string(found->version) +
                             " and must be upgraded to " + std::to_string(store::kLatestVersion) +
                             ", which a read-only open cannot do; open it once for writing");
  } else if (Status st = prepare_for_writing(*impl, *found); !st) {
    return st.error();
  }
  // A read-only open of a damaged schema still reads what is there, so that check() can list
  // every problem: the identity may be what is missing.
  bool damaged = !found->schema_problems.empty();
  if (Status st = load_identity(*impl); !st && !(impl->options.read_only && damaged))
    return st.error();
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Store::Store(std::unique_ptr<StoreImpl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;
const std::string& Store::path() const { return impl_->path; }
std::string Store::media_dir() const { return impl_->media_dir; }
std::string Store::new_id() { return impl_->uuid.next(); }

// ---------------------------------------------------------------------------------------------
// [SECTION] Shared helpers

Status StoreImpl::set_sync(Sync mode) {
  if (sync == mode) return ok_status();
  const char* sql = mode == Sync::Full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
  if (Status st = db.exec(sql, "cannot set the synchronous mode"); !st) return st;
  sync = mode;
  return ok_status();
}

Status StoreImpl::audit(std::string_view action, std::string_view subject,
                        std::string_view detail) {
  auto s = stmt("INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
                "cannot write the audit log");
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, now());
  (*s)->bind(2, options.actor);
  (*s)->bind(3, action);
  (*s)->bind(4, subject);
  (*s)->bind(5, detail);
  int rc = (*s)->step();
  if (rc != SQLITE_DONE) return db.error("cannot write the audit log", rc);
  return ok_status();
}

Result<std::optional<std::string>> StoreImpl::get_state(std::string_view key) {
  auto s = stmt("SELECT value FROM sync_state WHERE key = ?", "cannot read the sync state");
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, key);
  int rc = (*s)->step();
  if (rc == SQLITE_ROW) return std::optional<std::string>((*s)->text(0));
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  return db.error("cannot read the sync state", rc);
}

Status StoreImpl::put_state(std::string_view key, std::string_view value) {
  auto s = stmt("INSERT INTO sync_state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                "cannot write the sync state");
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, key);
  (*s)->bind(2, value);
  int rc = (*s)->step();
  if (rc != SQLITE_DONE) return db.error("cannot write the sync state", rc);
  return ok_status();
}

Result<std::int64_t> StoreImpl::append_outbox(std::string_view kind, std::string_view subject,
                                              std::string_view payload) {
  // The sequence comes from a counter, not max(seq)+1, so it stays contiguous even after
  // acknowledged entries are pruned; it moves in this transaction, with the entry.
  auto next = get_state("outbox.next_seq");
  if (!next) return next.error();
  std::int64_t seq = 1;
  if (*next) {
    auto parsed = parse_int64(**next);
    if (!parsed || *parsed < 1)
      return Error::make(ErrorCode::store_corrupt, path + ": the sync state's outbox.next_seq is '" +
                                              **next + "', not a positive number; 'khaosat "
                                              "data check' reports it");
    seq = *parsed;
  }
  auto s = stmt("INSERT INTO outbox (seq, kind, subject, payload, created_at) VALUES (?, ?, ?, ?, ?)",
                "cannot append to the outbox");
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, seq);
  (*s)->bind(2, kind);
  (*s)->bind(3, subject);
  (*s)->bind(4, payload);
  (*s)->bind(5, now());
  int rc = (*s)->step();
  if (rc != SQLITE_DONE) return db.error("cannot append to the outbox", rc);
  if (Status st = put_state("outbox.next_seq", std::to_string(seq + 1)); !st) return st.error();
  return seq;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Outbox, sync state, audit log

Result<std::vector<OutboxEntry>> Store::list_outbox(std::int64_t after_seq, int limit) {
  auto s = impl_->stmt("SELECT seq, kind, subject, payload, created_at, acked_at FROM outbox "
                       "WHERE seq > ? ORDER BY seq LIMIT ?",
                       "cannot read the outbox");
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, after_seq);
  (*s)->bind(2, static_cast<std::int64_t>(limit));
  std::vector<OutboxEntry> out;
  int rc;
  while ((rc = (*s)->step()) == SQLITE_ROW) {
    OutboxEntry e;
    e.seq = (*s)->integer(0);
    e.kind = (*s)->text(1);
    e.subject = (*s)->text(2);
    e.payload = (*s)->text(3);
    e.created_at = (*s)->integer(4);
    if (!(*s)->is_null(5)) e.acked_at = (*s)->integer(5);
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return impl_->db.error("cannot read the outbox", rc);
  return out;
}

Status Store::ack_outbox(std::int64_t seq) {
  const char* what = "cannot acknowledge outbox entries";
  if (Status st = impl_->set_sync(StoreImpl::Sync::Full); !st) return st;
  Txn txn(impl_->db);
  if (Status st = txn.begin(what); !st) return st;
  auto s = impl_->stmt("UPDATE outbox SET acked_at = ? WHERE seq <= ? AND acked_at IS NULL", what);
  if (!s) return s.error();
  {
    Reset r(*s);
    (*s)->bind(1, impl_->now());
    (*s)->bind(2, seq);
    int rc = (*s)->step();
    if (rc != SQLITE_DONE) return impl_->db.error(what, rc);
  }
  if (Status st = impl_->audit("outbox.ack", std::to_string(seq)); !st) return st;
  return txn.commit(what);
}

Result<std::string> Store::device_id() { return impl_->device_id; }

Status Store::set_device_id(const std::string& id) {
  const char* what = "cannot set the device id";
  if (id.empty()) return Error::make(ErrorCode::store_invalid, impl_->path + ": a device id cannot be empty");
  if (Status st = impl_->set_sync(StoreImpl::Sync::Full); !st) return st;
  Txn txn(impl_->db);
  if (Status st = txn.begin(what); !st) return st;
  if (Status st = impl_->put_state("device_id", id); !st) return st;
  if (Status st = impl_->audit("device.enroll", id, impl_->device_id); !st) return st;
  if (Status st = txn.commit(what); !st) return st;
  impl_->device_id = id;
  Hlc last = impl_->hlc->last();
  impl_->hlc.emplace(id, impl_->options.env.now_ms);
  impl_->hlc->restore(last);
  return ok_status();
}

Result<std::string> Store::cursor(const std::string& name) {
  auto v = impl_->get_state("cursor." + name);
  if (!v) return v.error();
  return v->value_or("");
}

Status Store::set_cursor(const std::string& name, const std::string& value) {
  const char* what = "cannot save the sync cursor";
  if (Status st = impl_->set_sync(StoreImpl::Sync::Full); !st) return st;
  Txn txn(impl_->db);
  if (Status st = txn.begin(what); !st) return st;
  if (Status st = impl_->put_state("cursor." + name, value); !st) return st;
  return txn.commit(what);
}

Result<std::vector<AuditEntry>> Store::audit_log(int limit) {
  auto s = impl_->stmt("SELECT id, at, actor, action, subject, detail FROM audit ORDER BY id LIMIT ?",
                       "cannot read the audit log");
  if (!s) return s.error();
  Reset r(*s);
  (*s)->bind(1, static_cast<std::int64_t>(limit));
  std::vector<AuditEntry> out;
  int rc;
  while ((rc = (*s)->step()) == SQLITE_ROW)
    out.push_back({(*s)->integer(0), (*s)->integer(1), (*s)->text(2), (*s)->text(3),
                   (*s)->text(4), (*s)->text(5)});
  if (rc != SQLITE_DONE) return impl_->db.error("cannot read the audit log", rc);
  return out;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] check()

namespace {

// Appends every row of a one-column query to `problems`, each prefixed.
Status collect(store::Db& db, const char* sql, const std::string& prefix,
               std::vector<std::string>& problems) {
  auto s = db.prepare(sql, "cannot check the database");
  if (!s) return s.error();
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) problems.push_back(prefix + s->text(0));
  if (rc != SQLITE_DONE) return db.error("cannot check the database", rc);
  return ok_status();
}

// Why stored instance XML is not well-formed, or nullopt when it is: a character XML 1.0 cannot
// carry (which pugixml would let pass), or what the parser found.
std::optional<std::string> xml_problem(std::string_view xml) {
  if (auto bad = find_non_xml_char(xml))
    return "its XML is not well-formed: " + bad->what + " (byte " + std::to_string(bad->offset) + ")";
  pugi::xml_document doc;
  pugi::xml_parse_result r = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default);
  if (!r)
    return std::string("its XML is not well-formed: ") + r.description() + " (byte " +
           std::to_string(r.offset) + ")";
  if (!doc.document_element()) return std::string("its XML has no root element");
  return std::nullopt;
}

}  // namespace

Result<CheckReport> Store::check() {
  CheckReport rep;
  store::Db& db = impl_->db;
  {
    // Every table, index and trigger this version defines; the checks below read them.
    auto diff = store::schema_differences(db, store::kLatestVersion);
    if (!diff) return diff.error();
    for (const auto& d : *diff) rep.problems.push_back("schema: " + d);
    if (!diff->empty()) {
      rep.problems.push_back("schema: the other checks were skipped, they need the whole schema");
      return rep;
    }
  }
  {
    auto s = db.prepare("PRAGMA integrity_check", "cannot check the database");
    if (!s) return s.error();
    int rc;
    while ((rc = s->step()) == SQLITE_ROW)
      if (s->text(0) != "ok") rep.problems.push_back("integrity_check: " + s->text(0));
    if (rc != SQLITE_DONE) return db.error("cannot check the database", rc);
  }
  if (Status st = collect(db, "SELECT format('%s row %d refers to a missing %s', \"table\", rowid, parent) "
                              "FROM pragma_foreign_key_check",
                          "foreign key: ", rep.problems); !st)
    return st.error();
  // Every referenced attachment: a row, a file, and bytes that hash to the name.
  auto files = db.prepare("SELECT sha256, size FROM attachments ORDER BY sha256", "cannot check attachments");
  if (!files) return files.error();
  int rc;
  while ((rc = files->step()) == SQLITE_ROW) {
    std::string sha = files->text(0);
    ++rep.attachments;
    std::string path = impl_->content_path(sha);
    auto content = store::hash_file(impl_->os(), path);  // a stream: memory stays flat
    if (!content) {
      if (content.error().code == ErrorCode::io_not_found)
        rep.problems.push_back("attachment " + sha + ": the file " + path + " is missing");
      else
        rep.problems.push_back("attachment " + sha + ": " + content.error().message);
      continue;
    }
    if (content->size != files->integer(1))
      rep.problems.push_back("attachment " + sha + ": " + std::to_string(content->size) +
                             " bytes on disk, " + std::to_string(files->integer(1)) + " recorded");
    else if (content->sha256 != sha)
      rep.problems.push_back("attachment " + sha + ": the file's bytes do not hash to its name");
  }
  if (rc != SQLITE_DONE) return db.error("cannot check attachments", rc);
  // Submissions: the stored hash matches the stored XML.
  auto subs = db.prepare("SELECT s.instance_id, c.instance_xml, s.sha256 FROM submissions s "
                         "LEFT JOIN submission_content c USING (instance_id)",
                         "cannot check submissions");
  if (!subs) return subs.error();
  while ((rc = subs->step()) == SQLITE_ROW) {
    ++rep.submissions;
    if (subs->is_null(1))
      rep.problems.push_back("submission " + subs->text(0) + ": its content is missing");
    else if (sha256_hex(subs->text(1)) != subs->text(2))
      rep.problems.push_back("submission " + subs->text(0) + ": its XML does not match its sha256");
    else if (auto bad = xml_problem(subs->text(1)))
      rep.problems.push_back("submission " + subs->text(0) + ": " + *bad);
  }
  if (rc != SQLITE_DONE) return db.error("cannot check submissions", rc);
  auto draft_xml = db.prepare("SELECT draft_id, instance_id, instance_xml FROM drafts ORDER BY draft_id",
                              "cannot check drafts");
  if (!draft_xml) return draft_xml.error();
  while ((rc = draft_xml->step()) == SQLITE_ROW)
    if (auto bad = xml_problem(draft_xml->text(2)))
      rep.problems.push_back("draft " + draft_xml->text(0) + " (instance " + draft_xml->text(1) +
                             "): " + *bad);
  if (rc != SQLITE_DONE) return db.error("cannot check drafts", rc);
  auto drafts = db.query_int("SELECT count(*) FROM drafts", "cannot check drafts");
  if (!drafts) return drafts.error();
  rep.drafts = *drafts;
  // The outbox: 1..next_seq-1 with no gap (acknowledged entries are kept).
  auto count = db.query_int("SELECT count(*) FROM outbox", "cannot check the outbox");
  auto max = db.query_int("SELECT coalesce(max(seq), 0) FROM outbox", "cannot check the outbox");
  auto min = db.query_int("SELECT coalesce(min(seq), 1) FROM outbox", "cannot check the outbox");
  auto next = impl_->get_state("outbox.next_seq");
  if (!count || !max || !min || !next)
    return Error::make(ErrorCode::store_io, impl_->path + ": cannot check the outbox");
  rep.outbox = *count;
  std::optional<std::int64_t> stored_next = *next ? parse_int64(**next) : std::int64_t{1};
  std::int64_t expected_next = stored_next.value_or(0);
  if (!stored_next || *stored_next < 1)
    rep.problems.push_back("outbox: the next number (sync state outbox.next_seq) is '" +
                           next->value_or("") + "', not a positive number");
  else if (*min != 1 || *max != *count || *max + 1 != expected_next)
    rep.problems.push_back("outbox: " + std::to_string(*count) + " entries numbered " +
                           std::to_string(*min) + ".." + std::to_string(*max) +
                           ", next number " + std::to_string(expected_next) + ": not contiguous");
  if (Status st = collect(db, "SELECT 'submission ' || instance_id || ' has no outbox entry' FROM submissions s "
                              "WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'submission' "
                              "AND o.subject = s.instance_id)",
                          "outbox: ", rep.problems); !st)
    return st.error();
  return rep;
}

}  // namespace khaosat::core
