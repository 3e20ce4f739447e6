// src/engine/separators.hpp: the separator rules of str.splitlines() and str.split(" "), byte by
// byte
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

namespace gilsafe::detail {

using byte = unsigned char;

inline const byte* bytes_of(std::string_view v) {
    return reinterpret_cast<const byte*>(v.data());
}

// Single-byte line breaks of str.splitlines().
inline bool is_break_byte(byte c) {
    return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e;
}

inline bool is_single_separator(byte c) {
    return c == ' ' || is_break_byte(c);
}

// Length of the separator that starts at p (\r\n is one), or 0 if none does.
inline std::size_t separator_length_at(const byte* s, std::size_t n, std::size_t p) {
    const byte c = s[p];
    if (c == '\r') {
        return p + 1 < n && s[p + 1] == '\n' ? 2 : 1;
    }
    if (is_single_separator(c)) {
        return 1;
    }
    if (c == 0xc2) { // U+0085 NEXT LINE
        return p + 1 < n && s[p + 1] == 0x85 ? 2 : 0;
    }
    if (c == 0xe2) { // U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR
        return p + 2 < n && s[p + 1] == 0x80 && (s[p + 2] == 0xa8 || s[p + 2] == 0xa9) ? 3 : 0;
    }
    return 0;
}

inline bool separator_starts_at(const byte* s, std::size_t n, std::size_t p) {
    return p < n && separator_length_at(s, n, p) != 0;
}

// True when a separator ends right before position p > 0. 0xc2 and 0xe2 are always lead
// bytes, so in valid UTF-8 "c2 85" is U+0085 wherever it appears (a character that merely
// ends in 0x85 has another byte before it).
inline bool separator_ends_before(const byte* s, std::size_t p) {
    const byte c = s[p - 1];
    if (is_single_separator(c)) {
        return true;
    }
    if (c == 0x85) {
        return p >= 2 && s[p - 2] == 0xc2;
    }
    if (c == 0xa8 || c == 0xa9) {
        return p >= 3 && s[p - 2] == 0x80 && s[p - 3] == 0xe2;
    }
    return false;
}

// Does a field equal to the (non-empty, separator-free) needle start at p?
inline bool word_at(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                    std::size_t p) {
    return p + m <= n && std::memcmp(s + p, needle, m) == 0 &&
           (p == 0 || separator_ends_before(s, p)) &&
           (p + m == n || separator_starts_at(s, n, p + m));
}

// Does an empty field start at p (0 <= p <= n)?
inline bool empty_field_at(const byte* s, std::size_t n, std::size_t p) {
    if (p == 0) {
        if (n == 0) {
            return false; // "".splitlines() has no lines at all
        }
    } else {
        if (!separator_ends_before(s, p)) {
            return false;
        }
        if (s[p - 1] == '\r' && p < n && s[p] == '\n') {
            return false; // inside \r\n: one break, no field between
        }
        if (p == n && s[p - 1] != ' ') {
            return false; // a final line break starts no new line
        }
    }
    return p == n || separator_starts_at(s, n, p);
}

/// True when the needle contains a space or a line break, so it can equal no field.
bool needle_has_separator(std::string_view needle);

} // namespace gilsafe::detail
