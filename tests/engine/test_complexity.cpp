// tests/engine/test_complexity.cpp: no text and no needle makes a count superlinear (issue 25):
// long needles against the count of `is`, the parallel count against the sequential one
//
// Timed, so run alone (RUN_SERIAL) and each ratio measured as the fastest of 5 runs taken in
// turns, up to 3 tries: a loaded machine fails a bound only if it stays loaded through all
// of them, while a superlinear count (what these tests are for) fails every try by far.
#include "each_kernel.hpp"
#include "naive.hpp"

#include "gilsafe/word_count.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

// Timed only in optimized builds without a sanitizer: instrumented or unoptimized code has
// other ratios (ASan checks every memchr's and memcmp's range; at -O0 the byte scans are
// plain loops while glibc's memchr stays vectorized).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || !defined(__OPTIMIZE__)
#define GILSAFE_TEST_UNTIMED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define GILSAFE_TEST_UNTIMED 1
#endif
#endif

namespace {

using gilsafe::count_parallel;
using gilsafe::count_sequential;

// Seconds taken by the fastest of 5 calls of `call`.
template <class Call> double fastest(Call call) {
    double best = 1e9;
    for (int run = 0; run < 5; ++run) {
        const auto start = std::chrono::steady_clock::now();
        call();
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        best = std::min(best, took.count());
    }
    return best;
}

// Whether `call` takes at most `bound` times `reference` plus `slack` seconds, in one of
// three tries.
template <class Call, class Reference>
testing::AssertionResult within(double bound, double slack, Call call, Reference reference) {
#ifdef GILSAFE_TEST_UNTIMED
    static_cast<void>(bound);
    static_cast<void>(slack);
    static_cast<void>(call);
    static_cast<void>(reference);
    return testing::AssertionSuccess() << "not timed in this build";
#endif
    double time = 0;
    double reference_time = 0;
    for (int attempt = 0; attempt < 3; ++attempt) {
        reference_time = fastest(reference);
        time = fastest(call);
        if (time <= bound * reference_time + slack) {
            return testing::AssertionSuccess();
        }
    }
    return testing::AssertionFailure() << time << " s against " << reference_time
                                       << " s for the reference, over " << bound << "x";
}

// Adversarial texts and needles for the candidate checks. Each text is 32 MB: a quadratic
// count takes minutes (1 MB of 'a' and a 100 kB needle took 1.7 s), a linear one
// milliseconds; and larger than the caches, so the count of `is` it is compared with runs
// at memory speed on every kernel (from cache, the scalar kernel's `is` is glibc's memchr
// at 95 GB/s).
struct adversarial_case {
    std::string name;
    std::string text;
    std::string needle;
};

std::vector<adversarial_case> adversarial_cases() {
    constexpr std::size_t size = std::size_t{32} << 20;
    const std::string letters(size, 'a');
    std::string fields; // fields of 999 letters: every one a candidate, and a match
    while (fields.size() < size) {
        fields += std::string(999, 'a') + ' ';
    }
    std::string cyrillic; // the same in two-byte characters
    std::string kha;      // letters whose last byte, 0x85, also ends U+0085 (х, c2 85)
    while (cyrillic.size() < size) {
        cyrillic += "\xd1\x8f";
        kha += "\xd1\x85";
    }
    const std::string tabs(size, '\t'); // below 0x21, yet no separator
    std::string copyright;              // c2 a9: the lead of U+0085, the end of U+2029
    while (copyright.size() < size) {
        copyright += "\xc2\xa9";
    }
    return {
        {"letters, needle of 1000 letters", letters, std::string(1000, 'a')},
        {"letters, needle of 100000 letters", letters, std::string(100000, 'a')},
        {"letters, needle of half the text", letters, std::string(size / 2, 'a')},
        {"letters, needle of the whole text", letters, letters},
        {"fields of 999, the same needle", fields, std::string(999, 'a')},
        {"fields of 999, needle differing at its end", fields, std::string(998, 'a') + 'b'},
        {"fields of 999, needle of 10000", fields, std::string(10000, 'a')},
        {"two-byte letters, needle of 50000 of them", cyrillic, cyrillic.substr(0, 100000)},
        {"letters ending in 0x85, needle of 500 of them", kha, kha.substr(0, 1000)},
        {"letters ending in 0x85, needle of 50000 of them", kha, kha.substr(0, 100000)},
        {"tabs, needle of 1000 tabs", tabs, std::string(1000, '\t')},
        {"copyright signs, needle of one", copyright, copyright.substr(0, 2)},
        {"copyright signs, needle of 1000", copyright, copyright.substr(0, 2000)},
        {"one letter, needle of NULs", "x", std::string(size, '\0')},
    };
}

// A field start costs at most one comparison of its length and any other position O(1),
// so a count reads the text and the needle a bounded number of times: a needle's count
// takes at most 16x the count of `is` on the text plus one on a text the needle's size, on
// every kernel. Before the fix, thousands of times more (seconds here); quietly, 1-3x
// through `search` (tests/bench/bench_adversarial.py). The bound leaves room for a loaded
// machine and for the texts that need the exact multi-byte rule at every block (© or х,
// whose bytes may start or end U+0085/U+2029: 6-13x `is`, which reads 'i' only, under
// load average 13): what it must catch is a count that grows faster than the text and the
// needle.
TEST(Complexity, LongNeedlesCostABoundedMultipleOfACountOfIs) {
    for (const adversarial_case& c : adversarial_cases()) {
        SCOPED_TRACE(c.name);
        const std::size_t expected = gilsafe_test::count_naive(c.text, c.needle);
        gilsafe_test::for_each_kernel([&](gilsafe::detail::kernel k) {
            SCOPED_TRACE(gilsafe::detail::name_of(k));
            EXPECT_EQ(count_sequential(c.text, c.needle), expected);
            EXPECT_EQ(count_sequential(c.text, "is"), 0U);
            EXPECT_TRUE(within(
                16, 2e-4, [&] { return count_sequential(c.text, c.needle); },
                [&] { return count_sequential(c.text, "is") + count_sequential(c.needle, "is"); }));
        });
    }
}

// Parallel cuts look for a separator only near the middle of a range: a text without any
// (base64, DNA, minified JSON) was counted in parallel 14x slower than on one thread,
// because each cut scanned a quarter of its range byte by byte. Only a collapse is caught
// here (4x): the speed-up is the benchmarks' to measure.
TEST(Complexity, ParallelCountOfTextWithoutSeparatorsIsNotSlowerThanSequential) {
    std::string spaced(std::size_t{32} << 20, 'a');
    for (std::size_t at = 1 << 20; at < spaced.size(); at += 1 << 20) {
        spaced[at] = ' '; // one space per MB was as bad
    }
    for (const std::string& text : {std::string(spaced.size(), 'a'), spaced}) {
        EXPECT_EQ(count_parallel(text, "aa"), count_sequential(text, "aa"));
        EXPECT_TRUE(within(
            4, 1e-3, [&] { return count_parallel(text, "aa"); },
            [&] { return count_sequential(text, "aa"); }));
    }
}

} // namespace
