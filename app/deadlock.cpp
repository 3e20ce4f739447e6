// app/deadlock.cpp: `gil_demo deadlock`: the guide's deadlock in a watched child, then the fix
#include "commands.hpp"
#include "options.hpp"
#include "output.hpp"

#include "deadlock_demo.hpp"
#include "watchdog.hpp"

#include "gilsafe/gil.hpp"
#include "gilsafe/interrupt.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <memory>

namespace gil_demo {
namespace {

struct deadlock_options {
    double timeout = 2.0;
    std::string child;
};

std::string self_path() {
    char buf[PATH_MAX];
    const ssize_t len = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (len <= 0) {
        throw std::runtime_error("cannot find the gil_demo executable (/proc/self/exe)");
    }
    return std::string(buf, static_cast<std::size_t>(len));
}

int run_child(const std::string& which) {
    die_with_parent();
    return with_interpreter([&] {
        if (which == "wrong") {
            run_wrong_pattern();
            return exit_failure; // reached only if it did not deadlock
        }
        return run_right_pattern() == 2 ? exit_success : exit_failure;
    });
}

// The guard, in this process: the wrong pattern through the library is an exception.
bool guard_refuses_the_wrong_pattern() {
    return with_interpreter([] {
               std::vector<char> out;
               try {
                   gilsafe::evaluate_with_gil(
                       10, [](std::size_t) { return true; }, out);
               } catch (const gilsafe::gil_held_error& e) {
                   std::printf("   refused at once: %s\n", e.what());
                   return exit_success;
               }
               std::printf("   the guard did not fire\n");
               return exit_failure;
           }) == exit_success;
}

void print_indented(const std::string& output) {
    std::size_t start = 0;
    while (start < output.size()) {
        const std::size_t end = output.find('\n', start);
        const std::size_t stop = end == std::string::npos ? output.size() : end;
        std::printf("   | %s\n", output.substr(start, stop - start).c_str());
        start = stop + 1;
    }
}

// A pattern's child under the watchdog; Ctrl-C kills it (and its group) and exits 130.
child_outcome watched(const std::string& self, const char* pattern,
                      std::chrono::milliseconds timeout) {
    // Our handler in front before each child (watch_sigint puts it back if the interpreter
    // of step 2 replaced it): a Ctrl-C must not kill this process before its children.
    const gilsafe::stop_signal stop = gilsafe::stop_on_sigint();
    return run_with_watchdog({self, "deadlock", "--child", pattern}, timeout, stop);
}

int run_deadlock(const deadlock_options& o) {
    if (!o.child.empty()) {
        return run_child(o.child);
    }
    const std::string self = self_path();
    const auto timeout = std::chrono::milliseconds(static_cast<long>(o.timeout * 1000));
    bool ok = true;

    std::printf("1. The wrong pattern: GIL held while oneTBB workers wait for it (child process, "
                "%.1f s deadline)\n",
                o.timeout);
    flush_stdout();
    const child_outcome wrong = watched(self, "wrong", timeout);
    print_indented(wrong.output);
    const bool entered = wrong.output.find("wrong: the main thread holds") != std::string::npos;
    if (wrong.timed_out && entered && !wrong.group_left_running) {
        std::printf("   DEADLOCK detected: no progress for %.1f s; child %d killed, nothing left "
                    "running\n",
                    wrong.seconds, wrong.pid);
    } else {
        ok = false;
        std::printf("   expected a deadlock, but the child %s (exit code %d, signal %d)\n",
                    wrong.timed_out ? "never started the parallel region" : "finished",
                    wrong.exit_code, wrong.signal);
    }

    std::printf("2. The guard: gilsafe::evaluate_with_gil entered with the GIL held\n");
    flush_stdout();
    ok = guard_refuses_the_wrong_pattern() && ok;

    std::printf("3. The right pattern: GIL released around the parallel region (child process)\n");
    flush_stdout();
    // The right pattern is expected to finish: its deadline only guards against a hang, and
    // never less than 30 s (a loaded or sanitized machine may need seconds to start and end
    // an interpreter); --timeout is how soon the wrong pattern counts as hung.
    const child_outcome right =
        watched(self, "right", std::max(timeout, std::chrono::milliseconds(30000)));
    print_indented(right.output);
    if (!right.timed_out && right.exit_code == 0) {
        std::printf("   finished in %.3f s: no deadlock\n", right.seconds);
    } else {
        ok = false;
        std::printf("   the right pattern failed (%s, exit code %d)\n",
                    right.timed_out ? "timed out" : "exited", right.exit_code);
    }
    flush_stdout();
    if (!ok) {
        throw std::runtime_error("deadlock demo: a pattern did not behave as expected");
    }
    return exit_success;
}

} // namespace

void add_deadlock(CLI::App& app, command_table& commands) {
    auto o = std::make_shared<deadlock_options>();
    CLI::App* sub = app.add_subcommand(
        "deadlock", "Show the guide's deadlock safely: the wrong pattern in a child process that "
                    "is killed when it hangs, the guard that refuses it, then the right pattern.");
    sub->add_option("--timeout", o->timeout, "seconds without progress that count as a hang")
        ->transform(seconds_in(0.1, 600.0))
        ->capture_default_str();
    sub->add_option("--child", o->child, "internal: run one pattern in this process")
        ->check(CLI::IsMember({"wrong", "right"}))
        ->group("");
    commands.add(sub, [o] { return run_deadlock(*o); });
}

} // namespace gil_demo
