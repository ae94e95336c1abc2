// Conv micro-benchmark: conv2d_fast's two paths for 3x3 stride-1 and stride-2 convs, im2col + GEMM
// (conv2d_gemm) and the direct kernel (conv2d_direct3x3), and for 1x1 stride-1 (pointwise) convs, one
// GEMM (conv2d_gemm) and the direct kernel (conv2d_direct1x1), on the shapes of the shared models
// (batch 1, pads as in the models, Relu fused), and which one conv2d_fast picks. The rules in
// direct3x3_preferred (ops/conv_direct.cpp) and direct1x1_preferred (ops/conv_direct1x1.cpp) were read
// off this table (docs/engine.md).
//
// Shapes the stem kernel takes (conv2d_stem: at most 4 input channels) show it too.
// With --kernel dw: the depthwise 3x3 convs of the models (Clip fused, as MobileNetV2), the padded-copy
// kernel (conv2d_depthwise) against the direct one (conv2d_depthwise3x3, ops/conv_depthwise3x3.cpp).
//
// usage: fxq_bench_conv [--reps 200] [--threads 1] [--kernel all|3x3|1x1|dw] [--shape NAME-PART]
// Per shape and path: the fastest of `reps` runs after 3 warm-up runs, on one seeded random input.
#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench_args.h"
#include "common/parallel.h"
#include "ops/conv_kernels.h"

using namespace fxq;

