// Attachments: stored once by sha256, linked from drafts and submissions, checked, cleaned.
#include <filesystem>
#include <fstream>

#include "core/store_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::code_of;
using khaosat::test::message_of;
namespace fs = std::filesystem;

namespace {
std::string read(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
int files_in(const std::string& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}
}  // namespace

TEST_CASE("store attachments: a photo is stored once by content and follows the draft into the submission") {
  khaosat::test::StoreFixture f;
  f.install();
  std::string photo = f.dir.write("IMG_0001.jpg", std::string(100000, '\x42') + "jpeg");
  auto s = f.filled("A");
  REQUIRE(s->answer("/data/photo", "IMG_0001.jpg").ok());
  auto draft = f.store->save_draft(DraftSave{"", s.get(), ""});
  REQUIRE(draft.ok());
  auto a = f.store->attach_to_draft(*draft, AttachmentInput{"IMG_0001.jpg", photo, ""});
  REQUIRE_MESSAGE(a.ok(), message_of(a));
  CHECK(a->size == 100004);
  CHECK(a->path == f.store->media_dir() + "/" + a->sha256);
  CHECK(read(a->path) == read(photo));
  CHECK(f.store->get_draft(*draft)->attachments.size() == 1);
  auto got = f.store->get_attachment(a->sha256);
  REQUIRE(got.ok());
  CHECK(got->size == 100004);
  CHECK(got->path == a->path);
  CHECK(code_of(f.store->get_attachment(std::string(64, '0'))) == "store.not_found");

  // The same bytes under another name, in another submission: still one file.
  auto s2 = f.filled("B");
  FinalizeRequest req;
  req.session = s2.get();
  req.attachments.push_back(AttachmentInput{"copy.jpg", "", read(photo)});
  req.attachments.push_back(AttachmentInput{"note.txt", "", "hello"});
  auto out = f.store->finalize(req);
  REQUIRE(out.ok());
  REQUIRE(out->finalized);
  CHECK(out->submission.attachments.size() == 2);
  auto sub = f.finalize(*s, *draft);
  REQUIRE(sub.attachments.size() == 1);
  CHECK(sub.attachments[0] == std::make_pair(std::string("IMG_0001.jpg"), a->sha256));
  CHECK(f.store->get_submission(sub.instance_id)->attachments == sub.attachments);
  CHECK(files_in(f.store->media_dir()) == 2);
  auto outbox = f.store->list_outbox();
  CHECK(outbox->back().payload.find(a->sha256) != std::string::npos);
  auto c = f.store->check();
  REQUIRE(c.ok());
  CHECK(c->attachments == 2);
  CHECK(c->ok());
}

TEST_CASE("store attachments: a missing file is a clear error and nothing is stored") {
  khaosat::test::StoreFixture f;
  f.install();
  auto s = f.filled("A");
  FinalizeRequest req;
  req.session = s.get();
  req.attachments.push_back(AttachmentInput{"x.jpg", (f.dir.path() / "absent.jpg").string(), ""});
  auto out = f.store->finalize(req);
  CHECK_FALSE(out.ok());
  CHECK(message_of(out).find("absent.jpg") != std::string::npos);
  CHECK(f.store->list_submissions()->empty());
  CHECK(code_of(f.store->attach_to_draft("no-such-draft", AttachmentInput{"a", "", "b"})) ==
        "store.not_found");
}

TEST_CASE("store attachments: check() finds a damaged or missing file") {
  khaosat::test::StoreFixture f;
  f.install();
  auto s = f.filled("A");
  FinalizeRequest req;
  req.session = s.get();
  req.attachments.push_back(AttachmentInput{"a.bin", "", "original bytes"});
  req.attachments.push_back(AttachmentInput{"b.bin", "", "other bytes"});
  auto out = f.store->finalize(req);
  REQUIRE(out.ok());
  auto& links = out->submission.attachments;
  std::ofstream(f.store->media_dir() + "/" + links[0].second, std::ios::trunc) << "tampered bytes";
  fs::remove(f.store->media_dir() + "/" + links[1].second);
  auto c = f.store->check();
  REQUIRE(c.ok());
  REQUIRE(c->problems.size() == 2);
  std::string all = c->problems[0] + "\n" + c->problems[1];
  CHECK(all.find(links[1].second + ": the file " + f.store->media_dir() + "/" + links[1].second +
                 " is missing") != std::string::npos);
  CHECK(all.find(links[0].second + ": the file's bytes do not hash to its name") != std::string::npos);
}

TEST_CASE("store attachments: clean_orphans removes unreferenced content and temp files, keeps the rest") {
  khaosat::test::StoreFixture f;
  f.install();
  auto s = f.filled("A");
  auto draft = f.store->save_draft(DraftSave{"", s.get(), ""});
  REQUIRE(f.store->attach_to_draft(*draft, AttachmentInput{"keep.jpg", "", "keep"}).ok());
  auto gone = f.store->attach_to_draft(*draft, AttachmentInput{"drop.jpg", "", "drop"});
  REQUIRE(gone.ok());
  REQUIRE(f.store->attach_to_draft(*draft, AttachmentInput{"drop.jpg", "", "replacement"}).ok());
  // An interrupted write and a file written just before a crash, before its transaction.
  f.dir.write("device.db.media/.tmp-99999-0-abcdef", "half a photo");
  f.dir.write("device.db.media/" + std::string(64, 'a'), "orphan");
  auto r = f.store->clean_orphans();
  REQUIRE_MESSAGE(r.ok(), message_of(r));
  CHECK(r->temp_files == 1);
  CHECK(r->orphan_files == 2);  // "drop" (replaced in the draft) and the 'aaa...' file
  CHECK_FALSE(fs::exists(gone->path));
  CHECK(files_in(f.store->media_dir()) == 2);
  CHECK(f.store->check()->ok());
  // Deleting the draft orphans its files too.
  REQUIRE(f.store->delete_draft(*draft).ok());
  CHECK(f.store->clean_orphans()->orphan_files == 2);
  CHECK(files_in(f.store->media_dir()) == 0);
}

TEST_CASE("store attachments: a file name that is not UTF-8 is stored, not thrown over") {
  khaosat::test::StoreFixture f;
  f.install();
  auto s = f.filled("A");
  FinalizeRequest req;
  req.session = s.get();
  req.attachments.push_back(AttachmentInput{"\xff\xfe.jpg", "", "bytes"});
  auto out = f.store->finalize(req);
  REQUIRE_MESSAGE(out.ok(), message_of(out));
  CHECK(out->finalized);
  CHECK(f.store->get_submission(out->submission.instance_id)->attachments.at(0).first == "\xff\xfe.jpg");
  CHECK(f.store->list_outbox()->at(0).payload.find("\xef\xbf\xbd") != std::string::npos);  // U+FFFD
}
