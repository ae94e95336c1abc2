// Progress of long work on stderr: a bar with counts, rate and ETA when stderr is a terminal,
// a plain line every ~10% (and at the end) otherwise, nothing when quiet.
#pragma once
#include <chrono>
#include <cstddef>
#include <string>

namespace fxq {

class Progress {
 public:
  // `unit` names what is counted ("images", "nodes"); it follows the counts.
  Progress(std::string label, size_t total, bool quiet = false, std::string unit = "");
  ~Progress();  // finishes the line if done() was not called
  void advance(size_t n = 1);
  void done();

 private:
  void draw(bool final);
  std::string label_, unit_;
  size_t total_, count_ = 0;
  bool quiet_, tty_, finished_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// A duration for people: "0.4s", "14s", "2m05s", "1h02m".
std::string format_duration(double seconds);

}  // namespace fxq
