// app/bench_stats.cpp: round timing, pytest-benchmark's statistics, table and JSON layout
#include "bench_stats.hpp"

#include "json.hpp"

#include "gilsafe/version.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <map>
#include <stdexcept>

namespace gil_demo {
namespace {

// statistics.median of sorted data.
double median_of(const std::vector<double>& sorted, std::size_t begin, std::size_t end) {
    const std::size_t n = end - begin;
    const std::size_t mid = begin + n / 2;
    return n % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// pytest-benchmark's Stats.q1 and Stats.q3 (Wikipedia's "method 3" for an odd count,
// "method 2" for an even one), to the index.
double quartile_1(const std::vector<double>& d) {
    const std::size_t n = d.size();
    if (n == 1) {
        return d[0];
    }
    if (n % 2 == 1) {
        const std::size_t k = n / 4;
        return n % 4 == 1 ? 0.25 * d[k - 1] + 0.75 * d[k] : 0.75 * d[k] + 0.25 * d[k + 1];
    }
    return median_of(d, 0, n / 2);
}

double quartile_3(const std::vector<double>& d) {
    const std::size_t n = d.size();
    if (n == 1) {
        return d[0];
    }
    if (n % 2 == 1) {
        const std::size_t k = n / 4;
        return n % 4 == 1 ? 0.75 * d[3 * k] + 0.25 * d[3 * k + 1]
                          : 0.25 * d[3 * k + 1] + 0.75 * d[3 * k + 2];
    }
    return median_of(d, n / 2, n);
}

// Python's "{0:,.4f}" (or ",.2f"): fixed point with thousands separators.
std::string grouped(double value, int decimals = 4) {
    if (!std::isfinite(value)) {
        return value > 0 ? "inf" : (value < 0 ? "-inf" : "nan");
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    std::string s = buf;
    const std::size_t sign = s[0] == '-' ? 1 : 0;
    std::size_t point = s.find('.');
    if (point == std::string::npos) {
        point = s.size();
    }
    for (std::size_t at = point; at > sign + 3; at -= 3) {
        s.insert(at - 3, ",");
    }
    return s;
}

// Python's str.center(width, fill), which puts the odd character as CPython does.
std::string centered(const std::string& s, std::size_t width, char fill) {
    if (s.size() >= width) {
        return s;
    }
    const std::size_t margin = width - s.size();
    const std::size_t left = margin / 2 + (margin & width & 1);
    return std::string(left, fill) + s + std::string(margin - left, fill);
}

std::string right(const std::string& s, std::size_t width) {
    return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string left(const std::string& s, std::size_t width) {
    return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

// pytest-benchmark's compute_baseline_scale: " (ratio)" padded to `width`.
std::string baseline_scale(double best, double value, std::size_t width) {
    if (value == best) {
        return left(" (1.0)", width);
    }
    const double scale =
        best != 0 ? std::fabs(value / best) : std::numeric_limits<double>::infinity();
    if (scale > 1000) {
        return left(std::isinf(scale) ? " (inf)" : " (>1000.0)", width);
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, " (%.2f)", scale);
    return left(buf, width);
}

// pytest-benchmark's time_unit and operations_unit.
std::pair<std::string, double> time_unit(double seconds) {
    if (seconds < 1e-6) {
        return {"n", 1e9};
    }
    if (seconds < 1e-3) {
        return {"u", 1e6};
    }
    if (seconds < 1) {
        return {"m", 1e3};
    }
    return {"", 1.0};
}

std::pair<std::string, double> operations_unit(double ops) {
    if (ops > 1e6) {
        return {"M", 1e-6};
    }
    if (ops > 1e3) {
        return {"K", 1e-3};
    }
    return {"", 1.0};
}

enum class column { min, max, mean, stddev, median, iqr, outliers, ops, rounds, iterations };

constexpr column all_columns[] = {
    column::min, column::max,      column::mean, column::stddev, column::median,
    column::iqr, column::outliers, column::ops,  column::rounds, column::iterations};

bool is_count(column c) {
    return c == column::outliers || c == column::rounds || c == column::iterations;
}

const char* label_of(column c) {
    switch (c) {
    case column::min:
        return "Min";
    case column::max:
        return "Max";
    case column::mean:
        return "Mean";
    case column::stddev:
        return "StdDev";
    case column::median:
        return "Median";
    case column::iqr:
        return "IQR";
    case column::outliers:
        return "Outliers";
    case column::ops:
        return "OPS";
    case column::rounds:
        return "Rounds";
    case column::iterations:
        return "Iterations";
    }
    return "?";
}

double value_of(const bench_result& r, column c) {
    switch (c) {
    case column::min:
        return r.stats.min;
    case column::max:
        return r.stats.max;
    case column::mean:
        return r.stats.mean;
    case column::stddev:
        return r.stats.stddev;
    case column::median:
        return r.stats.median;
    case column::iqr:
        return r.stats.iqr;
    case column::ops:
        return r.stats.ops;
    case column::outliers:
    case column::rounds:
    case column::iterations:
        break;
    }
    return 0;
}

std::string text_of(const bench_result& r, column c) {
    switch (c) {
    case column::outliers:
        return r.stats.outliers();
    case column::rounds:
        return std::to_string(r.stats.rounds);
    case column::iterations:
        return std::to_string(r.iterations);
    default:
        return {};
    }
}

// Bytes per second at the median round, in GB/s; 0 when unknown.
double throughput_gbps(const bench_result& r) {
    return r.bytes_per_round > 0 && r.stats.median > 0 ? r.bytes_per_round / r.stats.median / 1e9
                                                       : 0.0;
}

std::string utc_now_iso() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
        1000000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[80];
    std::snprintf(out, sizeof out, "%s.%06lld", buf, static_cast<long long>(micros));
    return out;
}

} // namespace

std::string bench_stats::outliers() const {
    return std::to_string(stddev_outliers) + ";" + std::to_string(iqr_outliers);
}

bench_stats compute_bench_stats(const std::vector<double>& seconds) {
    if (seconds.empty()) {
        throw std::invalid_argument("no rounds to compute statistics of");
    }
    std::vector<double> d = seconds;
    std::sort(d.begin(), d.end());
    const std::size_t n = d.size();
    bench_stats s;
    s.rounds = n;
    s.min = d.front();
    s.max = d.back();
    for (const double x : seconds) {
        s.total += x;
    }
    s.mean = s.total / static_cast<double>(n);
    if (n > 1) {
        double squares = 0;
        for (const double x : seconds) {
            squares += (x - s.mean) * (x - s.mean);
        }
        s.stddev = std::sqrt(squares / static_cast<double>(n - 1));
    }
    s.median = median_of(d, 0, n);
    s.q1 = quartile_1(d);
    s.q3 = quartile_3(d);
    s.iqr = s.q3 - s.q1;
    const double low_fence = s.q1 - 1.5 * s.iqr;
    const double high_fence = s.q3 + 1.5 * s.iqr;
    if (n == 1) {
        s.ld15iqr = s.hd15iqr = d[0];
    } else {
        // bisect_left and bisect_right, as pytest-benchmark does (hd15iqr is its first
        // datum past the fence, or the last datum).
        const auto lo = std::lower_bound(d.begin(), d.end(), low_fence);
        s.ld15iqr = lo == d.end() ? d.back() : *lo;
        const auto hi = std::upper_bound(d.begin(), d.end(), high_fence);
        s.hd15iqr = hi == d.end() ? d.back() : *hi;
    }
    for (const double x : seconds) {
        s.stddev_outliers += (x < s.mean - s.stddev || x > s.mean + s.stddev) ? 1U : 0U;
        s.iqr_outliers += (x < low_fence || x > high_fence) ? 1U : 0U;
    }
    s.ops = s.total > 0 ? static_cast<double>(n) / s.total : 0.0;
    return s;
}

bool round_policy::enough(std::size_t done, double elapsed) const {
    if (rounds > 0) {
        return done >= rounds;
    }
    return done >= max_rounds || (done >= min_rounds && elapsed >= max_time);
}

std::vector<double> time_rounds(const std::function<void()>& round, const round_policy& policy) {
    using clock = std::chrono::steady_clock;
    round(); // warm-up
    std::vector<double> seconds;
    double elapsed = 0;
    while (!policy.enough(seconds.size(), elapsed)) {
        const auto start = clock::now();
        round();
        const double took = std::chrono::duration<double>(clock::now() - start).count();
        seconds.push_back(took);
        elapsed += took;
    }
    return seconds;
}

std::string bench_table(std::vector<bench_result> results) {
    if (results.empty()) {
        return "no benchmarks\n";
    }
    std::stable_sort(
        results.begin(), results.end(),
        [](const bench_result& a, const bench_result& b) { return a.stats.min < b.stats.min; });
    std::map<column, double> best;
    std::map<column, double> worst;
    std::map<column, std::string> worst_text;
    for (const column c : all_columns) {
        for (const bench_result& r : results) {
            if (is_count(c)) {
                // Python's max() over the values: strings compare as strings.
                worst_text[c] = std::max(worst_text[c], text_of(r, c));
                continue;
            }
            const double v = value_of(r, c);
            const bool first = &r == &results.front();
            const bool higher_is_better = c == column::ops;
            if (first || (higher_is_better ? v > best[c] : v < best[c])) {
                best[c] = v;
            }
            if (first || (higher_is_better ? v < worst[c] : v > worst[c])) {
                worst[c] = v;
            }
        }
    }
    // Rounds and Iterations are numbers in pytest-benchmark: their worst is the largest.
    for (const column c : {column::rounds, column::iterations}) {
        std::size_t most = 0;
        for (const bench_result& r : results) {
            most = std::max(most, c == column::rounds ? r.stats.rounds : r.iterations);
        }
        worst_text[c] = std::to_string(most);
    }
    const auto [unit, adjustment] = time_unit(best[column::min]);
    const auto [ops_unit, ops_adjustment] = operations_unit(worst[column::ops]);

    std::map<column, std::string> labels;
    for (const column c : all_columns) {
        labels[c] = label_of(c);
    }
    if (!ops_unit.empty()) {
        labels[column::ops] = "OPS (" + ops_unit + "ops/s)";
    }
    const std::string name_label = "Name (time in " + unit + "s)";
    std::size_t name_width = name_label.size();
    for (const bench_result& r : results) {
        name_width = std::max(name_width, r.name.size());
    }
    name_width += 3;
    std::map<column, std::size_t> widths;
    for (const column c : all_columns) {
        std::size_t w = labels[c].size();
        if (is_count(c)) {
            w = std::max(w, worst_text[c].size());
        } else if (c == column::ops) {
            w = std::max(w, grouped(best[c] * ops_adjustment).size());
        } else {
            for (const bench_result& r : results) {
                w = std::max(w, grouped(value_of(r, c) * adjustment).size());
            }
        }
        widths[c] = w + 2;
    }
    const bool solo = results.size() == 1;
    const std::size_t rpadding = solo ? 0 : 10;
    const std::string throughput_label = "Throughput (GB/s)";
    const std::size_t throughput_width = throughput_label.size() + 2;

    std::string labels_line = left(name_label, name_width);
    for (const column c : all_columns) {
        labels_line += right(labels[c], widths[c]);
        if (!is_count(c)) {
            labels_line += std::string(rpadding, ' ');
        }
    }
    labels_line += right(throughput_label, throughput_width);
    const std::string rule(labels_line.size(), '-');

    std::string out = centered(" benchmark: " + std::to_string(results.size()) + " tests ",
                               labels_line.size(), '-') +
                      "\n";
    out += labels_line + "\n" + rule + "\n";
    for (const bench_result& r : results) {
        out += left(r.name, name_width);
        for (const column c : all_columns) {
            if (is_count(c)) {
                out += right(text_of(r, c), widths[c]);
                continue;
            }
            const double scale = c == column::ops ? ops_adjustment : adjustment;
            out += right(grouped(value_of(r, c) * scale), widths[c]);
            out +=
                rpadding == 0 ? std::string() : baseline_scale(best[c], value_of(r, c), rpadding);
        }
        const double gbps = throughput_gbps(r);
        out += right(gbps > 0 ? grouped(gbps, 2) : "-", throughput_width);
        out += "\n";
    }
    out += rule + "\n\n";
    out += "Legend:\n"
           "  Outliers: 1 Standard Deviation from Mean; 1.5 IQR (InterQuartile Range) from 1st "
           "Quartile and 3rd Quartile.\n"
           "  OPS: Operations Per Second, computed as 1 / Mean\n"
           "  Throughput: bytes one round reads / Median (the two-thread row reads the text "
           "twice)\n";
    return out;
}

std::string bench_json(const std::vector<bench_result>& results, const bench_json_context& ctx) {
    std::string out = "{\n    \"machine_info\": " + ctx.machine_info_json +
                      ",\n    \"commit_info\": " + ctx.commit_info_json +
                      ",\n    \"benchmarks\": [";
    for (std::size_t i = 0; i < results.size(); ++i) {
        const bench_result& r = results[i];
        const bench_stats& s = r.stats;
        out += i == 0 ? "\n" : ",\n";
        out += "        {\"group\": null, \"name\": " + json_string(r.name) +
               ", \"fullname\": " + json_string("gil_demo bench::" + r.name) +
               ", \"params\": null, \"param\": null, \"extra_info\": " + ctx.extra_info_json +
               ",\n         \"options\": {\"disable_gc\": false, \"timer\": "
               "\"std::chrono::steady_clock\", \"min_rounds\": " +
               std::to_string(ctx.policy.rounds > 0 ? ctx.policy.rounds : ctx.policy.min_rounds) +
               ", \"max_time\": " + json_number(ctx.policy.max_time) +
               ", \"min_time\": 0, \"warmup\": true},\n";
        out += "         \"stats\": {\"min\": " + json_number(s.min) +
               ", \"max\": " + json_number(s.max) + ", \"mean\": " + json_number(s.mean) +
               ", \"stddev\": " + json_number(s.stddev) +
               ", \"rounds\": " + std::to_string(s.rounds) +
               ", \"median\": " + json_number(s.median) + ", \"iqr\": " + json_number(s.iqr) +
               ", \"q1\": " + json_number(s.q1) + ", \"q3\": " + json_number(s.q3) +
               ", \"iqr_outliers\": " + std::to_string(s.iqr_outliers) +
               ", \"stddev_outliers\": " + std::to_string(s.stddev_outliers) +
               ", \"outliers\": " + json_string(s.outliers()) +
               ", \"ld15iqr\": " + json_number(s.ld15iqr) +
               ", \"hd15iqr\": " + json_number(s.hd15iqr) + ", \"ops\": " + json_number(s.ops) +
               ", \"total\": " + json_number(s.total) +
               ", \"iterations\": " + std::to_string(r.iterations) + ",\n          \"data\": [";
        for (std::size_t k = 0; k < r.seconds.size(); ++k) {
            out += (k == 0 ? "" : ", ") + json_number(r.seconds[k]);
        }
        out += "]}}";
    }
    out +=
        "\n    ],\n    \"datetime\": " +
        json_string(ctx.datetime.empty() ? utc_now_iso() : ctx.datetime) +
        ",\n    \"version\": " + json_string(std::string("gilsafe ") + gilsafe::version_string()) +
        "\n}\n";
    return out;
}

} // namespace gil_demo
