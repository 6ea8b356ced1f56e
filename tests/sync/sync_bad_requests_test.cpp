// Malformed and hostile requests (docs/sync-protocol.md, "Encoding", "Authentication",
// "Errors"): each gets a 4xx status, a JSON error document with the expected code and a message
// naming what is wrong, and the server database is byte for byte what it was.
#include <nlohmann/json.hpp>

#include "sync/sync_fixture.hpp"

namespace khaosat::test {
namespace {

using nlohmann::json;

struct BadCase {
  std::string name;
  sync::Request request;
  int status;
  std::string code;
  std::string message_part;  // the message must contain this
};

std::string batch_text(const std::string& device, const std::string& records_json, int first = 1, int last = 1) {
  return "{\"device_id\":\"" + device + "\",\"first_seq\":" + std::to_string(first) +
         ",\"last_seq\":" + std::to_string(last) + ",\"records\":" + records_json + "}";
}

TEST_CASE("sync bad requests: each is a 4xx JSON error and changes nothing") {
  ServerFixture server;
  Device a(server);
  Device b(server);
  a.submit("shop");
  REQUIRE(a.client->sync().ok());
  std::string viewer_token;
  {
    auto code = server.code("viewer");
    auto r = server.server->handle(post("/v1/enroll", "", json{{"code", code}}.dump(), true));
    REQUIRE(r.status == 200);
    viewer_token = json::parse(r.body)["token"];
  }
  const std::string tok = a.token(), dev = a.id();
  const std::string ok_record = "[{\"seq\":2,\"kind\":\"ack\"}]";
  std::string valid = sync::gzip(batch_text(dev, ok_record, 2, 2));
  std::string bomb = sync::gzip(std::string(20u << 20, ' '), 9);
  std::string deep(200, '[');
  deep += std::string(200, ']');
  auto gz = [&](sync::Request r) {
    r.headers["content-encoding"] = "gzip";
    return r;
  };
  std::vector<BadCase> cases = {
      {"bad gzip", gz({"POST", "/v1/push", {}, {{"authorization", "Bearer " + tok}}, "not gzip at all"}), 400,
       "sync.compression", "corrupt"},
      {"truncated gzip", gz({"POST", "/v1/push", {}, {{"authorization", "Bearer " + tok}}, valid.substr(0, valid.size() / 2)}),
       400, "sync.compression", "truncated"},
      {"gzip followed by other bytes", gz({"POST", "/v1/push", {}, {{"authorization", "Bearer " + tok}}, valid + "xx"}),
       400, "sync.compression", "followed"},
      {"gzip bomb", gz({"POST", "/v1/push", {}, {{"authorization", "Bearer " + tok}}, bomb}), 413, "sync.too_large",
       "inflates"},
      {"unknown content encoding", {"POST", "/v1/push", {}, {{"authorization", "Bearer " + tok}, {"content-encoding", "br"}}, "{}"},
       400, "sync.request", "Content-Encoding"},
      {"not JSON", post("/v1/push", tok, "{\"device_id\": "), 400, "sync.request", "not valid JSON"},
      {"a string where a number belongs", post("/v1/push", tok, "{\"device_id\":\"" + dev +
                                                              "\",\"first_seq\":\"2\",\"last_seq\":2,\"records\":[]}"),
       400, "sync.request", "first_seq: expected an integer, got a string"},
      {"a fraction for a sequence", post("/v1/push", tok, batch_text(dev, "[{\"seq\":2.5,\"kind\":\"ack\"}]", 2, 2)), 400,
       "sync.request", "records[0].seq"},
      {"a negative sequence", post("/v1/push", tok, batch_text(dev, "[]", -1, -1)), 400, "sync.request", "first_seq"},
      {"invalid UTF-8", post("/v1/push", tok, batch_text(dev, "[{\"seq\":2,\"kind\":\"a\xff\xfe\"}]", 2, 2)), 400,
       "sync.request", "UTF-8"},
      {"NUL in a string", post("/v1/push", tok, batch_text(dev, "[{\"seq\":2,\"kind\":\"a\\u0000b\"}]", 2, 2)), 400,
       "sync.request", "U+0000"},
      {"an unknown member", post("/v1/push", tok, "{\"device_id\":\"" + dev +
                                                 "\",\"first_seq\":2,\"last_seq\":2,\"records\":[{\"seq\":2,\"kind\":\"ack\"}],\"x\":1}"),
       400, "sync.request", "x: unknown member"},
      {"an unknown member in a record",
       post("/v1/push", tok, batch_text(dev, "[{\"seq\":2,\"kind\":\"registry\",\"registry\":\"establishment\","
                                             "\"id\":\"r\",\"create\":true,\"set\":{},\"colour\":\"red\"}]", 2, 2)),
       400, "sync.request", "records[0].colour"},
      {"records that do not match the range", post("/v1/push", tok, batch_text(dev, ok_record, 2, 3)), 400,
       "sync.request", "for the range"},
      {"a bad attachment hash", post("/v1/push", tok, batch_text(dev, "[{\"seq\":2,\"kind\":\"submission\",\"id\":\"x\","
                                                                 "\"form_id\":\"survey\",\"form_version\":\"1\",\"xml\":\"<a/>\","
                                                                 "\"attachments\":[{\"name\":\"p\",\"sha256\":\"abc\",\"size\":1}]}]", 2, 2)),
       400, "sync.request", "sha256"},
      {"a bad HLC", post("/v1/push", tok, batch_text(dev, "[{\"seq\":2,\"kind\":\"registry\",\"registry\":\"establishment\","
                                                          "\"id\":\"r\",\"create\":true,\"set\":{\"name\":{\"value\":\"x\",\"hlc\":\"yesterday\"}}}]", 2, 2)),
       400, "sync.request", "hlc"},
      {"nesting too deep", post("/v1/push", tok, deep), 400, "sync.request", "deep"},
      {"no token", post("/v1/push", "", batch_text(dev, ok_record, 2, 2)), 401, "sync.auth", "no device token"},
      {"an unknown token", post("/v1/push", std::string(64, 'a'), batch_text(dev, ok_record, 2, 2)), 401, "sync.auth",
       "unknown device token"},
      {"another device's batch", post("/v1/push", b.token(), batch_text(dev, ok_record, 2, 2)), 403, "sync.forbidden",
       "token is device"},
      {"a viewer pushing", post("/v1/push", viewer_token, batch_text(dev, ok_record, 2, 2)), 403, "sync.forbidden", "viewer"},
      {"a gap", post("/v1/push", tok, batch_text(dev, "[{\"seq\":9,\"kind\":\"ack\"}]", 9, 9)), 409, "sync.sequence",
       "expects 2"},
      {"an unknown endpoint", post("/v1/nothing", tok, "{}"), 404, "sync.not_found", "no endpoint"},
      {"the wrong method", {"GET", "/v1/push", {}, {{"authorization", "Bearer " + tok}}, ""}, 405, "sync.method", "POST"},
      {"a cursor the server did not make", post("/v1/pull", tok, "{\"cursor\":\"v1.log.x\"}"), 400, "sync.request", "cursor"},
      {"a pull limit out of range", post("/v1/pull", tok, "{\"cursor\":\"\",\"limit\":100000}"), 400, "sync.request", "limit"},
      {"an unknown enrollment code", post("/v1/enroll", "", "{\"code\":\"0000-0000-0000\"}", true), 401, "sync.enroll",
       "unknown enrollment code"},
      {"an enrollment with an unknown member", post("/v1/enroll", "", "{\"code\":\"x\",\"admin\":true}", true), 400,
       "sync.request", "admin"},
      {"an attachment no submission names", {"PUT", "/v1/attachments/" + std::string(64, 'b'), {{"offset", "0"}},
                                             {{"authorization", "Bearer " + tok}}, "x"},
       404, "sync.not_found", "no submission"},
      {"an attachment path that is not a sha256", {"PUT", "/v1/attachments/../../etc/passwd", {{"offset", "0"}},
                                                   {{"authorization", "Bearer " + tok}}, "x"},
       404, "sync.not_found", "not a sha256"},
      {"an attachment without offset", {"PUT", "/v1/attachments/" + std::string(64, 'b'), {},
                                        {{"authorization", "Bearer " + tok}}, "x"},
       400, "sync.request", "offset"},
  };
  std::string before = server.dump();
  for (const auto& c : cases) {
    CAPTURE(c.name);
    sync::Response r = server.server->handle(c.request);
    CHECK(r.status == c.status);
    auto j = json::parse(r.body, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(j["error"]["code"] == c.code);
    std::string msg = j["error"]["message"].get<std::string>();
    CHECK_MESSAGE(msg.find(c.message_part) != std::string::npos, msg);
    CHECK(server.dump() == before);
  }
}

TEST_CASE("sync bad requests: an enrollment code works once, and a revoked device is refused") {
  ServerFixture server;
  auto code = server.code();
  auto first = server.server->handle(post("/v1/enroll", "", json{{"code", code}}.dump(), true));
  REQUIRE(first.status == 200);
  std::string token = json::parse(first.body)["token"];
  std::string device = json::parse(first.body)["device_id"];
  auto second = server.server->handle(post("/v1/enroll", "", json{{"code", code}}.dump(), true));
  CHECK(second.status == 401);
  CHECK(json::parse(second.body)["error"]["message"].get<std::string>().find("used already") != std::string::npos);
  // Only hashes are stored.
  CHECK(server.query("SELECT count(*) FROM devices WHERE token_sha256 = '" + sync::sha256_hex(token) + "'") == "1|\n");
  CHECK(server.dump().find(token) == std::string::npos);
  CHECK(server.dump().find(code) == std::string::npos);
  REQUIRE(server.storage->revoke_device(device).ok());
  auto r = server.server->handle(post("/v1/pull", token, "{\"cursor\":\"\"}"));
  CHECK(r.status == 401);
  CHECK(json::parse(r.body)["error"]["message"].get<std::string>().find("revoked") != std::string::npos);
}

}  // namespace
}  // namespace khaosat::test
