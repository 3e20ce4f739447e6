// src/engine/utf8.cpp: UTF-8 validation with exact offsets, the rules of Python's decoder
#include "utf8.hpp"

#include "gilsafe/text.hpp"

#include <simdjson.h>

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace gilsafe {
namespace {

// Length of the well-formed UTF-8 sequence at p, or 0 (Unicode Table 3-7).
std::size_t utf8_sequence_length(const unsigned char* s, std::size_t n, std::size_t p) {
    const unsigned char c = s[p];
    auto cont = [&](std::size_t i, unsigned char lo, unsigned char hi) {
        return p + i < n && s[p + i] >= lo && s[p + i] <= hi;
    };
    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        return cont(1, 0x80, 0xbf) ? 2 : 0;
    }
    if (c >= 0xe0 && c <= 0xef) {
        const unsigned char lo = c == 0xe0 ? 0xa0 : 0x80;
        const unsigned char hi = c == 0xed ? 0x9f : 0xbf; // no surrogates
        return cont(1, lo, hi) && cont(2, 0x80, 0xbf) ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        const unsigned char lo = c == 0xf0 ? 0x90 : 0x80;
        const unsigned char hi = c == 0xf4 ? 0x8f : 0xbf;
        return cont(1, lo, hi) && cont(2, 0x80, 0xbf) && cont(3, 0x80, 0xbf) ? 4 : 0;
    }
    return 0;
}

// Length of the all-ASCII prefix of [p, n), checked 64 bytes at a time.
std::size_t ascii_run(const unsigned char* s, std::size_t n, std::size_t p) {
    const std::size_t start = p;
#if defined(__SSE2__)
    while (p + 64 <= n) {
        const auto* v = reinterpret_cast<const __m128i*>(s + p);
        const __m128i any =
            _mm_or_si128(_mm_or_si128(_mm_loadu_si128(v), _mm_loadu_si128(v + 1)),
                         _mm_or_si128(_mm_loadu_si128(v + 2), _mm_loadu_si128(v + 3)));
        if (_mm_movemask_epi8(any) != 0) {
            break;
        }
        p += 64;
    }
#endif
    while (p < n && s[p] < 0x80) {
        ++p;
    }
    return p - start;
}

bool continuation(const unsigned char* s, std::size_t i) {
    return (s[i] & 0xc0) == 0x80;
}

// True when every character that starts in [begin, end) of `bytes` is well-formed; false
// when one may not be (the scalar check then says which). The SIMD validator sees a
// buffer, not a range: a character cut at `begin` has its tail checked here, and the
// buffer runs on to the end of the character cut at `end`.
bool block_is_valid(std::string_view bytes, std::size_t begin, std::size_t end) {
    const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::size_t n = bytes.size();
    std::size_t from = begin;
    while (from < end && from - begin < 3 && continuation(s, from)) {
        ++from;
    }
    if (from > begin &&
        detail::find_invalid_utf8_scalar(bytes, begin, from) != std::string_view::npos) {
        return false;
    }
    if (from >= end) {
        return true;
    }
    std::size_t to = end;
    while (to < n && to - end < 3 && continuation(s, to)) {
        ++to;
    }
    return simdjson::validate_utf8(bytes.data() + from, to - from);
}

} // namespace

std::size_t find_invalid_utf8(std::string_view bytes, const stop_signal& stop) {
    // Slice by slice (ranges compose), polling `stop` in between.
    constexpr std::size_t slice = std::size_t{16} << 20;
    for (std::size_t at = 0; at < bytes.size(); at += slice) {
        stop.throw_if_requested();
        const std::size_t bad = detail::find_invalid_utf8_range(bytes, at, at + slice);
        if (bad != std::string_view::npos) {
            return bad;
        }
    }
    return std::string_view::npos;
}

namespace detail {

std::size_t find_invalid_utf8_range(std::string_view bytes, std::size_t begin, std::size_t end,
                                    std::size_t block) {
    end = std::min(end, bytes.size());
    block = std::max<std::size_t>(block, 1);
    for (std::size_t at = begin; at < end;) {
        const std::size_t stop = end - at > block ? at + block : end;
        if (!block_is_valid(bytes, at, stop)) {
            const std::size_t bad = find_invalid_utf8_scalar(bytes, at, stop);
            if (bad != std::string_view::npos) {
                return bad; // else the rejection was a later block's error
            }
        }
        at = stop;
    }
    return std::string_view::npos;
}

const char* utf8_validator_name() {
    return simdjson::get_active_implementation()->name().c_str();
}

std::size_t find_invalid_utf8_scalar(std::string_view bytes, std::size_t begin, std::size_t end) {
    const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::size_t n = bytes.size();
    end = std::min(end, n);
    std::size_t p = begin;
    if (p < end && continuation(s, p)) {
        // The tail of a character that starts before the range is that range's to check;
        // a continuation byte that no valid character covers is an error here.
        std::size_t q = p;
        while (q > 0 && p - q < 3 && continuation(s, q - 1)) {
            --q;
        }
        if (q == 0 || continuation(s, q - 1)) {
            return p;
        }
        const std::size_t len = utf8_sequence_length(s, n, q - 1);
        if (len == 0 || q - 1 + len <= p) {
            return p;
        }
        p = q - 1 + len;
    }
    while (p < end) {
        p += ascii_run(s, end, p);
        if (p >= end) {
            break;
        }
        const std::size_t len = utf8_sequence_length(s, n, p);
        if (len == 0) {
            return p;
        }
        p += len;
    }
    return std::string_view::npos;
}

} // namespace detail
} // namespace gilsafe
