// tests/support/kernel_runs.cpp: `kernel_runs NAME`: exit 0 when the kernel NAME runs on this CPU,
// else say so and exit 77 (ctest's SKIP_RETURN_CODE for the kernel.NAME.* reruns)
//
// GILSAFE_KERNEL naming a kernel the CPU lacks falls back to the fastest it has, so without
// this guard kernel.avx512.* passed on a CPU without AVX-512 while testing another kernel.
#include "engine/kernels.hpp"

#include <cstdio>

int main(int argc, char** argv) {
    gilsafe::detail::kernel k{};
    if (argc != 2 || !gilsafe::detail::kernel_named(argv[1], k)) {
        std::fprintf(stderr, "usage: kernel_runs scalar|sse2|avx2|avx512\n");
        return 2;
    }
    if (!gilsafe::detail::kernel_supported(k)) {
        std::printf("kernel %s: not run on this CPU (skipped)\n", argv[1]);
        return 77;
    }
    return 0;
}
