// src/python/count.hpp: counting the bytes of a call's arguments with the GIL released
#pragma once

#include "gil/thread_state.hpp"

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
