// src/parallel.cpp: usable_threads
#include "gilsafe/parallel.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

namespace gilsafe {

std::size_t usable_threads() {
    const auto arena = static_cast<std::size_t>(tbb::this_task_arena::max_concurrency());
    const std::size_t cap =
        tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
    return std::max<std::size_t>(1, std::min(arena, cap));
}

void warm_up_threads() {
    const std::size_t threads = usable_threads();
    if (threads < 2) {
        return;
    }
    std::atomic<std::size_t> arrived{0};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, threads, 1),
        [&](const tbb::blocked_range<std::size_t>&) {
            arrived.fetch_add(1);
            while (arrived.load() < threads && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(std::chrono::microseconds(20));
            }
        },
        tbb::simple_partitioner());
}

} // namespace gilsafe
