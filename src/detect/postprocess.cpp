#include "detect/postprocess.h"

#include "detect/letterbox.h"

namespace fxq::detect {

NmsParams nms_params(const DetectConfig& cfg) { return {cfg.pre_nms_top_k, cfg.nms_iou, cfg.max_detections}; }

std::vector<Detection> postprocess(const DetectConfig& cfg, int input_w, int input_h, const RawOutputs& outputs,
                                   const data::Geometry& geom) {
  // NMS runs in network-input pixels, before the boxes are mapped back and clipped to the original image,
  // as the reference (eval_ort.js) does: the kept boxes are then the reference's.
  std::vector<Detection> dets = nms(decode(cfg, input_w, input_h, outputs), nms_params(cfg));
  to_original(&dets, geom);
  return dets;
}

}  // namespace fxq::detect
