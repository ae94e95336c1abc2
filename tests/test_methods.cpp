// The weight methods (quant/methods/) on hand-made layers: the objective of eq. M1 against the layer's
// output computed directly, AdaRound's rounding against nearest on that objective, bias correction
// zeroing the mean output error, and the table itself.
#include <catch2/catch.hpp>
#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "engine/executor.h"
#include "engine/prepare.h"
#include "fixedpoint/integer_ops.h"
#include "fixedpoint/qformat.h"
#include "quant/layer_gram.h"
#include "quant/methods/method.h"
#include "quant/search.h"
#include "quant/simulate.h"
#include "test_support.h"

using namespace fxq;
using namespace fxq::quant;
using fxq::test::ModelBuilder;

namespace {

// A 3x3 Conv, 4 -> 6 channels, pads 1, stride 1, on 6x6 images, with random weights and bias.
struct ConvLayer {
  Graph graph;
  std::vector<Tensor> xf, xq;  // float inputs and "upstream-quantized" ones (float plus an error)
  const Node& node() const { return graph.nodes[0]; }
  const Tensor& weight() const { return *graph.initializer("w"); }
};

// upstream error: random (noise) plus a bias, or systematic (a deterministic distortion of x, as a
// coarse upstream grid makes).
ConvLayer make_conv(unsigned seed, int64_t group = 1, int images = 12, bool systematic = false) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  ModelBuilder b;
  b.input("x", {1, 4, 6, 6});
  std::vector<float> w(static_cast<size_t>(6 * (4 / group) * 9)), bias(6);
  for (auto& v : w) v = 0.3f * gauss(rng);
  for (auto& v : bias) v = 0.1f * gauss(rng);
  b.init("w", {6, 4 / group, 3, 3}, w);
  b.init("b", {6}, bias);
  auto* c = b.node("Conv", {"x", "w", "b"}, {"y"}, "conv");
  ModelBuilder::attr(c, "pads", std::vector<int64_t>{1, 1, 1, 1});
  ModelBuilder::attr(c, "group", group);
  b.output("y", {1, 6, 6, 6});
  ConvLayer l;
  l.graph = prepare_model(b.save(test::temp_dir("methods") + "/conv.onnx")).graph;
  for (int i = 0; i < images; ++i) {
    Tensor x = Tensor::zeros({1, 4, 6, 6}), e = x;
    for (auto& v : x.f) v = std::max(0.0f, gauss(rng));           // post-ReLU-like inputs: a nonzero mean
    for (size_t k = 0; k < x.f.size(); ++k)
      e.f[k] = systematic ? std::round(x.f[k] * 4.0f) / 4.0f : x.f[k] + 0.05f * gauss(rng) + 0.02f;
    l.xf.push_back(x);
    l.xq.push_back(e);
  }
  return l;
}

std::vector<const Tensor*> ptrs(const std::vector<Tensor>& v) {
  std::vector<const Tensor*> p;
  for (const auto& t : v) p.push_back(&t);
  return p;
}

// The conv output (no bias) computed directly from the definition, on every output position.
Tensor conv_direct(const Tensor& x, const Tensor& w, int64_t group) {
  const int64_t cout = w.dim(0), cg = w.dim(1), rows_per_group = cout / group;
  Tensor y = Tensor::zeros({1, cout, 6, 6});
  for (int64_t o = 0; o < cout; ++o)
    for (int64_t i = 0; i < 6; ++i)
      for (int64_t j = 0; j < 6; ++j) {
        double s = 0;
        for (int64_t c = 0; c < cg; ++c)
          for (int64_t ky = 0; ky < 3; ++ky)
            for (int64_t kx = 0; kx < 3; ++kx) {
              const int64_t ii = i + ky - 1, jj = j + kx - 1;
              if (ii < 0 || ii >= 6 || jj < 0 || jj >= 6) continue;
              const int64_t ci = (o / rows_per_group) * cg + c;
              s += static_cast<double>(x.f[(ci * 6 + ii) * 6 + jj]) * w.f[((o * cg + c) * 3 + ky) * 3 + kx];
            }
        y.f[(o * 6 + i) * 6 + j] = static_cast<float>(s);
      }
  return y;
}

