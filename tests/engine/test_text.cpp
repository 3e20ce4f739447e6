// tests/engine/test_text.cpp: texts and their errors: the type, the errno and the offset a caller
// can act on
#include "gilsafe/errors.hpp"
#include "gilsafe/text.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>

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

} // namespace
