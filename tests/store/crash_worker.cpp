// The worker of the kill -9 suite (crash_test.cpp forks it and kills it). Opens the store at DB
// (the survey form already installed) and, until it is killed, autosaves drafts,
// finalizes them (some with attachments), edits finalized submissions and edits registry
// records. After each call that changed something RETURNS, it reports it on `out_fd` with one
// write(2) (atomic on a pipe), so every line the parent reads is a promise the store made:
//   ready
//   D <draft_id> <saves>                         a draft save returned (saves so far)
//   F <instance_id> <sha256> <draft_id> [<name>=<sha256>...]   a finalize returned
//   R <record_id> <key> <value>                  a registry edit returned
// It never returns normally: the parent kills it. Any store error ends it with status 1 and the
// error on stderr.
#include "store/crash_worker.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "khaosat/core/store.hpp"

using namespace khaosat::core;

namespace {

int g_out = 1;

void say(const std::string& line) {
  std::string l = line + "\n";
  ssize_t n = ::write(g_out, l.data(), l.size());
  (void)n;
}

[[noreturn]] void die(const std::string& what, const Error& e) {
  std::fprintf(stderr, "crash worker: %s: %s\n", what.c_str(), e.message.c_str());
  std::fflush(stderr);
  ::_exit(1);
}

template <class T>
T must(Result<T> r, const std::string& what) {
  if (!r) die(what, r.error());
  return std::move(r.value());
}

}  // namespace

namespace khaosat::test {

int run_crash_worker(const std::string& db, std::uint64_t seed, int out_fd) {
  g_out = out_fd;
  std::mt19937_64 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto store = must(Store::open(db), "open");
  Form form = must(store->load_form("survey"), "load form");
  SessionOptions so;
  so.env.uuid = [&store] { return store->new_id(); };
  say("ready");
  std::vector<std::string> records;
  for (int round = 0;; ++round) {
    int op = pick(10);
    if (op < 6) {  // a new survey: autosaves, then finalize
      auto s = must(FormSession::start(form, so), "start");
      std::string draft;
      int saves = 0;
      for (int k = 0, n = 1 + pick(4); k < n; ++k) {
        if (!s->answer("/data/name", "Cơ sở " + std::to_string(round) + "-" + std::to_string(k) +
                                         std::string(static_cast<std::size_t>(pick(3000)), 'x')).ok() ||
            !s->answer("/data/age", std::to_string(pick(100))).ok())
          return 1;
        draft = must(store->save_draft(DraftSave{draft, s.get(), "/data/age"}), "save draft");
        say("D " + draft + " " + std::to_string(++saves));
      }
      FinalizeRequest req;
      req.session = s.get();
      req.draft_id = draft;
      if (pick(2) == 0) {
        // One of 16 contents (so content is often shared), 1..32 KiB.
        int which = pick(16);
        std::string bytes(static_cast<std::size_t>(1024 * (1 + which * 2)), static_cast<char>('a' + which));
        req.attachments.push_back(AttachmentInput{"photo.jpg", "", bytes});
      }
      auto out = must(store->finalize(req), "finalize");
      if (!out.finalized) return 1;
      std::string line = "F " + out.submission.instance_id + " " + out.submission.sha256 + " " + draft;
      for (const auto& [name, sha] : out.submission.attachments) line += " " + name + "=" + sha;
      say(line);
    } else if (op < 8) {  // edit the newest version of a finalized submission
      SubmissionFilter latest;
      latest.include_superseded = false;
      auto list = must(store->list_submissions(latest), "list");
      if (list.empty()) continue;
      std::string target = list[static_cast<std::size_t>(pick(static_cast<int>(list.size())))].instance_id;
      std::string draft = must(store->begin_edit(target), "begin edit");
      auto restored = must(store->restore_draft(draft, so), "restore");
      if (!restored.session->answer("/data/age", std::to_string(100 + pick(50))).ok()) return 1;
      FinalizeRequest req;
      req.session = restored.session.get();
      req.draft_id = draft;
      auto out = must(store->finalize(req), "finalize edit");
      if (!out.finalized) return 1;
      std::string line = "F " + out.submission.instance_id + " " + out.submission.sha256 + " " + draft;
      for (const auto& [name, sha] : out.submission.attachments) line += " " + name + "=" + sha;
      say(line);
    } else {  // a registry record: create, or edit one field
      RegistryEdit e;
      e.registry = Registry::Cooperative;
      std::string value = "HTX Chè " + std::to_string(round);
      if (records.empty() || pick(2) == 0) {
        e.set = {{"name", value}};
      } else {
        e.record_id = records[static_cast<std::size_t>(pick(static_cast<int>(records.size())))];
        e.set = {{"phone", value}};
      }
      auto r = must(store->put_record(e), "put record");
      if (e.record_id.empty()) records.push_back(r.record_id);
      say("R " + r.record_id + " " + e.set[0].first + " " + std::to_string(round));
    }
  }
}

}  // namespace khaosat::test
