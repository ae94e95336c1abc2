// Errors: exceptions that carry an exit code and gain context (file, node, tensor) on the way up.
// The CLI turns one into a single line on stderr and the exit code below (documented in README.md).
#pragma once
#include <stdexcept>
#include <string>

namespace fxq {

enum class ExitCode : int {
  kOk = 0,
  kInternal = 1,        // a bug in fxq: please report it
  kUsage = 2,           // unknown flag, bad flag value
  kAccuracyNotMet = 3,  // --max-loss could not be met
  kBadInput = 4,        // model, images, labels, config, tensors unreadable or invalid
  kUnsupported = 5,     // valid input that fxq does not support (op, dtype, opset, dynamic shape)
  kOutput = 6,          // an output file or folder cannot be written
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }
  // A copy of this error with "context: " prepended (e.g. the file or node it happened in).
  Error with_context(const std::string& context) const { return Error(code_, context + ": " + what()); }

 private:
  ExitCode code_;
};

[[noreturn]] inline void fail(ExitCode code, const std::string& message) { throw Error(code, message); }
[[noreturn]] inline void fail_input(const std::string& message) { fail(ExitCode::kBadInput, message); }
[[noreturn]] inline void fail_unsupported(const std::string& message) { fail(ExitCode::kUnsupported, message); }

// Internal invariant: a failure is a bug in fxq, not in the user's input.
#define FXQ_CHECK(cond, msg)                                                                     \
  do {                                                                                           \
    if (!(cond)) ::fxq::fail(::fxq::ExitCode::kInternal, std::string(__FILE__) + ":" +           \
                                                             std::to_string(__LINE__) + ": " + (msg)); \
  } while (0)

}  // namespace fxq
