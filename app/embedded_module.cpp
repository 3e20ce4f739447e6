// app/embedded_module.cpp: the built-in `word_count` and `gilsafe` modules of the gil_demo host
#include "embedded_text.hpp"

#include "gilsafe/bindings.hpp"

#include <pybind11/embed.h>

#include <string_view>

namespace py = pybind11;

namespace {

// Runs one compiled-in Python source file inside the module's namespace: the host gets
// the package's own .py files, not copies.
void exec_source(py::module_& m, std::string_view source, const char* filename) {
    const py::object builtins = py::module_::import("builtins");
    const py::object code =
        builtins.attr("compile")(py::str(source.data(), source.size()), filename, "exec");
    const py::object doc = m.attr("__doc__"); // the file's docstring must not replace it
    builtins.attr("exec")(code, m.attr("__dict__"));
    m.attr("__doc__") = doc;
}

} // namespace

// Registered at static-initialization time, before the interpreter starts; this file is
// compiled into every program that links gil_demo's host library (an OBJECT library), so
// the linker never drops the registration.
PYBIND11_EMBEDDED_MODULE(word_count, m) {
    m.doc() = "gilsafe's word count, built into the host (same bindings as the extension)";
    gilsafe::bind_word_count(m);
    exec_source(m, gil_demo::embedded::reference_py, "word_count/_reference.py");
    exec_source(m, gil_demo::embedded::threads_py, "word_count/_threads.py");
}

// The guide's UserID, for `gil_demo userids`.
PYBIND11_EMBEDDED_MODULE(gilsafe, m) {
    m.doc() = "gilsafe's host module: the guide's UserID class";
    gilsafe::bind_userid(m);
}
