// src/engine/reduce.cpp: the oneTBB reduction behind count_parallel and count_parallel_checked
#include "gilsafe/detail/threads.hpp"
#include "gilsafe/word_count.hpp"

#include "checked.hpp"
#include "kernels.hpp"
#include "range.hpp"

#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define GILSAFE_ANNOTATE_TASKS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#include <sanitizer/tsan_interface.h>
#define GILSAFE_ANNOTATE_TASKS 1
#endif
#endif

namespace gilsafe {
namespace {

// oneTBB (Debian's, not instrumented) orders every task of a parallel_reduce before its
// return with its own atomics, which ThreadSanitizer cannot see. A task reads the
// caller's stack (the text and needle, by reference), so once the caller's later frames
// reuse those bytes, TSan took the end of the tasks and the caller's writes for a race
// (a report on CountStream's pipeline test). Each task announces its end (also when it
// throws), and the caller takes them in after the reduction: TSan then sees the order
// oneTBB guarantees. Nothing at all in other builds.
class tasks_done {
public:
    class task_end {
    public:
        explicit task_end(tasks_done& done) : done_(done) {}
        task_end(const task_end&) = delete;
        task_end& operator=(const task_end&) = delete;
        ~task_end() { done_.release(); }

    private:
        tasks_done& done_;
    };

    void release() {
#ifdef GILSAFE_ANNOTATE_TASKS
        __tsan_release(this);
#endif
    }

    void acquire() {
#ifdef GILSAFE_ANNOTATE_TASKS
        __tsan_acquire(this);
#endif
    }
};

using detail::byte;
using detail::bytes_of;
using detail::separator_length_at;
using detail::stop_poll_bytes;

// A byte range of the text, split near its middle: right after a separator when one
// ends within cut_window bytes of it (a word then stays whole in one task), otherwise at
// the character boundary at or before the middle. The kernels are exact with any cut, so
// the search for a separator is bounded: it used to scan a quarter of the range byte by
// byte, and on a text without separators (80 MB of letters; base64, DNA and minified
// JSON are like it) the parallel count ran at 1.6 GB/s against 23 on one thread (issue 25).
//
// Under TSan each range is also a sync object (range_access): oneTBB hands a range to
// the thread that copies, splits or runs it only after the last one is done with it,
// through libtbb's uninstrumented spawn, steal and task-memory pool. Every access takes
// the range over and hands it on, so TSan sees that order, and through the chain of
// copies from the root range, the caller's writes (the text, the needle) before every
// task. The body's own accesses stay checked: it reads the range first, then works.
class text_range {
public:
    text_range(std::string_view text, std::size_t begin, std::size_t end, std::size_t grain)
        : text_(taken_over(this, text)), begin_(begin), end_(end),
          grain_(std::max<std::size_t>(grain, 8)) {
        handed_on(this);
    }

    text_range(const text_range& other)
        : text_(taken_over(this, other.taken_over())), begin_(other.begin_), end_(other.end_),
          grain_(other.grain_) {
        handed_on(this);
        handed_on(&other);
    }
    text_range& operator=(const text_range&) = delete;

    text_range(text_range& other, tbb::split)
        : text_(taken_over(this, other.taken_over())), begin_(other.cut_point()), end_(other.end_),
          grain_(other.grain_) {
        other.end_ = begin_;
        handed_on(this);
        handed_on(&other);
    }

    bool empty() const {
        const range_access mine(this);
        return begin_ >= end_;
    }
    bool is_divisible() const {
        const range_access mine(this);
        return end_ - begin_ >= 2 * grain_;
    }
    std::size_t begin() const {
        const range_access mine(this);
        return begin_;
    }
    std::size_t end() const {
        const range_access mine(this);
        return end_;
    }

private:
    // TSan: acquire the range before the first write or read of it (the member
    // initializers of a copy call these first), release it after the last.
    std::string_view taken_over() const {
#ifdef GILSAFE_ANNOTATE_TASKS
        __tsan_acquire(const_cast<text_range*>(this));
#endif
        return text_; // read after the acquire
    }
    static std::string_view taken_over([[maybe_unused]] const text_range* range,
                                       std::string_view text) {
#ifdef GILSAFE_ANNOTATE_TASKS
        __tsan_acquire(const_cast<text_range*>(range));
#endif
        return text;
    }
    static void handed_on([[maybe_unused]] const text_range* range) {
#ifdef GILSAFE_ANNOTATE_TASKS
        __tsan_release(const_cast<text_range*>(range));
#endif
    }

    // Takes the range over (TSan: acquire) and hands it on when the access ends (release).
    class range_access {
    public:
        explicit range_access(const text_range* range) : range_(range) {
#ifdef GILSAFE_ANNOTATE_TASKS
            __tsan_acquire(const_cast<text_range*>(range_));
#endif
        }
        range_access(const range_access&) = delete;
        range_access& operator=(const range_access&) = delete;
        ~range_access() {
#ifdef GILSAFE_ANNOTATE_TASKS
            __tsan_release(const_cast<text_range*>(range_));
#endif
        }

