// app/bench_run.hpp: the guide's benchmark (four word counts) run from the embedded host
#pragma once

#include "bench_stats.hpp"
#include "corpus.hpp"
#include "variants.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace gil_demo {

/// What `gil_demo bench` measures.
struct bench_request {
    /// The text: the guide's (a newline and the Zen of Python) or a generated one of the
    /// same size (make_corpus).
    corpus_kind corpus = corpus_kind::zen;
    /// Repetitions of the guide's corpus (858 bytes each).
    std::size_t scale = 1000;
    /// When not empty: the corpus is also written to this file, before any measurement.
    std::string save_corpus;
    std::string needle = "is";
    /// Rows to measure, in this order; empty: all four, in the guide's order.
    std::vector<variant> variants;
    round_policy policy;
};

/// The measured rows and what they counted.
struct bench_report {
    corpus_kind corpus = corpus_kind::zen;
    std::size_t scale = 0;
    std::string needle;
    std::size_t bytes = 0;
    /// What one call counts (the two-thread row counts twice this).
    std::size_t count = 0;
    std::vector<bench_result> results;
};

/// Measures each requested variant as the guide's benchmark does: one warm-up call, then
/// timed rounds, each one call of variant_runner (the two-thread row: two calls on one
/// ThreadPoolExecutor(max_workers=2) kept for all rounds). Every call's answer is checked
/// against count_sequential (std::runtime_error if one differs).
/// Needs a running interpreter whose GIL the caller holds. `on_start` hears of each row.
bench_report run_bench(const bench_request& request,
                       const std::function<void(variant)>& on_start = {});

/// pytest-benchmark's `machine_info` for this process, as JSON (node, processor,
/// machine, python_*, release, system, cpu). Needs the GIL.
std::string machine_info_json();

/// The report in pytest-benchmark's JSON layout (see bench_json); `threads` is the
/// oneTBB cap in force (0: none). Needs the GIL.
std::string to_bench_json(const bench_report& report, const round_policy& policy,
                          std::size_t threads);

} // namespace gil_demo
