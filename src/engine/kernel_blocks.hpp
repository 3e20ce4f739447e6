// src/engine/kernel_blocks.hpp: the 64-position block algorithm of the AVX2 and AVX-512 kernels,
// written once over "classify 64 bytes into bit masks"
//
// Include it only inside a target region (`#pragma GCC target` / `#pragma clang attribute`),
// after every header it needs (kernels.hpp, <algorithm>, <cstdint>, <cstring>): its
// templates are then compiled for that instruction set, while the helpers it calls from
// other headers (word_at, empty_field_at) stay portable. Everything here has internal
// linkage, so the AVX2 and AVX-512 copies never meet at link time.
//
// Positions are tested 64 at a time: block P = p .. p + 63. A field equal to the needle
// starts at P when its bytes are there, a separator ends at P - 1 and one starts at P + m.
// Two loops do this, by how often a block has a candidate in natural text:
//   - dense (needles of 1 to 4 bytes, and the empty needle): most blocks have candidates,
//     so no branch at all. The chunk at p - 1 is classified once into separator bits and
//     serves twice: for "ends before P" as is, and for "starts after P + m" shifted by
//     m + 1 across it and the next block's chunk. The needle is compared whole, so a
//     match between ASCII separators is counted by a popcount.
//   - sparse (longer needles): three of the needle's bytes are compared (choose_probes); a
//     candidate (rare, and usually a match) is checked on its own: the whole needle in
//     one masked vector comparison, its neighbours by the scalar separator rules.
// Text that is not ASCII has loops of its own (mixed_blocks, sparse_mixed_blocks), which
// also run the fused UTF-8 check. Their ASCII separators settle every position unless a
// lead byte of U+0085, U+2028 or U+2029 (0xc2, 0xe2) is within reach: only then do the
// bytes that may end or start such a break (0x85, 0xa8-0xa9 / 0xc2, 0xe2) send a candidate
// to the exact scalar rule. Branches there test facts that are rare in any text (a
// candidate): a branch on a fact that is common in some text (a lead byte nearby, in
// mixed-script text) mispredicts, and a mispredicted branch on bytes just loaded throws
// away the loads issued behind it: 2.4x slower from memory, no slower in cache.
// The empty needle (count_empty) has no candidate at all. Its plain loop is exact where
// no byte 0xc2 or 0xe2 (the lead bytes of U+0085, U+2028, U+2029) is within reach, ASCII
// or not (most Cyrillic or CJK text); near one, `breaks` matches the multi-byte breaks
// whole (loads two bytes behind and ahead), so its masks say exactly where a separator
// ends and where one starts, and that loop is branch-free too.
//
// The blocks at the ends of the text, where a load would leave it, go through chunk_at:
// the same masks from a zero-padded copy, where the start of the text counts as a
// separator before position 0 and its end as one after position n - m (break_chunk_at
// likewise for the empty needle's masks).
//
// A Chunker, made with the needle (m >= 1 bytes), has
//   chunk_bits classify(const byte* at):  every mask of at[0, 64);
//   chunk_bits classify_part(const byte* from, unsigned skip, unsigned count): every mask
//                                         of 64 bytes: `skip` zeros, from[0, count), zeros
//                                         (no stack buffer in this code: see the chunkers);
//   lead_bits leads(const byte* at):      sep and lead of at[0, 64) (the empty needle's);
//   break_bits breaks(const byte* at):    the empty needle's masks of at[0, 64), reading
//                                         at[-2, 66);
//   break_bits breaks_part(const byte* from, unsigned skip, unsigned count): those of the
//                                         68 bytes `skip` zeros, from[0, count), zeros
//                                         as bytes -2 .. 65 of a chunk;
//   sep_bits separators(const byte* at):  sep, high and lead of at[0, 64);
//   std::uint64_t equal<M>(const byte* at): bit i when at[i, i + M) is the needle's start
//                                         (M <= dense_needle);
//   bool equal_at(const byte* at):        at[0, m) is the needle (m <= 64; reads at[0, 64));
//   needle_bits likely(const byte* at):   bit i when the needle's probe bytes (see
//                                         choose_probes) are in place for it to start at
//                                         at + i (m >= 3); high of at[0, 64).
// and, for the UTF-8 check fused into the count (see below), a type
// `utf8_state` (the last bytes seen, the errors so far; value-initialized: none) and
//   void utf8_context(utf8_state& u, const byte* s, std::size_t at): the bytes before
//                                         s + at (those before s read as zero) are the
//                                         last bytes seen, the errors kept;
//   void utf8_step(utf8_state& u, const byte* at): checks at[0, 64) after them;
//   void utf8_step_part(utf8_state& u, const byte* from, unsigned count): the same for
//                                         from[0, count) followed by zeros;
//   bool utf8_failed(const utf8_state& u): whether any step found an error.
//
// The UTF-8 check (when the caller asks for it) is Keiser and Lemire's "lookup" algorithm
// (Validating UTF-8 in less than one instruction per byte, 2021; simdjson's): three
// nibble-table lookups on each byte and the one before it, and a test that the second to
// fourth bytes of 3- and 4-byte characters are continuation bytes. The loops that meet
// bytes >= 0x80 run it on the chunks they classify, in order, so each byte is loaded once
// for both; the edges, which are short, are checked apart. It answers "valid" or "maybe
// not" (it reads around the range, and an error there counts too): the caller finds exact
// offsets with the scalar rules.

