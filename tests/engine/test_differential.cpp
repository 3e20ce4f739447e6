// tests/engine/test_differential.cpp: every variant against the Python reference, on random text
#include "corpus.hpp"
#include "each_kernel.hpp"
#include "wordcount_job.hpp"

#include "gilsafe/text.hpp"
#include "gilsafe/word_count.hpp"

#include <gtest/gtest.h>
#include <oneapi/tbb/task_arena.h>
#include <pybind11/embed.h>

#include <random>
#include <string>
#include <vector>

namespace py = pybind11;

namespace {

std::size_t search_py(const std::string& text, const std::string& needle) {
    const py::object fn = py::module_::import("word_count").attr("search_py");
    return fn(py::str(text), py::str(needle)).cast<std::size_t>();
}

// Thousands of random strings over separators, look-alikes of separators, multi-byte
// characters and letters: sequential, parallel (1-4 threads, tiny grains so the cuts
// land everywhere) and the Python reference all agree.
TEST(Differential, AllVariantsAgreeWithThePythonReference) {
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
                                               "a",
                                               "b",
                                               "is",
                                               "\u00e9",
                                               "\u0145",
                                               "\u1028",
                                               "\u2085",
                                               "\u2128",
                                               "\t",
                                               "\u00a0",
                                               "\u4e2d",
                                               "\U0001F600",
                                               std::string(1, '\0')};
    std::mt19937_64 rng(858000);
    std::vector<tbb::task_arena> arenas;
    for (int threads = 1; threads <= 4; ++threads) {
        arenas.emplace_back(threads);
    }
    std::size_t nonzero = 0;
    for (int round = 0; round < 4000; ++round) {
        std::string text;
        const std::size_t pieces = rng() % 120;
        for (std::size_t i = 0; i < pieces; ++i) {
            text += alphabet[rng() % alphabet.size()];
        }
        std::vector<std::string> needles = {"", "a", "is", "\u00e9", "ab", "a\u00a0b"};
        needles.push_back(alphabet[rng() % alphabet.size()] + alphabet[rng() % alphabet.size()]);
        for (const std::string& needle : needles) {
            const std::size_t expected = search_py(text, needle);
            nonzero += expected != 0 ? 1U : 0U;
            const std::size_t sequential = [&] {
                const py::gil_scoped_release no_gil;
                return gilsafe::count_sequential(text, needle);
            }();
            ASSERT_EQ(sequential, expected)
                << testing::PrintToString(text) << " / " << testing::PrintToString(needle);
            gilsafe::parallel_options tiny;
            tiny.grain = 1 + rng() % 24;
            tiny.min_parallel_size = 1;
            tbb::task_arena& arena = arenas[rng() % arenas.size()];
            const std::size_t parallel = [&] {
                const py::gil_scoped_release no_gil;
                return arena.execute([&] { return gilsafe::count_parallel(text, needle, tiny); });
            }();
            ASSERT_EQ(parallel, expected)
                << testing::PrintToString(text) << " / " << testing::PrintToString(needle);
        }
    }
    // The generator must exercise matches, not just agree on zeros.
    EXPECT_GT(nonzero, 4000U);
}

// The host's four variants, run as gil_demo runs them, agree on a text full of edge
// cases (and the Python ones see the same text).
TEST(Differential, TheFourHostVariantsAgree) {
    std::string body;
    for (int i = 0; i < 2000; ++i) {
        body += "is \r\nis\u2028is\u0085 \u0145is  is\r\v\f\x1c\x1d\x1e\u2029 \t is\n";
    }
    for (const std::string needle : {"is", "", "\u0145is", "x"}) {
        const gilsafe::text t = gilsafe::text::from_string(body, "edge cases");
        const auto report = gil_demo::run_wordcount(t, needle, gil_demo::all_variants());
        ASSERT_EQ(report.results.size(), 4U);
        EXPECT_TRUE(report.agree);
        for (const auto& r : report.results) {
            EXPECT_EQ(r.count, search_py(body, needle)) << gil_demo::info(r.which).name;
        }
    }
}

