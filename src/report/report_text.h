// Reading the JSON report for people: fields looked up by path with a neutral default (a report
// from an older or newer fxq lacks or adds fields; the summary and the HTML page must not throw),
// and numbers written the way people read them. Shared by summary.cpp and html_report.cpp.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

namespace fxq::report {

// The value at a path of object keys, or nullptr when a key is missing or a step is not an object.
const nlohmann::json* find(const nlohmann::json& j, std::initializer_list<const char*> path);
double number(const nlohmann::json& j, std::initializer_list<const char*> path);  // 0 unless a number
int64_t integer(const nlohmann::json& j, std::initializer_list<const char*> path);  // 0 unless a number
std::string text(const nlohmann::json& j, std::initializer_list<const char*> path);  // "" unless a string
bool boolean(const nlohmann::json& j, std::initializer_list<const char*> path);  // false unless a bool

std::string with_commas(int64_t v);  // 73978 -> "73,978"
std::string si(double v);            // 749068288 -> "749 M", 11.7e6 -> "11.7 M", 512 -> "512"
std::string bytes(double b);         // 74680 -> "74.7 kB", 2.5e6 -> "2.50 MB" (1 kB = 1000 bytes)
// Long names keep their tail, which tells siblings apart: "…layer3.2/conv2/Conv" (max_chars >= 2).
std::string shorten(const std::string& s, size_t max_chars);

}  // namespace fxq::report
