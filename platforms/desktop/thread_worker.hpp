// ThreadWorker: the desktop's ui::Worker (services.hpp), one std::thread running jobs in order;
// completions wait in a queue until the UI thread's poll(). The destructor lets the running
// job finish (StoreSync cancels its client first), drops queued jobs and unpolled completions.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "khaosat/ui/services.hpp"

namespace khaosat::desktop {

class ThreadWorker final : public ui::Worker {
 public:
  ThreadWorker();
  ~ThreadWorker() override;
  ThreadWorker(const ThreadWorker&) = delete;
  ThreadWorker& operator=(const ThreadWorker&) = delete;

  void submit(Job job) override;
  void poll() override;
  // True when no job is queued or running and no completion waits (tests wait on this).
  bool idle();

 private:
  void run();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::deque<Done> done_;
  bool busy_ = false, stop_ = false;
  std::thread thread_;
};

}  // namespace khaosat::desktop
