// What the weight rounding methods and the mixed-precision profile know about a layer's inputs:
// second-order statistics (Gram matrices) of the input patches each output channel sees, on the
// quantized path (x~, carrying every upstream layer's error) and on the float path (x), on a sample
// of output positions of the search images (docs/mixed-precision.md, eq. M1-M4).
//
// For one output channel with float weights w and quantized weights w_q = w + d (K inputs each):
//   e_j(w_q)  = x~_j . w_q - x_j . w          the output error at sample j (bias aside)
//   J(d)      = sum_j e_j(w + d)^2 - sum_j e_j(w)^2 = d' A d + 2 d' (A - B) w          (M1)
//   A = sum_j x~_j x~_j',  B = sum_j x~_j x_j'
// J is how much quantizing these weights adds to the squared error of the layer's output (before
// its activation) on top of the upstream error. When the mean error of each channel is removed
// afterwards (bias correction), the centred matrices apply instead (M2):
//   A_c = A - s~ s~' / n,   B_c = B - s~ s' / n,   s~ = sum_j x~_j, s = sum_j x_j
// Rows (output channels) are independent given A and B, which depend only on the inputs, so one pair
// of K x K matrices per group serves every row of the group and every candidate format.
#pragma once
#include <Eigen/Core>
#include <vector>

#include "ir/graph.h"

namespace fxq::quant {

// A layer's weight tensor as `rows` output channels of `k` weights each, in `groups` groups of
// consecutive rows that read the same inputs (Conv group; 1 otherwise).
struct WeightRows {
  int64_t rows = 0, k = 0, groups = 1;
  bool transposed = false;  // element (r, j) at w[j * rows + r] (Gemm transB=0, MatMul) instead of w[r * k + j]
  int64_t index(int64_t r, int64_t j) const { return transposed ? j * rows + r : r * k + j; }
  int64_t rows_per_group() const { return rows / groups; }
  int64_t group_of(int64_t r) const { return r / rows_per_group(); }
  bool supported() const { return rows > 0; }
};

// Conv [Cout, Cin/g, k...], Gemm (transB=1: [N, K]; transB=0: [K, N]), MatMul with a 2-D weight [K, N].
// Anything else: rows = 0 (the methods then leave the layer at nearest rounding, with a note).
WeightRows weight_rows(const Node& n, const Tensor& w);

struct GroupGram {
  int64_t n = 0;                 // samples
  Eigen::MatrixXd a, b;          // A = sum x~ x~', B = sum x~ x'  (K x K)
  Eigen::VectorXd sum_q, sum_f;  // s~ = sum x~, s = sum x
};

struct LayerGram {
  WeightRows rows;
  std::vector<GroupGram> groups;  // all samples; empty when !rows.supported()
  // The same from the even-numbered and the odd-numbered images: a rounding fitted on one half is
  // judged on the other (methods that fit the rounding to data use them to check it generalises).
  std::vector<GroupGram> halves[2];
};

// Samples up to `max_samples` output positions spread over the images (every row of A for Gemm and
// MatMul): xq[i] and xf[i] are input 0 of the layer for image i on the quantized and float paths.
LayerGram layer_gram(const Graph& g, const Node& n, const Tensor& w, const std::vector<const Tensor*>& xq,
                     const std::vector<const Tensor*>& xf, size_t max_samples);

// The samples to take for a layer with K inputs per row: 64K, within [16384, 65536] (as many as the
// search images have output positions, when fewer). With 4K (within 1024..8192) the roundings fitted
// the samples' noise: gptq kept nearest on 47 of YOLOX-Nano's 113 layers for not holding on held-out
// images, and W5 cost 4.3 pp mAP50 instead of 0.1-0.4 (docs/mixed-precision.md).
size_t gram_samples_for(int64_t k);

// J of (M1)/(M2) for every row of one layer, given the float weights; used to judge and refine
// quantized weights (all on the same layer).
class LayerObjective {
 public:
  LayerObjective(const LayerGram& gram, const Tensor& w, bool centred) : LayerObjective(gram.rows, gram.groups, w, centred) {}
  LayerObjective(const WeightRows& rows, const std::vector<GroupGram>& groups, const Tensor& w, bool centred);
  // sum over rows of J(w_q - w), divided by (samples x rows): the added mean squared output error
  // per output element.
  double increment(const Tensor& wq) const;
  // J of each row.
  std::vector<double> row_increments(const Tensor& wq) const;
  // Greedy coordinate descent on J, one row at a time: each weight may take the grid value just
  // below or just above its float value (Moves::kFloorCeil, AdaRound's choice), or one step below or
  // above its current value (Moves::kNeighbours, any grid value reachable), within [qmin, qmax] of
  // the row's grid; a move is kept when it lowers J. Starts from `wq` (on the grid), stops when a
  // sweep changes nothing (at most `max_sweeps`). Returns the number of weights moved.
  // steps[r] = 2^-frac of row r.
  enum class Moves { kFloorCeil, kNeighbours };
  int64_t refine(Tensor& wq, const std::vector<double>& steps, int64_t qmin, int64_t qmax, int max_sweeps = 8,
                 Moves moves = Moves::kFloorCeil) const;
  const WeightRows& rows() const { return rows_; }
  // J of a row is d' A d + 2 d' u_r with d = w_q - w_r: per group, A (K x K), the rows' u_r and w_r
  // (rows_g x K each), for methods that solve it their own way (gptq).
  const Eigen::MatrixXd& group_a(int64_t g) const { return a_[static_cast<size_t>(g)]; }
  const Eigen::MatrixXd& group_u(int64_t g) const { return u_[static_cast<size_t>(g)]; }
  const Eigen::MatrixXd& group_w(int64_t g) const { return w_[static_cast<size_t>(g)]; }

 private:
  WeightRows rows_;
  int64_t n_ = 0;
  std::vector<Eigen::MatrixXd> a_;  // per group, K x K (centred or not)
  std::vector<Eigen::MatrixXd> u_;  // per group, rows_g x K: row r = ((A - B) w_r)'
  std::vector<Eigen::MatrixXd> w_;  // per group, rows_g x K float weights
  Eigen::MatrixXd deltas(const Tensor& wq, int64_t group) const;  // rows_g x K, w_q - w
};

}  // namespace fxq::quant
