// MatMul: numpy matmul. A 1-D A is a row [1, K] and a 1-D B a column [K, 1], the added dim being
// dropped from the result; leading (batch) dims broadcast numpy-style.
#include <Eigen/Core>

#include "common/parallel.h"
#include "ops/op.h"

namespace fxq {
namespace {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
constexpr int64_t kGemvColumns = 128;  // columns per task of a row-times-matrix product
using ConstMat = Eigen::Map<const RowMat>;

// Broadcast batch shape of `a` and `b` (numpy rules), or false if they do not broadcast.
bool broadcast_batch(const Shape& a, const Shape& b, Shape& out) {
  const size_t r = std::max(a.size(), b.size());
  out.assign(r, 1);
  for (size_t k = 0; k < r; ++k) {
    const int64_t da = k + a.size() >= r ? a[k + a.size() - r] : 1;
    const int64_t db = k + b.size() >= r ? b[k + b.size() - r] : 1;
    if (da != db && da != 1 && db != 1) return false;
    out[k] = da == 1 ? db : da;
  }
  return true;
}

// Index of matrix `flat` of the broadcast batch `out` within an operand whose batch shape is `s`.
int64_t operand_matrix(const Shape& s, const Shape& out, int64_t flat) {
  int64_t index = 0, stride = 1;
  for (size_t k = out.size(); k-- > 0;) {
    const int64_t pos = flat % out[k];
    flat /= out[k];
    const size_t rank_gap = out.size() - s.size();
    if (k >= rank_gap && s[k - rank_gap] != 1) index += pos * stride;
    if (k >= rank_gap) stride *= s[k - rank_gap];
  }
  return index;
}

void run(KernelArgs& a) {
  const Tensor& ta = a.float_input(0);
  const Tensor& tb = a.float_input(1);
  if (ta.rank() == 0 || tb.rank() == 0) a.fail_input("MatMul operands must have at least one dim");
  const Shape sa = ta.rank() == 1 ? Shape{1, ta.dim(0)} : ta.shape;
  const Shape sb = tb.rank() == 1 ? Shape{tb.dim(0), 1} : tb.shape;
  const int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
  const Shape batch_a(sa.begin(), sa.end() - 2), batch_b(sb.begin(), sb.end() - 2);
  Shape batch;
  if (sb[sb.size() - 2] != k || !broadcast_batch(batch_a, batch_b, batch))
    a.fail_input("shapes " + shape_str(ta.shape) + " and " + shape_str(tb.shape) + " do not multiply");
  Shape out_shape = batch;
  if (ta.rank() > 1) out_shape.push_back(m);
  if (tb.rank() > 1) out_shape.push_back(n);
  Tensor& y = a.output(0);
  y = Tensor::zeros(out_shape);
  const int64_t count = numel(batch);
  for (int64_t t = 0; t < count; ++t) {
    ConstMat am(ta.f.data() + operand_matrix(batch_a, batch, t) * m * k, m, k);
    ConstMat bm(tb.f.data() + operand_matrix(batch_b, batch, t) * k * n, k, n);
    Eigen::Map<RowMat> ym(y.f.data() + t * m * n, m, n);
    if (m == 1 && n >= 2 * kGemvColumns) {
      // A row times a matrix (a classifier's last layer, batch 1): a matrix-vector product that streams
      // the whole matrix, memory-bound, so its column blocks go to the thread pool. Eigen sums each
      // output over k in the same order whatever the block's width (tests/test_ops_nn.cpp checks the
      // split result bit for bit against the whole product), and the blocks are fixed by the shape.
      parallel_range(n, kGemvColumns, [&](int64_t c0, int64_t c1) {
        ym.middleCols(c0, c1 - c0).noalias() = am * bm.middleCols(c0, c1 - c0);
      });
    } else {
      ym.noalias() = am * bm;
    }
  }
}

// batch * M * N * K = numel(Y) * K.
int64_t macs(const ShapeArgs& s) {
  if (s.in.empty() || s.in[0].empty() || s.out.empty()) return 0;
  for (int64_t d : s.out[0])
    if (d < 0) return 0;
  const int64_t k = s.in[0].back();
  return k < 0 ? 0 : numel(s.out[0]) * k;
}

}  // namespace

extern const OpDef kOp_MatMul{"MatMul", "numpy matmul (1-D operands, broadcast batch dims)", run, macs, {/*layer=*/true, /*keeps_format=*/false, /*fusable=*/false}};

}  // namespace fxq
