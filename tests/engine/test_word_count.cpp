// tests/engine/test_word_count.cpp: the engine's semantics, kernel block edges and parallel cuts
// (no Python)
#include "corpus.hpp"
#include "each_kernel.hpp"
#include "engine/kernels.hpp"
#include "engine/utf8.hpp"
#include "naive.hpp"

#include "gilsafe/text.hpp"
#include "gilsafe/word_count.hpp"

#include <gtest/gtest.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#if defined(__SANITIZE_THREAD__)
#define GILSAFE_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GILSAFE_TEST_TSAN 1
#endif
#endif
#ifdef GILSAFE_TEST_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace {

// What a test writes before its own tbb::parallel_for happens before every task body,
// and every body before what the test does after it: oneTBB orders them inside the
// uninstrumented libtbb, so under TSan the test says so (src/engine/reduce.cpp does the
// same for the engine's reductions). Nothing in other builds.
class task_edges {
public:
    static void tasks_start() { release(&start_); } // the test's writes so far
    static void task_begins() { acquire(&start_); }
    static void task_ends() { release(&end_); }
    static void tasks_joined() { acquire(&end_); }

private:
    static void release([[maybe_unused]] void* sync) {
#ifdef GILSAFE_TEST_TSAN
        __tsan_release(sync);
#endif
    }
    static void acquire([[maybe_unused]] void* sync) {
#ifdef GILSAFE_TEST_TSAN
        __tsan_acquire(sync);
#endif
    }
    static inline char start_ = 0;
    static inline char end_ = 0;
};

using gilsafe::count_parallel;
using gilsafe::count_sequential;
using gilsafe::detail::count_range;
using gilsafe_test::count_naive;

// Every way of counting must give `expected`: the kernel, the naive splitter, the
// parallel reduction with cuts landing everywhere, and the text cut at every byte.
void expect_count(const std::string& text, const std::string& needle, std::size_t expected) {
    SCOPED_TRACE("text=" + testing::PrintToString(text) +
                 " needle=" + testing::PrintToString(needle));
    EXPECT_EQ(count_sequential(text, needle), expected);
    EXPECT_EQ(count_naive(text, needle), expected);
    gilsafe::parallel_options tiny;
    tiny.grain = 1;
    tiny.min_parallel_size = 1;
    EXPECT_EQ(count_parallel(text, needle, tiny), expected);
    const gilsafe::checked_count checked = gilsafe::count_sequential_checked(text, needle);
    EXPECT_EQ(checked.count, expected);
    EXPECT_EQ(checked.first_invalid, std::string_view::npos);
    const gilsafe::checked_count checked_parallel =
        gilsafe::count_parallel_checked(text, needle, tiny);
    EXPECT_EQ(checked_parallel.count, expected);
    EXPECT_EQ(checked_parallel.first_invalid, std::string_view::npos);
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
        EXPECT_EQ(count_range(text, needle, 0, cut) + count_range(text, needle, cut, text.size()),
                  expected)
            << "cut at " << cut;
    }
}

TEST(WordCount, EmptyTextHasNoWordsNotEvenEmptyOnes) {
    expect_count("", "", 0);
    expect_count("", "is", 0);
}

TEST(WordCount, CountsWholeWordsOnly) {
    expect_count("this is his island is", "is", 2);
    expect_count("is", "is", 1);
    expect_count("isis is", "is", 1);
}

TEST(WordCount, NeedleLongerThanTextMatchesNothing) {
    expect_count("is", "island", 0);
}

TEST(WordCount, LineFeedEndsALine) {
    expect_count("is\nis\n", "is", 2);
}

TEST(WordCount, CarriageReturnAloneEndsALine) {
    expect_count("is\ris", "is", 2);
    expect_count("a\rb", "b", 1);
}

TEST(WordCount, CarriageReturnLineFeedIsOneBreak) {
    expect_count("is\r\nis", "is", 2);
    expect_count("\r\n", "", 1);
    expect_count("a\r\n\r\nb", "", 1);
    expect_count("\r\r\n", "", 2);
    expect_count("\n\r", "", 2);
}

TEST(WordCount, EverySplitlinesBreakEndsALine) {
    for (const std::string brk :
         {"\v", "\f", "\x1c", "\x1d", "\x1e", "\u0085", "\u2028", "\u2029"}) {
        expect_count("is" + brk + "is", "is", 2);
        expect_count(brk, "", 1);
        expect_count("a" + brk + brk + "b", "", 1);
    }
}

