// app/threads.cpp: cap_threads and warm_up_threads
#include "threads.hpp"

#include "gilsafe/detail/threads.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace gil_demo {

std::unique_ptr<tbb::global_control> cap_threads(int threads) {
    if (threads <= 0) {
        return nullptr;
    }
    return std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                 static_cast<std::size_t>(threads));
}

void warm_up_threads() {
    const std::size_t threads = gilsafe::detail::usable_threads();
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

} // namespace gil_demo
