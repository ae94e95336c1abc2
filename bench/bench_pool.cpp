// Pooling micro-benchmark: the 2-D MaxPool kernel (max_pool_2d) on the pools of the shared models, and
// GlobalAveragePool (global_average_pool) on their global pools, batch 1. Per shape the fastest of
// `reps` runs on one seeded random input, twice: warm (the same input every run, so it is in cache as
// far as it fits) and cold (a 64 MiB buffer read between runs), with the bytes the kernel reads and
// writes per microsecond; for MaxPool also max_pool_2d_rows, the row-buffer path (warm).
//
// usage: fxq_bench_pool [--reps 200] [--threads 1] [--only TEXT]   (--only: the shapes whose name contains TEXT)
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench_args.h"
#include "common/parallel.h"
#include "ops/pool_kernels.h"

using namespace fxq;

namespace {

struct Case {
  const char* where;
  int64_t c, size, k, stride, pad;  // size: the input's height and width; pad on every side
  bool ceil_mode = false;
};

Window square_window(const Case& c) {
  Window w;
  w.in = {1, c.size, c.size};
  w.kernel = {1, c.k, c.k};
  w.strides = {1, c.stride, c.stride};
  w.dilations = {1, 1, 1};
  w.pad_begin = {0, c.pad, c.pad};
  w.pad_end = w.pad_begin;
  const int64_t span = c.size + 2 * c.pad - c.k;
  const int64_t out = (c.ceil_mode ? (span + c.stride - 1) / c.stride : span / c.stride) + 1;
  w.out = {1, out, out};
  return w;
}

// Runs f() `reps` times (best_us), cold: reading `flush` before each timed run (outside the timing).
template <class F>
double cold_us(int reps, std::vector<float>& flush, F&& f) {
  double best = 1e30;
  volatile float sink = 0;
  for (int r = 0; r < reps; ++r) {
    float s = 0;
    for (size_t k = 0; k < flush.size(); k += 16) s += flush[k];
    sink = sink + s;
    best = std::min(best, bench::best_us(1, f));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const int reps = std::stoi(bench::flag_value(args, "--reps", "200"));
  set_num_threads(std::stoi(bench::flag_value(args, "--threads", "1")));
  const std::string only = bench::flag_value(args, "--only", "");
  const std::vector<Case> pools = {
      {"squeezenet pool0", 64, 111, 3, 2, 0, true}, {"squeezenet pool1", 128, 55, 3, 2, 0, true},
      {"squeezenet pool2", 256, 27, 3, 2, 0, true}, {"yolox spp 5", 128, 13, 5, 1, 2},
      {"yolox spp 9", 128, 13, 9, 1, 4},            {"yolox spp 13", 128, 13, 13, 1, 6},
      {"nanodet stem pool", 24, 208, 3, 2, 1},
  };
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> flush(16 << 20, 1.0f);
  std::printf("%-20s %5s %5s %3s %3s %3s %10s %10s %10s %10s %10s\n", "MaxPool", "C", "HxW", "k", "s", "pad", "warm us",
              "GB/s", "cold us", "GB/s", "rows us");
  for (const Case& c : pools) {
    if (std::string(c.where).find(only) == std::string::npos) continue;
    const Window w = square_window(c);
    std::vector<float> x(c.c * c.size * c.size), y(c.c * w.out[1] * w.out[2]);
    for (float& v : x) v = u(rng);
    auto f = [&] { max_pool_2d(x.data(), c.c, w, y.data()); };
    const double bytes = 4.0 * (x.size() + y.size()), hot = bench::best_us(reps, f), cold = cold_us(reps / 4 + 1, flush, f);
    const double rows = bench::best_us(reps, [&] { max_pool_2d_rows(x.data(), c.c, w, y.data()); });
    std::printf("%-20s %5ld %5ld %3ld %3ld %3ld %10.1f %10.1f %10.1f %10.1f %10.1f\n", c.where, c.c, c.size, c.k,
                c.stride, c.pad, hot, bytes / hot / 1e3, cold, bytes / cold / 1e3, rows);
  }
  struct Global {
    const char* where;
    int64_t c, size;
  };
  const std::vector<Global> globals = {{"squeezenet gap", 1000, 13}, {"mobilenetv2 gap", 1280, 7}, {"resnet gap", 64, 8}};
  std::printf("%-20s %5s %5s %3s %3s %3s %10s %10s %10s %10s\n", "GlobalAveragePool", "C", "HxW", "", "", "", "warm us",
              "GB/s", "cold us", "GB/s");
  for (const Global& g : globals) {
    if (std::string(g.where).find(only) == std::string::npos) continue;
    std::vector<float> x(g.c * g.size * g.size), y(g.c);
    for (float& v : x) v = u(rng);
    auto f = [&] { global_average_pool(x.data(), g.c, g.size * g.size, y.data()); };
    const double bytes = 4.0 * (x.size() + y.size()), hot = bench::best_us(reps, f), cold = cold_us(reps / 4 + 1, flush, f);
    std::printf("%-20s %5ld %5ld %3s %3s %3s %10.1f %10.1f %10.1f %10.1f\n", g.where, g.c, g.size, "", "", "", hot,
                bytes / hot / 1e3, cold, bytes / cold / 1e3);
  }
}
