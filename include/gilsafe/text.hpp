// include/gilsafe/text.hpp: inputs, read-only texts (mapped file, stream, string), UTF-8 checks
#pragma once

#include "gilsafe/errors.hpp"
#include "gilsafe/interrupt.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gilsafe {

class input;

namespace detail {
std::size_t read_some(input& in, char* buffer, std::size_t size, const stop_signal& stop,
                      const std::atomic<bool>* cancel);
} // namespace detail

/// A file opened for reading, not yet read: its descriptor and whether it can be
/// mapped. Opening never blocks (a FIFO without a writer opens at once; reads wait for
/// one), and every wait polls the stop signal.
class input {
public:
    /// Opens `path`; "-" is standard input (never closed). Throws input_error naming the
    /// file (its code() the errno of the call that failed) and `interrupted` when `stop`
    /// turns on while it waits.
    static input open(const std::string& path, const stop_signal& stop = {});

    input(input&& other) noexcept;
    input& operator=(input&& other) noexcept;
    input(const input&) = delete;
    input& operator=(const input&) = delete;
    ~input();

    /// A regular file whose size is not 0: its contents can be mapped. Anything else
    /// (a pipe, a terminal, a character device, a file of /proc whose size says 0) is a
    /// stream, read to its end.
    bool mappable() const { return mappable_; }
    /// The size a mappable file had when it was opened.
    std::size_t size() const { return size_; }
    /// The modification time (nanoseconds since the epoch) it had then.
    std::int64_t mtime_ns() const { return mtime_ns_; }
    int fd() const { return fd_; }
    const std::string& name() const { return name_; }
    const stop_signal& stop() const { return stop_; }

    /// Reads up to `size` bytes into `buffer`, waiting for data while polling stop();
    /// 0 means end of input. Throws input_error on a read error, `interrupted` on stop.
    /// The first read asks for at most 64 KiB, and each read that fills its request lets
    /// the next ask for twice as much: special files refuse large reads (a sysctl of
    /// /proc/sys fails one of 4 MiB with ENOMEM).
    std::size_t read_some(char* buffer, std::size_t size);

private:
    friend std::size_t detail::read_some(input& in, char* buffer, std::size_t size,
                                         const stop_signal& stop, const std::atomic<bool>* cancel);

    input() = default;
    void close() noexcept;

    int fd_ = -1;
    bool owned_ = false;
    bool mappable_ = false;
    std::size_t size_ = 0;
    std::int64_t mtime_ns_ = 0;
    std::size_t read_limit_ = std::size_t{64} << 10; // the most the next read asks for
    bool read_limit_fixed_ = false;                  // a large read failed: no growth
    std::string name_;
    stop_signal stop_;
};

/// A read-only text held whole: a mapped file, never copied, or a buffer.
///
/// Mapped files are guarded: if the file shrinks while it is read (a fault that would
/// end the process with SIGBUS), the missing pages read as zeros and throw_if_changed()
/// says so; it also reports a file that grew or was written meanwhile. The guard is a process-wide
/// SIGBUS handler, installed with the first map, in front of any earlier handler (which still hears
/// every fault outside gilsafe's maps).
class text {
public:
    /// No limit on what a stream may hold.
    static constexpr std::size_t unlimited = static_cast<std::size_t>(-1);

    /// Opens `path` ("-": standard input) and maps it, or reads it whole when it is a
    /// stream (see input::mappable). Throws input_error naming the file (its code() the
    /// errno of the call that failed), input_error with EFBIG when a stream holds more
    /// than `limit` bytes, `interrupted` when `stop` turns on while it waits or reads.
    static text open(const std::string& path, const stop_signal& stop = {},
                     std::size_t limit = unlimited);
    /// Maps `in`, or reads it whole (see open).
    static text from_input(input&& in, std::size_t limit = unlimited);
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
    /// Throws input_changed when the mapped file changed since it was opened: a read of
    /// the map faulted (the file shrank; those bytes read as zeros), or its size or its
    /// modification time now differ from the open's (it shrank, grew or was written).
    /// Call it after every use of view(), and before reporting what the bytes said (a
    /// character cut by zeros looks like invalid UTF-8). A change after this call is not
    /// the count's; one that leaves both size and time as they were (a write within the
    /// file system's timestamp tick of the open, then nothing else) goes unseen.
    void throw_if_changed() const;

private:
    text() = default;
    void release() noexcept;

    const char* data_ = nullptr;
    std::size_t size_ = 0;
    bool mapped_ = false;
    int fd_ = -1;               // a mapped file's descriptor, kept for the change check
    int guard_ = -1;            // its slot in the SIGBUS guard
    std::int64_t mtime_ns_ = 0; // its modification time at the open
    std::string owned_;
    std::string name_;
};

/// Offset of the first byte that is not part of well-formed UTF-8, or npos when the
/// whole view is valid (the rules of Python's decoder: no surrogates, no overlongs).
/// Polls `stop` every few megabytes (throws `interrupted`).
std::size_t find_invalid_utf8(std::string_view bytes, const stop_signal& stop = {});

/// Throws utf8_error "'NAME': invalid UTF-8 at byte N" unless `t` is valid UTF-8.
void require_utf8(const text& t, const stop_signal& stop = {});

/// The utf8_error that require_utf8 throws for `name` and `offset`; `from_offset`, the
/// text's bytes from the offset on, if the caller has them (up to 4 are kept).
utf8_error invalid_utf8(const std::string& name, std::size_t offset,
                        std::string_view from_offset = {});

} // namespace gilsafe
