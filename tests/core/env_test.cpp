// core::Env: the clock and the device's time zone (TZ=Asia/Ho_Chi_Minh around local midnight,
// through the session's defaults and the store), bounded reads that refuse what is not a
// regular file, and attachments that must stay inside the form's media folders. Every hostile
// input is created by the test.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "core/store_fixture.hpp"
#include "khaosat/core/env.hpp"
#include "khaosat/core/form_session.hpp"
#include "khaosat/core/xlsform.hpp"
#include "support/clock_env.hpp"
#include "support/scoped_dir.hpp"

using namespace khaosat::core;
using khaosat::test::message_of;
using khaosat::test::ScopedDir;
using khaosat::test::ScopedTz;
using FixedClock = khaosat::test::FixedClockEnv;  // the clock fixed, the zone the real OS's
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t k1659 = 1767286799000;  // 2026-01-01T16:59:59Z = 23:59:59 in Vietnam
constexpr std::int64_t k1700 = 1767286800000;  // 2026-01-01T17:00:00Z = 00:00:00 on Jan 2

std::string today_form() {
  return "<?xml version=\"1.0\"?>\n"
         "<h:html xmlns=\"http://www.w3.org/2002/xforms\" xmlns:h=\"http://www.w3.org/1999/xhtml\" "
         "xmlns:jr=\"http://openrosa.org/javarosa\"><h:head><h:title>T</h:title><model>"
         "<instance><data id=\"today\" version=\"1\"><d/><t/><meta><instanceID/></meta></data></instance>"
         "<bind nodeset=\"/data/d\" type=\"date\" calculate=\"today()\"/>"
         "<bind nodeset=\"/data/t\" type=\"string\" calculate=\"format-date-time(now(), '%Y-%m-%d %H:%M')\"/>"
         "<bind nodeset=\"/data/meta/instanceID\" type=\"string\" jr:preload=\"uid\"/>"
         "</model></h:head><h:body/></h:html>\n";
}

std::string value_of(FormSession& s, const char* ref) {
  auto n = s.node(ref);
  REQUIRE(n.has_value());
  return n->value;
}

}  // namespace

TEST_CASE("env clock: the device's offset comes from TZ, and 16:59:59Z and 17:00:00Z are different days in Vietnam") {
  ScopedTz tz("Asia/Ho_Chi_Minh");
  Env& env = Env::default_env();
  CHECK(env.utc_offset_minutes(k1659) == 420);
  CHECK(env.utc_offset_minutes(k1700) == 420);
  ScopedTz utc("UTC");
  CHECK(env.utc_offset_minutes(k1700) == 0);
}

TEST_CASE("env clock: the zone is read once, and again when TZ is set or unset without tzset()") {
  // PosixEnv reads the zone once and keeps it while TZ stays what it was (a tzset() per call
  // re-read /etc/localtime when TZ is unset); a program that sets TZ, as app_sync_test does,
  // must still get the new zone at the next call, without calling tzset() itself.
  ScopedTz restore("UTC");  // puts back the caller's TZ at the end
  Env& env = Env::default_env();
  CHECK(env.utc_offset_minutes(k1700) == 0);
  ::setenv("TZ", "Asia/Ho_Chi_Minh", 1);
  CHECK(env.utc_offset_minutes(k1659) == 420);
  CHECK(env.utc_offset_minutes(k1700) == 420);
  ::setenv("TZ", "UTC", 1);
  CHECK(env.utc_offset_minutes(k1700) == 0);
  ::setenv("TZ", "ICT-7", 1);  // a POSIX rule, not a file of the zone database
  CHECK(env.utc_offset_minutes(k1700) == 420);
  // Unset: the system's zone (/etc/localtime), whatever it is here.
  ::unsetenv("TZ");
  ::tzset();
  std::time_t t = k1700 / 1000;
  std::tm local{};
  REQUIRE(localtime_r(&t, &local) != nullptr);
  const int system = static_cast<int>(local.tm_gmtoff / 60);
  ::setenv("TZ", system == 420 ? "UTC" : "Asia/Ho_Chi_Minh", 1);
  CHECK(env.utc_offset_minutes(k1700) == (system == 420 ? 0 : 420));
  ::unsetenv("TZ");
  CHECK(env.utc_offset_minutes(k1700) == system);
}