// M1 computed from the definition: sum over images and positions of (x~ . w_q - x . w)^2 minus the
// same with w_q = w, per output element.
double direct_increment(const ConvLayer& l, const Tensor& wq, int64_t group) {
  double with_q = 0, with_w = 0, n = 0;
  for (size_t i = 0; i < l.xf.size(); ++i) {
    const Tensor ref = conv_direct(l.xf[i], l.weight(), group);
    const Tensor yq = conv_direct(l.xq[i], wq, group), yw = conv_direct(l.xq[i], l.weight(), group);
    for (size_t k = 0; k < ref.f.size(); ++k) {
      with_q += (static_cast<double>(yq.f[k]) - ref.f[k]) * (static_cast<double>(yq.f[k]) - ref.f[k]);
      with_w += (static_cast<double>(yw.f[k]) - ref.f[k]) * (static_cast<double>(yw.f[k]) - ref.f[k]);
      ++n;
    }
  }
  return (with_q - with_w) / n;
}

}  // namespace

TEST_CASE("the method table: every entry parses, has a help text, and the list is validated", "[methods]") {
  for (const auto& m : quant_methods()) {
    INFO(m.name);
    REQUIRE(std::string(m.help).size() > 20);
    const auto parsed = parse_methods({m.name});
    REQUIRE(parsed.front()->kind == MethodKind::kRounding);  // a rounding method always comes first
    REQUIRE(std::find(parsed.begin(), parsed.end(), &m) != parsed.end());
    REQUIRE(method_names().find(m.name) != std::string::npos);
  }
  REQUIRE(parse_methods({"bias-correction", "adaround"}).front()->name == std::string("adaround"));
  REQUIRE(parse_methods({"bias-correction"}).front()->name == std::string("nearest"));
  REQUIRE_THROWS_AS(parse_methods({"magic"}), Error);
  REQUIRE_THROWS_AS(parse_methods({"nearest", "adaround"}), Error);
  REQUIRE_THROWS_AS(parse_methods({}), Error);
  try {
    parse_methods({"magic"});
  } catch (const Error& e) {
    REQUIRE(e.code() == ExitCode::kUsage);
    REQUIRE(std::string(e.what()).find("magic") != std::string::npos);
  }
}

TEST_CASE("the layer objective equals the output error computed from the definition (eq. M1)", "[methods]") {
  for (int64_t group : {1, 2}) {
    DYNAMIC_SECTION("group " << group) {
      const ConvLayer l = make_conv(11 + static_cast<unsigned>(group), group);
      // every position of every image sampled: 12 images x 36 positions
      const LayerGram gram = layer_gram(l.graph, l.node(), l.weight(), ptrs(l.xq), ptrs(l.xf), 12 * 36);
      REQUIRE(gram.groups.size() == static_cast<size_t>(group));
      REQUIRE(gram.groups[0].n == 12 * 36);
      const LayerObjective objective(gram, l.weight(), false);
      const WeightRows rows = weight_rows(l.node(), l.weight());
      for (int bits : {3, 5, 8}) {
        const Tensor wq = round_nearest(l.weight(), rows, bits, std::vector<int>(6, bits));
        const double direct = direct_increment(l, wq, group);
        INFO("bits " << bits << ": objective " << objective.increment(wq) << ", direct " << direct);
        REQUIRE(objective.increment(wq) == Approx(direct).epsilon(1e-6).margin(1e-12));
      }
    }
  }
}

TEST_CASE("adaround's descent lowers its objective below nearest rounding, on the grid, within floor/ceil", "[methods]") {
  const ConvLayer l = make_conv(5);
  const LayerGram gram = layer_gram(l.graph, l.node(), l.weight(), ptrs(l.xq), ptrs(l.xf), 12 * 36);
  const WeightRows rows = weight_rows(l.node(), l.weight());
  double max_w = 0;
  for (float v : l.weight().f) max_w = std::max(max_w, static_cast<double>(std::abs(v)));
  for (int bits : {2, 3, 4, 6}) {
    for (bool centred : {false, true}) {
      const fixedpoint::QFormat f{bits, fixedpoint::choose_frac_for_range(max_w, bits, true), true};
      const Tensor nearest = round_nearest(l.weight(), rows, bits, std::vector<int>(6, f.frac));
      Tensor wq = nearest;
      const LayerObjective objective(gram, l.weight(), centred);
      const int64_t moved = objective.refine(wq, std::vector<double>(6, f.step()), f.qmin(), f.qmax());
      INFO("bits " << bits << (centred ? " centred" : "") << ": nearest " << objective.increment(nearest) << ", descent "
                   << objective.increment(wq) << " after " << moved << " moves");
      REQUIRE(moved > 0);
      REQUIRE(objective.increment(wq) < objective.increment(nearest));
      if (!centred) REQUIRE(direct_increment(l, wq, 1) < direct_increment(l, nearest, 1));  // from the definition
      for (size_t k = 0; k < wq.f.size(); ++k) {
        REQUIRE(fixedpoint::fake_quantize(wq.f[k], f) == wq.f[k]);  // on the grid
        const double w = l.weight().f[k];
        const double lo = std::max(std::floor(w / f.step()), static_cast<double>(f.qmin())) * f.step();
        const double hi = std::min(std::floor(w / f.step()) + 1, static_cast<double>(f.qmax())) * f.step();
        REQUIRE((wq.f[k] == static_cast<float>(lo) || wq.f[k] == static_cast<float>(hi)));
      }
    }
  }
}

