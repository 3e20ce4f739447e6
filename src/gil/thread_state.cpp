// src/gil/thread_state.cpp: GIL acquisition on oneTBB's threads, kept states, shutdown and fork
//
// Shutdown. CPython 3.11 ends any thread other than the finalizing one that takes the GIL
// once finalization has begun (pthread_exit): on a oneTBB worker, or through a C++
// destructor, that unwinding aborts the process. So gilsafe stops taking the GIL before
// that point. At the interpreter's atexit time (still whole, before finalization proper)
// a hook, registered when the bindings load or a region starts, marks the interpreter as
// closing, waits (GIL released) for every acquisition in flight to end, and clears the
// kept thread states. From then on only regions started by the shutdown thread itself (an
// atexit handler) take the GIL; the others stop with interpreter_shutdown, and a thread
// that released the GIL never takes it back (restore_thread blocks it, as CPython blocks
// or ends its own threads), unless it is inside a region's callback, whose outer
// acquisition the hook is waiting for. CPython frees every other thread state itself, the
// kept ones included, when it finalizes. The next interpreter found alive opens a new
// generation; a region belongs to the generation it started in, and a thread that released
// the GIL in one generation (save_thread notes which) never takes it back in a later one:
// its thread state was freed with its interpreter, so it blocks as at shutdown.
//
// Fork. The child of a fork has only the forking thread: the registry's counts and lock
// are reset there (the other threads are gone, and CPython has freed their states). A
// fork from inside a region's callback cannot continue the region: the child leaves
// (code 70, with a message) when control comes back to gilsafe, so a callback that forks
// and execs (subprocess) or ends the child itself (multiprocessing) is not affected.
#include "thread_state.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <new>
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
    // In the child of a fork made from a region's callback.
    std::atomic<bool> forked_from_callback{false};
    std::mutex mutex; // guards the fields below
    std::thread::id shutdown_thread;
    std::vector<PyThreadState*> kept;
};

// gil_hold objects alive on this thread: inside a region's callback when positive.
thread_local int holds_on_this_thread = 0;

registry* the_registry = nullptr;

void before_fork() {
    the_registry->mutex.lock();
}
void after_fork_in_parent() {
    the_registry->mutex.unlock();
}

// In the child: only this thread exists. Async-signal-safe work only.
void after_fork_in_child() {
    registry& r = *the_registry;
    new (&r.mutex) std::mutex(); // the parent's lock state means nothing here
    r.in_flight.store(0);        // a callback's own hold never comes back: the child leaves first
    r.shutdown_thread = std::thread::id();
    // CPython frees the other threads' states in the child (PyOS_AfterFork_Child): forget
    // them without touching them (the vector keeps its storage; no allocation here).
    r.kept.clear();
    if (holds_on_this_thread > 0) {
        r.forked_from_callback.store(true);
    }
}

// Never destroyed: a worker may still look at it while the process exits.
registry& state() {
    static registry* r = [] {
        the_registry = new registry;
        ::pthread_atfork(&before_fork, &after_fork_in_parent, &after_fork_in_child);
        return the_registry;
    }();
    return *r;
}

// The child of a fork from a callback is back in gilsafe: it cannot go on.
void leave_if_forked_child(registry& r) {
    if (r.forked_from_callback.load(std::memory_order_relaxed)) {
        static const char message[] =
            "gilsafe: fork() inside a parallel region's callback: the child cannot continue "
            "the region (its oneTBB threads do not exist after fork), so it exits (code 70)\n";
        (void)!::write(STDERR_FILENO, message, sizeof message - 1);
        ::_exit(70);
    }
}

bool is_shutdown_thread(registry& r) {
    const std::lock_guard<std::mutex> lock(r.mutex);
    return r.shutdown_thread == std::this_thread::get_id();
}

// No interpreter, or one that is finalizing (CPython clears Py_IsInitialized() as it
// begins): nobody but the finalizing thread may take the GIL.
bool interpreter_gone() {
    return Py_IsInitialized() == 0 || _Py_IsFinalizing() != 0;
}

