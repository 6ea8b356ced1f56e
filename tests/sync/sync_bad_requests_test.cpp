// Malformed and hostile requests (docs/sync-protocol.md, "Encoding": gzip and zstd, "Authentication", "Roles
// and communes", "Errors", "Limits"): each gets a 4xx status, a JSON error document with the
// expected code and a message naming what is wrong, and the server database is byte for byte
// what it was. Records a device may not store (another commune's, XML that does not hold its
// id) are refused one by one inside an accepted batch: `rejected` with a reason, and none of
// the data tables changes.
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

// A zstd frame (RFC 8878, 3.1.1) whose header asks for a 128 MiB window (more than the 64 MiB
// limit, within libzstd's own default of 2^27), holding one raw byte: a decoder that honoured it
// would allocate the window before reading anything.
std::string zstd_large_window() {
  const unsigned char frame[] = {0x28, 0xb5, 0x2f, 0xfd,  // magic number
                                 0x00,                    // no content size, no checksum, no dictionary
                                 17 << 3,                 // window descriptor: 2^(10 + 17) bytes
                                 0x09, 0x00, 0x00,        // the last block, raw, 1 byte
                                 '{'};
  return std::string(reinterpret_cast<const char*>(frame), sizeof frame);
}

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
  // Device B has a submission whose photo the server still needs.
  const std::string photo = "the bytes of a photo", photo_sha = sync::sha256_hex(photo);
  {
    std::string rec = "[{\"seq\":1,\"kind\":\"submission\",\"id\":\"uuid:b1\",\"form_id\":\"survey\",\"form_version\":\"1\","
                      "\"xml\":\"<data id='survey'><meta><instanceID>uuid:b1</instanceID></meta></data>\","
                      "\"attachments\":[{\"name\":\"p.jpg\",\"sha256\":\"" + photo_sha + "\",\"size\":" +
                      std::to_string(photo.size()) + "}]}]";
    auto r = server.server->handle(post("/v1/push", b.token(), batch_text(b.id(), rec)));
    REQUIRE(r.status == 200);
    REQUIRE(body_of(r)["results"][0]["status"] == "accepted");
  }
  std::string viewer_token;
  {
    auto code = server.code("viewer");
    auto r = server.server->handle(post("/v1/enroll", "", json{{"code", code}}.dump(), true));
    REQUIRE(r.status == 200);
    viewer_token = json::parse(r.body)["token"];
  }
  std::string admin_token;
  {
    auto r = server.server->handle(post("/v1/enroll", "", json{{"code", server.code("admin")}}.dump(), true));
    REQUIRE(r.status == 200);
    admin_token = json::parse(r.body)["token"];
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
  // zstd (the protocol's extension) under the same limits as gzip.
  std::string valid_zstd = sync::zstd(batch_text(dev, ok_record, 2, 2));
  std::string zstd_bomb = sync::zstd(std::string(20u << 20, ' '), 19);
  std::string corrupt_zstd = valid_zstd;
  corrupt_zstd[corrupt_zstd.size() / 2] = static_cast<char>(corrupt_zstd[corrupt_zstd.size() / 2] ^ 0x5a);
  auto zs = [&](std::string body) {
    return sync::Request{"POST", "/v1/push", {}, {{"authorization", "Bearer " + tok}, {"content-encoding", "zstd"}},
                         std::move(body)};
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
       400, "sync.request", "Content-Encoding 'br' is not supported (gzip and zstd are)"},
      {"bad zstd", zs("not zstd at all"), 400, "sync.compression", "zstd body is corrupt"},
      {"corrupt zstd (a byte changed)", zs(corrupt_zstd), 400, "sync.compression", "zstd body is corrupt"},
      {"truncated zstd", zs(valid_zstd.substr(0, valid_zstd.size() / 2)), 400, "sync.compression", "zstd body is truncated"},
      {"zstd without its checksum", zs(valid_zstd.substr(0, valid_zstd.size() - 4)), 400, "sync.compression", "truncated"},
      {"zstd followed by other bytes", zs(valid_zstd + "xx"), 400, "sync.compression", "followed"},
      {"two zstd frames", zs(valid_zstd + valid_zstd), 400, "sync.compression", "followed"},
      {"an empty zstd body", zs(""), 400, "sync.compression", "truncated"},
      {"zstd bomb", zs(zstd_bomb), 413, "sync.too_large", "zstd body decompresses to more than"},
      {"zstd asking for a 128 MiB window", zs(zstd_large_window()), 413, "sync.too_large", "decompresses to more than"},
      {"zstd inside gzip", gz({"POST", "/v1/push", {}, {{"authorization", "Bearer " + tok}}, sync::gzip(valid_zstd)}), 400,
       "sync.request", "not valid JSON"},
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
  // One record of device A's next batch (seq 2), as JSON members.
  auto one = [&](const std::string& members) { return post("/v1/push", tok, batch_text(dev, "[{" + members + "}]", 2, 2)); };
  const std::string sub = "\"seq\":2,\"kind\":\"submission\",\"id\":\"uuid:x\",\"form_id\":\"survey\",\"form_version\":\"1\"";
  const std::string reg = "\"seq\":2,\"kind\":\"registry\",\"registry\":\"establishment\",\"id\":\"r\",\"create\":true";
  const std::string hlc = "\"hlc\":\"0190b2d45f7e-0000-x\"";
  auto put = [&](const std::string& token, const std::string& sha, const std::string& offset, const std::string& bytes) {
    return sync::Request{"PUT", "/v1/attachments/" + sha, {{"offset", offset}}, {{"authorization", "Bearer " + token}}, bytes};
  };
  auto call = [&](const std::string& method, const std::string& path, const std::string& token) {
    return sync::Request{method, path, {}, {{"authorization", "Bearer " + token}}, ""};
  };
  std::string many_acks = "[";
  for (int i = 0; i < 10001; ++i) many_acks += std::string(i ? "," : "") + "{\"seq\":" + std::to_string(i + 2) + ",\"kind\":\"ack\"}";
  many_acks += "]";
  std::string wrong_photo = photo;
  wrong_photo[0] = 'T';
  std::vector<BadCase> more = {
      // Compression.
      {"an empty gzip body", gz({"POST", "/v1/push", {}, {{"authorization", "Bearer " + tok}}, ""}), 400, "sync.compression", ""},
      {"gzip inside gzip", gz({"POST", "/v1/push", {}, {{"authorization", "Bearer " + tok}}, sync::gzip(valid)}), 400,
       "sync.request", "not valid JSON"},
      {"a body over 32 MiB", post("/v1/push", tok, std::string((32u << 20) + 1, ' '), true), 413, "sync.too_large", "32 MiB"},
      {"a compressed attachment chunk", gz(put(b.token(), photo_sha, "0", sync::gzip(photo))), 400, "sync.request", "Content-Encoding"},
      // Wrong types.
      {"a body that is an array", post("/v1/push", tok, "[]"), 400, "sync.request", "object"},
      {"a body that is null", post("/v1/push", tok, "null"), 400, "sync.request", "object"},
      {"a device_id that is a number", post("/v1/push", tok, "{\"device_id\":5,\"first_seq\":2,\"last_seq\":2,\"records\":[]}"),
       400, "sync.request", "device_id: expected a string"},
      {"records that are an object", post("/v1/push", tok, "{\"device_id\":\"" + dev + "\",\"first_seq\":2,\"last_seq\":2,\"records\":{}}"),
       400, "sync.request", "records"},
      {"a record that is a string", post("/v1/push", tok, batch_text(dev, "[\"ack\"]", 2, 2)), 400, "sync.request", "records[0]"},
      {"a sequence that is a boolean", one("\"seq\":true,\"kind\":\"ack\""), 400, "sync.request", "records[0].seq"},
      {"a sequence past 2^63", post("/v1/push", tok, "{\"device_id\":\"" + dev + "\",\"first_seq\":99999999999999999999,"
                                                   "\"last_seq\":2,\"records\":[]}"), 400, "sync.request", "first_seq"},
      {"create that is a string", one(reg + ",\"create\":\"yes\",\"set\":{}"), 400, "sync.request", "create"},
      {"set that is an array", one(reg + ",\"set\":[]"), 400, "sync.request", "records[0].set"},
      {"a property value that is a number", one(reg + ",\"set\":{\"name\":{\"value\":5," + hlc + "}}"), 400,
       "sync.request", "records[0].set.name.value: expected a string"},
      {"a deprecated_id that is a number", one(sub + ",\"xml\":\"<a/>\",\"deprecated_id\":7"), 400, "sync.request", "deprecated_id"},
      {"attachments that are an object", one(sub + ",\"xml\":\"<a/>\",\"attachments\":{}"), 400, "sync.request", "attachments"},
      {"a negative attachment size", one(sub + ",\"xml\":\"<a/>\",\"attachments\":[{\"name\":\"p\",\"sha256\":\"" + photo_sha +
                                         "\",\"size\":-1}]"), 400, "sync.request", "size"},
      {"an attachment over 1 GiB", one(sub + ",\"xml\":\"<a/>\",\"attachments\":[{\"name\":\"p\",\"sha256\":\"" + photo_sha +
                                       "\",\"size\":1099511627776}]"), 400, "sync.request", "size"},
      {"a pull cursor that is a number", post("/v1/pull", tok, "{\"cursor\":5}"), 400, "sync.request", "cursor"},
      {"an enrollment code that is a number", post("/v1/enroll", "", "{\"code\":1234}", true), 400, "sync.request", "code"},
      {"a device name that is a number", post("/v1/enroll", "", "{\"code\":\"x\",\"device_name\":1}", true), 400, "sync.request",
       "device_name"},
      // Missing members.
      {"no device_id", post("/v1/push", tok, "{\"first_seq\":2,\"last_seq\":2,\"records\":[]}"), 400, "sync.request", "device_id"},
      {"no records", post("/v1/push", tok, "{\"device_id\":\"" + dev + "\",\"first_seq\":2,\"last_seq\":2}"), 400, "sync.request",
       "records"},
      {"a record without kind", one("\"seq\":2"), 400, "sync.request", "records[0].kind"},
      {"a submission without XML", one(sub), 400, "sync.request", "records[0].xml"},
      {"an empty enrollment", post("/v1/enroll", "", "", true), 400, "sync.request", ""},
      // Huge strings.
      {"an instance id of 2 KB", one("\"seq\":2,\"kind\":\"submission\",\"id\":\"" + std::string(2048, 'i') +
                                     "\",\"form_id\":\"survey\",\"form_version\":\"1\",\"xml\":\"<a/>\""),
       400, "sync.request", "records[0].id"},
      {"a device id of 100 bytes", post("/v1/push", tok, batch_text(std::string(100, 'd'), ok_record, 2, 2)), 400, "sync.request",
       "device_id"},
      {"an XML of 17 MiB", post("/v1/push", tok, batch_text(dev, "[{" + sub + ",\"xml\":\"" + std::string(17u << 20, 'x') + "\"}]", 2, 2), true),
       400, "sync.request", "records[0].xml"},
      {"a 17 MiB XML compressed 1000 times over", one(sub + ",\"xml\":\"" + std::string(17u << 20, 'x') + "\""), 413,
       "sync.too_large", "1000"},
      {"a property name of 2 KB", one(reg + ",\"set\":{\"" + std::string(2048, 'n') + "\":{\"value\":\"v\"," + hlc + "}}"), 400,
       "sync.request", "1024"},
      {"a property value over 1 MiB", one(reg + ",\"set\":{\"name\":{\"value\":\"" + std::string((1u << 20) + 1, 'v') + "\"," + hlc + "}}"),
       400, "sync.request", "records[0].set.name"},
      // Invalid UTF-8.
      {"an overlong UTF-8 encoding", one("\"seq\":2,\"kind\":\"a\xc0\xaf\""), 400, "sync.request", "UTF-8"},
      {"invalid UTF-8 in a member name", post("/v1/push", tok, "{\"dev\xff\":1}"), 400, "sync.request", "UTF-8"},
      {"a lone surrogate escape", one("\"seq\":2,\"kind\":\"\\ud800\""), 400, "sync.request", "not valid JSON"},
      {"invalid UTF-8 in a device name", post("/v1/enroll", "", "{\"code\":\"x\",\"device_name\":\"L\xf2\"}", true), 400,
       "sync.request", "UTF-8"},
      // Unknown members.
      {"an unknown member in an attachment", one(sub + ",\"xml\":\"<a/>\",\"attachments\":[{\"name\":\"p\",\"sha256\":\"" + photo_sha +
                                                 "\",\"size\":1,\"mime\":\"image/jpeg\"}]"), 400, "sync.request", "mime"},
      {"an unknown member in a property", one(reg + ",\"set\":{\"name\":{\"value\":\"v\"," + hlc + ",\"by\":\"me\"}}"), 400,
       "sync.request", "records[0].set.name.by: unknown member"},
      {"an unknown member in a pull", post("/v1/pull", tok, "{\"cursor\":\"\",\"since\":0}"), 400, "sync.request", "since"},
      // Wrong or replayed sequences.
      {"a batch starting at 0", post("/v1/push", tok, batch_text(dev, "[{\"seq\":0,\"kind\":\"ack\"}]", 0, 0)), 400, "sync.request",
       "first_seq"},
      {"last_seq before first_seq", post("/v1/push", tok, batch_text(dev, "[]", 3, 2)), 400, "sync.request", "before first_seq"},
      {"records out of order", post("/v1/push", tok, batch_text(dev, "[{\"seq\":3,\"kind\":\"ack\"},{\"seq\":2,\"kind\":\"ack\"}]", 2, 3)),
       400, "sync.request", "records[0].seq"},
      {"a batch far ahead", post("/v1/push", tok, batch_text(dev, "[{\"seq\":1000,\"kind\":\"ack\"}]", 1000, 1000)), 409,
       "sync.sequence", "expects 2"},
      {"more than 10,000 records", post("/v1/push", tok, batch_text(dev, many_acks, 2, 10002)), 413, "sync.too_large", "10000"},
      {"a replay whose range overlaps a gap", post("/v1/push", tok, batch_text(dev, "[{\"seq\":3,\"kind\":\"ack\"}]", 3, 3)), 409,
       "sync.sequence", "expects 2"},
      // Forged ids and tokens.
      {"a forged device id", post("/v1/push", tok, batch_text("0190aaaa-0000-4000-a000-000000000000", ok_record, 2, 2)), 403,
       "sync.forbidden", "token is device"},
      {"an empty bearer token", {"POST", "/v1/pull", {}, {{"authorization", "Bearer "}}, "{}"}, 401, "sync.auth", "unknown device token"},
      {"basic authentication", {"POST", "/v1/pull", {}, {{"authorization", "Basic YTpi"}}, "{}"}, 401, "sync.auth", "no device token"},
      {"a token in upper case", post("/v1/pull", [&] { std::string t = tok; for (char& ch : t) ch = static_cast<char>(std::toupper(ch)); return t; }(),
                                     "{\"cursor\":\"\"}"), 401, "sync.auth", "unknown device token"},
      // Methods and endpoints.
      {"GET /v1/pull", call("GET", "/v1/pull", tok), 405, "sync.method", "POST"},
      {"POST /v1/attachments/needed", call("POST", "/v1/attachments/needed", tok), 405, "sync.method", "GET"},
      {"GET /v1/enroll", call("GET", "/v1/enroll", ""), 405, "sync.method", "POST"},
      {"POST /v1/info", call("POST", "/v1/info", ""), 405, "sync.method", "GET"},
      {"an attachment named in upper case", put(b.token(), std::string(64, 'B'), "0", "x"), 404, "sync.not_found", "not a sha256"},
      {"another protocol version", post("/v2/push", tok, "{}"), 404, "sync.not_found", "no endpoint"},
      // Pull.
      {"a pull limit of 0", post("/v1/pull", tok, "{\"cursor\":\"\",\"limit\":0}"), 400, "sync.request", "limit"},
      {"a forged snapshot cursor", post("/v1/pull", tok, "{\"cursor\":\"v1.snap.x.y\"}"), 400, "sync.request", "cursor"},
      // Attachments.
      {"an attachment whose bytes do not match its hash", put(b.token(), photo_sha, "0", wrong_photo), 422, "sync.hash", photo_sha},
      {"a chunk at the wrong offset", put(b.token(), photo_sha, "5", "xyz"), 409, "sync.offset", "starts at 5"},
      {"a chunk past the attachment's size", put(b.token(), photo_sha, "0", photo + "more"), 413, "sync.too_large", "past its size"},
      {"a negative offset", put(b.token(), photo_sha, "-1", "x"), 400, "sync.request", "offset"},
      {"an offset that is not a number", put(b.token(), photo_sha, "1e3", "x"), 400, "sync.request", "offset"},
      {"a chunk over 4 MiB", put(b.token(), photo_sha, "0", std::string((4u << 20) + 1, 'x')), 413, "sync.too_large", "4 MiB"},
      {"another device's attachment", put(tok, photo_sha, "0", photo), 403, "sync.forbidden", "another device"},
      // Roles.
      {"a viewer uploading", put(viewer_token, photo_sha, "0", photo), 403, "sync.forbidden", "viewer"},
      {"a viewer asking what to upload", call("GET", "/v1/attachments/needed", viewer_token), 403, "sync.forbidden", "viewer"},
      // The office endpoints.
      {"an officer listing the office's submissions", call("GET", "/v1/office/submissions", tok), 403, "sync.forbidden",
       "admin and viewer"},
      {"an officer reading the queue", call("GET", "/v1/office/queue", tok), 403, "sync.forbidden", "officer"},
      {"a viewer reviewing", post("/v1/office/review", viewer_token, "{\"form_id\":\"survey\",\"instance_id\":\"x\",\"state\":\"approved\"}"),
       403, "sync.forbidden", "viewers only read"},
      {"an office list without a form", call("GET", "/v1/office/submissions", admin_token), 400, "sync.request", "form_id: missing"},
      {"a submission without its id", {"GET", "/v1/office/submission", {{"form_id", "survey"}},
                                       {{"authorization", "Bearer " + admin_token}}, ""}, 400, "sync.request", "instance_id: missing"},
      {"a submission the server does not have", {"GET", "/v1/office/submission", {{"form_id", "survey"}, {"instance_id", "uuid:none"}},
                                                 {{"authorization", "Bearer " + admin_token}}, ""}, 404, "sync.not_found", "uuid:none"},
      {"an unknown office endpoint", call("GET", "/v1/office/plans", admin_token), 404, "sync.not_found", "no endpoint"},
      {"a plan by GET", call("GET", "/v1/office/plan", admin_token), 405, "sync.method", "POST"},
      {"a plan that is not JSON", post("/v1/office/plan", admin_token, "{\"year\":"), 400, "sync.request", "not valid JSON"},
      {"a plan without a year", post("/v1/office/plan", admin_token, "{\"budget\":{}}"), 400, "sync.request", "year: expected"},
      {"a plan of year 20", post("/v1/office/plan", admin_token, "{\"year\":20,\"budget\":{}}"), 400, "sync.request",
       "year: expected a year from 2000 to 2100"},
      {"a plan without a budget", post("/v1/office/plan", admin_token, "{\"year\":2027}"), 400, "sync.request", "budget: expected"},
      {"a plan's budget of an unknown source", post("/v1/office/plan", admin_token, "{\"year\":2027,\"budget\":{\"moon\":5}}"),
       400, "sync.request", "budget.moon: not a funding source"},
      {"a plan's negative budget", post("/v1/office/plan", admin_token, "{\"year\":2027,\"budget\":{\"national\":-5}}"),
       400, "sync.request", "budget.national: expected an amount"},
      {"a plan's budget as text", post("/v1/office/plan", admin_token, "{\"year\":2027,\"budget\":{\"national\":\"5\"}}"),
       400, "sync.request", "budget.national: expected an amount"},
      {"a plan with an unknown member", post("/v1/office/plan", admin_token, "{\"year\":2027,\"budget\":{},\"x\":1}"),
       400, "sync.request", "x: unknown member"},
      {"a viewer pinning a need", post("/v1/office/plan/override", viewer_token,
                                       "{\"need_id\":\"uuid:x#1\",\"action\":\"pin\",\"reason\":\"r\"}"),
       403, "sync.forbidden", "viewers only read"},
      {"an override without a reason", post("/v1/office/plan/override", admin_token,
                                            "{\"need_id\":\"uuid:x#1\",\"action\":\"pin\",\"reason\":\" \"}"),
       400, "sync.request", "a reason is required"},
      {"an override of a need id without #N", post("/v1/office/plan/override", admin_token,
                                                   "{\"need_id\":\"uuid:x\",\"action\":\"pin\",\"reason\":\"r\"}"),
       400, "sync.request", "INSTANCE_ID#N"},
      {"an override that is neither pin nor exclude", post("/v1/office/plan/override", admin_token,
                                                           "{\"need_id\":\"uuid:x#1\",\"action\":\"fund\",\"reason\":\"r\"}"),
       400, "sync.request", "pin or exclude"},
      {"an override of a submission the server does not have", post("/v1/office/plan/override", admin_token,
                                                                     "{\"need_id\":\"uuid:x#1\",\"action\":\"pin\",\"reason\":\"r\"}"),
       404, "sync.not_found", "no submission 'uuid:x'"},
      {"an officer asking for the plan", post("/v1/office/plan", tok, "{\"year\":2027,\"budget\":{}}"), 403, "sync.forbidden",
       "officer"},
      {"a review by GET", call("GET", "/v1/office/review", admin_token), 405, "sync.method", "POST"},
      {"a queue by POST", post("/v1/office/queue", admin_token, "{}"), 405, "sync.method", "GET"},
      {"a review that is not JSON", post("/v1/office/review", admin_token, "{\"state\":"), 400, "sync.request", "not valid JSON"},
      {"a review without a state", post("/v1/office/review", admin_token, "{\"form_id\":\"survey\",\"instance_id\":\"x\"}"),
       400, "sync.request", "state: missing"},
      {"a review of an unknown state", post("/v1/office/review", admin_token,
                                            "{\"form_id\":\"survey\",\"instance_id\":\"x\",\"state\":\"fine\"}"),
       400, "sync.request", "'fine' is not a review state"},
      {"a review with an unknown member", post("/v1/office/review", admin_token,
                                               "{\"form_id\":\"survey\",\"instance_id\":\"x\",\"state\":\"approved\",\"by\":\"me\"}"),
       400, "sync.request", "by: unknown member"},
      {"a comment that is not text", post("/v1/office/review", admin_token,
                                          "{\"form_id\":\"survey\",\"instance_id\":\"x\",\"state\":\"approved\",\"comment\":1}"),
       400, "sync.request", "comment: expected a string"},
      {"a rejection without a reason", post("/v1/office/review", admin_token,
                                            "{\"form_id\":\"survey\",\"instance_id\":\"x\",\"state\":\"rejected\",\"comment\":\" \"}"),
       400, "sync.request", "needs a reason"},
      {"a review of a submission the server does not have",
       post("/v1/office/review", admin_token, "{\"form_id\":\"survey\",\"instance_id\":\"uuid:none\",\"state\":\"approved\"}"),
       404, "sync.not_found", "uuid:none"},
  };
  cases.insert(cases.end(), more.begin(), more.end());
  CHECK(cases.size() >= 60);
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

  // Refused record by record: the batch is answered, the record is `rejected` with its reason,
  // and no data table changes (only the ledger and the device's sequence move on).
  struct BadRecord {
    std::string name, record, reason_part;
  };
  const std::vector<BadRecord> records = {
      {"another commune's submission", "\"kind\":\"submission\",\"id\":\"uuid:c\",\"form_id\":\"survey\",\"form_version\":\"1\","
                                       "\"xml\":\"<data><a0><commune>pac_ta</commune></a0><meta><instanceID>uuid:c</instanceID></meta></data>\"",
       "commune 'pac_ta'"},
      {"another commune's registry record", "\"kind\":\"registry\",\"registry\":\"establishment\",\"id\":\"r1\",\"create\":true,"
                                            "\"set\":{\"commune\":{\"value\":\"pac_ta\"," + hlc + "}}",
       "commune 'pac_ta'"},
      {"an instance id that is not the XML's", "\"kind\":\"submission\",\"id\":\"uuid:forged\",\"form_id\":\"survey\","
                                               "\"form_version\":\"1\",\"xml\":\"<data><meta><instanceID>uuid:real</instanceID></meta></data>\"",
       "meta/instanceID"},
      {"XML that is not well-formed", "\"kind\":\"submission\",\"id\":\"uuid:d\",\"form_id\":\"survey\",\"form_version\":\"1\","
                                      "\"xml\":\"<data><meta>\"", "not well-formed"},
      {"a form the server does not have", "\"kind\":\"submission\",\"id\":\"uuid:e\",\"form_id\":\"nothing\",\"form_version\":\"1\","
                                          "\"xml\":\"<data><meta><instanceID>uuid:e</instanceID></meta></data>\"", "not published"},
      {"an unknown registry", "\"kind\":\"registry\",\"registry\":\"shops\",\"id\":\"r2\",\"create\":true,\"set\":{}", "unknown registry"},
  };
  auto data = [&] {
    std::string out;
    for (const char* t : {"submissions", "submission_conflicts", "attachments", "submission_attachments", "registry", "changes"})
      out += server.query("SELECT * FROM " + std::string(t) + " ORDER BY 1, 2");
    return out;
  };
  const std::string data_before = data();
  std::int64_t seq = 2;
  for (const auto& c : records) {
    CAPTURE(c.name);
    auto r = server.server->handle(post("/v1/push", tok, batch_text(dev, "[{\"seq\":" + std::to_string(seq) + "," + c.record + "}]", seq, seq)));
    REQUIRE(r.status == 200);
    json res = body_of(r)["results"][0];
    CHECK(res["status"] == "rejected");
    CHECK_MESSAGE(res["reason"].get<std::string>().find(c.reason_part) != std::string::npos, res.dump());
    CHECK(data() == data_before);
    ++seq;
  }
  // A replay of the last batch is answered from the ledger and changes nothing at all.
  std::string all = server.dump();
  auto again = server.server->handle(post("/v1/push", tok, batch_text(dev, "[{\"seq\":" + std::to_string(seq - 1) + "," +
                                                                             records.back().record + "}]", seq - 1, seq - 1)));
  REQUIRE(again.status == 200);
  CHECK(body_of(again)["replayed"] == true);
  CHECK(body_of(again)["results"][0]["status"] == "rejected");
  CHECK(server.dump() == all);
}