TEST_CASE("adaround keeps its rounding when it holds on held-out images (systematic upstream error)", "[methods]") {
  const ConvLayer l = make_conv(5, 1, 48, true);
  const LayerGram gram = layer_gram(l.graph, l.node(), l.weight(), ptrs(l.xq), ptrs(l.xf), 48 * 36);
  double max_w = 0;
  for (float v : l.weight().f) max_w = std::max(max_w, static_cast<double>(std::abs(v)));
  for (int bits : {3, 4}) {
    LayerProblem p(l.node(), l.weight(), nullptr);
    p.rows = weight_rows(l.node(), l.weight());
    p.bits = bits;
    p.row_frac = std::vector<int>(6, fixedpoint::choose_frac_for_range(max_w, bits, true));
    p.gram = [&]() -> const LayerGram& { return gram; };
    apply_nearest(p);
    const Tensor nearest = p.wq;
    apply_adaround(p);
    INFO("bits " << bits << ": " << p.note);
    REQUIRE(p.note.find("nearest kept") == std::string::npos);
    REQUIRE(std::isfinite(p.heldout_increment));
    const LayerObjective objective(gram, l.weight(), false);
    REQUIRE(objective.increment(p.wq) < objective.increment(nearest));
  }
}

TEST_CASE("adaround keeps nearest rounding when its fit does not hold on held-out images", "[methods]") {
  // A Gemm with 96 inputs per output seen on 6 images (one sample each): 96 free up/down choices
  // fitted on 3 samples fit those samples, not the layer.
  std::mt19937 rng(9);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  ModelBuilder b;
  b.input("x", {1, 96});
  std::vector<float> w(4 * 96);
  for (auto& v : w) v = 0.2f * gauss(rng);
  b.init("w", {4, 96}, w);
  auto* gemm = b.node("Gemm", {"x", "w"}, {"y"}, "fc");
  ModelBuilder::attr(gemm, "transB", int64_t{1});
  b.output("y", {1, 4});
  const Graph g = prepare_model(b.save(test::temp_dir("methods") + "/fc.onnx")).graph;
  std::vector<Tensor> xf, xq;
  for (int i = 0; i < 6; ++i) {
    Tensor x = Tensor::zeros({1, 96}), e = x;
    for (size_t k = 0; k < x.f.size(); ++k) x.f[k] = gauss(rng), e.f[k] = x.f[k] + 0.1f * gauss(rng);
    xf.push_back(x);
    xq.push_back(e);
  }
  const Tensor& wt = *g.initializer("w");
  const LayerGram gram = layer_gram(g, g.nodes[0], wt, ptrs(xq), ptrs(xf), 1024);
  REQUIRE(gram.groups[0].n == 6);
  REQUIRE(gram.halves[0][0].n == 3);
  LayerProblem p(g.nodes[0], wt, nullptr);
  p.rows = weight_rows(g.nodes[0], wt);
  REQUIRE(p.rows.rows == 4);
  REQUIRE(p.rows.k == 96);
  p.bits = 3;
  p.row_frac = std::vector<int>(4, 3);
  p.gram = [&]() -> const LayerGram& { return gram; };
  apply_nearest(p);
  const Tensor nearest = p.wq;
  apply_adaround(p);
  INFO(p.note);
  REQUIRE(p.note.find("nearest kept") != std::string::npos);
  REQUIRE(p.wq.f == nearest.f);
  REQUIRE(std::isfinite(p.heldout_increment));
}

