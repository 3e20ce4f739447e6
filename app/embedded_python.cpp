// app/embedded_python.cpp: the embedded interpreter, named after the Python it was built for
#include "embedded_python.hpp"

#include <stdexcept>
#include <string>

namespace gil_demo {
namespace {

PyConfig build_python_config(bool init_signal_handlers) {
    // pybind11's own configuration for scoped_interpreter(bool)...
    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.isolated = 0;
    config.use_environment = 1;
    config.install_signal_handlers = init_signal_handlers ? 1 : 0;
    // ...plus the program name: an absolute path, so CPython's path configuration takes
    // the prefix from there (the directory above the stdlib landmark near it) instead of
    // from the first `python3` on PATH. PYTHONHOME, when set, still decides the prefix.
    const PyStatus status =
        PyConfig_SetBytesString(&config, &config.program_name, GIL_DEMO_PYTHON_EXECUTABLE);
    if (PyStatus_Exception(status) != 0) {
        PyConfig_Clear(&config);
        throw std::runtime_error(std::string("cannot configure Python: ") +
                                 (status.err_msg != nullptr ? status.err_msg : "out of memory"));
    }
    return config;
}

} // namespace

embedded_python::embedded_python(bool init_signal_handlers) {
    PyConfig config = build_python_config(init_signal_handlers);
    pybind11::initialize_interpreter(&config); // clears the configuration, even on failure
}

embedded_python::~embedded_python() {
    pybind11::finalize_interpreter();
}

} // namespace gil_demo
