// app/deadlock_demo.hpp: the deadlock the guide warns about, and its fix
#pragma once

#include <cstddef>

namespace gil_demo {

/// The guide's deadlock, for real: the calling thread holds the GIL and runs two oneTBB
/// tasks that meet (so one runs on a worker) and then each take the GIL. The worker waits
/// for the GIL forever; the caller, holding it, waits for the worker's task forever.
/// Never returns once both tasks have met: run it only in a child process under
/// run_with_watchdog. Prints progress lines on standard output. Needs the GIL held.
void run_wrong_pattern();

/// The same two tasks with the GIL released around the parallel region (the guide's
/// allow_threads): returns the number of distinct threads that took the GIL. Needs the
/// GIL held.
std::size_t run_right_pattern();

} // namespace gil_demo
