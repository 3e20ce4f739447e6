// src/engine/kernel_avx2.cpp: the AVX2 kernel (x86-64 only; chosen at run time)
#include "kernels.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GILSAFE_HAVE_AVX2_KERNEL 1
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#endif

#ifdef GILSAFE_HAVE_AVX2_KERNEL

// Everything defined from here on, the shared block templates included, is compiled for
// AVX2; the headers above stay portable (see kernel_blocks.hpp).
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,bmi,bmi2,popcnt"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,bmi,bmi2,popcnt")
#endif

#include "kernel_blocks.hpp"

namespace gilsafe::detail {
namespace {

// The AVX-512 kernel's classification (see kernel_avx512.cpp), 32 bytes at a time; a
// byte's class is nonzero when it is in the set, and the comparison with zero makes
// that a mask.
class avx2_chunker {
public:
    avx2_chunker(const byte* needle, std::size_t m)
        : m_(m), first_(_mm256_set1_epi8(static_cast<char>(needle[0]))),
          last_(_mm256_set1_epi8(static_cast<char>(needle[m - 1]))),
          sep_low_(table(blocks::class_tables::sep_low)),
          sep_high_(table(blocks::class_tables::sep_high)),
          maybe_low_(table(blocks::class_tables::maybe_low)),
          maybe_high_(table(blocks::class_tables::maybe_high)), nibble_(_mm256_set1_epi8(0x0f)),
          first_high_(table(blocks::utf8_tables::first_high)),
          first_low_(table(blocks::utf8_tables::first_low)),
          second_high_(table(blocks::utf8_tables::second_high)) {
        for (std::size_t j = 0; j < head_count; ++j) {
            head_[j] = _mm256_set1_epi8(static_cast<char>(needle[std::min(j, m - 1)]));
        }
        if (m >= 3) {
            probes_ = blocks::choose_probes(needle, m);
            for (std::size_t j = 0; j < 3; ++j) {
                probe_[j] = _mm256_set1_epi8(static_cast<char>(needle[probes_.at[j]]));
            }
        }
        if (m <= 64) {
            byte padded[64] = {};
            std::memcpy(padded, needle, m);
            padded_[0] = load(padded);
            padded_[1] = load(padded + 32);
            length_ = m == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << m) - 1;
        }
    }

    blocks::chunk_bits classify(const byte* at) const {
        blocks::chunk_bits bits;
        for (unsigned half = 0; half < 2; ++half) {
            const __m256i v = load(at + 32 * half);
            const unsigned shift = 32 * half;
            bits.first |= mask(_mm256_cmpeq_epi8(v, first_)) << shift;
            bits.last |= mask(_mm256_cmpeq_epi8(v, last_)) << shift;
            bits.sep |= separators(v) << shift;
            bits.high |= mask(v) << shift;
        }
        if (bits.high != 0) {
            for (unsigned half = 0; half < 2; ++half) {
                const __m256i v = load(at + 32 * half);
                const __m256i maybe =
                    _mm256_and_si256(_mm256_shuffle_epi8(maybe_low_, _mm256_and_si256(v, nibble_)),
                                     _mm256_shuffle_epi8(maybe_high_, high_nibble(v)));
                const unsigned shift = 32 * half;
                bits.maybe_end |= nonzero(_mm256_and_si256(maybe, _mm256_set1_epi8(0x03))) << shift;
                bits.maybe_start |= nonzero(_mm256_and_si256(maybe, _mm256_set1_epi8(0x0c)))
                                    << shift;
            }
        }
        return bits;
    }

    blocks::chunk_bits classify_part(const byte* from, unsigned skip, unsigned count) const {
        byte buffer[64] = {}; // AVX2 code aligns it to 32 bytes at most: sanitizers agree
        if (count != 0) {
            std::memcpy(buffer + skip, from, count);
        }
        return classify(buffer);
    }

    // sep and the lead bytes (0xc2, 0xe2) of at[0, 64): the empty needle's plain loop, which
    // asks only whether there is one: the halves' lead bytes folded into bits 0 .. 31.
    blocks::lead_bits leads(const byte* at) const {
        const __m256i lo = load(at);
        const __m256i hi = load(at + 32);
        return {separators(lo) | separators(hi) << 32, mask(_mm256_or_si256(leads(lo), leads(hi)))};
    }

