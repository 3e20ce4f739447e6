// tests/bench/bench_kernels.cpp: Google Benchmark of the engine's kernels alone, against a memchr
// scan
//
// Every corpus (zen, cyrillic, cjk, mixed: app/corpus.hpp) at three sizes: 858 kB (in
// cache), 85.8 MB and 1 GiB (out of every cache). Each buffer's rows run together, after a
// `memchr` scan of it, so the ratios can be read in one run; one buffer is held at a time.
// Names: ROW/CORPUS/SIZE, e.g. count_sequential_checked/cyrillic/85.8MB; select with
// --benchmark_filter (say '/85.8MB' or 'cjk').
#include "corpus.hpp"
#include "engine/utf8.hpp"

#include "gilsafe/text.hpp"
#include "gilsafe/word_count.hpp"

#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>

namespace {

struct buffer_size {
    const char* label;
    std::size_t scale; // repetitions of zen's 858 bytes
};

constexpr buffer_size sizes[] = {
    {"858kB", 1000}, {"85.8MB", 100000}, {"1GiB", (std::size_t{1} << 30) / 858}};

// The buffer of the rows now running; the next buffer replaces it (1 GiB each).
struct buffer {
    gil_demo::corpus_kind kind;
    std::size_t scale;
    std::string text;
};
std::unique_ptr<buffer> current;

const std::string& text_of(gil_demo::corpus_kind kind, std::size_t scale) {
    if (!current || current->kind != kind || current->scale != scale) {
        current.reset();
        current = std::make_unique<buffer>(buffer{kind, scale, gil_demo::make_corpus(kind, scale)});
    }
    return current->text;
}

using row = void (*)(benchmark::State&, const std::string&);

// The ceiling for anything that reads every byte once: memchr for a byte that is absent.
void memchr_scan(benchmark::State& state, const std::string& text) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(std::memchr(text.data(), 0x01, text.size()));
    }
}

void count_sequential(benchmark::State& state, const std::string& text) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(gilsafe::count_sequential(text, "is"));
    }
}

// What `gil_demo wordcount FILE --variant sequential` runs: the count and the UTF-8 check.
void count_sequential_checked(benchmark::State& state, const std::string& text) {
    for (auto _ : state) {
        const gilsafe::checked_count c = gilsafe::count_sequential_checked(text, "is");
        if (c.first_invalid != std::string::npos) {
            state.SkipWithError("the corpus is not valid UTF-8");
        }
        benchmark::DoNotOptimize(c.count);
    }
}

void count_parallel(benchmark::State& state, const std::string& text) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(gilsafe::count_parallel(text, "is"));
    }
}

// What `gil_demo wordcount FILE` runs.
void count_parallel_checked(benchmark::State& state, const std::string& text) {
    for (auto _ : state) {
        const gilsafe::checked_count c = gilsafe::count_parallel_checked(text, "is");
        if (c.first_invalid != std::string::npos) {
            state.SkipWithError("the corpus is not valid UTF-8");
        }
        benchmark::DoNotOptimize(c.count);
    }
}

void count_empty_needle(benchmark::State& state, const std::string& text) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(gilsafe::count_sequential(text, ""));
    }
}

// find_invalid_utf8: the SIMD validator, skipping nothing.
void validate_utf8(benchmark::State& state, const std::string& text) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(gilsafe::find_invalid_utf8(text));
    }
}

// The scalar rules alone: what every non-ASCII byte cost before the SIMD validator.
void validate_utf8_scalar(benchmark::State& state, const std::string& text) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(gilsafe::detail::find_invalid_utf8_scalar(text, 0, text.size()));
    }
}

constexpr std::pair<const char*, row> rows[] = {
    {"memchr_scan", memchr_scan},
    {"count_sequential", count_sequential},
    {"count_sequential_checked", count_sequential_checked},
    {"count_parallel", count_parallel},
    {"count_parallel_checked", count_parallel_checked},
    {"count_empty_needle", count_empty_needle},
    {"validate_utf8", validate_utf8},
    {"validate_utf8_scalar", validate_utf8_scalar},
};

} // namespace

int main(int argc, char** argv) {
    // Buffer by buffer (benchmarks run in the order they are registered).
    for (const buffer_size& size : sizes) {
        for (const std::string& name : gil_demo::corpus_names()) {
            const gil_demo::corpus_kind kind = *gil_demo::parse_corpus(name);
            for (const auto& [row_name, fn] : rows) {
                const std::string full = std::string(row_name) + "/" + name + "/" + size.label;
                benchmark::RegisterBenchmark(full.c_str(), [kind, scale = size.scale,
                                                            fn = fn](benchmark::State& state) {
                    const std::string& text = text_of(kind, scale);
                    fn(state, text);
                    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                                            static_cast<std::int64_t>(text.size()));
                })->UseRealTime();
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
