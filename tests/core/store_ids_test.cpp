// UUIDv7, hybrid logical clocks and search folding (store_ids.hpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "khaosat/core/store_ids.hpp"
#include "store/store_fixture.hpp"

using namespace khaosat::core;

TEST_CASE("store ids: UUIDv7 carries the time, version 7, the RFC variant, and sorts by creation") {
  khaosat::test::FakeEnv fake;
  *fake.now = 0x0190b2d45f7e;
  StoreEnv env = fake.env();
  env.now_ms = [] { return std::int64_t{0x0190b2d45f7e}; };  // every id in the same millisecond
  Uuid7Generator gen(env);
  std::vector<std::string> ids;
  for (int i = 0; i < 5000; ++i) ids.push_back(gen.next());
  CHECK(ids[0].substr(0, 13) == "0190b2d4-5f7e");
  for (const auto& id : ids) {
    CHECK(is_uuid(id));
    CHECK(id[14] == '7');
    CHECK(std::string("89ab").find(id[19]) != std::string::npos);
  }
  CHECK(std::is_sorted(ids.begin(), ids.end()));  // 5000 > 4096: crosses into the next ms too
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
  CHECK(ids.back().substr(0, 13) == "0190b2d4-5f7f");
}

TEST_CASE("store ids: UUIDv7 stays ordered when the clock steps back") {
  std::int64_t now = 1000000;
  StoreEnv env = khaosat::test::FakeEnv().env();
  env.now_ms = [&now] { return now; };
  Uuid7Generator gen(env);
  std::string a = gen.next();
  now -= 5000;
  std::string b = gen.next();
  CHECK(a < b);
  CHECK_FALSE(is_uuid("0190b2d4-5f7e-7a1c-9d3e-1b2c3d4e5f6"));
  CHECK_FALSE(is_uuid("0190b2d4x5f7e-7a1c-9d3e-1b2c3d4e5f60"));
}

TEST_CASE("store ids: HLC text sorts like the timestamps and parses back") {
  Hlc a{0x18c2f3a4b5c, 0, "dev-a"}, b{0x18c2f3a4b5c, 1, "dev-a"}, c{0x18c2f3a4b5d, 0, "dev-a"};
  CHECK(a.to_string() == "018c2f3a4b5c-0000-dev-a");
  CHECK(a < b);
  CHECK(b < c);
  CHECK(a.to_string() < b.to_string());
  CHECK(b.to_string() < c.to_string());
  auto parsed = Hlc::parse(b.to_string());
  REQUIRE(parsed);
  CHECK(*parsed == b);
  CHECK_FALSE(Hlc::parse("018c2f3a4b5c-00x0-dev"));
  CHECK_FALSE(Hlc::parse("short"));
}

TEST_CASE("store ids: the HLC clock never goes back and orders after what it observed") {
  std::int64_t now = 5000;
  HlcClock clock("me", [&now] { return now; });
  Hlc t1 = clock.tick();
  Hlc t2 = clock.tick();  // same ms: the counter moves
  CHECK(t1 < t2);
  CHECK(t2.counter == 1);
  now = 4000;  // the wall clock went back
  Hlc t3 = clock.tick();
  CHECK(t2 < t3);
  CHECK(t3.wall_ms == 5000);
  clock.observe(Hlc{9000, 7, "other"});  // a record pulled from a device ahead of us
  Hlc t4 = clock.tick();
  CHECK(t4.wall_ms == 9000);
  CHECK(t4.counter == 8);
  CHECK(t4.node == "me");
  now = 20000;
  CHECK(clock.tick().wall_ms == 20000);
}

TEST_CASE("store ids: folding removes Vietnamese diacritics, folds đ/Đ to d and spacing") {
  CHECK(fold_for_search("Chè Tân Uyên") == "che tan uyen");
  CHECK(fold_for_search("HỢP TÁC XÃ Đồng Tâm") == "hop tac xa dong tam");
  CHECK(fold_for_search("đường Điện Biên Phủ") == "duong dien bien phu");
  CHECK(fold_for_search("Làng nghề dệt thổ cẩm — Bản Hon") == "lang nghe det tho cam ban hon");
  CHECK(fold_for_search("  Mường   Tè, (Lai Châu) ") == "muong te lai chau");
  CHECK(fold_for_search("Ưu tiên ơi ỷ ỹ ỵ") == "uu tien oi y y y");
  // Decomposed input (base letter + combining marks) folds the same as precomposed.
  CHECK(fold_for_search("Che\xcc\x80 Ta\xcc\x82n") == "che tan");
  CHECK(fold_for_search("Ðông") == "dong");  // U+00D0, often typed for Đ
  CHECK(fold_for_search("Crème brûlée ñ ç") == "creme brulee n c");
  CHECK(fold_for_search("漢字 Ω") == "漢字 Ω");  // outside Latin: kept
  CHECK(fold_for_search("a\xff" "b") == "a\xff" "b");  // invalid UTF-8 kept byte for byte
  CHECK(fold_for_search("") == "");
}
