// src/engine/stream.cpp: counts of streams, block by block with a carry, reading overlapped
#include "gilsafe/stream.hpp"

#include "io.hpp"
#include "kernels.hpp"
#include "range.hpp"
#include "utf8.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace gilsafe {
namespace {

constexpr std::size_t default_block = std::size_t{16} << 20;

// Where each window of a stream is counted and cut. A window is the carry of the window
// before plus new bytes; `base` is the stream offset of its first byte. A position counts
// when the field starting there equals the needle, which depends on the 3 bytes before it
// (the end of a separator) and the needle's length plus 3 after it (the needle, then the
// start of a separator): the counted positions stop that far before the window's end, and
// the carry keeps the 3 bytes before the first uncounted one. Validation stops before a
// character the window's end may cut short; the carry keeps that character too.
class window_cutter {
public:
    struct plan {
        std::size_t count_from; // positions [count_from, count_to) of the window are counted
        std::size_t count_to;
        std::size_t keep_from; // the next window starts with the bytes from here
    };

    window_cutter(std::size_t needle_size, bool check_utf8, std::string name)
        : lookahead_(needle_size + 3), check_utf8_(check_utf8), name_(std::move(name)) {}

    /// The plan for `window` (its first byte at base()); validates its new bytes.
    plan next(std::string_view window, bool at_end) {
        const std::size_t n = window.size();
        if (check_utf8_) {
            const std::size_t from = static_cast<std::size_t>(validated_ - base_);
            const std::size_t bad = detail::find_invalid_utf8_range(window, from, n);
            if (bad == std::string_view::npos) {
                validated_ = base_ + n;
            } else if (!at_end && bad + 4 > n) {
                validated_ = base_ + bad; // a character the next bytes may complete
            } else {
                throw invalid_utf8(name_, static_cast<std::size_t>(base_ + bad),
                                   window.substr(bad));
            }
        }
        const std::size_t from = static_cast<std::size_t>(counted_ - base_);
        std::size_t to = at_end ? n : (n > lookahead_ ? n - lookahead_ : 0);
        to = std::max(to, from);
        counted_ = base_ + to;
        std::size_t keep = at_end ? n : (to >= 3 ? to - 3 : 0);
        if (check_utf8_) {
            keep = std::min(keep, static_cast<std::size_t>(validated_ - base_));
        }
        return {from, to, keep};
    }

    /// The stream offset of the next window's first byte becomes base() + `keep_from`.
    void advance(std::size_t keep_from) { base_ += keep_from; }
    std::uint64_t base() const { return base_; }

private:
    std::size_t lookahead_;
    bool check_utf8_;
    std::string name_;
    std::uint64_t base_ = 0;      // stream offset of the window's first byte
    std::uint64_t counted_ = 0;   // positions before this one are counted
    std::uint64_t validated_ = 0; // characters before this one are valid
};

std::size_t count_window(std::string_view window, const detail::needle_ref& needle,
                         std::size_t from, std::size_t to, const stream_options& options) {
    if (options.parallel) {
        parallel_options p;
        p.stop = options.stop;
        return detail::count_parallel_range(window, needle, from, to, p);
    }
    return detail::count_range_polled(window, needle, from, to, options.stop);
}

} // namespace

// ---- stream_counter --------------------------------------------------------------------

struct stream_counter::state {
    std::string needle;
    detail::needle_ref checked_needle; // of `needle`: checked once, not per piece
    stream_options options;
    window_cutter cutter;
    std::string window; // the carry, then each piece appended
    stream_count total;

    state(std::string_view n, std::string name, const stream_options& o)
        : needle(n), checked_needle(needle), options(o),
          cutter(n.size(), o.check_utf8, std::move(name)) {}
    state(const state&) = delete; // checked_needle points into needle
    state& operator=(const state&) = delete;

    void step(bool at_end) {
        const window_cutter::plan p = cutter.next(window, at_end);
        total.count += count_window(window, checked_needle, p.count_from, p.count_to, options);
        window.erase(0, p.keep_from);
        cutter.advance(p.keep_from);
    }
};

stream_counter::stream_counter(std::string_view needle, std::string name,
                               const stream_options& options)
    : state_(std::make_unique<state>(needle, std::move(name), options)) {
}

stream_counter::stream_counter(stream_counter&&) noexcept = default;
stream_counter& stream_counter::operator=(stream_counter&&) noexcept = default;
stream_counter::~stream_counter() = default;

void stream_counter::feed(std::string_view piece) {
    state_->options.stop.throw_if_requested();
    state_->window.append(piece);
    state_->total.bytes += piece.size();
    state_->step(false);
}

stream_count stream_counter::finish() {
    state_->step(true);
    return state_->total;
}

// ---- count_stream ------------------------------------------------------------------------

