#include "common/parallel.h"

#include <unistd.h>

#include <immintrin.h>

#include <atomic>
#include <chrono>
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

// How long a thread spins (polling an atomic) before it sleeps on a condition variable: a worker after
// a region, waiting for the next one; the caller at the end of a region, waiting for the last task.
// A model run is a chain of short regions (tens of microseconds each on small convs), and waking a
// sleeping thread costs about as much, so without spinning the second thread hardly helps. ONNX
// Runtime's pool spins the same way. Spinning stops after this long, so an idle engine costs nothing.
constexpr auto kSpin = std::chrono::microseconds(200);

// Polls `ready` until it returns true or kSpin has passed; returns its last value.
template <class Ready>
bool spin_until(Ready ready) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
      _mm_pause();
    }
    if (std::chrono::steady_clock::now() > deadline) return ready();
  }
}

// One parallel region at a time (the engine runs one kernel at a time; region_mutex_ serializes
// callers). A region's state lives in a shared Region, so a worker that wakes up late -- after the
// caller already ran every task itself -- finds no task left and touches nothing else: the caller
// waits for the tasks, never for the workers to wake up (which matters when another process keeps
// the other cores busy).
struct Region {
  const std::function<void(int64_t)>* fn = nullptr;
  int64_t tasks = 0;
  std::atomic<int64_t> next{0}, done{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::exception_ptr error;
};

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
    auto r = std::make_shared<Region>();
    r->fn = &fn;
    r->tasks = tasks;
    {
      std::lock_guard<std::mutex> lk(mu_);
      current_ = r;
      ++generation_;
      published_.store(generation_, std::memory_order_release);
    }
    cv_.notify_all();
    work(*r);
    spin_until([&] { return r->done.load(std::memory_order_acquire) == r->tasks; });
    {
      std::unique_lock<std::mutex> lk(mu_);
      done_cv_.wait(lk, [&] { return r->done.load() == r->tasks; });
      current_.reset();
    }
    if (r->error) std::rethrow_exception(r->error);
  }
  ~Pool() { stop_workers(); }

 private:
  Pool() : threads_(default_threads()) { start_workers(); }

  void start_workers() {
    stop_ = false;
    stop_flag_ = false;
    for (int k = 1; k < threads_; ++k) workers_.emplace_back([this] { loop(); });
  }
  void stop_workers() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
      stop_flag_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }
  // Claims tasks of region r until none are left; after the first failure the rest are skipped
  // (but still counted as done).
  void work(Region& r) {
    t_in_region = true;
    for (int64_t t; (t = r.next.fetch_add(1)) < r.tasks;) {
      if (!r.failed.load()) {
        try {
          (*r.fn)(t);
        } catch (...) {
          std::lock_guard<std::mutex> lk(r.error_mutex);
          if (!r.error) r.error = std::current_exception();
          r.failed = true;
        }
      }
      if (r.done.fetch_add(1) + 1 == r.tasks) {
        std::lock_guard<std::mutex> lk(mu_);
        done_cv_.notify_all();
      }
    }
    t_in_region = false;
  }
  void loop() {
    uint64_t seen = 0;
    for (;;) {
      std::shared_ptr<Region> r;
      spin_until([&] { return stop_flag_.load(std::memory_order_acquire) ||
                              published_.load(std::memory_order_acquire) != seen; });
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        r = current_;
      }
      if (r) work(*r);
    }
  }

  int threads_;
  std::vector<std::thread> workers_;
  std::mutex region_mutex_, mu_;
  std::condition_variable cv_, done_cv_;
  std::shared_ptr<Region> current_;
  uint64_t generation_ = 0;
  bool stop_ = false;
  std::atomic<uint64_t> published_{0};  // generation_, readable without the lock (for spinning)
  std::atomic<bool> stop_flag_{false};
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