TEST(WordCount, OtherControlCharactersDoNotEndALine) {
    for (const std::string& other :
         std::vector<std::string>{"\t", "\x1f", "\x1b", std::string(1, '\0'), "\x7f"}) {
        expect_count("is" + other + "is", "is", 0);
        expect_count("is" + other + "is", "is" + other + "is", 1);
    }
}

TEST(WordCount, OnlyTheSpaceSplitsWords) {
    expect_count("is\tis", "is", 0);
    expect_count("is\u00a0is", "is", 0);
    expect_count("is\u00a0is", "is\u00a0is", 1);
    expect_count("is\u3000is", "is", 0);
}

TEST(WordCount, CharacterEndingInByte0x85IsNotABreak) {
    expect_count("is\u0145is", "is", 0);  // c5 85
    expect_count("is\u2085 is", "is", 1); // e2 82 85
    expect_count("\u0145", "", 0);
}

TEST(WordCount, CharacterEndingLikeU2028IsNotABreak) {
    expect_count("is\u1028is", "is", 0); // e1 80 a8: "80 a8" after another lead byte
    expect_count("is\u2128is", "is", 0); // e2 84 a8
    expect_count("is\u0829is", "is", 0); // e0 a0 a9
}

TEST(WordCount, MultiByteWordsMatchExactly) {
    expect_count("\u00e9t\u00e9 \u00e9t\u00e9\u2028\u00e9t\u00e9", "\u00e9t\u00e9", 3);
    expect_count("\u4e2d\u6587 \u4e2d", "\u4e2d", 1);
}

TEST(WordCount, NoUnicodeNormalization) {
    expect_count("e\u0301", "\u00e9", 0);
    expect_count("\u00e9", "e\u0301", 0);
}

TEST(WordCount, EmptyNeedleCountsEmptyFields) {
    expect_count("a  b", "", 1);
    expect_count(" ", "", 2);
    expect_count("\n\n", "", 2);
    expect_count("a\n", "", 0);
    expect_count("a ", "", 1);
    expect_count("a \n", "", 1);
    expect_count("a\n ", "", 2);
    expect_count("\na\n", "", 1);
    expect_count(" \u2028 ", "", 4);
}

TEST(WordCount, NeedleContainingASeparatorMatchesNothing) {
    expect_count("a b", "a b", 0);
    expect_count("a\nb", "a\nb", 0);
    expect_count("a\r\nb", "a\r\nb", 0);
    expect_count("x\u2028y", "x\u2028y", 0);
    expect_count(" ", " ", 0);
    EXPECT_TRUE(gilsafe::detail::needle_has_separator("a\u0085"));
    EXPECT_FALSE(gilsafe::detail::needle_has_separator("a\u0145"));
}

TEST(WordCount, TheGuideCorpusHasTenThousandIs) {
    const std::string corpus = gil_demo::zen_corpus(1000);
    ASSERT_EQ(corpus.size(), 858000U);
    EXPECT_EQ(count_sequential(corpus, "is"), 10000U);
    EXPECT_EQ(count_parallel(corpus, "is"), 10000U);
    EXPECT_EQ(count_naive(corpus, "is"), 10000U);
}

// Needles and separators straddling every offset of a 32-byte SIMD block, on both sides
// of the first and last byte the vector loop can reach.
TEST(WordCount, WordsAtEveryBlockOffsetAreCounted) {
    const std::vector<std::string> separators = {" ", "\n", "\r\n", "\u0085", "\u2029", "\x1e"};
    const std::vector<std::string> needles = {"a", "is", "abc", "\u00e9", "word-of-length-20xx"};
    for (const auto& needle : needles) {
        for (const auto& sep : separators) {
            for (std::size_t offset = 0; offset < 70; ++offset) {
                std::string text(offset, 'x');
                text += sep + needle + sep + "y" + sep + needle;
                text += std::string(offset % 37, 'z') + sep + needle;
                const std::size_t expected = count_naive(text, needle);
                // The middle needle is glued to the z run unless that run is empty.
                ASSERT_EQ(expected, offset % 37 == 0 ? 3U : 2U) << text;
                expect_count(text, needle, expected);
            }
        }
    }
}

