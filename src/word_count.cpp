// src/word_count.cpp: the word-count kernels (scalar, AVX2) and the oneTBB reduction
#include "gilsafe/word_count.hpp"

#include "gilsafe/parallel.hpp"
#include "gilsafe/text.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GILSAFE_HAVE_AVX2_KERNEL 1
#include <immintrin.h>
#endif

namespace gilsafe {
namespace {

using byte = unsigned char;

// Single-byte line breaks of str.splitlines().
bool is_break_byte(byte c) {
    return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d ||
           c == 0x1e;
}

bool is_single_separator(byte c) { return c == ' ' || is_break_byte(c); }

// Length of the separator that starts at p (\r\n is one), or 0 if none does.
std::size_t separator_length_at(const byte* s, std::size_t n, std::size_t p) {
    const byte c = s[p];
    if (c == '\r') {
        return p + 1 < n && s[p + 1] == '\n' ? 2 : 1;
    }
    if (is_single_separator(c)) {
        return 1;
    }
    if (c == 0xc2) { // U+0085 NEXT LINE
        return p + 1 < n && s[p + 1] == 0x85 ? 2 : 0;
    }
    if (c == 0xe2) { // U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR
        return p + 2 < n && s[p + 1] == 0x80 && (s[p + 2] == 0xa8 || s[p + 2] == 0xa9) ? 3 : 0;
    }
    return 0;
}

bool separator_starts_at(const byte* s, std::size_t n, std::size_t p) {
    return p < n && separator_length_at(s, n, p) != 0;
}

// True when a separator ends right before position p > 0. 0xc2 and 0xe2 are always lead
// bytes, so in valid UTF-8 "c2 85" is U+0085 wherever it appears (a character that merely
// ends in 0x85 has another byte before it).
bool separator_ends_before(const byte* s, std::size_t p) {
    const byte c = s[p - 1];
    if (is_single_separator(c)) {
        return true;
    }
    if (c == 0x85) {
        return p >= 2 && s[p - 2] == 0xc2;
    }
    if (c == 0xa8 || c == 0xa9) {
        return p >= 3 && s[p - 2] == 0x80 && s[p - 3] == 0xe2;
    }
    return false;
}

// Does a field equal to the (non-empty, separator-free) needle start at p?
bool word_at(const byte* s, std::size_t n, const byte* needle, std::size_t m, std::size_t p) {
    return p + m <= n && std::memcmp(s + p, needle, m) == 0 &&
           (p == 0 || separator_ends_before(s, p)) && (p + m == n || separator_starts_at(s, n, p + m));
}

// Does an empty field start at p (0 <= p <= n)?
bool empty_field_at(const byte* s, std::size_t n, std::size_t p) {
    if (p == 0) {
        if (n == 0) {
            return false; // "".splitlines() has no lines at all
        }
    } else {
        if (!separator_ends_before(s, p)) {
            return false;
        }
        if (s[p - 1] == '\r' && p < n && s[p] == '\n') {
            return false; // inside \r\n: one break, no field between
        }
        if (p == n && s[p - 1] != ' ') {
            return false; // a final line break starts no new line
        }
    }
    return p == n || separator_starts_at(s, n, p);
}

std::size_t count_empty_range(const byte* s, std::size_t n, std::size_t begin, std::size_t end) {
    std::size_t total = 0;
    for (std::size_t p = begin; p < end; ++p) {
        total += empty_field_at(s, n, p) ? 1U : 0U;
    }
    if (end == n && begin < end) {
        total += empty_field_at(s, n, n) ? 1U : 0U;
    }
    return total;
}

// Candidates are found with memchr on the needle's first byte.
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

#ifdef GILSAFE_HAVE_AVX2_KERNEL

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
        const __m128i high = _mm_setr_epi8(0x01, 0x02, 0x04, 0, 0, 0, 0, 0, 0x08, 0, 0x10, 0, 0x20,
                                           0, 0x40, 0);
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

__attribute__((target("avx2,bmi,popcnt"))) std::size_t
count_words_avx2(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                 std::size_t begin, std::size_t end, bool* all_ascii) {
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
            const __m256i c_prev = cls.classify(
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at - 1)));
            const __m256i c_next = cls.classify(
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + m)));
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

bool cpu_has_avx2() {
    static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
                            __builtin_cpu_supports("popcnt");
    return has;
}

#endif // GILSAFE_HAVE_AVX2_KERNEL

