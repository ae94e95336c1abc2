// NumPy .npy files (format 1.0/2.0, C order, little-endian): float32, float64 (read as float32),
// int64, int32, int8, uint8, bool.
#pragma once
#include <string>

#include "ir/tensor.h"

namespace fxq {

Tensor read_npy(const std::string& path);                  // problems: Error kBadInput naming the file
void write_npy(const std::string& path, const Tensor& t);  // atomic; problems: Error kOutput
std::string npy_bytes(const Tensor& t);                    // the file's bytes

}  // namespace fxq