TEST(WordCount, AgreesWithTheNaiveSplitterOnRandomText) {
    const std::vector<std::string> alphabet = {
        " ",      " ",      "\n",     "\r",     "\v", "\f",     "\x1c", "\x1d",
        "\x1e",   "\u0085", "\u2028", "\u2029", "a",  "b",      "a",    "b",
        "\u00e9", "\u0145", "\u1028", "\u2085", "\t", "\u00a0", "\r\n"};
    std::mt19937_64 rng(20261124);
    for (int round = 0; round < 3000; ++round) {
        std::string text;
        const std::size_t pieces = rng() % 90;
        for (std::size_t i = 0; i < pieces; ++i) {
            text += alphabet[rng() % alphabet.size()];
        }
        for (const std::string needle : {"", "a", "b", "ab", "ba", "\u00e9", "a\u0145", "aa"}) {
            const std::size_t expected = count_naive(text, needle);
            ASSERT_EQ(count_sequential(text, needle), expected) << testing::PrintToString(text);
            gilsafe::parallel_options tiny;
            tiny.grain = 1 + rng() % 16;
            tiny.min_parallel_size = 1;
            ASSERT_EQ(count_parallel(text, needle, tiny), expected) << testing::PrintToString(text);
        }
    }
}

TEST(WordCount, ParallelMatchesSequentialUnderEveryThreadCount) {
    const std::string corpus = gil_demo::zen_corpus(300) + "\r\n\u2028 is \u0085is";
    const std::size_t expected = count_sequential(corpus, "is");
    for (int threads = 1; threads <= 8; ++threads) {
        tbb::task_arena arena(threads);
        for (const std::size_t grain : {std::size_t{16}, std::size_t{1000}, std::size_t{0}}) {
            gilsafe::parallel_options o;
            o.grain = grain;
            o.min_parallel_size = 1;
            EXPECT_EQ(arena.execute([&] { return count_parallel(corpus, "is", o); }), expected);
        }
    }
}

TEST(Utf8, CheckedCountsReportTheFirstInvalidByte) {
    const std::string text =
        gil_demo::zen_corpus(400) + "is \xe2\x80is " + gil_demo::zen_corpus(10);
    const std::size_t bad = gil_demo::zen_corpus(400).size() + 3;
    ASSERT_EQ(gilsafe::find_invalid_utf8(text), bad);
    EXPECT_EQ(gilsafe::count_sequential_checked(text, "is").first_invalid, bad);
    gilsafe::parallel_options tiny;
    tiny.grain = 4096;
    tiny.min_parallel_size = 1;
    EXPECT_EQ(gilsafe::count_parallel_checked(text, "is", tiny).first_invalid, bad);
}

TEST(Utf8, RangesOfAnyCutAgreeWithTheWholeCheck) {
    const std::vector<std::string> pieces = {
        "a",    " ",        "\u00e9",       "\u4e2d",   "\U0001F600", "\x80",
        "\xc3", "\xe2\x80", "\xed\xa0\x80", "\xf4\x90", "\xff",       "\xc0\xaf"};
    std::mt19937_64 rng(7);
    for (int round = 0; round < 20000; ++round) {
        std::string text;
        const std::size_t count = rng() % 12;
        for (std::size_t i = 0; i < count; ++i) {
            // Mostly valid pieces, so the first error lands anywhere.
            text += pieces[rng() % (i + 1 == count ? pieces.size() : 5)];
        }
        const std::size_t whole = gilsafe::find_invalid_utf8(text);
        for (std::size_t cut = 0; cut <= text.size(); ++cut) {
            const std::size_t parts =
                std::min(gilsafe::detail::find_invalid_utf8_range(text, 0, cut),
                         gilsafe::detail::find_invalid_utf8_range(text, cut, text.size()));
            ASSERT_EQ(parts, whole) << testing::PrintToString(text) << " cut at " << cut;
        }
    }
}

// count_parallel called from inside a oneTBB task (a Python predicate on a worker does
// this through word_count.search): while it waits for its own ranges, the calling thread
// must not pick up the caller's other tasks, or a task that holds a lock (the GIL, a
// Python lock) would run again on the thread that holds it.
TEST(WordCount, ParallelCountCalledFromATaskNeverRunsOuterTasksWhileWaiting) {
    // Static, so that the bodies capture nothing: under TSan a body must take its start
    // (task_edges) before it reads anything the test wrote, its closure included.
    static std::string corpus;
    static gilsafe::parallel_options fine;
    static std::atomic<int> reentries{0};
    thread_local int depth = 0;
    corpus = gil_demo::zen_corpus(4000);
    fine.grain = 4096;
    fine.min_parallel_size = 1;
    reentries = 0;
    tbb::task_arena arena(4);
    task_edges::tasks_start();
    arena.execute([] {
        tbb::parallel_for(
            tbb::blocked_range<int>(0, 64, 1),
            [](const tbb::blocked_range<int>&) {
                task_edges::task_begins();
                if (depth++ != 0) {
                    ++reentries;
                }
                EXPECT_EQ(count_parallel(corpus, "is", fine), 40000U);
                --depth;
                task_edges::task_ends();
            },
            tbb::simple_partitioner());
    });
    task_edges::tasks_joined();
    EXPECT_EQ(reentries.load(), 0);
}

