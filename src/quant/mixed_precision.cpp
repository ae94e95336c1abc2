#include "quant/mixed_precision.h"

#include <algorithm>
#include <limits>

#include "common/error.h"

namespace fxq::quant {

const char* objective_name(Objective o) {
  return o == Objective::kMemory ? "memory" : o == Objective::kBitops ? "bitops" : "balanced";
}

Objective parse_objective(const std::string& name) {
  if (name == "memory") return Objective::kMemory;
  if (name == "bitops") return Objective::kBitops;
  if (name == "balanced") return Objective::kBalanced;
  fail(ExitCode::kUsage, "unknown objective '" + name + "' (known: memory, bitops, balanced)");
}

std::vector<int> candidate_bits(int upper, int lowest) {
  std::vector<int> c;
  for (int b = std::min(lowest, upper); b <= upper; ++b) c.push_back(b);
  return c;
}

SearchOptions with_bits(SearchOptions base, const BitAssignment& bits) {
  base.layer_weight_bits = bits.weight;
  base.point_act_bits = bits.activation;
  return base;
}

namespace {

// Noise of one value at bits b (its table's entry, or the nearest larger candidate's).
double noise_at(const NoiseProfile& p, int b) {
  auto it = p.noise.lower_bound(b);
  if (it == p.noise.end()) return p.noise.empty() ? 0.0 : p.noise.rbegin()->second;
  return it->second;
}

struct Layer {
  std::string node, input_point;
  double weights = 0, biases = 0, macs = 0;
  const NoiseProfile* noise = nullptr;
};

class Path {
 public:
  Path(const Graph& g, const SearchProfile& profile, const ModelStats& stats, Objective objective,
       const std::vector<int>& wc, const std::vector<int>& ac)
      : objective_(objective), wc_(wc), ac_(ac) {
    std::map<std::string, int64_t> macs;
    for (const auto& l : stats.layers) macs[l.name] = l.macs;
    for (const auto& lp : profile.layers) {
      Layer l;
      l.node = lp.node;
      l.input_point = lp.input_point;
      l.weights = static_cast<double>(lp.weights);
      const Node* n = g.find_node(lp.node);
      if (n && n->inputs.size() > 2 && !n->inputs[2].empty() && g.initializer(n->inputs[2]))
        l.biases = static_cast<double>(g.initializer(n->inputs[2])->size());
      l.macs = static_cast<double>(macs[lp.node]);
      l.noise = lp.noise.noise.empty() ? nullptr : &lp.noise;
      layers_.push_back(l);
      cur_.weight[l.node] = wc_.back();
    }
    for (const auto& pp : profile.points) {
      points_[pp.value] = &pp.noise;
      cur_.activation[pp.value] = ac_.back();
    }
  }

  std::vector<PathStep> run() {
    std::vector<PathStep> path;
    path.push_back(step("upper bound"));
    memory0_ = std::max(path.back().weight_bits, 1.0);
    bitops0_ = std::max(path.back().bitops, 1.0);
    for (;;) {
      std::string move;
      if (!best_move(move)) break;
      path.push_back(step(move));
    }
    return path;
  }

 private:
  int act_bits_of(const std::string& point) const {
    auto it = cur_.activation.find(point);
    return it == cur_.activation.end() ? ac_.back() : it->second;
  }

  double noise() const {
    double n = 0;
    for (const auto& l : layers_)
      if (l.noise) n += l.noise->gain * noise_at(*l.noise, cur_.weight.at(l.node));
    for (const auto& [v, p] : points_) n += p->gain * noise_at(*p, cur_.activation.at(v));
    return n;
  }

  PathStep step(const std::string& move) const {
    PathStep s;
    s.bits = cur_;
    s.predicted_noise = noise();
    for (const auto& l : layers_) {
      const int wb = cur_.weight.at(l.node);
      s.weight_bits += l.weights * wb + 32.0 * l.biases;
      s.bitops += l.macs * wb * act_bits_of(l.input_point);
    }
    s.move = move;
    return s;
  }

  // The move with the smallest added noise per unit of cost saved (a move that adds no noise first).
  bool best_move(std::string& move) {
    double best = std::numeric_limits<double>::infinity();
    std::string kind, target;
    int to = 0;
    auto consider = [&](const std::string& k, const std::string& t, int b, double d_noise, double d_cost) {
      if (d_cost <= 0) return;
      const double ratio = d_noise / d_cost;
      if (ratio < best) best = ratio, kind = k, target = t, to = b;
    };
    // Cost saved per bit removed: memory counts weights, bit-ops MACs times the other operand's bits;
    // balanced sums both, each relative to its upper-bound total.
    const double wm = objective_ == Objective::kMemory ? 1.0 : objective_ == Objective::kBalanced ? 1.0 / memory0_ : 0.0;
    const double wb = objective_ == Objective::kBitops ? 1.0 : objective_ == Objective::kBalanced ? 1.0 / bitops0_ : 0.0;
    for (const auto& l : layers_) {
      if (!l.noise) continue;
      const int b = cur_.weight.at(l.node);
      const double scale = wm * l.weights + wb * l.macs * act_bits_of(l.input_point);
      for (int nb : wc_)
        if (nb < b)
          consider("w", l.node, nb, l.noise->gain * (noise_at(*l.noise, nb) - noise_at(*l.noise, b)), scale * (b - nb));
    }
    if (wb > 0) {
      for (const auto& [v, p] : points_) {
        const int a = cur_.activation.at(v);
        double scale = 0;
        for (const auto& l : layers_)
          if (l.input_point == v) scale += wb * l.macs * cur_.weight.at(l.node);
        for (int na : ac_)
          if (na < a) consider("a", v, na, p->gain * (noise_at(*p, na) - noise_at(*p, a)), scale * (a - na));
      }
    }
    if (kind.empty()) return false;
    int& slot = kind == "w" ? cur_.weight[target] : cur_.activation[target];
    move = target + " " + kind + " " + std::to_string(slot) + "->" + std::to_string(to);
    slot = to;
    return true;
  }

  Objective objective_;
  double memory0_ = 1, bitops0_ = 1;  // the upper bound's totals (balanced objective)
  std::vector<int> wc_, ac_;
  std::vector<Layer> layers_;
  std::map<std::string, const NoiseProfile*> points_;
  BitAssignment cur_;
};

}  // namespace

std::vector<PathStep> greedy_path(const Graph& g, const SearchProfile& profile, const ModelStats& stats,
                                  Objective objective, const std::vector<int>& weight_candidates,
                                  const std::vector<int>& act_candidates) {
  FXQ_CHECK(!weight_candidates.empty() && !act_candidates.empty(), "no candidate bit-widths");
  return Path(g, profile, stats, objective, weight_candidates, act_candidates).run();
}

}  // namespace fxq::quant
