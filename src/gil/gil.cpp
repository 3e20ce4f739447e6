// src/gil/gil.cpp: evaluate_with_gil, the GIL-held guard and the spread of small inputs over
// threads
#include "gilsafe/gil.hpp"

#include "gilsafe/detail/threads.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

namespace py = pybind11;

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
    void rethrow_if_any() {
        std::exception_ptr e;
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            e = std::move(error_);
        }
        if (e) {
            std::rethrow_exception(e);
        }
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

gil_parallel_stats evaluate_with_gil(std::size_t n,
                                     const std::function<bool(std::size_t)>& predicate,
                                     std::vector<char>& out, const gil_parallel_options& options) {
    require_gil_released("evaluate_with_gil");
    out.assign(n, 0);
    if (n == 0) {
        return {};
    }
    const std::size_t threads = detail::usable_threads();
    const std::size_t grain = options.grain != 0
                                  ? options.grain
                                  : std::max<std::size_t>(1, (n + threads * 4 - 1) / (threads * 4));
    const std::size_t chunks = (n + grain - 1) / grain;
    meeting meet(options.spread ? std::min(threads, chunks) : 0, options.spread_timeout);

    tbb::task_group_context ctx;
    first_error error;
    std::atomic<std::size_t> acquisitions{0};
    tbb::enumerable_thread_specific<std::size_t> evaluated(0);

    auto run_chunk = [&](std::size_t begin, std::size_t end) {
        std::size_t& mine = evaluated.local();
        if (options.strategy == acquire_strategy::per_chunk) {
            const py::gil_scoped_acquire gil;
            acquisitions.fetch_add(1, std::memory_order_relaxed);
            for (std::size_t i = begin; i < end && !ctx.is_group_execution_cancelled(); ++i) {
                options.stop.throw_if_requested();
                out[i] = predicate(i) ? 1 : 0;
                ++mine;
            }
        } else {
            for (std::size_t i = begin; i < end && !ctx.is_group_execution_cancelled(); ++i) {
                options.stop.throw_if_requested();
                const py::gil_scoped_acquire gil;
                acquisitions.fetch_add(1, std::memory_order_relaxed);
                out[i] = predicate(i) ? 1 : 0;
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
    error.rethrow_if_any();

    gil_parallel_stats stats;
    stats.acquisitions = acquisitions.load();
    for (const std::size_t count : evaluated) {
        stats.threads_used += count != 0 ? 1U : 0U;
    }
    return stats;
}

} // namespace gilsafe