    private:
        const text_range* range_;
    };

    static constexpr std::size_t cut_window = 256;

    std::size_t cut_point() const {
        const byte* s = bytes_of(text_);
        const std::size_t n = text_.size();
        const std::size_t middle = begin_ + (end_ - begin_) / 2;
        const std::size_t limit = std::min(middle + cut_window, end_);
        for (std::size_t q = middle; q < limit; ++q) {
            const std::size_t len = separator_length_at(s, n, q);
            if (len != 0 && q + len < end_) {
                return q + len;
            }
        }
        // Back to a character's first byte: at most 3 steps (invalid text may have more
        // continuation bytes in a row; any cut is exact, this one is only tidier).
        std::size_t q = middle;
        for (int step = 0; step < 3 && q > begin_ + 1 && (s[q] & 0xc0) == 0x80; ++step) {
            --q;
        }
        return q;
    }

    std::string_view text_;
    std::size_t begin_;
    std::size_t end_;
    std::size_t grain_;
};

constexpr std::size_t default_min_parallel_size = std::size_t{256} << 10;

// The grain of a parallel count of `n` bytes, or 0 when it is better done on this thread.
std::size_t parallel_grain(std::size_t n, const parallel_options& options) {
    const std::size_t min_size =
        options.min_parallel_size != 0 ? options.min_parallel_size : default_min_parallel_size;
    const std::size_t concurrency = detail::usable_threads();
    if (n < min_size || concurrency < 2) {
        return 0;
    }
    // A few tasks per thread balance the load without paying for many tiny ones.
    return options.grain != 0 ? options.grain
                              : std::max<std::size_t>(n / (concurrency * 8), 64 << 10);
}

// parallel_reduce of `count(begin, end)` over separator-aligned ranges, each counted in
// slices with the stop signal polled in between (a throw makes oneTBB cancel the rest).
template <class Result, class Count, class Combine>
Result parallel_fold(std::string_view text, std::size_t begin, std::size_t end, std::size_t grain,
                     const stop_signal& stop, Count count, Combine combine) {
    tasks_done done;
    struct acquire_on_exit { // also when a task's exception comes out of the reduction
        tasks_done& done;
        ~acquire_on_exit() { done.acquire(); }
    } const acquire{done};
    return tbb::this_task_arena::isolate([&] {
        return tbb::parallel_reduce(
            text_range(text, begin, end, grain), Result{},
            [&](const text_range& r, Result acc) {
                // The range first: under TSan, reading it takes in what came before.
                const std::size_t first = r.begin();
                const std::size_t last = r.end();
                const tasks_done::task_end announce(done);
                for (std::size_t at = first; at < last; at += stop_poll_bytes) {
                    stop.throw_if_requested();
                    acc = combine(acc, count(at, std::min(last, at + stop_poll_bytes)));
                }
                return acc;
            },
            [&](Result left, const Result& right) {
                // Joins run after the tasks' ends, on any thread: announced as well.
                const tasks_done::task_end announce(done);
                return combine(left, right);
            });
    });
}

} // namespace

namespace detail {

std::size_t count_parallel_range(std::string_view text, const needle_ref& needle, std::size_t begin,
                                 std::size_t end, const parallel_options& options) {
    end = std::min(end, text.size());
    begin = std::min(begin, end);
    const std::size_t grain = parallel_grain(end - begin, options);
    if (grain == 0 || needle.matches_nothing) {
        return count_range_polled(text, needle, begin, end, options.stop);
    }
    return parallel_fold<std::size_t>(
        text, begin, end, grain, options.stop,
        [&](std::size_t from, std::size_t to) { return count_range(text, needle, from, to); },
        [](std::size_t a, std::size_t b) { return a + b; });
}

} // namespace detail

std::size_t count_parallel(std::string_view text, std::string_view needle,
                           const parallel_options& options) {
    return detail::count_parallel_range(text, detail::needle_ref(needle), 0, text.size(), options);
}

namespace detail {

checked_count count_parallel_checked_range(std::string_view text, const needle_ref& needle,
                                           std::size_t begin, std::size_t end,
                                           const parallel_options& options) {
    end = std::min(end, text.size());
    begin = std::min(begin, end);
    const std::size_t grain = parallel_grain(end - begin, options);
    if (grain == 0) {
        return count_checked_range(text, needle, begin, end);
    }
    return parallel_fold<checked_count>(
        text, begin, end, grain, options.stop,
        [&](std::size_t from, std::size_t to) {
            return count_checked_range(text, needle, from, to);
        },
        [](checked_count a, const checked_count& b) { return combine(a, b); });
}

} // namespace detail

checked_count count_parallel_checked(std::string_view text, std::string_view needle,
                                     const parallel_options& options) {
    if (parallel_grain(text.size(), options) == 0) {
        return count_sequential_checked(text, needle, options.stop);
    }
    return detail::count_parallel_checked_range(text, detail::needle_ref(needle), 0, text.size(),
                                                options);
}

} // namespace gilsafe