// --- every kernel (scalar, vector, AVX2, AVX-512: those this CPU runs) -----------------

using gilsafe::detail::kernel;
using gilsafe::detail::utf8_scan;
using gilsafe_test::for_each_kernel;

std::string kernel_trace(kernel k) {
    return std::string("kernel ") + gilsafe::detail::name_of(k);
}

TEST(Kernels, EveryKernelThisCpuRunsCanBeChosen) {
    const std::vector<kernel> kernels = gilsafe::detail::supported_kernels();
    ASSERT_FALSE(kernels.empty());
    EXPECT_EQ(kernels.front(), kernel::scalar);
    EXPECT_EQ(kernels.back(), gilsafe::detail::best_kernel());
    for_each_kernel([](kernel k) {
        EXPECT_EQ(gilsafe::detail::active_kernel(), k);
        EXPECT_STREQ(gilsafe::kernel_name(), gilsafe::detail::name_of(k));
        kernel named = kernel::scalar;
        EXPECT_TRUE(gilsafe::detail::kernel_named(gilsafe::kernel_name(), named));
        EXPECT_EQ(named, k);
    });
    for (const kernel k : {kernel::scalar, kernel::vector, kernel::avx2, kernel::avx512}) {
        // A kernel this CPU lacks is replaced by the fastest it has.
        const gilsafe_test::kernel_scope scope(k);
        EXPECT_EQ(gilsafe::detail::active_kernel(),
                  gilsafe::detail::kernel_supported(k) ? k : gilsafe::detail::best_kernel());
    }
}

TEST(Kernels, TheEnvironmentVariablePicksTheKernelOrFallsBackToTheBest) {
    const kernel best = gilsafe::detail::best_kernel();
    EXPECT_EQ(gilsafe::detail::kernel_for_setting(nullptr), best);
    EXPECT_EQ(gilsafe::detail::kernel_for_setting("auto"), best);
    EXPECT_EQ(gilsafe::detail::kernel_for_setting("no-such-kernel"), best);
    EXPECT_EQ(gilsafe::detail::kernel_for_setting(""), best);
    EXPECT_EQ(gilsafe::detail::kernel_for_setting("scalar"), kernel::scalar);
    EXPECT_EQ(gilsafe::detail::kernel_for_setting("vector"),
              gilsafe::detail::kernel_supported(kernel::vector) ? kernel::vector : best);
    for (const kernel k : {kernel::avx2, kernel::avx512}) {
        EXPECT_EQ(gilsafe::detail::kernel_for_setting(gilsafe::detail::name_of(k)),
                  gilsafe::detail::kernel_supported(k) ? k : best);
    }
    // ctest runs this binary once per kernel with GILSAFE_KERNEL set (tests/CMakeLists.txt).
    EXPECT_EQ(gilsafe::detail::default_kernel(),
              gilsafe::detail::kernel_for_setting(std::getenv("GILSAFE_KERNEL")));
}

// Words and separators straddling every offset of two 64-byte blocks: the needle starts
// at 1 + sep + offset, so it and its separators cross each edge of the first blocks; the
// text is long enough for the kernels' whole-block loops, and for every cut of some
// texts, the two parts add up.
TEST(Kernels, WordsStraddlingEvery64ByteBlockEdgeAreCounted) {
    const std::vector<std::string> separators = {" ",      "\n",     "\r\n",   "\r",  "\v",
                                                 "\u0085", "\u2028", "\u2029", "\x1c"};
    std::vector<std::string> needles = {
        "", "a", "is", "the", "four", "seven", "\u00e9t\u00e9", "word-of-length-20xx"};
    for (const std::size_t length : {62U, 63U, 64U, 65U, 100U}) {
        needles.push_back(std::string(length - 1, 'w') + "z");
    }
    for_each_kernel([&](kernel k) {
        SCOPED_TRACE(kernel_trace(k));
        for (const auto& needle : needles) {
            for (const auto& sep : separators) {
                for (std::size_t offset = 0; offset < 128; ++offset) {
                    std::string text = "x" + std::string(offset, 'y') + sep + needle + sep;
                    text += needle + needle + sep + std::string(130, 'q') + sep + needle;
                    text += sep + "x" + needle + sep + needle;
                    const std::size_t expected = count_naive(text, needle);
                    if (!needle.empty()) {
                        ASSERT_EQ(expected, 3U) << testing::PrintToString(text);
                    }
                    ASSERT_EQ(count_sequential(text, needle), expected)
                        << testing::PrintToString(needle) << " offset " << offset << " sep "
                        << testing::PrintToString(sep);
                    if (offset % 16 != 15 && offset > 2) {
                        continue; // every cut of a sample of the texts
                    }
                    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
                        ASSERT_EQ(count_range(text, needle, 0, cut) +
                                      count_range(text, needle, cut, text.size()),
                                  expected)
                            << testing::PrintToString(needle) << " offset " << offset << " cut "
                            << cut;
                    }
                }
            }
        }
    });
}

