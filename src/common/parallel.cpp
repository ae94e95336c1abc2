#include "common/parallel.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace fxq {
namespace {

int default_threads() {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

thread_local bool t_in_region = false;  // true inside a task: nested regions run serially

// One parallel region at a time (the engine runs one kernel at a time); guarded by region_mutex_.
class Pool {
 public:
  static Pool& instance() {
    static Pool pool;
    return pool;
  }
  int threads() const { return threads_; }
  void resize(int n) {
    std::lock_guard<std::mutex> region(region_mutex_);
    stop_workers();
    threads_ = n;
    start_workers();
  }
  void run(int64_t tasks, const std::function<void(int64_t)>& fn) {
    std::lock_guard<std::mutex> region(region_mutex_);
    {
      std::lock_guard<std::mutex> lk(mu_);
      fn_ = &fn;
      tasks_ = tasks;
      next_.store(0);
      pending_ = static_cast<int>(workers_.size());
      error_ = nullptr;
      ++generation_;
    }
    cv_.notify_all();
    work();
    std::unique_lock<std::mutex> lk(mu_);
    done_cv_.wait(lk, [&] { return pending_ == 0; });
    fn_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }
  ~Pool() { stop_workers(); }

 private:
  Pool() : threads_(default_threads()) { start_workers(); }

  void start_workers() {
    stop_ = false;
    for (int k = 1; k < threads_; ++k) workers_.emplace_back([this] { loop(); });
  }
  void stop_workers() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }
  // Claims tasks until none are left.
  void work() {
    t_in_region = true;
    for (int64_t t; (t = next_.fetch_add(1)) < tasks_;) {
      try {
        (*fn_)(t);
      } catch (...) {
        std::lock_guard<std::mutex> lk(mu_);
        if (!error_) error_ = std::current_exception();
        next_.store(tasks_);
      }
    }
    t_in_region = false;
  }
  void loop() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      work();
      std::lock_guard<std::mutex> lk(mu_);
      if (--pending_ == 0) done_cv_.notify_one();
    }
  }

  int threads_;
  std::vector<std::thread> workers_;
  std::mutex region_mutex_, mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int64_t)>* fn_ = nullptr;
  int64_t tasks_ = 0;
  std::atomic<int64_t> next_{0};
  int pending_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace

int num_threads() { return Pool::instance().threads(); }

void set_num_threads(int n) {
  if (n < 1) n = default_threads();
  if (n != Pool::instance().threads()) Pool::instance().resize(n);
}

void parallel_for(int64_t tasks, const std::function<void(int64_t task)>& fn) {
  if (tasks <= 0) return;
  if (tasks == 1 || t_in_region || num_threads() == 1) {
    for (int64_t t = 0; t < tasks; ++t) fn(t);
    return;
  }
  Pool::instance().run(tasks, fn);
}

}  // namespace fxq