// Counts; when `all_ascii` is given, the AVX2 kernel also says whether [begin, end) is
// plain ASCII (other kernels leave it false: not known).
std::size_t count_words(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                        std::size_t begin, std::size_t end, bool* all_ascii = nullptr) {
#ifdef GILSAFE_HAVE_AVX2_KERNEL
    if (cpu_has_avx2()) {
        return count_words_avx2(s, n, needle, m, begin, end, all_ascii);
    }
#endif
    return count_words_scalar(s, n, needle, m, begin, end);
}

const byte* bytes_of(std::string_view v) { return reinterpret_cast<const byte*>(v.data()); }

// A byte range of the text whose splits land right after a separator (a whole \r\n or
// multi-byte break), so no word and no break is cut. The kernels would be exact with
// any cut; aligned cuts keep each word's bytes in one task.
class text_range {
public:
    text_range(std::string_view text, std::size_t grain)
        : text_(text), begin_(0), end_(text.size()), grain_(std::max<std::size_t>(grain, 8)) {}

    text_range(text_range& other, tbb::split)
        : text_(other.text_), begin_(other.cut_point()), end_(other.end_), grain_(other.grain_) {
        other.end_ = begin_;
    }

    bool empty() const { return begin_ >= end_; }
    bool is_divisible() const { return end_ - begin_ >= 2 * grain_; }
    std::size_t begin() const { return begin_; }
    std::size_t end() const { return end_; }

private:
    // The first separator end after the middle, looking no further than a quarter of
    // the range; failing that, the character boundary at or before the middle.
    std::size_t cut_point() const {
        const byte* s = bytes_of(text_);
        const std::size_t n = text_.size();
        const std::size_t middle = begin_ + (end_ - begin_) / 2;
        const std::size_t limit = middle + (end_ - begin_) / 4;
        for (std::size_t q = middle; q < limit; ++q) {
            const std::size_t len = separator_length_at(s, n, q);
            if (len != 0 && q + len < end_) {
                return q + len;
            }
        }
        std::size_t q = middle;
        while (q > begin_ + 1 && (s[q] & 0xc0) == 0x80) {
            --q;
        }
        return q;
    }

    std::string_view text_;
    std::size_t begin_;
    std::size_t end_;
    std::size_t grain_;
};

constexpr std::size_t default_min_parallel_size = std::size_t{256} << 10;
// How much a thread counts between two looks at the stop signal: well under a
// millisecond at the kernel's speed, a few at the empty needle's.
constexpr std::size_t stop_poll_bytes = std::size_t{4} << 20;

std::size_t count_range_reporting_ascii(std::string_view text, std::string_view needle,
                                        std::size_t begin, std::size_t end, bool& all_ascii);

// Counts, then checks, [begin, end) in cache-sized blocks: the check reads the block from
// cache, and a block the kernel saw to be plain ASCII needs no check at all.
checked_count count_checked_range(std::string_view text, std::string_view needle,
                                  std::size_t begin, std::size_t end) {
    constexpr std::size_t block = std::size_t{64} << 10; // comfortably inside L2
    checked_count out;
    for (std::size_t at = begin; at < end; at += block) {
        const std::size_t stop = std::min(end, at + block);
        bool all_ascii = false;
        const std::size_t count = count_range_reporting_ascii(text, needle, at, stop, all_ascii);
        if (!all_ascii) {
            const std::size_t bad = find_invalid_utf8_range(text, at, stop);
            if (bad != std::string_view::npos) {
                out.first_invalid = bad;
                return out;
            }
        }
        out.count += count;
    }
    if (begin == end) {
        out.count = count_range(text, needle, begin, end);
    }
    return out;
}

