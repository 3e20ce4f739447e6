// src/engine/count.cpp: the sequential counts: a range of the text through the active kernel
#include "gilsafe/word_count.hpp"

#include "byte_scan.hpp"
#include "kernels.hpp"

#include <algorithm>

namespace gilsafe {
namespace detail {

// Vectorized and exact (byte_scan.hpp): a needle may be as long as the text, and byte by
// byte the check of a 4 MB needle took 8 ms, 40x the count itself.
bool needle_has_separator(std::string_view needle) {
    return has_separator(bytes_of(needle), needle.size());
}

std::size_t count_range_scanning(std::string_view text, const needle_ref& needle, std::size_t begin,
                                 std::size_t end, utf8_scan& scan) {
    scan = utf8_scan::unknown;
    const std::size_t n = text.size();
    end = std::min(end, n);
    begin = std::min(begin, end);
    const std::size_t m = needle.bytes.size();
    if (m == 0 || m > n || needle.matches_nothing) {
        return count_range(text, needle, begin, end);
    }
    return count_words(bytes_of(text), n, bytes_of(needle.bytes), m, begin, end, &scan);
}

std::size_t count_range(std::string_view text, const needle_ref& needle, std::size_t begin,
                        std::size_t end) {
    const std::size_t n = text.size();
    end = std::min(end, n);
    begin = std::min(begin, end);
    const std::size_t m = needle.bytes.size();
    if (m == 0) {
        return count_empty(bytes_of(text), n, begin, end);
    }
    if (m > n || needle.matches_nothing) {
        return 0;
    }
    return count_words(bytes_of(text), n, bytes_of(needle.bytes), m, begin, end);
}

} // namespace detail

std::size_t count_sequential(std::string_view text, std::string_view needle) {
    return detail::count_range(text, needle, 0, text.size());
}

namespace detail {

std::size_t count_range_polled(std::string_view text, const needle_ref& needle, std::size_t begin,
                               std::size_t end, const stop_signal& stop) {
    std::size_t total = 0;
    for (std::size_t at = begin; at < end || at == begin; at += stop_poll_bytes) {
        stop.throw_if_requested();
        total += count_range(text, needle, at, std::min(end, at + stop_poll_bytes));
        if (at >= end) {
            break;
        }
    }
    return total;
}

} // namespace detail

std::size_t count_sequential(std::string_view text, std::string_view needle,
                             const stop_signal& stop) {
    return detail::count_range_polled(text, needle, 0, text.size(), stop);
}

} // namespace gilsafe
