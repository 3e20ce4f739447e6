// src/gil/gil.cpp: parallel regions whose workers take the GIL, the GIL-held guard, the spread of
// small inputs
#include "gilsafe/gil.hpp"

#include "gilsafe/detail/threads.hpp"
#include "thread_state.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

namespace gilsafe {
namespace {

// The first exception of a parallel region, kept until the caller rethrows it. The
// exception object (a py::error_already_set holds its Python error by reference) is
// released wherever the last std::exception_ptr goes: in the caller, never on a worker.
class first_error {
public:
    void record(std::exception_ptr e) {
        const std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) {
            error_ = std::move(e);
        }
    }
    std::exception_ptr take() {
        const std::lock_guard<std::mutex> lock(mutex_);
        return std::move(error_);
    }

private:
    std::mutex mutex_;
    std::exception_ptr error_;
};

// The first `expected` chunks to start wait here for each other. A waiting thread runs
// no other task, so they are on `expected` distinct threads. Bounded: a thread that never
// comes (a busy pool) costs at most `timeout`, and a cancelled region stops waiting.
class meeting {
public:
    meeting(std::size_t expected, std::chrono::milliseconds timeout)
        : expected_(expected), deadline_(std::chrono::steady_clock::now() + timeout) {}

    void arrive(tbb::task_group_context& ctx) {
        if (arrived_.fetch_add(1) >= expected_) {
            return;
        }
        auto pause = std::chrono::microseconds(1);
        while (arrived_.load() < expected_ && !ctx.is_group_execution_cancelled() &&
               std::chrono::steady_clock::now() < deadline_) {
            std::this_thread::sleep_for(pause);
            pause = std::min(pause * 2, std::chrono::microseconds(200));
        }
    }

private:
    std::size_t expected_;
    std::chrono::steady_clock::time_point deadline_;
    std::atomic<std::size_t> arrived_{0};
};

// Between two elements: Ctrl-C, or an interpreter that began shutting down.
void check_stop(const gil_options& options, const detail::region_context& region) {
    options.stop.throw_if_requested();
    if (detail::shutdown_requested(region)) {
        throw interpreter_shutdown();
    }
}

// The region itself; the caller does not hold the GIL.
gil_stats run_region(std::size_t n, const detail::index_function& fn, const gil_options& options,
                     const detail::region_context& region) {
    if (n == 0) {
        return {};
    }
    const std::size_t threads = detail::usable_threads();
    const std::size_t grain = options.grain != 0
                                  ? options.grain
                                  : std::max<std::size_t>(1, (n + threads * 4 - 1) / (threads * 4));
    const std::size_t chunks = (n + grain - 1) / grain;
    // Inside another region's callback the other threads are busy with the outer work:
    // nobody would come to the meeting.
    meeting meet(options.spread && !region.nested ? std::min(threads, chunks) : 0,
                 options.spread_timeout);

    tbb::task_group_context ctx;
    first_error error;
    std::atomic<std::size_t> acquisitions{0};
    tbb::enumerable_thread_specific<std::size_t> evaluated(0);

    auto run_chunk = [&](std::size_t begin, std::size_t end) {
        std::size_t& mine = evaluated.local();
        if (options.strategy == acquire_strategy::per_chunk) {
            check_stop(options, region);
            const detail::gil_hold gil(region);
            acquisitions.fetch_add(1, std::memory_order_relaxed);
            for (std::size_t i = begin; i < end && !ctx.is_group_execution_cancelled(); ++i) {
                check_stop(options, region);
                fn(i);
                ++mine;
            }
        } else {
            for (std::size_t i = begin; i < end && !ctx.is_group_execution_cancelled(); ++i) {
                check_stop(options, region);
                const detail::gil_hold gil(region);
                acquisitions.fetch_add(1, std::memory_order_relaxed);
                fn(i);
                ++mine;
            }
        }
    };

    tbb::this_task_arena::isolate([&] {
        tbb::parallel_for(
            tbb::blocked_range<std::size_t>(0, chunks, 1),
            [&](const tbb::blocked_range<std::size_t>& r) {
                for (std::size_t c = r.begin(); c != r.end(); ++c) {
                    if (ctx.is_group_execution_cancelled()) {
                        return;
                    }
                    meet.arrive(ctx);
                    try {
                        run_chunk(c * grain, std::min(n, (c + 1) * grain));
                    } catch (...) {
                        error.record(std::current_exception());
                        ctx.cancel_group_execution();
                        return;
                    }
                }
            },
            tbb::simple_partitioner(), ctx);
    });
    if (std::exception_ptr e = error.take()) {
        std::rethrow_exception(e);
    }
    // Each element checks before it starts: a Ctrl-C that came while the last ones ran
    // (a predicate that runs to its end) is seen here, never lost to a normal return.
    options.stop.throw_if_requested();

    gil_stats stats;
    stats.acquisitions = acquisitions.load();
    for (const std::size_t count : evaluated) {
        stats.threads_used += count != 0 ? 1U : 0U;
    }
    return stats;
}

} // namespace

