// tests/fuzz/fuzz_word_count.cpp: libFuzzer target: the engine's counts against a simple reference
//
// Input layout: byte 0 is the needle's length (mod 32), then the needle, then the text;
// the last byte also picks the parallel grain, a cut point, the stream counter's piece size
// and the SIMD UTF-8 check's block size. Invalid UTF-8 must be rejected cleanly, at the
// same offset by the SIMD check (any block size, any cut), the scalar rules, the checked
// counts, the stream counter and the reference below (and counting it anyway must stay in
// bounds: ASan watches); valid UTF-8 must give the same count from count_sequential,
// count_parallel with tiny ranges, the checked variants, any two-part cut, the stream
// counter fed in small pieces, and the reference; and so must each kernel this CPU runs
// (scalar, vector, AVX2, AVX-512), forced one by one.
#include "each_kernel.hpp"
#include "engine/checked.hpp"
#include "engine/kernels.hpp"
#include "engine/utf8.hpp"
#include "naive.hpp"

#include "gilsafe/stream.hpp"
#include "gilsafe/text.hpp"
#include "gilsafe/word_count.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using code_points = std::vector<char32_t>;

// Python's decoder, written the slow way (Unicode Table 3-7): the offset of the first
// byte that starts no well-formed sequence, or npos. Kept apart from the engine's
// validator so a bug in one is caught by the other.
std::size_t reference_first_invalid(std::string_view bytes) {
    const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::size_t n = bytes.size();
    std::size_t p = 0;
    while (p < n) {
        const unsigned c = s[p];
        std::size_t len = 0;
        unsigned lo = 0x80;
        unsigned hi = 0xbf;
        if (c < 0x80) {
            len = 1;
        } else if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            lo = c == 0xe0 ? 0xa0 : 0x80; // no overlongs
            hi = c == 0xed ? 0x9f : 0xbf; // no surrogates
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            lo = c == 0xf0 ? 0x90 : 0x80;
            hi = c == 0xf4 ? 0x8f : 0xbf; // nothing above U+10FFFF
        } else {
            return p;
        }
        for (std::size_t i = 1; i < len; ++i) {
            const unsigned lo_i = i == 1 ? lo : 0x80;
            const unsigned hi_i = i == 1 ? hi : 0xbf;
            if (p + i >= n || s[p + i] < lo_i || s[p + i] > hi_i) {
                return p;
            }
        }
        p += len;
    }
    return std::string_view::npos;
}

// Valid UTF-8 to code points: the lead byte gives the length, nothing else to check.
code_points decode(std::string_view bytes) {
    code_points out;
    const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
    for (std::size_t p = 0; p < bytes.size();) {
        const unsigned c = s[p];
        const std::size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
        for (std::size_t i = 1; i < len; ++i) {
            cp = (cp << 6) | (s[p + i] & 0x3fU);
        }
        out.push_back(cp);
        p += len;
    }
    return out;
}

// The line boundaries of str.splitlines() (\r\n is handled by the caller).
bool is_line_break(char32_t c) {
    switch (c) {
    case U'\n':
    case U'\r':
    case U'\v':
    case U'\f':
    case 0x1c:
    case 0x1d:
    case 0x1e:
    case 0x85:
    case 0x2028:
    case 0x2029:
        return true;
    default:
        return false;
    }
}

// search_py, literally: contents.splitlines(), then line.split(" "), then ==.
std::size_t reference_count(const code_points& text, const code_points& needle) {
    std::vector<code_points> lines;
    code_points line;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!is_line_break(text[i])) {
            line.push_back(text[i]);
            continue;
        }
        if (text[i] == U'\r' && i + 1 < text.size() && text[i + 1] == U'\n') {
            ++i; // \r\n is one break
        }
        lines.push_back(line);
        line.clear();
    }
    if (!line.empty()) {
        lines.push_back(line); // a final break adds no empty line; empty text has none
    }
    std::size_t total = 0;
    for (const code_points& l : lines) {
        code_points field;
        for (std::size_t i = 0; i <= l.size(); ++i) {
            if (i == l.size() || l[i] == U' ') {
                total += field == needle ? 1U : 0U;
                field.clear();
            } else {
                field.push_back(l[i]);
            }
        }
    }
    return total;
}

[[noreturn]] void mismatch(const char* what, std::size_t got, std::size_t want) {
    std::fprintf(stderr, "fuzz_word_count: %s: got %zu, want %zu\n", what, got, want);
    std::abort();
}

void expect(const char* what, std::size_t got, std::size_t want) {
    if (got != want) {
        mismatch(what, got, want);
    }
}

