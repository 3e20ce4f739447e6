// include/gilsafe/gil.hpp: parallel work over Python objects without deadlocks or refcount races
#pragma once

#include "gilsafe/errors.hpp"
#include "gilsafe/interrupt.hpp"

#include <pybind11/pybind11.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace gilsafe {

/// True when the calling thread holds the GIL of a running interpreter.
bool gil_held_by_this_thread();

/// Throws gil_held_error naming `where` if the calling thread holds the GIL.
void require_gil_released(const char* where);

/// "TypeName: message" of a Python error, on one line (line breaks become spaces).
/// Needs the GIL.
std::string python_error_message(const pybind11::error_already_set& e);

/// How workers take the GIL to evaluate a predicate.
enum class acquire_strategy {
    /// The guide's pattern: one acquire per element. On a TBB worker with no Python
    /// thread state, pybind11 creates and deletes one on every acquire.
    per_item,
    /// One acquire per chunk of elements: one thread state per chunk, not per element.
    per_chunk,
};

/// "per-item" or "per-chunk".
const char* strategy_name(acquire_strategy s);

/// How evaluate_with_gil divides and schedules the work.
struct gil_parallel_options {
    acquire_strategy strategy = acquire_strategy::per_chunk;
    /// Elements per chunk; 0 picks about 4 chunks per thread.
    std::size_t grain = 0;
    /// The first chunks (one per thread, at most) meet before evaluating, so a small
    /// input still runs on every thread instead of all on the caller's. The wait is
    /// bounded by spread_timeout and never holds the GIL.
    bool spread = true;
    std::chrono::milliseconds spread_timeout{500};
    /// Polled before every element: when on, the evaluation stops and throws `interrupted`.
    stop_signal stop;
};

/// What a parallel evaluation did.
struct gil_parallel_stats {
    /// Distinct threads that evaluated at least one element.
    std::size_t threads_used = 0;
    /// GIL acquisitions made by the workers.
    std::size_t acquisitions = 0;
};

/// Evaluates `predicate(i)` for every i in [0, n) on oneTBB's threads and stores the
/// answers in `out` (resized to n). Each call of `predicate` runs with the GIL held by
/// its thread; the strategy decides how often it is taken. The caller must NOT hold the
/// GIL (gil_held_error otherwise).
///
/// The first exception a predicate throws (a Python error as py::error_already_set, or
/// any C++ exception) cancels the remaining chunks and is rethrown here, unchanged, once
/// every running chunk has stopped. The work runs in an isolated region: a thread
/// waiting inside a nested parallel algorithm never picks up these chunks.
gil_parallel_stats evaluate_with_gil(std::size_t n,
                                     const std::function<bool(std::size_t)>& predicate,
                                     std::vector<char>& out,
                                     const gil_parallel_options& options = {});

/// The guide's pattern as one call: with the GIL held, releases it, lets oneTBB's threads
/// evaluate `predicate(objects[i])` (each with the GIL), takes it back and returns the
/// answers. Python objects are only ever used by reference (no copies, so no refcount
/// traffic off the GIL); the predicate receives a borrowed handle.
template <class Predicate>
std::vector<char> parallel_map(const std::vector<pybind11::object>& objects, Predicate&& predicate,
                               const gil_parallel_options& options = {},
                               gil_parallel_stats* stats = nullptr) {
    std::vector<char> out;
    const std::function<bool(std::size_t)> at_index = [&](std::size_t i) {
        return predicate(pybind11::handle(objects[i]));
    };
    gil_parallel_stats s;
    {
        const pybind11::gil_scoped_release released;
        s = evaluate_with_gil(objects.size(), at_index, out, options);
    }
    if (stats != nullptr) {
        *stats = s;
    }
    return out;
}

} // namespace gilsafe
