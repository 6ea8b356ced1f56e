// Attachments (docs/sync-protocol.md, "Attachments"): uploaded after their records in chunks; a
// cut at 90 % resumes at 90 %; bytes that do not hash to the name are refused and nothing stays.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "sync/sync_fixture.hpp"

namespace khaosat::test {
namespace {

using nlohmann::json;

core::SubmissionRecord submit_with_photo(Device& d, const std::string& bytes) {
  return finalize_with_photo(d.store, bytes);
}

TEST_CASE("sync attachments: a photo cut at 90 % resumes at 90 % and arrives whole") {
  ServerFixture server;
  sync::ClientOptions o;
  o.chunk_bytes = 100000;
  o.max_retries = 0;  // the cut ends this sync: the next one must resume
  Device device(server, o);
  std::string bytes = photo_bytes(1000000);
  std::string sha = sync::sha256_hex(bytes);
  submit_with_photo(device, bytes);
  std::vector<std::string> offsets;
  device.transport.on_request = [&](const sync::Request& r) {
    if (r.method == "PUT") offsets.push_back(r.query.at("offset"));
  };
  // Requests: info, push, needed, then PUTs at 0, 100000, …; the 10th PUT (offset 900000) is cut.
  device.transport.fail_before(3 + 10);
  auto first = device.client->sync();
  REQUIRE_FALSE(first.ok());
  CHECK(first.error().code == core::ErrorCode::sync_transport);
  CHECK(offsets.size() == 10);
  CHECK(server.query("SELECT received, complete FROM attachments") == "900000|0|\n");
  CHECK_FALSE(std::filesystem::exists(server.data + "/attachments/" + sha));
  offsets.clear();
  auto second = device.client->sync();
  REQUIRE_MESSAGE(second.ok(), message_of(second));
  REQUIRE(offsets.size() == 1);
  CHECK(offsets[0] == "900000");
  CHECK(server.query("SELECT received, complete FROM attachments") == "1000000|1|\n");
  CHECK(bytes_of(server.data + "/attachments/" + sha) == bytes);
  CHECK(server.storage->check().value().empty());
}

TEST_CASE("sync attachments: bytes that do not hash to the name are refused and nothing is kept") {
  ServerFixture server;
  Device device(server);
  std::string bytes = photo_bytes(5000);
  std::string sha = sync::sha256_hex(bytes);
  submit_with_photo(device, bytes);
  device.transport.on_request = [&](const sync::Request& r) {
    if (r.method == "PUT") throw std::runtime_error("stop before uploading");
  };
  CHECK_THROWS(device.client->sync());
  device.transport.on_request = nullptr;
  std::string forged = bytes;
  forged[4000] ^= 1;
  sync::Request put{"PUT", "/v1/attachments/" + sha, {{"offset", "0"}},
                    {{"authorization", "Bearer " + device.token()}}, forged};
  auto r = server.server->handle(put);
  CHECK(r.status == 422);
  CHECK(json::parse(r.body)["error"]["code"] == "sync.hash");
  CHECK(server.query("SELECT received, complete FROM attachments") == "0|0|\n");
  CHECK_FALSE(std::filesystem::exists(server.data + "/attachments/" + sha));
  CHECK_FALSE(std::filesystem::exists(server.data + "/attachments/partial/" + sha));
  // The real bytes then go through.
  put.body = bytes;
  CHECK(server.server->handle(put).status == 200);
  CHECK(bytes_of(server.data + "/attachments/" + sha) == bytes);
}

TEST_CASE("sync attachments: a chunk at the wrong offset is refused with the offset the server expects") {
  ServerFixture server;
  Device device(server);
  std::string bytes = photo_bytes(3000);
  std::string sha = sync::sha256_hex(bytes);
  submit_with_photo(device, bytes);
  device.transport.on_request = [&](const sync::Request& r) {
    if (r.method == "PUT") throw std::runtime_error("stop before uploading");
  };
  CHECK_THROWS(device.client->sync());
  std::string auth = "Bearer " + device.token();
  CHECK(server.server->handle({"PUT", "/v1/attachments/" + sha, {{"offset", "0"}}, {{"authorization", auth}},
                               bytes.substr(0, 1000)}).status == 200);
  std::string before = server.dump();
  auto r = server.server->handle({"PUT", "/v1/attachments/" + sha, {{"offset", "2000"}}, {{"authorization", auth}},
                                  bytes.substr(2000)});
  CHECK(r.status == 409);
  CHECK(json::parse(r.body)["error"]["expected_offset"] == 1000);
  // Past the declared size.
  r = server.server->handle({"PUT", "/v1/attachments/" + sha, {{"offset", "1000"}}, {{"authorization", auth}},
                             bytes.substr(1000) + "x"});
  CHECK(r.status == 413);
  CHECK(server.dump() == before);
}

}  // namespace
}  // namespace khaosat::test
