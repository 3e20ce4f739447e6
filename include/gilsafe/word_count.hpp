// include/gilsafe/word_count.hpp: whole-word counting with the exact semantics of search_py
#pragma once

#include "gilsafe/interrupt.hpp"

#include <cstddef>
#include <string_view>

namespace gilsafe {

// The specification is python/word_count/_reference.py:
//
//     sum(word == needle for line in contents.splitlines() for word in line.split(" "))
//
// Lines end at \n, \r, \r\n (one break), \v, \f, \x1c, \x1d, \x1e, U+0085, U+2028 and
// U+2029; only the space splits words. The text is UTF-8 (validate it first, or use the
// checked counts: on invalid UTF-8 the unchecked ones return some count and never read
// out of bounds).
//
// Every count is a sum over byte positions: a position counts when a field equal to the
// needle starts there. Whether it does depends only on the bytes around it, so a text
// may be cut anywhere and the parts' counts add up exactly.

/// search_py(text, needle) on the calling thread.
std::size_t count_sequential(std::string_view text, std::string_view needle);

/// count_sequential that polls `stop` every few megabytes and throws `interrupted`.
std::size_t count_sequential(std::string_view text, std::string_view needle,
                             const stop_signal& stop);

/// Options of count_parallel; the defaults are what gil_demo and the bindings use.
struct parallel_options {
    /// Smallest range a task counts alone; 0 picks one from the text size.
    std::size_t grain = 0;
    /// Texts shorter than this are counted on the calling thread (parallelism costs
    /// more than it saves on them); 0 picks the default.
    std::size_t min_parallel_size = 0;
    /// Polled before every range: when on, the count stops and throws `interrupted`.
    stop_signal stop;
};

/// search_py(text, needle) with oneTBB parallel_reduce over byte ranges cut after a
/// separator. Runs in an isolated region, so a caller that is itself a TBB task (say,
/// a Python predicate evaluated by a worker) never picks up unrelated outer work.
std::size_t count_parallel(std::string_view text, std::string_view needle,
                           const parallel_options& options = {});

/// A count together with the text's UTF-8 check, done in the same pass.
struct checked_count {
    std::size_t count = 0;
    /// Offset of the first byte that is not well-formed UTF-8, or npos (then `count` is
    /// meaningless).
    std::size_t first_invalid = std::string_view::npos;
};

/// count_sequential and find_invalid_utf8 in one pass: each block of the text is checked
/// and then counted while it is still in cache, so a file costs one trip through memory.
checked_count count_sequential_checked(std::string_view text, std::string_view needle,
                                       const stop_signal& stop = {});

/// count_parallel and find_invalid_utf8 in one pass (see count_sequential_checked).
checked_count count_parallel_checked(std::string_view text, std::string_view needle,
                                     const parallel_options& options = {});

/// Name of the kernel the counts use: "avx512", "avx2", "sse2" ("neon" on ARM) or "scalar".
/// The CPU's fastest, unless the environment variable GILSAFE_KERNEL (read once) names
/// another one it runs ("auto", an unknown name or a kernel the CPU lacks: the fastest).
const char* kernel_name();

} // namespace gilsafe
