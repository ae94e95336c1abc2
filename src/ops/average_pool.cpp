// AveragePool: the mean over each window (kernel_shape, strides, pads or auto_pad, ceil_mode; 1 to 3
// spatial axes). The divisor follows ONNX Runtime: with count_include_pad=0 the input cells under
// the window; with count_include_pad=1 the window's cells inside the padded input (so cells a
// ceil_mode window reaches beyond the end padding are never counted).
#include "ops/op.h"
#include "ops/spatial.h"

namespace fxq {
namespace {

// Mean over the window of output position o of one [D, H, W] plane.
float window_mean(const Window& w, const float* plane, const int64_t o[3], bool count_include_pad) {
  int64_t lo[3], hi[3], count = 1;
  for (size_t ax = 0; ax < 3; ++ax) {
    w.taps_inside(ax, o[ax], lo[ax], hi[ax]);
    count *= count_include_pad ? w.taps_inside_padded(ax, o[ax]) : hi[ax] - lo[ax];
  }
  double sum = 0.0;
  for (int64_t kd = lo[0]; kd < hi[0]; ++kd)
    for (int64_t kh = lo[1]; kh < hi[1]; ++kh) {
      const int64_t row = (w.input_pos(0, o[0], kd) * w.in[1] + w.input_pos(1, o[1], kh)) * w.in[2];
      for (int64_t kw = lo[2]; kw < hi[2]; ++kw) sum += plane[row + w.input_pos(2, o[2], kw)];
    }
  return count > 0 ? static_cast<float>(sum / static_cast<double>(count)) : 0.0f;
}

void run(KernelArgs& a) {
  const Tensor& x = a.float_input(0);
  const Window w = pool_window(a, x.shape);
  const bool count_include_pad = a.node.attr_int("count_include_pad", 0) != 0;
  pool_planes(x, w, a.output(0), [&](const float* plane, const int64_t o[3]) { return window_mean(w, plane, o, count_include_pad); });
}

}  // namespace

extern const OpDef kOp_AveragePool{"AveragePool", "mean over sliding windows (pads, auto_pad, ceil_mode, count_include_pad)",
                                   run, nullptr};

}  // namespace fxq