// The empty needle around U+0085, U+2028 and U+2029, their look-alikes and their pieces
// (invalid UTF-8 too: the kernels take any bytes, and so does the naive splitter), each
// placed at every offset of the 64-byte chunks, at the text's start and at its end, next
// to \r\n and to runs of non-ASCII bytes, and right before text where no break can start
// (the SIMD kernels' plain loop): every kernel, and the text cut around the piece and, for
// a sample of the offsets, at every byte, agree with the splitter.
TEST(Kernels, EmptyFieldsAroundMultiByteBreaksAtEveryChunkOffset) {
    // The breaks; look-alikes (c2 a0, e2 80 a7, e2 81 a8, e2 80 aa, d1 85, e1 80 a8, c3 85);
    // pieces of breaks alone or after a stray lead byte (invalid); the ASCII separators.
    const std::vector<std::string> pieces = {
        "\u0085",           "\u2028", "\u2029", "\u00a0",   "\u2027",       "\u2068",
        "\u202a",           "\u0445", "\u1028", "\u00c5",   "\x85",         "\xa8",
        "\x80\xa9",         "\xc2",   "\xe2",   "\xe2\x80", "\xc2\xc2\x85", "\xe2\xe2\x80\xa8",
        "\xc2\xe2\x80\xa9", " ",      "\r\n",   "\r",       "\n",           "x"};
    // Filler bytes, so that a piece lands at each offset with ASCII or non-ASCII around.
    const std::vector<std::string> filler = {" ", "y", "\xd0", "\xb6", "\r", "\n", "\x85"};
    std::mt19937_64 rng(2028);
    std::size_t nonzero = 0;
    for (std::size_t offset = 0; offset < 130; ++offset) {
        for (const std::string& piece : pieces) {
            std::string head;
            while (head.size() < offset) {
                head += filler[rng() % filler.size()];
            }
            std::string tail;
            while (tail.size() < 300) {
                tail += pieces[rng() % pieces.size()];
            }
            std::string quiet;
            while (quiet.size() < 260) {
                quiet += filler[rng() % filler.size()]; // no 0xc2, 0xe2: the plain loop's
            }
            // The piece at `offset`, twice more beside itself and \r\n; the piece ending a
            // text whose length goes through every offset too; the piece before text
            // where no break can start, which the kernels count in their plain loop.
            const std::string starting = head + piece + " " + piece + piece + "\r\n" + piece + tail;
            const std::string ending = tail + head + piece;
            const std::string before_quiet = head + piece + " " + quiet;
            const bool every_cut = offset < 3 || offset % 13 == 0; // a sample: it is slow
            for (const std::string& text : {starting, ending, before_quiet}) {
                const std::size_t expected = count_naive(text, "");
                nonzero += expected != 0 ? 1U : 0U;
                for_each_kernel([&](kernel k) {
                    ASSERT_EQ(count_sequential(text, ""), expected)
                        << kernel_trace(k) << " offset " << offset << " "
                        << testing::PrintToString(text);
                    // Ranges that start just before the piece's end: when that end is a
                    // chunk edge, the plain loop starts right after the piece.
                    const std::size_t piece_end = offset + piece.size();
                    for (std::size_t cut = piece_end - std::min<std::size_t>(piece_end, 4);
                         cut <= piece_end; ++cut) {
                        ASSERT_EQ(count_range(text, "", 0, cut) +
                                      count_range(text, "", cut, text.size()),
                                  expected)
                            << kernel_trace(k) << " offset " << offset << " cut " << cut << " "
                            << testing::PrintToString(text);
                    }
                    if (!every_cut) {
                        return;
                    }
                    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
                        ASSERT_EQ(count_range(text, "", 0, cut) +
                                      count_range(text, "", cut, text.size()),
                                  expected)
                            << kernel_trace(k) << " offset " << offset << " cut " << cut << " "
                            << testing::PrintToString(text);
                    }
                });
            }
        }
    }
    EXPECT_GT(nonzero, 8000U);
}

