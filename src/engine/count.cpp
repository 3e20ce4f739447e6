// src/engine/count.cpp: the sequential counts and the choice of kernel
#include "gilsafe/word_count.hpp"

#include "kernels.hpp"

#include <algorithm>
#include <array>

namespace gilsafe {
namespace detail {
namespace {

// The last bytes of separators (' ', the ASCII breaks, and the final bytes of U+0085,
// U+2028 and U+2029): an empty field can start only right after one of them.
constexpr std::array<bool, 256> ends_a_separator = [] {
    std::array<bool, 256> table{};
    for (const int c : {0x20, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x85, 0xa8, 0xa9}) {
        table[static_cast<std::size_t>(c)] = true;
    }
    return table;
}();

// Empty fields that start at a position in [begin, end) of s[0, n). One table lookup
// rejects almost every position; the few left get the full rule (empty_field_at).
std::size_t count_empty_range(const byte* s, std::size_t n, std::size_t begin, std::size_t end) {
    std::size_t total = 0;
    std::size_t p = begin;
    if (p == 0 && p < end) {
        total += empty_field_at(s, n, 0) ? 1U : 0U;
        p = 1;
    }
    for (; p < end; ++p) {
        if (ends_a_separator[s[p - 1]]) {
            total += empty_field_at(s, n, p) ? 1U : 0U;
        }
    }
    if (end == n && begin < end) {
        total += empty_field_at(s, n, n) ? 1U : 0U;
    }
    return total;
}

} // namespace

bool needle_has_separator(std::string_view needle) {
    const byte* s = bytes_of(needle);
    for (std::size_t p = 0; p < needle.size(); ++p) {
        if (separator_length_at(s, needle.size(), p) != 0) {
            return true;
        }
    }
    return false;
}

std::size_t count_words(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                        std::size_t begin, std::size_t end, bool* all_ascii) {
    if (avx2_supported()) {
        return count_words_avx2(s, n, needle, m, begin, end, all_ascii);
    }
    return count_words_scalar(s, n, needle, m, begin, end);
}

std::size_t count_range_reporting_ascii(std::string_view text, std::string_view needle,
                                        std::size_t begin, std::size_t end, bool& all_ascii) {
    all_ascii = false;
    const std::size_t n = text.size();
    end = std::min(end, n);
    begin = std::min(begin, end);
    if (needle.empty() || needle.size() > n || needle_has_separator(needle)) {
        return count_range(text, needle, begin, end);
    }
    return count_words(bytes_of(text), n, bytes_of(needle), needle.size(), begin, end, &all_ascii);
}

std::size_t count_range(std::string_view text, std::string_view needle, std::size_t begin,
                        std::size_t end) {
    const std::size_t n = text.size();
    end = std::min(end, n);
    begin = std::min(begin, end);
    if (needle.empty()) {
        return count_empty_range(bytes_of(text), n, begin, end);
    }
    if (needle.size() > n || needle_has_separator(needle)) {
        return 0;
    }
    return count_words(bytes_of(text), n, bytes_of(needle), needle.size(), begin, end);
}

} // namespace detail

std::size_t count_sequential(std::string_view text, std::string_view needle) {
    return detail::count_range(text, needle, 0, text.size());
}

namespace detail {

std::size_t count_range_polled(std::string_view text, std::string_view needle, std::size_t begin,
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

const char* kernel_name() {
    return detail::avx2_supported() ? "avx2" : "scalar";
}

} // namespace gilsafe
