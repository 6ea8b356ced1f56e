// A TCP proxy on 127.0.0.1 between a client and a server, shaping and cutting the link as a 2G/EDGE
// connection in the hills does: a bandwidth per direction, a one-way delay (half the round trip),
// every open connection cut at a fixed period, and cuts placed exactly (the n-th connection cut
// after so many bytes of its request, or of its answer). A cut shuts both sockets down: the
// client sees its request or its answer end early, the server a request cut short.
// Used by the sync tests (tests/sync/sync_tcp_test.cpp) and `scripts/bench sync`.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace khaosat::test {

struct LinkShape {
  std::int64_t bits_per_second = 0;             // each direction; 0: as fast as loopback
  std::chrono::milliseconds one_way_delay{0};   // added to every byte, each direction
  std::chrono::milliseconds cut_every{0};       // 0: never; else every open connection, periodically
  struct Cut {
    int connection = 1;          // 1 = the first connection the proxy accepts
    bool upstream = true;        // true: the request (client to server); false: the answer
    std::size_t after_bytes = 0; // bytes that pass in that direction before the cut
  };
  std::vector<Cut> cuts;
};

class TcpProxy {
 public:
  // Listens on 127.0.0.1 (a free port) and forwards each connection to 127.0.0.1:target_port.
  TcpProxy(int target_port, LinkShape shape);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  int connections() const { return accepted_.load(); }
  int cuts() const { return cuts_.load(); }

  struct Connection;  // tcp_proxy.cpp

 private:
  void accept_loop();
  void tick_loop();
  void cut(Connection& c);

  int target_port_, port_ = 0, listen_fd_ = -1, wake_[2] = {-1, -1};
  LinkShape shape_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0}, cuts_{0};
  std::mutex mutex_;
  std::vector<std::shared_ptr<Connection>> live_;
  std::thread acceptor_, ticker_;
};

}  // namespace khaosat::test
