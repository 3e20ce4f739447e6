// include/gilsafe/gil.hpp: parallel work over Python objects without deadlocks, refcount races or
// shutdown crashes
#pragma once

#include "gilsafe/errors.hpp"
#include "gilsafe/interrupt.hpp"

#include <pybind11/pybind11.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace gilsafe {

/// True when the calling thread holds the GIL of a running interpreter.
bool gil_held_by_this_thread();

/// Throws gil_held_error naming `where` if the calling thread holds the GIL.
void require_gil_released(const char* where);

/// "TypeName: message" of a Python error, on one line (line breaks become spaces).
/// Needs the GIL.
std::string python_error_message(const pybind11::error_already_set& e);

/// How often a worker takes the GIL.
enum class acquire_strategy {
    /// The guide's pattern: one acquire per element.
    per_item,
    /// One acquire per chunk of elements.
    per_chunk,
};

/// How long a oneTBB worker's Python thread state lives (threads that already have one,
/// such as the caller's, always use their own).
enum class thread_state_policy {
    /// pybind11's gil_scoped_acquire: a thread state created and deleted on every
    /// acquire. Python's per-thread state (threading.local, sys.settrace) is lost between
    /// acquires. A worker that already keeps a state (from an earlier persistent region)
    /// uses it, as pybind11 uses a thread's existing state.
    per_acquire,
    /// One thread state per oneTBB worker, created at its first acquire and kept across
    /// items, chunks and calls, as a Python thread keeps its own; its Python data cleared
    /// at the interpreter's atexit time, the state freed by CPython as it finalizes. (The
    /// region's caller, when it has no state, creates and deletes one per acquire.)
    persistent,
};

/// "per-item" or "per-chunk".
const char* strategy_name(acquire_strategy s);
/// "per-acquire" or "persistent".
const char* thread_state_name(thread_state_policy p);

/// How parallel_for and parallel_map divide, schedule and take the GIL. The defaults are
/// the fastest correct choice.
struct gil_options {
    acquire_strategy strategy = acquire_strategy::per_chunk;
    thread_state_policy thread_state = thread_state_policy::persistent;
    /// Elements per chunk; 0 picks about 4 chunks per thread.
    std::size_t grain = 0;
    /// The first chunks (one per thread, at most) meet before evaluating, so a small
    /// input still runs on every thread instead of all on the caller's. The wait is
    /// bounded by spread_timeout and never holds the GIL.
    bool spread = true;
    std::chrono::milliseconds spread_timeout{500};
    /// Polled before every element and once after the last: when on, the work stops and
    /// throws `interrupted`, even if every element has run to its end.
    stop_signal stop;
};

/// What a parallel region did.
struct gil_stats {
    /// Distinct threads that evaluated at least one element.
    std::size_t threads_used = 0;
    /// GIL acquisitions made by the workers.
    std::size_t acquisitions = 0;
};

namespace detail {

/// A non-owning view of a callable `void(std::size_t)` (no allocation, no copy).
class index_function {
public:
    template <class F>
    explicit index_function(F& f) noexcept
        : object_(static_cast<void*>(&f)),
          call_([](void* object, std::size_t i) { (*static_cast<F*>(object))(i); }) {}
    void operator()(std::size_t i) const { call_(object_, i); }

private:
    void* object_;
    void (*call_)(void*, std::size_t);
};

/// parallel_for's engine: the caller's GIL released for the region if it holds it and
/// taken back after, or left alone if it does not.
gil_stats parallel_for_with_gil(std::size_t n, const index_function& fn,
                                const gil_options& options);

} // namespace detail

