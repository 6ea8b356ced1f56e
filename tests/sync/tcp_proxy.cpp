// tcp_proxy.hpp. Each connection has two directions; each direction a reader thread (bytes in,
// stamped with the time they may leave) and a writer thread (waits for the delay, paces by the
// bandwidth, writes). A cut shuts both sockets down and drops what is queued.
#include "sync/tcp_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>

namespace khaosat::test {

using Clock = std::chrono::steady_clock;

namespace {

struct Chunk {
  std::string bytes;
  Clock::time_point leave_at;
  bool eof = false, cut = false;  // after these bytes: end this direction, or cut the connection
};

struct Direction {
  int from = -1, to = -1;
  bool upstream = true;
  std::optional<std::size_t> cut_after;
  std::size_t passed = 0;
  std::mutex m;
  std::condition_variable cv;
  std::deque<Chunk> queue;
};

}  // namespace

struct TcpProxy::Connection {
  TcpProxy* proxy = nullptr;
  int client = -1, server = -1;
  std::atomic<bool> dead{false};
  std::atomic<int> finished{0};
  Direction dirs[2];
  std::thread threads[4];

  void read_loop(Direction& d) {
    char buf[1400];
    for (;;) {
      pollfd p{d.from, POLLIN, 0};
      int r = ::poll(&p, 1, 50);
      if (dead) break;
      if (r <= 0) continue;
      ssize_t n = ::read(d.from, buf, sizeof buf);
      Chunk c;
      c.leave_at = Clock::now() + proxy->shape_.one_way_delay;
      if (n <= 0) {
        c.eof = true;
      } else {
        std::size_t take = static_cast<std::size_t>(n);
        if (d.cut_after && d.passed + take >= *d.cut_after) {
          take = *d.cut_after - d.passed;
          c.cut = true;
        }
        d.passed += take;
        c.bytes.assign(buf, take);
      }
      bool last = c.eof || c.cut;
      {
        std::lock_guard<std::mutex> lock(d.m);
        d.queue.push_back(std::move(c));
      }
      d.cv.notify_one();
      if (last) break;
    }
    finished++;
  }

  void write_loop(Direction& d) {
    Clock::time_point free_at = Clock::now();
    for (;;) {
      Chunk c;
      {
        std::unique_lock<std::mutex> lock(d.m);
        d.cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return !d.queue.empty() || dead; });
        if (dead) break;
        if (d.queue.empty()) continue;
        c = std::move(d.queue.front());
        d.queue.pop_front();
      }
      std::this_thread::sleep_until(c.leave_at);
      if (proxy->shape_.bits_per_second > 0 && !c.bytes.empty()) {
        free_at = std::max(free_at, Clock::now());
        std::this_thread::sleep_until(free_at);
        free_at += std::chrono::microseconds(static_cast<std::int64_t>(c.bytes.size()) * 8 * 1000000 /
                                             proxy->shape_.bits_per_second);
      }
      if (dead) break;
      std::size_t off = 0;
      while (off < c.bytes.size()) {
        ssize_t w = ::send(d.to, c.bytes.data() + off, c.bytes.size() - off, MSG_NOSIGNAL);
        if (w <= 0) break;
        off += static_cast<std::size_t>(w);
      }
      if (c.cut) {
        proxy->cut(*this);
        break;
      }
      if (c.eof) {
        ::shutdown(d.to, SHUT_WR);
        break;
      }
    }
    finished++;
  }
};

TcpProxy::TcpProxy(int target_port, LinkShape shape) : target_port_(target_port), shape_(std::move(shape)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0 || ::pipe(wake_) != 0)
    throw std::runtime_error("tcp proxy: cannot listen on 127.0.0.1");
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
  if (shape_.cut_every.count() > 0) ticker_ = std::thread([this] { tick_loop(); });
}

TcpProxy::~TcpProxy() {
  stopping_ = true;
  char x = 0;
  (void)!::write(wake_[1], &x, 1);
  acceptor_.join();
  if (ticker_.joinable()) ticker_.join();
  for (auto& c : live_) {
    cut(*c);
    for (auto& t : c->threads) t.join();
    ::close(c->client);
    ::close(c->server);
  }
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void TcpProxy::cut(Connection& c) {
  if (c.dead.exchange(true)) return;
  cuts_++;
  ::shutdown(c.client, SHUT_RDWR);
  ::shutdown(c.server, SHUT_RDWR);
  for (auto& d : c.dirs) d.cv.notify_all();
}

void TcpProxy::tick_loop() {
  auto next = Clock::now() + shape_.cut_every;
  while (!stopping_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (Clock::now() < next) continue;
    next += shape_.cut_every;
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& c : live_)
      if (!c->dead && c->finished < 4) cut(*c);
  }
}

void TcpProxy::accept_loop() {
  while (!stopping_) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(p, 2, 200) <= 0 || !(p[0].revents & POLLIN)) {
      // Reap connections whose four threads are done.
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = live_.begin(); it != live_.end();) {
        if ((*it)->finished == 4) {
          for (auto& t : (*it)->threads) t.join();
          ::close((*it)->client);
          ::close((*it)->server);
          it = live_.erase(it);
        } else {
          ++it;
        }
      }
      continue;
    }
    int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    int server = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(target_port_));
    if (::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(client);
      ::close(server);
      continue;
    }
    auto c = std::make_shared<Connection>();
    c->proxy = this;
    c->client = client;
    c->server = server;
    int n = ++accepted_;
    c->dirs[0].from = client, c->dirs[0].to = server, c->dirs[0].upstream = true;
    c->dirs[1].from = server, c->dirs[1].to = client, c->dirs[1].upstream = false;
    for (const auto& cut : shape_.cuts)
      if (cut.connection == n) c->dirs[cut.upstream ? 0 : 1].cut_after = cut.after_bytes;
    Connection* raw = c.get();
    c->threads[0] = std::thread([raw] { raw->read_loop(raw->dirs[0]); });
    c->threads[1] = std::thread([raw] { raw->write_loop(raw->dirs[0]); });
    c->threads[2] = std::thread([raw] { raw->read_loop(raw->dirs[1]); });
    c->threads[3] = std::thread([raw] { raw->write_loop(raw->dirs[1]); });
    std::lock_guard<std::mutex> lock(mutex_);
    live_.push_back(std::move(c));
  }
}

}  // namespace khaosat::test
