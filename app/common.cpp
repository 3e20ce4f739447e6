// app/common.cpp: helpers shared by the subcommands
#include "commands.hpp"

#include "gilsafe/bindings.hpp"

#include <pybind11/embed.h>

namespace gil_demo {

std::string one_line(const std::string& msg) {
    std::string out;
    for (const char c : msg) {
        if (c == '\n' || c == '\r') {
            if (!out.empty() && out.compare(out.size() - 3, 3, " | ") != 0) {
                out += " | ";
            }
        } else {
            out += c;
        }
    }
    while (out.size() >= 3 && out.compare(out.size() - 3, 3, " | ") == 0) {
        out.resize(out.size() - 3);
    }
    return out;
}

int with_interpreter(const std::function<int()>& body) {
    const pybind11::scoped_interpreter interpreter(false);
    try {
        return body();
    } catch (const pybind11::error_already_set& e) {
        throw std::runtime_error(gilsafe::python_error_message(e));
    }
}

} // namespace gil_demo
