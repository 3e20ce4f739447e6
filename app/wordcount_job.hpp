// app/wordcount_job.hpp: `gil_demo wordcount`'s run of the variants over one text, and its report
#pragma once

#include "variants.hpp"

#include "gilsafe/text.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace gil_demo {

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

/// Runs `variants` on `t` in order, one timed call each (variant_runner, UTF-8 checked:
/// gilsafe::utf8_error if `t` is not valid UTF-8). Needs a running interpreter whose GIL
/// the caller holds. `on_start` hears of each variant before it runs.
wordcount_report run_wordcount(const gilsafe::text& t, std::string_view needle,
                               const std::vector<variant>& variants,
                               const std::function<void(variant)>& on_start = {});

/// The report as one JSON object: {"file", "needle", "bytes", "results", "agree"}.
std::string to_json(const wordcount_report& report);
/// The report as a table: one row per variant with count, time and throughput.
std::string to_table(const wordcount_report& report);

} // namespace gil_demo
