// src/engine/kernel_select.cpp: which kernel counts: the CPU's best, or the one GILSAFE_KERNEL
// or a test names
#include "gilsafe/word_count.hpp"

#include "kernels.hpp"

#include <atomic>
#include <cstdlib>

namespace gilsafe {
namespace detail {
namespace {

constexpr kernel all_kernels[] = {kernel::scalar, kernel::vector, kernel::avx2, kernel::avx512};

std::atomic<kernel>& selected() {
    static std::atomic<kernel> k{default_kernel()};
    return k;
}

} // namespace

kernel kernel_for_setting(const char* setting) {
    kernel k = kernel::scalar;
    if (setting != nullptr && kernel_named(setting, k) && kernel_supported(k)) {
        return k;
    }
    return best_kernel(); // unset, "auto", unknown, or not on this CPU
}

kernel default_kernel() {
    static const kernel k = kernel_for_setting(std::getenv("GILSAFE_KERNEL"));
    return k;
}

bool kernel_supported(kernel k) {
    switch (k) {
    case kernel::scalar:
        return true;
    case kernel::vector:
        return vector_supported();
    case kernel::avx2:
        return avx2_supported();
    case kernel::avx512:
        return avx512_supported();
    }
    return false;
}

std::vector<kernel> supported_kernels() {
    std::vector<kernel> out;
    for (const kernel k : all_kernels) {
        if (kernel_supported(k)) {
            out.push_back(k);
        }
    }
    return out;
}

kernel best_kernel() {
    static const kernel best = supported_kernels().back();
    return best;
}

const char* name_of(kernel k) {
    switch (k) {
    case kernel::scalar:
        return "scalar";
    case kernel::vector:
#if defined(__x86_64__) || defined(__i386__)
        return "sse2";
#elif defined(__ARM_NEON) || defined(__aarch64__)
        return "neon";
#else
        return "vector";
#endif
    case kernel::avx2:
        return "avx2";
    case kernel::avx512:
        return "avx512";
    }
    return "unknown";
}

bool kernel_named(std::string_view name, kernel& out) {
    if (name == "vector") {
        out = kernel::vector;
        return true;
    }
    for (const kernel k : all_kernels) {
        if (name == name_of(k)) {
            out = k;
            return true;
        }
    }
    return false;
}

kernel active_kernel() {
    return selected().load(std::memory_order_relaxed);
}

kernel use_kernel(kernel k) {
    const kernel used = kernel_supported(k) ? k : best_kernel();
    selected().store(used, std::memory_order_relaxed);
    return used;
}

std::size_t count_words(const byte* s, std::size_t n, const byte* needle, std::size_t m,
                        std::size_t begin, std::size_t end, utf8_scan* scan) {
    switch (active_kernel()) {
    case kernel::avx512:
        return count_words_avx512(s, n, needle, m, begin, end, scan);
    case kernel::avx2:
        return count_words_avx2(s, n, needle, m, begin, end, scan);
    case kernel::vector:
        return count_words_vector(s, n, needle, m, begin, end, scan);
    case kernel::scalar:
        break;
    }
    return count_words_scalar(s, n, needle, m, begin, end, scan);
}

std::size_t count_empty(const byte* s, std::size_t n, std::size_t begin, std::size_t end) {
    switch (active_kernel()) {
    case kernel::avx512:
        return count_empty_avx512(s, n, begin, end);
    case kernel::avx2:
        return count_empty_avx2(s, n, begin, end);
    case kernel::vector:
        return count_empty_vector(s, n, begin, end);
    case kernel::scalar:
        break;
    }
    return count_empty_scalar(s, n, begin, end);
}

} // namespace detail

const char* kernel_name() {
    return detail::name_of(detail::active_kernel());
}

} // namespace gilsafe
