// tests/support/naive.cpp: count_naive, search_py's loops written out in C++
#include "naive.hpp"

#include <vector>

namespace gilsafe_test {
namespace {

// The line breaks of str.splitlines(), written out here rather than taken from the engine
// (separators.hpp): an oracle that shares the engine's table would be wrong with it.
std::size_t line_break_at(std::string_view text, std::size_t p) {
    switch (static_cast<unsigned char>(text[p])) {
    case '\n':
    case '\v':
    case '\f':
    case 0x1c:
    case 0x1d:
    case 0x1e:
        return 1;
    case '\r':
        return text.substr(p, 2) == "\r\n" ? 2 : 1;
    default:
        break;
    }
    if (text.substr(p, 2) == "\xc2\x85") { // U+0085 NEXT LINE
        return 2;
    }
    const std::string_view three = text.substr(p, 3); // U+2028, U+2029
    return three == "\xe2\x80\xa8" || three == "\xe2\x80\xa9" ? 3 : 0;
}

} // namespace

std::size_t count_naive(std::string_view text, std::string_view needle) {
    // Split into lines exactly as str.splitlines() does, then each line on ' '.
    std::vector<std::string_view> lines;
    const std::size_t n = text.size();
    std::size_t line_start = 0;
    std::size_t p = 0;
    while (p < n) {
        const std::size_t len = line_break_at(text, p);
        if (len != 0) {
            lines.push_back(text.substr(line_start, p - line_start));
            p += len;
            line_start = p;
        } else {
            ++p;
        }
    }
    if (line_start < n) {
        lines.push_back(text.substr(line_start));
    }
    std::size_t total = 0;
    for (const std::string_view line : lines) {
        std::size_t word_start = 0;
        for (std::size_t q = 0; q <= line.size(); ++q) {
            if (q == line.size() || line[q] == ' ') {
                total += line.substr(word_start, q - word_start) == needle ? 1U : 0U;
                word_start = q + 1;
            }
        }
    }
    return total;
}

} // namespace gilsafe_test
