// app/bench_stats.hpp: benchmark rounds, pytest-benchmark's statistics, its table and JSON
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace gil_demo {

/// pytest-benchmark's statistics of one benchmark's round times, in seconds, computed
/// the way its `Stats` class computes them (sample standard deviation, its quartiles).
struct bench_stats {
    double min = 0;
    double max = 0;
    double mean = 0;
    double stddev = 0;
    double median = 0;
    double q1 = 0;
    double q3 = 0;
    double iqr = 0;
    /// Lowest datum within 1.5 IQR under Q1, highest within 1.5 IQR over Q3 (Tukey).
    double ld15iqr = 0;
    double hd15iqr = 0;
    /// Rounds per second of total time: rounds / total.
    double ops = 0;
    double total = 0;
    std::size_t rounds = 0;
    /// Rounds outside mean +- stddev.
    std::size_t stddev_outliers = 0;
    /// Rounds outside [Q1 - 1.5 IQR, Q3 + 1.5 IQR].
    std::size_t iqr_outliers = 0;

    /// "stddev_outliers;iqr_outliers", the table's Outliers column.
    std::string outliers() const;
};

/// The statistics of `seconds` (one entry per round); throws std::invalid_argument
/// when it is empty.
bench_stats compute_bench_stats(const std::vector<double>& seconds);

/// One benchmark: its name (a pytest test name, so that `compare` lines rows up), its
/// round times and what one round reads.
struct bench_result {
    std::string name;
    std::vector<double> seconds;
    bench_stats stats;
    /// Bytes one round reads (the two-thread row reads the text twice); 0: unknown.
    double bytes_per_round = 0;
    /// Calls per round (always 1 here, as in the guide's table).
    std::size_t iterations = 1;
};

/// How many rounds to run: exactly `rounds` when non-zero; else rounds until they took
/// `max_time` seconds in all (pytest-benchmark's default budget), at least `min_rounds`
/// and at most `max_rounds`.
struct round_policy {
    std::size_t rounds = 0;
    double max_time = 1.0;
    std::size_t min_rounds = 5;
    std::size_t max_rounds = 1000000;

    /// True when `done` rounds that took `elapsed` seconds are enough.
    bool enough(std::size_t done, double elapsed) const;
};

/// Runs `round` once to warm up (untimed: the first call pays for thread pools and
/// caches), then the rounds `policy` asks for, timing each with a steady clock.
/// Returns the times of the timed rounds, in seconds.
std::vector<double> time_rounds(const std::function<void()>& round, const round_policy& policy);

/// The results as pytest-benchmark prints them: Min, Max, Mean, StdDev, Median, IQR,
/// Outliers, OPS, Rounds, Iterations, each time with its ratio to the best in
/// parentheses, rows sorted by Min; then a throughput column (GB/s of Min).
std::string bench_table(std::vector<bench_result> results);

/// What `bench_json` writes besides the results.
struct bench_json_context {
    /// pytest-benchmark's `machine_info` object, already JSON ("{}" if unknown).
    std::string machine_info_json = "{}";
    /// pytest-benchmark's `commit_info` object, already JSON ("{}" if unknown).
    std::string commit_info_json = "{}";
    /// ISO 8601 UTC time of the run; empty: now.
    std::string datetime;
    /// Goes into each benchmark's `extra_info`: needle, bytes, scale, threads.
    std::string extra_info_json = "{}";
    /// The rounds the results were taken with (the benchmarks' `options`).
    round_policy policy;
};

/// The results in pytest-benchmark's JSON layout (`machine_info`, `commit_info`,
/// `benchmarks[]` with `group`, `name`, `fullname`, `params`, `options`, `stats` and the
/// raw `data`, `datetime`, `version`), so `pytest-benchmark compare` reads it.
std::string bench_json(const std::vector<bench_result>& results, const bench_json_context& ctx);

} // namespace gil_demo