namespace {

// One block of the pipeline: its bytes (carry first) and what to count in them.
struct block {
    std::unique_ptr<char[]> bytes; // not zero-filled: a short stream touches few pages
    std::size_t size = 0;
    window_cutter::plan plan{};
    bool last = false;
};

// The reader thread fills blocks (carry, then new bytes, validated and planned) and hands
// them to the counting thread; three blocks go round: one read, one waiting, one counted.
class block_pipeline {
public:
    block_pipeline(input& in, std::string_view needle, const stream_options& options)
        : in_(in), block_size_(options.block_size != 0 ? options.block_size : default_block),
          cutter_(needle.size(), options.check_utf8, in.name()) {
        for (block& b : blocks_) {
            b.bytes.reset(new char[block_size_ + needle.size() + 16]);
            free_.push_back(&b);
        }
        reader_ = std::thread([this] { read_all(); });
    }
    block_pipeline(const block_pipeline&) = delete;
    block_pipeline& operator=(const block_pipeline&) = delete;
    ~block_pipeline() {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            cancel_.store(true);
        }
        changed_.notify_all();
        reader_.join();
    }

    /// The next block to count; rethrows the reader's error. Calls `poll` (without the
    /// lock) every 50 ms while it waits: the caller's stop is looked at on its own thread.
    template <class Poll> block* next(Poll&& poll) {
        using namespace std::chrono_literals;
        std::unique_lock<std::mutex> lock(mutex_);
        while (!changed_.wait_for(lock, 50ms, [&] { return !full_.empty() || error_; })) {
            lock.unlock();
            poll();
            lock.lock();
        }
        if (!full_.empty()) {
            block* b = full_.front();
            full_.pop_front();
            return b;
        }
        std::rethrow_exception(error_);
    }

    void done_with(block* b) {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            free_.push_back(b);
        }
        changed_.notify_all();
    }

    std::uint64_t bytes() const { return bytes_; }

private:
    void read_all() {
        try {
            std::string carry;
            for (bool last = false; !last;) {
                block* b = take_free();
                if (b == nullptr) {
                    return; // cancelled
                }
                std::copy(carry.begin(), carry.end(), b->bytes.get());
                std::size_t size = carry.size();
                const std::size_t limit = carry.size() + block_size_;
                // Fill the block; hand it over early when the stream has nothing more now
                // (a slow writer's bytes, an error in them, are seen at once). The reader
                // stops only when cancelled: the counting thread looks at the stop signal.
                for (;;) {
                    const std::size_t got =
                        detail::read_some(in_, b->bytes.get() + size, limit - size, {}, &cancel_);
                    if (got == 0) {
                        last = true;
                        break;
                    }
                    size += got;
                    bytes_ += got;
                    if (size == limit || !detail::readable_now(in_)) {
                        break;
                    }
                }
                b->size = size;
                b->last = last;
                b->plan = cutter_.next({b->bytes.get(), size}, last);
                carry.assign(b->bytes.get() + b->plan.keep_from, size - b->plan.keep_from);
                cutter_.advance(b->plan.keep_from);
                {
                    const std::lock_guard<std::mutex> lock(mutex_);
                    full_.push_back(b);
                }
                changed_.notify_all();
            }
        } catch (...) {
            {
                const std::lock_guard<std::mutex> lock(mutex_);
                error_ = std::current_exception();
            }
            changed_.notify_all();
        }
    }

    block* take_free() {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return !free_.empty() || cancel_.load(); });
        if (cancel_.load()) {
            return nullptr;
        }
        block* b = free_.back();
        free_.pop_back();
        return b;
    }

    input& in_;
    std::size_t block_size_;
    window_cutter cutter_;
    block blocks_[3];
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<block*> free_;
    std::deque<block*> full_;
    std::exception_ptr error_;
    std::atomic<bool> cancel_{false};
    std::atomic<std::uint64_t> bytes_{0};
    std::thread reader_;
};

} // namespace

stream_count count_stream(input& in, std::string_view needle, const stream_options& options) {
    stream_options counting = options;
    if (counting.stop.counter == nullptr) {
        counting.stop = in.stop();
    }
    // With on_stop, a block is counted whole (a few milliseconds), so that nothing is lost
    // when on_stop lets the count go on; without it, a stop ends the count mid-block.
    stream_options block_options = counting;
    if (counting.on_stop) {
        block_options.stop = {};
    }
    const auto poll = [&] {
        if (!counting.stop.requested()) {
            return;
        }
        if (!counting.on_stop) {
            throw interrupted();
        }
        const std::uint64_t now = counting.stop.counter->load();
        counting.on_stop();
        counting.stop.seen = now;
    };
    block_pipeline pipeline(in, needle, counting);
    const detail::needle_ref checked_needle(needle); // once, not per block
    stream_count total;
    for (;;) {
        block* b = pipeline.next(poll);
        const std::string_view window(b->bytes.get(), b->size);
        total.count += count_window(window, checked_needle, b->plan.count_from, b->plan.count_to,
                                    block_options);
        const bool last = b->last;
        pipeline.done_with(b);
        if (last) {
            break;
        }
        poll();
    }
    total.bytes = pipeline.bytes();
    return total;
}

} // namespace gilsafe
