#include "common/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fxq {

Progress::Progress(std::string label, size_t total, bool quiet, std::string unit)
    : label_(std::move(label)), unit_(unit.empty() ? "" : " " + unit), total_(total), quiet_(quiet),
      tty_(::isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()), last_draw_(start_) {
  // On a terminal the bar appears at once, so a phase whose first step is slow (the first layers of
  // a large model's search) does not look like a hang.
  if (!quiet_ && tty_ && total_ > 0) draw(false);
}

Progress::~Progress() {
  if (!finished_ && count_ > 0) done();
}

void Progress::advance(size_t n) {
  count_ += n;
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (now - last_draw_ > std::chrono::milliseconds(100) || count_ >= total_) { last_draw_ = now; draw(false); }
  } else if (total_ > 0) {
    const int decile = static_cast<int>(10 * count_ / total_);
    if (decile != last_decile_ && decile < 10) { last_decile_ = decile; draw(false); }
  }
}

void Progress::done() {
  if (finished_) return;
  finished_ = true;
  if (!quiet_) draw(true);
}

void Progress::draw(bool final) {
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = secs > 0 ? count_ / secs : 0;
  // No ETA before the first step: there is no rate to extrapolate from yet.
  const std::string eta = final ? "took " + format_duration(secs)
                          : count_ == 0 ? "ETA ?"
                                        : "ETA " + format_duration(total_ > count_ ? (total_ - count_) / rate : 0);
  if (tty_) {
    const int width = 30, filled = total_ ? static_cast<int>(width * std::min(count_, total_) / total_) : width;
    std::string bar(static_cast<size_t>(filled), '#');
    bar += std::string(static_cast<size_t>(width - filled), '.');
    std::fprintf(stderr, "\r%s [%s] %zu/%zu%s  %.1f/s  %s   ", label_.c_str(), bar.c_str(), count_, total_,
                 unit_.c_str(), rate, eta.c_str());
    if (final) std::fprintf(stderr, "\n");
  } else {
    std::fprintf(stderr, "%s: %zu/%zu%s (%.1f/s, %s)\n", label_.c_str(), count_, total_, unit_.c_str(), rate, eta.c_str());
  }
  std::fflush(stderr);
}

std::string format_duration(double seconds) {
  char b[32];
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  if (seconds < 9.95) {
    std::snprintf(b, sizeof b, "%.1fs", seconds);
  } else if (seconds < 59.5) {
    std::snprintf(b, sizeof b, "%.0fs", seconds);
  } else if (seconds < 3599.5) {
    const long s = std::lround(seconds);
    std::snprintf(b, sizeof b, "%ldm%02lds", s / 60, s % 60);
  } else {
    const long m = std::lround(seconds / 60);
    std::snprintf(b, sizeof b, "%ldh%02ldm", m / 60, m % 60);
  }
  return b;
}

}  // namespace fxq