namespace gilsafe::detail::blocks {
namespace { // a copy per kernel file, compiled for its instruction set

/// Masks of 64 bytes (bit i: byte i of the chunk).
struct chunk_bits {
    std::uint64_t first = 0;       ///< equal to the needle's first byte
    std::uint64_t last = 0;        ///< equal to the needle's last byte
    std::uint64_t sep = 0;         ///< ' ', \n, \v, \f, \r, 0x1c-0x1e (a whole separator)
    std::uint64_t high = 0;        ///< >= 0x80 (not ASCII)
    std::uint64_t maybe_end = 0;   ///< 0x85, 0xa8, 0xa9: may end U+0085, U+2028, U+2029
    std::uint64_t maybe_start = 0; ///< 0xc2, 0xe2: may start one
};

/// The empty needle's masks of 64 bytes (bit i: byte i of the chunk), exact: U+0085 (c2 85)
/// and U+2028, U+2029 (e2 80 a8, e2 80 a9) are matched whole, with the two bytes before and
/// after the chunk. An empty field starts at P (0 < P < n) when ends has byte P - 1 and
/// starts has byte P.
struct break_bits {
    std::uint64_t ends = 0;   ///< the last byte of a separator (of a whole one)
    std::uint64_t starts = 0; ///< the first byte of one, except the \n of a \r\n
    std::uint64_t lead = 0;   ///< 0xc2, 0xe2: may start a multi-byte break
};

/// The separators of 64 bytes, and whether a byte may start a multi-byte break: where
/// none is within reach, sep alone is exact for the empty needle.
struct lead_bits {
    std::uint64_t sep = 0;
    std::uint64_t lead = 0; ///< not 0 when a byte is 0xc2 or 0xe2 (bits: the chunker's)
};

/// The separators of 64 bytes, and which bytes are not ASCII.
struct sep_bits {
    std::uint64_t sep = 0;
    std::uint64_t high = 0;
    std::uint64_t lead = 0; ///< 0xc2, 0xe2: may start a multi-byte break
};

/// Where the needle probably starts, and which bytes are not ASCII.
struct needle_bits {
    std::uint64_t found = 0;
    std::uint64_t high = 0;
};

/// The chunkers' classification, two nibble-table lookups per byte: byte b has a class
/// bit when low[b & 15] & high[b >> 4] has it (the low lookup's vpshufb zeroes bytes >=
/// 0x80, and no separator is one).
namespace class_tables {
// A whole separator: 0x01: 0x0a-0x0d   0x02: 0x1c-0x1e   0x04: 0x20.
constexpr byte sep_low[16] = {0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x01, 0x03, 0x03, 0x02, 0};
constexpr byte sep_high[16] = {0x01, 0x02, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
// May end a multi-byte break, 0x01: 0x85   0x02: 0xa8-0xa9; may start one, 0x04: 0xc2
// 0x08: 0xe2 (looked up with the high nibble masked, so bytes >= 0x80 are found).
constexpr byte maybe_low[16] = {0, 0, 0x0c, 0, 0, 0x01, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0, 0};
constexpr byte maybe_high[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0x02, 0, 0x04, 0, 0x08, 0};
} // namespace class_tables

/// The lookup algorithm's tables (see above): error classes of the first byte's high
/// and low nibble and the second byte's high nibble; a pair of bytes is wrong when the
/// three classes share a bit. A continuation byte after a continuation byte (0x80) is
/// right only as the 3rd or 4th byte of a character, which the length test settles.
namespace utf8_tables {
constexpr byte too_short = 1 << 0;  // 11______ 0_______, 11______ 11______
constexpr byte too_long = 1 << 1;   // 0_______ 10______
constexpr byte overlong_3 = 1 << 2; // 11100000 100_____
constexpr byte too_large = 1 << 3;  // 11110100 1001____, 11110100 101_____, 11110101+ 10______
constexpr byte surrogate = 1 << 4;  // 11101101 101_____
constexpr byte overlong_2 = 1 << 5; // 1100000_ 10______
// too_large_1000 and overlong_4 share a bit on purpose (simdjson's tables): before a second
// byte 1000____ it is wrong after f0 (overlong) and after f5 and up (too large), which the
// low nibble picks (0000 and 0101+), and right after f1-f4.
constexpr byte too_large_1000 = 1 << 6; // 11110101+ 1000____, 1111011_ 1000____, 11111___ 1000____
constexpr byte overlong_4 = 1 << 6;     // 11110000 1000____
constexpr byte two_conts = 1 << 7;      // 10______ 10______
constexpr byte carry = too_short | too_long | two_conts;

constexpr byte first_high[16] = {
    too_long,
    too_long,
    too_long,
    too_long,
    too_long,
    too_long,
    too_long,
    too_long,
    two_conts,
    two_conts,
    two_conts,
    two_conts,                                           // 10______: a continuation byte
    too_short | overlong_2,                              // 1100____
    too_short,                                           // 1101____
    too_short | overlong_3 | surrogate,                  // 1110____
    too_short | too_large | too_large_1000 | overlong_4, // 1111____
};
constexpr byte first_low[16] = {
    carry | overlong_3 | overlong_2 | overlong_4, // ____0000
    carry | overlong_2,                           // ____0001
    carry,
    carry,
    carry | too_large, // ____0100
    carry | too_large | too_large_1000,
    carry | too_large | too_large_1000,
    carry | too_large | too_large_1000,
    carry | too_large | too_large_1000,
    carry | too_large | too_large_1000,
    carry | too_large | too_large_1000,
    carry | too_large | too_large_1000,
    carry | too_large | too_large_1000,
    carry | too_large | too_large_1000 | surrogate, // ____1101
    carry | too_large | too_large_1000,
    carry | too_large | too_large_1000,
};
constexpr byte second_high[16] = {
    too_short,
    too_short,
    too_short,
    too_short,
    too_short,
    too_short,
    too_short,
    too_short,
    too_long | overlong_2 | two_conts | overlong_3 | too_large_1000 | overlong_4, // 1000____
    too_long | overlong_2 | two_conts | overlong_3 | too_large,                   // 1001____
    too_long | overlong_2 | two_conts | surrogate | too_large,                    // 101_____
    too_long | overlong_2 | two_conts | surrogate | too_large,
    too_short,
    too_short,
    too_short,
    too_short, // 11______
};
} // namespace utf8_tables

/// The three offsets of the needle (m >= 3) whose bytes the sparse loop compares first.
/// An ASCII needle's first, second and last bytes. A needle with other characters is told
/// apart by its continuation bytes (0x80-0xbf): its last, first and middle one, then the
/// last, first and second bytes. Lead bytes say little (0xd0 and 0xd1 are half of Russian
/// text: "лучше" probed at d0 bb .. b5 met a candidate every other block, and mispredicted
/// branches made the count 2.5x slower than by d0 bb's 0xbb, 0x88 and 0xb5).
struct needle_probes {
    std::size_t at[3] = {};
};

inline needle_probes choose_probes(const byte* needle, std::size_t m) {
    // Only the needle's first bytes are looked at: a chunker is made for every block a
    // count hands to the kernel, and reading all of a long needle each time made a count
    // O(n * m) (a 32 MB needle in 32 MB of text: 270 M instructions a call; issue 25).
    const std::size_t span = std::min<std::size_t>(m, 64);
    const auto continuation = [&](std::size_t i) { return (needle[i] & 0xc0) == 0x80; };
    std::size_t total = 0;
    for (std::size_t i = 0; i < span; ++i) {
        total += continuation(i) ? 1U : 0U;
    }
    std::size_t first = m; // none
    std::size_t middle = m;
    std::size_t last = m;
    for (std::size_t i = 0, seen = 0; i < span; ++i) {
        if (continuation(i)) {
            first = seen == 0 ? i : first;
            middle = seen == total / 2 ? i : middle;
            last = i;
            ++seen;
        }
    }
    needle_probes probes;
    std::size_t taken = 0;
    for (const std::size_t pick : {last, first, middle, std::size_t{0}, std::size_t{1}, m - 1}) {
        if (pick < m && taken < 3 &&
            std::find(probes.at, probes.at + taken, pick) == probes.at + taken) {
            probes.at[taken++] = pick;
        }
    }
    return probes; // three offsets: {0, 1, m - 1} has three when m >= 3
}

/// Needles up to this long go through the dense loop (see above).
constexpr std::size_t dense_needle = 4;

/// How far ahead of its loads a loop asks for the text: about what memory delivers while
/// one request is under way (a bandwidth-delay product). Hardware prefetchers alone
/// leave the loops at a third of memory's speed on the AMD EPYC (Zen 5) this was tuned
/// on; 8 KiB ahead brings them to a memchr scan's (4 KiB: 0.85x, 16 KiB: 0.85x).
constexpr std::uintptr_t prefetch_distance = 8192;

/// Asks for the bytes prefetch_distance after `at` (an address past the text is fine: a
/// prefetch never faults, and the integer arithmetic forms no out-of-range pointer).
/// Measured, and sensitive to code generation: with the distance hidden in a register,
/// or the loads addressed off the prefetch pointer, the same loop ran 2.5x slower from
/// memory (GCC 12, Zen 5); bench_kernel_variants' 85.8 MB and 1 GiB rows show it.
void prefetch_ahead(const byte* at) {
    __builtin_prefetch(
        reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(at) + prefetch_distance));
}

/// 0xc2 or 0xe2: the first byte of U+0085, U+2028 and U+2029 (and of other characters).
inline bool is_lead(byte c) {
    return (c | 0x20) == 0xe2;
}

/// Bits [k, k + 64) of the 128-bit value hi:lo, for 0 < k < 64.
template <class U> U join(U lo, U hi, unsigned k) {
    return (lo >> k) | (hi << (64U - k));
}

/// The masks of s[c, c + 64), c >= -1; bytes outside [0, n) read as zero and are in no
/// mask, except that byte -1 (before the text) and byte n (after it) are separators.
template <class Chunker>
chunk_bits chunk_at(const Chunker& chunker, const byte* s, std::size_t n, std::ptrdiff_t c) {
    if (c >= 0 && static_cast<std::size_t>(c) + 64 <= n) {
        return chunker.classify(s + c);
    }
    const auto size = static_cast<std::ptrdiff_t>(n);
    if (c > size) {
        return {}; // wholly past the text (and past byte n): no pointer into it is formed
    }
    const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(c, 0);
    const std::ptrdiff_t hi = std::max(lo, std::min<std::ptrdiff_t>(c + 64, size));
    const auto skip = static_cast<unsigned>(lo - c);
    const auto count = static_cast<unsigned>(hi - lo);
    const std::uint64_t inside = (count == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1)
                                 << skip;
    chunk_bits bits = chunker.classify_part(s + lo, skip, count);
    bits.first &= inside; // a needle byte 0x00 must not match the padding
    bits.last &= inside;
    if (c < 0) {
        bits.sep |= 1; // byte -1: the start of the text ends a separator
    }
    if (size >= c && size - c < 64) {
        bits.sep |= std::uint64_t{1} << static_cast<unsigned>(size - c);
    }
    return bits;
}

/// Of the positions p .. p + 63, those below `stop`.
template <class U = std::uint64_t> U positions_below(std::size_t p, std::size_t stop) {
    return stop - p >= 64 ? ~U{0} : (U{1} << (stop - p)) - 1;
}

/// Counts fields equal to the needle over [begin, end), block by block.
template <class Chunker> class word_counter {
public:
    word_counter(const Chunker& chunker, const byte* s, std::size_t n, const byte* needle,
                 std::size_t m, std::size_t end)
        : chunker_(chunker), s_(s), n_(n), needle_(needle), m_(m),
          last_(m <= n ? std::min(end, n - m + 1) : 0) {}

    /// Fields that start in [begin, end); with `scan`, what is known of those bytes' UTF-8.
    std::size_t count(std::size_t begin, std::size_t end, utf8_scan* scan) {
        check_ = scan != nullptr;
        std::size_t p = begin;
        // Up to the first position whose chunk (at p - 1) starts a cache line: whole-line
        // loads are much faster than split ones when the text comes from memory.
        const auto misaligned =
            reinterpret_cast<std::uintptr_t>(s_ + std::max<std::size_t>(p, 1) - 1) % 64;
        const std::size_t aligned = std::max<std::size_t>(p, 1) + (64 - misaligned) % 64;
        p = edge_blocks(p, std::min(aligned, last_));
        p = check_ ? middle_blocks<true>(p) : middle_blocks<false>(p);
        p = edge_blocks(p, last_);
        if (scan != nullptr) {
            // The bytes where no position of the loops started.
            const std::size_t tail = std::max(begin, last_);
            std::size_t i = tail; // a vector a step: with a long needle, that is the range
            while (i + 64 <= end && chunker_.separators(s_ + i).high == 0) {
                i += 64;
            }
            while (i < end && s_[i] < 0x80) {
                ++i;
            }
            if (i < end) {
                high_ |= 1;
                unchecked_ = unchecked_ || !span_valid(tail, end);
            }
            *scan = high_ == 0 ? utf8_scan::ascii
                               : (unchecked_ ? utf8_scan::unknown : utf8_scan::valid);
        }
        return total_;
    }

private:
    using utf8_state = typename Chunker::utf8_state;

    // The loop for the needle's length, from p on; with Check, the UTF-8 checked along.
    template <bool Check> std::size_t middle_blocks(std::size_t p) {
        switch (m_) {
        case 1:
            return dense_blocks<1, Check>(p);
        case 2:
            return dense_blocks<2, Check>(p);
        case 3:
            return dense_blocks<3, Check>(p);
        case 4:
            return dense_blocks<4, Check>(p);
        default:
            // Needles past 64 bytes compare with memcmp: a call, whose register saves would
            // otherwise weigh on every candidate of the others (10% with `better`).
            return m_ <= 64 ? sparse_blocks<Check, false>(p) : sparse_blocks<Check, true>(p);
        }
    }

    // Whole blocks from p on while their loads lie in the text (the next block's chunk,
    // at p + 63, included), for a needle of M <= dense_needle bytes. Its own function, with
    // locals rather than members, and no call in the loop, so that the loop keeps
    // everything in registers: a block with a byte >= 0x80 around leaves it for
    // mixed_blocks. Bytes p - 1 .. p + 126 are then ASCII, and high_ has nothing to learn.
    template <std::size_t M, bool Check>
    __attribute__((noinline)) std::size_t dense_blocks(std::size_t p) {
        if (p == 0 || p + 64 > last_ || p + 127 > n_) {
            return p;
        }
        const Chunker& chunker = chunker_;
        const byte* const s = s_;
        const std::size_t stop = std::min(last_ - 64, n_ - 127); // the last p to take
        std::size_t total = 0;
        while (p <= stop) {
            sep_bits cur = chunker.separators(s + p - 1);
            for (; p <= stop; p += 64) {
                prefetch_ahead(s + p);
                const sep_bits next = chunker.separators(s + p + 63);
                if ((cur.high | next.high) != 0) {
                    break;
                }
                const std::uint64_t found =
                    chunker.template equal<M>(s + p) & cur.sep & join(cur.sep, next.sep, M + 1);
                total += static_cast<std::size_t>(__builtin_popcountll(found));
                cur = next;
            }
            if (p <= stop) {
                p = mixed_blocks<M, Check>(p, stop);
            }
        }
        total_ += total;
        return p;
    }

    // dense_blocks' loop for text that is not ASCII: blocks from p <= stop on, the first
    // one included, while a byte >= 0x80 is around. The ASCII separators settle every
    // position unless a lead byte of a multi-byte break (0xc2, 0xe2) is within reach, when
    // near_breaks looks closer. With Check, the chunks it classifies (from p - 1 on, in
    // order) are checked as UTF-8 too. Returns where it stopped.
    template <std::size_t M, bool Check>
    __attribute__((noinline)) std::size_t mixed_blocks(std::size_t p, std::size_t stop) {
        const Chunker& chunker = chunker_;
        const byte* const s = s_;
        std::size_t total = 0;
        std::uint64_t high = 0;
        sep_bits cur = chunker.separators(s + p - 1);
        // Lead bytes at p - 3 and p - 2, before `cur`: a break they start may end before p.
        std::uint64_t behind =
            (p >= 3 && is_lead(s[p - 3]) ? 1U : 0U) | (p >= 2 && is_lead(s[p - 2]) ? 2U : 0U);
        utf8_state utf8{};
        if constexpr (Check) {
            chunker.utf8_context(utf8, s, p - 1);
            chunker.utf8_step(utf8, s + p - 1);
        }
        for (; p <= stop; p += 64) {
            prefetch_ahead(s + p);
            const sep_bits next = chunker.separators(s + p + 63);
            if ((cur.high | next.high) == 0) {
                break; // ASCII again (never for the first block: dense_blocks saw a byte)
            }
            if constexpr (Check) {
                chunker.utf8_step(utf8, s + p + 63); // `cur` was checked before it
                high |= join(cur.high, next.high, 1);
            }
            const std::uint64_t equal = chunker.template equal<M>(s + p);
            const std::uint64_t exact = equal & cur.sep & join(cur.sep, next.sep, M + 1);
            total += static_cast<std::size_t>(__builtin_popcountll(exact));
            // One branch, taken only where both hold (rare): a branch on the lead bytes
            // alone, unpredictable in mixed-script text and waiting on the load, made the
            // loop 2.4x slower from memory (the work behind it is thrown away each time).
            const std::uint64_t leads_near = cur.lead | next.lead | behind;
            const std::uint64_t rest =
                equal & ~exact & (std::uint64_t{0} - static_cast<std::uint64_t>(leads_near != 0));
            if (rest != 0) {
                total += near_breaks<M>(p, rest);
            }
            behind = cur.lead >> 62; // bytes p + 61, p + 62: the next block's p - 3, p - 2
            cur = next;
        }
        if constexpr (Check) {
            // A character cut at the end of the last chunk checked has its lead byte at a
            // position of the next loop or the edge, or in the tail: checked there.
            unchecked_ = unchecked_ || chunker.utf8_failed(utf8);
        }
        total_ += total;
        high_ |= high;
        return p;
    }

    // How many of the positions `rest` of block p (the needle there, a neighbour not an
    // ASCII separator) are fields. From p = 3 on, the empty needle's exact masks say where
    // a separator ends before each and starts after it: no scalar rule at all (with the
    // rule per candidate, text of ©, Å or ₩, whose last bytes 0xa9/0x85/0xa9 may end a
    // break and whose 0xc2/0xe2 lead bytes are everywhere, counted at 15-30x `is`).
    template <std::size_t M>
    __attribute__((noinline)) std::size_t near_breaks(std::size_t p, std::uint64_t rest) const {
        if (p >= 3) { // breaks() reads two bytes behind its chunk
            const std::uint64_t ends = chunker_.breaks(s_ + p - 1).ends;
            const std::uint64_t starts = chunker_.breaks(s_ + p + M).starts;
            return static_cast<std::size_t>(__builtin_popcountll(rest & ends & starts));
        }
        const chunk_bits cur = chunker_.classify(s_ + p - 1);
        const chunk_bits next = chunker_.classify(s_ + p + 63);
        const std::uint64_t after =
            join(cur.sep, next.sep, M + 1) | join(cur.maybe_start, next.maybe_start, M + 1);
        return verified(p, rest & (cur.sep | cur.maybe_end) & after);
    }

    // Whole blocks from p on while their loads lie in the text, for longer needles: a block
    // without the needle's probe bytes in place costs three comparisons, and each
    // candidate (usually a match) gets the exact rule right there. Like dense_blocks, a
    // tight loop while the bytes are ASCII; a block with a byte >= 0x80 leaves it for
    // sparse_mixed_blocks, which also checks the UTF-8.
    template <bool Check, bool Long>
    __attribute__((noinline)) std::size_t sparse_blocks(std::size_t p) {
        const std::size_t reach = std::max<std::size_t>(m_, 64) + 64; // bytes read from p
        if (p == 0 || p + 64 > last_ || p + reach > n_) {
            return p;
        }
        const Chunker& chunker = chunker_;
        const byte* const s = s_;
        const std::size_t stop = std::min(last_ - 64, n_ - reach); // the last p to take
        std::size_t total = 0;
        while (p <= stop) {
            for (; p <= stop; p += 64) {
                prefetch_ahead(s + p);
                if constexpr (Long) {
                    // The last probe reads m - 1 bytes ahead: a second stream, which
                    // without its own prefetch waited on memory (a 100 kB needle in 32 MB
                    // of letters: 3.5 GB/s against 20 for `is`, AMD Zen 5).
                    prefetch_ahead(s + p + m_ - 1);
                }
                const needle_bits here = chunker.likely(s + p);
                if (here.high != 0) {
                    break;
                }
                if (here.found != 0) {
                    // Bytes p .. p + 62 are ASCII, so `sep` is exact for them; byte p - 1
                    // may end a multi-byte break.
                    const sep_bits before = chunker.separators(s + p - 1);
                    const std::uint64_t starts = here.found & (before.sep | (before.high & 1));
                    if (starts != 0) {
                        total += sparse_candidates<Long>(p, starts);
                    }
                }
            }
            if (p <= stop) {
                p = sparse_mixed_blocks<Check, Long>(p, stop, total);
            }
        }
        total_ += total;
        return p;
    }

    // sparse_blocks' loop for text that is not ASCII: blocks from p <= stop on, the first
    // one included, up to and with the next ASCII block (which completes the characters
    // cut at the end of the block before it); with Check, each block's UTF-8 is checked.
    // Adds to `total`; returns where it stopped.
    template <bool Check, bool Long>
    __attribute__((noinline)) std::size_t sparse_mixed_blocks(std::size_t p, std::size_t stop,
                                                              std::size_t& total) {
        const Chunker& chunker = chunker_;
        const byte* const s = s_;
        std::size_t count = 0;
        std::uint64_t high = 0;
        utf8_state utf8{};
        if constexpr (Check) {
            chunker.utf8_context(utf8, s, p);
        }
        bool ascii = false;
        for (; p <= stop && !ascii; p += 64) {
            prefetch_ahead(s + p);
            if constexpr (Long) {
                prefetch_ahead(s + p + m_ - 1); // the last probe's stream (see sparse_blocks)
            }
            const needle_bits here = chunker.likely(s + p);
            if constexpr (Check) {
                chunker.utf8_step(utf8, s + p);
            }
            high |= here.high;
            ascii = here.high == 0;
            if (here.found != 0) {
                count += sparse_candidates<Long>(p, here.found & field_may_start(p));
            }
        }
        if constexpr (Check) {
            if (!ascii) {
                step_at(utf8, p); // the last block's characters, cut at its end
            }
            unchecked_ = unchecked_ || chunker.utf8_failed(utf8);
        }
        total += count;
        high_ |= high;
        return p;
    }

    // Positions p .. p + 63 (0 < p, p + 65 < n) right after the end of a separator: the only
    // ones where a field starts. Exact (the multi-byte breaks matched whole) from p = 3 on:
    // letters that end in 0x85, 0xa8 or 0xa9 (х, ą, Ш) made every other position of such
    // text a candidate for the scalar rule.
    std::uint64_t field_may_start(std::size_t p) const {
        if (p >= 3) {
            return chunker_.breaks(s_ + p - 1).ends;
        }
        const chunk_bits before = chunker_.classify(s_ + p - 1);
        return before.sep | before.maybe_end;
    }

    // How many of the sparse loops' candidates (bits of `found`, positions p .. p + 63) are
    // fields equal to the needle. The callers keep only positions where a field may start,
    // and the neighbours are tested before the bytes: a text of letters 'a' and a needle
    // of them made every position a candidate, and each one compared the whole needle
    // (O(n * m): 1 MB and a 100 kB needle took 1.7 s, issue 25). Now a candidate costs
    // O(1) until both its ends are separators, and then at most its field's length.
    template <bool Long>
    __attribute__((always_inline)) std::size_t sparse_candidates(std::size_t p,
                                                                 std::uint64_t found) const {
        const Chunker& chunker = chunker_;
        const byte* const s = s_;
        const std::size_t n = n_;
        const std::size_t m = m_;
        std::size_t total = 0;
        for (std::uint64_t c = found; c != 0; c &= c - 1) {
            const std::size_t q = p + static_cast<std::size_t>(__builtin_ctzll(c));
            if (!separator_ends_before(s, q) || !separator_starts_at(s, n, q + m)) {
                continue;
            }
            total +=
                (Long ? std::memcmp(s + q, needle_, m) == 0 : chunker.equal_at(s + q)) ? 1U : 0U;
        }
        return total;
    }

    // Positions [p, stop) in blocks from chunk_at (any needle, any place); returns stop.
    std::size_t edge_blocks(std::size_t p, std::size_t stop) {
        if (p >= stop) {
            return p;
        }
        const std::size_t from = p;
        std::uint64_t high = 0;
        auto c = static_cast<std::ptrdiff_t>(p) - 1;
        chunk_bits cur = chunk_at(chunker_, s_, n_, c);
        for (; p < stop; p += 64, c += 64) {
            const chunk_bits next = chunk_at(chunker_, s_, n_, c + 64);
            const std::uint64_t valid = positions_below(p, stop);
            const std::uint64_t first = join(cur.first, next.first, 1);
            std::uint64_t last_byte = 0;
            std::uint64_t after = 0;
            std::uint64_t maybe_after = 0;
            if (m_ <= 62) {
                const auto k = static_cast<unsigned>(m_);
                last_byte = join(cur.last, next.last, k);
                after = join(cur.sep, next.sep, k + 1);
                maybe_after = join(cur.maybe_start, next.maybe_start, k + 1);
            } else {
                const auto far = static_cast<std::ptrdiff_t>(m_);
                last_byte = chunk_at(chunker_, s_, n_, c + far).last;
                const chunk_bits a = chunk_at(chunker_, s_, n_, c + far + 1);
                after = a.sep;
                maybe_after = a.maybe_start;
            }
            high |= join(cur.high, next.high, 1) & valid;
            // The needle's ends in place, next to a separator or a byte that may be one.
            std::uint64_t found =
                first & last_byte & valid & (cur.sep | cur.maybe_end) & (after | maybe_after);
            if (m_ <= 2) {
                const std::uint64_t exact = found & cur.sep & after;
                total_ += static_cast<std::size_t>(__builtin_popcountll(exact));
                found &= ~exact;
            }
            total_ += verified(p, found);
            cur = next;
        }
        high_ |= high;
        if (check_ && high != 0) {
            unchecked_ = unchecked_ || !span_valid(from, stop);
        }
        return stop;
    }

    // Checks the 64 bytes at `at` (those past the text as zeros) after the state's.
    void step_at(utf8_state& utf8, std::size_t at) const {
        if (at + 64 <= n_) {
            chunker_.utf8_step(utf8, s_ + at);
        } else {
            const std::size_t from = std::min(at, n_);
            chunker_.utf8_step_part(utf8, s_ + from, static_cast<unsigned>(n_ - from));
        }
    }

    // Whether the characters that start in [from, to) are surely well-formed (false: maybe
    // not), from the bytes before `from` to the end of the character cut at `to`.
    bool span_valid(std::size_t from, std::size_t to) const {
        utf8_state utf8{};
        chunker_.utf8_context(utf8, s_, from);
        std::size_t at = from;
        for (; at < to; at += 64) {
            step_at(utf8, at);
        }
        step_at(utf8, at);
        return !chunker_.utf8_failed(utf8);
    }

    // How many of the candidates among positions p .. p + 63 the exact rule accepts.
    std::size_t verified(std::size_t p, std::uint64_t candidates) const {
        std::size_t total = 0;
        while (candidates != 0) {
            const auto bit = static_cast<std::size_t>(__builtin_ctzll(candidates));
            total += word_at(s_, n_, needle_, m_, p + bit) ? 1U : 0U;
            candidates &= candidates - 1;
        }
        return total;
    }

    const Chunker& chunker_;
    const byte* s_;
    std::size_t n_;
    const byte* needle_;
    std::size_t m_;
    std::size_t last_; // positions below it leave room for the needle
    std::size_t total_ = 0;
    std::uint64_t high_ = 0; // bytes >= 0x80 at the positions tested
    bool check_ = false;     // the caller wants the UTF-8 checked
    bool unchecked_ = false; // a byte >= 0x80 whose check failed or never ran
};

/// count_words_K over 64-position blocks (see kernels.hpp); `chunker` compares with the
/// needle's first and last bytes.
template <class Chunker>
std::size_t count_words(const Chunker& chunker, const byte* s, std::size_t n, const byte* needle,
                        std::size_t m, std::size_t begin, std::size_t end, utf8_scan* scan) {
    word_counter<Chunker> counter(chunker, s, n, needle, m, end);
    return counter.count(begin, end, scan);
}

/// The break_bits of s[c, c + 64), c >= -1; bytes outside [0, n) read as zeros (the
/// empty needle never asks about byte -1 or byte n).
template <class Chunker>
break_bits break_chunk_at(const Chunker& chunker, const byte* s, std::size_t n, std::ptrdiff_t c) {
    const auto size = static_cast<std::ptrdiff_t>(n);
    if (c >= 2 && c + 66 <= size) {
        return chunker.breaks(s + c);
    }
    if (c - 2 >= size) {
        return {}; // wholly past the text: zeros (no separator, no lead)
    }
    const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(c - 2, 0);
    const std::ptrdiff_t hi = std::max(lo, std::min<std::ptrdiff_t>(c + 66, size));
    return chunker.breaks_part(s + lo, static_cast<unsigned>(lo - (c - 2)),
                               static_cast<unsigned>(hi - lo));
}

/// Bit j when an empty field starts at position p + j, 0 < p + j < n, from the masks of
/// the bytes before the positions (`cur`: bytes p - 1 .. p + 62) and after (`next`, from
/// p + 63): a separator ends at byte P - 1 and one starts at byte P, P not inside \r\n.
inline std::uint64_t empty_field_starts(const break_bits& cur, const break_bits& next) {
    return cur.ends & join(cur.starts, next.starts, 1);
}

/// How many blocks in a row without a lead byte 0xc2 or 0xe2 in reach send count_empty back
/// to its plain loop: one would leave and enter this loop every few blocks in text where
/// such bytes are frequent (a mispredicted branch and a call each time).
constexpr unsigned quiet_blocks = 16;
static_assert(quiet_blocks >= 3 && quiet_blocks < 32);

/// count_empty's loop for text with multi-byte breaks around: the empty fields of the
/// blocks from p <= stop on, the first one included, until quiet_blocks blocks in a row
/// have no lead byte 0xc2 or 0xe2 within reach (bytes p - 3 .. p + 63 of block p); adds
/// them to `total` and returns where it stopped.
template <class Chunker>
__attribute__((noinline)) std::size_t mixed_empty_blocks(const Chunker& chunker, const byte* s,
                                                         std::size_t n, std::size_t p,
                                                         std::size_t stop, std::size_t& total) {
    std::size_t count = 0;
    // The loop's chunks look two bytes behind them: the first one may start the text.
    break_bits cur = break_chunk_at(chunker, s, n, static_cast<std::ptrdiff_t>(p) - 1);
    // Bit k: the block k blocks back had a lead byte in its chunks (a history, where a
    // counter of quiet blocks took a data-dependent branch: 3x slower on mixed text). All
    // set at first, as if the blocks before this loop had one. Three clear bits already mean
    // no lead in bytes p - 65 .. p + 126: the block's chunks, and bytes p - 3, p - 2 before
    // them. (next.lead alone would set the same bits, but measured 3x slower from memory,
    // GCC 12 on Zen 5, like the code generation noted at prefetch_ahead: see the 85.8MB
    // rows of bench_kernels.)
    std::uint32_t leads_seen = ~std::uint32_t{0};
    for (; p <= stop; p += 64) {
        prefetch_ahead(s + p);
        const break_bits next = chunker.breaks(s + p + 63);
        leads_seen = leads_seen << 1 | ((cur.lead | next.lead) != 0 ? 1U : 0U);
        if ((leads_seen & ((std::uint32_t{1} << quiet_blocks) - 1)) == 0) {
            break; // the plain loop is exact here (and takes this block: no lead in reach)
        }
        count += static_cast<std::size_t>(__builtin_popcountll(empty_field_starts(cur, next)));
        cur = next;
    }
    total += count;
    return p;
}

/// The empty fields at positions [p, stop), 0 < p, stop <= n, from zero-padded chunks;
/// returns stop.
template <class Chunker>
std::size_t empty_edge_blocks(const Chunker& chunker, const byte* s, std::size_t n, std::size_t p,
                              std::size_t stop, std::size_t& total) {
    if (p >= stop) {
        return p;
    }
    auto c = static_cast<std::ptrdiff_t>(p) - 1;
    break_bits cur = break_chunk_at(chunker, s, n, c);
    for (; p < stop; p += 64, c += 64) {
        const break_bits next = break_chunk_at(chunker, s, n, c + 64);
        const std::uint64_t found = empty_field_starts(cur, next) & positions_below(p, stop);
        total += static_cast<std::size_t>(__builtin_popcountll(found));
        cur = next;
    }
    return stop;
}

/// The "needle" of the empty needle's chunker: no empty field starts inside \r\n.
constexpr byte crlf[] = {'\r', '\n'};

/// count_empty_K over 64-position blocks, `chunker` made for crlf (by the caller: made
/// here, inlined into the loops, it left them 1.9x slower from memory). As word_counter's
/// dense loop: no branch but the loop's while no lead byte of a multi-byte break is around
/// (the separators are then single bytes and \r\n), a block with one around done apart
/// (mixed_empty_blocks).
template <class Chunker>
std::size_t count_empty(const Chunker& chunker, const byte* s, std::size_t n, std::size_t begin,
                        std::size_t end) {
    std::size_t total = 0;
    std::size_t p = begin;
    if (p == 0 && p < end) {
        total += empty_field_at(s, n, 0) ? 1U : 0U;
        p = 1;
    }
    // Positions n and beyond have no byte of their own: at most n - 1 here.
    const std::size_t last = std::min(end, n);
    if (p < last) {
        const auto misaligned = reinterpret_cast<std::uintptr_t>(s + p - 1) % 64;
        p = empty_edge_blocks(chunker, s, n, p, std::min(last, p + (64 - misaligned) % 64), total);
    }
    // The mixed loop reads up to byte p + 128 (two bytes ahead of its chunks).
    if (p < last && p + 64 <= last && p + 129 <= n) {
        const std::size_t stop = std::min(last - 64, n - 129); // the last p to take
        // The plain loop sees no byte before p - 1: where a break may start at p - 3 or
        // p - 2, its first blocks go to mixed_empty_blocks (which hands back only blocks
        // with no lead byte there).
        bool lead_behind = (p >= 2 && is_lead(s[p - 2])) || (p >= 3 && is_lead(s[p - 3]));
        while (p <= stop) {
            lead_bits cur = chunker.leads(s + p - 1);
            for (; p <= stop && !lead_behind; p += 64) {
                prefetch_ahead(s + p);
                const lead_bits next = chunker.leads(s + p + 63);
                if ((cur.lead | next.lead) != 0) {
                    break;
                }
                const std::uint64_t after = join(cur.sep, next.sep, 1);
                const std::uint64_t inside_crlf = chunker.template equal<2>(s + p - 1);
                total +=
                    static_cast<std::size_t>(__builtin_popcountll(cur.sep & after & ~inside_crlf));
                cur = next;
            }
            if (p <= stop) {
                p = mixed_empty_blocks(chunker, s, n, p, stop, total);
            }
            lead_behind = false;
        }
    }
    if (p < last) {
        p = empty_edge_blocks(chunker, s, n, p, last, total);
    }
    // Position n (an empty field after a final space) has no byte of its own.
    if (end == n && begin < end) {
        total += empty_field_at(s, n, n) ? 1U : 0U;
    }
    return total;
}

} // namespace
} // namespace gilsafe::detail::blocks
