// Conv: grouped 1-D / 2-D convolution, NCHW, with strides, dilations, pads or auto_pad and an
// optional bias. The arithmetic is in ops/conv_kernels.h; window geometry in ops/spatial.h.
#include "ops/conv_kernels.h"
#include "ops/op.h"
#include "ops/spatial.h"

namespace fxq {
namespace {

void check_shapes(const KernelArgs& a, const Tensor& x, const Tensor& w, int64_t group) {
  if (x.rank() != 3 && x.rank() != 4)
    a.fail_unsupported("only 1-D and 2-D convolutions are supported (input " + shape_str(x.shape) + ")");
  if (w.rank() != x.rank())
    a.fail_input("weight " + shape_str(w.shape) + " and input " + shape_str(x.shape) + " differ in rank");
  if (group < 1 || x.dim(1) % group != 0 || w.dim(0) % group != 0)
    a.fail_input("group " + std::to_string(group) + " must divide the input and output channels");
  if (w.dim(1) * group != x.dim(1))
    a.fail_input("weight " + shape_str(w.shape) + " with group " + std::to_string(group) +
                 " does not match input channels " + std::to_string(x.dim(1)));
}

const float* bias_of(const KernelArgs& a, int64_t c_out) {
  if (!a.has_input(2)) return nullptr;
  const Tensor& b = a.float_input(2);
  if (b.size() != c_out) a.fail_input("bias " + shape_str(b.shape) + " must have one value per output channel");
  return b.f.data();
}

Conv2dShape conv_shape(const Tensor& x, const Tensor& w, int64_t group, const Window& win2) {
  Conv2dShape s;
  s.batch = x.dim(0);
  s.c_in = x.dim(1);
  s.c_out = w.dim(0);
  s.group = group;
  s.in_h = win2.in[0], s.in_w = win2.in[1];
  s.k_h = win2.kernel[0], s.k_w = win2.kernel[1];
  s.stride_h = win2.strides[0], s.stride_w = win2.strides[1];
  s.dil_h = win2.dilations[0], s.dil_w = win2.dilations[1];
  s.pad_top = win2.pad_begin[0], s.pad_left = win2.pad_begin[1];
  s.out_h = win2.out[0], s.out_w = win2.out[1];
  return s;
}

void run(KernelArgs& a) {
  const Tensor& x = a.float_input(0);
  const Tensor& w = a.float_input(1);
  const int64_t group = a.node.attr_int("group", 1);
  check_shapes(a, x, w, group);
  const Shape w_kernel = spatial_dims(w.shape);
  const std::vector<int64_t> kernel = a.node.attr_ints("kernel_shape", w_kernel);
  if (kernel != w_kernel)
    a.fail_input("kernel_shape " + shape_str(kernel) + " does not match weight " + shape_str(w.shape));
  const float* bias = bias_of(a, w.dim(0));
  const Window win = window_from_attrs(a, spatial_dims(x.shape), kernel, false);
  Shape out_shape = {x.dim(0), w.dim(0)};
  out_shape.insert(out_shape.end(), win.out.begin(), win.out.end());
  Tensor& y = a.output(0);
  // Every conv2d path writes every output element (tests/test_ops_nn.cpp: NaN-filled outputs), so no
  // zero-fill first: it cost YOLOX-Nano and NanoDet-m 0.27-0.31 ms per run (docs/engine.md).
  y = Tensor::uninitialized(out_shape);
  const Epilogue* act = a.epilogue;
  Epilogue with_residual;
  if (a.residual) {  // engine/fusion.h fuses an Add only when shape inference gave both operands this shape
    FXQ_CHECK(a.residual->is_float() && a.residual->shape == out_shape,
              a.node.describe() + ": the fused Add's other operand " + shape_str(a.residual->shape) + " is not " +
                  shape_str(out_shape));
    if (act) with_residual = *act;
    with_residual.residual = a.residual->f.data();
    with_residual.base = y.f.data();
    act = &with_residual;
  }
  conv2d(conv_shape(x, w, group, window_as_rank(win, 2)), x.f.data(), w.f.data(), bias, y.f.data(), act);
}

// N * Cout * prod(out spatial) * (Cin / group) * prod(kernel) = numel(Y) * prod(W dims after the first).
int64_t macs(const ShapeArgs& s) {
  if (s.in.size() < 2 || s.out.empty() || s.out[0].empty() || s.in[1].size() < 2) return 0;
  for (const Shape* sh : {&s.out[0], &s.in[1]})
    for (int64_t d : *sh)
      if (d < 0) return 0;  // unknown dim
  return numel(s.out[0]) * numel(Shape(s.in[1].begin() + 1, s.in[1].end()));
}

}  // namespace

extern const OpDef kOp_Conv{"Conv", "grouped 1-D/2-D convolution (strides, dilations, pads, auto_pad, bias)", run,
                            macs, {/*layer=*/true, /*keeps_format=*/false, /*fusable=*/false}};

}  // namespace fxq
