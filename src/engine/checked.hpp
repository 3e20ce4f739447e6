// src/engine/checked.hpp: a count and the UTF-8 check in one pass over a range
#pragma once

#include "gilsafe/word_count.hpp"

#include <cstddef>
#include <string_view>

namespace gilsafe::detail {

/// Counts, then checks, [begin, end) of `text` in cache-sized blocks.
checked_count count_checked_range(std::string_view text, std::string_view needle, std::size_t begin,
                                  std::size_t end);

/// The counts added, the first invalid offsets' minimum.
checked_count combine(checked_count a, const checked_count& b);

} // namespace gilsafe::detail
