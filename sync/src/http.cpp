// HttpServer and HttpTransport over cpp-httplib (http.hpp).
//
// httplib would inflate a gzip request body itself, without a limit on the inflated size; so
// the server reads bodies through a content reader (which httplib feeds already inflated; a zstd
// body it passes as sent, for the protocol's unzstd) and stops at the protocol's limit (413),
// and the client turns httplib's decompression off and lets the protocol's gunzip (with its
// limits) decode answers. Answers are gzipped by httplib
// (its zlib) for clients that accept it.
#include "khaosat/sync/http.hpp"

#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <fstream>

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
  std::unique_ptr<httplib::Server> server;  // an httplib::SSLServer for HTTPS
  httplib::Server& http;
  Impl(SyncServer& s, std::unique_ptr<httplib::Server> srv) : sync(s), server(std::move(srv)), http(*server) {}

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
      // httplib inflates gzip and deflate; any other encoding (zstd) arrives as sent and the
      // protocol decodes it (with its limits), or refuses it by name.
      if (auto enc = r.headers.find("content-encoding");
          enc != r.headers.end() && (enc->second == "gzip" || enc->second == "deflate"))
        r.headers.erase(enc);
    }
    to_httplib(sync.handle(r), res);
  }
};

HttpServer::HttpServer(SyncServer& server)
    : HttpServer(std::make_unique<Impl>(server, std::make_unique<httplib::Server>())) {}

namespace {

// The file's bytes, or nullopt when it cannot be read.
std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return out;
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::open_tls(SyncServer& server, const TlsFiles& tls) {
  for (const auto& [what, path] : {std::pair{"certificate", &tls.cert_file}, {"private key", &tls.key_file}}) {
    auto text = read_file(*path);
    if (!text) return Error::make(ErrorCode::sync_request, "cannot read the TLS " + std::string(what) + " file '" + *path + "'");
    if (text->find("-----BEGIN ") == std::string::npos)
      return Error::make(ErrorCode::sync_request, "the TLS " + std::string(what) + " file '" + *path + "' is not PEM");
  }
  auto ssl = std::make_unique<httplib::SSLServer>(tls.cert_file.c_str(), tls.key_file.c_str());
  if (!ssl->is_valid())
    return Error::make(ErrorCode::sync_request, "OpenSSL refused the certificate '" + tls.cert_file + "' or the key '" +
                                                    tls.key_file + "' (unreadable, or a key that is not the certificate's)");
  return std::unique_ptr<HttpServer>(new HttpServer(std::make_unique<Impl>(server, std::move(ssl))));
}

HttpServer::HttpServer(std::unique_ptr<Impl> parts) : impl_(std::move(parts)) {
  auto& http = impl_->http;
  http.set_payload_max_length(kMaxBodyBytes);
  // httplib writes an answer's head and body in separate writes: with Nagle's algorithm on, the
  // body waits for the client's delayed ACK of the head, some 40 ms on Linux, every request (it
  // was 7 of every 8 requests of the 20,000-record push bench: ~300 of its 600 ms).
  http.set_tcp_nodelay(true);
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

namespace {

// The host of "scheme://HOST[:PORT][/...]" ("[::1]" for IPv6).
std::string host_of(const std::string& url) {
  std::string rest = url.substr(url.find("://") + 3);
  if (!rest.empty() && rest[0] == '[') return rest.substr(0, rest.find(']') + 1);
  return rest.substr(0, rest.find_first_of(":/"));
}

// An X509_STORE with the system's CAs and the PEM certificates in `pem` (nullptr when `pem`
// holds none). The caller owns it.
X509_STORE* trust_store(const std::string& pem) {
  X509_STORE* store = X509_STORE_new();
  if (!store) return nullptr;
  X509_STORE_set_default_paths(store);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  int added = 0;
  while (bio) {
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    if (!cert) break;
    if (X509_STORE_add_cert(store, cert) == 1) ++added;
    X509_free(cert);
  }
  BIO_free(bio);
  if (added == 0) {
    X509_STORE_free(store);
    return nullptr;
  }
  return store;
}

}  // namespace

Result<std::unique_ptr<HttpTransport>> HttpTransport::open(const std::string& base_url, const TransportOptions& options) {
  const bool https = base_url.rfind("https://", 0) == 0;
  if (!https && base_url.rfind("http://", 0) != 0)
    return Error::make(ErrorCode::sync_request, "server URL '" + base_url + "': expected https://HOST:PORT (or http://127.0.0.1:PORT)");
  std::string host = host_of(base_url);
  if (!https && host != "127.0.0.1" && host != "[::1]" && !options.allow_plain_http)
    return Error::make(ErrorCode::sync_insecure,
                       "server URL '" + base_url + "': plain HTTP to another machine would send the device token in clear; "
                       "use https:// (or, behind a network you trust, allow plain HTTP explicitly: --allow-plain-http)");
  std::unique_ptr<HttpTransport> t(new HttpTransport());
  t->impl_->client = std::make_unique<httplib::Client>(base_url);
  if (!t->impl_->client->is_valid())
    return Error::make(ErrorCode::sync_request, "server URL '" + base_url + "' is not valid");
  if (https) {
    t->impl_->client->enable_server_certificate_verification(true);
    if (!options.ca_pem.empty()) {
      X509_STORE* store = trust_store(options.ca_pem);
      if (!store) return Error::make(ErrorCode::sync_request, "the pinned server certificate holds no PEM certificate");
      t->impl_->client->set_ca_cert_store(store);  // the client owns it from here
    }
  }
  t->impl_->client->set_decompress(false);
  t->impl_->client->set_keep_alive(true);
  t->impl_->client->set_tcp_nodelay(true);  // a request's head and body are separate writes too (see HttpServer)
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
  if (!res) {
    // A certificate the device does not trust will not become trusted by retrying: sync.insecure,
    // which the client does not retry.
    if (res.error() == httplib::Error::SSLServerVerification)
      return Error::make(ErrorCode::sync_insecure, r.method + " " + r.path + ": the server's certificate is not trusted "
                                                   "(for a server with its own certificate, enroll with --ca FILE)");
    return Error::make(ErrorCode::sync_transport, r.method + " " + r.path + ": " + httplib::to_string(res.error()));
  }
  Response out;
  out.status = res->status;
  for (const auto& [k, v] : res->headers) out.headers[lower(k)] = v;
  out.body = res->body;
  return out;
}

}  // namespace khaosat::sync
