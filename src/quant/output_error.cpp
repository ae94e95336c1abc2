#include "quant/output_error.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "detect/decoder.h"

namespace fxq::quant {

DetectionOutputError::DetectionOutputError(const Graph& g, const data::PreprocessConfig& cfg)
    : cfg_(cfg.detect), width_(cfg.width), height_(cfg.height) {
  cfg_.score_threshold = -1;  // every candidate, whatever its score: the two lists pair up by position
  for (const auto& o : g.outputs) names_.push_back(o.name);
}

std::vector<detect::Detection> DetectionOutputError::decode_all(const OutputRefs& outs) const {
  detect::RawOutputs raw;
  for (const auto& name : names_) {
    const auto it = outs.find(name);
    FXQ_CHECK(it != outs.end() && it->second, "output '" + name + "' missing from the profile's outputs");
    raw.tensors.push_back(it->second);
    raw.names.push_back(name);
  }
  return detect::decode(cfg_, width_, height_, raw);
}

void DetectionOutputError::set_reference(size_t image, const OutputRefs& ref) {
  if (ref_.size() <= image) ref_.resize(image + 1);
  ref_[image] = decode_all(ref);
}

double DetectionOutputError::candidate_error(const detect::Detection& r, const detect::Detection& q) {
  const double ds = q.score - r.score;
  const double size = std::sqrt(std::max(1.0, r.box.width()) * std::max(1.0, r.box.height()));
  double box = 0;
  for (const double d : {q.box.x1 - r.box.x1, q.box.y1 - r.box.y1, q.box.x2 - r.box.x2, q.box.y2 - r.box.y2}) {
    const double e = (d / size) * (d / size);
    box += e < 1.0 ? e : 1.0;  // also NaN -> 1
  }
  return (std::isfinite(ds) ? ds * ds : 1.0) + r.score * box;
}

double DetectionOutputError::error(size_t image, const OutputRefs& perturbed) const {
  FXQ_CHECK(image < ref_.size() && !ref_[image].empty(), "no reference detections for probe image " + std::to_string(image));
  const std::vector<detect::Detection> q = decode_all(perturbed);
  const std::vector<detect::Detection>& r = ref_[image];
  FXQ_CHECK(q.size() == r.size(), "the decoder gave " + std::to_string(q.size()) + " candidates, the reference " +
                                      std::to_string(r.size()));
  double e = 0;
  for (size_t k = 0; k < r.size(); ++k) e += candidate_error(r[k], q[k]);
  return e;
}

std::shared_ptr<OutputError> output_error_for(const Graph& g, const data::PreprocessConfig& cfg) {
  if (!cfg.is_detector()) return nullptr;
  return std::make_shared<DetectionOutputError>(g, cfg);
}

}  // namespace fxq::quant
