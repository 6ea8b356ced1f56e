// The parts of FormSession's contract a UI builds on: enums and their names, what a control
// needs to render (range bounds, upload media type, media labels, guidance hints, itemsets in
// the current language, the "add another?" prompt), stable node ids and the revision counter,
// finalize() without side effects when it fails, and the characters XML 1.0 cannot carry.
#include <doctest/doctest.h>

#include <string>

#include "support/session_fixture.hpp"

using namespace khaosat::core;
using khaosat::test::error_of;
using khaosat::test::Session;
using khaosat::test::xform;

TEST_CASE("session contract: every enum's name reads back as the same value") {
  for (int i = 0; i <= static_cast<int>(NodeType::Model); ++i) {
    auto t = static_cast<NodeType>(i);
    CAPTURE(i);
    CHECK_FALSE(to_string(t).empty());
    CHECK(parse_node_type(to_string(t)) == t);
  }
  for (int i = 0; i <= static_cast<int>(DataType::Intent); ++i) {
    auto t = static_cast<DataType>(i);
    CAPTURE(i);
    CHECK(parse_data_type(to_string(t)) == t);
  }
  CHECK(to_string(NodeType::RepeatInstance) == "repeat-instance");
  CHECK(to_string(DataType::DateTime) == "dateTime");
  CHECK(to_string(ViolationCondition::Constraint) == "constraint");
  CHECK(parse_violation_condition("required") == ViolationCondition::Required);
  CHECK_FALSE(parse_node_type("Input").has_value());
  CHECK_FALSE(parse_data_type("integer").has_value());
  CHECK(to_string(MediaType::Image) == "image");
}

namespace {

std::string render_form() {
  return xform(
      R"X(<data id="render"><rg/><photo/><song/><doc/><q/><sp/><r><x/></r><meta><instanceID/></meta></data>)X",
      R"X(<bind nodeset="/data/rg" type="int"/><bind nodeset="/data/photo" type="binary"/>
          <bind nodeset="/data/song" type="binary"/><bind nodeset="/data/doc" type="binary"/>
          <bind nodeset="/data/sp" type="string"/>)X",
      R"X(<range ref="/data/rg" start="1" end="9" step="2"><label>R</label></range>
          <upload ref="/data/photo" mediatype="image/*"><label>P</label></upload>
          <upload ref="/data/song" mediatype="audio/*"><label>S</label></upload>
          <upload ref="/data/doc" mediatype="application/*"><label>D</label></upload>
          <input ref="/data/q" appearance="multiline"><label ref="jr:itext('q:label')"/>
            <hint ref="jr:itext('q:hint')"/></input>
          <select1 ref="/data/sp"><label>Species</label>
            <itemset nodeset="instance('species')/root/item">
              <value ref="name"/><label ref="jr:itext(itextId)"/></itemset></select1>
          <group ref="/data/r"><label>Rows</label><repeat nodeset="/data/r">
            <input ref="/data/r/x"><label>X</label></input></repeat></group>)X",
      R"X(<itext>
            <translation lang="en" default="true()">
              <text id="q:label"><value>Question</value><value form="image">jr://images/q.png</value>
                <value form="audio">jr://audio/q.mp3</value><value form="video">jr://video/q.mp4</value></text>
              <text id="q:hint"><value>Short hint</value><value form="guidance">Ask gently.</value></text>
              <text id="sp-0"><value>Oak</value></text><text id="sp-1"><value>Pine</value></text>
            </translation>
            <translation lang="vi">
              <text id="q:label"><value>Câu hỏi</value><value form="image">jr://images/q-vi.png</value></text>
              <text id="q:hint"><value>Gợi ý</value><value form="guidance">Hỏi nhẹ nhàng.</value></text>
              <text id="sp-0"><value>Sồi</value></text><text id="sp-1"><value>Thông</value></text>
            </translation>
          </itext>
          <instance id="species"><root><item><itextId>sp-0</itextId><name>oak</name></item>
            <item><itextId>sp-1</itextId><name>pine</name></item></root></instance>)X");
}

}  // namespace

