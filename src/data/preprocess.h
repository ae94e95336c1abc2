// Decode + preprocess one image as the reference scripts do (shared/data/tools/prep_cache.py for the geometry,
// eval_ort.js for the normalisation), bit for bit: two steps, geometry (8-bit, OpenCV) then normalisation (float).
#pragma once
#include <opencv2/core.hpp>
#include <string>

#include "data/preprocess_config.h"
#include "ir/tensor.h"

namespace fxq::data {

// Where the network input came from: x_orig = (x_in - px) / sx, y_orig = (y_in - py) / sy.
struct Geometry {
  int orig_w = 0, orig_h = 0;
  double sx = 1, sy = 1, px = 0, py = 0;
};

// IMREAD_GRAYSCALE for kGray, else IMREAD_COLOR (BGR); an empty Mat if the file cannot be decoded.
cv::Mat decode_image(const std::string& path, const PreprocessConfig& cfg);

// Step 1, geometry: an 8-bit image (1, 3 (BGR) or 4 (BGRA) channels) -> cfg.height x cfg.width, 8-bit, in the
// output channel order (RGB, BGR or gray), HWC. This is what prep_cache.py writes to its cache.
// Bad input (empty, not 8-bit, kNone with another size, too thin to letterbox) -> fail_input.
cv::Mat preprocess_geometry(const cv::Mat& decoded, const PreprocessConfig& cfg, Geometry* geom);

// Step 2, normalisation: x = (p * scale - mean[c]) / std[c] in double, rounded once to float (as eval_ort.js).
// When scale = 1/k for an integer k the product is computed as p / k, which is the reference's p/255.
// -> float [1,C,H,W] (kNCHW) or [1,H,W,C] (kNHWC).
Tensor normalize(const cv::Mat& geometric, const PreprocessConfig& cfg);

// Both steps. geom may be null.
Tensor preprocess(const cv::Mat& decoded, const PreprocessConfig& cfg, Geometry* geom);

// Python's round() on a double: round half to even.
double round_half_even(double x);

}  // namespace fxq::data
