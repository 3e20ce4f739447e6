// src/engine/utf8.hpp: the range-wise UTF-8 check behind find_invalid_utf8 and the checked counts
#pragma once

#include <cstddef>
#include <string_view>

namespace gilsafe::detail {

/// The first invalid offset among the characters that start in [begin, end) of `bytes`,
/// or npos. It reads around the range, so checking the parts of any cut of a text and
/// taking the smallest answer gives find_invalid_utf8 of the whole.
std::size_t find_invalid_utf8_range(std::string_view bytes, std::size_t begin, std::size_t end);

} // namespace gilsafe::detail
