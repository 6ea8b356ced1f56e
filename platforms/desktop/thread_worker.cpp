// ThreadWorker (thread_worker.hpp).
#include "thread_worker.hpp"

namespace khaosat::desktop {

ThreadWorker::ThreadWorker() : thread_([this] { run(); }) {}

ThreadWorker::~ThreadWorker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    jobs_.clear();
  }
  cv_.notify_all();
  thread_.join();
}

void ThreadWorker::submit(Job job) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_all();
}

void ThreadWorker::poll() {
  std::deque<Done> ready;
  {
    std::lock_guard lock(mu_);
    ready.swap(done_);
  }
  for (auto& d : ready)
    if (d) d();
}

bool ThreadWorker::idle() {
  std::lock_guard lock(mu_);
  return jobs_.empty() && !busy_ && done_.empty();
}

void ThreadWorker::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
      if (stop_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
    }
    Done done = job();
    std::lock_guard lock(mu_);
    busy_ = false;
    done_.push_back(std::move(done));
  }
}

}  // namespace khaosat::desktop