// What a TBB range sees: [begin, end) anywhere. All three parts of every two cuts add up
// to the whole, for each kernel, over text with every kind of break and non-ASCII bytes.
TEST(Kernels, EveryCutOfARangeAddsUpToTheWhole) {
    const std::vector<std::string> alphabet = {
        " ", " ",  "\n",  "\r\n",   "\r",     "\u0085", "\u2028", "\u2029", "\x1e", "a",
        "b", "is", "abc", "\u00e9", "\u0145", "\u2085", "\u2128", "\u00a0", "\t"};
    std::mt19937_64 rng(64);
    for (int round = 0; round < 6; ++round) {
        std::string text;
        while (text.size() < 170) {
            text += alphabet[rng() % alphabet.size()];
        }
        for (const std::string needle : {"", "a", "is", "abc", "a a", "\u00e9", "abcabc"}) {
            const std::size_t expected = count_naive(text, needle);
            for_each_kernel([&](kernel k) {
                ASSERT_EQ(count_sequential(text, needle), expected) << kernel_trace(k);
                for (std::size_t b = 0; b <= text.size(); ++b) {
                    for (std::size_t e = b; e <= text.size(); ++e) {
                        ASSERT_EQ(count_range(text, needle, 0, b) +
                                      count_range(text, needle, b, e) +
                                      count_range(text, needle, e, text.size()),
                                  expected)
                            << kernel_trace(k) << " " << testing::PrintToString(text) << " / "
                            << testing::PrintToString(needle) << " cuts " << b << ", " << e;
                    }
                }
            });
        }
    }
}

// Long random texts (so the whole-block loops run, on ASCII and mixed blocks alike), with
// needles taken from the text itself so that they match; the SIMD kernels also report
// exactly whether a range is ASCII, and never call a range with an error valid (the
// scalar one says "not known").
TEST(Kernels, AgreeWithTheNaiveSplitterOnLongRandomText) {
    const std::vector<std::string> alphabet = {" ",
                                               " ",
                                               " ",
                                               "\n",
                                               "\r",
                                               "\r\n",
                                               "\v",
                                               "\f",
                                               "\x1c",
                                               "\x1d",
                                               "\x1e",
                                               "\u0085",
                                               "\u2028",
                                               "\u2029",
                                               "a",
                                               "b",
                                               "is",
                                               "the",
                                               "ab",
                                               "\u00e9",
                                               "\u0145",
                                               "\u1028",
                                               "\u2085",
                                               "\u2128",
                                               "\t",
                                               "\u00a0",
                                               "\u4e2d",
                                               "\U0001F600",
                                               std::string(1, '\0'),
                                               "\xc2",
                                               "\xe2\x80"};
    std::mt19937_64 rng(20251111);
    std::size_t nonzero = 0;
    for (int round = 0; round < 1500; ++round) {
        std::string text;
        const std::size_t pieces = rng() % 400;
        const bool ascii_only = round % 4 == 0;
        for (std::size_t i = 0; i < pieces; ++i) {
            const std::string& piece = alphabet[rng() % (ascii_only ? 19 : alphabet.size())];
            if (!ascii_only || static_cast<unsigned char>(piece[0]) < 0x80) {
                text += piece;
            }
        }
        std::vector<std::string> needles = {"", "a", "is", "the", "ab", "\u00e9", "abab"};
        for (int i = 0; i < 4 && !text.empty(); ++i) {
            const std::size_t from = rng() % text.size();
            needles.push_back(text.substr(from, 1 + rng() % 12)); // may hold a separator
        }
        const std::size_t cut = text.empty() ? 0 : rng() % (text.size() + 1);
        for (const std::string& needle : needles) {
            const std::size_t expected = count_naive(text, needle);
            nonzero += expected != 0 ? 1U : 0U;
            for_each_kernel([&](kernel k) {
                ASSERT_EQ(count_sequential(text, needle), expected)
                    << kernel_trace(k) << " " << testing::PrintToString(text) << " / "
                    << testing::PrintToString(needle);
                ASSERT_EQ(count_range(text, needle, 0, cut) +
                              count_range(text, needle, cut, text.size()),
                          expected)
                    << kernel_trace(k) << " cut " << cut;
                utf8_scan scan = utf8_scan::valid;
                const std::size_t reported =
                    gilsafe::detail::count_range_scanning(text, needle, cut, text.size(), scan);
                ASSERT_EQ(reported, count_range(text, needle, cut, text.size()));
                if (!needle.empty() && needle.size() <= text.size() &&
                    !gilsafe::detail::needle_has_separator(needle) && k != kernel::scalar) {
                    bool really = true;
                    for (std::size_t i = cut; i < text.size(); ++i) {
                        really = really && static_cast<unsigned char>(text[i]) < 0x80;
                    }
                    ASSERT_EQ(scan == utf8_scan::ascii, really)
                        << kernel_trace(k) << " cut " << cut;
                    if (scan == utf8_scan::valid) {
                        ASSERT_EQ(gilsafe::detail::find_invalid_utf8_scalar(text, cut, text.size()),
                                  std::string_view::npos)
                            << kernel_trace(k) << " cut " << cut;
                    }
                } else {
                    ASSERT_EQ(scan, utf8_scan::unknown) << kernel_trace(k);
                }
            });
        }
    }
    EXPECT_GT(nonzero, 4000U);
}

