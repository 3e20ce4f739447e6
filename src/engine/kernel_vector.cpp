// src/engine/kernel_vector.cpp: the portable SIMD kernel: GCC/Clang vector extensions, 16
// positions a step (SSE2 on any x86-64, NEON on ARM; no intrinsics, no run-time check)
#include "kernels.hpp"

#include <cstdint>

#if defined(__GNUC__) && (defined(__SSE2__) || defined(__ARM_NEON) || defined(__aarch64__))
#define GILSAFE_HAVE_VECTOR_KERNEL 1
#endif

namespace gilsafe::detail {

#ifdef GILSAFE_HAVE_VECTOR_KERNEL

namespace {

using bytes16 = byte __attribute__((vector_size(16)));
using lanes16 = signed char __attribute__((vector_size(16))); // a comparison: 0 or -1 a lane
using words2 = std::uint64_t __attribute__((vector_size(16)));

constexpr std::size_t width = 16;

bytes16 load(const byte* at) {
    bytes16 v;
    std::memcpy(&v, at, sizeof v);
    return v;
}

bool any(lanes16 v) {
    const auto w = reinterpret_cast<words2>(v);
    return (w[0] | w[1]) != 0;
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
// Bit i when lane i is set (lanes are 0 or -1): each byte keeps a bit of its own, and the
// product adds a word's eight bytes up into its top byte (distinct bits: no carries).
std::uint32_t lane_bits(lanes16 v) {
    const auto w = reinterpret_cast<words2>(v);
    constexpr std::uint64_t own_bit = 0x8040201008040201U;
    constexpr std::uint64_t add_up = 0x0101010101010101U;
    return static_cast<std::uint32_t>(((w[0] & own_bit) * add_up) >> 56) |
           static_cast<std::uint32_t>(((w[1] & own_bit) * add_up) >> 56) << 8;
}
#else
std::uint32_t lane_bits(lanes16 v) {
    std::uint32_t bits = 0;
    for (std::size_t i = 0; i < 16; ++i) {
        bits |= v[i] != 0 ? std::uint32_t{1} << i : 0U;
    }
    return bits;
}
#endif

bool any_high(bytes16 v) {
    const auto w = reinterpret_cast<words2>(v);
    return ((w[0] | w[1]) & 0x8080808080808080U) != 0;
}

// ' ', \n, \v, \f, \r, 0x1c-0x1e: a whole separator, ending or starting one.
lanes16 ascii_separator(bytes16 v) {
    const bytes16 breaks = v - static_cast<byte>(0x0a);
    const bytes16 groups = v - static_cast<byte>(0x1c);
    return (v == static_cast<byte>(0x20)) | (breaks <= static_cast<byte>(3)) |
           (groups <= static_cast<byte>(2));
}

// Last bytes of U+0085, U+2028, U+2029 (they also end other characters).
lanes16 may_end_separator(bytes16 v) {
    return (v == static_cast<byte>(0x85)) | ((v | static_cast<byte>(1)) == static_cast<byte>(0xa9));
}

// First bytes of U+0085, U+2028, U+2029 (they also start other characters).
lanes16 may_start_separator(bytes16 v) {
    return (v == static_cast<byte>(0xc2)) | (v == static_cast<byte>(0xe2));
}

// 0xc2 and 0xe2, the first bytes of U+0085, U+2028, U+2029 (they differ in bit 0x20 only).
lanes16 is_lead(bytes16 v) {
    return (v | static_cast<byte>(0x20)) == static_cast<byte>(0xe2);
}

// Last bytes of U+0085, U+2028, U+2029 exactly: v's bytes, with the bytes one and two
// before each in back1 and back2.
lanes16 separator_end(bytes16 v, bytes16 back1, bytes16 back2) {
    const lanes16 end2 = (v == static_cast<byte>(0x85)) & (back1 == static_cast<byte>(0xc2));
    const lanes16 end3 = ((v | static_cast<byte>(1)) == static_cast<byte>(0xa9)) &
                         (back1 == static_cast<byte>(0x80)) & (back2 == static_cast<byte>(0xe2));
    return end2 | end3;
}

// First bytes of U+0085, U+2028, U+2029 exactly: v's bytes, with the bytes one and two
// after each in ahead1 and ahead2.
lanes16 separator_start(bytes16 v, bytes16 ahead1, bytes16 ahead2) {
    const lanes16 start2 = (v == static_cast<byte>(0xc2)) & (ahead1 == static_cast<byte>(0x85));
    const lanes16 start3 = (v == static_cast<byte>(0xe2)) & (ahead1 == static_cast<byte>(0x80)) &
                           ((ahead2 | static_cast<byte>(1)) == static_cast<byte>(0xa9));
    return start2 | start3;
}

// Lane totals, kept in bytes and added up before they can wrap.
class lane_counter {
public:
    void add(lanes16 hits) {
        lanes_ -= reinterpret_cast<bytes16>(hits); // a hit is -1
        if (++steps_ == 255) {
            flush();
        }
    }

    std::size_t total() {
        flush();
        return total_;
    }

private:
    void flush() {
        for (std::size_t i = 0; i < width; ++i) {
            total_ += lanes_[i];
        }
        lanes_ = bytes16{};
        steps_ = 0;
    }

    bytes16 lanes_{};
    unsigned steps_ = 0;
    std::size_t total_ = 0;
};

} // namespace

// A step tests positions p..p+15 and reads bytes p-1 .. p+m+15.
std::size_t count_words_vector(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                               std::size_t begin, std::size_t end, utf8_scan* scan) {
    std::size_t total = 0;
    std::size_t p = begin;
    if (p == 0 && p < end) {
        total += word_at(s, n, needle, m, 0) ? 1U : 0U;
        p = 1;
    }
    bytes16 seen{};
    lane_counter exact_count;
    const bytes16 first = bytes16{} + needle[0];
    const bytes16 last = bytes16{} + needle[m - 1];
    for (; p + width <= end && p + m + width <= n; p += width) {
        const bytes16 here = load(s + p);
        seen |= here;
        lanes16 candidates = (here == first) & (load(s + p + m - 1) == last);
        if (!any(candidates)) {
            continue;
        }
        // The byte before first: inside a long field (letters 'a' and a needle of them,
        // issue 25) every lane is a candidate, and this one test rejects them all.
        const bytes16 before = load(s + p - 1);
        const lanes16 ascii_before = ascii_separator(before);
        candidates &= ascii_before | may_end_separator(before);
        if (!any(candidates)) {
            continue;
        }
        if (p >= 3 && any(candidates & ~ascii_before)) {
            // Exact where the two bytes before can be read: letters that end in 0x85 or
            // 0xa8 (х, ą, Ш) would otherwise make every other lane a candidate.
            candidates &= ascii_before | separator_end(before, load(s + p - 2), load(s + p - 3));
            if (!any(candidates)) {
                continue;
            }
        }
        const bytes16 after = load(s + p + m);
        const lanes16 ascii_after = ascii_separator(after);
        if (m <= 2) {
            // The two compared bytes are the whole needle: ASCII neighbours are exact.
            const lanes16 exact = candidates & ascii_before & ascii_after;
            exact_count.add(exact);
            candidates &= ~exact;
        }
        lanes16 sep_after = ascii_after;
        if (any_high(after)) {
            sep_after |= may_start_separator(after);
        }
        candidates &= sep_after;
        if (!any(candidates)) {
            continue;
        }
        for (std::uint32_t bits = lane_bits(candidates); bits != 0; bits &= bits - 1) {
            total += word_at(s, n, needle, m, p + static_cast<std::size_t>(__builtin_ctz(bits)))
                         ? 1U
                         : 0U;
        }
    }
    total += exact_count.total();
    if (scan != nullptr) {
        bool ascii = !any_high(seen);
        for (std::size_t i = begin; ascii && i < std::min(end, begin + 1); ++i) {
            ascii = s[i] < 0x80; // position 0, tested before the loop
        }
        for (std::size_t i = p; ascii && i < end; ++i) {
            ascii = s[i] < 0x80; // the tail the loop did not load
        }
        *scan = ascii ? utf8_scan::ascii : utf8_scan::unknown;
    }
    if (p < end) {
        total += count_words_scalar(s, n, needle, m, p, end);
    }
    return total;
}

// A step tests positions p..p+15 and reads bytes p-3 .. p+17: the multi-byte breaks are
// matched whole, so no position needs the scalar rule.
std::size_t count_empty_vector(const byte* s, std::size_t n, std::size_t begin, std::size_t end) {
    std::size_t total = 0;
    std::size_t p = begin;
    if (p == 0 && p < end) {
        total += empty_field_at(s, n, 0) ? 1U : 0U;
        p = 1;
    }
    for (; p < 3 && p < end && p < n; ++p) {
        total += empty_field_at(s, n, p) ? 1U : 0U; // a step reads three bytes back
    }
    lane_counter exact_count;
    // Short of position n, which the scalar tail must see (it has no byte to load).
    for (; p + width <= end && p + width + 2 <= n; p += width) {
        const bytes16 before = load(s + p - 1);
        const bytes16 here = load(s + p);
        const lanes16 inside_crlf =
            (before == static_cast<byte>('\r')) & (here == static_cast<byte>('\n'));
        const lanes16 sep_before = ascii_separator(before);
        const lanes16 sep_after = ascii_separator(here);
        const lanes16 plain = sep_before & sep_after & ~inside_crlf;
        exact_count.add(plain);
        if (!any_high(before | here)) {
            continue; // a multi-byte break has a byte >= 0x80 in `before` or `here`
        }
        // Its first byte lies in p - 3 .. p + 15; most non-ASCII text (Cyrillic, CJK) has
        // no 0xc2 or 0xe2 there.
        const bytes16 back3 = load(s + p - 3);
        if (!any(is_lead(back3) | is_lead(here))) {
            continue;
        }
        // The positions next to one, matched whole: no scalar rule.
        const lanes16 multi =
            (sep_before | separator_end(before, load(s + p - 2), back3)) &
            (sep_after | separator_start(here, load(s + p + 1), load(s + p + 2))) & ~inside_crlf &
            ~plain;
        exact_count.add(multi);
    }
    total += exact_count.total();
    if (p < end) {
        total += count_empty_scalar(s, n, p, end); // includes position n when end == n
    } else if (end == n && begin < end) {
        total += empty_field_at(s, n, n) ? 1U : 0U; // a text of up to 3 bytes: p went to n
    }
    return total;
}

bool vector_supported() {
    return true;
}

#else

std::size_t count_words_vector(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                               std::size_t begin, std::size_t end, utf8_scan* scan) {
    return count_words_scalar(s, n, needle, m, begin, end, scan);
}

std::size_t count_empty_vector(const byte* s, std::size_t n, std::size_t begin, std::size_t end) {
    return count_empty_scalar(s, n, begin, end);
}

bool vector_supported() {
    return false;
}

#endif // GILSAFE_HAVE_VECTOR_KERNEL

} // namespace gilsafe::detail
