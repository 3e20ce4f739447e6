// app/wordcount_job.cpp: one timed call of each variant over a text, as a table or JSON
#include "wordcount_job.hpp"

#include "json.hpp"

#include <chrono>
#include <cstdio>

namespace gil_demo {

wordcount_report run_wordcount(const gilsafe::text& t, std::string_view needle,
                               const std::vector<variant>& variants,
                               const std::function<void(variant)>& on_start) {
    wordcount_report report{t.name(), std::string(needle), t.view().size(), {}, true};
    // One timed call each, as before: the two-thread call makes its own pool.
    variant_runner runner(t.view(), t.name(), needle, {/*check_utf8=*/true, /*keep_pool=*/false});
    for (const variant v : variants) {
        if (on_start) {
            on_start(v);
        }
        runner.prepare(v);
        const auto start = std::chrono::steady_clock::now();
        const std::size_t count = runner.run(v);
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        if (!report.results.empty() && count != report.results.front().count) {
            report.agree = false;
        }
        report.results.push_back({v, count, took.count()});
    }
    runner.close();
    return report;
}

std::string to_json(const wordcount_report& report) {
    std::string out = "{\"file\": " + json_string(report.file) +
                      ", \"needle\": " + json_string(report.needle) +
                      ", \"bytes\": " + std::to_string(report.bytes) + ", \"results\": [";
    for (std::size_t i = 0; i < report.results.size(); ++i) {
        const variant_result& r = report.results[i];
        out += i == 0 ? "" : ", ";
        out += "{\"variant\": " + json_string(info(r.which).name) +
               ", \"count\": " + std::to_string(r.count) +
               ", \"seconds\": " + json_number(r.seconds) + "}";
    }
    out += std::string("], \"agree\": ") + (report.agree ? "true" : "false") + "}";
    return out;
}

std::string to_table(const wordcount_report& report) {
    char line[160];
    std::string out = json_string(report.file) + ": " + std::to_string(report.bytes) +
                      " bytes, needle " + json_string(report.needle) + "\n";
    std::snprintf(line, sizeof line, "%-20s %14s %12s %12s\n", "variant", "count", "time (ms)",
                  "GB/s");
    out += line;
    for (const variant_result& r : report.results) {
        const double bytes =
            static_cast<double>(report.bytes) * (info(r.which).reads_twice ? 2.0 : 1.0);
        const double gbps = r.seconds > 0 ? bytes / r.seconds / 1e9 : 0.0;
        std::snprintf(line, sizeof line, "%-20s %14zu %12.3f %12.2f\n", info(r.which).name, r.count,
                      r.seconds * 1e3, gbps);
        out += line;
    }
    if (report.results.size() > 1) {
        out += report.agree
                   ? "all variants agree: " + std::to_string(report.results[0].count) + "\n"
                   : std::string("the variants DISAGREE\n");
    }
    return out;
}

} // namespace gil_demo
