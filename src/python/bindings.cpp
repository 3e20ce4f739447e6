// src/python/bindings.cpp: bind_word_count and bind_userid, for any pybind11 module
#include "gilsafe/bindings.hpp"

#include "engine/kernels.hpp"
#include "engine/range.hpp"
#include "gil/thread_state.hpp"
#include "gilsafe/gil.hpp"
#include "gilsafe/interrupt.hpp"
#include "gilsafe/userid.hpp"
#include "gilsafe/word_count.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <string_view>

namespace py = pybind11;

namespace gilsafe {
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
// one segment. When a SIGINT arrived during a segment, the GIL is taken back between two
// segments and Python's handlers run (on the main thread): one that raises stops the
// count with its exception; one that raises nothing lets it go on, losing nothing. On
// another thread, where Python runs no handler, the count stops with KeyboardInterrupt
// only under Python's default SIGINT handler. The GIL is taken back in plain code
// (restore_thread), never in a destructor: a thread that Python ends because the
// interpreter is shutting down must not unwind through a noexcept frame. Needs the GIL.
template <class Count>
std::size_t count_in_segments(std::size_t size, std::size_t segment, Count&& count) {
    detail::install_shutdown_hook(!detail::inside_callback());
    const stop_signal sigint = stop_on_sigint();
    std::uint64_t seen = sigint.seen;
    detail::saved_thread saved = detail::save_thread();
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
            detail::restore(saved);
            if (PyErr_CheckSignals() != 0) {
                throw py::error_already_set();
            }
            if (!on_main_thread() && default_sigint_handler()) {
                PyErr_SetNone(PyExc_KeyboardInterrupt);
                throw py::error_already_set();
            }
            saved = detail::save_thread();
        }
        if (at + segment >= size) {
            break;
        }
    }
    detail::restore(saved);
    if (error) {
        std::rethrow_exception(error);
    }
    if (sigint.counter->load() != seen && !on_main_thread() && default_sigint_handler()) {
        PyErr_SetNone(PyExc_KeyboardInterrupt); // Ctrl-C during the last segment
        throw py::error_already_set();
    }
    return total;
}

// The str's UTF-8, without a copy: CPython keeps it inside the str (for an ASCII str it
// is the str's own data). A str with a lone surrogate has no UTF-8: Python's
// UnicodeEncodeError says so, naming the character and its position.
std::string_view utf8_of(const py::str& s) {
    py::ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(s.ptr(), &size);
    if (data == nullptr) {
        throw py::error_already_set();
    }
    return {data, static_cast<std::size_t>(size)};
}

std::size_t search_parallel(const py::str& contents, const py::str& needle) {
    const std::string_view text = utf8_of(contents);
    const std::string_view word = utf8_of(needle);
    return count_in_segments(text.size(), 4 * segment_bytes,
                             [&](std::size_t begin, std::size_t end) {
                                 return detail::count_parallel_range(text, word, begin, end);
                             });
}

std::size_t search_sequential(const py::str& contents, const py::str& needle) {
    const std::string_view text = utf8_of(contents);
    const std::string_view word = utf8_of(needle);
    return count_in_segments(text.size(), segment_bytes, [&](std::size_t begin, std::size_t end) {
        return detail::count_range(text, word, begin, end);
    });
}

} // namespace

void bind_word_count(py::module_& m) {
    // Before any oneTBB worker starts, if this is the first use of oneTBB in the process.
    reserve_python_stack();
    // The shutdown protocol's atexit hook, now: it must be in place before any count.
    detail::install_shutdown_hook();
    // The str arguments are viewed (zero-copy, their UTF-8) with the GIL held;
    // `interruptible` releases it around the count and takes it back before returning.
    // The views stay valid: the caller's str objects live for the whole call.
    m.def("search", &search_parallel, py::arg("contents"), py::arg("needle"),
          "Count the words of contents equal to needle, in parallel on all cores (GIL "
          "released; Ctrl-C raises KeyboardInterrupt).");
    m.def("search_sequential", &search_sequential, py::arg("contents"), py::arg("needle"),
          "Count the words of contents equal to needle on one thread (GIL released).");
    const char* allow_doc =
        "search_sequential with the GIL released, so several Python threads can run it at once.";
    m.def("search_sequential_allow_threads", &search_sequential, py::arg("contents"),
          py::arg("needle"), allow_doc);
    m.def("search_sequential_detached", &search_sequential, py::arg("contents"), py::arg("needle"),
          "Alias of search_sequential_allow_threads (PyO3's newer name: Python::detach).");
    m.attr("kernel") = kernel_name();
}

void bind_userid(py::module_& m) {
    py::class_<UserID>(m, "UserID", "The guide's UserID: a C++ struct with one 64-bit id.")
        .def(py::init([](std::int64_t id) { return UserID{id}; }), py::arg("id"))
        .def_readonly("id", &UserID::id, "The user's id.")
        .def("__repr__", [](const UserID& u) { return "UserID(" + std::to_string(u.id) + ")"; })
        .def("__eq__", [](const UserID& a, const UserID& b) { return a.id == b.id; })
        .def("__hash__", [](const UserID& u) { return std::hash<std::int64_t>{}(u.id); });
}

} // namespace gilsafe
