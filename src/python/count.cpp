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
// one segment (count_released has the rules). Needs the GIL.
template <class Count>
std::size_t count_in_segments(std::size_t size, std::size_t segment, Count&& count) {
    install_shutdown_hook(!inside_callback());
    return run_released_polling([&](sigint_poll& poll) {
        std::size_t total = 0;
        for (std::size_t at = 0;; at += segment) {
            total += count(at, std::min(size, at + segment));
            if (at + segment >= size) {
                return total;
            }
            poll();
        }
    });
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

sigint_poll::sigint_poll() : stop_(stop_on_sigint()) {
}

void sigint_poll::operator()() {
    const std::uint64_t now = stop_.counter->load();
    if (now == stop_.seen) {
        return;
    }
    stop_.seen = now;
    restore(saved_);
    bool go_on = true;
    try {
        if (PyErr_CheckSignals() != 0) {
            go_on = false; // a handler raised: its exception ends the work
        } else if (!on_main_thread() && default_sigint_handler()) {
            PyErr_SetNone(PyExc_KeyboardInterrupt); // no handler runs here: Python's default
            go_on = false;
        }
    } catch (py::error_already_set& e) {
        e.restore(); // the GIL is released below: the error waits on this thread
        go_on = false;
    } catch (...) {
        saved_ = save_thread(); // never leave with the GIL: the caller takes it back itself
        throw;
    }
    saved_ = save_thread();
    if (!go_on) {
        throw stopping{};
    }
}

bool sigint_poll::finished() const {
    if (stop_.requested() && !on_main_thread() && default_sigint_handler()) {
        PyErr_SetNone(PyExc_KeyboardInterrupt);
        return false;
    }
    return true;
}

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
