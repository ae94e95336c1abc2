#include "data/preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/error.h"

namespace fxq::data {
namespace {

int cv_interp(Interp i) {
  switch (i) {
    case Interp::kNearest: return cv::INTER_NEAREST;
    case Interp::kLinear: return cv::INTER_LINEAR;
    case Interp::kArea: return cv::INTER_AREA;
    case Interp::kCubic: return cv::INTER_CUBIC;
  }
  return cv::INTER_LINEAR;
}

std::string size_str(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

cv::Mat resized(const cv::Mat& img, int w, int h, Interp interp) {
  cv::Mat out;
  cv::resize(img, out, cv::Size(w, h), 0, 0, cv_interp(interp));
  return out;
}

// 8-bit, 1 channel for gray configs, 3 (BGR) otherwise, as IMREAD_GRAYSCALE / IMREAD_COLOR would give.
cv::Mat with_config_channels(const cv::Mat& img, const PreprocessConfig& cfg) {
  if (img.empty()) fail_input("empty image");
  if (img.depth() != CV_8U) fail_input("only 8-bit images are supported");
  const bool gray = cfg.color == ColorOrder::kGray;
  cv::Mat out;
  switch (img.channels()) {
    case 1:
      if (gray) return img;
      cv::cvtColor(img, out, cv::COLOR_GRAY2BGR);
      return out;
    case 3:
      if (!gray) return img;
      cv::cvtColor(img, out, cv::COLOR_BGR2GRAY);
      return out;
    case 4:
      cv::cvtColor(img, out, gray ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGRA2BGR);
      return out;
    default:
      fail_input("images with " + std::to_string(img.channels()) + " channels are not supported");
  }
}

// Short side to cfg.shorter_side (skipped when it already is), new size round(w*s), round(h*s) (Python round),
// then the centre crop at round((size - crop) / 2) (prep_cache.py cls224).
cv::Mat shorter_side_center_crop(const cv::Mat& img, const PreprocessConfig& cfg, Geometry* g) {
  const int w = img.cols, h = img.rows, S = cfg.shorter_side;
  cv::Mat r = img;
  if (std::min(w, h) != S) {
    const double s = static_cast<double>(S) / std::min(h, w);
    r = resized(img, static_cast<int>(round_half_even(w * s)), static_cast<int>(round_half_even(h * s)),
                cfg.interpolation);
  }
  const int y0 = static_cast<int>(round_half_even((r.rows - cfg.height) / 2.0));
  const int x0 = static_cast<int>(round_half_even((r.cols - cfg.width) / 2.0));
  FXQ_CHECK(x0 >= 0 && y0 >= 0 && x0 + cfg.width <= r.cols && y0 + cfg.height <= r.rows,
            "centre crop outside the resized image");
  g->sx = static_cast<double>(r.cols) / w;
  g->sy = static_cast<double>(r.rows) / h;
  g->px = -x0;
  g->py = -y0;
  return r(cv::Rect(x0, y0, cfg.width, cfg.height));
}

[[noreturn]] void too_thin(int w, int h, const PreprocessConfig& cfg) {
  fail_input("image " + size_str(w, h) + " is too thin to letterbox into " + size_str(cfg.width, cfg.height));
}

// YOLOX: r = min(H/h, W/w), new size (int(w*r), int(h*r)), pasted top-left (prep_cache.py yolox416).
cv::Mat letterbox_top_left(const cv::Mat& img, const PreprocessConfig& cfg, Geometry* g) {
  const int w = img.cols, h = img.rows, W = cfg.width, H = cfg.height;
  const double r = std::min(static_cast<double>(H) / h, static_cast<double>(W) / w);
  const int nw = static_cast<int>(w * r), nh = static_cast<int>(h * r);
  if (nw < 1 || nh < 1) too_thin(w, h, cfg);
  cv::Mat canvas(H, W, img.type(), cv::Scalar::all(cfg.pad_value));
  resized(img, nw, nh, cfg.interpolation).copyTo(canvas(cv::Rect(0, 0, nw, nh)));
  g->sx = g->sy = r;
  return canvas;
}

// NanoDet (prep_cache.py nanodet416): same aspect as the target -> plain resize; taller -> height H,
// nw = int(H / (h/w)), left = int((W - nw) * 0.5); wider -> width W, nh = int(W * (h/w)), top = int((H - nh) * 0.5).
cv::Mat letterbox_centered(const cv::Mat& img, const PreprocessConfig& cfg, Geometry* g) {
  const int w = img.cols, h = img.rows, W = cfg.width, H = cfg.height;
  const int64_t hW = static_cast<int64_t>(h) * W, wH = static_cast<int64_t>(w) * H;
  if (hW == wH) {
    g->sx = static_cast<double>(W) / w;
    g->sy = static_cast<double>(H) / h;
    return resized(img, W, H, cfg.interpolation);
  }
  const double hw = static_cast<double>(h) / w;
  int nw = W, nh = H, left = 0, top = 0;
  if (hW > wH) {
    nw = static_cast<int>(H / hw);
    left = static_cast<int>((W - nw) * 0.5);
  } else {
    nh = static_cast<int>(W * hw);
    top = static_cast<int>((H - nh) * 0.5);
  }
  if (nw < 1 || nh < 1) too_thin(w, h, cfg);
  cv::Mat canvas(H, W, img.type(), cv::Scalar::all(cfg.pad_value));
  resized(img, nw, nh, cfg.interpolation).copyTo(canvas(cv::Rect(left, top, nw, nh)));
  g->sx = static_cast<double>(nw) / w;
  g->sy = static_cast<double>(nh) / h;
  g->px = left;
  g->py = top;
  return canvas;
}

}  // namespace

double round_half_even(double x) {
  const double f = std::floor(x), d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return std::fmod(f, 2.0) == 0 ? f : f + 1;
}

cv::Mat decode_image(const std::string& path, const PreprocessConfig& cfg) {
  try {
    return cv::imread(path, cfg.color == ColorOrder::kGray ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
  } catch (const cv::Exception&) {
    return cv::Mat();
  }
}

cv::Mat preprocess_geometry(const cv::Mat& decoded, const PreprocessConfig& cfg, Geometry* geom) {
  const cv::Mat img = with_config_channels(decoded, cfg);
  Geometry g;
  g.orig_w = img.cols;
  g.orig_h = img.rows;
  cv::Mat out;
  switch (cfg.resize) {
    case ResizePolicy::kNone:
      if (img.cols != cfg.width || img.rows != cfg.height)
        fail_input("image is " + size_str(img.cols, img.rows) + " but config '" + cfg.name + "' expects " +
                   size_str(cfg.width, cfg.height) + " (\"resize\": \"none\")");
      out = img;
      break;
    case ResizePolicy::kStretch:
      out = resized(img, cfg.width, cfg.height, cfg.interpolation);
      g.sx = static_cast<double>(cfg.width) / img.cols;
      g.sy = static_cast<double>(cfg.height) / img.rows;
      break;
    case ResizePolicy::kShorterSideCenterCrop: out = shorter_side_center_crop(img, cfg, &g); break;
    case ResizePolicy::kLetterbox:
      out = cfg.letterbox_center ? letterbox_centered(img, cfg, &g) : letterbox_top_left(img, cfg, &g);
      break;
  }
  if (cfg.color == ColorOrder::kRGB) {
    cv::Mat rgb;
    cv::cvtColor(out, rgb, cv::COLOR_BGR2RGB);
    out = rgb;
  } else if (!out.isContinuous() || out.data == decoded.data) {
    out = out.clone();  // own, continuous storage: never alias the caller's image
  }
  if (geom) *geom = g;
  return out;
}

Tensor normalize(const cv::Mat& geometric, const PreprocessConfig& cfg) {
  const int C = cfg.channels(), H = cfg.height, W = cfg.width;
  FXQ_CHECK(geometric.type() == CV_8UC(C) && geometric.cols == W && geometric.rows == H &&
                geometric.isContinuous(),
            "normalize: the image must be the 8-bit, continuous output of preprocess_geometry");
  FXQ_CHECK(cfg.mean.empty() || static_cast<int>(cfg.mean.size()) == C, "normalize: mean size");
  FXQ_CHECK(cfg.std.empty() || static_cast<int>(cfg.std.size()) == C, "normalize: std size");
  // p * scale as p / k when scale is exactly the double nearest 1/k (the reference divides by 255).
  const double k = std::nearbyint(1.0 / cfg.scale);
  const bool divide = k >= 1 && 1.0 / k == cfg.scale;
  std::vector<float> lut(static_cast<size_t>(C) * 256);
  for (int c = 0; c < C; ++c) {
    const double mean = cfg.mean.empty() ? 0.0 : cfg.mean[c], sd = cfg.std.empty() ? 1.0 : cfg.std[c];
    for (int p = 0; p < 256; ++p) {
      const double v = divide ? p / k : p * cfg.scale;
      lut[static_cast<size_t>(c) * 256 + p] = static_cast<float>((v - mean) / sd);
    }
  }
  const size_t hw = static_cast<size_t>(H) * W;
  std::vector<float> x(hw * C);
  const uint8_t* src = geometric.ptr<uint8_t>();
  const bool nchw = cfg.layout == Layout::kNCHW;
  for (size_t i = 0; i < hw; ++i)
    for (int c = 0; c < C; ++c) {
      const float v = lut[static_cast<size_t>(c) * 256 + src[i * C + c]];
      x[nchw ? c * hw + i : i * C + c] = v;
    }
  Shape shape = nchw ? Shape{1, C, H, W} : Shape{1, H, W, C};
  return Tensor::from_floats(std::move(shape), std::move(x));
}

Tensor preprocess(const cv::Mat& decoded, const PreprocessConfig& cfg, Geometry* geom) {
  return normalize(preprocess_geometry(decoded, cfg, geom), cfg);
}

}  // namespace fxq::data
