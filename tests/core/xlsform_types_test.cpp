// XLSForm compiler: the question types, columns and settings beyond the core slice — each
// compiled from markdown, checked in the XForm XML we write (the shape pyxform gives it) and,
// where it changes behaviour, run through FormSession.
#include <doctest/doctest.h>

#include <string>

#include "session/form_plan.hpp"
#include "support/session_fixture.hpp"
#include "support/xlsform_fixture.hpp"
#include "xlsform/compiler.hpp"

using namespace khaosat::core;
using khaosat::test::compile_error;
using khaosat::test::error_of;
using khaosat::test::has;
using khaosat::test::xlsform_session;
using khaosat::test::xlsform_xml;

namespace {

NodeSnapshot node(const FormSession& s, std::string_view ref) {
  auto n = s.node(ref);
  REQUIRE_MESSAGE(n.has_value(), std::string(ref));
  return *n;
}

}  // namespace

TEST_CASE("xlsform types: media, file and their appearances") {
  const std::string md = R"x(
| survey |
|        | type  | name  | label     | appearance | parameters       |
|        | image | photo | Photo     |            | max-pixels=1024  |
|        | image | sign  | Signature | signature  |                  |
|        | image | sketch| Sketch    | draw       |                  |
|        | image | mark  | Mark up   | annotate   |                  |
|        | audio | voice | Voice     |            | quality=voice-only |
|        | video | clip  | Clip      |            |                  |
|        | file  | doc   | Document  |            |                  |
)x";
  std::string x = xlsform_xml(md);
  CHECK(has(x, R"x(<bind nodeset="/data/photo" type="binary" orx:max-pixels="1024"/>)x"));
  CHECK(has(x, R"x(<upload ref="/data/photo" mediatype="image/*">)x"));
  CHECK(has(x, R"x(<upload ref="/data/sign" mediatype="image/*" appearance="signature">)x"));
  CHECK(has(x, R"x(<upload ref="/data/sketch" mediatype="image/*" appearance="draw">)x"));
  CHECK(has(x, R"x(<upload ref="/data/mark" mediatype="image/*" appearance="annotate">)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/voice" type="binary" odk:quality="voice-only"/>)x"));
  CHECK(has(x, R"x(<upload ref="/data/clip" mediatype="video/*">)x"));
  CHECK(has(x, R"x(<upload ref="/data/doc" mediatype="application/*">)x"));
  auto s = xlsform_session(md);
  CHECK(node(*s, "/data/photo").type == NodeType::Upload);
  CHECK(node(*s, "/data/sign").appearance == "signature");
  CHECK(node(*s, "/data/doc").data_type == DataType::Binary);
}

TEST_CASE("xlsform types: rank, range, hidden, geotrace, geoshape, barcode") {
  const std::string md = R"x(
| survey |
|        | type          | name   | label  | parameters                 |
|        | rank fruits   | order  | Rank   |                            |
|        | range         | r1     | Level  |                            |
|        | range         | r2     | Depth  | start=0 end=2.5 step=0.5   |
|        | hidden        | secret |        |                            |
|        | geotrace      | road   | Road   | allow-mock-accuracy=true   |
|        | geoshape      | field  | Field  |                            |
|        | geopoint      | spot   | Spot   | capture-accuracy=5 warning-accuracy=20 |
|        | barcode       | code   | Code   |                            |
| choices |
|         | list_name | name   | label  |
|         | fruits    | mango  | Mango  |
|         | fruits    | banana | Banana |
)x";
  std::string x = xlsform_xml(md);
  CHECK(has(x, R"x(<bind nodeset="/data/order" type="odk:rank"/>)x"));
  CHECK(has(x, R"x(<odk:rank ref="/data/order"><label>Rank</label><itemset nodeset="instance('fruits')/root/item">)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/r1" type="int"/>)x"));
  CHECK(has(x, R"x(<range ref="/data/r1" start="1" end="10" step="1">)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/r2" type="decimal"/>)x"));
  CHECK(has(x, R"x(<range ref="/data/r2" start="0" end="2.5" step="0.5">)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/secret" type="string"/>)x"));
  CHECK_FALSE(has(x, R"x(ref="/data/secret")x"));
  CHECK(has(x, R"x(<bind nodeset="/data/road" type="geotrace" odk:allow-mock-accuracy="true"/>)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/field" type="geoshape"/>)x"));
  CHECK(has(x, R"x(<input ref="/data/spot" accuracyThreshold="5" unacceptableAccuracyThreshold="20">)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/code" type="barcode"/>)x"));
  auto s = xlsform_session(md);
  CHECK(node(*s, "/data/order").type == NodeType::Rank);
  CHECK(node(*s, "/data/r2").type == NodeType::Range);
  CHECK(node(*s, "/data/road").data_type == DataType::Geotrace);
  CHECK(node(*s, "/data/secret").type == NodeType::Model);
}

TEST_CASE("xlsform types: or_other adds the choice and a text question relevant on it") {
  const std::string md = R"x(
| survey |
|        | type                    | name  | label |
|        | select_one c or_other   | color | Color |
|        | select_multiple c or_other | more | More |
| choices |
|         | list_name | name | label |
|         | c         | red  | Red   |
)x";
  std::string x = xlsform_xml(md);
  CHECK(has(x, "<item><label>Red</label><name>red</name></item>"
               "<item><label>Other</label><name>other</name></item></root>"));
  CHECK(has(x, R"x(<bind nodeset="/data/color_other" type="string" relevant="selected(../color, 'other')"/>)x"));
  CHECK(has(x, R"x(<input ref="/data/color_other"><label>Specify other.</label></input>)x"));
  auto s = xlsform_session(md);
  CHECK_FALSE(node(*s, "/data/color_other").relevant);
  REQUIRE(s->answer("/data/color", "other").ok());
  CHECK(node(*s, "/data/color_other").relevant);
  REQUIRE(s->answer("/data/more", "red other").ok());
  CHECK(node(*s, "/data/more_other").relevant);
}

TEST_CASE("xlsform types: pulldata, instance('list'), *_from_file and externals") {
  const std::string md = R"x(
| survey |
|        | type                         | name  | label | calculation                                   |
|        | select_one_from_file shops.csv | shop | Shop |                                               |
|        | select_multiple_from_file areas.xml | area | Area |                                          |
|        | select_one_from_file zones.geojson | zone | Zone |                                            |
|        | calculate                    | price |       | pulldata('prices', 'price', 'id', ${shop})    |
|        | calculate                    | first |       | instance('crops')/root/item[1]/name           |
|        | csv-external                 | towns |       |                                               |
|        | xml-external                 | roads |       |                                               |
| choices |
|         | list_name | name | label |
|         | crops     | rice | Rice  |
)x";
  std::string x = xlsform_xml(md);
  CHECK(has(x, R"x(<instance id="shops" src="jr://file-csv/shops.csv"/>)x"));
  CHECK(has(x, R"x(<instance id="areas" src="jr://file/areas.xml"/>)x"));
  CHECK(has(x, R"x(<instance id="zones" src="jr://file/zones.geojson"/>)x"));
  CHECK(has(x, R"x(<instance id="prices" src="jr://file-csv/prices.csv"/>)x"));
  CHECK(has(x, R"x(<instance id="towns" src="jr://file-csv/towns.csv"/>)x"));
  CHECK(has(x, R"x(<instance id="roads" src="jr://file/roads.xml"/>)x"));
  CHECK(has(x, R"x(<instance id="crops"><root><item><label>Rice</label><name>rice</name></item></root></instance>)x"));
  CHECK(has(x, R"x(<select1 ref="/data/shop"><label>Shop</label><itemset nodeset="instance('shops')/root/item"><value ref="name"/><label ref="label"/></itemset></select1>)x"));
  // A GeoJSON file's features carry id and title (pyxform's defaults for .geojson).
  CHECK(has(x, R"x(<select1 ref="/data/zone"><label>Zone</label><itemset nodeset="instance('zones')/root/item"><value ref="id"/><label ref="title"/></itemset></select1>)x"));
  CHECK_FALSE(has(x, "<towns"));
  auto s = xlsform_session(md);  // attachments are missing here: loaded as empty
  CHECK(node(*s, "/data/first").value == "rice");
}

TEST_CASE("xlsform types: metadata") {
  std::string x = xlsform_xml(R"x(
| survey |
|        | type          | name  | parameters              |
|        | username      | u     |                         |
|        | email         | e     |                         |
|        | phonenumber   | p     |                         |
|        | simserial     | sim   |                         |
|        | subscriberid  | sub   |                         |
|        | start-geopoint| where |                         |
|        | audit         | audit | location-priority=balanced location-min-interval=60 location-max-age=120 |
)x");
  CHECK(has(x, R"x(<bind nodeset="/data/u" type="string" jr:preload="property" jr:preloadParams="username"/>)x"));
  CHECK(has(x, R"x(jr:preloadParams="email")x"));
  CHECK(has(x, R"x(jr:preloadParams="phonenumber")x"));
  CHECK(has(x, R"x(jr:preloadParams="simserial")x"));
  CHECK(has(x, R"x(jr:preloadParams="subscriberid")x"));
  CHECK(has(x, R"x(<odk:setgeopoint event="odk-instance-first-load" ref="/data/where"/>)x"));
  CHECK(has(x, "<meta><audit/><instanceID/></meta>"));
  CHECK(has(x, R"x(<bind nodeset="/data/meta/audit" type="binary" odk:location-max-age="120" odk:location-min-interval="60" odk:location-priority="balanced"/>)x"));
}

TEST_CASE("xlsform types: translations with media, guidance hints and big images") {
  const std::string md = R"x(
| survey |
|        | type | name | label::English (en) | label::Tiếng Việt (vi) | guidance_hint::English (en) | media::image::English (en) | media::audio | big-image |
|        | text | a    | Name                | Tên                    | Ask the owner               | a.png                      | a.mp3        | big.png   |
|        | note | n    |                     |                        |                             |                            |              | map.png   |
| settings |
|          | default_language |
|          | English (en)     |
)x";
  std::string x = xlsform_xml(md);
  CHECK(has(x, R"x(<translation lang="English (en)" default="true()"><text id="/data/a:label"><value form="audio">jr://audio/a.mp3</value><value form="big-image">jr://images/big.png</value><value form="image">jr://images/a.png</value><value>Name</value></text>)x"));
  CHECK(has(x, R"x(<text id="/data/a:hint"><value form="guidance">Ask the owner</value></text>)x"));
  CHECK(has(x, R"x(<translation lang="Tiếng Việt (vi)"><text id="/data/a:label"><value>Tên</value></text>)x"));
  CHECK(has(x, R"x(<input ref="/data/n"><label ref="jr:itext('/data/n:label')"/></input>)x"));
  auto s = xlsform_session(md);
  CHECK(node(*s, "/data/a").label == "Name");
}

TEST_CASE("xlsform types: dynamic defaults become setvalue actions") {
  const std::string md = R"x(
| survey |
|        | type         | name  | label | default          |
|        | integer      | n     | N     | 2                |
|        | date         | d     | D     | today()          |
|        | text         | t     | T     | not-func$        |
|        | integer      | twice | Twice | ${n} * 2         |
|        | begin repeat | rep   | Rep   |                  |
|        | integer      | k     | K     | position(..)     |
|        | end repeat   |       |       |                  |
)x";
  std::string x = xlsform_xml(md);
  CHECK(has(x, "<n>2</n>"));
  CHECK(has(x, "<t>not-func$</t>"));
  CHECK(has(x, "<d/>"));
  CHECK(has(x, R"x(<setvalue event="odk-instance-first-load" ref="/data/d" value="today()"/>)x"));
  CHECK(has(x, R"x(<setvalue event="odk-instance-first-load" ref="/data/twice" value=" /data/n  * 2"/>)x"));
  // In a repeat, as pyxform: on the <repeat>, for the first load and each new instance.
  CHECK(has(x, R"x(<repeat nodeset="/data/rep"><setvalue event="odk-instance-first-load odk-new-repeat" ref="/data/rep/k" value="position(..)"/>)x"));
  CHECK_FALSE(has(x, R"x(<setvalue event="odk-instance-first-load" ref="/data/rep/k")x"));
  auto s = xlsform_session(md);
  CHECK(node(*s, "/data/d").value == "2020-01-01");
  CHECK(node(*s, "/data/twice").value == "4");
}

TEST_CASE("xlsform types: trigger column, randomize, settings") {
  std::string x = xlsform_xml(R"x(
| survey |
|        | type              | name  | label | trigger | calculation | parameters              |
|        | integer           | a     | A     |         |             |                         |
|        | integer           | b     | B     | ${a}    | ${a} + 1    |                         |
|        | select_one c      | s     | S     |         |             | randomize=true seed=${a} |
| choices |
|         | list_name | name | label |
|         | c         | x    | X     |
| settings |
|          | instance_name | submission_url    | public_key | style  | auto_send | namespaces |
|          | concat('A', ${a}) | https://h/sub | KEY     | pages  | true      | esri="http://esri.com/xforms" |
)x");
  CHECK(has(x, R"x(<input ref="/data/a"><label>A</label><setvalue event="xforms-value-changed" ref="/data/b" value=" /data/a  + 1"/></input>)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/b" type="int"/>)x"));
  CHECK(has(x, R"x(<itemset nodeset="randomize(instance('c')/root/item,  /data/a )">)x"));
  CHECK(has(x, R"x(<bind nodeset="/data/meta/instanceName" type="string" calculate="concat('A',  /data/a )"/>)x"));
  CHECK(has(x, R"x(<submission action="https://h/sub" base64RsaPublicKey="KEY" orx:auto-send="true" method="post"/>)x"));
  CHECK(has(x, R"x(<h:body class="pages">)x"));
  CHECK(has(x, R"x(xmlns:esri="http://esri.com/xforms")x"));
}

TEST_CASE("xlsform types: mistakes in types and parameters") {
  std::string e = compile_error(R"x(
| survey |
|        | type                  | name | label | parameters   |
|        | range                 | r    | R     | start=a      |
|        | image                 | i    | I     | color=red    |
|        | text                  | t    | T     | x=1          |
|        | rank                  | k    | K     |              |
|        | select_one_from_file x.txt | f | F    |              |
|        | integer or_other      | o    | O     |              |
)x");
  CHECK(has(e, "row 4, column 'parameters' (E): range parameter 'start' must be a number, not 'a'"));
  CHECK(has(e, "row 5, column 'parameters' (E): 'color' is not a parameter of 'image'; it takes 'max-pixels', 'app'"));
  CHECK(has(e, "row 6, column 'parameters' (E): 'x' is not a parameter of 'text' (it takes none)"));
  CHECK(has(e, "row 7, column 'type' (B): 'rank' needs a choice list name ('rank LIST')"));
  CHECK(has(e, "row 8, column 'type' (B): 'select_one_from_file x.txt' needs a file ending in .csv, .xml or .geojson"));
  CHECK(has(e, "row 9, column 'type' (B): 'or_other' only goes with select_one and select_multiple"));
}

TEST_CASE("xlsform types: omit_instanceID") {
  std::string x = xlsform_xml(R"x(
| survey |
|        | type | name | label |
|        | text | a    | A     |
| settings |
|          | omit_instanceID |
|          | TRUE            |
)x");
  CHECK_FALSE(has(x, "instanceID"));
  CHECK_FALSE(has(x, "<meta>"));
}
