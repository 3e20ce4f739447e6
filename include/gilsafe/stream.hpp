// include/gilsafe/stream.hpp: counting a text that arrives in pieces, in constant memory
#pragma once

#include "gilsafe/interrupt.hpp"
#include "gilsafe/text.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace gilsafe {

/// How a stream is counted.
struct stream_options {
    /// Count each block with count_parallel's ranges (otherwise on the calling thread).
    bool parallel = true;
    /// Check the UTF-8 as it arrives: utf8_error at the first invalid byte's offset in the
    /// whole stream, as soon as the bytes that show it are read.
    bool check_utf8 = true;
    /// Bytes read per block; 0 picks the default (16 MiB). count_stream holds at most three
    /// blocks, plus a carry of about the needle's length.
    std::size_t block_size = 0;
    /// Polled while waiting for data and between blocks (and between ranges, without
    /// on_stop): throws `interrupted`, or calls on_stop.
    stop_signal stop;
    /// What count_stream does when `stop` turns on, if set: it calls this on the calling
    /// thread, between two blocks or while it waits for data, with no block half counted.
    /// It throws to end the count with its exception, or returns to let it go on (that
    /// request is then handled: `stop` turns on again at the next one).
    std::function<void()> on_stop;
};

/// What a stream gave.
struct stream_count {
    std::size_t count = 0;
    std::uint64_t bytes = 0;
};

/// search_py over a text fed in pieces of any size: a line break (\r\n, U+2028, ...), a
/// character or a word may be split between two pieces, and the count is still exact.
/// It keeps only a carry of about the needle's length between pieces.
class stream_counter {
public:
    /// `name` is what utf8_error messages call the stream.
    stream_counter(std::string_view needle, std::string name, const stream_options& options = {});
    stream_counter(stream_counter&&) noexcept;
    stream_counter& operator=(stream_counter&&) noexcept;
    ~stream_counter();

    /// Counts what `piece` settles. Throws utf8_error (its offset in the whole stream) once
    /// the bytes fed show an invalid character; `interrupted` on stop.
    void feed(std::string_view piece);
    /// The end of the text: counts the rest and returns the total. Throws utf8_error for a
    /// character the end cuts short.
    stream_count finish();

private:
    struct state;
    std::unique_ptr<state> state_;
};

/// Reads `in` to its end (even a mappable file) and counts it block by block: one block
/// is read while the blocks before it are counted, so a pipe or a device costs no more
/// than its reading. Memory stays under four blocks whatever the stream's size. Throws
/// input_error on a read error, utf8_error as in stream_counter, `interrupted` when
/// options.stop turns on (also while waiting for data) and options.on_stop is not set.
/// options.stop defaults to in.stop().
stream_count count_stream(input& in, std::string_view needle, const stream_options& options = {});

} // namespace gilsafe
