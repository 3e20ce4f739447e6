// tests/engine/test_differential.cpp: every variant against the Python reference, on random text
#include "corpus.hpp"
#include "each_kernel.hpp"
#include "engine/checked.hpp"
#include "engine/utf8.hpp"
#include "wordcount_job.hpp"

#include "gilsafe/text.hpp"
#include "gilsafe/word_count.hpp"

#include <gtest/gtest.h>
#include <oneapi/tbb/task_arena.h>
#include <pybind11/embed.h>
#include <simdjson.h>

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

// --- The SIMD UTF-8 check (simdjson's validator, the scalar rules only for a block it
// rejects): block edges, every implementation this CPU runs, and Python's decoder as judge.

// Where Python's decoder stops on `text`, or npos.
std::size_t python_first_invalid(const std::string& text) {
    try {
        py::bytes(text).attr("decode")("utf-8");
    } catch (py::error_already_set& e) {
        EXPECT_TRUE(e.matches(PyExc_UnicodeDecodeError));
        return e.value().attr("start").cast<std::size_t>();
    }
    return std::string::npos;
}

// Valid characters of every length, the boundaries of each length and of the surrogates
// among them (U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF).
const std::vector<std::string> valid_characters = {
    "a",      " ",      "\n",         "\u00e9",     "\u0416",     "\u0080",
    "\u07ff", "\u0800", "\u4e2d",     "\ud7ff",     "\ue000",     "\uffff",
    "\u2028", "\u0085", "\U00010000", "\U0001F600", "\U0010FFFF", "\u00a0"};

// What Python rejects: lone and extra continuation bytes, overlongs, surrogates, code
// points above U+10FFFF, bytes that never occur, and sequences cut short.
const std::vector<std::string> invalid_sequences = {"\x80",
                                                    "\xbf",
                                                    "\xc0\x80",
                                                    "\xc1\xbf",
                                                    "\xc2",
                                                    "\xdf",
                                                    "\xe0\x80\x80",
                                                    "\xe0\x9f\xbf",
                                                    "\xe4\xb8",
                                                    "\xe4",
                                                    "\xed\xa0\x80",
                                                    "\xed\xbf\xbf",
                                                    "\xed\xb0\x80",
                                                    "\xf0\x80\x80\x80",
                                                    "\xf0\x8f\xbf\xbf",
                                                    "\xf0\x9f\x98",
                                                    "\xf0\x9f",
                                                    "\xf0",
                                                    "\xf4\x90\x80\x80",
                                                    "\xf5\x80\x80\x80",
                                                    "\xf8\x88\x80\x80\x80",
                                                    "\xfe",
                                                    "\xff",
                                                    "\xc3\xa9\x80",
                                                    "\xe4\xb8\xad\x80\x80",
                                                    "\xf0\x9f\x98\x80\x80"};

// `body` once with each of simdjson's implementations that this CPU runs made the active
// one (icelake, haswell, westmere, fallback on x86-64), then the default again.
template <class Body> void for_each_simd_validator(Body body) {
    const simdjson::implementation* saved = simdjson::get_active_implementation();
    std::size_t ran = 0;
    for (const simdjson::implementation* impl : simdjson::get_available_implementations()) {
        if (!impl->supported_by_runtime_system()) {
            continue;
        }
        simdjson::get_active_implementation() = impl;
        SCOPED_TRACE("simdjson implementation " + impl->name());
        ASSERT_EQ(std::string(gilsafe::detail::utf8_validator_name()), impl->name());
        body();
        ++ran;
    }
    simdjson::get_active_implementation() = saved;
    EXPECT_GE(ran, 2U); // at least a SIMD one and the fallback
}

// Random valid text of about `size` bytes.
std::string valid_text(std::mt19937_64& rng, std::size_t size) {
    std::string text;
    while (text.size() < size) {
        text += valid_characters[rng() % valid_characters.size()];
    }
    return text;
}

// The validator on its own (no block logic): each invalid sequence, alone and inside
// valid text, is rejected by every implementation, and every valid boundary character
// is accepted, exactly as Python's decoder decides.
TEST(Differential, SimdValidatorRejectsWhatPythonsDecoderRejects) {
    for_each_simd_validator([] {
        for (const std::string& bad : invalid_sequences) {
            for (const std::string& text : {bad, "ab" + bad, "\u4e2d" + bad + "\u0416xyz",
                                            std::string(70, 'a') + bad + std::string(70, 'b')}) {
                ASSERT_NE(python_first_invalid(text), std::string::npos);
                EXPECT_FALSE(simdjson::validate_utf8(text.data(), text.size()))
                    << testing::PrintToString(text);
            }
        }
        for (const std::string& good : valid_characters) {
            const std::string text = std::string(63, 'a') + good + good;
            ASSERT_EQ(python_first_invalid(text), std::string::npos);
            EXPECT_TRUE(simdjson::validate_utf8(text.data(), text.size()))
                << testing::PrintToString(text);
        }
    });
}

