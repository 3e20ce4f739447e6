// include/gilsafe/detail/threads.hpp: how many threads oneTBB will really run here
#pragma once

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cstddef>

namespace gilsafe::detail {

/// Threads a parallel algorithm started from here can use: the current arena's
/// concurrency, capped by any tbb::global_control in force.
inline std::size_t usable_threads() {
    const auto arena = static_cast<std::size_t>(tbb::this_task_arena::max_concurrency());
    const std::size_t cap =
        tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
    return std::max<std::size_t>(1, std::min(arena, cap));
}

} // namespace gilsafe::detail
