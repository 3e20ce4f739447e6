// tests/support/naive.hpp: the slow oracle the engine's kernels are tested against
#pragma once

#include <cstddef>
#include <string_view>

namespace gilsafe_test {

/// A deliberately simple port of search_py (splits lines, then words, then compares).
std::size_t count_naive(std::string_view text, std::string_view needle);

} // namespace gilsafe_test