// The UTF-8 check fused into the AVX2 and AVX-512 kernels: on valid text it vouches for
// every range that is not ASCII, whatever the needle's loop (dense, mixed, sparse, edges)
// and wherever the range is cut; once one error is planted it never calls the range that
// holds it valid, and the counts stay exact either way.
TEST(Kernels, TheFusedUtf8CheckVouchesForValidTextAndNeverForAnError) {
    const std::vector<std::string> pieces = {" ",
                                             " ",
                                             "\n",
                                             "\r\n",
                                             "is",
                                             "a",
                                             "the",
                                             "ab",
                                             "\u00e9",
                                             "\u0416",
                                             "\u0416\u0416",
                                             "\u4e2d",
                                             "\U0001F600",
                                             "\u0085",
                                             "\u2028",
                                             "\u00a0",
                                             "\u07ff",
                                             "\uffff",
                                             "\U0010FFFF",
                                             std::string(70, ' '),
                                             std::string(130, 'x')};
    const std::vector<std::string> errors = {"\x80",
                                             "\xff",
                                             "\xc0\x80",
                                             "\xed\xa0\x80",
                                             "\xf4\x90\x80\x80",
                                             "\xe0\x80\x80",
                                             "\xf0\x80\x80\x80",
                                             "\xc2",
                                             "\xe2\x80",
                                             "\xf0\x9f\x98",
                                             "\xc2\xc2",
                                             "\xf5\x80\x80\x80"};
    const std::vector<std::string> needles = {
        "a", "is", "\u00e9", "the", "\u0416\u0416", "\u4e2d\u4e2d", "\U0001F600x", "abcdefgh"};
    const auto fused = [](kernel k) { return k == kernel::avx2 || k == kernel::avx512; };
    std::mt19937_64 rng(20261126);
    std::size_t vouched = 0;
    std::size_t caught = 0;
    for (int round = 0; round < 400; ++round) {
        std::string text;
        const std::size_t count = 1 + rng() % 120;
        for (std::size_t i = 0; i < count; ++i) {
            text += pieces[rng() % pieces.size()];
        }
        std::string broken = text;
        const std::size_t at = rng() % (broken.size() + 1);
        broken.insert(at, errors[rng() % errors.size()]);
        for (const std::string* t : {&text, &broken}) {
            const std::size_t n = t->size();
            const std::size_t b = rng() % (n + 1);
            const std::size_t e = b + rng() % (n - b + 1);
            // The text's first error is what the ranges of any cut must find: a range may
            // leave the later bytes of a character that started before it to that one.
            const std::size_t first = gilsafe::detail::find_invalid_utf8_scalar(*t, 0, n);
            const bool valid = first == std::string_view::npos;
            const bool error_in_range = !valid && b <= first && first < e;
            ASSERT_EQ(valid, t == &text);
            bool ascii = true;
            for (std::size_t i = b; i < e; ++i) {
                ascii = ascii && static_cast<unsigned char>((*t)[i]) < 0x80;
            }
            for (const std::string& needle : needles) {
                if (needle.size() > n) {
                    continue;
                }
                for_each_kernel([&](kernel k) {
                    utf8_scan scan = utf8_scan::unknown;
                    ASSERT_EQ(gilsafe::detail::count_range_scanning(*t, needle, b, e, scan),
                              count_range(*t, needle, b, e))
                        << kernel_trace(k);
                    if (error_in_range) {
                        ASSERT_EQ(scan, utf8_scan::unknown)
                            << kernel_trace(k) << " " << testing::PrintToString(*t) << " [" << b
                            << ", " << e << ") / " << testing::PrintToString(needle);
                        caught += fused(k) ? 1U : 0U;
                    } else if (valid && fused(k)) {
                        ASSERT_EQ(scan, ascii ? utf8_scan::ascii : utf8_scan::valid)
                            << kernel_trace(k) << " " << testing::PrintToString(*t) << " [" << b
                            << ", " << e << ") / " << testing::PrintToString(needle);
                        vouched += ascii ? 0U : 1U;
                    }
                });
            }
        }
    }
    if (gilsafe::detail::kernel_supported(kernel::avx2)) {
        EXPECT_GT(vouched, 500U);
        EXPECT_GT(caught, 500U);
    }
}

