// app/deadlock_demo.cpp: two oneTBB tasks that take the GIL, with and without releasing it first
#include "deadlock_demo.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>
#include <pybind11/pybind11.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

namespace py = pybind11;

namespace gil_demo {
namespace {

// Runs two tasks on two threads (they wait for each other before going on, bounded by
// a generous deadline), each of which takes the GIL. Returns the threads that took it.
std::size_t two_tasks_taking_the_gil() {
    // Two threads even on a one-core machine: the deadlock needs a real worker.
    const tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
    tbb::task_arena arena(2);
    std::atomic<int> arrived{0};
    std::mutex mutex;
    std::set<std::thread::id> threads;
    arena.execute([&] {
        tbb::parallel_for(
            tbb::blocked_range<int>(0, 2, 1),
            [&](const tbb::blocked_range<int>&) {
                arrived.fetch_add(1);
                const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
                while (arrived.load() < 2 && std::chrono::steady_clock::now() < deadline) {
                    std::this_thread::sleep_for(std::chrono::microseconds(50));
                }
                const py::gil_scoped_acquire gil;
                const std::lock_guard<std::mutex> lock(mutex);
                threads.insert(std::this_thread::get_id());
            },
            tbb::simple_partitioner());
    });
    return threads.size();
}

} // namespace

void run_wrong_pattern() {
    std::printf("wrong: the main thread holds the GIL and starts two tasks that need it\n");
    std::fflush(stdout);
    two_tasks_taking_the_gil(); // the guide's bug: no allow_threads around it
    std::printf("wrong: finished (no deadlock: the worker never needed the GIL?)\n");
    std::fflush(stdout);
}

std::size_t run_right_pattern() {
    std::printf("right: the main thread releases the GIL, then starts the same two tasks\n");
    std::fflush(stdout);
    std::size_t threads = 0;
    {
        const py::gil_scoped_release released; // the guide's allow_threads
        threads = two_tasks_taking_the_gil();
    }
    std::printf("right: finished: %zu threads each took the GIL in turn\n", threads);
    std::fflush(stdout);
    return threads;
}

} // namespace gil_demo
