// src/engine/checked.cpp: counting and UTF-8 checking in one pass
#include "checked.hpp"

#include "kernels.hpp"
#include "utf8.hpp"

#include <algorithm>

namespace gilsafe {
namespace detail {

// Counts [begin, end) in blocks that stay in cache, the kernel checking the UTF-8 on the
// vectors it loads anyway (count_range_scanning). A block it did not vouch for (one with an
// error, or counted by a kernel without the check) goes to the SIMD validator while still
// in L2, and only a block that one rejects gets the scalar check for the exact offset.
checked_count count_checked_range(std::string_view text, const needle_ref& needle,
                                  std::size_t begin, std::size_t end) {
    checked_count out;
    for (std::size_t at = begin; at < end; at += checked_block_bytes) {
        const std::size_t stop = std::min(end, at + checked_block_bytes);
        utf8_scan scan = utf8_scan::unknown;
        const std::size_t count = count_range_scanning(text, needle, at, stop, scan);
        if (scan == utf8_scan::unknown) {
            const std::size_t bad = find_invalid_utf8_range(text, at, stop, checked_block_bytes);
            if (bad != std::string_view::npos) {
                out.first_invalid = bad;
                return out;
            }
        }
        out.count += count;
    }
    if (begin == end) {
        out.count = count_range(text, needle, begin, end);
    }
    return out;
}

checked_count combine(checked_count a, const checked_count& b) {
    a.count += b.count;
    a.first_invalid = std::min(a.first_invalid, b.first_invalid);
    return a;
}

} // namespace detail

checked_count count_sequential_checked(std::string_view text, std::string_view needle,
                                       const stop_signal& stop) {
    checked_count out;
    const detail::needle_ref checked_needle(needle);
    for (std::size_t begin = 0; begin < text.size(); begin += detail::stop_poll_bytes) {
        stop.throw_if_requested();
        out = detail::combine(out, detail::count_checked_range(
                                       text, checked_needle, begin,
                                       std::min(text.size(), begin + detail::stop_poll_bytes)));
        if (out.first_invalid != std::string_view::npos) {
            break;
        }
    }
    return out;
}

} // namespace gilsafe