    // The empty needle's masks of at[0, 64), reading at[-2, 66): each half against the
    // bytes up to two before and after it (see kernel_avx512.cpp).
    blocks::break_bits breaks(const byte* at) const {
        blocks::break_bits bits;
        for (unsigned half = 0; half < 2; ++half) {
            const byte* h = at + 32 * half;
            const __m256i v = load(h);
            const __m256i back1 = load(h - 1);
            const __m256i ahead1 = load(h + 1);
            const __m256i sep = separator_bytes(v);
            const __m256i end2 = both(equal(v, 0x85), equal(back1, 0xc2));
            const __m256i end3 =
                both(both(equal(_mm256_or_si256(v, byte_of(1)), 0xa9), equal(back1, 0x80)),
                     equal(load(h - 2), 0xe2));
            const __m256i start2 = both(equal(v, 0xc2), equal(ahead1, 0x85));
            const __m256i start3 = both(both(equal(v, 0xe2), equal(ahead1, 0x80)),
                                        equal(_mm256_or_si256(load(h + 2), byte_of(1)), 0xa9));
            const __m256i crlf_lf = both(equal(v, '\n'), equal(back1, '\r'));
            const __m256i ends = _mm256_or_si256(sep, _mm256_or_si256(end2, end3));
            const __m256i starts =
                _mm256_andnot_si256(crlf_lf, _mm256_or_si256(sep, _mm256_or_si256(start2, start3)));
            const unsigned shift = 32 * half;
            bits.ends |= mask(ends) << shift;
            bits.starts |= mask(starts) << shift;
            bits.lead |= mask(leads(v)) << shift;
        }
        return bits;
    }

    blocks::break_bits breaks_part(const byte* from, unsigned skip, unsigned count) const {
        byte buffer[68] = {}; // bytes -2 .. 65 of the chunk
        if (count != 0) {
            std::memcpy(buffer + skip, from, count);
        }
        return breaks(buffer + 2);
    }

    blocks::sep_bits separators(const byte* at) const {
        const __m256i lo = load(at);
        const __m256i hi = load(at + 32);
        return {separators(lo) | separators(hi) << 32, mask(lo) | mask(hi) << 32,
                mask(leads(lo)) | mask(leads(hi)) << 32};
    }

    // Bit i when at[i .. i + M) are the needle's first M <= 4 bytes.
    template <std::size_t M> std::uint64_t equal(const byte* at) const {
        std::uint64_t out = 0;
        for (unsigned half = 0; half < 2; ++half) {
            const byte* h = at + 32 * half;
            __m256i found = _mm256_cmpeq_epi8(load(h), head_[0]);
            for (std::size_t j = 1; j < M; ++j) {
                found = _mm256_and_si256(found, _mm256_cmpeq_epi8(load(h + j), head_[j]));
            }
            out |= mask(found) << (32 * half);
        }
        return out;
    }

    // at[0, m) is the needle (m <= 64; reads at[0, 64)).
    bool equal_at(const byte* at) const {
        const std::uint64_t same = mask(_mm256_cmpeq_epi8(load(at), padded_[0])) |
                                   mask(_mm256_cmpeq_epi8(load(at + 32), padded_[1])) << 32;
        return (same & length_) == length_;
    }

    // Bit i when the needle's probe bytes are in place for it to start at at + i (m >= 3),
    // and which bytes of at[0, 64) are not ASCII.
    blocks::needle_bits likely(const byte* at) const {
        blocks::needle_bits bits;
        for (unsigned half = 0; half < 2; ++half) {
            const byte* h = at + 32 * half;
            const __m256i found = _mm256_and_si256(
                _mm256_and_si256(_mm256_cmpeq_epi8(load(h + probes_.at[0]), probe_[0]),
                                 _mm256_cmpeq_epi8(load(h + probes_.at[1]), probe_[1])),
                _mm256_cmpeq_epi8(load(h + probes_.at[2]), probe_[2]));
            bits.found |= mask(found) << (32 * half);
            bits.high |= mask(load(h)) << (32 * half);
        }
        return bits;
    }

    // The UTF-8 check (see kernel_blocks.hpp): the last 32 bytes seen, the errors so far.
    struct utf8_state {
        __m256i_u prev = _mm256_setzero_si256();
        __m256i_u error = _mm256_setzero_si256();
    };

    void utf8_context(utf8_state& u, const byte* s, std::size_t at) const {
        if (at >= 32) {
            u.prev = load(s + at - 32);
        } else { // the bytes before the text are zeros
            byte buffer[32] = {};
            std::memcpy(buffer + 32 - at, s, at);
            u.prev = load(buffer);
        }
    }

    void utf8_step(utf8_state& u, const byte* at) const {
        check(u, load(at));
        check(u, load(at + 32));
    }

    void utf8_step_part(utf8_state& u, const byte* from, unsigned count) const {
        byte buffer[64] = {};
        if (count != 0) {
            std::memcpy(buffer, from, count);
        }
        utf8_step(u, buffer);
    }

