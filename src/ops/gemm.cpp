// Gemm: Y = alpha * A' * B' + beta * C with A' = transA ? A^T : A ([M, K]), B' = transB ? B^T : B
// ([K, N]); C is optional and unidirectionally broadcast to [M, N].
#include <Eigen/Core>

#include "ops/op.h"

namespace fxq {
namespace {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMat = Eigen::Map<const RowMat>;

void multiply(const Tensor& a, bool trans_a, const Tensor& b, bool trans_b, Tensor& y) {
  ConstMat am(a.f.data(), a.dim(0), a.dim(1));
  ConstMat bm(b.f.data(), b.dim(0), b.dim(1));
  Eigen::Map<RowMat> ym(y.f.data(), y.dim(0), y.dim(1));
  if (trans_a && trans_b) ym.noalias() = am.transpose() * bm.transpose();
  else if (trans_a) ym.noalias() = am.transpose() * bm;
  else if (trans_b) ym.noalias() = am * bm.transpose();
  else ym.noalias() = am * bm;
}

// y += beta * C, with C of shape [], [N], [1 or M, 1 or N] broadcast to y's [M, N].
void add_c(const KernelArgs& a, const Tensor& c, float beta, Tensor& y) {
  const int64_t m = y.dim(0), n = y.dim(1);
  const int64_t cm = c.rank() == 2 ? c.dim(0) : 1, cn = c.rank() >= 1 ? c.dim(c.rank() - 1) : 1;
  if (c.rank() > 2 || (cm != 1 && cm != m) || (cn != 1 && cn != n))
    a.fail_input("C " + shape_str(c.shape) + " cannot be broadcast to [" + std::to_string(m) + "," +
                 std::to_string(n) + "]");
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      y.f[i * n + j] += beta * c.f[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
}

void run(KernelArgs& a) {
  const Tensor& ta = a.float_input(0);
  const Tensor& tb = a.float_input(1);
  if (ta.rank() != 2 || tb.rank() != 2)
    a.fail_input("A " + shape_str(ta.shape) + " and B " + shape_str(tb.shape) + " must be 2-D");
  const bool trans_a = a.node.attr_int("transA", 0) != 0, trans_b = a.node.attr_int("transB", 0) != 0;
  const float alpha = a.node.attr_float("alpha", 1.0f), beta = a.node.attr_float("beta", 1.0f);
  const int64_t m = ta.dim(trans_a ? 1 : 0), k = ta.dim(trans_a ? 0 : 1);
  const int64_t kb = tb.dim(trans_b ? 1 : 0), n = tb.dim(trans_b ? 0 : 1);
  if (k != kb)
    a.fail_input("inner dimensions differ: A " + shape_str(ta.shape) + (trans_a ? " (transposed)" : "") + ", B " +
                 shape_str(tb.shape) + (trans_b ? " (transposed)" : ""));
  Tensor& y = a.output(0);
  y = Tensor::zeros({m, n});
  multiply(ta, trans_a, tb, trans_b, y);
  if (alpha != 1.0f)
    for (float& v : y.f) v *= alpha;
  if (a.has_input(2)) add_c(a, a.float_input(2), beta, y);
}

// M * N * K = numel(Y) * K, with K the dim of A that Y does not keep.
int64_t macs(const ShapeArgs& s) {
  if (s.in.empty() || s.in[0].size() != 2 || s.out.empty() || s.out[0].size() != 2) return 0;
  const int64_t k = s.node.attr_int("transA", 0) != 0 ? s.in[0][0] : s.in[0][1];
  const int64_t m = s.out[0][0], n = s.out[0][1];
  return m < 0 || n < 0 || k < 0 ? 0 : m * n * k;
}

}  // namespace

extern const OpDef kOp_Gemm{"Gemm", "alpha * A' * B' + beta * C (transA, transB, broadcast C)", run, macs, {/*layer=*/true, /*keeps_format=*/false, /*fusable=*/false}};

}  // namespace fxq
