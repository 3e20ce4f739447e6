// src/gil/python_error.cpp: a Python error as one line, for messages and logs
#include "gilsafe/gil.hpp"

namespace py = pybind11;

namespace gilsafe {

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

} // namespace gilsafe