TEST_CASE("env clock: a session started with default seams on a UTC+7 device has the local date around midnight") {
  ScopedTz tz("Asia/Ho_Chi_Minh");
  ScopedDir dir;
  auto form = load_form(dir.write("today.xml", today_form()));
  REQUIRE_MESSAGE(form.ok(), message_of(form));
  for (auto [ms, date, time] : {std::tuple{k1659, "2026-01-01", "2026-01-01 23:59"},
                                std::tuple{k1700, "2026-01-02", "2026-01-02 00:00"}}) {
    CAPTURE(std::string(date));
    // Only the clock is given (through an Env); the zone is not: it must be the device's.
    FixedClock clock(ms);
    SessionOptions so;
    so.env.os = &clock;
    auto s = FormSession::start(*form, so);
    REQUIRE(s.ok());
    CHECK(value_of(**s, "/data/d") == date);
    CHECK(value_of(**s, "/data/t") == time);
    // The same with the clock given directly as a function, the zone still defaulted.
    SessionOptions so2;
    so2.env.now_ms = [ms = ms] { return static_cast<double>(ms); };
    auto s2 = FormSession::start(*form, so2);
    REQUIRE(s2.ok());
    CHECK(value_of(**s2, "/data/d") == date);
  }
}

TEST_CASE("env clock: a draft restored and finalized by the store on a UTC+7 device keeps the local date") {
  ScopedTz tz("Asia/Ho_Chi_Minh");
  khaosat::test::StoreFixture f;
  std::string path = f.dir.write("today.xml", today_form());
  REQUIRE(f.store->install_form(path).ok());
  auto form = f.store->load_form("today");
  REQUIRE(form.ok());
  FixedClock clock(k1700);
  SessionOptions so;
  so.env.os = &clock;
  auto s = FormSession::start(*form, so);
  REQUIRE(s.ok());
  FinalizeRequest req;
  req.session = s->get();
  auto out = f.store->finalize(req);
  REQUIRE_MESSAGE(out.ok(), message_of(out));
  auto sub = f.store->get_submission(out->submission.instance_id);
  REQUIRE(sub.ok());
  CHECK(sub->instance_xml.find("<d>2026-01-02</d>") != std::string::npos);
  // A store on the default Env stamps its records with the real clock, in UTC ms.
  CHECK(sub->finalized_at > 0);
}

TEST_CASE("env files: reading refuses a directory, a FIFO, a socket and /dev/zero, naming the path and what it is") {
  ScopedDir dir;
  Env& env = Env::default_env();
  std::string d = (dir.path() / "x.md").string();
  fs::create_directories(d);
  std::string fifo = (dir.path() / "pipe.csv").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
  std::string sock = (dir.path() / "s.sock").string();
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  struct Expect {
    std::string path, what;
  };
  for (const auto& [path, what] : {Expect{d, "a directory"}, Expect{fifo, "a FIFO"},
                                   Expect{sock, "a socket"}, Expect{"/dev/zero", "a character device"}}) {
    CAPTURE(path);
    auto r = env.read_file(path, 1 << 20);  // a FIFO with no writer must not block
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::io_not_regular);
    CHECK(r.error().message == path + ": cannot read: it is " + what + (what == "a FIFO" ? " (named pipe)" : "") + ", not a file");
  }
  ::close(fd);
  auto missing = env.read_file((dir.path() / "nothing").string(), 10);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ErrorCode::io_not_found);
}

TEST_CASE("env files: a read is bounded by the caller's maximum") {
  ScopedDir dir;
  std::string p = dir.write("big.xml", std::string(3 << 20, 'x'));
  auto r = Env::default_env().read_file(p, 2 << 20);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::io_too_large);
  CHECK(r.error().message == p + ": cannot read: the file is larger than the 2 MiB allowed");
  CHECK(Env::default_env().read_file(p, 3 << 20).ok());
}

TEST_CASE("env files: every form reader refuses a directory and /dev/zero with the path and the reason") {
  ScopedDir dir;
  for (const char* name : {"x.md", "x.xlsx", "x.csv", "x.xml"}) {
    std::string d = (dir.path() / name).string();
    fs::create_directories(d);
    CAPTURE(d);
    auto form = load_form(d);
    REQUIRE_FALSE(form.ok());
    CHECK(form.error().message == d + ": cannot read: it is a directory, not a file");
    if (is_xlsform_path(d)) {
      auto xml = convert_xlsform(d);
      REQUIRE_FALSE(xml.ok());
      CHECK(xml.error().message == d + ": cannot read: it is a directory, not a file");
    }
  }
  auto zero = load_form("/dev/zero");
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.error().message == "/dev/zero: cannot read: it is a character device, not a file");
}

namespace {

std::string form_with_instance(const std::string& src) {
  return "<?xml version=\"1.0\"?>\n"
         "<h:html xmlns=\"http://www.w3.org/2002/xforms\" xmlns:h=\"http://www.w3.org/1999/xhtml\">"
         "<h:head><h:title>E</h:title><model>"
         "<instance><data id=\"ext\"><q/></data></instance>"
         "<instance id=\"ext\" src=\"" + src + "\"/>"
         "<bind nodeset=\"/data/q\" type=\"string\"/>"
         "</model></h:head><h:body><input ref=\"/data/q\"><label>Q</label></input></h:body></h:html>\n";
}

}  // namespace