TEST_CASE("session contract: a snapshot carries everything a control renders") {
  Session s(render_form());
  NodeSnapshot rg = s.at("/data/rg");
  CHECK(rg.type == NodeType::Range);
  CHECK(rg.range_start == "1");
  CHECK(rg.range_end == "9");
  CHECK(rg.range_step == "2");
  CHECK(rg.media_type == MediaType::None);
  CHECK(s.at("/data/photo").media_type == MediaType::Image);
  CHECK(s.at("/data/photo").accept == "image/*");
  CHECK(s.at("/data/song").media_type == MediaType::Audio);
  CHECK(s.at("/data/doc").media_type == MediaType::File);

  NodeSnapshot q = s.at("/data/q");
  CHECK(q.label == "Question");
  CHECK(q.hint == "Short hint");
  CHECK(q.guidance == "Ask gently.");
  CHECK(q.media.image == "jr://images/q.png");
  CHECK(q.media.audio == "jr://audio/q.mp3");
  CHECK(q.media.video == "jr://video/q.mp4");
  CHECK(q.appearance == "multiline");
  CHECK(rg.media.empty());

  NodeSnapshot sp = s.at("/data/sp");
  REQUIRE(sp.choices.size() == 2);
  CHECK(sp.choices[1].value == "pine");
  CHECK(sp.choices[1].label == "Pine");

  REQUIRE(s->set_language("vi").ok());
  q = s.at("/data/q");
  CHECK(q.label == "Câu hỏi");
  CHECK(q.guidance == "Hỏi nhẹ nhàng.");
  CHECK(q.media.image == "jr://images/q-vi.png");
  CHECK(q.media.audio.empty());  // the Vietnamese text has no audio form
  sp = s.at("/data/sp");
  REQUIRE(sp.choices.size() == 2);
  CHECK(sp.choices[0].label == "Sồi");
  CHECK(sp.choices[1].label == "Thông");
}

namespace {

std::string prompts(const Session& s) {
  std::string out;
  for (const FormSession::Prompt& p : s->pages()) {
    switch (p.kind) {
      case FormSession::Prompt::Kind::Question: out += "Q "; break;
      case FormSession::Prompt::Kind::FieldList: out += "F "; break;
      case FormSession::Prompt::Kind::AddRepeat: out += "+" + std::to_string(p.count) + " "; break;
    }
    out += p.ref + ";";
  }
  return out;
}

}  // namespace

