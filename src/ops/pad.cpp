// Pad: pads [x1_begin, x2_begin, ..., x1_end, x2_end, ...] (attribute `pads` and `value` before
// opset 11; inputs pads, constant_value?, axes? from 11). Negative pads crop first, and reflect/edge/
// wrap then read the cropped window (as ONNX Runtime does). Modes: constant, reflect (mirror without
// repeating the edge), edge (repeat the edge), wrap (opset 19).
#include <algorithm>

#include "ops/tensor_copy.h"

namespace fxq {
namespace {
// Source coordinate for coordinate c of a window of size n (c < 0 or c >= n: padding), or -1 for the
// fill value.
int64_t source(int64_t c, int64_t n, const std::string& mode) {
  if (c >= 0 && c < n) return c;
  if (mode == "constant") return -1;
  if (mode == "edge") return c < 0 ? 0 : n - 1;
  if (mode == "wrap") return ((c % n) + n) % n;
  if (n == 1) return 0;  // reflect
  const int64_t period = 2 * (n - 1);
  c = ((c % period) + period) % period;
  return c < n ? c : period - c;
}

void run(KernelArgs& a) {
  const Tensor& x = a.input(0);
  const int64_t rank = x.rank();
  const std::string mode = a.node.attr_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    a.fail_unsupported("mode '" + mode + "' is not supported");
  std::vector<int64_t> pads, axes;
  double fill = 0;
  if (a.opset < 11) {
    pads = a.node.attr_ints("pads");
    fill = a.node.attr_float("value", 0.0f);
  } else {
    pads = a.input(1).to_ints();
    if (a.has_input(2) && a.input(2).size() > 0) fill = a.input(2).at(0);
    if (a.has_input(3)) axes = a.input(3).to_ints();
  }
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  if (pads.size() != 2 * axes.size())
    a.fail_input("pads has " + std::to_string(pads.size()) + " values, expected " + std::to_string(2 * axes.size()));
  std::vector<int64_t> begin(static_cast<size_t>(rank), 0), end(static_cast<size_t>(rank), 0);
  for (size_t k = 0; k < axes.size(); ++k) {
    const int64_t d = normalize_axis(a, axes[k], rank);
    begin[d] = pads[k];
    end[d] = pads[k + axes.size()];
  }
  // Per axis: the cropped window of the input [lo, lo + n) and the output size.
  Shape shape = x.shape, lo(static_cast<size_t>(rank)), n(static_cast<size_t>(rank));
  for (int64_t d = 0; d < rank; ++d) {
    lo[d] = std::max<int64_t>(0, -begin[d]);
    n[d] = x.shape[d] - lo[d] - std::max<int64_t>(0, -end[d]);
    shape[d] = x.shape[d] + begin[d] + end[d];
    if (n[d] < 0 || shape[d] < 0) a.fail_input("pads crop axis " + std::to_string(d) + " below size 0");
    if (mode != "constant" && n[d] == 0 && shape[d] > 0)
      a.fail_input("cannot pad an empty axis in mode '" + mode + "'");
  }
  const std::vector<int64_t> strides = strides_of(x.shape);
  if (mode == "constant" && rank > 0) {  // fill, then copy the kept window row by row
    Tensor y = alloc_like(x, shape);
    if (y.is_float()) std::fill(y.f.begin(), y.f.end(), static_cast<float>(fill));
    else std::fill(y.i.begin(), y.i.end(), static_cast<int64_t>(fill));
    const std::vector<int64_t> out_strides = strides_of(shape);
    Shape rows(n.begin(), n.end() - 1);
    const int64_t last = rank - 1;
    if (n[last] > 0 && numel(n) > 0)
      for_each_index(rows, [&](const std::vector<int64_t>& idx, int64_t) {
        int64_t from = lo[last] * strides[last], to = std::max<int64_t>(0, begin[last]) * out_strides[last];
        for (int64_t d = 0; d < last; ++d) {
          from += (lo[d] + idx[d]) * strides[d];
          to += (idx[d] + std::max<int64_t>(0, begin[d])) * out_strides[d];
        }
        copy_range(x, from, y, to, n[last]);
      });
    a.output(0) = std::move(y);
    return;
  }
  std::vector<int64_t> src(static_cast<size_t>(numel(shape)));
  for_each_index(shape, [&](const std::vector<int64_t>& idx, int64_t k) {
    int64_t s = 0;
    for (int64_t d = 0; d < rank && s >= 0; ++d) {
      const int64_t c = source(idx[d] - std::max<int64_t>(0, begin[d]), n[d], mode);
      s = c < 0 ? -1 : s + (lo[d] + c) * strides[d];
    }
    src[k] = s;
  });
  a.output(0) = take(x, shape, src, fill);
}
}  // namespace

extern const OpDef kOp_Pad{"Pad", "pad or crop borders (constant, reflect, edge, wrap)", run, nullptr};

}  // namespace fxq
