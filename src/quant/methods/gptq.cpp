// gptq: the same layer objective as adaround (M1, or M2 with bias correction),
//   J(d) = d' A d + 2 d' u,   d = w_q - w,   A = sum x~ x~',  u = (A - B) w,
// solved by sequential rounding with error feedback (Frantar et al., "Optimal Brain Compression",
// NeurIPS 2022, and "GPTQ", ICLR 2023), then a descent over neighbouring grid values:
//   1. J is a quadratic with its minimum at t = w - A^-1 u (the float weights that best undo the
//      upstream error on these inputs); J(d) = (w_q - t)' A (w_q - t) + const.
//   2. The inputs are taken one at a time, largest A_jj first; the weight of input j is rounded to
//      the nearest grid value of its row (saturating), and the weights not yet rounded absorb its
//      error: with U the upper Cholesky factor of A^-1, t_j' -= (t_j - q_j) / U_jj * U_jj' for j' after j.
//      This is the optimal update of the remaining weights for a fixed q_j (Optimal Brain Surgeon),
//      so a weight may end several grid steps from its float value, unlike adaround's floor/ceil.
//   3. Greedy coordinate descent on the exact (undamped) J, each weight free to move one grid step
//      down or up at a time (LayerObjective::refine, Moves::kNeighbours): never increases J.
// A is damped by 1 % of its mean diagonal for steps 1-2 (GPTQ's default; dead inputs get that
// diagonal). As for adaround, fit_rounding (fitted_rounding.cpp) fits it to one half of the images,
// judges it on the other, both ways, and keeps it only when it beats nearest rounding there.
#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "fixedpoint/qformat.h"
#include "quant/methods/method.h"

namespace fxq::quant {
namespace {

constexpr double kDamp = 0.01;    // of the mean diagonal of A
constexpr int64_t kBlock = 128;   // inputs whose updates are applied to the rest at once (one GEMM)

}  // namespace

void gptq_sequential_round(const LayerObjective& objective, Tensor& wq, const std::vector<double>& steps, int64_t qmin,
                           int64_t qmax, double damp) {
  const WeightRows& rows = objective.rows();
  const int64_t rg = rows.rows_per_group(), k = rows.k;
  for (int64_t gi = 0; gi < rows.groups; ++gi) {
    const Eigen::MatrixXd& a = objective.group_a(gi);
    const double mean_diag = a.diagonal().mean();
    if (!(mean_diag > 0) || !std::isfinite(mean_diag)) continue;  // no signal: nearest stays
    // Inputs by decreasing A_jj: the ones that move the output most are rounded while the most
    // weights remain to absorb their error.
    std::vector<int64_t> order(static_cast<size_t>(k));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return a(x, x) > a(y, y); });
    Eigen::MatrixXd ap(k, k);
    for (int64_t x = 0; x < k; ++x)
      for (int64_t y = 0; y < k; ++y) ap(x, y) = a(order[x], order[y]);
    ap.diagonal().array() += damp * mean_diag;
    const Eigen::LLT<Eigen::MatrixXd> llt(ap);
    if (llt.info() != Eigen::Success) continue;
    const Eigen::MatrixXd inv = llt.solve(Eigen::MatrixXd::Identity(k, k));
    const Eigen::LLT<Eigen::MatrixXd> llt_inv(inv);
    if (llt_inv.info() != Eigen::Success) continue;
    const Eigen::MatrixXd up = llt_inv.matrixU();
    // Targets t = w - A^-1 u, in the permuted order (row r of the group in row r).
    Eigen::MatrixXd up_perm(rg, k), wp(rg, k);
    for (int64_t r = 0; r < rg; ++r)
      for (int64_t x = 0; x < k; ++x) {
        up_perm(r, x) = objective.group_u(gi)(r, order[x]);
        wp(r, x) = objective.group_w(gi)(r, order[x]);
      }
    Eigen::MatrixXd t = wp - llt.solve(up_perm.transpose()).transpose();
    Eigen::MatrixXd q(rg, k), err(rg, kBlock);
    for (int64_t b0 = 0; b0 < k; b0 += kBlock) {
      const int64_t b1 = std::min(k, b0 + kBlock), nb = b1 - b0;
      for (int64_t j = b0; j < b1; ++j) {
        for (int64_t r = 0; r < rg; ++r) {
          const double s = steps[static_cast<size_t>(gi * rg + r)];
          const double v = std::clamp(fixedpoint::round_half_even(t(r, j) / s), static_cast<double>(qmin),
                                      static_cast<double>(qmax));
          q(r, j) = v * s;
          err(r, j - b0) = (t(r, j) - q(r, j)) / up(j, j);
        }
        if (j + 1 < b1) t.middleCols(j + 1, b1 - j - 1).noalias() -= err.col(j - b0) * up.row(j).segment(j + 1, b1 - j - 1);
      }
      if (b1 < k) t.rightCols(k - b1).noalias() -= err.leftCols(nb) * up.block(b0, b1, nb, k - b1);
    }
    for (int64_t r = 0; r < rg; ++r)
      for (int64_t x = 0; x < k; ++x) wq.f[rows.index(gi * rg + r, order[x])] = static_cast<float>(q(r, x));
  }
}

namespace {

// The rounding for one objective: steps 1-3. Returns the weights moved by step 3.
int64_t solve(const LayerObjective& objective, Tensor& wq, const std::vector<double>& steps, int64_t qmin, int64_t qmax) {
  gptq_sequential_round(objective, wq, steps, qmin, qmax, kDamp);
  return objective.refine(wq, steps, qmin, qmax, 8, LayerObjective::Moves::kNeighbours);
}

}  // namespace

void apply_gptq(LayerProblem& p) { fit_rounding(p, "gptq", solve); }

}  // namespace fxq::quant
