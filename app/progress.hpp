// app/progress.hpp: a "still working" line on stderr for long runs, only when stderr is a terminal
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

namespace gil_demo {

/// Shows "gil_demo: LABEL... 1.4 s" on stderr, redrawn every 100 ms once the run has
/// taken 300 ms, and erases it when destroyed. Silent when stderr is not a terminal
/// (pipes, files, CI logs) or TERM is "dumb".
class progress {
public:
    explicit progress(std::string label);
    progress(const progress&) = delete;
    progress& operator=(const progress&) = delete;
    ~progress();

    /// Changes what the line says (for example, which variant runs now).
    void set_label(std::string label);

private:
    void run();

    std::mutex mutex_;
    std::string label_;
    std::atomic<bool> done_{false};
    bool shown_ = false;
    std::chrono::steady_clock::time_point start_;
    std::thread thread_;
};

} // namespace gil_demo
