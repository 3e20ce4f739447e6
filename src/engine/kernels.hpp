// src/engine/kernels.hpp: the counting kernels (scalar, portable SIMD, AVX2, AVX-512), the choice
// among them, and the range count they serve
#pragma once

#include "separators.hpp"

#include "gilsafe/interrupt.hpp"

#include <cstddef>
#include <string_view>
#include <vector>

namespace gilsafe::detail {

/// How much a thread counts between two looks at a stop signal: well under a
/// millisecond at the kernel's speed.
constexpr std::size_t stop_poll_bytes = std::size_t{4} << 20;

/// What a kernel learned about the UTF-8 of the bytes [begin, end) it counted.
enum class utf8_scan {
    unknown, ///< not checked, or maybe not valid: the caller checks the bytes itself
    ascii,   ///< every byte is below 0x80
    /// Well-formed as read after the bytes before `begin` (Unicode Table 3-7): the text's
    /// first error is not in the range. (A range that starts inside an invalid character
    /// may be called valid: its bytes continue that character, whose error lies before.)
    /// So the ranges of any cut of a text find its first error, in the range holding it.
    valid,
};

/// The counting kernels, slowest first. Each counts exactly the same fields; the fastest
/// one the CPU runs is used unless GILSAFE_KERNEL or use_kernel picks another.
enum class kernel {
    scalar, ///< memchr for a word's first byte, a table for the empty needle
    vector, ///< 16 positions a step in portable vector code: SSE2 on x86-64, NEON on ARM
    avx2,   ///< 64 positions a step, AVX2 (x86-64, chosen at run time)
    avx512, ///< 64 positions a step, AVX-512 BW (x86-64, chosen at run time)
};

// Every kernel has the same two entry points:
//
//   count_words_K(s, n, needle, m, begin, end, scan): fields equal to the (non-empty,
//     separator-free, m <= n) needle that start in [begin, end) of s[0, n). When `scan`
//     is given, the kernel also says what it learned of those bytes' UTF-8 (see
//     utf8_scan): the AVX2 and AVX-512 kernels check it on the vectors they load anyway,
//     the vector kernel only sees whether the bytes are ASCII, scalar learns nothing.
//   count_empty_K(s, n, begin, end): empty fields that start in [begin, end), position
//     n (a trailing empty field) included when end == n.
//
// A kernel the build or CPU lacks is never called (kernel_supported says which exist).

std::size_t count_words_scalar(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                               std::size_t begin, std::size_t end, utf8_scan* scan = nullptr);
std::size_t count_empty_scalar(const byte* s, std::size_t n, std::size_t begin, std::size_t end);

std::size_t count_words_vector(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                               std::size_t begin, std::size_t end, utf8_scan* scan = nullptr);
std::size_t count_empty_vector(const byte* s, std::size_t n, std::size_t begin, std::size_t end);

std::size_t count_words_avx2(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                             std::size_t begin, std::size_t end, utf8_scan* scan = nullptr);
std::size_t count_empty_avx2(const byte* s, std::size_t n, std::size_t begin, std::size_t end);

std::size_t count_words_avx512(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                               std::size_t begin, std::size_t end, utf8_scan* scan = nullptr);
std::size_t count_empty_avx512(const byte* s, std::size_t n, std::size_t begin, std::size_t end);

/// True when this build has the vector kernel (the target has SSE2 or NEON).
bool vector_supported();
/// True when this build has the AVX2 kernel and the CPU runs it (AVX2, BMI1/2, POPCNT).
bool avx2_supported();
/// True when this build has the AVX-512 kernel and the CPU and OS run it (AVX-512 F/BW,
/// BMI1/2, POPCNT).
bool avx512_supported();

/// True when `k` can run here.
bool kernel_supported(kernel k);

/// The kernels that can run here, slowest first (scalar always).
std::vector<kernel> supported_kernels();

/// Its name, as kernel_name() and GILSAFE_KERNEL spell it: "scalar", "sse2" (the vector
/// kernel on x86-64; "neon" on ARM, "vector" elsewhere), "avx2", "avx512".
const char* name_of(kernel k);

/// The kernel of that name (or "vector", whatever the platform); false for unknown names.
bool kernel_named(std::string_view name, kernel& out);

/// The kernel a GILSAFE_KERNEL value picks: the one it names when this CPU runs it; the
/// fastest this CPU runs when it is null, "auto", unknown or names a kernel the CPU lacks.
kernel kernel_for_setting(const char* setting);

/// kernel_for_setting(getenv("GILSAFE_KERNEL")), read once.
kernel default_kernel();

/// The kernel the counts use now: default_kernel() unless use_kernel chose another.
kernel active_kernel();

/// Makes the counts use `k`, or the fastest supported kernel when this CPU lacks `k`;
/// returns the one now in use. For tests and benchmarks: not while counts run.
kernel use_kernel(kernel k);

/// The fastest kernel this CPU runs.
kernel best_kernel();

/// The active kernel's count_words_K.
std::size_t count_words(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                        std::size_t begin, std::size_t end, utf8_scan* scan = nullptr);

/// The active kernel's count_empty_K.
std::size_t count_empty(const byte* s, std::size_t n, std::size_t begin, std::size_t end);

/// Fields equal to `needle` that start at a byte position in [begin, end); position
/// text.size() (a trailing empty field) belongs to the non-empty range ending there.
std::size_t count_range(std::string_view text, const needle_ref& needle, std::size_t begin,
                        std::size_t end);

/// count_range in slices of stop_poll_bytes, polling `stop` before each (throws
/// `interrupted`); [begin, end) must lie within the text.
std::size_t count_range_polled(std::string_view text, const needle_ref& needle, std::size_t begin,
                               std::size_t end, const gilsafe::stop_signal& stop);

/// count_range, and what the kernel learned of the UTF-8 of [begin, end) on the way (a
/// check fused into the count: `unknown` leaves it to the caller).
std::size_t count_range_scanning(std::string_view text, const needle_ref& needle, std::size_t begin,
                                 std::size_t end, utf8_scan& scan);

} // namespace gilsafe::detail
