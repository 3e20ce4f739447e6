// tests/bench/bench_kernel_variants.cpp: Google Benchmark of each counting kernel this CPU runs,
// forced one by one, beside a memchr scan of the same buffer
//
// Rows: memchr/SIZE, then KERNEL/NEEDLE/SIZE for the kernels (scalar, sse2, avx2, avx512:
// those this CPU has), the needles "is", "" (the empty needle) and "better", and the sizes
// 858 kB (Zen x1000, in cache), 85.8 MB (Zen x100000, in memory) and 1 GiB (the Zen text
// repeated; out of every cache, built on first use). A row's time over memchr's at the
// same size is the ratio the README quotes. Filter with --benchmark_filter, e.g.
// 'memchr|avx512/is/'.
#include "corpus.hpp"
#include "engine/kernels.hpp"

#include "gilsafe/word_count.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace {

constexpr std::size_t gib = std::size_t{1} << 30;

// The corpora, built once on first use.
const std::string& corpus(std::size_t size) {
    static const std::string small = gil_demo::zen_corpus(1000);
    static const std::string large = gil_demo::zen_corpus(100000);
    if (size == small.size()) {
        return small;
    }
    if (size == large.size()) {
        return large;
    }
    static const std::string huge = [] {
        std::string text = gil_demo::zen_corpus(gib / 858 + 1);
        text.resize(gib); // the Zen text is ASCII: any cut is a character boundary
        return text;
    }();
    return huge;
}

std::string size_name(std::size_t size) {
    return size == gib ? "1GiB" : size == 858000 ? "858kB" : "85.8MB";
}

void set_bytes(benchmark::State& state, std::size_t bytes) {
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(bytes));
}

// The ceiling for anything that reads every byte once: memchr for a byte that is absent.
void memchr_scan(benchmark::State& state, std::size_t size) {
    const std::string& text = corpus(size);
    for (auto _ : state) {
        benchmark::DoNotOptimize(std::memchr(text.data(), 0x01, text.size()));
    }
    set_bytes(state, text.size());
}

void count_with(benchmark::State& state, gilsafe::detail::kernel k, const std::string& needle,
                std::size_t size) {
    const std::string& text = corpus(size);
    const gilsafe::detail::kernel before = gilsafe::detail::active_kernel();
    if (gilsafe::detail::use_kernel(k) != k) {
        state.SkipWithError("kernel not supported here");
        return;
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(gilsafe::count_sequential(text, needle));
    }
    gilsafe::detail::use_kernel(before);
    set_bytes(state, text.size());
}

} // namespace

int main(int argc, char** argv) {
    for (const std::size_t size : {std::size_t{858000}, std::size_t{85800000}, gib}) {
        benchmark::RegisterBenchmark(("memchr/" + size_name(size)).c_str(), memchr_scan, size)
            ->UseRealTime();
        for (const gilsafe::detail::kernel k : gilsafe::detail::supported_kernels()) {
            for (const std::string needle : {"is", "", "better"}) {
                const std::string name = std::string(gilsafe::detail::name_of(k)) + "/" +
                                         (needle.empty() ? "empty" : needle) + "/" +
                                         size_name(size);
                benchmark::RegisterBenchmark(name.c_str(), count_with, k, needle, size)
                    ->UseRealTime();
            }
        }
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
