// khaosat_bench_store: device-store benchmarks, run by `scripts/bench store`.
//
//   khaosat_bench_store [DIR] [--form-a FORM SCRIPT]
//       DIR: where the database goes; default a temporary folder. Put it on the storage you want
//       to measure: fsync dominates. --form-a also finalizes the built-in form A, filled by
//       SCRIPT (a fill script, as `khaosat form fill` takes).
//
// Measures, on a generated 30-question form: saving a draft (autosave, synchronous=NORMAL, and
// an explicit durable save, FULL), finalizing a submission (validate + serialize + one FULL
// commit with its fsync), listing 10,000 submissions, searching 10,000 registry records by
// name, and database bytes per submission. Prints figures with the targets of issue 4.
// The 10,000 rows are copies made with SQL from submissions and records the store API wrote
// (finalizing 10,000 one fsync at a time would only measure the disk 10,000 times).
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "khaosat/tools/fill_script.hpp"
#include "khaosat/core/store.hpp"
#include "store/store_fixture.hpp"

using namespace khaosat::core;
using namespace khaosat::tools;
namespace fs = std::filesystem;
using khaosat::bench::Clock;
using khaosat::bench::ms_since;

namespace {

struct Stats {
  double median, p90, max;
};
Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[v.size() * 9 / 10], v.back()};
}

void print(const char* what, const Stats& s, const char* target) {
  std::printf("  %-44s median %7.3f ms  p90 %7.3f ms  max %7.3f ms  %s\n", what, s.median, s.p90,
              s.max, target);
}

template <class T>
T must(Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "bench_store: %s: %s\n", what, r.error().message.c_str());
    std::exit(1);
  }
  return std::move(r.value());
}

void fill(FormSession& s, int fields, int n) {
  for (int i = 1; i <= fields; ++i) {
    std::string ref = "/data/f" + std::to_string(i);
    std::string v;
    switch ((i - 1) % 5) {
      case 0: v = "Cơ sở sản xuất chè Tân Uyên số " + std::to_string(n * 100 + i); break;
      case 1: v = std::to_string(n + i); break;
      case 2: v = std::to_string(i) + ".5"; break;
      case 3: v = "2026-0" + std::to_string(1 + i % 9) + "-1" + std::to_string(i % 10); break;
      default: v = i % 2 ? "a" : "b";
    }
    if (!s.answer(ref, v).ok()) std::exit(1);
  }
}

void sql(sqlite3* db, const std::string& text) {
  char* err = nullptr;
  if (sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "bench_store: %s: %s\n", text.c_str(), err);
    std::exit(1);
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Finalizes form A `runs` times, each time filled by `script` (filling is not timed).
void bench_form_a(Store& store, const SessionOptions& so, const std::string& form_path,
                  const std::string& script_path, int runs) {
  FormRecord rec = must(store.install_form(form_path), "install form A");
  Form form = must(store.load_form(rec.form_id), "load form A");
  nlohmann::json steps = must(parse_script(read_text(script_path)), "form A script");
  std::vector<double> times;
  std::size_t xml_bytes = 0;
  for (int i = 0; i < runs; ++i) {
    auto s = must(FormSession::start(form, so), "start form A");
    for (const auto& step : steps)
      if (auto st = apply_step(*s, step); !st) {
        std::fprintf(stderr, "bench_store: form A step %s: %s\n", step.dump().c_str(),
                     st.error().message.c_str());
        std::exit(1);
      }
    FinalizeRequest req;
    req.session = s.get();
    auto t0 = Clock::now();
    auto out = must(store.finalize(req), "finalize form A");
    times.push_back(ms_since(t0));
    if (!out.finalized) {
      std::fprintf(stderr, "bench_store: form A filled by %s is not valid\n", script_path.c_str());
      std::exit(1);
    }
    xml_bytes = out.submission.instance_xml.size();
  }
  char what[96];
  std::snprintf(what, sizeof what, "finalize form A (%s, %zu-byte XML)", rec.form_id.c_str(), xml_bytes);
  print(what, stats(times), "target <= 5 ms");
}

std::uintmax_t size_of(const std::string& p) {
  std::error_code ec;
  auto s = fs::file_size(p, ec);
  return ec ? 0 : s;
}

}  // namespace

