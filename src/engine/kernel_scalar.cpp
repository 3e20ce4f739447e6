// src/engine/kernel_scalar.cpp: the portable kernel: memchr for the first byte of a word, a table
// for the empty needle
#include "byte_scan.hpp"
#include "kernels.hpp"

#include <array>

namespace gilsafe::detail {
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

} // namespace

std::size_t count_words_scalar(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                               std::size_t begin, std::size_t end, utf8_scan* scan) {
    if (scan != nullptr) {
        *scan = utf8_scan::unknown; // this kernel skips most bytes
    }
    std::size_t total = 0;
    std::size_t p = begin;
    while (p < end) {
        const void* hit = std::memchr(s + p, needle[0], end - p);
        if (hit == nullptr) {
            break;
        }
        p = static_cast<std::size_t>(static_cast<const byte*>(hit) - s);
        if (p != 0 && !separator_ends_before(s, p)) {
            // Inside a field: none starts before the next separator has ended. Without this
            // skip, a text of letters 'a' and a needle 'a...' called memchr at every byte
            // (issue 25).
            p = next_separator_end(s, p, end) + 1;
            continue;
        }
        total += word_at(s, n, needle, m, p) ? 1U : 0U;
        ++p;
    }
    return total;
}

// One table lookup rejects almost every position; the few left get the full rule.
std::size_t count_empty_scalar(const byte* s, std::size_t n, std::size_t begin, std::size_t end) {
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

} // namespace gilsafe::detail