// One error planted at every offset of texts that run each loop of the fused check (ASCII
// filler: the dense and sparse loops meet it alone; Cyrillic filler: the mixed loops), for
// needles of every loop's length and ranges that start and end anywhere near it.
TEST(Kernels, TheFusedUtf8CheckFindsAnErrorAtEveryOffset) {
    const std::vector<std::string> errors = {"\x80",         "\xc2",         "\xe2\x80",
                                             "\xf0\x9f\x98", "\xed\xa0\x80", "\xc0\xaf"};
    const std::vector<std::string> needles = {"a", "ab", "abcd", "abcde", "\u0416\u0416\u0416"};
    for (const std::string filler : {"ab cd ", "\u0416\u0436 "}) {
        std::string base;
        while (base.size() < 300) {
            base += filler;
        }
        for (const std::string& error : errors) {
            for (std::size_t at = 0; at <= base.size(); ++at) {
                const std::string text = base.substr(0, at) + error + base.substr(at);
                const std::size_t first =
                    gilsafe::detail::find_invalid_utf8_scalar(text, 0, text.size());
                ASSERT_NE(first, std::string_view::npos);
                const std::size_t near = first - std::min<std::size_t>(first, at % 70);
                const std::size_t far = std::min(text.size(), first + 1 + at % 67);
                for (const auto& range : {std::pair<std::size_t, std::size_t>{0, text.size()},
                                          {0, far},
                                          {near, text.size()},
                                          {near, far}}) {
                    const std::size_t b = range.first; // (a lambda cannot capture a binding)
                    const std::size_t e = range.second;
                    for (const std::string& needle : needles) {
                        for_each_kernel([&](kernel k) {
                            utf8_scan scan = utf8_scan::valid;
                            ASSERT_EQ(
                                gilsafe::detail::count_range_scanning(text, needle, b, e, scan),
                                count_range(text, needle, b, e))
                                << kernel_trace(k);
                            ASSERT_EQ(scan, utf8_scan::unknown)
                                << kernel_trace(k) << " " << testing::PrintToString(error) << " at "
                                << at << " [" << b << ", " << e << ") / " << needle;
                        });
                    }
                }
            }
        }
    }
}

// In non-ASCII text the dense loops take a closer look only where a lead byte of a
// multi-byte break (0xc2, 0xe2) is within reach, bytes behind the block included: a word
// right after U+0085, U+2028 or U+2029 (or right before one), at every offset from a block
// edge, in Russian text that has no other such byte, checked or not, cut anywhere near.
TEST(Kernels, WordsNextToAMultiByteBreakInNonAsciiTextAtEveryOffset) {
    // Words of 2- and 3-byte letters, no separator and no byte 0xc2 or 0xe2 in them.
    const auto letters = [](std::size_t bytes) {
        std::string out(bytes % 2 == 0 ? "" : "\u4e2d"); // 3 bytes
        while (out.size() < bytes) {
            out += "\u0436";
        }
        return out;
    };
    const std::string filler = letters(200);
    for (const std::string brk : {"\u0085", "\u2028", "\u2029"}) {
        for (const std::string& needle :
             {std::string("is"), std::string("\u0416"), std::string("abc"), std::string("abcd")}) {
            for (std::size_t at = 0; at < 200; ++at) { // 3 blocks: the loop's third block too
                const std::string text = letters(at + 3) + brk + needle + " " + letters(300) + " " +
                                         needle + brk + filler + brk + needle;
                const std::size_t expected = count_naive(text, needle);
                ASSERT_EQ(expected, 3U) << at;
                for_each_kernel([&](kernel k) {
                    ASSERT_EQ(count_sequential(text, needle), expected)
                        << kernel_trace(k) << " " << at << " " << needle;
                    utf8_scan scan = utf8_scan::unknown;
                    ASSERT_EQ(
                        gilsafe::detail::count_range_scanning(text, needle, 0, text.size(), scan),
                        expected)
                        << kernel_trace(k) << " " << at << " " << needle;
                    const std::size_t cut = at + brk.size() - at % 4;
                    ASSERT_EQ(count_range(text, needle, 0, cut) +
                                  count_range(text, needle, cut, text.size()),
                              expected)
                        << kernel_trace(k) << " " << at << " cut " << cut;
                });
            }
        }
    }
}

} // namespace