// Each invalid sequence inserted at every character boundary within a few bytes of a
// block edge (and at the end of the text), for block sizes from 1 byte up: the blocked
// check, the scalar rules and Python agree on the offset.
TEST(Differential, Utf8BlockEdgesAgreeWithPythonsDecoder) {
    std::mt19937_64 rng(2028);
    std::size_t cases = 0;
    for_each_simd_validator([&] {
        for (const std::size_t block :
             {1U, 2U, 3U, 4U, 5U, 7U, 16U, 31U, 32U, 33U, 63U, 64U, 65U, 100U, 128U}) {
            for (std::size_t shift = 0; shift < 4; ++shift) {
                // Characters, so that insertions land between them.
                std::vector<std::string> chars(shift, "a");
                std::size_t bytes = shift;
                while (bytes < 3 * block + 12) {
                    chars.push_back(valid_characters[rng() % valid_characters.size()]);
                    bytes += chars.back().size();
                }
                std::string prefix;
                for (std::size_t i = 0; i <= chars.size(); ++i) {
                    const std::size_t edge_distance =
                        std::min(prefix.size() % block, block - prefix.size() % block);
                    if (edge_distance <= 4 || i == chars.size()) {
                        std::string rest;
                        for (std::size_t j = i; j < chars.size(); ++j) {
                            rest += chars[j];
                        }
                        for (const std::string& bad : invalid_sequences) {
                            const std::string text = prefix + bad + rest;
                            const std::size_t expected = python_first_invalid(text);
                            ASSERT_EQ(gilsafe::detail::find_invalid_utf8_range(text, 0, text.size(),
                                                                               block),
                                      expected)
                                << testing::PrintToString(text) << " block " << block;
                            ASSERT_EQ(
                                gilsafe::detail::find_invalid_utf8_scalar(text, 0, text.size()),
                                expected)
                                << testing::PrintToString(text);
                            ++cases;
                        }
                    }
                    if (i < chars.size()) {
                        prefix += chars[i];
                    }
                }
                const std::string valid = prefix;
                ASSERT_EQ(gilsafe::detail::find_invalid_utf8_range(valid, 0, valid.size(), block),
                          std::string::npos);
            }
        }
    });
    EXPECT_GT(cases, 50000U);
}

// The real block sizes (find_invalid_utf8's 64 kB and the checked counts' 256 kB), with
// the implementation this CPU picks: 330 kB of valid non-ASCII text with one invalid
// sequence written just before, on or after each 64 kB edge, or appended at the end. Every
// check, sequential and parallel, reports Python's offset; without the bad bytes every
// count agrees.
TEST(Differential, Utf8ChecksAtTheRealBlockSizesAgreeWithPythonsDecoder) {
    static_assert(gilsafe::detail::checked_block_bytes % gilsafe::detail::utf8_block_bytes == 0);
    std::mt19937_64 rng(256);
    const std::string text = valid_text(rng, gilsafe::detail::checked_block_bytes +
                                                 gilsafe::detail::utf8_block_bytes + 4000);
    ASSERT_EQ(python_first_invalid(text), std::string::npos);
    gilsafe::parallel_options cuts;
    cuts.grain = 10007;
    cuts.min_parallel_size = 1;
    const std::size_t expected_count = search_py(text, "\u00e9");
    const auto sequential = gilsafe::count_sequential_checked(text, "\u00e9");
    EXPECT_EQ(sequential.first_invalid, std::string::npos);
    EXPECT_EQ(sequential.count, expected_count);
    const auto parallel = [&] {
        const py::gil_scoped_release no_gil;
        return gilsafe::count_parallel_checked(text, "\u00e9", cuts);
    }();
    EXPECT_EQ(parallel.first_invalid, std::string::npos);
    EXPECT_EQ(parallel.count, expected_count);

    std::size_t invalid = 0;
    for (std::size_t edge = gilsafe::detail::utf8_block_bytes; edge <= text.size() + 1;
         edge += gilsafe::detail::utf8_block_bytes) {
        const bool last = edge > text.size();
        for (int delta = -4; delta <= 4; ++delta) {
            const std::size_t at = last ? text.size() : edge + static_cast<std::size_t>(delta);
            for (const std::string& bad :
                 {std::string("\xed\xa0\x80"), std::string("\xe4\xb8"), std::string("\xf0\x9f\x98"),
                  std::string("\xc0\xaf"), std::string("\x80"), std::string("\xf4\x90\x80\x80")}) {
                // Overwriting may cut a character, or (a continuation byte over one) change
                // nothing: the first error, if any, is Python's to say.
                std::string broken = text;
                broken.replace(at, std::min(bad.size(), broken.size() - at), bad);
                const std::size_t expected = python_first_invalid(broken);
                invalid += expected != std::string::npos ? 1U : 0U;
                ASSERT_EQ(gilsafe::find_invalid_utf8(broken), expected) << "at " << at;
                ASSERT_EQ(gilsafe::count_sequential_checked(broken, "is").first_invalid, expected)
                    << "at " << at;
                const std::size_t in_parallel = [&] {
                    const py::gil_scoped_release no_gil;
                    return gilsafe::count_parallel_checked(broken, "is", cuts).first_invalid;
                }();
                ASSERT_EQ(in_parallel, expected) << "at " << at;
            }
            if (last) {
                break;
            }
        }
    }
    EXPECT_GT(invalid, 150U);
}

