// src/engine/separators.hpp: the separator rules of str.splitlines() and str.split(" "), byte by
// byte
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>
#include <type_traits>

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

// Does a field equal to the (non-empty, separator-free) needle start at p? The neighbours
// first, the bytes last: a position inside a field costs O(1) whatever the needle's length,
// and a field start compares at most its own length plus one byte (the needle has no
// separator, so the comparison stops where the field ends), so a count is O(n + m). With
// the bytes compared first, n letters 'a' and a needle of m letters 'a' took O(n * m)
// (1 MB and 100 kB: 1.7 s, issue 25).
inline bool word_at(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                    std::size_t p) {
    return p + m <= n && (p == 0 || separator_ends_before(s, p)) &&
           (p + m == n || separator_starts_at(s, n, p + m)) && std::memcmp(s + p, needle, m) == 0;
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

/// A needle with its separator check done. The check reads the whole needle, so a count
/// makes it once and hands this to its slices, tasks and blocks: made again in each, a 1
/// MB needle was read for every 256 kB block, O(n * m) (issue 25). Made from a
/// string_view on purpose implicitly: a call with a plain needle checks it then.
struct needle_ref {
    needle_ref(std::string_view needle) // NOLINT(google-explicit-constructor)
        : bytes(needle), matches_nothing(!needle.empty() && needle_has_separator(needle)) {}
    /// From anything a string_view is made of (std::string, a literal).
    template <class Text,
              class = std::enable_if_t<std::is_convertible_v<const Text&, std::string_view>>>
    needle_ref(const Text& needle) // NOLINT(google-explicit-constructor)
        : needle_ref(std::string_view(needle)) {}

    std::string_view bytes;
    bool matches_nothing; ///< it contains a separator (the empty needle never does)
};

} // namespace gilsafe::detail
