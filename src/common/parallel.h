// The engine's thread pool. Work is cut into tasks whose boundaries depend only on the problem
// (never on the thread count), and each task computes its outputs with the same arithmetic whoever
// runs it, so results are bit-identical at 1, 2 or N threads. The calling thread takes part; the
// workers sleep between parallel regions. Nested parallel_for calls run serially in the caller.
#pragma once
#include <cstdint>
#include <functional>

namespace fxq {

// Threads the engine uses (the caller plus workers). Default: the number of online CPUs.
int num_threads();
// Set before or between runs (not from inside a task); n < 1 means the default.
void set_num_threads(int n);

// Runs fn(t) for t in [0, tasks), spread over the pool. Exceptions thrown by fn are rethrown in the
// caller (the first one; the remaining tasks are skipped).
void parallel_for(int64_t tasks, const std::function<void(int64_t task)>& fn);

// The number of tasks for `n` items processed `grain` at a time (at least 1 when n > 0), and the
// item range of task t; a fixed cut for the same (n, grain), whatever the thread count.
inline int64_t task_count(int64_t n, int64_t grain) { return n <= 0 ? 0 : (n + grain - 1) / grain; }
inline void task_range(int64_t t, int64_t n, int64_t grain, int64_t& begin, int64_t& end) {
  begin = t * grain;
  end = begin + grain < n ? begin + grain : n;
}

// parallel_for over [0, n) in chunks of `grain` items: fn(begin, end).
inline void parallel_range(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  parallel_for(task_count(n, grain), [&](int64_t t) {
    int64_t b, e;
    task_range(t, n, grain, b, e);
    fn(b, e);
  });
}

}  // namespace fxq