TEST_CASE("env files: jr:// attachments stay inside the form's media folders") {
  ScopedDir dir;
  dir.write("secret/data.csv", "name,label\nsecret,SECRET\n");
  dir.write("form/media/ok.csv", "name,label\na,A\n");
  std::string media = (dir.path() / "form" / "media").string();
  FormLoadOptions lo;
  lo.media_dirs = {media};
  SUBCASE("'..' is refused, naming the instance and the src") {
    std::string src = "jr://file-csv/../secret/data.csv";
    auto form = load_form(dir.write("form/f.xml", form_with_instance(src)), lo);
    REQUIRE_FALSE(form.ok());
    CHECK(form.error().code == ErrorCode::form_attachment);
    CHECK(form.error().message.find("<instance id=\"ext\" src=\"" + src + "\">") != std::string::npos);
    CHECK(form.error().message.find("leaves the form's media folders") != std::string::npos);
    // Percent-encoded dots are the same path once decoded.
    auto enc = load_form(dir.write("form/g.xml", form_with_instance("jr://file-csv/%2e%2e/secret/data.csv")), lo);
    REQUIRE_FALSE(enc.ok());
    CHECK(enc.error().message.find("leaves the form's media folders") != std::string::npos);
  }
  SUBCASE("an absolute path is refused") {
    std::string src = "jr://file-csv/" + (dir.path() / "secret" / "data.csv").string();
    auto form = load_form(dir.write("form/f.xml", form_with_instance(src)), lo);
    REQUIRE_FALSE(form.ok());
    CHECK(form.error().message.find("leaves the form's media folders") != std::string::npos);
  }
  SUBCASE("a symlink that leaves the media folder is refused") {
    fs::create_symlink(dir.path() / "secret" / "data.csv", fs::path(media) / "link.csv");
    auto form = load_form(dir.write("form/f.xml", form_with_instance("jr://file-csv/link.csv")), lo);
    REQUIRE_FALSE(form.ok());
    CHECK(form.error().message.find("jr://file-csv/link.csv") != std::string::npos);
    CHECK(form.error().message.find("outside the media folder") != std::string::npos);
  }
  SUBCASE("a FIFO or /dev/zero among the media is named with its reason, not 'not found'") {
    REQUIRE(::mkfifo((fs::path(media) / "pipe.csv").c_str(), 0644) == 0);
    auto form = load_form(dir.write("form/f.xml", form_with_instance("jr://file-csv/pipe.csv")), lo);
    REQUIRE_FALSE(form.ok());
    CHECK(form.error().message.find("pipe.csv: cannot read: it is a FIFO (named pipe), not a file") != std::string::npos);
    fs::create_symlink("/dev/zero", fs::path(media) / "zero.csv");
    auto zero = load_form(dir.write("form/g.xml", form_with_instance("jr://file-csv/zero.csv")), lo);
    REQUIRE_FALSE(zero.ok());
    CHECK(zero.error().message.find("zero.csv") != std::string::npos);
  }
  SUBCASE("a form named by a database or a server's published file looks only in its media folders") {
    // The store names a form "DB (form 'id')", the server by its file name: nothing in the
    // database's folder or the server's working directory is the form's.
    dir.write("form/beside.csv", "name,label\nb,BESIDE\n");
    std::string xml = form_with_instance("jr://file-csv/beside.csv");
    std::string named = (dir.path() / "form" / "device.db (form 'ext')").string();
    CHECK(load_form_xml(xml, named, lo).ok());  // a form file's own folder is searched first
    FormLoadOptions only_media = lo;
    only_media.beside_path = false;
    auto form = load_form_xml(xml, named, only_media);
    REQUIRE_FALSE(form.ok());
    CHECK(form.error().code == ErrorCode::form_attachment);
    CHECK(form.error().message.find("beside.csv") != std::string::npos);
    CHECK(load_form_xml(form_with_instance("jr://file-csv/ok.csv"), named, only_media).ok());
  }
  SUBCASE("inside the folders, a file and a symlink within it load") {
    fs::create_symlink(fs::path(media) / "ok.csv", fs::path(media) / "alias.csv");
    CHECK(load_form(dir.write("form/f.xml", form_with_instance("jr://file-csv/ok.csv")), lo).ok());
    CHECK(load_form(dir.write("form/g.xml", form_with_instance("jr://file-csv/alias.csv")), lo).ok());
  }
}

TEST_CASE("env files: an attachment that is a directory or /dev/zero is refused with the path and the reason") {
  khaosat::test::StoreFixture f;
  f.install();
  auto s = f.filled("Dir attachment");
  for (const std::string& p : {f.dir.path().string(), std::string("/dev/zero")}) {
    CAPTURE(p);
    FinalizeRequest req;
    req.session = s.get();
    req.attachments.push_back({"photo.jpg", p, ""});
    auto out = f.store->finalize(req);
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().message.find("cannot store attachment 'photo.jpg'") != std::string::npos);
    CHECK(out.error().message.find(p + ": cannot read: it is a") != std::string::npos);
  }
  CHECK(f.store->check()->ok());
}
