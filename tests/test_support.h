// Shared test helpers: where the shared data is (a loud failure when it is missing), temporary
// folders, running the fxq binary, and building small ONNX models in code.
#pragma once
#include <onnx/onnx_pb.h>

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "ir/tensor.h"

namespace fxq::test {

// ../shared/data (FXQ_SHARED_DATA_DIR). FAILS the test, with a message, when it is missing.
std::string shared_data();
// A fresh empty folder under the system temp dir, unique per call.
std::string temp_dir(const std::string& tag);

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};
// Runs a shell command line, capturing stdout and stderr.
CommandResult run_command(const std::string& command_line);
// Runs the fxq binary under test with `args` (already shell-quoted where needed).
CommandResult run_fxq(const std::string& args);

// The error contract of every bad input: exit `code`, one line on stderr ("fxq: ..."), naming `mention`.
void require_one_line_error(const CommandResult& r, int code, const std::string& mention);
// A report (JSON file) validates against docs/report.schema.json (python3-jsonschema).
bool validates_report_schema(const std::string& report);

// The exit code of the fxq::Error `f` throws, or kOk when it returns.
ExitCode code_of(const std::function<void()>& f);
// `n` feeds of one input `name` of shape `s`, uniform in [-1, 1), seeded.
std::vector<std::map<std::string, Tensor>> random_feeds(const std::string& name, const Shape& s, size_t n, unsigned seed);
// The float mAP@0.5 (a fraction) the MANIFEST's reference script measured for `key`: shared/data/eval_results.jsonl.
double manifest_map50(const std::string& key);

void write_bytes(const std::string& path, const std::string& bytes);
std::string read_bytes(const std::string& path);
bool file_exists(const std::string& path);

// A small ONNX model built in code.
struct ModelBuilder {
  onnx::ModelProto m;
  explicit ModelBuilder(int64_t opset = 13);
  void input(const std::string& name, const std::vector<int64_t>& shape, int elem_type = onnx::TensorProto::FLOAT);
  void output(const std::string& name, const std::vector<int64_t>& shape, int elem_type = onnx::TensorProto::FLOAT);  // -1: symbolic dim
  void init(const std::string& name, const std::vector<int64_t>& shape, const std::vector<float>& values);
  void init_i64(const std::string& name, const std::vector<int64_t>& shape, const std::vector<int64_t>& values);
  onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& in, const std::vector<std::string>& out,
                        const std::string& name = "");
  static void attr(onnx::NodeProto* n, const std::string& key, int64_t v);
  static void attr(onnx::NodeProto* n, const std::string& key, float v);
  static void attr(onnx::NodeProto* n, const std::string& key, const std::vector<int64_t>& v);
  std::string save(const std::string& path) const;  // returns path
};

}  // namespace fxq::test
