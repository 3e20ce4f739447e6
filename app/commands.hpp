// app/commands.hpp: the subcommands' registration and the CLI's exit codes
#pragma once

#include "threads.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace gil_demo {

constexpr int exit_success = 0;
constexpr int exit_failure = 1; // runtime error: bad input file, disagreeing variants, ...
constexpr int exit_usage = 2;   // bad arguments
constexpr int exit_interrupted_code = 130; // Ctrl-C: 128 + SIGINT, as shells report it

/// An argument CLI11 accepted but the command cannot use (exit code 2).
class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The action of the subcommand that was parsed.
class command_table {
public:
    void add(CLI::App* sub, std::function<int()> action) {
        sub->callback([this, action] { chosen_ = action; });
    }
    int run() const { return chosen_ ? chosen_() : exit_usage; }

private:
    std::function<int()> chosen_;
};

/// Adds `--threads N` (1 to 4096; default: all cores) to `sub`; cap_threads applies it.
void add_threads_option(CLI::App* sub, int& threads);

/// `msg` on one line: newlines (from a Python traceback, say) become " | ".
std::string one_line(const std::string& msg);

/// Starts the embedded interpreter with Ctrl-C watched (gilsafe::watch_sigint), runs
/// `body`, and turns a Python error escaping it into a one-line std::runtime_error before
/// the interpreter ends. Ctrl-C (gilsafe::interrupted, KeyboardInterrupt) exits at once.
int with_interpreter(const std::function<int()>& body);

/// Prints "gil_demo: interrupted" and leaves with code 130 at once.
[[noreturn]] void exit_interrupted();

void add_wordcount(CLI::App& app, command_table& commands);
void add_userids(CLI::App& app, command_table& commands);
void add_deadlock(CLI::App& app, command_table& commands);
void add_bench(CLI::App& app, command_table& commands);

} // namespace gil_demo
