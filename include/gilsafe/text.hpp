// include/gilsafe/text.hpp: read-only texts (memory-mapped file, stdin, string) and UTF-8 checks
#pragma once

#include "gilsafe/interrupt.hpp"

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace gilsafe {

/// An error in the input the user named (exit code 1 in the CLI).
class input_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A read-only text. Files are memory-mapped, never copied; standard input is read
/// into a buffer (a pipe cannot be mapped) unless it is a regular file.
class text {
public:
    /// Maps `path`; "-" reads standard input. Throws input_error naming the file.
    static text open(const std::string& path);
    /// Owns `contents`; `name` is what error messages call it.
    static text from_string(std::string contents, std::string name);

    text(text&& other) noexcept;
    text& operator=(text&& other) noexcept;
    text(const text&) = delete;
    text& operator=(const text&) = delete;
    ~text();

    std::string_view view() const { return {data_, size_}; }
    /// Maps every page of a mapped file now, a slice at a time (polling `stop`), so that
    /// no timed count pays for page faults; the file's pages stay the kernel's cache.
    void prefault(const stop_signal& stop = {}) const;
    const std::string& name() const { return name_; }
    bool is_mapped() const { return mapped_; }

private:
    text() = default;
    static text map_fd(int fd, std::string name);
    void release() noexcept;

    const char* data_ = nullptr;
    std::size_t size_ = 0;
    bool mapped_ = false;
    std::string owned_;
    std::string name_;
};

/// Offset of the first byte that is not part of well-formed UTF-8, or npos when the
/// whole view is valid (the rules of Python's decoder: no surrogates, no overlongs).
/// Polls `stop` every few megabytes (throws `interrupted`).
std::size_t find_invalid_utf8(std::string_view bytes, const stop_signal& stop = {});

/// The first invalid offset among the characters that start in [begin, end) of `bytes`,
/// or npos. It reads around the range, so checking the parts of any cut of a text and
/// taking the smallest answer gives find_invalid_utf8 of the whole.
std::size_t find_invalid_utf8_range(std::string_view bytes, std::size_t begin, std::size_t end);

/// Throws input_error "'NAME': invalid UTF-8 at byte N" unless `t` is valid UTF-8.
void require_utf8(const text& t, const stop_signal& stop = {});

/// The guide's benchmark corpus: a newline and the Zen of Python, `scale` times.
std::string zen_corpus(std::size_t scale = 1000);

/// The Zen of Python as `import this` prints it, without the final newline.
std::string_view zen_of_python();

} // namespace gilsafe
