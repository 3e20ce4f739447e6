// tests/bench/bench_kernels.cpp: Google Benchmark of the engine's kernels alone, against a memchr
// scan
#include "corpus.hpp"

#include "gilsafe/text.hpp"
#include "gilsafe/word_count.hpp"

#include <benchmark/benchmark.h>

#include <cstring>
#include <string>

namespace {

// The guide's corpus at 1000 (858 kB) and 100000 (85.8 MB) repetitions.
const std::string& corpus(std::int64_t scale) {
    static const std::string small = gil_demo::zen_corpus(1000);
    static const std::string large = gil_demo::zen_corpus(100000);
    return scale == 1000 ? small : large;
}

void set_bytes(benchmark::State& state, std::size_t bytes) {
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(bytes));
}

// The ceiling for anything that reads every byte once: memchr for a byte that is absent.
void memchr_scan(benchmark::State& state) {
    const std::string& text = corpus(state.range(0));
    for (auto _ : state) {
        benchmark::DoNotOptimize(std::memchr(text.data(), 0x01, text.size()));
    }
    set_bytes(state, text.size());
}

void count_sequential(benchmark::State& state) {
    const std::string& text = corpus(state.range(0));
    for (auto _ : state) {
        benchmark::DoNotOptimize(gilsafe::count_sequential(text, "is"));
    }
    set_bytes(state, text.size());
}

void count_parallel(benchmark::State& state) {
    const std::string& text = corpus(state.range(0));
    for (auto _ : state) {
        benchmark::DoNotOptimize(gilsafe::count_parallel(text, "is"));
    }
    set_bytes(state, text.size());
}

void count_empty_needle(benchmark::State& state) {
    const std::string& text = corpus(state.range(0));
    for (auto _ : state) {
        benchmark::DoNotOptimize(gilsafe::count_sequential(text, ""));
    }
    set_bytes(state, text.size());
}

void validate_utf8(benchmark::State& state) {
    const std::string& text = corpus(state.range(0));
    for (auto _ : state) {
        benchmark::DoNotOptimize(gilsafe::find_invalid_utf8(text));
    }
    set_bytes(state, text.size());
}

} // namespace

BENCHMARK(memchr_scan)->Arg(1000)->Arg(100000)->UseRealTime();
BENCHMARK(count_sequential)->Arg(1000)->Arg(100000)->UseRealTime();
BENCHMARK(count_parallel)->Arg(1000)->Arg(100000)->UseRealTime();
BENCHMARK(count_empty_needle)->Arg(1000)->Arg(100000)->UseRealTime();
BENCHMARK(validate_utf8)->Arg(1000)->Arg(100000)->UseRealTime();
BENCHMARK_MAIN();
