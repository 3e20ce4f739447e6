// tests/engine/test_stream.cpp: streams in pieces and through pipes, against the Python reference
#include "gilsafe/stream.hpp"
#include "gilsafe/text.hpp"
#include "gilsafe/word_count.hpp"

#include <gtest/gtest.h>
#include <pybind11/embed.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace py = pybind11;

namespace {

std::size_t search_py(const std::string& text, const std::string& needle) {
    const py::object fn = py::module_::import("word_count").attr("search_py");
    return fn(py::str(text), py::str(needle)).cast<std::size_t>();
}

// Where Python's decoder fails on `bytes`, or npos.
std::size_t python_invalid_offset(const std::string& bytes) {
    try {
        (void)py::bytes(bytes).attr("decode")("utf-8");
        return std::string::npos;
    } catch (py::error_already_set& e) {
        return e.value().attr("start").cast<std::size_t>();
    }
}

const std::vector<std::string> alphabet = {
    " ",      " ",      "\n",     "\r",         "\r\n",   "\v",     "\f",     "\x1c",
    "\x1d",   "\x1e",   "\u0085", "\u2028",     "\u2029", "a",      "b",      "is",
    "\u00e9", "\u0145", "\u2085", "\U0001F600", "\t",     "\u00a0", "\u4e2d", std::string(1, '\0')};

std::string random_text(std::mt19937_64& rng, std::size_t max_pieces) {
    std::string text;
    const std::size_t pieces = rng() % max_pieces;
    for (std::size_t i = 0; i < pieces; ++i) {
        text += alphabet[rng() % alphabet.size()];
    }
    return text;
}

// `text` cut into pieces: one byte each (mode 0), random sizes (1), whole (2).
std::vector<std::string> cut(const std::string& text, int mode, std::mt19937_64& rng) {
    std::vector<std::string> pieces;
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t len = mode == 0 ? 1 : mode == 1 ? 1 + rng() % 9 : text.size();
        pieces.push_back(text.substr(at, len));
        at += len;
    }
    return pieces;
}

// Random texts fed in pieces of every size (a break, a character, a word split between
// two pieces) count exactly as the Python reference counts the whole.
TEST(StreamCounter, PiecesOfAnySizeCountAsThePythonReference) {
    std::mt19937_64 rng(2028);
    std::size_t nonzero = 0;
    for (int round = 0; round < 1500; ++round) {
        const std::string text = random_text(rng, 80);
        std::vector<std::string> needles = {"", "a", "is", "\u00e9", "a\u00a0b"};
        needles.push_back(alphabet[rng() % alphabet.size()] + alphabet[rng() % alphabet.size()]);
        for (const std::string& needle : needles) {
            const std::size_t expected = search_py(text, needle);
            nonzero += expected != 0 ? 1U : 0U;
            for (int mode = 0; mode < 3; ++mode) {
                gilsafe::stream_options options;
                options.parallel = mode == 1;
                gilsafe::stream_counter counter(needle, "s", options);
                for (const std::string& piece : cut(text, mode, rng)) {
                    counter.feed(piece);
                }
                const gilsafe::stream_count got = counter.finish();
                ASSERT_EQ(got.count, expected)
                    << testing::PrintToString(text) << " / " << testing::PrintToString(needle)
                    << " mode " << mode;
                ASSERT_EQ(got.bytes, text.size());
            }
        }
    }
    EXPECT_GT(nonzero, 1500U);
}

// Invalid UTF-8 is reported at the offset Python's decoder reports, however the bytes
// were cut, and only once the bytes that show it have arrived.
TEST(StreamCounter, InvalidUtf8IsReportedAtPythonsOffsetWhateverThePieces) {
    const std::vector<std::string> pieces = {
        "a",    " ",       "\u00e9",   "\u4e2d",       "\U0001F600",   "\u2028",
        "\x80", "\xc2",    "\xe0\xa0", "\xed\xa0\x80", "\xf0\x90\x80", "\xf4\x90\x80\x80",
        "\xff", "\xc1\xbf"};
    std::mt19937_64 rng(85);
    std::size_t invalid = 0;
    for (int round = 0; round < 3000; ++round) {
        std::string bytes;
        const std::size_t n = rng() % 12;
        for (std::size_t i = 0; i < n; ++i) {
            // Mostly valid characters, so errors land at every offset.
            bytes += pieces[rng() % 3 == 0 ? rng() % pieces.size() : rng() % 6];
        }
        const std::size_t expected = python_invalid_offset(bytes);
        const int mode = static_cast<int>(rng() % 3);
        gilsafe::stream_counter counter("a", "s");
        std::size_t reported = std::string::npos;
        std::size_t fed_before = 0; // bytes fed before the piece that raised the error
        bool at_finish = false;
        try {
            for (const std::string& piece : cut(bytes, mode, rng)) {
                counter.feed(piece);
                fed_before += piece.size();
            }
            at_finish = true;
            (void)counter.finish();
        } catch (const gilsafe::utf8_error& e) {
            reported = e.offset();
        }
        if (expected != std::string::npos && expected + 4 <= bytes.size()) {
            // The 4 bytes from the error's start decide it: reported by the feed that
            // completed them, not later.
            EXPECT_FALSE(at_finish) << testing::PrintToString(bytes);
            EXPECT_LT(fed_before, expected + 4) << testing::PrintToString(bytes);
        }
        invalid += expected != std::string::npos ? 1U : 0U;
        ASSERT_EQ(reported, expected) << testing::PrintToString(bytes) << " mode " << mode;
    }
    EXPECT_GT(invalid, 500U);
}

