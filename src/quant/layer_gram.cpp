#include "quant/layer_gram.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "fixedpoint/qformat.h"
#include "ops/spatial.h"

namespace fxq::quant {
namespace {

using RowMatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

std::vector<GroupGram> zero_groups(const WeightRows& rows) {
  std::vector<GroupGram> groups(static_cast<size_t>(rows.groups));
  for (auto& gg : groups) {
    gg.a = Eigen::MatrixXd::Zero(rows.k, rows.k);
    gg.b = Eigen::MatrixXd::Zero(rows.k, rows.k);
    gg.sum_q = Eigen::VectorXd::Zero(rows.k);
    gg.sum_f = Eigen::VectorXd::Zero(rows.k);
  }
  return groups;
}

void init_groups(LayerGram& lg) {
  lg.halves[0] = zero_groups(lg.rows);
  lg.halves[1] = zero_groups(lg.rows);
}

// groups = halves[0] + halves[1]
void sum_halves(LayerGram& lg) {
  lg.groups = lg.halves[0];
  for (size_t g = 0; g < lg.groups.size(); ++g) {
    const GroupGram& h = lg.halves[1][g];
    GroupGram& s = lg.groups[g];
    s.n += h.n;
    s.a += h.a;
    s.b += h.b;
    s.sum_q += h.sum_q;
    s.sum_f += h.sum_f;
  }
}

void accumulate(GroupGram& gg, const RowMatD& q, const RowMatD& f) {
  gg.n += q.rows();
  gg.a.noalias() += q.transpose() * q;
  gg.b.noalias() += q.transpose() * f;
  gg.sum_q += q.colwise().sum().transpose();
  gg.sum_f += f.colwise().sum().transpose();
}

// Spread `m` of `total` positions evenly, shifted per image so the images do not all give the same spots.
int64_t pick(int64_t j, int64_t m, int64_t total, size_t image) {
  const int64_t stride = std::max<int64_t>(1, total / m);
  return (j * total / m + static_cast<int64_t>(image) % stride) % total;
}

// Conv: patch rows of each group at sampled output positions (zeros in the padding).
void conv_samples(const Graph& g, const Node& n, const Tensor& w, const std::vector<const Tensor*>& xq,
                  const std::vector<const Tensor*>& xf, size_t max_samples, LayerGram& lg) {
  const int64_t groups = lg.rows.groups, k = lg.rows.k;
  for (size_t i = 0; i < xq.size(); ++i) {
    const Tensor& x = *xq[i];
    const Tensor& xr = *xf[i];
    FXQ_CHECK(x.shape == xr.shape && (x.rank() == 3 || x.rank() == 4), "conv inputs of the two paths differ");
    std::vector<Tensor> none;
    KernelArgs args{n, g.opset, {&x, &w}, none};
    const Window win = window_as_rank(window_from_attrs(args, spatial_dims(x.shape), spatial_dims(w.shape), false), 2);
    const int64_t batch = x.dim(0), c_in = x.dim(1), cg = c_in / groups;
    const int64_t in_h = win.in[0], in_w = win.in[1], kh = win.kernel[0], kw = win.kernel[1];
    const int64_t plane = win.out[0] * win.out[1], total = batch * plane;
    const int64_t per_image = static_cast<int64_t>((max_samples + xq.size() - 1) / xq.size());
    const int64_t m = std::min<int64_t>(total, std::max<int64_t>(1, per_image));
    constexpr int64_t kChunk = 2048;  // samples gathered at a time (bounds the patch buffers)
    const int64_t rows_buf = std::min(m, kChunk);
    RowMatD q(rows_buf, k), f(rows_buf, k);
    for (int64_t gi = 0; gi < groups; ++gi) {
      for (int64_t j0 = 0; j0 < m; j0 += kChunk) {
        const int64_t nj = std::min(kChunk, m - j0);
        if (nj != q.rows()) q.resize(nj, k), f.resize(nj, k);
        for (int64_t jj = 0; jj < nj; ++jj) {
          const int64_t j = j0 + jj;
          const int64_t p = pick(j, m, total, i), b = p / plane, o0 = (p % plane) / win.out[1], o1 = p % win.out[1];
          int64_t col = 0;
          for (int64_t cl = 0; cl < cg; ++cl) {
            const int64_t base = (b * c_in + gi * cg + cl) * in_h * in_w;
            for (int64_t y = 0; y < kh; ++y) {
              const int64_t ih = win.input_pos(0, o0, y);
              for (int64_t xk = 0; xk < kw; ++xk, ++col) {
                const int64_t iw = win.input_pos(1, o1, xk);
                const bool inside = ih >= 0 && ih < in_h && iw >= 0 && iw < in_w;
                q(jj, col) = inside ? x.f[base + ih * in_w + iw] : 0.0;
                f(jj, col) = inside ? xr.f[base + ih * in_w + iw] : 0.0;
              }
            }
          }
        }
        accumulate(lg.halves[i % 2][gi], q, f);
      }
    }
  }
}

// Gemm / MatMul: every row of A' (times alpha for Gemm) is a sample.
void matrix_samples(const Node& n, const std::vector<const Tensor*>& xq, const std::vector<const Tensor*>& xf,
                    LayerGram& lg) {
  const int64_t k = lg.rows.k;
  const bool trans_a = n.op_type == "Gemm" && n.attr_int("transA", 0) != 0;
  const double alpha = n.op_type == "Gemm" ? n.attr_float("alpha", 1.0f) : 1.0;
  for (size_t i = 0; i < xq.size(); ++i) {
    const Tensor& x = *xq[i];
    const Tensor& xr = *xf[i];
    FXQ_CHECK(x.shape == xr.shape && x.size() % k == 0, "matrix inputs of the two paths differ");
    const int64_t m = x.size() / k;
    RowMatD q(m, k), f(m, k);
    for (int64_t r = 0; r < m; ++r)
      for (int64_t j = 0; j < k; ++j) {
        const int64_t at = trans_a ? j * m + r : r * k + j;
        q(r, j) = alpha * x.f[at];
        f(r, j) = alpha * xr.f[at];
      }
    accumulate(lg.halves[i % 2][0], q, f);
  }
}

}  // namespace

WeightRows weight_rows(const Node& n, const Tensor& w) {
  WeightRows r;
  if (!w.is_float() || w.rank() < 2) return r;
  if (n.op_type == "Conv") {
    const int64_t group = n.attr_int("group", 1);
    if (group < 1 || w.dim(0) % group != 0 || (w.rank() != 3 && w.rank() != 4)) return r;
    r.rows = w.dim(0);
    r.k = w.size() / r.rows;
    r.groups = group;
  } else if ((n.op_type == "Gemm" || n.op_type == "MatMul") && w.rank() == 2) {
    const bool trans_b = n.op_type == "Gemm" && n.attr_int("transB", 0) != 0;
    r.rows = trans_b ? w.dim(0) : w.dim(1);
    r.k = trans_b ? w.dim(1) : w.dim(0);
    r.transposed = !trans_b;
  }
  return r;
}

size_t gram_samples_for(int64_t k) { return static_cast<size_t>(std::clamp<int64_t>(64 * k, 16384, 65536)); }

LayerGram layer_gram(const Graph& g, const Node& n, const Tensor& w, const std::vector<const Tensor*>& xq,
                     const std::vector<const Tensor*>& xf, size_t max_samples) {
  LayerGram lg;
  lg.rows = weight_rows(n, w);
  FXQ_CHECK(xq.size() == xf.size() && !xq.empty(), "layer_gram needs the same images on both paths");
  if (!lg.rows.supported()) return lg;
  init_groups(lg);
  if (n.op_type == "Conv") conv_samples(g, n, w, xq, xf, max_samples, lg);
  else matrix_samples(n, xq, xf, lg);
  sum_halves(lg);
  return lg;
}

LayerObjective::LayerObjective(const WeightRows& rows, const std::vector<GroupGram>& groups, const Tensor& w, bool centred)
    : rows_(rows) {
  FXQ_CHECK(rows_.supported() && static_cast<int64_t>(groups.size()) == rows_.groups, "no input statistics for this layer");
  n_ = groups[0].n;
  const int64_t rg = rows_.rows_per_group(), k = rows_.k;
  for (int64_t gi = 0; gi < rows_.groups; ++gi) {
    const GroupGram& gg = groups[static_cast<size_t>(gi)];
    Eigen::MatrixXd a = gg.a, b = gg.b;
    if (centred && gg.n > 0) {
      a.noalias() -= gg.sum_q * gg.sum_q.transpose() / static_cast<double>(gg.n);
      b.noalias() -= gg.sum_q * gg.sum_f.transpose() / static_cast<double>(gg.n);
    }
    Eigen::MatrixXd wg(rg, k);
    for (int64_t r = 0; r < rg; ++r)
      for (int64_t j = 0; j < k; ++j) wg(r, j) = w.f[rows_.index(gi * rg + r, j)];
    u_.push_back(wg * (a - b).transpose());
    a_.push_back(std::move(a));
    w_.push_back(std::move(wg));
  }
}

Eigen::MatrixXd LayerObjective::deltas(const Tensor& wq, int64_t group) const {
  const int64_t rg = rows_.rows_per_group(), k = rows_.k;
  Eigen::MatrixXd d(rg, k);
  for (int64_t r = 0; r < rg; ++r)
    for (int64_t j = 0; j < k; ++j) d(r, j) = wq.f[rows_.index(group * rg + r, j)] - w_[group](r, j);
  return d;
}

std::vector<double> LayerObjective::row_increments(const Tensor& wq) const {
  std::vector<double> out;
  for (int64_t gi = 0; gi < rows_.groups; ++gi) {
    const Eigen::MatrixXd d = deltas(wq, gi);
    const Eigen::VectorXd j = ((d * a_[gi] + 2.0 * u_[gi]).cwiseProduct(d)).rowwise().sum();
    for (int64_t r = 0; r < j.size(); ++r) out.push_back(j(r));
  }
  return out;
}

double LayerObjective::increment(const Tensor& wq) const {
  double total = 0;
  for (double j : row_increments(wq)) total += j;
  return n_ > 0 ? total / (static_cast<double>(n_) * static_cast<double>(rows_.rows)) : 0.0;
}

int64_t LayerObjective::refine(Tensor& wq, const std::vector<double>& steps, int64_t qmin, int64_t qmax,
                               int max_sweeps, Moves moves) const {
  const int64_t rg = rows_.rows_per_group(), k = rows_.k;
  int64_t moved = 0;
  std::vector<int64_t> q(static_cast<size_t>(k)), lo(static_cast<size_t>(k));
  for (int64_t gi = 0; gi < rows_.groups; ++gi) {
    const Eigen::MatrixXd& a = a_[gi];
    for (int64_t r = 0; r < rg; ++r) {
      const int64_t row = gi * rg + r;
      const double s = steps[static_cast<size_t>(row)];
      Eigen::VectorXd d(k);
      for (int64_t j = 0; j < k; ++j) {
        const double wj = w_[gi](r, j);
        q[j] = static_cast<int64_t>(fixedpoint::round_half_even(wq.f[rows_.index(row, j)] / s));
        lo[j] = static_cast<int64_t>(std::floor(wj / s));
        d(j) = static_cast<double>(q[j]) * s - wj;
      }
      // grad = A d + (A - B) w: half the gradient of J; a move of weight j by delta changes J by
      // 2 delta grad_j + delta^2 A_jj.
      Eigen::VectorXd grad = a * d + u_[gi].row(r).transpose();
      for (int sweep = 0; sweep < max_sweeps; ++sweep) {
        int64_t changed = 0;
        for (int64_t j = 0; j < k; ++j) {
          const int64_t down = moves == Moves::kFloorCeil ? lo[j] : q[j] - 1;
          const int64_t up = moves == Moves::kFloorCeil ? lo[j] + 1 : q[j] + 1;
          for (int64_t cand : {down, up}) {
            cand = std::clamp(cand, qmin, qmax);
            if (cand == q[j]) continue;
            const double delta = static_cast<double>(cand - q[j]) * s;
            if (2.0 * delta * grad(j) + delta * delta * a(j, j) < 0.0) {
              grad += delta * a.col(j);
              q[j] = cand;
              ++changed;
            }
          }
        }
        moved += changed;
        if (changed == 0) break;
      }
      for (int64_t j = 0; j < k; ++j) wq.f[rows_.index(row, j)] = static_cast<float>(static_cast<double>(q[j]) * s);
    }
  }
  return moved;
}

}  // namespace fxq::quant
