// Calibration observers: hand values, streaming = one-shot, percentiles against sorting, bounded
// memory, the degenerate-statistics policy, the method table, and the collector fed by the executor.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "common/error.h"
#include "engine/executor.h"
#include "quant/observers/observer.h"
#include "quant/observers/stats_collector.h"

using namespace fxq;
using namespace fxq::quant;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

TensorStats run(Observer& o, const std::vector<float>& v, size_t chunks = 1) {
  const size_t step = (v.size() + chunks - 1) / std::max<size_t>(chunks, 1);
  for (size_t at = 0; at < v.size(); at += step) o.observe(v.data() + at, std::min(step, v.size() - at));
  return o.finish();
}

TensorStats run(const std::string& method, const std::vector<float>& v, size_t chunks = 1) {
  auto o = make_observer(method);
  return run(*o, v, chunks);
}

// Nearest-rank percentile of |x| (the k-th smallest, k = ceil(p/100 n)), by sorting.
double exact_percentile(std::vector<float> v, double p) {
  for (auto& x : v) x = std::fabs(x);
  std::sort(v.begin(), v.end());
  const auto k = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size()) - 1e-9));
  return v[std::max<size_t>(k, 1) - 1];
}

void require_all_finite(const TensorStats& s) {
  for (double d : {s.min, s.max, s.range_max_abs}) REQUIRE(std::isfinite(d));
  for (double d : s.histogram) REQUIRE(std::isfinite(d));
  for (double d : s.bin_edges) REQUIRE(std::isfinite(d));
}

std::vector<float> gaussian(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

}  // namespace

TEST_CASE("minmax on hand values with NaN and Inf", "[quant]") {
  auto s = run("minmax", {0.5f, -3.25f, kNaN, 2.0f, kInf, -kInf, 1.0f, kNaN});
  REQUIRE(s.method == "minmax");
  REQUIRE(s.count == 8);
  REQUIRE(s.nan_count == 2);
  REQUIRE(s.inf_count == 2);
  REQUIRE(s.min == -3.25);
  REQUIRE(s.max == 2.0);
  REQUIRE(s.range_max_abs == 3.25);
  REQUIRE_FALSE(s.all_zero);
  REQUIRE_FALSE(s.constant);
  REQUIRE(s.histogram.empty());
  REQUIRE(s.note.find("2 NaN and 2 Inf values excluded") != std::string::npos);
  require_all_finite(s);
}

TEST_CASE("FiniteRange: adding an array equals adding its values one by one", "[quant]") {
  // The array form (a vectorized loop) against the scalar one, on arrays with NaN, +-Inf, -0, all
  // non-finite, empty, and in chunks after scalar adds.
  std::mt19937 rng(17);
  std::uniform_real_distribution<float> u(-3.0f, 3.0f);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (int t = 0; t < 200; ++t) {
    std::vector<float> v(static_cast<size_t>(rng() % 70));
    for (float& x : v) {
      const unsigned r = rng() % 10;
      x = r == 0 ? nan : r == 1 ? inf : r == 2 ? -inf : r == 3 ? -0.0f : r == 4 && t % 7 == 0 ? nan : u(rng);
    }
    if (t % 13 == 0) std::fill(v.begin(), v.end(), -0.0f);
    if (t % 17 == 0) std::fill(v.begin(), v.end(), nan);
    quant::FiniteRange one, arr;
    const size_t split = v.empty() ? 0 : rng() % v.size();
    for (size_t k = 0; k < split; ++k) arr.add(v[k]);  // some scalar adds first, then the rest at once
    arr.add(v.data() + split, v.size() - split);
    for (float x : v) one.add(x);
    quant::TensorStats a, b;
    one.fill(a, "m");
    arr.fill(b, "m");
    INFO("case " << t << " size " << v.size());
    CHECK(a.count == b.count);
    CHECK(a.nan_count == b.nan_count);
    CHECK(a.inf_count == b.inf_count);
    CHECK(a.min == b.min);
    CHECK(a.max == b.max);
    CHECK(std::signbit(a.min) == std::signbit(b.min));
    CHECK(a.note == b.note);
  }
}

TEST_CASE("streaming equals one-shot for every method", "[quant]") {
  auto v = gaussian(100000, 7);
  v[123] = 40.0f;  // a late outlier forces the histogram to grow after many values
  v[99999] = -1e-3f;
  for (const auto& m : observer_methods()) {
    INFO(m.name);
    auto one = run(m.name, v, 1);
    for (size_t chunks : {100, 997}) {
      INFO("chunks " << chunks);
      auto many = run(m.name, v, chunks);
      REQUIRE(many.min == one.min);
      REQUIRE(many.max == one.max);
      REQUIRE(many.count == one.count);
      const double width = one.bin_edges.size() > 1 ? one.bin_edges[1] : 0.0;
      REQUIRE(std::fabs(many.range_max_abs - one.range_max_abs) <= width);
      // power-of-two ranges make the histogram exactly independent of batch boundaries
      REQUIRE(many.histogram == one.histogram);
      REQUIRE(many.bin_edges == one.bin_edges);
    }
  }
  // and of order: sorted ascending (range grows step by step) equals the shuffled stream
  auto sorted = v;
  std::sort(sorted.begin(), sorted.end(), [](float a, float b) { return std::fabs(a) < std::fabs(b); });
  REQUIRE(run("histogram", sorted, 50).histogram == run("histogram", v).histogram);
}