// A file descriptor that is not a regular file, with a writer as slow or as fast as it
// likes: count_stream with tiny blocks agrees with the reference.
class pipe_writer {
public:
    explicit pipe_writer(std::string bytes, std::size_t chunk, bool keep_open = false) {
        int fds[2];
        EXPECT_EQ(::pipe(fds), 0);
        read_fd_ = fds[0];
        write_fd_ = fds[1];
        thread_ = std::thread([this, bytes = std::move(bytes), chunk, keep_open] {
            for (std::size_t at = 0; at < bytes.size(); at += chunk) {
                const std::size_t len = std::min(chunk, bytes.size() - at);
                if (::write(write_fd_, bytes.data() + at, len) != static_cast<ssize_t>(len)) {
                    break;
                }
            }
            if (!keep_open) {
                ::close(std::exchange(write_fd_, -1));
            }
        });
    }
    pipe_writer(const pipe_writer&) = delete;
    pipe_writer& operator=(const pipe_writer&) = delete;
    ~pipe_writer() {
        thread_.join();
        if (write_fd_ >= 0) {
            ::close(write_fd_);
        }
        ::close(read_fd_);
    }
    std::string path() const { return "/dev/fd/" + std::to_string(read_fd_); }

private:
    int read_fd_ = -1;
    int write_fd_ = -1;
    std::thread thread_;
};

TEST(CountStream, APipeCountsAsTheReferenceWithAnyBlockSize) {
    std::mt19937_64 rng(7);
    std::string text;
    for (int i = 0; i < 300; ++i) {
        text += random_text(rng, 60);
    }
    for (const std::string needle : {"is", "", "\u00e9", "a"}) {
        const std::size_t expected = search_py(text, needle);
        for (const std::size_t block : {1U, 2U, 5U, 64U, 4096U, 0U}) {
            for (const bool parallel : {false, true}) {
                const pipe_writer writer(text, 1 + rng() % 700);
                gilsafe::input in = gilsafe::input::open(writer.path());
                ASSERT_FALSE(in.mappable());
                gilsafe::stream_options options;
                options.block_size = block;
                options.parallel = parallel;
                const gilsafe::stream_count got = [&] {
                    const py::gil_scoped_release no_gil;
                    return gilsafe::count_stream(in, needle, options);
                }();
                EXPECT_EQ(got.count, expected) << "block " << block << " needle " << needle;
                EXPECT_EQ(got.bytes, text.size());
            }
        }
    }
}

// An error in a stream that has not ended is reported as soon as it is read.
TEST(CountStream, InvalidUtf8IsReportedBeforeTheStreamEnds) {
    const std::string bytes = std::string(100000, 'a') + " is \xff more";
    const pipe_writer writer(bytes, 4096, /*keep_open=*/true);
    gilsafe::input in = gilsafe::input::open(writer.path());
    try {
        const py::gil_scoped_release no_gil;
        (void)gilsafe::count_stream(in, "is");
        FAIL() << "no error";
    } catch (const gilsafe::utf8_error& e) {
        EXPECT_EQ(e.offset(), 100004U);
    }
}

// A stop request ends a count that waits for data that never comes.
TEST(CountStream, StopsWhileWaitingForData) {
    const pipe_writer writer("is is", 5, /*keep_open=*/true);
    std::atomic<std::uint64_t> requests{0};
    gilsafe::input in = gilsafe::input::open(writer.path(), {&requests, 0});
    std::thread ctrl_c([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        requests.fetch_add(1);
    });
    const auto start = std::chrono::steady_clock::now();
    {
        const py::gil_scoped_release no_gil;
        EXPECT_THROW((void)gilsafe::count_stream(in, "is"), gilsafe::interrupted);
    }
    ctrl_c.join();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// With on_stop, a stop request is the caller's to decide, on its own thread: returning lets
// the count go on and lose nothing (the reader never stops by itself), throwing ends the
// count with that exception.
TEST(CountStream, OnStopDecidesWhetherTheCountGoesOn) {
    std::string text; // under a pipe's 64 KiB: the writer ends even if the count stops
    for (int i = 0; i < 20000; ++i) {
        text += "is ";
    }
    for (const bool go_on : {true, false}) {
        const pipe_writer writer(text, 4096);
        std::atomic<std::uint64_t> requests{1}; // a request before the first block
        gilsafe::input in = gilsafe::input::open(writer.path());
        gilsafe::stream_options options;
        options.block_size = 4096;
        options.stop = {&requests, 0};
        int calls = 0;
        options.on_stop = [&] {
            ++calls;
            if (!go_on) {
                throw std::runtime_error("stopped by on_stop");
            }
        };
        const py::gil_scoped_release no_gil;
        if (go_on) {
            const gilsafe::stream_count got = gilsafe::count_stream(in, "is", options);
            EXPECT_EQ(got.count, 20000U);
            EXPECT_EQ(got.bytes, text.size());
            EXPECT_EQ(calls, 1); // that request handled once
        } else {
            EXPECT_THROW((void)gilsafe::count_stream(in, "is", options), std::runtime_error);
            EXPECT_EQ(calls, 1);
        }
    }
}

} // namespace