    bool utf8_failed(const utf8_state& u) const {
        return _mm256_testz_si256(u.error, u.error) == 0;
    }

private:
    // One step of the lookup algorithm on `v`, after u.prev (see the AVX-512 kernel).
    void check(utf8_state& u, __m256i v) const {
        const __m256i before = _mm256_permute2x128_si256(u.prev, v, 0x21);
        const __m256i prev1 = _mm256_alignr_epi8(v, before, 15);
        const __m256i prev2 = _mm256_alignr_epi8(v, before, 14);
        const __m256i prev3 = _mm256_alignr_epi8(v, before, 13);
        const __m256i classes = _mm256_and_si256(
            _mm256_and_si256(_mm256_shuffle_epi8(first_high_, high_nibble(prev1)),
                             _mm256_shuffle_epi8(first_low_, _mm256_and_si256(prev1, nibble_))),
            _mm256_shuffle_epi8(second_high_, high_nibble(v)));
        const __m256i must_follow =
            _mm256_or_si256(_mm256_subs_epu8(prev2, _mm256_set1_epi8(0x60)),
                            _mm256_subs_epu8(prev3, _mm256_set1_epi8(0x70)));
        const __m256i wrong = _mm256_xor_si256(
            _mm256_and_si256(must_follow, _mm256_set1_epi8(static_cast<char>(0x80))), classes);
        u.error = _mm256_or_si256(u.error, wrong);
        u.prev = v;
    }

    static __m256i load(const byte* at) {
        return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
    }

    static __m256i byte_of(int b) { return _mm256_set1_epi8(static_cast<char>(b)); }

    static __m256i equal(__m256i v, int b) { return _mm256_cmpeq_epi8(v, byte_of(b)); }

    static __m256i both(__m256i a, __m256i b) { return _mm256_and_si256(a, b); }

    // 0xff where v is 0xc2 or 0xe2 (they differ in bit 0x20 only).
    static __m256i leads(__m256i v) { return equal(_mm256_or_si256(v, byte_of(0x20)), 0xe2); }

    static std::uint64_t mask(__m256i v) {
        return static_cast<std::uint32_t>(_mm256_movemask_epi8(v));
    }

    // Bytes whose class is not zero (classes are below 0x80, so a signed compare does).
    static std::uint64_t nonzero(__m256i v) {
        return mask(_mm256_cmpgt_epi8(v, _mm256_setzero_si256()));
    }

    __m256i high_nibble(__m256i v) const {
        return _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble_);
    }

    std::uint64_t separators(__m256i v) const {
        return nonzero(_mm256_and_si256(_mm256_shuffle_epi8(sep_low_, v),
                                        _mm256_shuffle_epi8(sep_high_, high_nibble(v))));
    }

    static __m256i table(const byte (&bytes)[16]) {
        return _mm256_broadcastsi128_si256(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const byte*>(bytes))));
    }

    // 0xff where v has a separator, 0 elsewhere.
    __m256i separator_bytes(__m256i v) const {
        return _mm256_cmpgt_epi8(_mm256_and_si256(_mm256_shuffle_epi8(sep_low_, v),
                                                  _mm256_shuffle_epi8(sep_high_, high_nibble(v))),
                                 _mm256_setzero_si256());
    }

    std::size_t m_;
    // Unaligned vector types: a sanitizer's stack frames need not honour the 32-byte
    // alignment of __m256i members (ASan's fake stacks crashed on it).
    static constexpr std::size_t head_count = 4;
    __m256i_u head_[head_count];   // the needle's first bytes (its last one repeated)
    blocks::needle_probes probes_; // likely's offsets and bytes (needles of 3 bytes or more)
    __m256i_u probe_[3] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
    std::uint64_t length_ = 0; // the needle's bytes, for needles up to 64 bytes
    __m256i_u padded_[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
    __m256i_u first_;
    __m256i_u last_;
    __m256i_u sep_low_;
    __m256i_u sep_high_;
    __m256i_u maybe_low_;
    __m256i_u maybe_high_;
    __m256i_u nibble_;
    __m256i_u first_high_; // the UTF-8 check's tables
    __m256i_u first_low_;
    __m256i_u second_high_;
};

} // namespace

std::size_t count_words_avx2(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                             std::size_t begin, std::size_t end, utf8_scan* scan) {
    const avx2_chunker chunker(needle, m);
    return blocks::count_words(chunker, s, n, needle, m, begin, end, scan);
}

std::size_t count_empty_avx2(const byte* s, std::size_t n, std::size_t begin, std::size_t end) {
    const avx2_chunker chunker(blocks::crlf, 2);
    return blocks::count_empty(chunker, s, n, begin, end);
}

} // namespace gilsafe::detail

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace gilsafe::detail {

bool avx2_supported() {
    static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
                            __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
    return has;
}

} // namespace gilsafe::detail

#else

namespace gilsafe::detail {

std::size_t count_words_avx2(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                             std::size_t begin, std::size_t end, utf8_scan* scan) {
    return count_words_scalar(s, n, needle, m, begin, end, scan);
}

std::size_t count_empty_avx2(const byte* s, std::size_t n, std::size_t begin, std::size_t end) {
    return count_empty_scalar(s, n, begin, end);
}

bool avx2_supported() {
    return false;
}

} // namespace gilsafe::detail

#endif // GILSAFE_HAVE_AVX2_KERNEL
