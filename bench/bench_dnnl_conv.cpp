// Would oneDNN's own convolutions beat fxq's? For conv shapes of the shared models, the fastest of 100
// runs (1 thread, every buffer in cache, Relu fused) of:
//   fxq      conv2d_fast (GEMM, direct 3x3 or depthwise paths; NCHW in and out)
//   nchw     oneDNN's convolution primitive forced to NCHW in and out (it picks a GEMM-based impl)
//   blocked  oneDNN's choice of layout (nChw16c, brgconv) timed with the reorders NCHW -> blocked ->
//            NCHW a layer-by-layer engine would pay, and alone (a whole network kept blocked)
// docs/engine.md and the README's Speed section quote the result: blocked only wins alone, on wide
// layers; with the reorders it loses to fxq's paths on the shared models' layers.
// usage: fxq_bench_dnnl_conv [--reps 100]   (set OMP_NUM_THREADS=1 for oneDNN's single-thread figure)
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_args.h"
#include "common/parallel.h"
#include "ops/conv_kernels.h"

namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

struct Case {
  const char* where;
  int64_t c_in, c_out, size, k, stride, pad;
};

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const int reps = std::stoi(fxq::bench::flag_value(args, "--reps", "100"));
  fxq::set_num_threads(1);
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream strm(eng);
  const std::vector<Case> cases = {
      {"yolox 1x1 64->64 52", 64, 64, 52, 1, 1, 0},     {"1x1 128->128 26", 128, 128, 26, 1, 1, 0},
      {"1x1 256->256 13", 256, 256, 13, 1, 1, 0},       {"1x1 32->32 104", 32, 32, 104, 1, 1, 0},
      {"nanodet 1x1 58->58 52", 58, 58, 52, 1, 1, 0},   {"nanodet 1x1 24->58 104", 24, 58, 104, 1, 1, 0},
      {"resnet 3x3 16->16 32", 16, 16, 32, 3, 1, 1},    {"squeezenet 3x3 64->256 13", 64, 256, 13, 3, 1, 1},
      {"yolox stem 3x3 12->16 208", 12, 16, 208, 3, 1, 1}, {"nanodet stem 3x3 s2", 3, 24, 416, 3, 2, 1},
      {"squeezenet 1x1 512->1000 13", 512, 1000, 13, 1, 1, 0},
  };
  std::printf("%-28s %8s %8s %18s %14s  (GMAC/s)\n", "shape", "fxq", "nchw", "blocked+reorders", "blocked alone");
  for (const Case& c : cases) {
    const int64_t out = (c.size + 2 * c.pad - c.k) / c.stride + 1;
    const dnnl::memory::dims src{1, c.c_in, c.size, c.size}, wei{c.c_out, c.c_in, c.k, c.k}, bia{c.c_out},
        dst{1, c.c_out, out, out};
    std::vector<float> x(c.c_in * c.size * c.size, 0.5f), w(c.c_out * c.c_in * c.k * c.k, 0.01f), b(c.c_out, 0.1f),
        y(c.c_out * out * out);
    const double macs = static_cast<double>(c.c_out * c.c_in * c.k * c.k * out * out);
    auto onednn = [&](tag layout, bool reorders) {
      const dnnl::memory::desc sm(src, dt::f32, layout), wm(wei, dt::f32, tag::any), bm(bia, dt::f32, tag::x),
          dm(dst, dt::f32, layout);
      const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                              sm, wm, bm, dm, {c.stride, c.stride}, {c.pad, c.pad}, {c.pad, c.pad});
      dnnl::post_ops po;
      po.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
      dnnl::primitive_attr attr;
      attr.set_post_ops(po);
      const dnnl::convolution_forward::primitive_desc pd(d, attr, eng);
      dnnl::memory xu({src, dt::f32, tag::nchw}, eng, x.data()), yu({dst, dt::f32, tag::nchw}, eng, y.data());
      dnnl::memory wu({wei, dt::f32, tag::oihw}, eng, w.data()), bu(bm, eng, b.data());
      dnnl::memory xs = pd.src_desc() == xu.get_desc() ? xu : dnnl::memory(pd.src_desc(), eng);
      dnnl::memory ys = pd.dst_desc() == yu.get_desc() ? yu : dnnl::memory(pd.dst_desc(), eng);
      dnnl::memory ws(pd.weights_desc(), eng);
      dnnl::reorder(wu, ws).execute(strm, wu, ws);  // weights once, as a prepared model would
      dnnl::convolution_forward conv(pd);
      const double us = fxq::bench::best_us(reps, [&] {
        if (reorders && xs != xu) dnnl::reorder(xu, xs).execute(strm, xu, xs);
        conv.execute(strm, {{DNNL_ARG_SRC, xs}, {DNNL_ARG_WEIGHTS, ws}, {DNNL_ARG_BIAS, bu}, {DNNL_ARG_DST, ys}});
        if (reorders && ys != yu) dnnl::reorder(ys, yu).execute(strm, ys, yu);
        strm.wait();
      });
      return macs / us / 1e3;
    };
    fxq::Conv2dShape s;
    s.c_in = c.c_in, s.c_out = c.c_out, s.in_h = s.in_w = c.size, s.out_h = s.out_w = out;
    s.k_h = s.k_w = c.k, s.stride_h = s.stride_w = c.stride, s.pad_top = s.pad_left = c.pad;
    fxq::Epilogue relu;
    relu.kind = fxq::Epilogue::kRelu;
    const double f = macs / fxq::bench::best_us(reps, [&] { fxq::conv2d_fast(s, x.data(), w.data(), b.data(), y.data(), &relu); }) / 1e3;
    std::printf("%-28s %8.1f %8.1f %18.1f %14.1f\n", c.where, f, onednn(tag::nchw, true), onednn(tag::any, true),
                onednn(tag::any, false));
  }
  return 0;
}
