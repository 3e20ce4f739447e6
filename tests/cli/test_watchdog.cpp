// tests/cli/test_watchdog.cpp: the hang detector itself, and the canary: the guide's deadlock is
// seen as one
#include "watchdog.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

namespace {

using namespace std::chrono_literals;

bool process_gone(int pid) {
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}

// The canary: the wrong pattern really deadlocks, every time, and the harness sees it.
// If this ever passes the deadline, the harness could no longer tell a hang.
TEST(Watchdog, TheGuidesDeadlockIsDetectedAsAHang) {
    for (int run = 0; run < 3; ++run) {
        const auto outcome =
            gil_demo::run_with_watchdog({GIL_DEMO_PATH, "deadlock", "--child", "wrong"}, 1500ms);
        EXPECT_TRUE(outcome.timed_out) << outcome.output;
        EXPECT_NE(outcome.output.find("wrong: the main thread holds the GIL"), std::string::npos)
            << outcome.output;
        EXPECT_EQ(outcome.output.find("finished"), std::string::npos) << outcome.output;
        EXPECT_EQ(outcome.signal, SIGKILL);
        EXPECT_FALSE(outcome.group_left_running);
        EXPECT_TRUE(process_gone(outcome.pid));
    }
}

TEST(Watchdog, TheRightPatternFinishesWithTwoThreads) {
    const auto outcome =
        gil_demo::run_with_watchdog({GIL_DEMO_PATH, "deadlock", "--child", "right"}, 30s);
    EXPECT_FALSE(outcome.timed_out);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
    EXPECT_NE(outcome.output.find("2 threads each took the GIL"), std::string::npos)
        << outcome.output;
}

TEST(Watchdog, ASleepingChildIsKilledAtTheDeadline) {
    const auto start = std::chrono::steady_clock::now();
    const auto outcome = gil_demo::run_with_watchdog({"/bin/sleep", "30"}, 200ms);
    EXPECT_TRUE(outcome.timed_out);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
    EXPECT_TRUE(process_gone(outcome.pid));
}

TEST(Watchdog, GrandchildrenGoWithTheChild) {
    const auto outcome =
        gil_demo::run_with_watchdog({"/bin/sh", "-c", "sleep 30 & sleep 30 & wait"}, 300ms);
    EXPECT_TRUE(outcome.timed_out);
    EXPECT_FALSE(outcome.group_left_running);
}

TEST(Watchdog, ExitCodeAndOutputOfAFinishedChildAreReported) {
    const auto outcome = gil_demo::run_with_watchdog({"/bin/sh", "-c", "echo hi; exit 3"}, 10s);
    EXPECT_FALSE(outcome.timed_out);
    EXPECT_EQ(outcome.exit_code, 3);
    EXPECT_EQ(outcome.output, "hi\n");
}

// Ctrl-C while a child runs: the child and its group are killed and reaped before the
// watchdog throws gilsafe::interrupted (gil_demo deadlock then exits 130).
TEST(Watchdog, AStopRequestKillsTheChildAndThrows) {
    const std::string pid_file = ::testing::TempDir() + "watchdog_stop_pid";
    std::remove(pid_file.c_str());
    std::atomic<std::uint64_t> sigints{0};
    const gilsafe::stop_signal stop{&sigints, 0};
    std::thread ctrl_c([&] { // once the child runs (its pid written), at most 10 s
        int written = 0;
        for (int i = 0; i < 1000 && !(std::ifstream(pid_file) >> written); ++i) {
            std::this_thread::sleep_for(10ms);
        }
        std::this_thread::sleep_for(50ms);
        sigints.fetch_add(1);
    });
    const auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(gil_demo::run_with_watchdog(
                     {"/bin/sh", "-c", "echo $$ > '" + pid_file + "'; sleep 30 & sleep 30 & wait"},
                     60s, stop),
                 gilsafe::interrupted);
    ctrl_c.join();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
    int pid = 0;
    std::ifstream(pid_file) >> pid;
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(process_gone(pid)); // killed and reaped, not a zombie
    std::remove(pid_file.c_str());
}

TEST(Watchdog, AMissingProgramIsAnError) {
    EXPECT_THROW(gil_demo::run_with_watchdog({"/nonexistent/program"}, 1s), std::runtime_error);
}

} // namespace
