// StoreSync::office_call: the office endpoints over the device's enrollment (store_sync.hpp,
// sync_port.hpp). Each call is one Worker job: it reads the enrollment from a Store of its own,
// sends the request with the device's token and hands the answer to the UI thread.
#include <nlohmann/json.hpp>

#include "khaosat/core/store.hpp"
#include "khaosat/ui/store_sync.hpp"

namespace khaosat::ui {

namespace {
constexpr std::chrono::seconds kOfficeTimeout{30};

// The answer's JSON text, or the server's error message (its JSON error document) for people.
core::Result<std::string> answer_of(const sync::Response& r) {
  std::string body = r.body;
  if (auto enc = r.headers.find("content-encoding"); enc != r.headers.end() && enc->second == "gzip") {
    auto plain = sync::gunzip(body);
    if (!plain) return plain.error();
    body = std::move(plain).value();
  }
  if (r.status == 200) return body;
  auto j = nlohmann::json::parse(body, nullptr, false);
  std::string message = "HTTP " + std::to_string(r.status);
  if (j.is_object() && j.contains("error") && j["error"].is_object() && j["error"].value("message", "") != "")
    message = j["error"]["message"].get<std::string>();
  core::ErrorCode code = r.status == 403 ? core::ErrorCode::sync_forbidden
                       : r.status == 404 ? core::ErrorCode::sync_not_found
                       : r.status == 401 ? core::ErrorCode::sync_auth
                                         : core::ErrorCode::sync_request;
  return core::Error::make(code, message);
}
}  // namespace

core::Status StoreSync::office_call(OfficeCall call, OfficeDone done) {
  if (!enrolled()) return core::Error::make(core::ErrorCode::sync_enroll, catalogue_text(Str::not_enrolled, lang_));
  StoreSyncOptions o = options_;
  Lang lang = lang_;
  options_.worker->submit([o, lang, call = std::move(call), done = std::move(done)]() -> Worker::Done {
    core::Result<std::string> result = core::Error::make(core::ErrorCode::sync_enroll, catalogue_text(Str::not_enrolled, lang));
    core::StoreOptions so;
    so.actor = "app";
    so.env.os = o.env;
    auto store = core::Store::open(o.database, so);
    auto e = store ? (*store)->enrollment() : core::Result<std::optional<core::Enrollment>>(store.error());
    if (!e) result = e.error();
    else if (*e) {
      auto transport = o.open_transport((*e)->server);
      if (!transport) {
        result = transport.error();
      } else {
        sync::Request r{call.method, call.path, call.query,
                        {{"authorization", "Bearer " + (*e)->token}, {"accept-encoding", "gzip"}}, call.body};
        if (!call.body.empty()) r.headers["content-type"] = "application/json";
        auto sent = (*transport)->send(r, kOfficeTimeout);
        if (!sent) result = core::Error::make(sent.error().code, catalogue_text(Str::sync_no_network, lang));
        else result = answer_of(*sent);
      }
    }
    return [done, result = std::move(result)]() mutable { done(std::move(result)); };
  });
  return core::ok_status();
}

}  // namespace khaosat::ui
