// SyncClient: uploading the attachments the server needs, in chunks, resuming where the
// server's copy ends (client.hpp, docs/sync-protocol.md "Attachments").
#include <fstream>

#include "khaosat/sync/client.hpp"

namespace khaosat::sync {

using nlohmann::json;

Status SyncClient::upload_attachments() {
  report_.totals.phase = SyncProgress::Phase::Attachments;
  for (int pass = 0; pass < 2; ++pass) {
    auto a = call(Request{"GET", "/v1/attachments/needed", {}, {}, ""}, 4096);
    if (!a) return a.error();
    if (a->status != 200) return error_of(*a);
    auto j = parse_body(a->body);
    if (!j) return Error::make(ErrorCode::sync_server, "the attachments answer: " + j.error().message);
    if (!j->is_object() || !j->contains("attachments") || !(*j)["attachments"].is_array())
      return Error::make(ErrorCode::sync_server, "the attachments answer has no 'attachments' list");
    const json& list = (*j)["attachments"];
    if (list.empty()) return core::ok_status();
    report_.totals.attachments_total = static_cast<std::int64_t>(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
      auto need = attachment_need_from(list[i], "attachments[" + std::to_string(i) + "]");
      if (!need) return Error::make(ErrorCode::sync_server, "the attachments answer: " + need.error().message);
      if (Status st = upload_one(*need); !st) return st;
      ++report_.totals.attachments_done;
      progress();
    }
  }
  return Error::make(ErrorCode::sync_incomplete, "the server still needs attachments after they were uploaded");
}

Status SyncClient::upload_one(const AttachmentNeed& need) {
  auto local = store_.get_attachment(need.sha256);
  if (!local) return local.error();
  std::ifstream in(local->path, std::ios::binary);
  if (!in) return Error::make(ErrorCode::io, local->path + ": cannot read the attachment the server needs");
  std::int64_t offset = need.received;
  std::string chunk(options_.chunk_bytes, '\0');
  int hash_failures = 0;
  while (offset < need.size) {
    if (cancelled_) return Error::make(ErrorCode::sync_incomplete, "the sync was cancelled; run it again to continue");
    in.clear();
    in.seekg(offset);
    in.read(chunk.data(), static_cast<std::streamsize>(std::min<std::int64_t>(need.size - offset, chunk.size())));
    std::size_t n = static_cast<std::size_t>(in.gcount());
    if (n == 0) return Error::make(ErrorCode::io, local->path + ": shorter than the " + std::to_string(need.size) + " bytes it should have");
    Request r{"PUT", "/v1/attachments/" + need.sha256, {{"offset", std::to_string(offset)}},
              {{"content-type", "application/octet-stream"}}, chunk.substr(0, n)};
    auto a = call(std::move(r), n);
    if (!a) return a.error();
    if (a->status == 200) {
      auto j = parse_body(a->body);
      if (!j) return Error::make(ErrorCode::sync_server, "the upload answer: " + j.error().message);
      auto got = attachment_need_from(*j, "");
      if (!got) return Error::make(ErrorCode::sync_server, "the upload answer: " + got.error().message);
      if (got->complete) return core::ok_status();
      offset = got->received;
      continue;
    }
    Error e = error_of(*a);
    if (e.code == ErrorCode::sync_offset) {  // resume where the server's copy ends
      auto j = parse_body(a->body);
      if (j && (*j)["error"].contains("expected_offset") && (*j)["error"]["expected_offset"].is_number_integer()) {
        offset = (*j)["error"]["expected_offset"].get<std::int64_t>();
        continue;
      }
    }
    if (e.code == ErrorCode::sync_hash && ++hash_failures < 2) {
      offset = 0;  // the server dropped its copy: send it again, once
      continue;
    }
    return Error::make(e.code, "attachment " + need.sha256 + ": " + e.message);
  }
  return core::ok_status();
}

}  // namespace khaosat::sync
