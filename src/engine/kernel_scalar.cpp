// src/engine/kernel_scalar.cpp: the portable kernels: memchr for a word, a scan for empty fields
#include "kernels.hpp"

namespace gilsafe::detail {

std::size_t count_empty_range(const byte *s, std::size_t n, std::size_t begin, std::size_t end) {
    std::size_t total = 0;
    for (std::size_t p = begin; p < end; ++p) {
        total += empty_field_at(s, n, p) ? 1U : 0U;
    }
    if (end == n && begin < end) {
        total += empty_field_at(s, n, n) ? 1U : 0U;
    }
    return total;
}

std::size_t count_words_scalar(const byte *s, std::size_t n, const byte *needle, std::size_t m,
                               std::size_t begin, std::size_t end) {
    std::size_t total = 0;
    std::size_t p = begin;
    while (p < end) {
        const void *hit = std::memchr(s + p, needle[0], end - p);
        if (hit == nullptr) {
            break;
        }
        p = static_cast<std::size_t>(static_cast<const byte *>(hit) - s);
        total += word_at(s, n, needle, m, p) ? 1U : 0U;
        ++p;
    }
    return total;
}

} // namespace gilsafe::detail
