// tests/cli/test_bench_stats.cpp: gil_demo's benchmark statistics: pytest-benchmark's statistics,
// rounds, table, JSON
#include "bench_stats.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

using gil_demo::bench_result;
using gil_demo::bench_stats;
using gil_demo::compute_bench_stats;

// Expected values printed by pytest_benchmark.stats.Stats (3.2.2) for the same data.
struct expected_stats {
    std::vector<double> data;
    double min, max, mean, stddev, median, q1, q3, iqr, ld15iqr, hd15iqr, ops, total;
    std::size_t rounds;
    const char* outliers;
};

void expect_stats(const expected_stats& e) {
    const bench_stats s = compute_bench_stats(e.data);
    const std::string where = testing::PrintToString(e.data);
    EXPECT_DOUBLE_EQ(s.min, e.min) << where;
    EXPECT_DOUBLE_EQ(s.max, e.max) << where;
    EXPECT_DOUBLE_EQ(s.mean, e.mean) << where;
    EXPECT_DOUBLE_EQ(s.stddev, e.stddev) << where;
    EXPECT_DOUBLE_EQ(s.median, e.median) << where;
    EXPECT_DOUBLE_EQ(s.q1, e.q1) << where;
    EXPECT_DOUBLE_EQ(s.q3, e.q3) << where;
    EXPECT_DOUBLE_EQ(s.iqr, e.iqr) << where;
    EXPECT_DOUBLE_EQ(s.ld15iqr, e.ld15iqr) << where;
    EXPECT_DOUBLE_EQ(s.hd15iqr, e.hd15iqr) << where;
    EXPECT_DOUBLE_EQ(s.ops, e.ops) << where;
    EXPECT_DOUBLE_EQ(s.total, e.total) << where;
    EXPECT_EQ(s.rounds, e.rounds) << where;
    EXPECT_EQ(s.outliers(), e.outliers) << where;
}

TEST(BenchStats, OneRoundIsItsOwnEverything) {
    expect_stats({{0.5}, 0.5, 0.5, 0.5, 0, 0.5, 0.5, 0.5, 0, 0.5, 0.5, 2.0, 0.5, 1, "0;0"});
}

TEST(BenchStats, EvenCountsTakeQuartilesAsMediansOfHalves) {
    expect_stats({{0.25, 0.75},
                  0.25,
                  0.75,
                  0.5,
                  0.3535533905932738,
                  0.5,
                  0.25,
                  0.75,
                  0.5,
                  0.25,
                  0.75,
                  2.0,
                  1.0,
                  2,
                  "0;0"});
    expect_stats(
        {{4, 3, 2, 1}, 1, 4, 2.5, 1.2909944487358056, 2.5, 1.5, 3.5, 2, 1, 4, 0.4, 10, 4, "2;0"});
    expect_stats({{1, 2, 3, 4, 5, 6, 7, 100},
                  1,
                  100,
                  16,
                  34,
                  4.5,
                  2.5,
                  6.5,
                  4,
                  1,
                  100,
                  0.0625,
                  128,
                  8,
                  "1;1"});
}

TEST(BenchStats, OddCountsInterpolateQuartilesLikePytestBenchmark) {
    expect_stats({{3, 1, 2}, 1, 3, 2, 1, 2, 1.25, 2.75, 1.5, 1, 3, 0.5, 6, 3, "0;0"});
    expect_stats({{5, 1, 2, 3, 4},
                  1,
                  5,
                  3,
                  1.5811388300841898,
                  3,
                  1.75,
                  4.25,
                  2.5,
                  1,
                  5,
                  0.3333333333333333,
                  15,
                  5,
                  "2;0"});
    expect_stats({{1, 2, 3, 4, 5, 6, 100},
                  1,
                  100,
                  17.285714285714285,
                  36.51353304239532,
                  4,
                  2.25,
                  5.75,
                  3.5,
                  1,
                  100,
                  0.05785123966942149,
                  121,
                  7,
                  "1;1"});
    expect_stats({{9, 1, 2, 3, 4, 5, 6, 7, 8},
                  1,
                  9,
                  5,
                  2.7386127875258306,
                  5,
                  2.75,
                  7.25,
                  4.5,
                  1,
                  9,
                  0.2,
                  45,
                  9,
                  "4;0"});
}

TEST(BenchStats, TukeyBoundsAreTheFirstDataAtOrPastTheFences) {
    // hd15iqr is pytest-benchmark's bisect_right: the first datum beyond the upper fence.
    expect_stats({{1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 50},
                  1,
                  50,
                  5.909090909090909,
                  14.631845717164635,
                  2,
                  1,
                  2,
                  1,
                  1,
                  50,
                  0.16923076923076924,
                  65,
                  11,
                  "1;1"});
    expect_stats({{0.1, 10, 10, 10, 11, 11, 11, 12},
                  0.1,
                  12,
                  9.3875,
                  3.817417788430888,
                  10.5,
                  10,
                  11,
                  1,
                  10,
                  12,
                  0.10652463382157125,
                  75.1,
                  8,
                  "1;1"});
}

