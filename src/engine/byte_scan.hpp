// src/engine/byte_scan.hpp: where the next separator ends, and whether a needle holds one, 64
// bytes a step in portable vectors
#pragma once

#include "separators.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace gilsafe::detail {

/// Whether a byte c, after back1 and back2, is the last of a separator: ' ', an ASCII
/// break, or the last byte of U+0085 (c2 85), U+2028 or U+2029 (e2 80 a8/a9).
inline bool ends_separator(byte c, byte back1, byte back2) {
    const bool ascii =
        (c == 0x20) | (static_cast<byte>(c - 0x0a) <= 3) | (static_cast<byte>(c - 0x1c) <= 2);
    const bool end2 = (c == 0x85) & (back1 == 0xc2);
    const bool end3 = ((c | 1) == 0xa9) & (back1 == 0x80) & (back2 == 0xe2);
    return ascii | end2 | end3;
}

namespace scan {

// GCC's and clang's portable vectors (SSE2 on x86-64, NEON on ARM; emulated elsewhere).
using bytes16 = byte __attribute__((vector_size(16)));
using lanes16 = signed char __attribute__((vector_size(16)));

inline bytes16 load(const byte* at) {
    bytes16 v;
    std::memcpy(&v, at, sizeof v);
    return v;
}

inline bool any(bytes16 v) {
    std::uint64_t halves[2];
    std::memcpy(halves, &v, sizeof halves);
    return (halves[0] | halves[1]) != 0;
}

// Whether a byte of at[0, 64) is below 0x21 or above 0x7f: every separator has one, and
// letters pass with one comparison a vector.
inline bool any_below_0x21_or_high(const byte* at) {
    bytes16 maybe{};
    for (int h = 0; h < 64; h += 16) {
        maybe |= reinterpret_cast<bytes16>(reinterpret_cast<lanes16>(load(at + h)) < 0x21);
    }
    return any(maybe);
}

// Whether a byte of at[0, 64) ends a separator (reads at[-2, 64)). A byte below 0x21 or
// above 0x7f is first looked for (one comparison a vector: letters pass at once), then the
// exact rule, ends_separator's, for the block that has one.
inline bool block_ends_separator(const byte* at) {
    if (!any_below_0x21_or_high(at)) {
        return false;
    }
    bytes16 found{};
    for (int h = 0; h < 64; h += 16) {
        const bytes16 c = load(at + h);
        const bytes16 back1 = load(at + h - 1);
        const bytes16 back2 = load(at + h - 2);
        const bytes16 breaks = c - static_cast<byte>(0x0a);
        const bytes16 groups = c - static_cast<byte>(0x1c);
        const auto ascii = (c == static_cast<byte>(0x20)) | (breaks <= static_cast<byte>(3)) |
                           (groups <= static_cast<byte>(2));
        const auto end2 = (c == static_cast<byte>(0x85)) & (back1 == static_cast<byte>(0xc2));
        const auto end3 = ((c | static_cast<byte>(1)) == static_cast<byte>(0xa9)) &
                          (back1 == static_cast<byte>(0x80)) & (back2 == static_cast<byte>(0xe2));
        found |= reinterpret_cast<bytes16>(ascii | end2 | end3);
    }
    return any(found);
}

// Whether a separator starts at a byte of at[0, 64) (reads at[0, 66)): the same two steps.
inline bool block_starts_separator(const byte* at) {
    if (!any_below_0x21_or_high(at)) {
        return false;
    }
    bytes16 found{};
    for (int h = 0; h < 64; h += 16) {
        const bytes16 c = load(at + h);
        const bytes16 ahead1 = load(at + h + 1);
        const bytes16 ahead2 = load(at + h + 2);
        const bytes16 breaks = c - static_cast<byte>(0x0a);
        const bytes16 groups = c - static_cast<byte>(0x1c);
        const auto ascii = (c == static_cast<byte>(0x20)) | (breaks <= static_cast<byte>(3)) |
                           (groups <= static_cast<byte>(2));
        const auto start2 = (c == static_cast<byte>(0xc2)) & (ahead1 == static_cast<byte>(0x85));
        const auto start3 = (c == static_cast<byte>(0xe2)) & (ahead1 == static_cast<byte>(0x80)) &
                            ((ahead2 | static_cast<byte>(1)) == static_cast<byte>(0xa9));
        found |= reinterpret_cast<bytes16>(ascii | start2 | start3);
    }
    return any(found);
}

} // namespace scan

/// Whether a separator starts anywhere in s[0, m): exact, 64 bytes a step (a needle of
/// control bytes or of ©, — or NBSP was checked at 0.1 GB/s by a search for bytes that may
/// start one, which stopped at each of them).
inline bool has_separator(const byte* s, std::size_t m) {
    std::size_t p = 0;
    for (; p + 66 <= m; p += 64) {
        if (scan::block_starts_separator(s + p)) {
            return true;
        }
    }
    for (; p < m; ++p) {
        if (separator_length_at(s, m, p) != 0) {
            return true;
        }
    }
    return false;
}

/// The first position in [p, end) whose byte ends a separator, or end: no field starts
/// after p and up to it. Exact, so that text whose letters end in 0x85 or 0xa8 (х, ą, Ш),
/// or that holds tabs or NULs, is skipped as fast as other text: 64 bytes a step in
/// portable vectors (0.5 instructions a byte on letters, 3 on х; callgrind), and only the
/// block holding such a byte byte by byte.
inline std::size_t next_separator_end(const byte* s, std::size_t p, std::size_t end) {
    for (; p < 2 && p < end; ++p) { // the bytes before the text read as zero
        if (ends_separator(s[p], p >= 1 ? s[p - 1] : 0, 0)) {
            return p;
        }
    }
    constexpr std::size_t block = 64;
    while (p < end) {
        while (p + block <= end && !scan::block_ends_separator(s + p)) {
            p += block;
        }
        for (const std::size_t stop = std::min(end, p + block); p < stop; ++p) {
            if (ends_separator(s[p], s[p - 1], s[p - 2])) {
                return p;
            }
        }
    }
    return end;
}

} // namespace gilsafe::detail
