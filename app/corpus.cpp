// app/corpus.cpp: the Zen of Python, compiled in from data/zen_of_python.txt
#include "corpus.hpp"

#include "embedded_text.hpp"

namespace gil_demo {

std::string_view zen_of_python() {
    std::string_view zen = embedded::zen_of_python_txt;
    while (!zen.empty() && zen.back() == '\n') {
        zen.remove_suffix(1);
    }
    return zen;
}

std::string zen_corpus(std::size_t scale) {
    const std::string_view zen = zen_of_python();
    std::string unit;
    unit.reserve(zen.size() + 2);
    unit += '\n';
    unit += zen;
    unit += '\n';
    std::string out;
    out.reserve(unit.size() * scale);
    for (std::size_t i = 0; i < scale; ++i) {
        out += unit;
    }
    return out;
}

} // namespace gil_demo
