// src/engine/kernel_scalar.cpp: the portable kernel: memchr for the first byte of a word
#include "kernels.hpp"

namespace gilsafe::detail {

std::size_t count_words_scalar(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                               std::size_t begin, std::size_t end) {
    std::size_t total = 0;
    std::size_t p = begin;
    while (p < end) {
        const void* hit = std::memchr(s + p, needle[0], end - p);
        if (hit == nullptr) {
            break;
        }
        p = static_cast<std::size_t>(static_cast<const byte*>(hit) - s);
        total += word_at(s, n, needle, m, p) ? 1U : 0U;
        ++p;
    }
    return total;
}

} // namespace gilsafe::detail
