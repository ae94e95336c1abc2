#include "ops/spatial.h"

#include <algorithm>

namespace fxq {

void Window::taps_inside(size_t ax, int64_t o, int64_t& lo, int64_t& hi) const {
  const int64_t base = input_pos(ax, o, 0);
  lo = std::max<int64_t>(0, ceil_div(-base, dilations[ax]));
  hi = std::min<int64_t>(kernel[ax], ceil_div(in[ax] - base, dilations[ax]));
  if (hi < lo) hi = lo;
}

int64_t Window::taps_inside_padded(size_t ax, int64_t o) const {
  const int64_t base = input_pos(ax, o, 0);
  return std::clamp<int64_t>(ceil_div(in[ax] + pad_end[ax] - base, dilations[ax]), 0, kernel[ax]);
}

namespace {

void check_attr_sizes(const KernelArgs& a, const Window& w, const std::vector<int64_t>& pads) {
  const size_t r = w.rank();
  if (w.kernel.size() != r || w.strides.size() != r || w.dilations.size() != r || pads.size() != 2 * r)
    a.fail_input("kernel_shape, strides, dilations and pads must have one value per spatial axis (" +
                 std::to_string(r) + ", pads twice that)");
  for (size_t ax = 0; ax < r; ++ax) {
    if (w.kernel[ax] < 1 || w.strides[ax] < 1 || w.dilations[ax] < 1)
      a.fail_input("kernel_shape, strides and dilations must be positive");
    if (pads[ax] < 0 || pads[ax + r] < 0) a.fail_input("negative pads are not valid");
  }
}

// Output size for explicit pads (auto_pad NOTSET), as ONNX Runtime computes it.
int64_t explicit_out(const Window& w, size_t ax, bool ceil_mode) {
  const int64_t span = w.in[ax] + w.pad_begin[ax] + w.pad_end[ax] - w.extent(ax);
  if (span < 0) return 0;
  if (!ceil_mode) return span / w.strides[ax] + 1;
  int64_t out = ceil_div(span, w.strides[ax]) + 1;
  if ((out - 1) * w.strides[ax] >= w.in[ax] + w.pad_begin[ax]) --out;  // would start in the end padding
  return out;
}

void set_axis(const KernelArgs& a, Window& w, size_t ax, const std::string& auto_pad,
              const std::vector<int64_t>& pads, bool ceil_mode) {
  const size_t r = w.rank();
  if (auto_pad == "NOTSET") {
    w.pad_begin[ax] = pads[ax];
    w.pad_end[ax] = pads[ax + r];
    w.out[ax] = explicit_out(w, ax, ceil_mode);
  } else if (auto_pad == "VALID") {
    w.out[ax] = explicit_out(w, ax, ceil_mode);  // pads 0; ceil_mode applies (as ORT)
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    if (w.dilations[ax] != 1)  // ORT rejects it for Conv and sizes pools differently from the spec
      a.fail_unsupported("auto_pad " + auto_pad + " with dilations other than 1 is not supported");
    w.out[ax] = ceil_div(w.in[ax], w.strides[ax]);
    const int64_t total = std::max<int64_t>(0, (w.out[ax] - 1) * w.strides[ax] + w.extent(ax) - w.in[ax]);
    w.pad_begin[ax] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
    w.pad_end[ax] = total - w.pad_begin[ax];
  } else {
    a.fail_input("unknown auto_pad '" + auto_pad + "'");
  }
}

}  // namespace

Window window_from_attrs(const KernelArgs& a, const Shape& in, const std::vector<int64_t>& kernel,
                         bool allow_ceil) {
  const size_t r = in.size();
  Window w;
  w.in = in;
  w.kernel = kernel;
  w.strides = a.node.attr_ints("strides", std::vector<int64_t>(r, 1));
  w.dilations = a.node.attr_ints("dilations", std::vector<int64_t>(r, 1));
  const std::vector<int64_t> pads = a.node.attr_ints("pads", std::vector<int64_t>(2 * r, 0));
  const std::string auto_pad = a.node.attr_string("auto_pad", "NOTSET");
  const bool ceil_mode = allow_ceil && a.node.attr_int("ceil_mode", 0) != 0;
  check_attr_sizes(a, w, pads);
  w.pad_begin.assign(r, 0);
  w.pad_end.assign(r, 0);
  w.out.assign(r, 0);
  for (size_t ax = 0; ax < r; ++ax) {
    set_axis(a, w, ax, auto_pad, pads, ceil_mode);
    if (w.out[ax] < 1)
      a.fail_input("the window (kernel " + std::to_string(w.kernel[ax]) + ", dilation " +
                   std::to_string(w.dilations[ax]) + ") does not fit input size " + std::to_string(w.in[ax]) +
                   " on spatial axis " + std::to_string(ax));
  }
  return w;
}

Window window_as_rank(const Window& w, size_t rank) {
  FXQ_CHECK(w.rank() <= rank, "window_as_rank: window has more axes than requested");
  const size_t extra = rank - w.rank();
  auto pad = [extra](const std::vector<int64_t>& v, int64_t fill) {
    std::vector<int64_t> r(extra, fill);
    r.insert(r.end(), v.begin(), v.end());
    return r;
  };
  Window r;
  r.in = pad(w.in, 1);
  r.kernel = pad(w.kernel, 1);
  r.strides = pad(w.strides, 1);
  r.dilations = pad(w.dilations, 1);
  r.pad_begin = pad(w.pad_begin, 0);
  r.pad_end = pad(w.pad_end, 0);
  r.out = pad(w.out, 1);
  return r;
}

Window pool_window(const KernelArgs& a, const Shape& x) {
  if (x.size() < 3 || x.size() > 5)
    a.fail_unsupported("pooling needs an [N, C, spatial...] input with 1 to 3 spatial axes, got " + shape_str(x));
  if (!a.node.has_attr("kernel_shape")) a.fail_input("attribute kernel_shape is required");
  const std::vector<int64_t> kernel = a.node.attr_ints("kernel_shape");
  return window_as_rank(window_from_attrs(a, spatial_dims(x), kernel, true), 3);
}

Shape pooled_shape(const Shape& x, const Window& w) {
  Shape out = {x[0], x[1]};
  out.insert(out.end(), w.out.end() - static_cast<int64_t>(x.size() - 2), w.out.end());
  return out;
}

}  // namespace fxq
