// src/engine/checked.hpp: a count and the UTF-8 check in one pass over a range
#pragma once

#include "separators.hpp"

#include "gilsafe/word_count.hpp"

#include <cstddef>
#include <string_view>

namespace gilsafe::detail {

/// The block count_checked_range counts and then checks while it is still in L2 (sizes
/// from 8 KiB to 1 MiB measured within 10% of each other on an AMD EPYC; 256 KiB was best).
constexpr std::size_t checked_block_bytes = std::size_t{256} << 10;

/// Counts [begin, end) of `text` in cache-sized blocks, and checks its UTF-8: first_invalid
/// is the text's first error when [begin, end) holds it (and maybe a later one, or none,
/// otherwise), so the minimum over the ranges of any cut is find_invalid_utf8 of the whole.
checked_count count_checked_range(std::string_view text, const needle_ref& needle,
                                  std::size_t begin, std::size_t end);

/// The counts added, the first invalid offsets' minimum.
checked_count combine(checked_count a, const checked_count& b);

} // namespace gilsafe::detail
