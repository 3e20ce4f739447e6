// include/gilsafe/parallel.hpp: how many threads oneTBB will really run here
#pragma once

#include <cstddef>

namespace gilsafe {

/// Threads a parallel algorithm started from here can use: the current arena's
/// concurrency, capped by any tbb::global_control (as `--threads N` sets).
std::size_t usable_threads();

/// Starts oneTBB's worker threads now (one short task per thread, meeting for at most
/// 100 ms), so that the first timed parallel call does not pay for creating them.
void warm_up_threads();

} // namespace gilsafe
