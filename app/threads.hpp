// app/threads.hpp: gil_demo's control of oneTBB's threads: the --threads cap and the warm-up
#pragma once

#include <oneapi/tbb/global_control.h>

#include <memory>

namespace gil_demo {

/// Caps oneTBB at `threads` threads while the result lives (`--threads N`); 0: no cap.
std::unique_ptr<tbb::global_control> cap_threads(int threads);

/// Starts oneTBB's worker threads now (one short task per thread, meeting for at most
/// 100 ms), so that the first timed parallel call does not pay for creating them.
void warm_up_threads();

} // namespace gil_demo
