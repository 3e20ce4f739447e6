// tests/engine/test_text.cpp: texts and their errors: the type, the errno and the offset a caller
// can act on
#include "gilsafe/errors.hpp"
#include "gilsafe/text.hpp"

#include <gtest/gtest.h>

#include "gilsafe/stream.hpp"
#include "gilsafe/word_count.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <system_error>
#include <thread>

namespace {

// A file in the build tree's temporary directory, removed when the test ends.
class temp_file {
public:
    explicit temp_file(const std::string& contents) {
        char name[] = "/tmp/gilsafe_test_text_XXXXXX";
        const int fd = ::mkstemp(name);
        EXPECT_GE(fd, 0);
        path_ = name;
        EXPECT_EQ(::write(fd, contents.data(), contents.size()),
                  static_cast<ssize_t>(contents.size()));
        ::close(fd);
    }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    ~temp_file() { std::remove(path_.c_str()); }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

TEST(Text, MissingFileIsAnInputErrorWithItsErrno) {
    try {
        (void)gilsafe::text::open("/nonexistent/gilsafe/file.txt");
        FAIL() << "no error";
    } catch (const gilsafe::input_error& e) {
        EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
        EXPECT_STREQ(e.what(), "cannot open '/nonexistent/gilsafe/file.txt': no such file");
    }
}

TEST(Text, DirectoryIsAnInputErrorWithEisdir) {
    try {
        (void)gilsafe::text::open("/tmp");
        FAIL() << "no error";
    } catch (const gilsafe::input_error& e) {
        EXPECT_EQ(e.code(), std::errc::is_a_directory);
        EXPECT_STREQ(e.what(), "cannot read '/tmp': is a directory");
    }
}

TEST(Text, MappedFileReadsBackExactly) {
    const temp_file file("is a\r\nis\xe2\x80\xa8is");
    const gilsafe::text t = gilsafe::text::open(file.path());
    EXPECT_TRUE(t.is_mapped());
    EXPECT_EQ(t.view(), "is a\r\nis\xe2\x80\xa8is");
    EXPECT_EQ(t.name(), file.path());
}

TEST(Text, InvalidUtf8IsAUtf8ErrorWithItsOffset) {
    const temp_file file("abc\xe2\x80xyz");
    const gilsafe::text t = gilsafe::text::open(file.path());
    try {
        gilsafe::require_utf8(t);
        FAIL() << "no error";
    } catch (const gilsafe::utf8_error& e) {
        EXPECT_EQ(e.offset(), 3U);
        EXPECT_EQ(e.code(), std::errc::illegal_byte_sequence);
        EXPECT_EQ(std::string(e.what()), "'" + file.path() + "': invalid UTF-8 at byte 3");
    }
}

TEST(Text, ValidUtf8PassesTheCheck) {
    const gilsafe::text t = gilsafe::text::from_string("\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80", "s");
    EXPECT_NO_THROW(gilsafe::require_utf8(t));
    EXPECT_FALSE(t.is_mapped());
}

// /proc's files say their size is 0; their contents are read, not mapped (as empty).
TEST(Text, SizeZeroFilesAreReadAsStreams) {
    struct stat st {};
    ASSERT_EQ(::stat("/proc/self/status", &st), 0);
    ASSERT_EQ(st.st_size, 0);
    const gilsafe::text t = gilsafe::text::open("/proc/self/status");
    EXPECT_FALSE(t.is_mapped());
    EXPECT_NE(t.view().find("Name:"), std::string_view::npos);
    EXPECT_GT(gilsafe::count_sequential(t.view(), ""), 10U); // a few empty fields per line
}

// A stream read whole stops at its limit with EFBIG instead of growing without end.
TEST(Text, AStreamOverItsLimitIsAnInputErrorWithEfbig) {
    try {
        (void)gilsafe::text::open("/dev/zero", {}, 1U << 20);
        FAIL() << "no error";
    } catch (const gilsafe::input_error& e) {
        EXPECT_EQ(e.code(), std::errc::file_too_large);
        EXPECT_NE(std::string(e.what()).find("'/dev/zero' holds more than 1048576 bytes"),
                  std::string::npos);
    }
}

// A FIFO without a writer opens at once, and its read stops when the stop signal turns
// on (the path Ctrl-C takes in gil_demo).
TEST(Input, AFifoWithoutAWriterOpensAtOnceAndItsReadStopsOnRequest) {
    char dir[] = "/tmp/gilsafe_test_fifo_XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    const std::string fifo = std::string(dir) + "/f";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::atomic<std::uint64_t> requests{0};
    const gilsafe::stop_signal stop{&requests, 0};
    gilsafe::input in = gilsafe::input::open(fifo, stop);
    EXPECT_FALSE(in.mappable());
    std::thread ctrl_c([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        requests.fetch_add(1);
    });
    const auto start = std::chrono::steady_clock::now();
    char buffer[16];
    EXPECT_THROW((void)in.read_some(buffer, sizeof buffer), gilsafe::interrupted);
    ctrl_c.join();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    std::remove(fifo.c_str());
    ::rmdir(dir);
}

// count_stream's reader thread and counting thread hand blocks over (ThreadSanitizer runs
// this suite): a pipe fed by a third thread counts as the whole text does.
TEST(CountStream, APipeThroughTheBlockPipelineCountsAsTheWholeText) {
    std::string text;
    for (int i = 0; i < 20000; ++i) {
        text += "is a\r\nis\xe2\x80\xa8is  \xc3\xa9is is\n";
    }
    for (const std::size_t block : {std::size_t{61}, std::size_t{4096}, std::size_t{0}}) {
        int fds[2];
        ASSERT_EQ(::pipe(fds), 0);
        std::thread writer([&] {
            for (std::size_t at = 0; at < text.size(); at += 1000) {
                const std::size_t len = std::min<std::size_t>(1000, text.size() - at);
                if (::write(fds[1], text.data() + at, len) != static_cast<ssize_t>(len)) {
                    break;
                }
            }
            ::close(fds[1]);
        });
        gilsafe::input in = gilsafe::input::open("/dev/fd/" + std::to_string(fds[0]));
        gilsafe::stream_options options;
        options.block_size = block;
        const gilsafe::stream_count got = gilsafe::count_stream(in, "is", options);
        writer.join();
        ::close(fds[0]);
        EXPECT_EQ(got.count, gilsafe::count_sequential(text, "is")) << "block " << block;
        EXPECT_EQ(got.bytes, text.size());
    }
}

// A mapped file cut short while it is read: the missing bytes read as zeros on any
// thread (no SIGBUS death), and throw_if_changed() reports it.
TEST(Text, AFileThatShrinksUnderItsMapIsReportedNotFatal) {
    std::string contents;
    for (std::size_t i = 0; i < (std::size_t{4} << 20); ++i) {
        contents += "x ";
    }
    const temp_file file(contents);
    const gilsafe::text t = gilsafe::text::open(file.path());
    ASSERT_TRUE(t.is_mapped());
    EXPECT_NO_THROW(t.throw_if_changed());
    ASSERT_EQ(::truncate(file.path().c_str(), 4096), 0);
    // Every thread of a parallel count reads the vanished pages.
    gilsafe::parallel_options all;
    all.min_parallel_size = 1;
    EXPECT_EQ(gilsafe::count_parallel(t.view(), "x", all), 2048U); // the bytes that are left
    EXPECT_EQ(t.view()[4094], 'x');
    EXPECT_EQ(t.view()[4096], '\0');
    EXPECT_EQ(t.view().back(), '\0');
    try {
        t.throw_if_changed();
        FAIL() << "no error";
    } catch (const gilsafe::input_changed& e) {
        EXPECT_EQ(std::string(e.what()), "'" + file.path() + "' changed while being read");
        EXPECT_EQ(e.code(), std::errc::io_error);
    }
    // A new map of the same file starts clean.
    const gilsafe::text again = gilsafe::text::open(file.path());
    EXPECT_EQ(again.view().size(), 4096U);
    EXPECT_NO_THROW(again.throw_if_changed());
}

// A file that shrank before any read faulted is still reported (its size is checked).
TEST(Text, AFileSmallerThanItsMapIsReportedEvenWithoutAFault) {
    const temp_file file(std::string(100000, 'y'));
    const gilsafe::text t = gilsafe::text::open(file.path());
    ASSERT_EQ(::truncate(file.path().c_str(), 99999), 0);
    EXPECT_THROW(t.throw_if_changed(), gilsafe::input_changed);
}

// A file that grew after it was mapped: the map holds the size of the open, so its count
// would silently miss the new bytes.
TEST(Text, AFileThatGrowsUnderItsMapIsReportedChanged) {
    const temp_file file(std::string(100000, 'y'));
    const gilsafe::text t = gilsafe::text::open(file.path());
    EXPECT_NO_THROW(t.throw_if_changed());
    std::FILE* f = std::fopen(file.path().c_str(), "ab");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fputs(" is", f), 1);
    ASSERT_EQ(std::fclose(f), 0);
    try {
        t.throw_if_changed();
        FAIL() << "no error";
    } catch (const gilsafe::input_changed& e) {
        EXPECT_EQ(std::string(e.what()), "'" + file.path() + "' changed while being read");
    }
}

// Bytes rewritten in place (the size unchanged) show in the modification time.
TEST(Text, AFileWrittenInPlaceUnderItsMapIsReportedChanged) {
    const temp_file file(std::string(100000, 'y'));
    const struct timespec long_ago[2] = {{1, 0}, {1, 0}}; // not the write's timestamp tick
    ASSERT_EQ(::utimensat(AT_FDCWD, file.path().c_str(), long_ago, 0), 0);
    const gilsafe::text t = gilsafe::text::open(file.path());
    EXPECT_NO_THROW(t.throw_if_changed());
    const int fd = ::open(file.path().c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, "is", 2, 500), 2);
    ::close(fd);
    EXPECT_THROW(t.throw_if_changed(), gilsafe::input_changed);
}

} // namespace
