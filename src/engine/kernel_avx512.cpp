// src/engine/kernel_avx512.cpp: the AVX-512 kernel (x86-64 only; chosen at run time)
#include "kernels.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GILSAFE_HAVE_AVX512_KERNEL 1
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#endif

#ifdef GILSAFE_HAVE_AVX512_KERNEL

// Everything defined from here on, the shared block templates included, is compiled for
// AVX-512 BW; the headers above stay portable (see kernel_blocks.hpp).
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,bmi,bmi2,popcnt"))),          \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,bmi,bmi2,popcnt")
#endif

#include "kernel_blocks.hpp"

namespace gilsafe::detail {
namespace {

// Classifies 64 bytes with two nibble-table shuffles (blocks::class_tables): the ASCII
// separators always, the bytes that may end or start a multi-byte break only in chunks
// that have a byte >= 0x80.
// The empty needle's masks (blocks::break_bits) match each byte with the bytes up to two
// before and after it instead, from loads at -2 .. +2: exact, and branch-free.
class avx512_chunker {
public:
    avx512_chunker(const byte* needle, std::size_t m)
        : m_(m), first_(_mm512_set1_epi8(static_cast<char>(needle[0]))),
          last_(_mm512_set1_epi8(static_cast<char>(needle[m - 1]))),
          sep_low_(table(blocks::class_tables::sep_low)),
          sep_high_(table(blocks::class_tables::sep_high)),
          maybe_low_(table(blocks::class_tables::maybe_low)),
          maybe_high_(table(blocks::class_tables::maybe_high)), nibble_(_mm512_set1_epi8(0x0f)),
          first_high_(table(blocks::utf8_tables::first_high)),
          first_low_(table(blocks::utf8_tables::first_low)),
          second_high_(table(blocks::utf8_tables::second_high)) {
        for (std::size_t j = 0; j < head_count; ++j) {
            head_[j] = _mm512_set1_epi8(static_cast<char>(needle[std::min(j, m - 1)]));
        }
        if (m >= 3) {
            probes_ = blocks::choose_probes(needle, m);
            for (std::size_t j = 0; j < 3; ++j) {
                probe_[j] = _mm512_set1_epi8(static_cast<char>(needle[probes_.at[j]]));
            }
        }
        if (m <= 64) {
            length_ = m == 64 ? ~__mmask64{0} : (__mmask64{1} << m) - 1;
            padded_ = _mm512_maskz_loadu_epi8(length_, needle);
        }
    }

    blocks::chunk_bits classify(const byte* at) const { return classify(_mm512_loadu_si512(at)); }

    blocks::chunk_bits classify(__m512i v) const {
        blocks::chunk_bits bits;
        bits.first = _mm512_cmpeq_epi8_mask(v, first_);
        bits.last = _mm512_cmpeq_epi8_mask(v, last_);
        bits.sep = separators(v);
        bits.high = _mm512_movepi8_mask(v);
        if (bits.high != 0) {
            const __m512i maybe =
                _mm512_and_si512(_mm512_shuffle_epi8(maybe_low_, _mm512_and_si512(v, nibble_)),
                                 _mm512_shuffle_epi8(maybe_high_, high_nibble(v)));
            bits.maybe_end = _mm512_test_epi8_mask(maybe, _mm512_set1_epi8(0x03));
            bits.maybe_start = _mm512_test_epi8_mask(maybe, _mm512_set1_epi8(0x0c));
        }
        return bits;
    }

    // A masked load, which reads none of the bytes it leaves out: no stack buffer, whose
    // 64-byte alignment a sanitizer's stack frames would not honour (GCC assumes it).
    blocks::chunk_bits classify_part(const byte* from, unsigned skip, unsigned count) const {
        const __mmask64 take = count == 0 ? 0 : (~__mmask64{0} >> (64 - count)) << skip;
        const auto base = reinterpret_cast<std::uintptr_t>(from) - skip; // may precede the text
        return classify(_mm512_maskz_loadu_epi8(take, reinterpret_cast<const void*>(base)));
    }

