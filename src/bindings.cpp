// src/bindings.cpp: bind_word_count and add_python_sources, shared by the embedded and extension modules
#include "gilsafe/bindings.hpp"

#include "embedded_text.hpp"
#include "gilsafe/userid.hpp"
#include "gilsafe/word_count.hpp"

#include <pybind11/eval.h>
#include <pybind11/stl.h>

#include <functional>
#include <string>
#include <string_view>

namespace py = pybind11;

namespace gilsafe {
namespace {

std::size_t search_parallel(std::string_view contents, std::string_view needle) {
    return count_parallel(contents, needle);
}

// Runs one compiled-in Python source file inside the module's namespace.
void exec_source(py::module_& m, std::string_view source, const char* filename) {
    const py::object builtins = py::module_::import("builtins");
    const py::object code = builtins.attr("compile")(py::str(source.data(), source.size()),
                                                     filename, "exec");
    const py::object doc = m.attr("__doc__"); // the file's docstring must not replace it
    builtins.attr("exec")(code, m.attr("__dict__"));
    m.attr("__doc__") = doc;
}

} // namespace

void bind_word_count(py::module_& m) {
    // call_guard releases the GIL after the arguments are converted and takes it back
    // before the result is; the string_views stay valid because the caller's str
    // objects are alive for the whole call.
    using release = py::call_guard<py::gil_scoped_release>;
    m.def("search", &search_parallel, py::arg("contents"), py::arg("needle"), release(),
          "Count the words of contents equal to needle, in parallel on all cores (GIL "
          "released).");
    m.def("search_sequential", &count_sequential, py::arg("contents"), py::arg("needle"),
          release(), "Count the words of contents equal to needle on one thread (GIL released).");
    const char* allow_doc =
        "search_sequential with the GIL released, so several Python threads can run it at once.";
    m.def("search_sequential_allow_threads", &count_sequential, py::arg("contents"),
          py::arg("needle"), release(), allow_doc);
    m.def("search_sequential_detached", &count_sequential, py::arg("contents"),
          py::arg("needle"), release(),
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

std::string python_error_message(const py::error_already_set& e) {
    std::string type = py::str(e.type().attr("__name__"));
    std::string message = py::str(e.value());
    std::string line = message.empty() ? type : type + ": " + message;
    for (char& c : line) {
        if (c == '\n' || c == '\r') {
            c = ' ';
        }
    }
    return line;
}

void add_python_sources(py::module_& m) {
    exec_source(m, embedded::reference_py, "word_count/_reference.py");
    exec_source(m, embedded::threads_py, "word_count/_threads.py");
}

} // namespace gilsafe
