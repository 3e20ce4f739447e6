// tests/support/naive.cpp: count_naive, search_py's loops written out in C++
#include "naive.hpp"

#include "engine/separators.hpp"

#include <vector>

namespace gilsafe_test {

using gilsafe::detail::byte;
using gilsafe::detail::bytes_of;
using gilsafe::detail::separator_length_at;

std::size_t count_naive(std::string_view text, std::string_view needle) {
    // Split into lines exactly as str.splitlines() does, then each line on ' '.
    std::vector<std::string_view> lines;
    const byte* s = bytes_of(text);
    const std::size_t n = text.size();
    std::size_t line_start = 0;
    std::size_t p = 0;
    while (p < n) {
        std::size_t len = separator_length_at(s, n, p);
        if (len != 0 && s[p] != ' ') {
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