    // sep and the lead bytes (0xc2, 0xe2) of at[0, 64): the empty needle's plain loop.
    blocks::lead_bits leads(const byte* at) const {
        const __m512i v = _mm512_loadu_si512(at);
        return {separators(v), leads(v)};
    }

    // The empty needle's masks of at[0, 64), reading at[-2, 66): the loads off by one or two
    // bytes hit the lines the chunk's own load and its neighbours' do.
    blocks::break_bits breaks(const byte* at) const {
        return breaks(_mm512_loadu_si512(at - 2), _mm512_loadu_si512(at - 1),
                      _mm512_loadu_si512(at), _mm512_loadu_si512(at + 1),
                      _mm512_loadu_si512(at + 2));
    }

    // breaks of the 68 bytes `skip` zeros, from[0, count), zeros (bytes -2 .. 65 of the
    // chunk): five masked loads, each lane taking its byte where from[0, count) has it.
    blocks::break_bits breaks_part(const byte* from, unsigned skip, unsigned count) const {
        const auto base = reinterpret_cast<std::uintptr_t>(from) - skip; // byte -2's address
        const auto load = [&](unsigned d) { // bytes d - 2 .. d + 61 of the chunk
            const int lo = static_cast<int>(skip) - static_cast<int>(d);
            return _mm512_maskz_loadu_epi8(lanes(lo, lo + static_cast<int>(count)),
                                           reinterpret_cast<const void*>(base + d));
        };
        return breaks(load(0), load(1), load(2), load(3), load(4));
    }

    blocks::sep_bits separators(const byte* at) const {
        const __m512i v = _mm512_loadu_si512(at);
        return {separators(v), _mm512_movepi8_mask(v), leads(v)};
    }

    // Bit i when at[i .. i + M) are the needle's first M <= 4 bytes.
    template <std::size_t M> std::uint64_t equal(const byte* at) const {
        __mmask64 found = _mm512_cmpeq_epi8_mask(_mm512_loadu_si512(at), head_[0]);
        for (std::size_t j = 1; j < M; ++j) {
            found = _mm512_mask_cmpeq_epi8_mask(found, _mm512_loadu_si512(at + j), head_[j]);
        }
        return found;
    }

    // at[0, m) is the needle (m <= 64; reads at[0, 64)).
    bool equal_at(const byte* at) const {
        return _mm512_mask_cmpneq_epi8_mask(length_, _mm512_loadu_si512(at), padded_) == 0;
    }

    // Bit i when the needle's probe bytes are in place for it to start at at + i (m >= 3),
    // and which bytes of at[0, 64) are not ASCII.
    blocks::needle_bits likely(const byte* at) const {
        __mmask64 found = _mm512_cmpeq_epi8_mask(_mm512_loadu_si512(at + probes_.at[0]), probe_[0]);
        found =
            _mm512_mask_cmpeq_epi8_mask(found, _mm512_loadu_si512(at + probes_.at[1]), probe_[1]);
        found =
            _mm512_mask_cmpeq_epi8_mask(found, _mm512_loadu_si512(at + probes_.at[2]), probe_[2]);
        return {found, _mm512_movepi8_mask(_mm512_loadu_si512(at))};
    }

    // The UTF-8 check (see kernel_blocks.hpp): the last 64 bytes seen, the errors so far.
    struct utf8_state {
        __m512i_u prev = _mm512_setzero_si512();
        __m512i_u error = _mm512_setzero_si512();
    };

    void utf8_context(utf8_state& u, const byte* s, std::size_t at) const {
        if (at >= 64) {
            u.prev = _mm512_loadu_si512(s + at - 64);
        } else { // the bytes before the text are zeros, and are not read
            const __mmask64 take = at == 0 ? 0 : ~__mmask64{0} << (64 - at);
            const auto base = reinterpret_cast<std::uintptr_t>(s) + at - 64;
            u.prev = _mm512_maskz_loadu_epi8(take, reinterpret_cast<const void*>(base));
        }
    }

    void utf8_step(utf8_state& u, const byte* at) const { check(u, _mm512_loadu_si512(at)); }

