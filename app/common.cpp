// app/common.cpp: helpers shared by the subcommands
#include "commands.hpp"
#include "embedded_python.hpp"
#include "options.hpp"
#include "output.hpp"

#include "gilsafe/gil.hpp"
#include "gilsafe/interrupt.hpp"

#include <pybind11/embed.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>

namespace gil_demo {

void add_threads_option(CLI::App* sub, int& threads) {
    add_integer_option(sub, "--threads", threads, 1, 4096,
                       "cap oneTBB at N threads (default: all cores)");
}

std::string one_line(const std::string& msg) {
    std::string out;
    for (const char c : msg) {
        if (c == '\n' || c == '\r') {
            if (!out.empty() && out.compare(out.size() - 3, 3, " | ") != 0) {
                out += " | ";
            }
        } else {
            out += c;
        }
    }
    while (out.size() >= 3 && out.compare(out.size() - 3, 3, " | ") == 0) {
        out.resize(out.size() - 3);
    }
    return out;
}

namespace {

// Ctrl-C must end gil_demo within a fraction of a second even when the main thread is
// deep inside one long C call of Python's (str.splitlines() on a big text) that checks no
// signal until it returns: after a short grace period for the normal path, this thread
// ends the process itself.
class interrupt_deadline {
public:
    interrupt_deadline() : stop_(gilsafe::stop_on_sigint()), thread_([this] { watch(); }) {}
    interrupt_deadline(const interrupt_deadline&) = delete;
    interrupt_deadline& operator=(const interrupt_deadline&) = delete;
    ~interrupt_deadline() {
        done_.store(true);
        thread_.join();
    }

    /// True once a SIGINT has come since the interpreter started.
    bool interrupted() const { return stop_.requested(); }

private:
    void watch() {
        using namespace std::chrono_literals;
        while (!done_.load()) {
            if (stop_.requested()) {
                const auto deadline = std::chrono::steady_clock::now() + 100ms;
                while (!done_.load() && std::chrono::steady_clock::now() < deadline) {
                    std::this_thread::sleep_for(5ms);
                }
                if (!done_.load()) {
                    exit_interrupted();
                }
                return;
            }
            std::this_thread::sleep_for(10ms);
        }
    }

    gilsafe::stop_signal stop_;
    std::atomic<bool> done_{false};
    std::thread thread_;
};

} // namespace

namespace {

// SIGINT held back on this thread while the interpreter starts: a Ctrl-C then would
// surface as "Failed to import the site module" (KeyboardInterrupt inside Python's own
// start-up). It is delivered when the object goes, once our handler is in place, and
// ends the run like any Ctrl-C.
class sigint_held_back {
public:
    sigint_held_back() {
        sigset_t sigint;
        sigemptyset(&sigint);
        sigaddset(&sigint, SIGINT);
        pthread_sigmask(SIG_BLOCK, &sigint, &previous_);
    }
    sigint_held_back(const sigint_held_back&) = delete;
    sigint_held_back& operator=(const sigint_held_back&) = delete;
    ~sigint_held_back() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

private:
    sigset_t previous_{};
};

} // namespace

int with_interpreter(const std::function<int()>& body) {
    // Python's SIGINT handler (KeyboardInterrupt in Python code) with ours in front of it
    // (a stop request for the C++ work).
    std::optional<sigint_held_back> held_back(std::in_place);
    const embedded_python interpreter(true); // the build's Python, not PATH's python3
    pybind11::module_::import("threading");  // its main thread is this one (see gil.hpp)
    const interrupt_deadline deadline;       // puts our SIGINT handler in front of Python's
    held_back.reset();                       // a Ctrl-C during start-up arrives now
    // A failure after Ctrl-C (a predicate still running raised) is reported as the Ctrl-C:
    // the user asked to stop, and 130 says so.
    try {
        const int code = body();
        flush_stdout(); // before Py_FinalizeEx flushes it and the reason of a failure is lost
        return code;
    } catch (const gilsafe::interrupted&) {
        exit_interrupted();
    } catch (const pybind11::error_already_set& e) {
        if (e.matches(PyExc_KeyboardInterrupt) || deadline.interrupted()) {
            exit_interrupted();
        }
        throw std::runtime_error(gilsafe::python_error_message(e));
    } catch (...) {
        if (deadline.interrupted()) {
            exit_interrupted();
        }
        throw;
    }
}

[[noreturn]] void exit_interrupted() {
    // The work has stopped; nothing is left to save. Tearing down the interpreter and
    // gigabytes of Python objects would only make Ctrl-C slow, so leave at once.
    std::fputs("gil_demo: interrupted\n", stderr);
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(exit_interrupted_code);
}

} // namespace gil_demo
