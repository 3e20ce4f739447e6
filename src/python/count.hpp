// src/python/count.hpp: counting the bytes of a call's arguments with the GIL released
#pragma once

#include "gil/thread_state.hpp"
#include "gilsafe/interrupt.hpp"

#include <pybind11/pybind11.h>

#include <cstddef>
#include <exception>
#include <optional>
#include <string_view>
#include <utility>

namespace gilsafe::detail {

/// How the bindings count a text.
struct count_request {
    /// On all cores (oneTBB), or on the calling thread.
    bool parallel = true;
    /// Checks that the text is UTF-8 in the same pass (a buffer or a file; a str is
    /// always UTF-8): throws utf8_error with the first invalid offset otherwise.
    bool check_utf8 = false;
};

/// Counts `needle` in `text` with the GIL released, a segment at a time. When a SIGINT
/// arrived during a segment, the GIL is taken back between two segments and Python's
/// handlers run (on the main thread): one that raises stops the count with its exception;
/// one that raises nothing lets it go on, losing nothing. On another thread, where Python
/// runs no handler, the count stops with KeyboardInterrupt only under Python's default
/// SIGINT handler. Needs the GIL, and returns (or throws) with it held.
std::size_t count_released(std::string_view text, std::string_view needle,
                           const count_request& request);

/// Ctrl-C during work done with the GIL released, by the rule count_released states (the
/// README's "Signals"), for every count of the bindings: mapped, buffered or streamed.
class sigint_poll {
public:
    /// Watches SIGINT from now on.
    sigint_poll();

    /// On once a SIGINT arrived that operator() has not handled yet.
    const stop_signal& stop() const { return stop_; }

    /// Between two pieces of the work, on the thread that runs run_released_polling:
    /// returns at once unless a SIGINT arrived. Then it takes the GIL back and runs
    /// Python's handlers (on the main thread): it returns, the GIL released again, when
    /// the work goes on; it throws sigint_poll::stopping, the GIL released and the Python
    /// error set on this thread, when a handler raised, or when on another thread Python's
    /// default handler is in place (KeyboardInterrupt).
    void operator()();

    /// Thrown by operator() to end the work; run_released_polling raises the error.
    struct stopping {};

private:
    template <class Work> friend auto run_released_polling(Work&& work);

    /// With the GIL held, once the work is done: false, KeyboardInterrupt set, when a
    /// SIGINT arrived during its last piece on another thread than the main one under
    /// Python's default handler (on the main thread, Python runs its handler itself once
    /// the call returns).
    bool finished() const;

    stop_signal stop_;
    saved_thread saved_;
};

/// `work(poll)` with the GIL released, `poll` a sigint_poll that `work` calls between two
/// pieces of its work, on this thread. The GIL is taken back in plain code (see
/// run_released); returns or throws with it held: what `work` threw, or the Python error
/// of the handler that stopped it. Needs the GIL.
template <class Work> auto run_released_polling(Work&& work) {
    sigint_poll poll;
    using result_type = decltype(work(poll));
    poll.saved_ = save_thread();
    std::optional<result_type> result;
    std::exception_ptr error;
    try {
        result.emplace(std::forward<Work>(work)(poll));
    } catch (...) {
        error = std::current_exception();
    }
    restore(poll.saved_);
    if (error) {
        try {
            std::rethrow_exception(error);
        } catch (const sigint_poll::stopping&) {
            throw pybind11::error_already_set();
        }
    }
    if (!poll.finished()) {
        throw pybind11::error_already_set();
    }
    return std::move(*result);
}

/// `work()` with the GIL released, for C++ that may block (opening a FIFO, a slow
/// disk). The GIL is taken back in plain code, never in a destructor (see
/// restore_thread), and whatever `work` threw is rethrown with the GIL held.
template <class Work> auto run_released(Work&& work) -> decltype(work()) {
    const saved_thread saved = save_thread();
    std::optional<decltype(work())> result;
    std::exception_ptr error;
    try {
        result.emplace(std::forward<Work>(work)());
    } catch (...) {
        error = std::current_exception();
    }
    restore(saved);
    if (error) {
        std::rethrow_exception(error);
    }
    return std::move(*result);
}

} // namespace gilsafe::detail