    void utf8_step_part(utf8_state& u, const byte* from, unsigned count) const {
        const __mmask64 take = count == 0 ? 0 : ~__mmask64{0} >> (64 - count);
        check(u, _mm512_maskz_loadu_epi8(take, from));
    }

    bool utf8_failed(const utf8_state& u) const {
        return _mm512_test_epi8_mask(u.error, u.error) != 0;
    }

private:
    // One step of the lookup algorithm on `v`, after u.prev.
    void check(utf8_state& u, __m512i v) const {
        // Each 16-byte lane of v with the 16 bytes before it: lane i of `before` is lane
        // i - 1 of prev:v, so alignr gives the bytes 1, 2 and 3 places back.
        const __m512i before =
            _mm512_permutex2var_epi64(u.prev, _mm512_set_epi64(13, 12, 11, 10, 9, 8, 7, 6), v);
        const __m512i prev1 = _mm512_alignr_epi8(v, before, 15);
        const __m512i prev2 = _mm512_alignr_epi8(v, before, 14);
        const __m512i prev3 = _mm512_alignr_epi8(v, before, 13);
        const __m512i classes = _mm512_ternarylogic_epi32(
            _mm512_shuffle_epi8(first_high_, high_nibble(prev1)),
            _mm512_shuffle_epi8(first_low_, _mm512_and_si512(prev1, nibble_)),
            _mm512_shuffle_epi8(second_high_, high_nibble(v)), 0x80); // a & b & c
        // Bit 7: the byte is the 3rd of a character whose lead is 2 back, or the 4th of
        // one 3 back; it must then be a continuation after a continuation (two_conts).
        const __m512i must_follow =
            _mm512_or_si512(_mm512_subs_epu8(prev2, _mm512_set1_epi8(0x60)),
                            _mm512_subs_epu8(prev3, _mm512_set1_epi8(0x70)));
        const __m512i wrong = _mm512_xor_si512(
            _mm512_and_si512(must_follow, _mm512_set1_epi8(static_cast<char>(0x80))), classes);
        u.error = _mm512_or_si512(u.error, wrong);
        u.prev = v;
    }

    // The break_bits of v, whose bytes one and two before are in back1, back2 and after in
    // ahead1, ahead2. U+0085 is c2 85, U+2028 and U+2029 are e2 80 a8 and e2 80 a9. Each
    // byte sequence is matched as one byte that is zero exactly where it is there: the OR
    // of each byte XOR the byte it must be (ternary logic, two at a time). The minimum of
    // two such bytes is zero where either matches, and one test turns that into a mask:
    // few mask-producing instructions, which are what limits this loop (Zen 5: 31 GB/s, 19
    // with a masked comparison per byte).
    blocks::break_bits breaks(__m512i back2, __m512i back1, __m512i v, __m512i ahead1,
                              __m512i ahead2) const {
        const std::uint64_t sep = separators(v);
        const __m512i end2 = or_differ(_mm512_xor_si512(v, byte_of(0x85)), back1, 0xc2);
        const __m512i end3 = or_differ(or_differ(a8_or_a9(v), back1, 0x80), back2, 0xe2);
        const __m512i start2 = or_differ(_mm512_xor_si512(v, byte_of(0xc2)), ahead1, 0x85);
        const __m512i start3 = or_differ(or_differ(a8_or_a9(ahead2), v, 0xe2), ahead1, 0x80);
        const __m512i crlf_lf = or_differ(_mm512_xor_si512(v, byte_of('\n')), back1, '\r');
        const std::uint64_t ends = zero(_mm512_min_epu8(end2, end3));
        const std::uint64_t starts = zero(_mm512_min_epu8(start2, start3));
        return {sep | ends, (sep & ~zero(crlf_lf)) | starts, leads(v)};
    }

    // 0xc2 and 0xe2 (they differ in bit 0x20 only).
    static std::uint64_t leads(__m512i v) {
        return _mm512_cmpeq_epi8_mask(_mm512_or_si512(v, byte_of(0x20)), byte_of(0xe2));
    }

