// HttpServer and HttpTransport over cpp-httplib (http.hpp).
//
// httplib would inflate a gzip request body itself, without a limit on the inflated size; so
// the server reads bodies through a content reader (which httplib feeds already inflated) and
// stops at the protocol's limit (413), and the client turns httplib's decompression off and
// lets the protocol's gunzip (with its limits) decode answers. Answers are gzipped by httplib
// (its zlib) for clients that accept it.
#include "khaosat/sync/http.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>

namespace khaosat::sync {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// RFC 3986 unreserved characters stay; every other byte becomes %XX.
std::string percent_encode(const std::string& v) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

void to_httplib(const Response& ours, httplib::Response& res) {
  res.status = ours.status;
  std::string type = "application/json";
  for (const auto& [k, v] : ours.headers) {
    if (k == "content-type") type = v;
    else res.set_header(k.c_str(), v);
  }
  res.set_content(ours.body, type.c_str());
}

}  // namespace

struct HttpServer::Impl {
  SyncServer& sync;
  httplib::Server http;
  explicit Impl(SyncServer& s) : sync(s) {}

  void serve(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader* reader) {
    Request r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [k, v] : req.params) r.query[k] = v;
    for (const auto& [k, v] : req.headers) r.headers[lower(k)] = v;
    // httplib gzips JSON answers itself when the client accepts it (and would gzip ours a
    // second time): the protocol's answer stays plain here.
    r.headers.erase("accept-encoding");
    if (reader) {
      // httplib inflates a gzip body before this reader sees it (the header stays): take the
      // bytes as plain, with the inflated-size limit applied here.
      bool too_large = false;
      (*reader)([&](const char* data, size_t n) {
        if (r.body.size() + n > kMaxInflatedBytes) {
          too_large = true;
          return false;
        }
        r.body.append(data, n);
        return true;
      });
      if (too_large) {
        to_httplib(error_response(413, Error::make(ErrorCode::sync_too_large,
                                                   "the body inflates to more than 64 MiB, the limit")), res);
        return;
      }
      if (r.headers.count("content-encoding")) r.headers.erase("content-encoding");
    }
    to_httplib(sync.handle(r), res);
  }
};

HttpServer::HttpServer(SyncServer& server) : impl_(std::make_unique<Impl>(server)) {
  auto& http = impl_->http;
  http.set_payload_max_length(kMaxBodyBytes);
  http.set_read_timeout(std::chrono::seconds(60));
  http.set_write_timeout(std::chrono::seconds(60));
  Impl* impl = impl_.get();
  http.Get(".*", [impl](const httplib::Request& req, httplib::Response& res) { impl->serve(req, res, nullptr); });
  auto with_body = [impl](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    impl->serve(req, res, &reader);
  };
  http.Post(".*", with_body);
  http.Put(".*", with_body);
  http.Delete(".*", [impl](const httplib::Request& req, httplib::Response& res) { impl->serve(req, res, nullptr); });
  // Errors httplib finds itself (a body over the limit, a bad request line, a gzip body it
  // cannot inflate) get the protocol's error document too.
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    ErrorCode c = res.status == 413 ? ErrorCode::sync_too_large
                  : res.status == 404 ? ErrorCode::sync_not_found
                                      : ErrorCode::sync_request;
    std::string msg = res.status == 413 ? "the body is larger than the limit of 32 MiB"
                                        : "the HTTP request is malformed (status " + std::to_string(res.status) + ")";
    to_httplib(error_response(res.status, Error::make(c, msg)), res);
  });
}

HttpServer::~HttpServer() { stop(); }

Result<int> HttpServer::bind(const std::string& host, int port) {
  auto& http = impl_->http;
  int got = port == 0 ? http.bind_to_any_port(host.c_str()) : (http.bind_to_port(host.c_str(), port) ? port : -1);
  if (got < 0) return Error::make(ErrorCode::sync_transport, "cannot listen on " + host + ":" + std::to_string(port) +
                                                              " (in use, or not an address of this machine)");
  return got;
}

void HttpServer::run() { impl_->http.listen_after_bind(); }
void HttpServer::stop() { impl_->http.stop(); }

// --- HttpTransport -------------------------------------------------------------------------

struct HttpTransport::Impl {
  std::unique_ptr<httplib::Client> client;
};

HttpTransport::HttpTransport() : impl_(std::make_unique<Impl>()) {}
HttpTransport::~HttpTransport() = default;

Result<std::unique_ptr<HttpTransport>> HttpTransport::open(const std::string& base_url) {
  if (base_url.rfind("http://", 0) != 0)
    return Error::make(ErrorCode::sync_request, "server URL '" + base_url +
                                                    "': only http://HOST:PORT is supported in this version");
  std::unique_ptr<HttpTransport> t(new HttpTransport());
  t->impl_->client = std::make_unique<httplib::Client>(base_url);
  if (!t->impl_->client->is_valid())
    return Error::make(ErrorCode::sync_request, "server URL '" + base_url + "' is not valid");
  t->impl_->client->set_decompress(false);
  t->impl_->client->set_keep_alive(true);
  return t;
}

Result<Response> HttpTransport::send(const Request& r, std::chrono::milliseconds timeout) {
  auto& c = *impl_->client;
  c.set_read_timeout(timeout);
  c.set_write_timeout(timeout);
  c.set_connection_timeout(std::chrono::seconds(10));
  httplib::Headers h;
  std::string type = "application/json";
  for (const auto& [k, v] : r.headers) {
    if (k == "content-type") type = v;
    else h.emplace(k, v);
  }
  std::string path = r.path;
  if (!r.query.empty()) {
    char sep = '?';
    for (const auto& [k, v] : r.query) {
      path += sep + k + "=" + percent_encode(v);
      sep = '&';
    }
  }
  httplib::Result res = r.method == "GET"    ? c.Get(path.c_str(), h)
                        : r.method == "PUT"  ? c.Put(path.c_str(), h, r.body, type.c_str())
                                             : c.Post(path.c_str(), h, r.body, type.c_str());
  if (!res)
    return Error::make(ErrorCode::sync_transport, r.method + " " + r.path + ": " + httplib::to_string(res.error()));
  Response out;
  out.status = res->status;
  for (const auto& [k, v] : res->headers) out.headers[lower(k)] = v;
  out.body = res->body;
  return out;
}

}  // namespace khaosat::sync