TEST_CASE("session contract: an upload without mediatype is typed by its accept attribute") {
  Session s(xform(R"X(<data id="acc"><doc/><pic/><meta><instanceID/></meta></data>)X",
                  R"X(<bind nodeset="/data/doc" type="binary"/><bind nodeset="/data/pic" type="binary"/>)X",
                  R"X(<upload ref="/data/doc" accept=".pdf,.doc"><label>D</label></upload>
                      <upload ref="/data/pic" accept="image/png"><label>P</label></upload>)X"));
  CHECK(s.at("/data/doc").accept == ".pdf,.doc");
  CHECK(s.at("/data/doc").media_type == MediaType::File);
  CHECK(s.at("/data/pic").accept == "image/png");
  CHECK(s.at("/data/pic").media_type == MediaType::Image);
}

TEST_CASE("session contract: an image upload carries its bind's orx:max-pixels") {
  Session s(xform(R"X(<data id="mp"><pic/><big/><doc/><bad/><meta><instanceID/></meta></data>)X",
                  R"X(<bind nodeset="/data/pic" type="binary" orx:max-pixels="1024"/>
                      <bind nodeset="/data/big" type="binary"/>
                      <bind nodeset="/data/doc" type="binary" orx:max-pixels="640"/>
                      <bind nodeset="/data/bad" type="binary" orx:max-pixels="12px"/>)X",
                  R"X(<upload ref="/data/pic" mediatype="image/*"><label>P</label></upload>
                      <upload ref="/data/big" mediatype="image/*"><label>B</label></upload>
                      <upload ref="/data/doc" mediatype="application/*"><label>D</label></upload>
                      <upload ref="/data/bad" mediatype="image/*"><label>X</label></upload>)X"));
  CHECK(s.at("/data/pic").max_pixels == 1024);
  CHECK(s.at("/data/big").max_pixels == 0);   // no limit
  CHECK(s.at("/data/doc").max_pixels == 0);   // not an image: nothing to scale
  CHECK(s.at("/data/bad").max_pixels == 0);   // ignored, with a warning
  std::string warnings;
  for (const std::string& w : summarize(s.form).warnings) warnings += w + "\n";
  CAPTURE(warnings);
  CHECK(warnings.find("<bind nodeset=\"/data/bad\"> attribute 'orx:max-pixels' (line 9) is not a whole "
                      "number of pixels: '12px'; ignored") != std::string::npos);
}

TEST_CASE("session contract: pages() asks 'add another?' after a user-counted repeat") {
  Session s(xform(
      R"X(<data id="add"><a/><hh><m><n/><kid><k/></kid></m></hh><fixed><f/></fixed><z/></data>)X",
      R"X(<bind nodeset="/data/hh" relevant="/data/a != 'no'"/>)X",
      R"X(<input ref="/data/a"><label>A</label></input>
          <group ref="/data/hh"><label>HH</label>
            <repeat nodeset="/data/hh/m"><input ref="/data/hh/m/n"><label>N</label></input>
              <repeat nodeset="/data/hh/m/kid"><input ref="/data/hh/m/kid/k"><label>K</label></input></repeat>
            </repeat></group>
          <repeat nodeset="/data/fixed" jr:noAddRemove="true()"><input ref="/data/fixed/f"><label>F</label></input></repeat>
          <input ref="/data/z"><label>Z</label></input>)X"));
  CHECK(prompts(s) ==
        "Q /data/a;Q /data/hh/m[1]/n;Q /data/hh/m[1]/kid[1]/k;+1 /data/hh/m[1]/kid;+1 /data/hh/m;"
        "Q /data/fixed[1]/f;Q /data/z;");
  REQUIRE(s->add_repeat("/data/hh/m").ok());
  REQUIRE(s->remove_repeat("/data/hh/m[1]/kid[1]").ok());
  CHECK(prompts(s) ==
        "Q /data/a;Q /data/hh/m[1]/n;+0 /data/hh/m[1]/kid;Q /data/hh/m[2]/n;"
        "Q /data/hh/m[2]/kid[1]/k;+1 /data/hh/m[2]/kid;+2 /data/hh/m;Q /data/fixed[1]/f;Q /data/z;");
  s.set("/data/a", "no");  // a non-relevant repeat asks nothing
  CHECK(prompts(s) == "Q /data/a;Q /data/fixed[1]/f;Q /data/z;");
}

TEST_CASE("session contract: node ids survive repeat insertions and removals, never reused") {
  Session s(xform(R"X(<data id="ids"><r><q/></r><t/></data>)X", "",
                  R"X(<repeat nodeset="/data/r"><input ref="/data/r/q"><label>Q</label></input></repeat>
                      <input ref="/data/t"><label>T</label></input>)X"));
  s.set("/data/r[1]/q", "first");
  const NodeId first = s.at("/data/r[1]").id;
  const NodeId first_q = s.at("/data/r[1]/q").id;
  const NodeId range = s.at("/data/r").id;
  const NodeId t = s.at("/data/t").id;
  CHECK(first != 0);
  CHECK(first != first_q);
  REQUIRE(s->add_repeat("/data/r", 1, 0).ok());  // a new instance before the first
  CHECK(s.at("/data/r[2]").id == first);  // its ref changed, its id did not
  CHECK(s.at("/data/r[2]/q").id == first_q);
  CHECK(s.at("/data/r[2]/q").value == "first");
  CHECK(s.at("/data/r").id == range);
  CHECK(s.at("/data/t").id == t);
  const NodeId inserted = s.at("/data/r[1]").id;
  CHECK(inserted != first);
  auto by_id = s->node(first_q);
  REQUIRE(by_id.has_value());
  CHECK(by_id->ref == "/data/r[2]/q");
  REQUIRE(s->remove_repeat("/data/r[2]").ok());
  CHECK_FALSE(s->node(first_q).has_value());
  CHECK(s.at("/data/r[1]").id == inserted);
  REQUIRE(s->add_repeat("/data/r").ok());
  // The instance in the place of the removed one is a new node with a new id.
  CHECK(s.at("/data/r[2]").id != first);
  CHECK(s.at("/data/r[2]/q").id != first_q);
  CHECK(s.at("/data/r[2]").id > inserted);
}

TEST_CASE("session contract: the revision moves on every visible change, not on a no-op") {
  Session s(xform(R"X(<data id="rev"><a/><b/><c/></data>)X",
                  R"X(<bind nodeset="/data/b" relevant="/data/a = 'x'"/>
                      <bind nodeset="/data/c" required="/data/a = 'req'"/>)X",
                  R"X(<input ref="/data/a"><label>A</label></input><input ref="/data/b"><label>B</label></input>
                      <input ref="/data/c"><label>C</label></input>)X",
                  R"X(<itext><translation lang="en"><text id="x"><value>x</value></text></translation>
                      <translation lang="vi"><text id="x"><value>y</value></text></translation></itext>)X"));
  std::uint64_t r = s->revision();
  s.set("/data/a", "x");  // a value, and b's relevance
  CHECK(s->revision() != r);
  r = s->revision();
  s.set("/data/a", "x");  // the same value again: nothing changed
  CHECK(s->revision() == r);
  s.set("/data/a", "req");  // required flips (and b's relevance)
  CHECK(s->revision() != r);
  r = s->revision();
  REQUIRE(s->set_language("vi").ok());
  CHECK(s->revision() != r);
  r = s->revision();
  REQUIRE(s->set_language("vi").ok());
  CHECK(s->revision() == r);
  CHECK_FALSE(s->answer("/data/nope", "1").ok());  // a refused call changes nothing
  CHECK(s->revision() == r);
  (void)s->nodes();  // reading never does
  (void)s->pages();
  CHECK(s->revision() == r);
}

TEST_CASE("session contract: a repeat count change moves the revision") {
  Session s(xform(R"X(<data id="revr"><r><q/></r></data>)X", "",
                  R"X(<repeat nodeset="/data/r"><input ref="/data/r/q"><label>Q</label></input></repeat>)X"));
  std::uint64_t r = s->revision();
  REQUIRE(s->add_repeat("/data/r").ok());
  CHECK(s->revision() != r);
  r = s->revision();
  REQUIRE(s->remove_repeat("/data/r[2]").ok());
  CHECK(s->revision() != r);
}

TEST_CASE("session contract: a failed finalize changes nothing and applies no end preload") {
  Session s(xform(R"X(<data id="fin"><a/><en/><seen/></data>)X",
                  R"X(<bind nodeset="/data/a" required="true()"/>
                      <bind nodeset="/data/en" type="dateTime" jr:preload="timestamp" jr:preloadParams="end"/>
                      <bind nodeset="/data/seen" calculate="if(/data/en = '', 'no', 'yes')"/>)X",
                  R"X(<input ref="/data/a"><label>A</label></input>)X"));
  const std::string before = s->instance_xml();
  const std::uint64_t revision = s->revision();
  auto refused = s->finalize();
  REQUIRE_MESSAGE(refused.ok(), error_of(refused));
  CHECK_FALSE(refused->finalized);
  REQUIRE(refused->violations.size() == 1);
  CHECK(refused->violations[0].first == "/data/a");
  CHECK(s->instance_xml() == before);  // byte-identical: no end timestamp
  CHECK(s->revision() == revision);
  CHECK(s.value("/data/en").empty());
  s.set("/data/a", "ok");
  auto done = s->finalize();
  REQUIRE(done.ok());
  REQUIRE(done->finalized);
  CHECK(done->instance_xml.find("<en>2020-01-01T12:00:00.000+00:00</en><seen>yes</seen>") !=
        std::string::npos);
}

TEST_CASE("session contract: an end preload that makes the instance invalid is put back") {
  Session s(xform(R"X(<data id="fin2"><en/><chk/></data>)X",
                  R"X(<bind nodeset="/data/en" type="dateTime" jr:preload="timestamp" jr:preloadParams="end"/>
                      <bind nodeset="/data/chk" calculate="/data/en" constraint=". = ''"/>)X",
                  ""));
  const std::string before = s->instance_xml();
  auto refused = s->finalize();
  REQUIRE(refused.ok());
  CHECK_FALSE(refused->finalized);
  REQUIRE(refused->violations.size() == 1);
  CHECK(refused->violations[0].first == "/data/chk");
  CHECK(s->instance_xml() == before);
  CHECK(s->validate().empty());
}

namespace {

std::string text_form() {
  return xform(R"X(<data id="chars"><t/><s/><n/></data>)X",
               R"X(<bind nodeset="/data/s" type="string"/>)X",
               R"X(<input ref="/data/t"><label>T</label></input>
                   <select ref="/data/s"><label>S</label><item><label>A</label><value>a</value></item></select>)X");
}

}  // namespace

TEST_CASE("session contract: characters XML 1.0 cannot carry are refused, naming node and character") {
  Session s(text_form());
  struct Case {
    std::string value;
    const char* message;
  };
  const Case cases[] = {
      {"ctl\x01\x08\x1b", "/data/t: the value has U+0001 at position 4 (a control character)"},
      {std::string("a\0b", 3), "U+0000 at position 2"},
      {"\x1b", "U+001B at position 1"},
      {"ok\xff", "the byte 0xFF at position 3, which is not valid UTF-8"},
      {"\xc3", "the byte 0xC3 at position 1, which is not valid UTF-8"},         // cut short
      {"\xc0\xaf", "the byte 0xC0 at position 1, which is not valid UTF-8"},     // overlong
      {"x\xed\xa0\x80", "U+D800 (a lone surrogate) at position 2"},
      {"\xef\xbf\xbf", "U+FFFF at position 1 (not a character)"},
      {"Đ\x7f\x02", "U+0002 at position 3"},  // DEL is allowed; positions count characters
  };
  for (const Case& c : cases) {
    CAPTURE(c.message);
    Status st = s->answer("/data/t", c.value);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == ErrorCode::session_value);
    CHECK(st.error().message.find(c.message) != std::string::npos);
    CHECK(s.value("/data/t").empty());
  }
  for (const char* fine : {"tab\tcr\rlf\n", "Lò Văn Thanh 🌾", "\xee\x80\x80"}) {
    CAPTURE(fine);
    CHECK(s->answer("/data/t", fine).ok());
  }
  Status st = s->answer_values("/data/s", {"a", "b\x01"});
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("/data/s: the value has U+0001 at position 4") != std::string::npos);
  CHECK(s->answer("/data/s", std::string("a\0", 2)).error().code == ErrorCode::session_value);
}

TEST_CASE("session contract: restoring a damaged instance with such characters is refused") {
  Session s(text_form());
  auto form = s.form;
  std::string good = R"(<data id="chars"><t>fine</t><s/><n/><orx:meta xmlns:orx="http://openrosa.org/xforms"><orx:instanceID>uuid:1</orx:instanceID></orx:meta></data>)";
  auto ok = FormSession::restore(form, good);
  REQUIRE_MESSAGE(ok.ok(), error_of(ok));
  std::string bad = good;
  bad.replace(bad.find("fine"), 4, "fi\x01ne");
  auto refused = FormSession::restore(form, bad);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("/data/t: the value has U+0001 at position 3") != std::string::npos);
  std::string attr = good;
  attr.replace(attr.find("id=\"chars\""), 10, "id=\"chars\" x=\"\x02\"");
  auto refused_attr = FormSession::restore(form, attr);
  REQUIRE_FALSE(refused_attr.ok());
  CHECK(refused_attr.error().message.find("/data/@x: the value has U+0002") != std::string::npos);
}

TEST_CASE("session contract: a jr:count above the cap is capped and says so on the repeat") {
  Session s(xform(R"X(<data id="cap"><n/><r><q/></r></data>)X",
                  R"X(<bind nodeset="/data/n" type="int"/>)X",
                  R"X(<input ref="/data/n"><label>N</label></input>
                      <repeat nodeset="/data/r" jr:count="/data/n"><input ref="/data/r/q"><label>Q</label></input></repeat>)X"));
  s.set("/data/n", "3");
  CHECK(s.at("/data/r").count == 3);
  CHECK(s.at("/data/r").warning.empty());
  s.set("/data/n", "1000000000");
  CHECK(s.at("/data/r").count == 10000);
  CHECK(s.at("/data/r").warning ==
        "jr:count asks for 1000000000 instances; a repeat holds at most 10000, so it has 10000");
  s.set("/data/n", "2");
  CHECK(s.at("/data/r").count == 2);
  CHECK(s.at("/data/r").warning.empty());
}

TEST_CASE("session contract: warnings() lists what the snapshots warn about, nothing when none does") {
  Session s(xform(R"X(<data id="cap"><n/><g><r><q/></r></g></data>)X",
                  R"X(<bind nodeset="/data/n" type="int"/>)X",
                  R"X(<input ref="/data/n"><label>N</label></input>
                      <group ref="/data/g"><repeat nodeset="/data/g/r" jr:count="/data/n"><input ref="/data/g/r/q"><label>Q</label></input></repeat></group>)X"));
  CHECK(s->warnings().empty());
  s.set("/data/n", "1000000000");
  auto w = s->warnings();
  REQUIRE(w.size() == 1);
  CHECK(w[0].first == "/data/g/r");
  CHECK(w[0].second == s.at("/data/g/r").warning);
  CHECK_FALSE(w[0].second.empty());
  s.set("/data/n", "2");
  CHECK(s->warnings().empty());
}
