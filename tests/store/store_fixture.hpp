// Shared by the store suites (tests/core/store_*_test.cpp), the kill -9 harness (tests/store)
// and the store benchmark: forms to fill and a fake StoreEnv. No doctest here, so the harness
// and the benchmark can include it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "khaosat/core/store_ids.hpp"

namespace khaosat::test {

// An XLSForm (markdown) with an entity declaration in the built-in forms' pattern
// (forms/a_establishment.md), form id "est" version 1, list file establishments.csv:
// record_id names the record to update (blank: a new one, whose id new_record_id got at first
// load); `skip` = yes turns the entity off.
inline const char* entity_form_md() {
  return R"(| settings |
| | form_title | form_id | version |
| | Establishment | est | 1 |

| survey |
| | type | name | label | default | save_to | required |
| | csv-external | establishments | | | | |
| | hidden | new_record_id | | uuid() | | |
| | hidden | record_id | | | | |
| | text | est_name | Name | | | yes |
| | text | phone | Phone | | phone | |
| | select_one commune | commune | Commune | | commune | |
| | text | skip | Skip the registry | | | |
| | text | note | Note | | | |

| choices |
| | list_name | name | label |
| | commune | muong_kim | Mường Kim |
| | commune | pac_ta | Pắc Ta |

| entities |
| | list_name | label | entity_id | create_if | update_if |
| | establishments | ${est_name} | if(${record_id} = '', ${new_record_id}, ${record_id}) | ${record_id} = '' and ${skip} != 'yes' | ${record_id} != '' and ${skip} != 'yes' |
)";
}

// A survey of an establishment: name (required), age of the business (int, 0..150), a photo
// (upload), a repeat of products, meta/instanceID. Root <data id=FORM_ID version=VERSION>.
inline std::string survey_form_xml(const std::string& form_id = "survey",
                                   const std::string& version = "1") {
  return "<?xml version=\"1.0\"?>\n"
         "<h:html xmlns=\"http://www.w3.org/2002/xforms\" xmlns:h=\"http://www.w3.org/1999/xhtml\" "
         "xmlns:jr=\"http://openrosa.org/javarosa\" xmlns:orx=\"http://openrosa.org/xforms\">\n"
         "<h:head><h:title>Establishment survey</h:title><model>\n<instance>"
         "<data id=\"" + form_id + "\" version=\"" + version + "\">"
         "<name/><age/><photo/><product jr:template=\"\"><pname/></product>"
         "<meta><instanceID/></meta></data></instance>\n"
         "<bind nodeset=\"/data/name\" type=\"string\" required=\"true()\"/>\n"
         "<bind nodeset=\"/data/age\" type=\"int\" constraint=\". &gt;= 0 and . &lt;= 150\"/>\n"
         "<bind nodeset=\"/data/photo\" type=\"binary\"/>\n"
         "<bind nodeset=\"/data/product/pname\" type=\"string\"/>\n"
         "<bind nodeset=\"/data/meta/instanceID\" type=\"string\" readonly=\"true()\" "
         "jr:preload=\"uid\"/>\n"
         "</model></h:head>\n<h:body>"
         "<input ref=\"/data/name\"><label>Name</label></input>"
         "<input ref=\"/data/age\"><label>Age</label></input>"
         "<upload ref=\"/data/photo\" mediatype=\"image/*\"><label>Photo</label></upload>"
         "<repeat nodeset=\"/data/product\"><input ref=\"/data/product/pname\"><label>P</label></input></repeat>"
         "</h:body></h:html>\n";
}

// A flat form of `fields` questions (strings, ints, decimals, dates and selects in turn), the
// size of the Lai Châu establishment form, for the benchmark. Fields are /data/f1.. /data/fN.
inline std::string wide_form_xml(int fields, const std::string& form_id = "wide") {
  std::string inst, binds, body;
  static const char* kTypes[] = {"string", "int", "decimal", "date", "select1"};
  for (int i = 1; i <= fields; ++i) {
    std::string f = "f" + std::to_string(i);
    std::string type = kTypes[(i - 1) % 5];
    inst += "<" + f + "/>";
    binds += "<bind nodeset=\"/data/" + f + "\" type=\"" + type + "\"" +
             (i <= 5 ? " required=\"true()\"" : "") + (type == "int" ? " constraint=\". &gt;= 0\"" : "") +
             "/>\n";
    if (type == "select1")
      body += "<select1 ref=\"/data/" + f + "\"><label>" + f + "</label>"
              "<item><label>A</label><value>a</value></item>"
              "<item><label>B</label><value>b</value></item></select1>";
    else
      body += "<input ref=\"/data/" + f + "\"><label>" + f + "</label></input>";
  }
  return "<?xml version=\"1.0\"?>\n"
         "<h:html xmlns=\"http://www.w3.org/2002/xforms\" xmlns:h=\"http://www.w3.org/1999/xhtml\" "
         "xmlns:jr=\"http://openrosa.org/javarosa\">\n<h:head><h:title>Wide</h:title><model>"
         "<instance><data id=\"" + form_id + "\" version=\"1\">" + inst +
         "<meta><instanceID/></meta></data></instance>\n" + binds +
         "<bind nodeset=\"/data/meta/instanceID\" type=\"string\" jr:preload=\"uid\"/>\n"
         "</model></h:head>\n<h:body>" + body + "</h:body></h:html>\n";
}

// A clock that starts at `start_ms` and moves 1 ms per reading (so every row has its own time),
// and "random" bytes from a counter: ids are reproducible from run to run.
struct FakeEnv {
  std::shared_ptr<std::int64_t> now = std::make_shared<std::int64_t>(1767225600000);  // 2026-01-01
  std::shared_ptr<std::uint64_t> counter = std::make_shared<std::uint64_t>(0);
  core::StoreEnv env() const {
    core::StoreEnv e;
    auto n = now;
    auto c = counter;
    e.now_ms = [n] { return (*n)++; };
    e.random = [c](unsigned char* out, std::size_t len) {
      for (std::size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>((*c)++ * 131 + 7);
    };
    return e;
  }
};

}  // namespace khaosat::test