namespace {

// A Gemm y = x w' with one output and the given weights, seen on `images` samples: the quantized
// path's inputs are `attenuate` times the float ones.
struct GemmLayer {
  Graph graph;
  std::vector<Tensor> xf, xq;
  const Node& node() const { return graph.nodes[0]; }
  const Tensor& weight() const { return *graph.initializer("w"); }
};

GemmLayer make_gemm(const std::vector<float>& w, int images, bool same_inputs, float attenuate) {
  std::mt19937 rng(3);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  const int64_t k = static_cast<int64_t>(w.size());
  ModelBuilder b;
  b.input("x", {1, k});
  b.init("w", {1, k}, w);
  auto* gemm = b.node("Gemm", {"x", "w"}, {"y"}, "fc");
  ModelBuilder::attr(gemm, "transB", int64_t{1});
  b.output("y", {1, 1});
  GemmLayer l;
  l.graph = prepare_model(b.save(test::temp_dir("methods") + "/gemm" + std::to_string(k) + ".onnx")).graph;
  for (int i = 0; i < images; ++i) {
    Tensor x = Tensor::zeros({1, k}), e = x;
    for (int64_t j = 0; j < k; ++j) x.f[j] = same_inputs && j > 0 ? x.f[0] : gauss(rng);
    for (int64_t j = 0; j < k; ++j) e.f[j] = attenuate * x.f[j];
    l.xf.push_back(x);
    l.xq.push_back(e);
  }
  return l;
}

LayerProblem gemm_problem(const GemmLayer& l, const LayerGram& gram, int bits, int frac) {
  LayerProblem p(l.node(), l.weight(), nullptr);
  p.rows = weight_rows(l.node(), l.weight());
  p.bits = bits;
  p.row_frac = std::vector<int>(1, frac);
  p.gram = [&gram]() -> const LayerGram& { return gram; };
  return p;
}

}  // namespace

TEST_CASE("gptq, hand-computed: two copies of one input share the rounding error instead of both rounding up", "[methods]") {
  // y = 0.3 x1 + 0.3 x2 with x1 == x2 (exact inputs), step 0.5: nearest gives 0.5 + 0.5 (output 1.0 x
  // for 0.6 x); gptq rounds w1 up to 0.5, moves its error -0.2 onto w2 (0.3 - 0.2 / 1.01 = 0.102, the
  // 1 % damping), which rounds to 0: output 0.5 x, the best the grid allows.
  const GemmLayer l = make_gemm({0.3f, 0.3f}, 40, true, 1.0f);
  const LayerGram gram = layer_gram(l.graph, l.node(), l.weight(), ptrs(l.xq), ptrs(l.xf), 1024);
  LayerProblem p = gemm_problem(l, gram, 4, 1);
  apply_nearest(p);
  REQUIRE(p.wq.f == std::vector<float>{0.5f, 0.5f});
  apply_gptq(p);
  INFO(p.note);
  REQUIRE(p.wq.f == std::vector<float>{0.5f, 0.0f});
}

TEST_CASE("gptq, hand-computed: a weight moves several grid steps to undo a systematic upstream error", "[methods]") {
  // The quantized path sees x/2: the best weight on it is 2 w = 1.2 (1.194 with the 1 % damping),
  // 4.8 steps of 0.25, so gptq gives 1.25; adaround is limited to floor/ceil of w: 0.5 or 0.75.
  const GemmLayer l = make_gemm({0.6f}, 40, false, 0.5f);
  const LayerGram gram = layer_gram(l.graph, l.node(), l.weight(), ptrs(l.xq), ptrs(l.xf), 1024);
  LayerProblem p = gemm_problem(l, gram, 6, 2);
  apply_gptq(p);
  INFO(p.note);
  REQUIRE(p.wq.f == std::vector<float>{1.25f});
  LayerProblem a = gemm_problem(l, gram, 6, 2);
  apply_adaround(a);
  REQUIRE(a.wq.f == std::vector<float>{0.75f});
  // at the edge of the grid (4 bits at step 0.25: qmax 7 -> 1.75) it saturates
  const GemmLayer far = make_gemm({1.2f}, 40, false, 0.5f);
  const LayerGram far_gram = layer_gram(far.graph, far.node(), far.weight(), ptrs(far.xq), ptrs(far.xf), 1024);
  LayerProblem s = gemm_problem(far, far_gram, 4, 2);
  apply_gptq(s);
  REQUIRE(s.wq.f == std::vector<float>{1.75f});
}