checked_count combine(checked_count a, const checked_count& b) {
    a.count += b.count;
    a.first_invalid = std::min(a.first_invalid, b.first_invalid);
    return a;
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

namespace {

// count_range, and whether the kernel saw [begin, end) to be plain ASCII.
std::size_t count_range_reporting_ascii(std::string_view text, std::string_view needle,
                                        std::size_t begin, std::size_t end, bool& all_ascii) {
    all_ascii = false;
    const std::size_t n = text.size();
    end = std::min(end, n);
    begin = std::min(begin, end);
    if (needle.empty() || needle.size() > n || needle_has_separator(needle)) {
        return count_range(text, needle, begin, end);
    }
    return count_words(bytes_of(text), n, bytes_of(needle), needle.size(), begin, end,
                       &all_ascii);
}

} // namespace

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

std::size_t count_sequential(std::string_view text, std::string_view needle) {
    return count_range(text, needle, 0, text.size());
}

std::size_t count_sequential(std::string_view text, std::string_view needle,
                             const stop_signal& stop) {
    std::size_t total = 0;
    for (std::size_t begin = 0; begin < text.size() || begin == 0; begin += stop_poll_bytes) {
        stop.throw_if_requested();
        total += count_range(text, needle, begin, std::min(text.size(), begin + stop_poll_bytes));
        if (text.empty()) {
            break;
        }
    }
    return total;
}

namespace {

// The grain of a parallel count of `n` bytes, or 0 when it is better done on this thread.
std::size_t parallel_grain(std::size_t n, const parallel_options& options) {
    const std::size_t min_size =
        options.min_parallel_size != 0 ? options.min_parallel_size : default_min_parallel_size;
    const std::size_t concurrency = usable_threads();
    if (n < min_size || concurrency < 2) {
        return 0;
    }
    // A few tasks per thread balance the load without paying for many tiny ones.
    return options.grain != 0 ? options.grain
                              : std::max<std::size_t>(n / (concurrency * 8), 64 << 10);
}

// parallel_reduce of `count(begin, end)` over separator-aligned ranges, each counted in
// slices with the stop signal polled in between (a throw makes oneTBB cancel the rest).
template <class Result, class Count, class Combine>
Result parallel_fold(std::string_view text, std::size_t grain, const stop_signal& stop,
                     Count count, Combine combine) {
    return tbb::this_task_arena::isolate([&] {
        return tbb::parallel_reduce(
            text_range(text, grain), Result{},
            [&](const text_range& r, Result acc) {
                for (std::size_t at = r.begin(); at < r.end(); at += stop_poll_bytes) {
                    stop.throw_if_requested();
                    acc = combine(acc, count(at, std::min(r.end(), at + stop_poll_bytes)));
                }
                return acc;
            },
            combine);
    });
}

} // namespace

std::size_t count_parallel(std::string_view text, std::string_view needle,
                           const parallel_options& options) {
    const std::size_t grain = parallel_grain(text.size(), options);
    if (grain == 0 || (!needle.empty() && needle_has_separator(needle))) {
        return count_sequential(text, needle, options.stop);
    }
    return parallel_fold<std::size_t>(
        text, grain, options.stop,
        [&](std::size_t begin, std::size_t end) { return count_range(text, needle, begin, end); },
        [](std::size_t a, std::size_t b) { return a + b; });
}

checked_count count_sequential_checked(std::string_view text, std::string_view needle,
                                       const stop_signal& stop) {
    checked_count out;
    for (std::size_t begin = 0; begin < text.size(); begin += stop_poll_bytes) {
        stop.throw_if_requested();
        out = combine(out, count_checked_range(text, needle, begin,
                                               std::min(text.size(), begin + stop_poll_bytes)));
        if (out.first_invalid != std::string_view::npos) {
            break;
        }
    }
    return out;
}

checked_count count_parallel_checked(std::string_view text, std::string_view needle,
                                     const parallel_options& options) {
    const std::size_t grain = parallel_grain(text.size(), options);
    if (grain == 0) {
        return count_sequential_checked(text, needle, options.stop);
    }
    return parallel_fold<checked_count>(
        text, grain, options.stop,
        [&](std::size_t begin, std::size_t end) {
            return count_checked_range(text, needle, begin, end);
        },
        [](checked_count a, const checked_count& b) { return combine(a, b); });
}

std::size_t count_naive(std::string_view text, std::string_view needle) {
    // Split into lines exactly as str.splitlines() does, then each line on ' '.
    std::vector<std::string_view> lines;
    const byte* s = bytes_of(text);
    const std::size_t n = text.size();
    std::size_t line_start = 0;
    std::size_t p = 0;
    while (p < n) {
        std::size_t len = separator_length_at(s, n, p);
        if (len != 0 && s[p] != ' ') {
            lines.push_back(text.substr(line_start, p - line_start));
            p += len;
            line_start = p;
        } else {
            ++p;
        }
    }
    if (line_start < n) {
        lines.push_back(text.substr(line_start));
    }
    std::size_t total = 0;
    for (const std::string_view line : lines) {
        std::size_t word_start = 0;
        for (std::size_t q = 0; q <= line.size(); ++q) {
            if (q == line.size() || line[q] == ' ') {
                total += line.substr(word_start, q - word_start) == needle ? 1U : 0U;
                word_start = q + 1;
            }
        }
    }
    return total;
}

const char* kernel_name() {
#ifdef GILSAFE_HAVE_AVX2_KERNEL
    if (cpu_has_avx2()) {
        return "avx2";
    }
#endif
    return "scalar";
}

} // namespace gilsafe
