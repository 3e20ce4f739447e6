// src/engine/kernel_avx2.cpp: the AVX2 kernel (x86-64 only; chosen at run time)
#include "kernels.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GILSAFE_HAVE_AVX2_KERNEL 1
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#endif

namespace gilsafe::detail {

#ifdef GILSAFE_HAVE_AVX2_KERNEL

namespace {

// Bytes next to a field, classified by nibbles: a byte has class bit b when
// low_table[lo] & high_table[hi] has it.
//   bit 0: 0x0a-0x0d   bit 1: 0x1c-0x1e   bit 2: 0x20        (ASCII separators: exact)
//   bit 3: 0x85        bit 4: 0xa8-0xa9                      (last byte of U+0085/2028/2029)
//   bit 5: 0xc2        bit 6: 0xe2                           (first byte of U+0085/2028/2029)
// A byte before a field must end a separator (bits 0-4), a byte after it must start one
// (bits 0-2, 5-6). Bits 3-6 also occur inside other characters, so a candidate next to
// one is checked in full by word_at.
struct avx2_classifier {
    __m256i low_table;
    __m256i high_table;
    __m256i low_nibble;
    __m256i ascii_bits;
    __m256i before_bits;
    __m256i after_bits;

    __attribute__((target("avx2"))) avx2_classifier() {
        const __m128i low = _mm_setr_epi8(0x04, 0, 0x60, 0, 0, 0x08, 0, 0, 0x10, 0x10, 0x01, 0x01,
                                          0x03, 0x03, 0x02, 0);
        const __m128i high =
            _mm_setr_epi8(0x01, 0x02, 0x04, 0, 0, 0, 0, 0, 0x08, 0, 0x10, 0, 0x20, 0, 0x40, 0);
        low_table = _mm256_broadcastsi128_si256(low);
        high_table = _mm256_broadcastsi128_si256(high);
        low_nibble = _mm256_set1_epi8(0x0f);
        ascii_bits = _mm256_set1_epi8(0x07);
        before_bits = _mm256_set1_epi8(0x1f);
        after_bits = _mm256_set1_epi8(0x67);
    }

    __attribute__((target("avx2"))) __m256i classify(__m256i v) const {
        const __m256i lo = _mm256_and_si256(v, low_nibble);
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low_nibble);
        return _mm256_and_si256(_mm256_shuffle_epi8(low_table, lo),
                                _mm256_shuffle_epi8(high_table, hi));
    }
};

__attribute__((target("avx2"))) std::uint32_t nonzero_mask(__m256i v) {
    return ~static_cast<std::uint32_t>(
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_setzero_si256())));
}

} // namespace

__attribute__((target("avx2,bmi,popcnt"))) std::size_t
count_words_avx2(const byte* s, std::size_t n, const byte* needle, std::size_t m, std::size_t begin,
                 std::size_t end, bool* all_ascii) {
    constexpr std::size_t width = 32;
    std::size_t total = 0;
    std::size_t p = begin;
    if (p == 0 && p < end) {
        total += word_at(s, n, needle, m, 0) ? 1U : 0U;
        p = 1;
    }
    // The bytes the vector loop loads anyway, OR-ed together: their top bits say for free
    // whether [begin, end) is plain ASCII (then it is valid UTF-8 with no further check).
    __m256i seen = _mm256_setzero_si256();
    // A block tests positions p..p+31 and reads bytes p-1 .. p+m+31.
    if (n >= m + width) {
        const avx2_classifier cls;
        const __m256i first = _mm256_set1_epi8(static_cast<char>(needle[0]));
        const __m256i last = _mm256_set1_epi8(static_cast<char>(needle[m - 1]));
        for (; p + width <= end && p + m + width <= n; p += width) {
            const auto* at = s + p;
            const __m256i v_first = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
            const __m256i v_last = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + m - 1));
            seen = _mm256_or_si256(seen, v_first);
            const __m256i eq = _mm256_and_si256(_mm256_cmpeq_epi8(v_first, first),
                                                _mm256_cmpeq_epi8(v_last, last));
            auto candidates = static_cast<std::uint32_t>(_mm256_movemask_epi8(eq));
            if (candidates == 0) {
                continue;
            }
            const __m256i c_prev =
                cls.classify(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(at - 1)));
            const __m256i c_next =
                cls.classify(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + m)));
            candidates &= nonzero_mask(_mm256_and_si256(c_prev, cls.before_bits)) &
                          nonzero_mask(_mm256_and_si256(c_next, cls.after_bits));
            if (m <= 2) {
                // First and last byte cover the whole needle: ASCII neighbours are exact.
                const std::uint32_t exact = candidates &
                                            nonzero_mask(_mm256_and_si256(c_prev, cls.ascii_bits)) &
                                            nonzero_mask(_mm256_and_si256(c_next, cls.ascii_bits));
                total += static_cast<std::size_t>(_mm_popcnt_u32(exact));
                candidates &= ~exact;
            }
            while (candidates != 0) {
                const auto bit = static_cast<std::size_t>(__builtin_ctz(candidates));
                total += word_at(s, n, needle, m, p + bit) ? 1U : 0U;
                candidates &= candidates - 1;
            }
        }
    }
    if (all_ascii != nullptr) {
        bool ascii = _mm256_movemask_epi8(seen) == 0;
        for (std::size_t i = begin; ascii && i < std::min(end, begin + 1); ++i) {
            ascii = s[i] < 0x80; // position 0, tested before the loop
        }
        for (std::size_t i = p; ascii && i < end; ++i) {
            ascii = s[i] < 0x80; // the tail the loop did not load
        }
        *all_ascii = ascii;
    }
    if (p < end) {
        total += count_words_scalar(s, n, needle, m, p, end);
    }
    return total;
}

bool avx2_supported() {
    static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
                            __builtin_cpu_supports("popcnt");
    return has;
}

#else

std::size_t count_words_avx2(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                             std::size_t begin, std::size_t end, bool* all_ascii) {
    if (all_ascii != nullptr) {
        *all_ascii = false;
    }
    return count_words_scalar(s, n, needle, m, begin, end);
}

bool avx2_supported() {
    return false;
}

#endif // GILSAFE_HAVE_AVX2_KERNEL

} // namespace gilsafe::detail
