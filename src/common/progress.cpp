#include "common/progress.h"

#include <unistd.h>

#include <cstdio>

namespace fxq {

Progress::Progress(std::string label, size_t total, bool quiet)
    : label_(std::move(label)), total_(total), quiet_(quiet), tty_(::isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

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
  const double eta = rate > 0 && total_ > count_ ? (total_ - count_) / rate : 0;
  if (tty_) {
    const int width = 30, filled = total_ ? static_cast<int>(width * count_ / total_) : width;
    std::string bar(static_cast<size_t>(filled), '#');
    bar += std::string(static_cast<size_t>(width - filled), '.');
    std::fprintf(stderr, "\r%s [%s] %zu/%zu  %.1f/s  %s %.0fs   ", label_.c_str(), bar.c_str(), count_, total_, rate,
                 final ? "took" : "ETA", final ? secs : eta);
    if (final) std::fprintf(stderr, "\n");
  } else {
    std::fprintf(stderr, "%s: %zu/%zu (%.1f/s, %s %.0fs)\n", label_.c_str(), count_, total_, rate,
                 final ? "took" : "ETA", final ? secs : eta);
  }
  std::fflush(stderr);
}

}  // namespace fxq