/// Calls `fn(i)` for every i in [0, n) on oneTBB's threads, each call with the GIL held by
/// its thread (taken as `options` say). Works whether or not the caller holds the GIL:
/// held, it is released for the region and taken back before returning (the guide's
/// allow_threads); not held, the region just runs.
///
/// The first exception `fn` throws (a Python error as pybind11::error_already_set, or any
/// C++ exception) cancels the remaining chunks and is rethrown here, unchanged, once every
/// running chunk has stopped. Ctrl-C through options.stop throws `interrupted`. The work
/// runs in an isolated region: a thread waiting inside a nested parallel algorithm never
/// picks up these chunks. Once the interpreter has begun shutting down (its atexit time),
/// workers no longer take the GIL: the region stops with interpreter_shutdown, and a
/// caller that held the GIL never returns (restore_thread), unless it is the shutdown
/// thread itself (an atexit handler) or inside another region's callback. A region belongs
/// to the interpreter it began in: once that one is finalized, its caller never takes the
/// GIL again, even when the host has started a new interpreter (it blocks).
template <class F> gil_stats parallel_for(std::size_t n, F&& fn, const gil_options& options = {}) {
    return detail::parallel_for_with_gil(n, detail::index_function(fn), options);
}

/// What parallel_map returns for a function returning R: a vector of R, or for bool a
/// vector of char (one byte per element; std::vector<bool> packs bits, which several
/// threads cannot write at once).
template <class R>
using map_result = std::vector<std::conditional_t<std::is_same_v<R, bool>, char, R>>;

/// `fn(pybind11::handle(objects[i]))` for every object, on oneTBB's threads, each call with
/// the GIL held; the answers in the objects' order. R, what `fn` returns, is a C++ value
/// type (default-constructible and move-assignable: std::int64_t, std::pair, ...), never
/// a Python object. The objects are only used by reference: no copies, no refcount
/// traffic off the GIL. Everything parallel_for guarantees holds.
template <class F>
auto parallel_map(const std::vector<pybind11::object>& objects, F&& fn,
                  const gil_options& options = {}, gil_stats* stats = nullptr) {
    using R = std::decay_t<std::invoke_result_t<F&, pybind11::handle>>;
    using E = typename map_result<R>::value_type;
    static_assert(!std::is_base_of_v<pybind11::handle, R>,
                  "parallel_map: return a C++ value, not a Python object (its result vector "
                  "would be built and destroyed without the GIL)");
    static_assert(std::is_default_constructible_v<E> && std::is_move_assignable_v<E>,
                  "parallel_map: the result type must be default-constructible and "
                  "move-assignable");
    map_result<R> out(objects.size());
    auto at_index = [&](std::size_t i) { out[i] = E(fn(pybind11::handle(objects[i]))); };
    const gil_stats s =
        detail::parallel_for_with_gil(objects.size(), detail::index_function(at_index), options);
    if (stats != nullptr) {
        *stats = s;
    }
    return out;
}

/// `predicate(i)` for every i in [0, n), answers in `out` (resized to n), for a caller
/// that must NOT hold the GIL: gil_held_error otherwise, at once (the guide's deadlock,
/// turned into an error). Otherwise parallel_for.
gil_stats evaluate_with_gil(std::size_t n, const std::function<bool(std::size_t)>& predicate,
                            std::vector<char>& out, const gil_options& options = {});

/// The GIL back on a thread that released it (`saved` from PyEval_SaveThread), unless the
/// interpreter is shutting down (its atexit time has come) and this is neither the
/// shutdown thread nor a thread inside a region's callback: then the thread never returns
/// (it blocks, as CPython's own daemon threads do, instead of being ended by Python inside
/// a C++ frame that cannot unwind). Call it from plain code, never from a destructor, and
/// within the life of the interpreter `saved` belongs to: a bare thread state does not say
/// which interpreter it was (parallel_for and the word_count functions do know, and never
/// take the GIL back in a later interpreter).
void restore_thread(PyThreadState* saved);

/// Makes oneTBB's workers start with at least the stack of a Python thread
/// (threading.stack_size(), or the platform's 8 MiB), so recursion that works on a
/// Python thread works on a worker. Effective only before oneTBB starts its workers:
/// gil_demo and the word_count module call it first thing; an embedding program should
/// call it before its first oneTBB algorithm. Returns the stack size in force.
std::size_t reserve_python_stack();

} // namespace gilsafe
