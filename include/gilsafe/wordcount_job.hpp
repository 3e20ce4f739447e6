// include/gilsafe/wordcount_job.hpp: the guide's four word-count variants, run and timed
#pragma once

#include "gilsafe/text.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gilsafe {

/// The guide's four ways to count.
enum class variant { parallel, sequential, sequential_threads, python };

/// "parallel", "sequential", "sequential-threads" or "python".
const char* variant_name(variant v);
/// The variant called `name`, if there is one.
std::optional<variant> parse_variant(std::string_view name);
/// All four, in the guide's order.
std::vector<variant> all_variants();

/// One variant's answer and the wall time it took.
struct variant_result {
    variant which;
    std::size_t count;
    double seconds;
};

/// What `gil_demo wordcount` reports.
struct wordcount_report {
    std::string file;
    std::string needle;
    std::size_t bytes = 0;
    std::vector<variant_result> results;
    /// True when every variant returned the same count.
    bool agree = true;
};

/// Runs `variants` on `t` in order; throws input_error if `t` is not valid UTF-8 (the C++
/// variants check it in their counting pass, and their time includes it). Needs a running interpreter whose GIL
/// the caller holds (the embedded `word_count` module serves the Python variants); it
/// is released while C++ counts. `on_start` hears of each variant before it runs. `sequential_threads` throws std::runtime_error if its
/// two threads disagree.
wordcount_report run_wordcount(const text& t, std::string_view needle,
                               const std::vector<variant>& variants,
                               const std::function<void(variant)>& on_start = {});

/// The report as one JSON object: {"file", "needle", "bytes", "results", "agree"}.
std::string to_json(const wordcount_report& report);
/// The report as a table: one row per variant with count, time and throughput.
std::string to_table(const wordcount_report& report);

} // namespace gilsafe
