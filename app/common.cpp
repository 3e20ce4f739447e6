// app/common.cpp: helpers shared by the subcommands
#include "commands.hpp"

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

} // namespace gil_demo
