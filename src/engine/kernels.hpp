// src/engine/kernels.hpp: the counting kernels (scalar, AVX2) and the range count they serve
#pragma once

#include "separators.hpp"

#include "gilsafe/interrupt.hpp"

#include <cstddef>
#include <string_view>

namespace gilsafe::detail {

/// How much a thread counts between two looks at a stop signal: well under a
/// millisecond at the kernel's speed, a few at the empty needle's.
constexpr std::size_t stop_poll_bytes = std::size_t{4} << 20;

/// Fields equal to the (non-empty, separator-free) needle that start in [begin, end):
/// candidates found with memchr, each checked by word_at.
std::size_t count_words_scalar(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                               std::size_t begin, std::size_t end);

/// count_words_scalar, 32 positions at a time; also tells in `all_ascii` (when given)
/// whether [begin, end) is plain ASCII. Only on CPUs where avx2_supported().
std::size_t count_words_avx2(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                             std::size_t begin, std::size_t end, bool* all_ascii);

/// True when this build has the AVX2 kernel and the CPU runs it (AVX2, BMI, POPCNT).
bool avx2_supported();

/// The kernel for this CPU; when `all_ascii` is given, the AVX2 kernel also says whether
/// [begin, end) is plain ASCII (the scalar one leaves it false: not known).
std::size_t count_words(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                        std::size_t begin, std::size_t end, bool* all_ascii = nullptr);

/// Fields equal to `needle` that start at a byte position in [begin, end); position
/// text.size() (a trailing empty field) belongs to the non-empty range ending there.
std::size_t count_range(std::string_view text, std::string_view needle, std::size_t begin,
                        std::size_t end);

/// count_range in slices of stop_poll_bytes, polling `stop` before each (throws
/// `interrupted`); [begin, end) must lie within the text.
std::size_t count_range_polled(std::string_view text, std::string_view needle, std::size_t begin,
                               std::size_t end, const gilsafe::stop_signal& stop);

/// count_range, and whether the kernel saw [begin, end) to be plain ASCII (false: not
/// known).
std::size_t count_range_reporting_ascii(std::string_view text, std::string_view needle,
                                        std::size_t begin, std::size_t end, bool& all_ascii);

} // namespace gilsafe::detail
