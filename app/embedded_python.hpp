// app/embedded_python.hpp: the embedded interpreter, with the standard library of the Python
// the program was built for
#pragma once

#include <pybind11/embed.h>

namespace gil_demo {

/// An interpreter for the object's lifetime, as pybind11::scoped_interpreter (same
/// settings: environment read, not isolated, sys.path[0] as pybind11 sets it), whose
/// prefix is that of the Python this program was built for (CMake's Python_EXECUTABLE),
/// whatever `python3` comes first on PATH. pybind11 sets no program name; CPython then
/// takes the first `python3` on PATH as sys.executable and looks for the standard library
/// near it: with pyenv's 3.11.7 (/root/.pyenv/versions/3.11.7/bin) first, Debian's 3.11.2
/// libpython ran pyenv's standard library and site-packages; with pyenv's shims first,
/// sys.executable was the shim. PYTHONHOME still decides the prefix when set, as in any
/// CPython.
class embedded_python {
public:
    explicit embedded_python(bool init_signal_handlers);
    ~embedded_python();
    embedded_python(const embedded_python&) = delete;
    embedded_python& operator=(const embedded_python&) = delete;
    // No pybind11 member: its namespace is hidden, and this class is not.
};

} // namespace gil_demo
