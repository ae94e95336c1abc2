// THE table of calibration observers: parsing (make_observer), help text and the tests read it.
#include "common/error.h"
#include "quant/observers/observer.h"

namespace fxq::quant {

const std::vector<ObserverMethod>& observer_methods() {
  static const std::vector<ObserverMethod> table = {
      {"minmax", "cover the largest finite |x| seen (no outlier clipping)", &make_minmax_observer},
      {"histogram", "cover the 99.99th percentile of finite |x| (2048-bin streaming histogram)",
       [] { return make_histogram_observer(); }},
  };
  return table;
}

std::string observer_names() {
  std::string names;
  for (const auto& m : observer_methods()) names += (names.empty() ? "" : ", ") + std::string(m.name);
  return names;
}

std::unique_ptr<Observer> make_observer(const std::string& name) {
  for (const auto& m : observer_methods())
    if (name == m.name) return m.make();
  fail(ExitCode::kUsage, "unknown observer '" + name + "' (known: " + observer_names() + ")");
}

}  // namespace fxq::quant
