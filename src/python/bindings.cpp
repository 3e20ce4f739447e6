// src/python/bindings.cpp: bind_word_count and bind_userid, for any pybind11 module
#include "gilsafe/bindings.hpp"

#include "gilsafe/interrupt.hpp"
#include "gilsafe/userid.hpp"
#include "gilsafe/word_count.hpp"

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

// Counts with the GIL released, stopping at Ctrl-C. The main thread then runs Python's
// signal handlers: KeyboardInterrupt (or whatever the handler raises) goes to the caller,
// and a handler that raises nothing lets the count start over. Another thread only
// stops its own work, with KeyboardInterrupt, since Python interrupts the main thread
// alone. Needs the GIL.
template <class Count> std::size_t interruptible(Count&& count) {
    for (;;) {
        const stop_signal stop = stop_on_sigint();
        try {
            const py::gil_scoped_release released;
            return count(stop);
        } catch (const interrupted&) {
            if (PyErr_CheckSignals() != 0) {
                throw py::error_already_set();
            }
            if (!on_main_thread()) {
                PyErr_SetNone(PyExc_KeyboardInterrupt);
                throw py::error_already_set();
            }
        }
    }
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
    return interruptible([&](const stop_signal& stop) {
        parallel_options options;
        options.stop = stop;
        return count_parallel(text, word, options);
    });
}

std::size_t search_sequential(const py::str& contents, const py::str& needle) {
    const std::string_view text = utf8_of(contents);
    const std::string_view word = utf8_of(needle);
    return interruptible(
        [&](const stop_signal& stop) { return count_sequential(text, word, stop); });
}

} // namespace

void bind_word_count(py::module_& m) {
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
