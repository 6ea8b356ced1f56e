// Possible duplicate registry records (office/include/khaosat/office/duplicates.hpp).
#include <doctest/doctest.h>

#include "khaosat/office/duplicates.hpp"

using namespace khaosat;

namespace {

core::PulledRecord rec(const std::string& id, std::vector<std::pair<std::string, std::string>> props,
                       core::Registry reg = core::Registry::Establishment) {
  core::PulledRecord r;
  r.registry = reg;
  r.record_id = id;
  for (auto& [k, v] : props) r.properties.emplace_back(k, core::RegistryProperty{v, ""});
  return r;
}

}  // namespace

TEST_CASE("office duplicates: the same folded name in one commune, a tax code or a phone group records") {
  std::vector<core::PulledRecord> records = {
      rec("a", {{"name", "Chè Tân Uyên"}, {"commune", "105"}, {"phone", "0912 345 678"}}),
      rec("b", {{"name", "che  tan-uyen"}, {"commune", "105"}}),                  // same name, same commune
      rec("c", {{"name", "Chè Tân Uyên"}, {"commune", "106"}}),                   // another commune: distinct
      rec("d", {{"name", "Dệt Pắc Ta"}, {"tax_code", "6200-123-456"}}),
      rec("e", {{"name", "HTX dệt"}, {"tax_code", "6200123456"}, {"phone", "+84 912345678"}}),
      rec("f", {{"name", "Chè Tân Uyên"}, {"commune", "105"}}, core::Registry::Cooperative),  // another registry
      rec("g", {{"name", "Mộc"}, {"phone", ""}, {"tax_code", "--"}}),             // empty keys group nothing
      rec("h", {{"name", "Rèn"}, {"phone", ""}}),
  };
  auto groups = office::possible_duplicates(records);
  REQUIRE(groups.size() == 3);
  CHECK(groups[0].registry == "establishment");
  CHECK(groups[0].reason == "name+commune");
  CHECK(groups[0].key == "che tan uyen|105");
  CHECK(groups[0].record_ids == std::vector<std::string>{"a", "b"});
  CHECK(groups[1].reason == "phone");
  CHECK(groups[1].key == "0912345678");
  CHECK(groups[1].record_ids == std::vector<std::string>{"a", "e"});
  CHECK(groups[2].reason == "tax_code");
  CHECK(groups[2].record_ids == std::vector<std::string>{"d", "e"});
}

TEST_CASE("office duplicates: many records sharing one key make one group, not pairs") {
  std::vector<core::PulledRecord> records;
  for (int i = 0; i < 20000; ++i) records.push_back(rec(std::to_string(i), {{"name", "Hộ " + std::to_string(i)}, {"phone", "0912"}}));
  auto groups = office::possible_duplicates(records);
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].record_ids.size() == 20000);
}

TEST_CASE("office duplicates: merged records take no part, and a group marked distinct stays hidden until a record joins") {
  auto a = rec("a", {{"name", "Lò rèn"}, {"commune", "105"}, {"phone", "0912"}});
  auto b = rec("b", {{"name", "Lo ren"}, {"commune", "105"}, {"phone", "0913"}});
  auto c = rec("c", {{"name", "LÒ RÈN"}, {"commune", "105"}});
  c.merged_into = "a";
  auto groups = office::possible_duplicates({a, b, c});
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].record_ids == std::vector<std::string>{"a", "b"});

  std::vector<office::DistinctMark> marks{{"name+commune", "lo ren|105", {"a", "b"}}};
  CHECK(office::open_duplicates(groups, marks).empty());
  // A mark of another match or key does not cover it.
  CHECK(office::open_duplicates(groups, {{"phone", "lo ren|105", {"a", "b"}}}).size() == 1);
  CHECK(office::open_duplicates(groups, {{"name+commune", "lo ren|106", {"a", "b"}}}).size() == 1);
  // A third record with the same name shows the group again, whole; marking it too hides it.
  auto d = rec("d", {{"name", "Lò Rèn"}, {"commune", "105"}});
  auto three = office::possible_duplicates({a, b, d});
  REQUIRE(three.size() == 1);
  auto open = office::open_duplicates(three, marks);
  REQUIRE(open.size() == 1);
  CHECK(open[0].record_ids == std::vector<std::string>{"a", "b", "d"});
  marks.push_back({"name+commune", "lo ren|105", {"a", "d"}});
  CHECK(office::open_duplicates(three, marks).size() == 1);  // b and d never judged
  marks.push_back({"name+commune", "lo ren|105", {"b", "d"}});
  CHECK(office::open_duplicates(three, marks).empty());
}
