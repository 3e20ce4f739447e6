// src/engine/range.hpp: counts of part of a text, for callers that cut their work (the bindings)
#pragma once

#include "separators.hpp"

#include "gilsafe/word_count.hpp"

#include <cstddef>
#include <string_view>

namespace gilsafe::detail {

/// Fields equal to `needle` that start at a position in [begin, end) of `text`, with
/// count_parallel's rules and options (a short range on the calling thread). The parts of
/// any cut of a text add up to count_parallel of the whole.
std::size_t count_parallel_range(std::string_view text, const needle_ref& needle, std::size_t begin,
                                 std::size_t end, const parallel_options& options = {});

/// count_parallel_checked's rules for the positions in [begin, end) of `text`: the count,
/// and the first invalid offset among the characters that start there. The parts of any
/// cut of a text combine (detail::combine) to count_parallel_checked of the whole.
checked_count count_parallel_checked_range(std::string_view text, const needle_ref& needle,
                                           std::size_t begin, std::size_t end,
                                           const parallel_options& options = {});

} // namespace gilsafe::detail