TEST_CASE("histogram percentiles are within a bin width of sorting", "[quant]") {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> uni(0.0f, 1.0f);
  std::vector<float> uniform(200000);
  for (auto& x : uniform) x = uni(rng);
  const std::vector<std::pair<const char*, std::vector<float>>> cases = {
      {"uniform 0..1", uniform}, {"gaussian seed 3", gaussian(300000, 3)}};
  for (const auto& [name, v] : cases) {
    for (double p : {99.9, 99.99, 50.0, 100.0}) {
      INFO(name << " p" << p);
      auto o = make_histogram_observer(2048, p);
      auto s = run(*o, v, 37);
      const double width = s.bin_edges.at(1) - s.bin_edges.at(0);
      const double exact = exact_percentile(v, p);
      INFO("histogram " << s.range_max_abs << " exact " << exact << " width " << width);
      REQUIRE(std::fabs(s.range_max_abs - exact) <= width);
      REQUIRE(s.range_max_abs <= std::max(std::fabs(s.min), std::fabs(s.max)));
    }
    auto s = run("histogram", v);  // the table's default: p99.99, both percentiles in the note
    REQUIRE(std::fabs(s.range_max_abs - exact_percentile(v, 99.99)) <= s.bin_edges[1]);
    REQUIRE(s.note.find("p99.9 |x| = ") != std::string::npos);
    REQUIRE(s.note.find("p99.99 |x| = ") != std::string::npos);
    REQUIRE(s.histogram.size() == 2048);
    REQUIRE(s.bin_edges.size() == 2049);
    double total = 0;
    for (double c : s.histogram) total += c;
    REQUIRE(total == static_cast<double>(v.size()));
  }
}

TEST_CASE("observer memory does not grow with the number of values", "[quant]") {
  for (const auto& m : observer_methods()) {
    INFO(m.name);
    auto o = m.make();
    auto v = gaussian(1000, 5);
    o->observe(v.data(), v.size());
    const size_t after_1e3 = o->memory_bytes();
    std::vector<float> big(1000000);
    for (int round = 0; round < 10; ++round) {  // 1e7 values, with a growing range
      for (size_t k = 0; k < big.size(); ++k) big[k] = v[k % v.size()] * static_cast<float>(1 << (2 * round));
      o->observe(big.data(), big.size());
    }
    REQUIRE(o->memory_bytes() == after_1e3);
    REQUIRE(o->finish().count == 1000 + 10000000);
  }
}

TEST_CASE("degenerate statistics follow the policy for every method", "[quant]") {
  for (const auto& m : observer_methods()) {
    INFO(m.name);
    SECTION("all zero") {
      auto s = run(m.name, std::vector<float>(1000, 0.0f), 10);
      REQUIRE(s.all_zero);
      REQUIRE(s.constant);
      REQUIRE(s.min == 0.0);
      REQUIRE(s.max == 0.0);
      REQUIRE_FALSE(std::signbit(s.min));
      REQUIRE(s.range_max_abs == 0.0);
      REQUIRE(s.note.find("all values zero") != std::string::npos);
      require_all_finite(s);
    }
    SECTION("negative zeros") {
      auto s = run(m.name, {-0.0f, 0.0f, -0.0f});
      REQUIRE(s.all_zero);
      REQUIRE_FALSE(std::signbit(s.min));
    }
    SECTION("constant") {
      auto s = run(m.name, std::vector<float>(1000, -0.75f), 10);
      REQUIRE(s.constant);
      REQUIRE_FALSE(s.all_zero);
      REQUIRE(s.min == -0.75);
      REQUIRE(s.max == -0.75);
      REQUIRE(s.range_max_abs == 0.75);
      REQUIRE(s.note.find("constant value -0.75") != std::string::npos);
      require_all_finite(s);
    }
    SECTION("all NaN and Inf") {
      auto s = run(m.name, {kNaN, kNaN, kInf, -kInf, kNaN});
      REQUIRE(s.count == 5);
      REQUIRE(s.nan_count == 3);
      REQUIRE(s.inf_count == 2);
      REQUIRE_FALSE(s.all_zero);
      REQUIRE_FALSE(s.constant);
      REQUIRE(s.min == 0.0);
      REQUIRE(s.max == 0.0);
      REQUIRE(s.range_max_abs == 0.0);
      REQUIRE(s.histogram.empty());
      REQUIRE(s.note.find("no finite values") != std::string::npos);
      REQUIRE(s.note.find("3 NaN and 2 Inf values excluded") != std::string::npos);
      require_all_finite(s);
    }
    SECTION("nothing observed") {
      auto s = m.make()->finish();
      REQUIRE(s.count == 0);
      REQUIRE(s.range_max_abs == 0.0);
      REQUIRE(s.note.find("no values observed") != std::string::npos);
    }
    SECTION("extreme finite values") {
      const float big = std::numeric_limits<float>::max(), tiny = std::numeric_limits<float>::denorm_min();
      auto s = run(m.name, {tiny, -big, big, tiny, 1.0f}, 5);
      REQUIRE(s.min == -static_cast<double>(big));
      REQUIRE(s.range_max_abs <= static_cast<double>(big));
      REQUIRE(s.range_max_abs > 0.0);
      require_all_finite(s);
    }
  }
}