// The generated corpora are valid UTF-8 (Python agrees), non-ASCII where they say so, and
// the checked counts give search_py's answer for a few needles.
TEST(Differential, GeneratedCorporaAreValidAndCheckedCountsAgree) {
    for (const std::string& name : gil_demo::corpus_names()) {
        const gil_demo::corpus_kind kind = *gil_demo::parse_corpus(name);
        const std::string text = gil_demo::make_corpus(kind, 300);
        EXPECT_EQ(text.size(), gil_demo::zen_corpus(300).size()) << name;
        ASSERT_EQ(python_first_invalid(text), std::string::npos) << name;
        std::size_t non_ascii = 0;
        for (const char c : text) {
            non_ascii += static_cast<unsigned char>(c) >= 0x80 ? 1U : 0U;
        }
        if (kind == gil_demo::corpus_kind::zen) {
            EXPECT_EQ(non_ascii, 0U);
        } else {
            EXPECT_GT(non_ascii, text.size() / 3) << name;
        }
        for (const std::string needle :
             {"is", "", "\u043b\u0443\u0447\u0448\u0435", "\u4f18\u7f8e", "\U0001F40D"}) {
            const std::size_t expected = search_py(text, needle);
            const gilsafe::checked_count sequential =
                gilsafe::count_sequential_checked(text, needle);
            EXPECT_EQ(sequential.first_invalid, std::string::npos) << name;
            EXPECT_EQ(sequential.count, expected) << name << " / " << needle;
            const gilsafe::checked_count parallel = [&] {
                const py::gil_scoped_release no_gil;
                gilsafe::parallel_options cuts;
                cuts.grain = 4099;
                cuts.min_parallel_size = 1;
                return gilsafe::count_parallel_checked(text, needle, cuts);
            }();
            EXPECT_EQ(parallel.count, expected) << name << " / " << needle;
            if (kind != gil_demo::corpus_kind::zen && needle == "is") {
                EXPECT_GT(expected, 0U) << name; // the needle is present
            }
        }
    }
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

// The empty needle beside U+0085, U+2028 and U+2029 (the breaks the SIMD kernels match
// whole, two bytes ahead and behind each chunk) and characters that share their bytes,
// each break at every offset of the 64-byte chunks, at the text's start and at its end,
// next to \r\n, spaces and the other breaks: every kernel, sequential and parallel with
// cuts anywhere, agrees with search_py.
TEST(Differential, EmptyNeedleAroundMultiByteBreaksAtEveryChunkOffset) {
    const std::vector<std::string> breaks = {"\u0085", "\u2028", "\u2029"};
    // c2 a0, e2 80 a7, e2 81 a8, e2 80 aa, d1 85, e1 80 a8, e2 84 a8, c5 85, and separators.
    const std::vector<std::string> around = {
        "\u00a0", "\u2027", "\u2068", "\u202a", "\u0445", "\u1028", "\u2128", "\u0145", " ",
        " ",      "\r\n",   "\r",     "\n",     "\u2029", "\u0085", "x",      "\u4e2d"};
    std::mt19937_64 rng(85);
    std::size_t checked = 0;
    for (std::size_t offset = 0; offset < 130; ++offset) {
        for (const std::string& brk : breaks) {
            // Characters before the break up to `offset` bytes (a multi-byte one may end a
            // byte or two short: the offsets still all come round).
            std::string head;
            while (head.size() < offset) {
                const std::string& c = around[rng() % around.size()];
                head += head.size() + c.size() <= offset ? c : std::string(" ");
            }
            std::string tail;
            while (tail.size() < 300) {
                tail += around[rng() % around.size()];
                tail += rng() % 3 == 0 ? brk : std::string();
            }
            const std::string texts[] = {head + brk + " " + brk + brk + "\r\n" + brk + tail,
                                         tail + head + brk, tail + head + brk + " ",
                                         tail + head + brk + brk + "\r\n" + brk};
            for (const std::string& text : texts) {
                const std::size_t expected = search_py(text, "");
                const py::gil_scoped_release no_gil;
                gilsafe_test::for_each_kernel([&](gilsafe::detail::kernel k) {
                    gilsafe::parallel_options tiny;
                    tiny.grain = 1 + rng() % 100;
                    tiny.min_parallel_size = 1;
                    ASSERT_EQ(gilsafe::count_sequential(text, ""), expected)
                        << gilsafe::detail::name_of(k) << " offset " << offset << " "
                        << testing::PrintToString(text);
                    ASSERT_EQ(gilsafe::count_parallel(text, "", tiny), expected)
                        << gilsafe::detail::name_of(k) << " offset " << offset << " "
                        << testing::PrintToString(text);
                    ++checked;
                });
            }
        }
    }
    EXPECT_GE(checked, 130U * 3 * 4 * 2);
}

} // namespace