int main(int argc, char** argv) {
  const int kFields = 30, kRuns = 200, kRows = 10000;
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string form_a, form_a_script;
  if (auto it = std::find(args.begin(), args.end(), "--form-a"); it != args.end()) {
    if (args.end() - it < 3) {
      std::fprintf(stderr, "usage: khaosat_bench_store [DIR] [--form-a FORM SCRIPT]\n");
      return 2;
    }
    form_a = it[1];
    form_a_script = it[2];
    args.erase(it, it + 3);
  }
  const bool temp_dir = args.empty();
  fs::path dir = !temp_dir ? fs::path(args[0]) : fs::temp_directory_path() / ("khaosat_bench_store_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string db_path = (dir / "device.db").string();
  std::string form_path = (dir / "wide.xml").string();
  std::ofstream(form_path) << khaosat::test::wide_form_xml(kFields);
  auto store = must(Store::open(db_path), "open");
  must(store->install_form(form_path), "install");
  Form form = must(store->load_form("wide"), "load");
  SessionOptions so;
  so.env.uuid = [&] { return store->new_id(); };
  std::printf("== device store (SQLite %s, WAL; database in %s)\n", sqlite3_libversion(), dir.c_str());

  // Drafts: the same session saved again and again, as autosave does.
  auto s = must(FormSession::start(form, so), "start");
  fill(*s, kFields, 0);
  std::string draft;
  std::vector<double> autosave, durable;
  for (int i = 0; i < kRuns; ++i) {
    auto t0 = Clock::now();
    draft = must(store->save_draft(DraftSave{draft, s.get(), "/data/f7"}), "save draft");
    autosave.push_back(ms_since(t0));
  }
  for (int i = 0; i < kRuns; ++i) {
    DraftSave save{draft, s.get(), "/data/f7"};
    save.durable = true;
    auto t0 = Clock::now();
    must(store->save_draft(save), "save draft");
    durable.push_back(ms_since(t0));
  }
  must(store->delete_draft(draft), "delete");

  // Finalize: a filled session (filling is not timed), finalized into the store.
  std::vector<double> finalize;
  std::size_t xml_bytes = 0, json_bytes = 0;
  for (int i = 0; i < kRuns; ++i) {
    auto f = must(FormSession::start(form, so), "start");
    fill(*f, kFields, i);
    FinalizeRequest req;
    req.session = f.get();
    auto t0 = Clock::now();
    auto out = must(store->finalize(req), "finalize");
    finalize.push_back(ms_since(t0));
    xml_bytes = out.submission.instance_xml.size();
    json_bytes = out.submission.instance_json.size();
    if (!out.finalized) {
      std::fprintf(stderr, "bench_store: the generated instance is not valid\n");
      return 1;
    }
  }
  std::printf("form: %d questions (strings, ints, decimals, dates, selects)\n", kFields);
  print("save draft (autosave, synchronous=NORMAL)", stats(autosave), "");
  print("save draft (durable, synchronous=FULL)", stats(durable), "");
  print("finalize (validate + XML/JSON + FULL commit)", stats(finalize), "target <= 5 ms");

  // Bytes per submission, from the real ones: checkpointed database file growth.
  store.reset();
  sqlite3* db = nullptr;
  sqlite3_open(db_path.c_str(), &db);
  sql(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  auto bytes_before_copies = size_of(db_path);
  // Copies up to 10,000 submissions (new ids, same content sizes) and 10,000 registry records.
  sql(db, "BEGIN");
  std::string copies = "WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n "
                       "WHERE value < " + std::to_string(kRows / kRuns - 1) + ") ";
  sql(db, "INSERT INTO submissions (instance_id, form_id, form_version, state, sha256, "
          "finalized_at, state_at) " + copies +
          "SELECT 'uuid:copy-' || n.value || '-' || s.instance_id, s.form_id, s.form_version, s.state, "
          "s.sha256, s.finalized_at + n.value, s.state_at FROM submissions s, n");
  sql(db, "INSERT INTO submission_content " + copies +
          "SELECT 'uuid:copy-' || n.value || '-' || c.instance_id, c.instance_xml, c.instance_json "
          "FROM submission_content c, n WHERE c.instance_id NOT LIKE 'uuid:copy-%'");
  sql(db, "COMMIT");
  sql(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  auto bytes_after_copies = size_of(db_path);
  double per_submission = static_cast<double>(bytes_after_copies - bytes_before_copies) / (kRows - kRuns);
  sqlite3_close(db);

  store = must(Store::open(db_path), "reopen");
  // Registry: 200 records through the API, then copies with generated names (folded by the
  // store's own folding) up to 10,000.
  static const char* kWords[] = {"Chè", "Tân", "Uyên", "Mường", "Tè", "Đồng", "Tâm", "Hợp", "tác",
                                 "xã", "Dệt", "thổ", "cẩm", "Bản", "Hon", "Sìn", "Hồ", "Phong",
                                 "Thổ", "Mật", "ong", "Rượu", "Than", "Uyên", "Nậm", "Nhùn"};
  std::mt19937 rng(7);
  auto name = [&] {
    std::string n;
    for (int w = 0, k = 3 + static_cast<int>(rng() % 3); w < k; ++w)
      n += (w ? " " : "") + std::string(kWords[rng() % (sizeof kWords / sizeof *kWords)]);
    return n;
  };
  for (int i = 0; i < kRuns; ++i)
    must(store->put_record(RegistryEdit{Registry::Establishment, "", {{"name", name()}, {"commune", "Pắc Ta"}}}), "put");
  store.reset();
  sqlite3_open(db_path.c_str(), &db);
  sql(db, "BEGIN");
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO registry_records VALUES (?, 'establishment', ?, ?, "
                         "'{\"name\":{\"value\":\"x\",\"hlc\":\"0\"}}', 0, 0)", -1, &ins, nullptr);
  for (int i = kRuns; i < kRows; ++i) {
    std::string id = "rec-" + std::to_string(i), n = name(), folded = fold_for_search(n);
    sqlite3_bind_text(ins, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 2, n.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 3, folded.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  sql(db, "COMMIT");
  sqlite3_close(db);

  store = must(Store::open(db_path), "reopen");
  std::vector<double> list, search_common, search_rare;
  std::size_t listed = 0, found_common = 0, found_rare = 0;
  for (int i = 0; i < 30; ++i) {
    auto t0 = Clock::now();
    listed = must(store->list_submissions(), "list").size();
    list.push_back(ms_since(t0));
    t0 = Clock::now();
    found_common = must(store->search_records(Registry::Establishment, "che tan uyen"), "search").size();
    search_common.push_back(ms_since(t0));
    t0 = Clock::now();
    found_rare = must(store->search_records(Registry::Establishment, "nam nhun ruou"), "search").size();
    search_rare.push_back(ms_since(t0));
  }
  char what[96];
  std::snprintf(what, sizeof what, "list %zu submissions", listed);
  print(what, stats(list), "target <= 20 ms");
  std::snprintf(what, sizeof what, "search %lld records 'che tan uyen' (%zu hits)",
                static_cast<long long>(must(store->count_records(Registry::Establishment), "count")), found_common);
  print(what, stats(search_common), "target <= 20 ms");
  std::snprintf(what, sizeof what, "search 'nam nhun ruou' (%zu hits)", found_rare);
  print(what, stats(search_rare), "target <= 20 ms");
  std::printf("  database bytes per submission: %.0f (%d answers: instance XML %zu bytes, JSON %zu)\n",
              per_submission, kFields, xml_bytes, json_bytes);
  if (!form_a.empty()) bench_form_a(*store, so, form_a, form_a_script, 100);
  store.reset();
  if (temp_dir) fs::remove_all(dir);
  return 0;
}