TEST_CASE("every observer method in the table runs on the same data", "[quant]") {
  REQUIRE(observer_methods().size() >= 2);
  auto v = gaussian(50000, 9);
  const double max_abs = std::fabs(*std::max_element(v.begin(), v.end(), [](float a, float b) {
    return std::fabs(a) < std::fabs(b);
  }));
  std::vector<std::string> names;
  for (const auto& m : observer_methods()) {
    INFO(m.name);
    REQUIRE(std::string(m.help).size() > 10);
    REQUIRE(std::find(names.begin(), names.end(), m.name) == names.end());
    names.push_back(m.name);
    REQUIRE(observer_names().find(m.name) != std::string::npos);
    auto s = run(*make_observer(m.name), v, 3);
    REQUIRE(s.method == m.name);
    REQUIRE(s.count == 50000);
    REQUIRE(s.range_max_abs > 0.0);
    REQUIRE(s.range_max_abs <= max_abs);
    REQUIRE(s.min == *std::min_element(v.begin(), v.end()));
    REQUIRE(s.max == *std::max_element(v.begin(), v.end()));
    REQUIRE(s.histogram.size() + (s.histogram.empty() ? 0 : 1) == s.bin_edges.size());
    require_all_finite(s);
  }
}

TEST_CASE("an unknown observer name is a usage error listing the known ones", "[quant]") {
  try {
    make_observer("kl");
    FAIL("no error");
  } catch (const Error& e) {
    REQUIRE(e.code() == ExitCode::kUsage);
    REQUIRE(std::string(e.what()) == "unknown observer 'kl' (known: " + observer_names() + ")");
    REQUIRE(std::string(e.what()).find("minmax, histogram") != std::string::npos);
  }
  REQUIRE_THROWS_AS(StatsCollector("bogus", {"x"}), Error);
  REQUIRE_THROWS_AS(StatsCollector("bogus", {}), Error);
}

TEST_CASE("the stats collector tracks chosen float values through the executor", "[quant]") {
  Graph g;
  g.opset = 13;
  g.inputs.push_back({"x", DType::kFloat32, true, {1, 4}, {}});
  g.outputs.push_back({"y", DType::kFloat32, true, {1, 4}, {}});
  Node relu;
  relu.name = "relu";
  relu.op_type = "Relu";
  relu.inputs = {"x"};
  relu.outputs = {"r"};
  Node neg;
  neg.name = "neg";
  neg.op_type = "Neg";
  neg.inputs = {"r"};
  neg.outputs = {"y"};
  g.nodes = {relu, neg};
  Executor exec(g);

  StatsCollector col("minmax", {"x", "r", "y", "never"});
  const size_t memory = col.memory_bytes();
  ExecHooks hooks = col.hooks();
  for (int image = 0; image < 50; ++image) {
    const float a = static_cast<float>(image);
    Tensor x = Tensor::from_floats({1, 4}, {-a, a / 2, kNaN, 1.0f});
    col.on_value("x", x);  // graph inputs are fed by the caller
    exec.run({{"x", x}}, &hooks);
  }
  col.on_value("r", Tensor::from_ints({2}, {1000, -1000}));  // not float: ignored
  col.on_value("untracked", Tensor::from_floats({1}, {1e6f}));  // not tracked: ignored
  REQUIRE(col.memory_bytes() == memory);

  auto stats = col.finish();
  REQUIRE(stats.size() == 4);
  REQUIRE(stats["x"].count == 200);
  REQUIRE(stats["x"].nan_count == 50);
  REQUIRE(stats["x"].min == -49.0);
  REQUIRE(stats["x"].max == 24.5);
  REQUIRE(stats["r"].min == 0.0);
  REQUIRE(stats["r"].max == 24.5);
  REQUIRE(stats["y"].min == -24.5);
  REQUIRE(stats["y"].range_max_abs == 24.5);
  REQUIRE(stats["never"].count == 0);
  REQUIRE(stats["never"].note.find("no values observed") != std::string::npos);
}