TEST_CASE("gptq's sequential rounding equals Optimal Brain Surgeon rounding computed from its definition", "[methods]") {
  // Reference: inputs in order of decreasing A_jj; at each one, the weights not yet rounded are the
  // minimiser of (v - t)' A (v - t) given the rounded ones, v_R = t_R - A_RR^-1 A_RF (q_F - t_F), and
  // the next weight is that value rounded. t = w - A^-1 (A - B) w; A damped by 1 % of its mean diagonal.
  const ConvLayer l = make_conv(7, 1, 48, true);
  const LayerGram gram = layer_gram(l.graph, l.node(), l.weight(), ptrs(l.xq), ptrs(l.xf), 48 * 36);
  const WeightRows rows = weight_rows(l.node(), l.weight());
  double max_w = 0;
  for (float v : l.weight().f) max_w = std::max(max_w, static_cast<double>(std::abs(v)));
  for (int bits : {3, 4, 6}) {
    for (bool centred : {false, true}) {
      const fixedpoint::QFormat f{bits, fixedpoint::choose_frac_for_range(max_w, bits, true), true};
      const LayerObjective objective(gram, l.weight(), centred);
      Tensor wq = round_nearest(l.weight(), rows, bits, std::vector<int>(6, f.frac));
      gptq_sequential_round(objective, wq, std::vector<double>(6, f.step()), f.qmin(), f.qmax(), 0.01);
      const Eigen::MatrixXd& a = objective.group_a(0);
      const int64_t k = rows.k;
      Eigen::MatrixXd ad = a;
      ad.diagonal().array() += 0.01 * a.diagonal().mean();
      std::vector<int64_t> order(static_cast<size_t>(k));
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return a(x, x) > a(y, y); });
      int64_t differ = 0;
      for (int64_t r = 0; r < rows.rows; ++r) {
        const Eigen::VectorXd t = objective.group_w(0).row(r).transpose() - ad.ldlt().solve(objective.group_u(0).row(r).transpose());
        Eigen::VectorXd q = Eigen::VectorXd::Zero(k);
        for (int64_t i = 0; i < k; ++i) {
          const int64_t nf = i, nr = k - i;
          Eigen::MatrixXd arr(nr, nr), arf(nr, std::max<int64_t>(nf, 1));
          Eigen::VectorXd dq = Eigen::VectorXd::Zero(std::max<int64_t>(nf, 1)), tr(nr);
          for (int64_t x = 0; x < nr; ++x) {
            tr(x) = t(order[i + x]);
            for (int64_t y = 0; y < nr; ++y) arr(x, y) = ad(order[i + x], order[i + y]);
            for (int64_t y = 0; y < nf; ++y) arf(x, y) = ad(order[i + x], order[y]);
          }
          for (int64_t y = 0; y < nf; ++y) dq(y) = q(order[y]) - t(order[y]);
          const Eigen::VectorXd vr = nf > 0 ? Eigen::VectorXd(tr - arr.ldlt().solve(arf.leftCols(nf) * dq.head(nf))) : tr;
          const double level = std::clamp(fixedpoint::round_half_even(vr(0) / f.step()), static_cast<double>(f.qmin()),
                                          static_cast<double>(f.qmax()));
          q(order[i]) = level * f.step();
        }
        for (int64_t j = 0; j < k; ++j) differ += wq.f[rows.index(r, j)] != static_cast<float>(q(j));
      }
      INFO("bits " << bits << (centred ? " centred" : "") << ": " << differ << " of " << rows.rows * k << " weights differ");
      REQUIRE(differ == 0);
    }
  }
}

TEST_CASE("gptq lowers the layer objective below nearest and adaround, on the grid (systematic upstream error)", "[methods]") {
  const ConvLayer l = make_conv(5, 1, 48, true);
  const LayerGram gram = layer_gram(l.graph, l.node(), l.weight(), ptrs(l.xq), ptrs(l.xf), 48 * 36);
  double max_w = 0;
  for (float v : l.weight().f) max_w = std::max(max_w, static_cast<double>(std::abs(v)));
  for (int bits : {3, 4, 5}) {
    const fixedpoint::QFormat f{bits, fixedpoint::choose_frac_for_range(max_w, bits, true), true};
    auto run = [&](void (*method)(LayerProblem&)) {
      LayerProblem p(l.node(), l.weight(), nullptr);
      p.rows = weight_rows(l.node(), l.weight());
      p.bits = bits;
      p.row_frac = std::vector<int>(6, f.frac);
      p.gram = [&]() -> const LayerGram& { return gram; };
      method(p);
      return p;
    };
    const LayerProblem nearest = run(&apply_nearest), ada = run(&apply_adaround), gptq = run(&apply_gptq);
    const LayerObjective objective(gram, l.weight(), false);
    INFO("bits " << bits << ": nearest " << objective.increment(nearest.wq) << ", adaround " << objective.increment(ada.wq)
                 << ", gptq " << objective.increment(gptq.wq) << " (" << gptq.note << ")");
    REQUIRE(gptq.note.find("nearest kept") == std::string::npos);
    REQUIRE(objective.increment(gptq.wq) < objective.increment(ada.wq));
    REQUIRE(direct_increment(l, gptq.wq, 1) < direct_increment(l, ada.wq, 1));  // from the definition
    for (float v : gptq.wq.f) REQUIRE(fixedpoint::fake_quantize(v, f) == v);  // on the grid, within its range
  }
}

