// The HTTP binding of the protocol (cpp-httplib, Debian's libcpp-httplib-dev): HttpServer serves
// a SyncServer on a host and port; HttpTransport is the client's Transport to a base URL.
// Compression: httplib inflates gzip request bodies as it reads them, and the server stops
// reading at the protocol's inflated-size limit (413); it gzips answers for clients that accept
// it. The client turns httplib's own decompression off and inflates answers with the protocol's
// gunzip, which has the same limits, so a hostile peer cannot make either side inflate a bomb.
//
// HTTPS (docs/sync-protocol.md, "HTTPS"): HttpServer::open_tls serves with a certificate and
// key (cpp-httplib's SSLServer over OpenSSL); HttpTransport verifies the server's certificate
// against the system's CAs and, when given, a certificate pinned at enrollment (a province's
// self-signed server). A device token never goes over plain HTTP to another machine than this
// one (127.0.0.1, ::1) unless TransportOptions::allow_plain_http says so (sync.insecure).
//
// Thread-safety: HttpServer runs its own threads (stop() from any thread); an HttpTransport is
// used from one thread.
#pragma once

#include <memory>
#include <string>

#include "khaosat/sync/client.hpp"
#include "khaosat/sync/server.hpp"

namespace khaosat::sync {

// The PEM files of an HTTPS server: its certificate (chain) and its private key.
struct TlsFiles {
  std::string cert_file, key_file;
};

class HttpServer {
 public:
  // Plain HTTP. `server` must outlive this object.
  explicit HttpServer(SyncServer& server);
  // HTTPS with `tls`; sync.request naming the file when one cannot be read, is not PEM, or the key
  // is not the certificate's.
  static Result<std::unique_ptr<HttpServer>> open_tls(SyncServer& server, const TlsFiles& tls);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds `host`:`port` (0 = any free port); returns the port, or sync.transport naming why not.
  Result<int> bind(const std::string& host, int port);
  // Serves until stop(). Blocks.
  void run();
  void stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> parts);
  std::unique_ptr<Impl> impl_;
};

struct TransportOptions {
  // PEM certificate(s) trusted besides the system's CAs: the server's own self-signed
  // certificate, or the province's CA, pinned at enrollment (`khaosat sync enroll --ca FILE`).
  std::string ca_pem;
  // Allows http:// to a host other than 127.0.0.1 and ::1 (the token would travel in clear: only
  // behind a network the operator trusts, such as a TLS-terminating reverse proxy on the LAN).
  bool allow_plain_http = false;
};

class HttpTransport final : public Transport {
 public:
  // `base_url`: "https://HOST:PORT", or "http://127.0.0.1:PORT" / "http://[::1]:PORT" (plain HTTP
  // elsewhere only with options.allow_plain_http: else sync.insecure). sync.request when the URL
  // or the pinned certificate cannot be read.
  static Result<std::unique_ptr<HttpTransport>> open(const std::string& base_url, const TransportOptions& options = {});
  ~HttpTransport() override;
  Result<Response> send(const Request& request, std::chrono::milliseconds timeout) override;

 private:
  HttpTransport();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace khaosat::sync