bool gil_held_by_this_thread() {
    return Py_IsInitialized() != 0 && PyGILState_Check() != 0;
}

void require_gil_released(const char* where) {
    if (gil_held_by_this_thread()) {
        throw gil_held_error(std::string(where) +
                             ": called with the GIL held; release it first "
                             "(py::gil_scoped_release), or the workers waiting for it deadlock");
    }
}

const char* strategy_name(acquire_strategy s) {
    return s == acquire_strategy::per_item ? "per-item" : "per-chunk";
}

const char* thread_state_name(thread_state_policy p) {
    return p == thread_state_policy::per_acquire ? "per-acquire" : "persistent";
}

namespace detail {

gil_stats parallel_for_with_gil(std::size_t n, const index_function& fn,
                                const gil_options& options) {
    const region_context region = begin_region(options.thread_state);
    if (!gil_held_by_this_thread()) {
        return run_region(n, fn, options, region);
    }
    // The guide's allow_threads: the caller's GIL released for the region, taken back in
    // plain code after it (never in a destructor: see restore_thread).
    const saved_thread saved = save_thread();
    gil_stats stats;
    std::exception_ptr error;
    try {
        stats = run_region(n, fn, options, region);
    } catch (...) {
        error = std::current_exception();
    }
    restore(saved);
    if (error) {
        std::rethrow_exception(error);
    }
    return stats;
}

} // namespace detail

gil_stats evaluate_with_gil(std::size_t n, const std::function<bool(std::size_t)>& predicate,
                            std::vector<char>& out, const gil_options& options) {
    require_gil_released("evaluate_with_gil");
    out.assign(n, 0);
    auto at_index = [&](std::size_t i) { out[i] = predicate(i) ? 1 : 0; };
    return run_region(n, detail::index_function(at_index), options,
                      detail::begin_region(options.thread_state));
}

namespace detail {
// Kept for the process's life (oneTBB reads it whenever it starts a worker). External
// linkage: the store is never optimized away, so leak checkers see the object in use.
extern tbb::global_control* python_stack_control;
tbb::global_control* python_stack_control = nullptr;
} // namespace detail

std::size_t reserve_python_stack() {
    // A Python thread gets the pthread default, which is RLIMIT_STACK's soft limit on
    // Linux (8 MiB unless changed); never less than that for a worker running Python.
    static const std::size_t reserved = [] {
        std::size_t size = std::size_t{8} << 20;
        struct rlimit limit {};
        if (::getrlimit(RLIMIT_STACK, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
            limit.rlim_cur > size) {
            size = static_cast<std::size_t>(limit.rlim_cur);
        }
        detail::python_stack_control =
            new tbb::global_control(tbb::global_control::thread_stack_size, size);
        return size;
    }();
    return std::max(reserved,
                    tbb::global_control::active_value(tbb::global_control::thread_stack_size));
}

} // namespace gilsafe
