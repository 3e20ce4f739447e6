// src/gil/thread_state.hpp: taking the GIL on any thread, with kept thread states and a safe
// shutdown
#pragma once

#include "gilsafe/gil.hpp"

#include <Python.h>

#include <cstdint>
#include <thread>

namespace gilsafe::detail {

/// What every acquisition of one parallel region shares, fixed by its caller.
struct region_context {
    PyInterpreterState* interp = nullptr;
    thread_state_policy policy = thread_state_policy::persistent;
    /// The interpreter lifetime the region belongs to: never another's.
    std::uint64_t generation = 0;
    /// The thread that started it (it keeps no state of gilsafe's making).
    std::thread::id caller;
    /// Started inside another region's callback.
    bool nested = false;
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
/// interpreter; nothing once it is finalizing), importing `threading` first on this
/// thread when asked (a Python thread or the host's main thread, never a worker). Needs
/// the GIL.
void install_shutdown_hook(bool import_threading = true);

/// True while the calling thread runs a region's callback (holds a gil_hold).
bool inside_callback();

/// A thread's GIL released by save_thread, for restore.
struct saved_thread {
    PyThreadState* state = nullptr;
    /// It held the GIL while the interpreter was finalizing: the finalizing thread.
    bool finalizing_thread = false;
    /// The interpreter lifetime it was saved in (0: unknown). Never restored in another.
    std::uint64_t generation = 0;
};

/// PyEval_SaveThread, noting whether this is the finalizing thread. Needs the GIL.
saved_thread save_thread();

/// The GIL back (restore_thread's rules; the finalizing thread and a thread inside a
/// callback get it back while their interpreter lives). A thread saved in an interpreter
/// that has been finalized since never gets it back, even once a new one runs: it blocks.
void restore(const saved_thread& saved);

/// True once the interpreter has begun shutting down for this region (its atexit hook
/// ran and the region is not the shutdown thread's, or it is finalizing or gone): the
/// region's work should stop.
bool shutdown_requested(const region_context& region);

/// Kept thread states created so far in this process (all interpreters): for tests.
std::uint64_t kept_states_created();

} // namespace gilsafe::detail
