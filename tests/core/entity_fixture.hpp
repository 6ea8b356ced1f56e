// A device store with the test's entity form "est" installed (store/store_fixture.hpp's
// entity_form_md: establishments, save_to phone and commune), for the registry tests.
#pragma once

#include "core/store_fixture.hpp"

namespace khaosat::test {

struct EntityFixture : khaosat::test::StoreFixture {
  core::Form form;
  EntityFixture() {
    auto f = store->install_form(core::NamedBytes{"est.md", khaosat::test::entity_form_md()},
                                 {core::NamedBytes{"establishments.csv", "name,label,__version\n"}});
    REQUIRE_MESSAGE(f.ok(), message_of(f));
    auto loaded = store->load_form("est");
    REQUIRE(loaded.ok());
    form = *loaded;
  }
  core::SessionOptions options() {
    core::SessionOptions so;
    so.env.uuid = [this] { return store->new_id(); };
    return so;
  }
  std::unique_ptr<core::FormSession> fresh() {
    auto s = core::FormSession::start(form, options());
    REQUIRE(s.ok());
    return std::move(s.value());
  }
  void answer(core::FormSession& s, const std::string& q, const std::string& v) {
    auto st = s.answer("/data/" + q, v);
    REQUIRE_MESSAGE(st.ok(), (st.ok() ? "" : st.error().message));
  }
};

}  // namespace khaosat::test
