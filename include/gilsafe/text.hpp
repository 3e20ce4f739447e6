// include/gilsafe/text.hpp: read-only texts (memory-mapped file, stdin, string) and UTF-8 checks
#pragma once

#include "gilsafe/errors.hpp"
#include "gilsafe/interrupt.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace gilsafe {

/// A read-only text. Files are memory-mapped, never copied; standard input is read
/// into a buffer (a pipe cannot be mapped) unless it is a regular file.
class text {
public:
    /// Maps `path`; "-" reads standard input. Throws input_error naming the file, its
    /// code() the errno of the call that failed.
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
    /// Throws input_changed when the mapped file shrank while it was read (a read of the
    /// map faulted: gilsafe turns SIGBUS on its maps into zero pages and remembers it) or
    /// its size is no longer the mapped size. Call it after every use of view().
    void throw_if_changed() const;
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

/// Throws utf8_error "'NAME': invalid UTF-8 at byte N" unless `t` is valid UTF-8.
void require_utf8(const text& t, const stop_signal& stop = {});

/// The utf8_error that require_utf8 throws for `name` and `offset`.
utf8_error invalid_utf8(const std::string& name, std::size_t offset);

} // namespace gilsafe