TEST_CASE("sync bad requests: a device past its rate limit gets 429 with Retry-After, and its client waits that long") {
  ServerFixture server;
  std::int64_t clock = 1000000;
  sync::ServerOptions o;
  o.now_ms = [&] { return clock; };
  o.rate_burst = 3;
  o.rate_per_minute = 30;  // one more every 2 s
  sync::SyncServer limited(*server.storage, o);
  auto enroll = [&] {
    auto r = limited.handle(post("/v1/enroll", "", json{{"code", server.code()}}.dump(), true));
    REQUIRE(r.status == 200);
    return json::parse(r.body)["token"].get<std::string>();
  };
  const std::string t1 = enroll(), t2 = enroll();
  auto pull = [&](const std::string& t) { return limited.handle(post("/v1/pull", t, "{\"cursor\":\"\",\"limit\":1}")); };
  for (int i = 0; i < 3; ++i) CHECK(pull(t1).status == 200);
  const std::string before = server.dump();
  auto r = pull(t1);
  CHECK(r.status == 429);
  CHECK(r.headers["retry-after"] == "2");
  json j = json::parse(r.body);
  CHECK(j["error"]["code"] == "sync.rate_limited");
  CHECK(j["error"]["retry_after"] == 2);
  CHECK(j["error"]["message"].get<std::string>().find("retry in 2 s") != std::string::npos);
  CHECK(server.dump() == before);
  CHECK(pull(t2).status == 200);  // each device has its own allowance
  clock += 1999;
  CHECK(pull(t1).status == 429);
  clock += 1;
  CHECK(pull(t1).status == 200);
  CHECK(pull(t1).status == 429);

  // A client that meets the limit waits what Retry-After says, then finishes its sync.
  StoreFixture store;
  store.install();
  LoopbackTransport transport(limited);
  std::vector<std::int64_t> slept;
  sync::ClientOptions co;
  co.sleep = [&](std::chrono::milliseconds ms) {
    slept.push_back(ms.count());
    clock += ms.count();
  };
  co.random_unit = [] { return 0.5; };
  sync::SyncClient client(*store.store, transport, co);
  REQUIRE(client.enroll("loopback:", server.code()).ok());
  auto s = store.filled("shop", "12");
  store.finalize(*s);
  const std::string mine = store.store->enrollment().value()->token;
  for (int i = 0; i < 3; ++i) (void)pull(mine);  // its allowance spent: every request of the sync waits
  auto report = client.sync();
  CHECK_MESSAGE(report.ok(), message_of(report));
  CHECK(transport.sent > 3);
  CHECK(std::count(slept.begin(), slept.end(), 2000) >= 1);
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

namespace khaosat::test {
namespace {

TEST_CASE("sync bad requests: enrollment attempts past their allowance get 429 and redeem nothing") {
  ServerFixture server;
  std::int64_t clock = 5000000;
  sync::ServerOptions o;
  o.now_ms = [&] { return clock; };
  o.enroll_burst = 4;
  o.enroll_per_minute = 6;  // one more every 10 s
  sync::SyncServer limited(*server.storage, o);
  auto attempt = [&](const std::string& code) {
    return limited.handle(post("/v1/enroll", "", nlohmann::json{{"code", code}}.dump(), true));
  };
  for (int i = 0; i < 4; ++i) {  // wrong codes: refused, and each counts
    int status = attempt("AAAA-BBBB-CCC" + std::to_string(i)).status;
    CHECK((status >= 400 && status < 429));
  }
  const std::string good = server.code();
  const std::string before = server.dump();
  auto r = attempt(good);
  CHECK(r.status == 429);
  CHECK(r.headers["retry-after"] == "10");
  auto j = nlohmann::json::parse(r.body);
  CHECK(j["error"]["code"] == "sync.rate_limited");
  CHECK(j["error"]["message"].get<std::string>().find("enrollment attempts") != std::string::npos);
  CHECK(server.dump() == before);  // the good code was not spent
  clock += 10000;
  CHECK(attempt(good).status == 200);
  CHECK(attempt(good).status == 429);
}

}  // namespace
}  // namespace khaosat::test