// The UTF-8 check rejects exactly what Python's decoder rejects, at the same offset.
TEST(Differential, Utf8CheckAgreesWithPythonsDecoder) {
    const std::vector<std::string> pieces = {"a",
                                             " ",
                                             "\u00e9",
                                             "\u4e2d",
                                             "\U0001F600",
                                             "\u2028",
                                             "\x80",
                                             "\xbf",
                                             "\xc2",
                                             "\xc1\xbf",
                                             "\xe0\x80\x80",
                                             "\xe0\xa0",
                                             "\xed\xa0\x80",
                                             "\xed\x9f\xbf",
                                             "\xef\xbf\xbf",
                                             "\xf0\x8f\xbf\xbf",
                                             "\xf0\x90\x80\x80",
                                             "\xf4\x8f\xbf\xbf",
                                             "\xf4\x90\x80\x80",
                                             "\xf5",
                                             "\xff",
                                             std::string(1, '\0')};
    std::mt19937_64 rng(3);
    std::size_t invalid = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string text;
        const std::size_t count = rng() % 8;
        for (std::size_t i = 0; i < count; ++i) {
            text += pieces[rng() % pieces.size()];
        }
        std::size_t expected = std::string::npos;
        try {
            py::bytes(text).attr("decode")("utf-8");
        } catch (py::error_already_set& e) {
            ASSERT_TRUE(e.matches(PyExc_UnicodeDecodeError));
            expected = e.value().attr("start").cast<std::size_t>();
            ++invalid;
        }
        ASSERT_EQ(gilsafe::find_invalid_utf8(text), expected) << testing::PrintToString(text);
    }
    EXPECT_GT(invalid, 5000U);
}

TEST(Differential, ZenCorpusMatchesPythonsOwnThisModule) {
    py::dict ns;
    py::exec("import codecs, contextlib, io\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             "    import this\n"
             "zen = codecs.decode(this.s, 'rot13')\n",
             ns);
    EXPECT_EQ(std::string(gil_demo::zen_of_python()), ns["zen"].cast<std::string>());
    EXPECT_EQ(gil_demo::zen_corpus(1000).size(), 858000U);
}

// Every kernel this CPU runs against the reference, on texts long enough for their
// 64-position block loops: words and every kind of break straddling each offset around
// the block edges, multi-byte characters whose bytes look like breaks' bytes, and runs of
// non-ASCII text (the kernels' mixed blocks).
TEST(Differential, EveryKernelAgreesWithThePythonReferenceAtBlockEdges) {
    const std::vector<std::string> breaks = {" ",      "\n",     "\r\n",   "\r",     "\v",
                                             "\f",     "\x1c",   "\x1d",   "\x1e",   "\u0085",
                                             "\u2028", "\u2029", "\u0145", "\u2128", "\u00a0"};
    const std::vector<std::string> words = {
        "is", "a", "the", "\u00e9t\u00e9", "better", "\u4e2d\u6587", "\U0001F600"};
    std::mt19937_64 rng(6464);
    std::size_t nonzero = 0;
    for (int round = 0; round < 300; ++round) {
        // A filler that puts the first word at offset 0..127, then words and breaks: only
        // ASCII ones every other round (the kernels' branch-free blocks), ending in a word
        // every third round.
        const bool ascii = round % 2 == 0;
        std::string text(static_cast<std::size_t>(round % 128), round % 3 == 0 ? 'x' : ' ');
        while (text.size() < 200 + static_cast<std::size_t>(round)) {
            text += words[rng() % (ascii ? 3 : words.size())];
            text += breaks[rng() % (ascii ? 9 : breaks.size())];
            if (rng() % 5 == 0) {
                text += std::string(rng() % 70, rng() % 2 == 0 ? 'y' : ' ');
            }
        }
        if (round % 3 == 0) {
            text += words[rng() % 3];
        }
        std::vector<std::string> needles = {
            "", "is", "a", "the", "better", "\u00e9t\u00e9", "\u4e2d\u6587"};
        const std::size_t from = rng() % text.size();
        needles.push_back(text.substr(from, 1 + rng() % 9));
        for (const std::string& needle : needles) {
            std::size_t expected = 0;
            try {
                expected = search_py(text, needle);
            } catch (py::error_already_set&) {
                continue; // a needle cut inside a character is not a str
            }
            nonzero += expected != 0 ? 1U : 0U;
            const py::gil_scoped_release no_gil;
            gilsafe_test::for_each_kernel([&](gilsafe::detail::kernel k) {
                gilsafe::parallel_options tiny;
                tiny.grain = 1 + rng() % 100;
                tiny.min_parallel_size = 1;
                ASSERT_EQ(gilsafe::count_sequential(text, needle), expected)
                    << gilsafe::detail::name_of(k) << " " << testing::PrintToString(text) << " / "
                    << testing::PrintToString(needle);
                ASSERT_EQ(gilsafe::count_parallel(text, needle, tiny), expected)
                    << gilsafe::detail::name_of(k) << " " << testing::PrintToString(text) << " / "
                    << testing::PrintToString(needle);
                ASSERT_EQ(gilsafe::count_sequential_checked(text, needle).count, expected)
                    << gilsafe::detail::name_of(k);
            });
        }
    }
    EXPECT_GT(nonzero, 1000U);
}

} // namespace