// The stream counter fed `text` in pieces of `piece` bytes: its count, or the offset of
// its utf8_error in `first_invalid`.
gilsafe::checked_count stream_in_pieces(std::string_view text, std::string_view needle,
                                        std::size_t piece) {
    gilsafe::checked_count result;
    gilsafe::stream_counter counter(needle, "fuzz");
    try {
        for (std::size_t at = 0; at < text.size(); at += piece) {
            counter.feed(text.substr(at, piece));
        }
        result.count = counter.finish().count;
    } catch (const gilsafe::utf8_error& e) {
        result.first_invalid = e.offset();
    }
    return result;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t needle_size = std::min<std::size_t>(data[0] % 32U, size - 1);
    const std::string_view needle = input.substr(1, needle_size);
    const std::string_view text = input.substr(1 + needle_size);
    const std::uint8_t knob = data[size - 1];

    gilsafe::parallel_options tiny;
    tiny.grain = 1 + knob % 16U; // the engine raises it to its floor of 8: cuts land everywhere
    tiny.min_parallel_size = 1;  // even a one-byte text goes through parallel_reduce
    const std::size_t cut = text.empty() ? 0 : (std::size_t{knob} * 131U) % (text.size() + 1);

    const std::size_t bad = gilsafe::find_invalid_utf8(text);
    expect("find_invalid_utf8 vs reference", bad, reference_first_invalid(text));
    // The SIMD path's block edges: blocks of 1 to 67 bytes, the text cut in two.
    const std::size_t block = 1 + (std::size_t{knob} * 7U) % 67U;
    expect("find_invalid_utf8_scalar vs reference",
           gilsafe::detail::find_invalid_utf8_scalar(text, 0, text.size()), bad);
    expect("find_invalid_utf8_range in small blocks",
           gilsafe::detail::find_invalid_utf8_range(text, 0, text.size(), block), bad);
    expect("find_invalid_utf8_range in small blocks, cut in two",
           std::min(gilsafe::detail::find_invalid_utf8_range(text, 0, cut, block),
                    gilsafe::detail::find_invalid_utf8_range(text, cut, text.size(), block)),
           bad);
    expect("count_checked_range cut in two first_invalid",
           std::min(
               gilsafe::detail::count_checked_range(text, needle, 0, cut).first_invalid,
               gilsafe::detail::count_checked_range(text, needle, cut, text.size()).first_invalid),
           bad);
    expect("count_sequential_checked first_invalid",
           gilsafe::count_sequential_checked(text, needle).first_invalid, bad);
    expect("count_parallel_checked first_invalid",
           gilsafe::count_parallel_checked(text, needle, tiny).first_invalid, bad);
    const std::size_t piece = 1 + knob % 7U; // breaks and characters cut at every offset
    const gilsafe::checked_count streamed = stream_in_pieces(text, needle, piece);
    expect("stream_counter first_invalid", streamed.first_invalid, bad);
    const std::size_t bad_needle = gilsafe::find_invalid_utf8(needle);
    expect("find_invalid_utf8 of the needle vs reference", bad_needle,
           reference_first_invalid(needle));
    if (bad != std::string_view::npos || bad_needle != std::string_view::npos) {
        // Rejected. The engine promises some count and no out-of-bounds read on invalid
        // UTF-8: run it anyway so ASan checks that promise; the value means nothing.
        (void)gilsafe::count_sequential(text, needle);
        (void)gilsafe::count_parallel(text, needle, tiny);
        gilsafe_test::for_each_kernel([&](gilsafe::detail::kernel k) {
            (void)gilsafe::detail::count_range(text, needle, 0, cut);
            (void)gilsafe::detail::count_range(text, needle, cut, text.size());
            // Each kernel's UTF-8 check fused into the count finds the same first error.
            const std::string what = std::string("kernel ") + gilsafe::detail::name_of(k);
            expect((what + ": count_sequential_checked first_invalid").c_str(),
                   gilsafe::count_sequential_checked(text, needle).first_invalid, bad);
            expect((what + ": count_parallel_checked first_invalid").c_str(),
                   gilsafe::count_parallel_checked(text, needle, tiny).first_invalid, bad);
        });
        return 0;
    }

    const std::size_t want = reference_count(decode(text), decode(needle));
    expect("count_sequential", gilsafe::count_sequential(text, needle), want);
    expect("count_parallel", gilsafe::count_parallel(text, needle, tiny), want);
    expect("count_naive", gilsafe_test::count_naive(text, needle), want);
    expect("count_sequential_checked", gilsafe::count_sequential_checked(text, needle).count, want);
    expect("count_parallel_checked", gilsafe::count_parallel_checked(text, needle, tiny).count,
           want);
    expect("stream_counter", streamed.count, want);
    expect("count_range cut in two",
           gilsafe::detail::count_range(text, needle, 0, cut) +
               gilsafe::detail::count_range(text, needle, cut, text.size()),
           want);
    gilsafe_test::for_each_kernel([&](gilsafe::detail::kernel k) {
        const std::string what = std::string("kernel ") + gilsafe::detail::name_of(k);
        expect((what + ": count_sequential").c_str(), gilsafe::count_sequential(text, needle),
               want);
        expect((what + ": count_range cut in two").c_str(),
               gilsafe::detail::count_range(text, needle, 0, cut) +
                   gilsafe::detail::count_range(text, needle, cut, text.size()),
               want);
        expect((what + ": count_sequential_checked").c_str(),
               gilsafe::count_sequential_checked(text, needle).count, want);
    });
    return 0;
}
