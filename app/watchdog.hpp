// app/watchdog.hpp: runs a child process under a deadline, so a hang is a result, not a stall
#pragma once

#include "gilsafe/interrupt.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace gil_demo {

/// How a watched child process ended.
struct child_outcome {
    /// The deadline passed first: the child's process group was killed with SIGKILL.
    bool timed_out = false;
    /// Its exit status when it exited by itself, else -1.
    int exit_code = -1;
    /// The signal that ended it when one did (SIGKILL after a time-out), else 0.
    int signal = 0;
    double seconds = 0;
    /// Everything it wrote to standard output.
    std::string output;
    /// Its process id (already reaped: no longer running when this is returned).
    int pid = -1;
    /// True if some process of its group still ran after the child was reaped.
    bool group_left_running = false;
};

/// Starts argv[0] (a path) with argv in a new process group, its standard output
/// captured, and waits at most `timeout`. Past the deadline it kills the whole group
/// and reaps the child: no process is left behind either way. When `stop` turns on
/// (Ctrl-C), it kills and reaps the group the same way and throws gilsafe::interrupted.
/// Throws std::runtime_error if the child cannot be started.
child_outcome run_with_watchdog(const std::vector<std::string>& argv,
                                std::chrono::milliseconds timeout, gilsafe::stop_signal stop = {});

/// Makes the calling process die with its parent (a watched child calls this first, so
/// that it cannot outlive a parent killed in turn).
void die_with_parent();

} // namespace gil_demo
