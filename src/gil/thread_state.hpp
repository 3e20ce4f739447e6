// src/gil/thread_state.hpp: taking the GIL on any thread, with kept thread states and a safe
// shutdown
#pragma once

#include "gilsafe/gil.hpp"

#include <Python.h>

#include <cstdint>

namespace gilsafe::detail {

/// What every acquisition of one parallel region shares, fixed by its caller.
struct region_context {
    PyInterpreterState* interp = nullptr;
    thread_state_policy policy = thread_state_policy::persistent;
    /// The region was started by the thread that runs the interpreter's shutdown (an
    /// atexit handler): it may still take the GIL once the others may not.
    bool from_shutdown_thread = false;
};

/// The caller's side of a region: which interpreter, which policy. Any GIL state.
region_context begin_region(thread_state_policy policy);

/// The GIL held by the calling thread for the object's life. On a thread with a Python
/// thread state (the caller's, a Python thread's, a worker's kept one) it uses that
/// state; on a oneTBB worker without one, the policy decides: a kept state, or
/// pybind11-style create-and-delete. Throws interpreter_shutdown instead of taking the GIL
/// once the interpreter has begun shutting down. Releasing never blocks.
class gil_hold {
public:
    explicit gil_hold(const region_context& region);
    gil_hold(const gil_hold&) = delete;
    gil_hold& operator=(const gil_hold&) = delete;
    ~gil_hold();

private:
    void release() noexcept;

    PyThreadState* state_ = nullptr;
    bool transient_ = false;
};

/// Registers the interpreter's atexit hook of the shutdown protocol (once per
/// interpreter). Needs the GIL.
void install_shutdown_hook();

/// True once the interpreter has begun shutting down for this region (its atexit hook
/// ran and the region is not the shutdown thread's, or it is finalizing or gone): the
/// region's work should stop.
bool shutdown_requested(const region_context& region);

/// Kept thread states created so far in this process (all interpreters): for tests.
std::uint64_t kept_states_created();

} // namespace gilsafe::detail
