// The HTTP binding of the protocol (cpp-httplib, Debian's libcpp-httplib-dev): HttpServer serves
// a SyncServer on a host and port; HttpTransport is the client's Transport to a base URL.
// Compression: httplib inflates gzip request bodies as it reads them, and the server stops
// reading at the protocol's inflated-size limit (413); it gzips answers for clients that accept
// it. The client turns httplib's own decompression off and inflates answers with the protocol's
// gunzip, which has the same limits, so a hostile peer cannot make either side inflate a bomb.
//
// Thread-safety: HttpServer runs its own threads (stop() from any thread); an HttpTransport is
// used from one thread.
#pragma once

#include <memory>
#include <string>

#include "khaosat/sync/client.hpp"
#include "khaosat/sync/server.hpp"

namespace khaosat::sync {

class HttpServer {
 public:
  // `server` must outlive this object.
  explicit HttpServer(SyncServer& server);
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
  std::unique_ptr<Impl> impl_;
};

class HttpTransport final : public Transport {
 public:
  // `base_url`: "http://127.0.0.1:8742" (plain HTTP; TLS is a later slice).
  static Result<std::unique_ptr<HttpTransport>> open(const std::string& base_url);
  ~HttpTransport() override;
  Result<Response> send(const Request& request, std::chrono::milliseconds timeout) override;

 private:
  HttpTransport();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace khaosat::sync
