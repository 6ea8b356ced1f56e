// Other devices' names on the device (Store::known_device, docs/storage.md "known_devices"): a
// pulled page that names devices replaces what the device knew of each, in the page's
// transaction; a page without names (an older server) leaves them; a bad row is refused whole.
#include "core/store_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::message_of;

namespace {

PullPage page(const std::string& cursor, std::vector<KnownDevice> devices) {
  PullPage p;
  p.cursor_name = "registry";
  p.cursor = cursor;
  p.devices = std::move(devices);
  return p;
}

}  // namespace

TEST_CASE("store known devices: pulled names replace what the device knew, a page without them keeps it") {
  khaosat::test::StoreFixture f;
  Store& s = *f.store;
  CHECK_FALSE(s.known_device("0190b2d4-aaaa").value().has_value());
  REQUIRE(s.apply_pull(page("c1", {{"0190b2d4-aaaa", "Lò Văn A", {"muong_kim"}}, {"0190b2d4-bbbb", "", {}}})).ok());
  auto a = s.known_device("0190b2d4-aaaa");
  REQUIRE_MESSAGE(a.ok(), message_of(a));
  REQUIRE(a->has_value());
  CHECK((*a)->name == "Lò Văn A");
  CHECK((*a)->communes == std::vector<std::string>{"muong_kim"});
  // A device the office enrolled without a name is known, nameless (the UI shows its short id).
  REQUIRE(s.known_device("0190b2d4-bbbb")->has_value());
  CHECK(s.known_device("0190b2d4-bbbb").value()->name.empty());
  // An older server names nobody: what the device knows stays.
  REQUIRE(s.apply_pull(page("c2", {})).ok());
  CHECK(s.known_device("0190b2d4-aaaa").value()->name == "Lò Văn A");
  // The office enrolled it again under another name and communes: the next naming replaces it.
  REQUIRE(s.apply_pull(page("c3", {{"0190b2d4-aaaa", "Lò Thị B", {"pac_ta", "muong_kim"}}})).ok());
  CHECK(s.known_device("0190b2d4-aaaa").value()->name == "Lò Thị B");
  CHECK(s.known_device("0190b2d4-aaaa").value()->communes == std::vector<std::string>{"pac_ta", "muong_kim"});
  // A device without an id is refused, and the page with it: names and cursor stay.
  auto bad = s.apply_pull(page("c4", {{"0190b2d4-aaaa", "Someone else", {}}, {"", "Nobody", {}}}));
  CHECK_FALSE(bad.ok());
  CHECK(message_of(bad).find("a device without an id") != std::string::npos);
  CHECK(s.known_device("0190b2d4-aaaa").value()->name == "Lò Thị B");
  CHECK(s.cursor("registry").value() == "c3");
  // Survives a reopen.
  f.reopen();
  CHECK(f.store->known_device("0190b2d4-aaaa").value()->name == "Lò Thị B");
}
