// tests/engine/test_word_count.cpp: the engine's semantics, kernel block edges and parallel cuts
// (no Python)
#include "corpus.hpp"
#include "engine/kernels.hpp"
#include "engine/utf8.hpp"
#include "naive.hpp"

#include "gilsafe/text.hpp"
#include "gilsafe/word_count.hpp"

#include <gtest/gtest.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>

#include <random>
#include <string>
#include <vector>

namespace {

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
    const std::string corpus = gil_demo::zen_corpus(4000);
    thread_local int depth = 0;
    std::atomic<int> reentries{0};
    gilsafe::parallel_options fine;
    fine.grain = 4096;
    fine.min_parallel_size = 1;
    tbb::task_arena arena(4);
    arena.execute([&] {
        tbb::parallel_for(
            tbb::blocked_range<int>(0, 64, 1),
            [&](const tbb::blocked_range<int>&) {
                if (depth++ != 0) {
                    ++reentries;
                }
                EXPECT_EQ(count_parallel(corpus, "is", fine), 40000U);
                --depth;
            },
            tbb::simple_partitioner());
    });
    EXPECT_EQ(reentries.load(), 0);
}

} // namespace