namespace {

struct Case {
  const char* where;
  int64_t c_in, c_out, size;  // size: the input's height and width
  int64_t stride = 1, pad = 1;
  int64_t k = 3;  // 3x3 or 1x1 (pointwise: stride 1, no pad)
};

Case pointwise(const char* where, int64_t c_in, int64_t c_out, int64_t size) { return {where, c_in, c_out, size, 1, 0, 1}; }

// Depthwise 3x3 layers of MobileNetV2, YOLOX-Nano and NanoDet-m: channels, input size, stride.
int depthwise_table(int reps) {
  const std::vector<Case> cases = {
      {"mobilenetv2", 32, 32, 112, 1},  {"mobilenetv2", 96, 96, 112, 2},  {"mobilenetv2", 144, 144, 56, 1},
      {"mobilenetv2", 144, 144, 56, 2}, {"mobilenetv2", 192, 192, 28, 1}, {"mobilenetv2", 192, 192, 28, 2},
      {"mobilenetv2", 384, 384, 14, 1}, {"mobilenetv2", 576, 576, 14, 1}, {"mobilenetv2", 576, 576, 14, 2},
      {"mobilenetv2", 960, 960, 7, 1},  {"yolox", 32, 32, 104, 1},        {"yolox", 32, 32, 104, 2},
      {"yolox", 64, 64, 52, 1},         {"yolox", 64, 64, 52, 2},         {"yolox", 128, 128, 26, 1},
      {"yolox", 128, 128, 26, 2},       {"yolox", 256, 256, 13, 1},       {"nanodet", 24, 24, 104, 2},
      {"nanodet", 58, 58, 52, 1},       {"nanodet", 116, 116, 52, 2},     {"nanodet", 116, 116, 26, 1},
      {"nanodet", 232, 232, 26, 2},     {"nanodet", 232, 232, 13, 1},     {"nanodet", 96, 96, 52, 1},
  };
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Epilogue clip;
  clip.kind = Epilogue::kClip, clip.lo = 0.0f, clip.hi = 6.0f;
  std::printf("%-12s %5s %5s %3s %8s %15s %15s %8s\n", "depthwise", "ch", "HxW", "s", "MMACs", "padded GMAC/s",
              "direct GMAC/s", "ratio");
  for (const Case& c : cases) {
    Conv2dShape s;
    s.c_in = s.c_out = s.group = c.c_in, s.in_h = s.in_w = c.size;
    s.k_h = s.k_w = 3, s.pad_top = s.pad_left = 1, s.stride_h = s.stride_w = c.stride;
    s.out_h = s.out_w = (c.size + 2 - 3) / c.stride + 1;
    std::vector<float> x(s.c_in * c.size * c.size), w(s.c_out * 9), b(s.c_out), y(s.c_out * s.out_h * s.out_w);
    for (auto* v : {&x, &w, &b})
      for (float& e : *v) e = u(rng);
    const double macs = static_cast<double>(s.c_out * 9 * s.out_h * s.out_w);
    const double p = bench::best_us(reps, [&] { conv2d_depthwise(s, x.data(), w.data(), b.data(), y.data(), &clip); });
    const double d = bench::best_us(reps, [&] { conv2d_depthwise3x3(s, x.data(), w.data(), b.data(), y.data(), &clip); });
    std::printf("%-12s %5lld %5lld %3lld %8.2f %15.1f %15.1f %8.2f\n", c.where, static_cast<long long>(c.c_in),
                static_cast<long long>(c.size), static_cast<long long>(c.stride), macs / 1e6, macs / p / 1e3,
                macs / d / 1e3, p / d);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const int reps = std::stoi(bench::flag_value(args, "--reps", "200"));
  set_num_threads(std::stoi(bench::flag_value(args, "--threads", "1")));
  const std::string kernel = bench::flag_value(args, "--kernel", "all");
  const std::string only = bench::flag_value(args, "--shape", "");  // rows whose name contains this
  const std::vector<Case> cases = {
      {"resnet conv1", 3, 16, 32},       {"resnet layer1", 16, 16, 32},    {"resnet layer2", 32, 32, 16},
      {"resnet layer3", 64, 64, 8},      {"squeezenet fire2-3", 16, 64, 55}, {"squeezenet fire4-5", 32, 128, 27},
      {"squeezenet fire6-7", 48, 192, 13}, {"squeezenet fire8-9", 64, 256, 13}, {"yolox stem", 12, 16, 208},
      // wider layers than the shared models have (ResNet-18/50 stages): where the rule's bound comes from
      {"wide 96x28", 96, 96, 28},        {"wide 128x28", 128, 128, 28},    {"wide 256x14", 256, 256, 14},
      {"wide 512x7", 512, 512, 7},
      // stride 2: the stems of SqueezeNet (no pad), MobileNetV2 and NanoDet, ResNet's downsampling convs
      {"squeezenet conv0 s2", 3, 64, 224, 2, 0}, {"mobilenetv2 conv0 s2", 3, 32, 224, 2, 1},
      {"nanodet conv0 s2", 3, 24, 416, 2, 1},    {"resnet layer2 s2", 16, 32, 32, 2, 1},
      {"resnet layer3 s2", 32, 64, 16, 2, 1},    {"wide 128x56 s2", 128, 128, 56, 2, 1},
      {"wide 256x28 s2", 256, 256, 28, 2, 1},    {"8->16 x64 s2", 8, 16, 64, 2, 1},
      {"64->64 x32 s2", 64, 64, 32, 2, 1},       {"64->128 x16 s2", 64, 128, 16, 2, 1},
      {"96->96 x28 s2", 96, 96, 28, 2, 1},
      // 1x1 stride 1: NanoDet-m (ShuffleNetV2 branches, PAN, head), YOLOX-Nano (CSP, SPP, head),
      // MobileNetV2 (expand, project), SqueezeNet (squeeze, expand1x1, conv10)
      pointwise("nanodet 24->58", 24, 58, 104),    pointwise("nanodet 24->58", 24, 58, 52),
      pointwise("nanodet 58->58", 58, 58, 52),     pointwise("nanodet 116->116", 116, 116, 52),
      pointwise("nanodet 116->116", 116, 116, 26), pointwise("nanodet 232->232", 232, 232, 26),
      pointwise("nanodet 232->232", 232, 232, 13), pointwise("nanodet 116->96", 116, 96, 52),
      pointwise("nanodet 232->96", 232, 96, 26),   pointwise("nanodet 464->96", 464, 96, 13),
      pointwise("nanodet 96->112", 96, 112, 52),   pointwise("nanodet 96->112", 96, 112, 13),
      pointwise("yolox 32->16", 32, 16, 104),      pointwise("yolox 16->16", 16, 16, 104),
      pointwise("yolox 32->32", 32, 32, 104),      pointwise("yolox 64->32", 64, 32, 52),
      pointwise("yolox 64->64", 64, 64, 52),       pointwise("yolox 128->64", 128, 64, 26),
      pointwise("yolox 128->128", 128, 128, 26),   pointwise("yolox 256->128", 256, 128, 13),
      pointwise("yolox 256->256", 256, 256, 13),   pointwise("yolox 512->256", 512, 256, 13),
      pointwise("yolox 64->80", 64, 80, 52),       pointwise("yolox 256->64", 256, 64, 13),
      pointwise("mobilenetv2 32->16", 32, 16, 112), pointwise("mobilenetv2 16->96", 16, 96, 112),
      pointwise("mobilenetv2 96->24", 96, 24, 56), pointwise("mobilenetv2 24->144", 24, 144, 56),
      pointwise("mobilenetv2 144->24", 144, 24, 56), pointwise("mobilenetv2 32->192", 32, 192, 28),
      pointwise("mobilenetv2 192->32", 192, 32, 28), pointwise("mobilenetv2 64->384", 64, 384, 14),
      pointwise("mobilenetv2 384->64", 384, 64, 14), pointwise("mobilenetv2 96->576", 96, 576, 14),
      pointwise("mobilenetv2 576->96", 576, 96, 14), pointwise("mobilenetv2 160->960", 160, 960, 7),
      pointwise("mobilenetv2 960->160", 960, 160, 7), pointwise("mobilenetv2 320->1280", 320, 1280, 7),
      pointwise("squeezenet 64->16", 64, 16, 55),  pointwise("squeezenet 16->64", 16, 64, 55),
      pointwise("squeezenet 128->32", 128, 32, 27), pointwise("squeezenet 32->128", 32, 128, 27),
      pointwise("squeezenet 384->48", 384, 48, 13), pointwise("squeezenet 48->192", 48, 192, 13),
      pointwise("squeezenet 512->64", 512, 64, 13), pointwise("squeezenet 64->256", 64, 256, 13),
      pointwise("squeezenet 512->1000", 512, 1000, 13),
  };
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Epilogue relu;
  relu.kind = Epilogue::kRelu;
  if (kernel == "dw") return depthwise_table(reps);
  std::printf("%-20s %5s %5s %5s %10s %12s %12s %8s %s\n", "shape", "c_in", "c_out", "HxW", "MMACs", "gemm GMAC/s",
              "direct GMAC/s", "ratio", "conv2d_fast");
  for (const Case& c : cases) {
    if (kernel != "all" && kernel != (c.k == 3 ? "3x3" : "1x1")) continue;
    if (!only.empty() && std::string(c.where).find(only) == std::string::npos) continue;
    Conv2dShape s;
    s.c_in = c.c_in, s.c_out = c.c_out, s.in_h = s.in_w = c.size;
    s.k_h = s.k_w = c.k, s.pad_top = s.pad_left = c.pad, s.stride_h = s.stride_w = c.stride;
    s.out_h = s.out_w = (c.size + 2 * c.pad - c.k) / c.stride + 1;
    const int64_t taps = c.k * c.k;
    std::vector<float> x(s.c_in * c.size * c.size), w(s.c_out * s.c_in * taps), b(s.c_out), y(s.c_out * s.out_h * s.out_w);
    for (auto* v : {&x, &w, &b})
      for (float& e : *v) e = u(rng);
    const double macs = static_cast<double>(s.c_out * s.c_in * taps * s.out_h * s.out_w);
    const auto direct = c.k == 3 ? conv2d_direct3x3 : conv2d_direct1x1;
    const bool preferred = c.k == 3 ? direct3x3_preferred(s) : direct1x1_preferred(s);
    const double g = bench::best_us(reps, [&] { conv2d_gemm(s, x.data(), w.data(), b.data(), y.data(), &relu); });
    const double d = bench::best_us(reps, [&] { direct(s, x.data(), w.data(), b.data(), y.data(), &relu); });
    const bool stem = c.k == 3 && stem_applies(s);
    const double t = stem ? bench::best_us(reps, [&] { conv2d_stem(s, x.data(), w.data(), b.data(), y.data(), &relu); }) : 0;
    std::printf("%-20s %5lld %5lld %5lld %10.2f %12.1f %12.1f %8.2f %s", c.where, static_cast<long long>(c.c_in),
                static_cast<long long>(c.c_out), static_cast<long long>(c.size), macs / 1e6, macs / g / 1e3,
                macs / d / 1e3, g / d, stem ? "stem" : preferred ? "direct" : "gemm");
    if (stem) std::printf("  (stem kernel %.1f GMAC/s)", macs / t / 1e3);
    std::printf("\n");
  }
  return 0;
}
