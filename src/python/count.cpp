// src/python/count.cpp: the bindings' counts, GIL released, Ctrl-C between segments
#include "count.hpp"

#include "engine/checked.hpp"
#include "engine/kernels.hpp"
#include "engine/range.hpp"
#include "gilsafe/errors.hpp"
#include "gilsafe/interrupt.hpp"
#include "gilsafe/word_count.hpp"

#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace py = pybind11;

namespace gilsafe::detail {
namespace {

bool on_main_thread() {
    const py::module_ threading = py::module_::import("threading");
    return threading.attr("main_thread")().is(threading.attr("current_thread")());
}

bool default_sigint_handler() {
    const py::module_ signal = py::module_::import("signal");
    return signal.attr("getsignal")(signal.attr("SIGINT")).is(signal.attr("default_int_handler"));
}

// The work between two looks at Ctrl-C: about a millisecond of counting.
constexpr std::size_t segment_bytes = std::size_t{16} << 20;

// Counts [0, size) segment by segment with the GIL released; `count(begin, end)` counts
// one segment (count_released has the rules). The GIL is taken back in plain code
// (restore), never in a destructor: a thread that Python ends because the interpreter is
// shutting down must not unwind through a noexcept frame. Needs the GIL.
template <class Count>
std::size_t count_in_segments(std::size_t size, std::size_t segment, Count&& count) {
    install_shutdown_hook(!inside_callback());
    const stop_signal sigint = stop_on_sigint();
    std::uint64_t seen = sigint.seen;
    saved_thread saved = save_thread();
    std::size_t total = 0;
    std::exception_ptr error;
    for (std::size_t at = 0; at < size || at == 0; at += segment) {
        try {
            total += count(at, std::min(size, at + segment));
        } catch (...) {
            error = std::current_exception();
            break;
        }
        const std::uint64_t now = sigint.counter->load();
        if (now != seen && at + segment < size) {
            seen = now;
            restore(saved);
            if (PyErr_CheckSignals() != 0) {
                throw py::error_already_set();
            }
            if (!on_main_thread() && default_sigint_handler()) {
                PyErr_SetNone(PyExc_KeyboardInterrupt);
                throw py::error_already_set();
            }
            saved = save_thread();
        }
        if (at + segment >= size) {
            break;
        }
    }
    restore(saved);
    if (error) {
        std::rethrow_exception(error);
    }
    if (sigint.counter->load() != seen && !on_main_thread() && default_sigint_handler()) {
        PyErr_SetNone(PyExc_KeyboardInterrupt); // Ctrl-C during the last segment
        throw py::error_already_set();
    }
    return total;
}

// Throws utf8_error when `result` found invalid UTF-8, else returns its count.
std::size_t valid_count(const checked_count& result) {
    if (result.first_invalid != std::string_view::npos) {
        throw utf8_error("invalid UTF-8 at byte " + std::to_string(result.first_invalid),
                         result.first_invalid);
    }
    return result.count;
}

} // namespace

std::size_t count_released(std::string_view text, std::string_view needle_bytes,
                           const count_request& request) {
    const needle_ref needle(needle_bytes); // checked once, not in every segment
    // The segments are counted in order, so the first one with invalid UTF-8 has the
    // text's first invalid offset.
    if (request.parallel && request.check_utf8) {
        return count_in_segments(text.size(), 4 * segment_bytes, [&](std::size_t b, std::size_t e) {
            return valid_count(count_parallel_checked_range(text, needle, b, e));
        });
    }
    if (request.parallel) {
        return count_in_segments(text.size(), 4 * segment_bytes, [&](std::size_t b, std::size_t e) {
            return count_parallel_range(text, needle, b, e);
        });
    }
    if (request.check_utf8) {
        return count_in_segments(text.size(), segment_bytes, [&](std::size_t b, std::size_t e) {
            return valid_count(count_checked_range(text, needle, b, e));
        });
    }
    return count_in_segments(text.size(), segment_bytes, [&](std::size_t b, std::size_t e) {
        return count_range(text, needle, b, e);
    });
}

} // namespace gilsafe::detail
