// src/engine/utf8.hpp: the range-wise UTF-8 check behind find_invalid_utf8 and the checked counts
#pragma once

#include <cstddef>
#include <string_view>

namespace gilsafe::detail {

/// How much the SIMD validator checks in one call: a block that fails is checked again by
/// the scalar rules for its exact offset, so this bounds the cost of an error too.
constexpr std::size_t utf8_block_bytes = std::size_t{64} << 10;

/// The first invalid offset among the characters that start in [begin, end) of `bytes`,
/// or npos. It reads around the range, so checking the parts of any cut of a text and
/// taking the smallest answer gives find_invalid_utf8 of the whole. Blocks of `block`
/// bytes go to the SIMD validator; only a block it rejects gets the scalar check.
std::size_t find_invalid_utf8_range(std::string_view bytes, std::size_t begin, std::size_t end,
                                    std::size_t block = utf8_block_bytes);

/// find_invalid_utf8_range by the scalar rules alone (Unicode Table 3-7, byte by byte
/// after a 64-byte ASCII skip): the exact offsets, and the oracle the SIMD path is tested
/// against.
std::size_t find_invalid_utf8_scalar(std::string_view bytes, std::size_t begin, std::size_t end);

/// The name of the SIMD validator's implementation on this CPU (simdjson's: "icelake",
/// "haswell", "westmere", "arm64", "fallback", ...).
const char* utf8_validator_name();

} // namespace gilsafe::detail