// May a thread of `region` take the GIL now? Closing (or finalizing) interpreters refuse
// everyone but the shutdown thread's regions; a region of an earlier interpreter never.
// Reads `closing` before the generation: a new interpreter opens its generation before it
// reopens the protocol, so a thread that sees it reopened sees the new generation too.
bool refused(registry& r, const region_context& region) {
    const bool closing = r.closing.load();
    if (interpreter_gone() || region.generation != r.generation.load()) {
        return true;
    }
    return closing && !region.from_shutdown_thread;
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

void install_shutdown_hook(bool import_threading) {
    registry& r = state();
    open_new_interpreter(r);
    if (interpreter_gone()) {
        return; // too late for an atexit hook, and nothing left to protect
    }
    const std::uint64_t generation = r.generation.load();
    if (r.hooked.load() == generation) {
        return;
    }
    // threading's main thread is whichever thread imports it first: never a worker's
    // kept state, which lives until finalization (threading._shutdown would wait for it).
    if (import_threading) {
        py::module_::import("threading");
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
    if (PyGILState_Check() != 0 && holds_on_this_thread == 0) {
        install_shutdown_hook(true);
    }
    region_context region;
    region.policy = policy;
    region.generation = r.generation.load();
    region.caller = std::this_thread::get_id();
    region.nested = holds_on_this_thread > 0;
    PyThreadState* current = PyGILState_GetThisThreadState();
    region.interp =
        current != nullptr ? PyThreadState_GetInterpreter(current) : PyInterpreterState_Main();
    region.from_shutdown_thread = r.closing.load() && is_shutdown_thread(r);
    return region;
}

gil_hold::gil_hold(const region_context& region) {
    registry& r = state();
    r.in_flight.fetch_add(1);
    if (refused(r, region)) {
        r.in_flight.fetch_sub(1);
        throw interpreter_shutdown();
    }
    // A thread with a state of its own (the caller's, a Python thread's, a worker's kept
    // state: PyThreadState_New notes it in this thread's GILState slot) uses it. Kept
    // states are for oneTBB's workers: the region's caller, when it has no state (a plain
    // C++ thread), creates and deletes one, so short-lived callers leave nothing behind.
    state_ = PyGILState_GetThisThreadState();
    bool created_kept = false;
    if (state_ == nullptr) {
        state_ = PyThreadState_New(region.interp);
        if (state_ == nullptr) {
            r.in_flight.fetch_sub(1);
            throw std::bad_alloc();
        }
        transient_ = region.policy == thread_state_policy::per_acquire ||
                     std::this_thread::get_id() == region.caller;
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
            install_shutdown_hook(false); // on a worker: threading is the host's to import
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
    registry& r = state();
    leave_if_forked_child(r);
    --holds_on_this_thread;
    if (transient_) {
        // pybind11's gil_scoped_acquire on a thread without a state: create, then delete.
        PyThreadState_Clear(state_);
        PyThreadState_DeleteCurrent();
    } else {
        PyEval_SaveThread();
    }
    r.in_flight.fetch_sub(1);
}

bool shutdown_requested(const region_context& region) {
    registry& r = state();
    leave_if_forked_child(r);
    return refused(r, region);
}

bool inside_callback() {
    return holds_on_this_thread > 0;
}

std::uint64_t kept_states_created() {
    return state().created.load();
}

saved_thread save_thread() {
    registry& r = state();
    open_new_interpreter(r); // so the generation noted is this interpreter's
    saved_thread saved;
    saved.generation = r.generation.load();
    // Holding the GIL while the interpreter is finalizing: this is the finalizing thread
    // (a __del__ calling word_count.search), which may always take it back.
    saved.finalizing_thread = interpreter_gone();
    saved.state = PyEval_SaveThread();
    return saved;
}

void restore(const saved_thread& saved) {
    registry& r = state();
    leave_if_forked_child(r);
    // Counted in flight like a worker's acquisition: the atexit hook waits for a thread
    // already on its way to the GIL (it gets it and returns to Python normally), and a
    // thread that comes later sees the interpreter closing.
    r.in_flight.fetch_add(1);
    const bool closing = r.closing.load() || interpreter_gone();
    // Saved in an interpreter finalized since: its thread state is freed memory, and the
    // GIL the host has now is another interpreter's. (`closing` is read first: see refused.)
    const bool stale = saved.generation != 0 && saved.generation != r.generation.load();
    const bool blocked = stale || (closing && !saved.finalizing_thread &&
                                   holds_on_this_thread == 0 && !is_shutdown_thread(r));
    if (blocked) {
        r.in_flight.fetch_sub(1);
        // Taking the GIL now would end this thread inside C++ frames (or, in a later
        // interpreter, run it on a dead thread state): never come back, as a daemon thread
        // of CPython's own never does once finalization has begun.
        for (;;) {
            std::this_thread::sleep_for(std::chrono::hours(1));
        }
    }
    // Inside a callback (a nested region, word_count.search called by a predicate), the
    // outer acquisition keeps the atexit hook waiting: the GIL is still safe to take.
    PyEval_RestoreThread(saved.state);
    r.in_flight.fetch_sub(1);
}

} // namespace gilsafe::detail

namespace gilsafe {

void restore_thread(PyThreadState* saved) {
    detail::restore(detail::saved_thread{saved, false, 0}); // its generation is unknown
}

} // namespace gilsafe
