#include "test_support.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

namespace fxq::test {

std::string shared_data() {
  const std::string dir = FXQ_SHARED_DATA_DIR;
  INFO("the shared models and images are expected at " << dir
       << " (../shared/data beside the checkout, or -DFXQ_SHARED_DATA=...): they are missing");
  REQUIRE(std::filesystem::is_directory(dir + "/models"));
  return dir;
}

std::string temp_dir(const std::string& tag) {
  static std::atomic<int> counter{0};
  const auto dir = std::filesystem::temp_directory_path() /
                   ("fxq-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

CommandResult run_command(const std::string& command_line) {
  const std::string dir = temp_dir("cmd");
  const std::string out = dir + "/out", err = dir + "/err";
  const int status = std::system((command_line + " >" + out + " 2>" + err).c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_bytes(out);
  r.err = read_bytes(err);
  std::filesystem::remove_all(dir);
  return r;
}

CommandResult run_fxq(const std::string& args) { return run_command(std::string(FXQ_BINARY) + " " + args); }

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream o(path, std::ios::binary);
  o << bytes;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool file_exists(const std::string& path) { return std::filesystem::exists(path); }

ModelBuilder::ModelBuilder(int64_t opset) {
  m.set_ir_version(7);
  m.set_producer_name("fxq-tests");
  auto* os = m.add_opset_import();
  os->set_domain("");
  os->set_version(opset);
  m.mutable_graph()->set_name("test");
}

namespace {
void set_type(onnx::ValueInfoProto* v, const std::string& name, const std::vector<int64_t>& shape, int elem_type) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  auto* sh = tt->mutable_shape();
  for (size_t k = 0; k < shape.size(); ++k) {
    auto* dim = sh->add_dim();
    if (shape[k] < 0) dim->set_dim_param(name + "_d" + std::to_string(k));
    else dim->set_dim_value(shape[k]);
  }
}
}  // namespace

void ModelBuilder::input(const std::string& name, const std::vector<int64_t>& shape, int elem_type) {
  set_type(m.mutable_graph()->add_input(), name, shape, elem_type);
}

void ModelBuilder::output(const std::string& name, const std::vector<int64_t>& shape, int elem_type) {
  set_type(m.mutable_graph()->add_output(), name, shape, elem_type);
}

void ModelBuilder::init(const std::string& name, const std::vector<int64_t>& shape, const std::vector<float>& values) {
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : shape) t->add_dims(d);
  for (float v : values) t->add_float_data(v);
}

void ModelBuilder::init_i64(const std::string& name, const std::vector<int64_t>& shape, const std::vector<int64_t>& values) {
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  for (int64_t d : shape) t->add_dims(d);
  for (int64_t v : values) t->add_int64_data(v);
}

onnx::NodeProto* ModelBuilder::node(const std::string& op, const std::vector<std::string>& in,
                                    const std::vector<std::string>& out, const std::string& name) {
  auto* n = m.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name.empty() ? op + std::to_string(m.graph().node_size()) : name);
  for (const auto& s : in) n->add_input(s);
  for (const auto& s : out) n->add_output(s);
  return n;
}

void ModelBuilder::attr(onnx::NodeProto* n, const std::string& key, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
void ModelBuilder::attr(onnx::NodeProto* n, const std::string& key, float v) {
  auto* a = n->add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
void ModelBuilder::attr(onnx::NodeProto* n, const std::string& key, const std::vector<int64_t>& v) {
  auto* a = n->add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

std::string ModelBuilder::save(const std::string& path) const {
  write_bytes(path, m.SerializeAsString());
  return path;
}

void require_one_line_error(const CommandResult& r, int code, const std::string& mention) {
  INFO("exit " << r.exit_code << ", stderr: " << r.err);
  REQUIRE(r.exit_code == code);
  REQUIRE(r.err.find(mention) != std::string::npos);
  REQUIRE(r.err.rfind("fxq: ", 0) == 0);  // the error itself, no stack trace
  REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

bool validates_report_schema(const std::string& report) {
  const auto v = run_command("/usr/bin/python3 -c \"import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), "
                             "json.load(open(sys.argv[2])))\" " + report + " " + FXQ_SOURCE_DIR + "/docs/report.schema.json");
  INFO("schema validation: " << v.err);
  return v.exit_code == 0;
}

ExitCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::kOk;
}

std::vector<std::map<std::string, Tensor>> random_feeds(const std::string& name, const Shape& s, size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<std::map<std::string, Tensor>> feeds;
  for (size_t k = 0; k < n; ++k) {
    Tensor t = Tensor::zeros(s);
    for (auto& v : t.f) v = u(rng);
    feeds.push_back({{name, t}});
  }
  return feeds;
}

double manifest_map50(const std::string& key) {
  std::ifstream in(shared_data() + "/eval_results.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j.value("model", "") == key) return j.at("mAP50_coco101").get<double>();
  }
  FAIL("no line for " << key << " in eval_results.jsonl");
  return 0;
}

}  // namespace fxq::test