    static __m512i byte_of(int b) { return _mm512_set1_epi8(static_cast<char>(b)); }

    // x | (v ^ b), per byte (0xf6: A | (B ^ C)).
    static __m512i or_differ(__m512i x, __m512i v, int b) {
        return _mm512_ternarylogic_epi32(x, v, byte_of(b), 0xf6);
    }

    // (v | 1) ^ 0xa9: zero where v is 0xa8 or 0xa9 (0x56: (A | B) ^ C).
    static __m512i a8_or_a9(__m512i v) {
        return _mm512_ternarylogic_epi32(v, byte_of(0x01), byte_of(0xa9), 0x56);
    }

    // The zero bytes of v.
    static std::uint64_t zero(__m512i v) { return _mm512_testn_epi8_mask(v, v); }

    // Lanes lo .. hi - 1, clipped to 0 .. 63.
    static __mmask64 lanes(int lo, int hi) {
        lo = std::max(lo, 0);
        hi = std::min(hi, 64);
        return lo >= hi ? 0 : (~__mmask64{0} >> (64 - (hi - lo))) << lo;
    }

    __m512i high_nibble(__m512i v) const {
        return _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble_);
    }

    std::uint64_t separators(__m512i v) const {
        return _mm512_test_epi8_mask(_mm512_shuffle_epi8(sep_low_, v),
                                     _mm512_shuffle_epi8(sep_high_, high_nibble(v)));
    }

    // vpshufb looks up within each 16-byte lane: the same table in all four (loaded from
    // static storage: no stack array, see classify_part).
    static __m512i table(const byte (&bytes)[16]) {
        const __m512i lane = _mm512_zextsi128_si512(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const byte*>(bytes))));
        return _mm512_maskz_shuffle_i32x4(0xffff, lane, lane, 0);
    }

    std::size_t m_;
    // Unaligned vector types: a sanitizer's stack frames need not honour the 64-byte
    // alignment of __m512i members (ASan's fake stacks crashed on it).
    static constexpr std::size_t head_count = 4;
    __m512i_u head_[head_count];   // the needle's first bytes (its last one repeated)
    blocks::needle_probes probes_; // likely's offsets and bytes (needles of 3 bytes or more)
    __m512i_u probe_[3] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
    __mmask64 length_ = 0; // the needle's bytes, for needles up to 64 bytes
    __m512i_u padded_ = _mm512_setzero_si512();
    __m512i_u first_;
    __m512i_u last_;
    __m512i_u sep_low_;
    __m512i_u sep_high_;
    __m512i_u maybe_low_;
    __m512i_u maybe_high_;
    __m512i_u nibble_;
    __m512i_u first_high_; // the UTF-8 check's tables
    __m512i_u first_low_;
    __m512i_u second_high_;
};

} // namespace

std::size_t count_words_avx512(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                               std::size_t begin, std::size_t end, utf8_scan* scan) {
    const avx512_chunker chunker(needle, m);
    return blocks::count_words(chunker, s, n, needle, m, begin, end, scan);
}

std::size_t count_empty_avx512(const byte* s, std::size_t n, std::size_t begin, std::size_t end) {
    const avx512_chunker chunker(blocks::crlf, 2);
    return blocks::count_empty(chunker, s, n, begin, end);
}

} // namespace gilsafe::detail

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace gilsafe::detail {

bool avx512_supported() {
    static const bool has = __builtin_cpu_supports("avx512f") &&
                            __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("bmi") &&
                            __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
    return has;
}

} // namespace gilsafe::detail

#else

namespace gilsafe::detail {

std::size_t count_words_avx512(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                               std::size_t begin, std::size_t end, utf8_scan* scan) {
    return count_words_scalar(s, n, needle, m, begin, end, scan);
}

std::size_t count_empty_avx512(const byte* s, std::size_t n, std::size_t begin, std::size_t end) {
    return count_empty_scalar(s, n, begin, end);
}

bool avx512_supported() {
    return false;
}

} // namespace gilsafe::detail

#endif // GILSAFE_HAVE_AVX512_KERNEL