TEST(BenchStats, NoRoundsIsAnError) {
    EXPECT_THROW(compute_bench_stats({}), std::invalid_argument);
}

TEST(RoundPolicy, FixedRoundsAreExact) {
    gil_demo::round_policy p;
    p.rounds = 3;
    EXPECT_FALSE(p.enough(2, 100.0));
    EXPECT_TRUE(p.enough(3, 0.0));
}

TEST(RoundPolicy, AdaptiveRoundsRunForMaxTimeAndAtLeastMinRounds) {
    gil_demo::round_policy p;
    p.max_time = 1.0;
    p.min_rounds = 5;
    p.max_rounds = 1000;
    EXPECT_FALSE(p.enough(4, 10.0)); // slow rounds: still the minimum
    EXPECT_TRUE(p.enough(5, 10.0));
    EXPECT_FALSE(p.enough(500, 0.5)); // fast rounds: until the time is spent
    EXPECT_TRUE(p.enough(501, 1.0));
    EXPECT_TRUE(p.enough(1000, 0.1)); // but never more than max_rounds
}

TEST(TimeRounds, WarmsUpOnceThenTimesEachRound) {
    gil_demo::round_policy p;
    p.rounds = 7;
    int calls = 0;
    const std::vector<double> seconds = gil_demo::time_rounds([&] { ++calls; }, p);
    EXPECT_EQ(calls, 8);
    ASSERT_EQ(seconds.size(), 7U);
    for (const double s : seconds) {
        EXPECT_GE(s, 0.0);
    }
}

bench_result result(const std::string& name, std::vector<double> seconds, double bytes = 0) {
    bench_result r;
    r.name = name;
    r.seconds = std::move(seconds);
    r.stats = compute_bench_stats(r.seconds);
    r.bytes_per_round = bytes;
    return r;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t end = text.find('\n', at);
        out.push_back(text.substr(at, end - at));
        at = end == std::string::npos ? text.size() : end + 1;
    }
    return out;
}

TEST(BenchTable, HasTheGuidesColumnsSortedByMinWithRatiosToTheBest) {
    const std::string table =
        gil_demo::bench_table({result("test_slow", {0.004, 0.004, 0.004}, 1e6),
                               result("test_fast", {0.002, 0.002}, 1e6)});
    const std::vector<std::string> lines = lines_of(table);
    ASSERT_GE(lines.size(), 6U);
    EXPECT_NE(lines[0].find(" benchmark: 2 tests "), std::string::npos);
    for (const char* label : {"Name (time in ms)", "Min", "Max", "Mean", "StdDev", "Median", "IQR",
                              "Outliers", "OPS", "Rounds", "Iterations", "Throughput (GB/s)"}) {
        EXPECT_NE(lines[1].find(label), std::string::npos) << label;
    }
    EXPECT_EQ(lines[2], std::string(lines[1].size(), '-'));
    EXPECT_EQ(lines[0].size(), lines[1].size());
    EXPECT_EQ(lines[3].rfind("test_fast", 0), 0U);
    EXPECT_NE(lines[3].find("2.0000 (1.0)"), std::string::npos) << lines[3];
    EXPECT_EQ(lines[4].rfind("test_slow", 0), 0U);
    EXPECT_NE(lines[4].find("4.0000 (2.00)"), std::string::npos) << lines[4];
    EXPECT_NE(lines[4].find("250.0000 (0.50)"), std::string::npos) << lines[4]; // OPS
    EXPECT_NE(lines[4].find("0.25"), std::string::npos) << lines[4];            // GB/s
}

TEST(BenchTable, GroupsThousandsAsPythonsCommaFormatDoes) {
    const std::string table = gil_demo::bench_table({result("test_one", {1234.5})});
    EXPECT_NE(table.find("Name (time in s)"), std::string::npos);
    EXPECT_NE(table.find("1,234.5000"), std::string::npos) << table;
    EXPECT_EQ(table.find("(1.0)"), std::string::npos) << "a lone row has no ratios";
}

TEST(BenchJson, HasPytestBenchmarksLayout) {
    gil_demo::bench_json_context ctx;
    ctx.datetime = "2024-01-01T00:00:00.000000";
    const std::string json =
        gil_demo::bench_json({result("test_word_count_cpp_parallel", {0.25, 0.75})}, ctx);
    for (const char* key :
         {"\"machine_info\": {}", "\"commit_info\": {}", "\"benchmarks\": [",
          "\"name\": \"test_word_count_cpp_parallel\"", "\"group\": null", "\"min\": 0.25",
          "\"max\": 0.75", "\"mean\": 0.5", "\"median\": 0.5", "\"iqr\": 0.5", "\"ops\": 2",
          "\"rounds\": 2", "\"outliers\": \"0;0\"", "\"iterations\": 1", "\"data\": [0.25, 0.75]",
          "\"datetime\": \"2024-01-01T00:00:00.000000\"", "\"version\": "}) {
        EXPECT_NE(json.find(key), std::string::npos) << key << "\n" << json;
    }
}

} // namespace
