// src/gil/thread_state.cpp: GIL acquisition on oneTBB's threads, kept thread states, the shutdown
// protocol
//
// Shutdown. CPython 3.11 ends any thread other than the finalizing one that takes the GIL
// once finalization has begun (pthread_exit): on a oneTBB worker, or through a C++
// destructor, that unwinding aborts the process. So gilsafe stops taking the GIL before
// that point. At the interpreter's atexit time (still whole, before finalization proper)
// a hook registered by the first acquisition (or by the bindings) marks the interpreter
// as closing, waits (GIL released) for every acquisition in flight to end, and clears the
// kept thread states. From then on only regions started by the shutdown thread itself (an
// atexit handler) take the GIL; the others stop with interpreter_shutdown, and a thread
// that released the GIL never takes it back (restore_thread blocks it, as CPython blocks
// or ends its own threads). CPython then frees every other thread state itself, the kept
// ones included, when it finalizes. A Py_AtExit hook (after finalization) opens the next
// interpreter's generation.
#include "thread_state.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace py = pybind11;

namespace gilsafe::detail {
namespace {

struct registry {
    // Threads between "may I take the GIL?" and the release that follows.
    std::atomic<std::size_t> in_flight{0};
    // The interpreter's atexit hook ran: no new acquisitions but the shutdown thread's.
    std::atomic<bool> closing{false};
    // ... and the interpreter has finalized since: the next one found alive is new.
    std::atomic<bool> finalized{false};
    // The generation (one per interpreter lifetime) whose atexit hook is in place.
    std::atomic<std::uint64_t> hooked{0};
    std::atomic<std::uint64_t> generation{1};
    std::atomic<std::uint64_t> created{0};
    std::mutex mutex; // guards the fields below
    std::thread::id shutdown_thread;
    std::vector<PyThreadState*> kept;
};

// gil_hold objects alive on this thread: a fork() from inside one is a fork from a
// region's callback (a predicate calling os.fork()).
thread_local int holds_on_this_thread = 0;

// In the child of such a fork only the forking thread exists: the rest of the region,
// oneTBB's workers and the caller waiting for them, is gone, and the child would wait for
// them forever. It leaves at once, saying why (async-signal-safe calls only).
void child_after_fork() {
    if (holds_on_this_thread > 0) {
        static const char message[] =
            "gilsafe: fork() inside a parallel region's callback: the child cannot continue "
            "the region (its oneTBB threads do not exist after fork), so it exits (code 70)\n";
        (void)!::write(STDERR_FILENO, message, sizeof message - 1);
        ::_exit(70);
    }
}

void watch_forks() {
    static std::once_flag once;
    std::call_once(once, [] { ::pthread_atfork(nullptr, nullptr, &child_after_fork); });
}

// Never destroyed: a worker may still look at it while the process exits.
registry& state() {
    static registry* r = new registry;
    return *r;
}

bool is_shutdown_thread(registry& r) {
    const std::lock_guard<std::mutex> lock(r.mutex);
    return r.shutdown_thread == std::this_thread::get_id();
}

// No interpreter, or one that is finalizing (CPython clears Py_IsInitialized() as it
// begins): nobody may take the GIL.
bool interpreter_gone() {
    return Py_IsInitialized() == 0 || _Py_IsFinalizing() != 0;
}

// May this thread take the GIL now? Closing (or finalizing) interpreters refuse everyone
// but the shutdown thread's regions.
bool refused(registry& r, bool from_shutdown_thread) {
    if (interpreter_gone()) {
        return true;
    }
    return r.closing.load() && !from_shutdown_thread;
}

// At the very end of Py_FinalizeEx. The protocol stays closed until a new interpreter is
// seen alive (open_new_interpreter), so a straggler never touches the dead one.
void after_finalization() {
    state().finalized.store(true);
}

// An interpreter alive after a finalization is a new one: open its generation.
void open_new_interpreter(registry& r) {
    if (!r.finalized.load() || Py_IsInitialized() == 0) {
        return;
    }
    const std::lock_guard<std::mutex> lock(r.mutex);
    if (!r.finalized.load()) {
        return;
    }
    r.kept.clear(); // freed by CPython with every other thread state
    r.shutdown_thread = std::thread::id();
    r.generation.fetch_add(1);
    r.closing.store(false);
    r.finalized.store(false);
}

// The atexit hook: runs on the thread that finalizes, with the GIL.
void on_interpreter_exit() {
    registry& r = state();
    {
        const std::lock_guard<std::mutex> lock(r.mutex);
        r.shutdown_thread = std::this_thread::get_id();
    }
    r.closing.store(true);
    if (r.in_flight.load() != 0) {
        // The work in flight needs the GIL to finish its item or chunk: let it have it.
        const py::gil_scoped_release released;
        while (r.in_flight.load() != 0) {
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
    }
    {
        // Python data the kept states hold (threading.local values, trace functions) goes
        // now, while the interpreter is whole; the states stay valid until CPython frees
        // them, so a shutdown-time region may still use them.
        const std::lock_guard<std::mutex> lock(r.mutex);
        for (PyThreadState* kept : r.kept) {
            PyThreadState_Clear(kept);
        }
    }
    Py_AtExit(&after_finalization);
}

} // namespace

// Needs the GIL. Idempotent per interpreter.
void install_shutdown_hook() {
    registry& r = state();
    open_new_interpreter(r);
    const std::uint64_t generation = r.generation.load();
    if (r.hooked.load() == generation) {
        return;
    }
    py::module_::import("atexit").attr("register")(py::cpp_function(&on_interpreter_exit));
    r.hooked.store(generation);
}

region_context begin_region(thread_state_policy policy) {
    registry& r = state();
    open_new_interpreter(r);
    if (Py_IsInitialized() == 0) {
        throw interpreter_shutdown(); // no interpreter to take the GIL of
    }
    region_context region;
    region.policy = policy;
    PyThreadState* current = PyGILState_GetThisThreadState();
    region.interp =
        current != nullptr ? PyThreadState_GetInterpreter(current) : PyInterpreterState_Main();
    region.from_shutdown_thread = r.closing.load() && is_shutdown_thread(r);
    return region;
}

gil_hold::gil_hold(const region_context& region) {
    watch_forks();
    registry& r = state();
    r.in_flight.fetch_add(1);
    if (refused(r, region.from_shutdown_thread)) {
        r.in_flight.fetch_sub(1);
        throw interpreter_shutdown();
    }
    // A thread with a state of its own (the caller's, a Python thread's, a worker's kept
    // state: PyThreadState_New notes it in this thread's GILState slot) uses it.
    state_ = PyGILState_GetThisThreadState();
    bool created_kept = false;
    if (state_ == nullptr) {
        state_ = PyThreadState_New(region.interp);
        if (state_ == nullptr) {
            r.in_flight.fetch_sub(1);
            throw std::bad_alloc();
        }
        transient_ = region.policy == thread_state_policy::per_acquire;
        created_kept = !transient_;
    }
    PyEval_RestoreThread(state_);
    ++holds_on_this_thread;
    if (created_kept) {
        r.created.fetch_add(1);
        const std::lock_guard<std::mutex> lock(r.mutex);
        r.kept.push_back(state_);
    }
    if (r.hooked.load() != r.generation.load()) {
        try {
            install_shutdown_hook();
        } catch (...) {
            release();
            throw;
        }
    }
}

gil_hold::~gil_hold() {
    release();
}

void gil_hold::release() noexcept {
    --holds_on_this_thread;
    if (transient_) {
        // pybind11's gil_scoped_acquire on a thread without a state: create, then delete.
        PyThreadState_Clear(state_);
        PyThreadState_DeleteCurrent();
    } else {
        PyEval_SaveThread();
    }
    state().in_flight.fetch_sub(1);
}

bool shutdown_requested(const region_context& region) {
    return refused(state(), region.from_shutdown_thread);
}

std::uint64_t kept_states_created() {
    return state().created.load();
}

} // namespace gilsafe::detail

namespace gilsafe {

void restore_thread(PyThreadState* saved) {
    detail::registry& r = detail::state();
    // Counted in flight like a worker's acquisition: the atexit hook waits for a thread
    // already on its way to the GIL (it gets it and returns to Python normally), and a
    // thread that comes later sees the interpreter closing.
    r.in_flight.fetch_add(1);
    if ((r.closing.load() || detail::interpreter_gone()) && !detail::is_shutdown_thread(r)) {
        r.in_flight.fetch_sub(1);
        // Taking the GIL now would end this thread inside C++ frames: never come back, as
        // a daemon thread of CPython's own never does once finalization has begun.
        for (;;) {
            std::this_thread::sleep_for(std::chrono::hours(1));
        }
    }
    PyEval_RestoreThread(saved);
    r.in_flight.fetch_sub(1);
}

} // namespace gilsafe
