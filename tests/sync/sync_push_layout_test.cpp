// Push layouts (docs/sync-protocol.md, "Push layouts"): a client sends xml_templates to a server
// that lists it in GET /v1/info and records to one that does not (and zstd bodies to a server
// that lists zstd in content_encodings, gzip to one that does not: "Encoding"); the server takes both and
// stores the XML byte for byte as the device hashed it; a malformed or bomb-sized xml_templates
// batch is a 4xx error and changes nothing.
#include <nlohmann/json.hpp>

#include "sync/sync_fixture.hpp"
#include "xml_templates.hpp"

namespace khaosat::test {
namespace {

using nlohmann::json;

std::string rebuilt(const sync::XmlSplit& s) {
  std::string out;
  for (std::size_t k = 0; k < s.values.size(); ++k) out += std::string(s.parts[k]) + std::string(s.values[k]);
  return out + std::string(s.parts.back());
}

TEST_CASE("sync push layout: split_xml keeps every byte and takes the text between tags as values") {
  for (std::string xml : {std::string("<?xml version=\"1.0\"?>\n<data id=\"x\"><a>1</a><b/><c> x &gt; y </c>"
                                      "<!-- a > b --><meta><instanceID>uuid:1</instanceID></meta></data>\n"),
                          std::string(""), std::string("plain text"), std::string("<a>"), std::string(">x<"),
                          std::string("<a>b>c<d>e")}) {
    auto s = sync::split_xml(xml);
    CHECK(rebuilt(s) == xml);
    CHECK(s.parts.size() == s.values.size() + 1);
    for (auto v : s.values) {
      CHECK_FALSE(v.empty());
      CHECK(v.find('<') == std::string_view::npos);
    }
  }
  auto s = sync::split_xml("<data><a>1</a><b/><c>x</c></data>");
  REQUIRE(s.values.size() == 2);
  CHECK(s.values[0] == "1");
  CHECK(s.values[1] == "x");
  CHECK(s.parts[1] == "</a><b/><c>");
}


TEST_CASE("sync push layout: a client sends xml_templates to a server that reads them, and the XML arrives whole") {
  ServerFixture server;
  Device device(server);
  for (int i = 0; i < 5; ++i) device.submit("shop " + std::to_string(i), std::to_string(10 + i));
  device.submit("an empty age", "");  // another shape: a template of its own
  json pushed;
  std::string encoding;
  device.transport.on_request = [&](const sync::Request& r) {
    if (r.path != "/v1/push") return;
    pushed = request_body_of(r);
    encoding = r.headers.at("content-encoding");
  };
  auto report = device.client->sync();
  REQUIRE_MESSAGE(report.ok(), message_of(report));
  CHECK(report->accepted == 6);
  CHECK(encoding == "zstd");  // the server lists it in content_encodings
  REQUIRE(pushed.contains("xml_templates"));
  CHECK(pushed["xml_templates"].size() == 2);
  for (const json& rec : pushed["records"]) {
    CHECK_FALSE(rec.contains("xml"));
    CHECK_FALSE(rec.contains("id"));  // the template's id_value holds it
  }
  for (const auto& s : device.store.store->list_submissions().value()) {
    CHECK(s.state == core::SubmissionState::Sent);
    auto full = device.store.store->get_submission(s.instance_id).value();
    CHECK(server.query("SELECT xml FROM submissions WHERE instance_id = '" + s.instance_id + "'") ==
          full.instance_xml + "|\n");
  }
}

// Answers GET /v1/info as a server from before xml_templates did.
struct OldInfoTransport final : sync::Transport {
  LoopbackTransport& inner;
  explicit OldInfoTransport(LoopbackTransport& t) : inner(t) {}
  core::Result<sync::Response> send(const sync::Request& r, std::chrono::milliseconds t) override {
    auto a = inner.send(r, t);
    if (a && r.path == "/v1/info") a->body = json{{"protocol", 1}, {"server", "khaosat-server 0.0.9"}}.dump();
    return a;
  }
};

TEST_CASE("sync push layout: a client sends records to a server that does not list xml_templates") {
  ServerFixture server;
  Device device(server);
  for (int i = 0; i < 3; ++i) device.submit("shop " + std::to_string(i));
  OldInfoTransport old(device.transport);
  sync::ClientOptions o;
  o.sleep = [](std::chrono::milliseconds) {};
  sync::SyncClient client(*device.store.store, old, o);
  json pushed;
  std::string encoding;
  device.transport.on_request = [&](const sync::Request& r) {
    if (r.path != "/v1/push") return;
    pushed = request_body_of(r);
    encoding = r.headers.at("content-encoding");
  };
  auto report = client.sync();
  REQUIRE_MESSAGE(report.ok(), message_of(report));
  CHECK(report->accepted == 3);
  CHECK(encoding == "gzip");  // nor content_encodings: gzip, which every server reads
  CHECK_FALSE(pushed.contains("xml_templates"));
  for (const json& rec : pushed["records"]) CHECK(rec.contains("xml"));
  CHECK(server.query("SELECT count(*) FROM submissions") == "3|\n");
}

TEST_CASE("sync push layout: the server reads a records batch and an xml_templates batch of the same records alike") {
  ServerFixture a, b;
  Device da(a), db(b);
  sync::PushRecord rec;
  rec.kind = "submission";
  rec.form_id = "survey";
  rec.form_version = "1";
  for (int i = 1; i <= 3; ++i) {
    rec.seq = i;
    rec.id = "uuid:r" + std::to_string(i);
    rec.xml = "<data id=\"survey\"><name>shop " + std::to_string(i) + "</name><meta><instanceID>" + rec.id +
              "</instanceID></meta></data>";
    sync::PushBatch one{da.id(), i, i, {rec}}, two{db.id(), i, i, {rec}};
    auto ra = a.server->handle(post("/v1/push", da.token(), sync::to_json(one, sync::PushLayout::Records).dump()));
    auto rb = b.server->handle(post("/v1/push", db.token(), sync::to_json(two, sync::PushLayout::XmlTemplates).dump()));
    REQUIRE_MESSAGE(ra.status == 200, ra.body);
    REQUIRE_MESSAGE(rb.status == 200, rb.body);
    CHECK(body_of(ra)["results"] == body_of(rb)["results"]);
  }
  CHECK(a.query("SELECT instance_id, sha256, xml FROM submissions ORDER BY 1") ==
        b.query("SELECT instance_id, sha256, xml FROM submissions ORDER BY 1"));
}

TEST_CASE("sync push layout: malformed and bomb-sized xml_templates are refused whole, nothing stored") {
  ServerFixture server;
  Device d(server);
  const std::string tok = d.token(), dev = d.id();
  const json rec = {{"seq", 1}, {"kind", "submission"}, {"form_id", "survey"}, {"form_version", "1"}, {"xml_template", 0}};
  const json good_template = {{"parts", {"<data id=\"survey\"><meta><instanceID>", "</instanceID></meta></data>"}},
                              {"rows", 1}, {"columns", {"uuid:t1"}}, {"id_value", 0}};
  auto batch = [&](json templates, json records, int last = 1) {
    return json{{"device_id", dev}, {"first_seq", 1}, {"last_seq", last}, {"records", std::move(records)},
                {"xml_templates", std::move(templates)}}.dump();
  };
  auto with = [&](json t, const char* key, json v) {
    t[key] = std::move(v);
    return t;
  };
  json rec_both = rec;
  rec_both["xml"] = "<data/>";
  json rec_other = rec;
  rec_other["xml_template"] = 3;
  json rec_no_id_value = rec;
  json t_no_id = good_template;
  t_no_id.erase("id_value");
  json bomb = {{"parts", {std::string(1u << 20, 'x'), "y"}}, {"rows", 10000}, {"columns", {std::string(9999, '<')}}};
  json records_10000 = json::array();
  for (int i = 1; i <= 10000; ++i) records_10000.push_back(with(rec, "seq", i));
  json huge_row = {{"parts", {std::string(9u << 20, 'x'), std::string(9u << 20, 'y')}}, {"rows", 1}, {"columns", {"v"}}};
  struct Case {
    const char* name;
    std::string body;
    int status;
    std::string code, part;
  } cases[] = {
      {"columns not one fewer than parts", batch({with(good_template, "columns", {"a", "b"})}, {rec}), 400,
       "sync.request", "xml_templates[0].columns: 2 columns for 2 parts"},
      {"a column with too few values", batch({with(good_template, "rows", 2)}, {rec}), 400, "sync.request",
       "xml_templates[0].columns[0]: 1 values"},
      {"parts not strings", batch({with(good_template, "parts", {1, 2})}, {rec}), 400, "sync.request",
       "xml_templates[0].parts[0]: expected a string"},
      {"no parts", batch({with(good_template, "parts", json::array())}, {rec}), 400, "sync.request", "parts"},
      {"id_value past the columns", batch({with(good_template, "id_value", 5)}, {rec}), 400, "sync.request",
       "xml_templates[0].id_value"},
      {"zero rows", batch({with(good_template, "rows", 0)}, {rec}), 400, "sync.request", "xml_templates[0].rows"},
      {"an unknown template member", batch({with(good_template, "extra", 1)}, {rec}), 400, "sync.request",
       "xml_templates[0].extra: unknown member"},
      {"xml_templates not an array", batch(json::object(), {rec}), 400, "sync.request", "xml_templates"},
      {"a record naming no such template", batch({good_template}, {rec_other}), 400, "sync.request",
       "records[0].xml_template: 3 is not a template"},
      {"a record with xml and a template", batch({good_template}, {rec_both}), 400, "sync.request",
       "records[0].xml: a record names xml_template or holds xml, not both"},
      {"no id and no id_value", batch({t_no_id}, {rec_no_id_value}), 400, "sync.request", "records[0].id: missing"},
      {"a template used by too few records",
       batch({with(with(good_template, "rows", 2), "columns", {"uuid:t1<uuid:t2"})}, {rec}), 400, "sync.request",
       "xml_templates[0]: 2 rows, but 1 records use it"},
      {"more records than rows", batch({good_template}, {rec, with(rec, "seq", 2)}, 2), 400, "sync.request",
       "records[1].xml_template: template 0 has 1 rows, all taken already"},
      {"xml_template in the records layout",
       json{{"device_id", dev}, {"first_seq", 1}, {"last_seq", 1}, {"records", {with(rec, "id", "uuid:t1")}}}.dump(), 400,
       "sync.request",
       "records[0].xml_template: unknown member (the batch has no xml_templates)"},
      {"a template rebuilding 10 GB (bomb)", batch({bomb}, records_10000, 10000), 413, "sync.too_large",
       "xml_templates: the instance XML they rebuild passes 64 MiB"},
      {"a row rebuilding past the XML limit", batch({huge_row}, {rec}), 413, "sync.too_large",
       "records[0]: the instance XML is"},
  };
  const std::string before = server.dump();
  for (const Case& c : cases) {
    CAPTURE(std::string(c.name));
    auto r = server.server->handle(post("/v1/push", tok, c.body, true));
    CHECK(r.status == c.status);
    json e = body_of(r);
    CHECK(e["error"]["code"] == c.code);
    CHECK_MESSAGE(e["error"]["message"].get<std::string>().find(c.part) != std::string::npos,
                  e["error"]["message"].get<std::string>());
    CHECK(server.dump() == before);
  }
  // The good template itself is accepted.
  auto ok = server.server->handle(post("/v1/push", tok, batch({good_template}, {rec})));
  REQUIRE_MESSAGE(ok.status == 200, ok.body);
  CHECK(body_of(ok)["results"][0]["status"] == "accepted");
  CHECK(server.query("SELECT xml FROM submissions") ==
        "<data id=\"survey\"><meta><instanceID>uuid:t1</instanceID></meta></data>|\n");
}

TEST_CASE("sync push layout: GET /v1/info lists both layouts and both encodings") {
  ServerFixture server;
  auto r = server.server->handle({"GET", "/v1/info", {}, {}, ""});
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["push_layouts"] == json::array({"records", "xml_templates"}));
  CHECK(json::parse(r.body)["content_encodings"] == json::array({"gzip", "zstd"}));
}

TEST_CASE("sync push layout: zstd_level 0 keeps gzip and zstd bodies arrive whole") {
  ServerFixture server;
  sync::ClientOptions gzip_only;
  gzip_only.zstd_level = 0;
  Device device(server, gzip_only);
  std::string encoding;
  device.transport.on_request = [&](const sync::Request& r) {
    if (r.path == "/v1/push") encoding = r.headers.at("content-encoding");
  };
  device.submit("gzip shop");
  auto report = device.client->sync();
  REQUIRE_MESSAGE(report.ok(), message_of(report));
  CHECK(report->submissions.accepted == 1);
  CHECK(encoding == "gzip");
  // The same device with the default options: zstd, and the next outbox rows arrive.
  sync::ClientOptions o;
  o.sleep = [](std::chrono::milliseconds) {};
  sync::SyncClient client(*device.store.store, device.transport, o);
  device.submit("zstd shop", "31");
  report = client.sync();
  REQUIRE_MESSAGE(report.ok(), message_of(report));
  CHECK(report->submissions.accepted == 1);
  CHECK(report->complete);
  CHECK(encoding == "zstd");
  CHECK(server.query("SELECT count(*) FROM submissions") == "2|\n");
  // The codec itself: the bytes come back, to the byte.
  std::string text = "{\"name\": \"Chè Tân Uyên\"}" + std::string(10000, 'x');
  CHECK(sync::unzstd(sync::zstd(text)).value() == text);
  CHECK(sync::unzstd(sync::zstd(""), 10).value().empty());
}

}  // namespace
}  // namespace khaosat::test