TEST_CASE("gptq keeps nearest rounding when its fit does not hold on held-out images", "[methods]") {
  // 96 inputs seen on 6 samples: the least-squares target fits the 3 samples of each half, not the layer.
  std::mt19937 rng(9);
  std::normal_distribution<float> gauss(0.0f, 0.2f);
  std::vector<float> w(96);
  for (auto& v : w) v = gauss(rng);
  GemmLayer l = make_gemm(w, 6, false, 1.0f);
  for (auto& x : l.xq)
    for (auto& v : x.f) v += 0.5f * gauss(rng);
  const LayerGram gram = layer_gram(l.graph, l.node(), l.weight(), ptrs(l.xq), ptrs(l.xf), 1024);
  LayerProblem p = gemm_problem(l, gram, 3, 3);
  apply_nearest(p);
  const Tensor nearest = p.wq;
  apply_gptq(p);
  INFO(p.note);
  REQUIRE(p.note.find("nearest kept") != std::string::npos);
  REQUIRE(p.wq.f == nearest.f);
}

TEST_CASE("bias correction zeroes the mean output error on the calibration images and lowers the MSE", "[methods]") {
  const ConvLayer l = make_conv(23);
  std::vector<std::map<std::string, Tensor>> feeds;
  for (const auto& x : l.xf) feeds.push_back({{"x", x}});
  // With the layer's own output error measured before output quantization: the simulated model's
  // graph (weights and the corrected bias quantized) run without activation hooks on the quantized input.
  auto layer_errors = [&](const std::vector<std::string>& methods, std::vector<double>& mean, double& mse, double& bias_step) {
    SearchOptions o;
    o.weight_bits = 3;
    o.methods = methods;
    const SearchResult r = search_plan(l.graph, feeds, o);
    SimulatedModel sim(l.graph, r.plan);
    Executor exec(sim.graph());
    Executor fexec(l.graph);
    mean.assign(6, 0.0);
    mse = 0;
    for (const auto& x : l.xf) {
      Tensor xq = x;
      fixedpoint::fake_quantize(xq.f.data(), xq.f.size(), r.plan.activations.at("x"));
      const Tensor y = exec.run({{"x", xq}}).at("y"), ref = fexec.run({{"x", x}}).at("y");
      for (size_t k = 0; k < y.f.size(); ++k) {
        const double d = static_cast<double>(y.f[k]) - ref.f[k];
        mean[k / 36] += d / (36.0 * l.xf.size());
        mse += d * d / static_cast<double>(y.f.size() * l.xf.size());
      }
    }
    bias_step = r.plan.biases.at("b").step();
  };
  std::vector<double> mean_nearest, mean_bc;
  double mse_nearest = 0, mse_bc = 0, step = 0;
  layer_errors({"nearest"}, mean_nearest, mse_nearest, step);
  layer_errors({"nearest", "bias-correction"}, mean_bc, mse_bc, step);
  double largest_before = 0;
  for (int c = 0; c < 6; ++c) {
    INFO("channel " << c << ": mean error " << mean_nearest[c] << " -> " << mean_bc[c] << " (bias step " << step << ")");
    REQUIRE(std::abs(mean_bc[c]) <= step / 2 + 1e-6);
    largest_before = std::max(largest_before, std::abs(mean_nearest[c]));
  }
  REQUIRE(largest_before > 1e-3);  // there was a mean error to remove
  INFO("MSE nearest " << mse_nearest << ", with bias correction " << mse_bc);
  REQUIRE(mse_bc < mse_nearest);
}

TEST_CASE("fxq quantize --help lists every method of the table with its description", "[methods][cli]") {
  const auto r = test::run_fxq("quantize --help");
  REQUIRE(r.exit_code == 0);
  for (const auto& m : quant_methods()) {
    INFO(m.name);
    REQUIRE(r.out.find(std::string(m.name) + ": " + m.help) != std::string::npos);
  }
}
